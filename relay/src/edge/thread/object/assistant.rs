//! The thread's side of the assistant ([`crate::assistant`]): what it remembers of its bot
//! (`meta`: silenced or not and why, unconfident answers in a row, the last message
//! answered), the decision when a visitor's message is stored (an assistant job in the
//! outbox, due at once or after the brand's `afterSeconds`, or a handoff), a person's
//! message silencing the bot, and the [`AssistantCall`]s of the consumer, the visitor and
//! the team. A bot message's sources (knowledge entry ids) are kept by client id in
//! `bot_sources`, so that its delivery jobs carry them to the team and the webhook.

use super::{internal, now, sql_int, Outcome, Thread, MESSAGE_COLUMNS};
use crate::assistant::{self, texts, Decision, HandoffReason, Mode, Opening, ThreadState};
use crate::connector::webhook::EventKind;
use crate::delivery::{Target, VisitorContext};
use crate::edge::assistant::{AssistantAnswer, AssistantCall, Question};
use crate::edge::thread::Append;
use crate::error::RelayError;
use confab_protocol::{
    Author, BrandId, BusinessHours, Channel, ClientMessageId, Message, HANDOFF_CLIENT_ID_PREFIX,
};
use worker::SqlStorageValue;

/// The bot's sources by the client id of its message.
pub(super) const SOURCES_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS bot_sources \
     (client_id TEXT PRIMARY KEY, sources TEXT NOT NULL)";

/// Where the thread keeps its [`ThreadState`] in `meta`.
const STATE_KEY: &str = "assistant";

impl Thread {
    pub(super) fn assistant_state(&self) -> Outcome<ThreadState> {
        Ok(self.meta_json(STATE_KEY)?.unwrap_or_default())
    }

    fn set_assistant_state(&self, state: &ThreadState) -> Outcome<()> {
        self.set_meta_json(STATE_KEY, state)
    }

    /// The visitor's language, as their browser said when the thread started.
    fn visitor_language(&self) -> Outcome<Option<String>> {
        Ok(self
            .meta("context")?
            .and_then(|json| serde_json::from_str::<VisitorContext>(&json).ok())
            .and_then(|context| context.language))
    }

    /// Whether the team is open now, by the brand's hours in their time zone.
    fn opening(&self) -> Outcome<Opening> {
        let policy = self.policy()?;
        let Some(hours) = policy.assistant.and_then(|plan| plan.business_hours) else {
            return Ok(Opening::Unknown);
        };
        Ok(match opening_minutes(&hours, now()) {
            Some(0) => Opening::Open,
            Some(minutes) => Opening::ClosedFor(minutes),
            None => Opening::Unknown,
        })
    }

    /// What the bot does about a newly stored message: a person's silences it; a visitor's
    /// may queue an assistant job or hand the thread over. Returns the lanes to
    /// [`Thread::pump`]. Synchronous, so that it commits with the message.
    pub(super) fn plan_assistant(&self, message: &Message) -> Outcome<Vec<String>> {
        match message.author {
            Author::Agent => {
                let state = self.assistant_state()?;
                let next = assistant::person_answered(&state);
                if next != state {
                    self.set_assistant_state(&next)?;
                }
                Ok(Vec::new())
            }
            Author::Visitor => {
                let policy = self.policy()?;
                let Some(plan) = policy.assistant.as_ref() else {
                    return Ok(Vec::new());
                };
                let opening = match plan.settings.mode {
                    Mode::OutsideHours => self.opening()?,
                    _ => Opening::Unknown,
                };
                let state = self.assistant_state()?;
                let at = message.created_at.0;
                match assistant::on_visitor_message(Some(plan), &state, &message.text, at, opening)
                {
                    Decision::Quiet => Ok(Vec::new()),
                    Decision::Handoff(reason) => self.hand_off(
                        reason,
                        format!("{HANDOFF_CLIENT_ID_PREFIX}{}", message.seq.0),
                    ),
                    Decision::Answer { due_at } => {
                        let target = Target::Assistant { due_at };
                        Ok(vec![self.add_job(target, Some(message.clone()))?])
                    }
                }
            }
            _ => Ok(Vec::new()),
        }
    }

    /// Hands the thread over: the bot is silenced, the visitor told what happens next (a
    /// bot message with `client_id`), the team told in its topic, the backend sent
    /// `thread.handoff`. Returns the lanes to [`Thread::pump`]; synchronous.
    fn hand_off(&self, reason: HandoffReason, client_id: String) -> Outcome<Vec<String>> {
        let state = self.assistant_state()?;
        self.set_assistant_state(&assistant::handed_off(&state))?;
        self.observe(crate::insights::Event::HandedOver {
            at: now(),
            reason: crate::insights::handover_of(reason),
        })?;
        let policy = self.policy()?;
        let language = self.visitor_language()?;
        let (line, created) = self.append(Append {
            client_id: ClientMessageId::new(client_id),
            text: texts::handoff(language.as_deref(), self.opening()?),
            author: Author::Bot,
            channel: Channel::Web,
            sender: None,
            attachments: Vec::new(),
            policy: policy.clone(),
            replies: Vec::new(),
        })?;
        if !created {
            return Ok(Vec::new());
        }
        let mut lanes = self.plan_forwarding(&line)?;
        if policy.forward.telegram {
            let note = Target::TeamNote {
                text: texts::team_handoff(reason),
            };
            lanes.push(self.add_job(note, None)?);
        }
        if policy.forward.webhook {
            let event = Target::Webhook {
                event: EventKind::ThreadHandoff,
            };
            lanes.push(self.add_job(event, Some(line))?);
        }
        Ok(lanes)
    }

    /// The sources kept for a bot message, for its delivery jobs (none for other messages).
    pub(super) fn sources_of(&self, message: Option<&Message>) -> Outcome<Vec<String>> {
        let Some(message) = message.filter(|message| message.author == Author::Bot) else {
            return Ok(Vec::new());
        };
        #[derive(serde::Deserialize)]
        struct Row {
            sources: String,
        }
        let rows: Vec<Row> = self.rows(
            "SELECT sources FROM bot_sources WHERE client_id = ?",
            vec![SqlStorageValue::from(message.client_id.to_string())],
        )?;
        Ok(rows
            .first()
            .and_then(|row| serde_json::from_str(&row.sources).ok())
            .unwrap_or_default())
    }

    fn keep_sources(&self, client_id: &str, sources: &[String]) -> Outcome<()> {
        self.sql
            .exec(
                "INSERT OR REPLACE INTO bot_sources (client_id, sources) VALUES (?, ?)",
                vec![
                    SqlStorageValue::from(client_id.to_string()),
                    SqlStorageValue::from(serde_json::to_string(sources).map_err(internal)?),
                ],
            )
            .map_err(internal)?;
        Ok(())
    }

    fn check_brand(&self, brand: &BrandId) -> Outcome<()> {
        match self.policy()?.brand == *brand {
            true => Ok(()),
            false => Err(RelayError::NotFound("thread".into())),
        }
    }

    /// Answers an [`AssistantCall`].
    pub(super) async fn assistant(&self, call: AssistantCall) -> Outcome<AssistantAnswer> {
        match call {
            AssistantCall::Due { seq } => Ok(AssistantAnswer::Due {
                question: self.question(seq)?,
            }),
            AssistantCall::Reply { seq, reply } => {
                let language = self.visitor_language()?;
                let state = self.assistant_state()?;
                let (outcome, next) =
                    assistant::after_reply(&state, seq, reply, language.as_deref());
                self.set_assistant_state(&next)?;
                match outcome {
                    assistant::Outcome::Nothing => {}
                    assistant::Outcome::Say {
                        text,
                        sources,
                        replies,
                    } => {
                        let client_id = format!("bot:{seq}");
                        if !sources.is_empty() {
                            self.keep_sources(&client_id, &sources)?;
                        }
                        self.store(Append {
                            client_id: ClientMessageId::new(client_id),
                            text,
                            author: Author::Bot,
                            channel: Channel::Web,
                            sender: None,
                            attachments: Vec::new(),
                            policy: self.policy()?,
                            // The entry's quick replies, checked when it was stored.
                            replies,
                        })
                        .await?;
                    }
                    assistant::Outcome::Handoff(reason) => {
                        let lanes =
                            self.hand_off(reason, format!("{HANDOFF_CLIENT_ID_PREFIX}{seq}"))?;
                        self.pump_all(lanes).await?;
                    }
                }
                Ok(AssistantAnswer::Done)
            }
            AssistantCall::Handoff { brand, reason } => {
                self.check_brand(&brand)?;
                let state = self.assistant_state()?;
                // Asked again: the team knows already.
                if state.silence != Some(assistant::Silence::HandedOff) {
                    let id = format!("{HANDOFF_CLIENT_ID_PREFIX}{}", crate::edge::random_id()?);
                    let lanes = self.hand_off(reason, id)?;
                    self.pump_all(lanes).await?;
                }
                Ok(AssistantAnswer::State { on: false })
            }
            AssistantCall::Switch { brand, on } => {
                self.check_brand(&brand)?;
                let state = self.assistant_state()?;
                let next = assistant::switched(&state, on);
                if next != state {
                    self.set_assistant_state(&next)?;
                    if self.policy()?.forward.telegram {
                        let note = Target::TeamNote {
                            text: texts::team_switched(on).to_string(),
                        };
                        let lane = self.add_job(note, None)?;
                        self.pump_all(vec![lane]).await?;
                    }
                }
                Ok(AssistantAnswer::State { on })
            }
        }
    }

    async fn pump_all(&self, lanes: Vec<String>) -> Outcome<()> {
        for lane in lanes {
            // The jobs are stored; one that does not reach the queue now is sent by the
            // alarm.
            if let Err(error) = self.pump(&lane).await {
                worker::console_error!("sending an assistant job: {error}");
            }
        }
        Ok(())
    }

    /// The visitor's message `seq` for the bot, if the bot still answers it: not silenced,
    /// not answered already, and no person of the team wrote after it.
    fn question(&self, seq: u64) -> Outcome<Option<Question>> {
        let state = self.assistant_state()?;
        if state.silence.is_some() || seq <= state.replied_to {
            return Ok(None);
        }
        let person_after = self.number(
            "SELECT MAX(seq) AS value FROM messages WHERE author = 'agent'",
            None,
        )?;
        if person_after.is_some_and(|latest| latest > seq) {
            return Ok(None);
        }
        let mut rows: Vec<Message> = self.rows(
            &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE seq = ? AND author = 'visitor'"),
            vec![sql_int(seq)?],
        )?;
        Ok(rows.pop().map(|message| Question {
            text: message.text,
            language: self.visitor_language().ok().flatten(),
        }))
    }
}

/// Minutes until the team opens (0: open now) at `now` (ms), by the brand's hours in
/// their IANA zone, read with the runtime's own time-zone data (`Intl.DateTimeFormat`);
/// `None` for a zone it does not know, or hours that never open.
fn opening_minutes(hours: &BusinessHours, now: u64) -> Option<u32> {
    use worker::js_sys::{self, Array, Object, Reflect};
    use worker::wasm_bindgen::JsCast;
    let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
    let constructor: js_sys::Function = Reflect::get(&intl, &"DateTimeFormat".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let options = Object::new();
    for (key, value) in [
        ("timeZone", hours.time_zone.as_str()),
        ("weekday", "short"),
        ("hour", "numeric"),
        ("minute", "numeric"),
        ("hourCycle", "h23"),
    ] {
        Reflect::set(&options, &key.into(), &value.into()).ok()?;
    }
    // Constructed by reflection: an unknown zone throws, and is caught here.
    let format: js_sys::Intl::DateTimeFormat =
        Reflect::construct(&constructor, &Array::of2(&"en-US".into(), &options))
            .ok()?
            .unchecked_into();
    let (mut weekday, mut hour, mut minute) = (None, None, None);
    for part in format
        .format_to_parts(&js_sys::Date::new(&(now as f64).into()))
        .iter()
    {
        let field = |name: &str| Reflect::get(&part, &name.into()).ok()?.as_string();
        let value = field("value").unwrap_or_default();
        match field("type").as_deref() {
            Some("weekday") => {
                weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
                    .iter()
                    .position(|day| *day == value)
            }
            Some("hour") => hour = value.parse::<u32>().ok(),
            Some("minute") => minute = value.parse::<u32>().ok(),
            _ => {}
        }
    }
    let weekday = u8::try_from(weekday? + 1).ok()?;
    hours.minutes_until_open(weekday, (hour? % 24) * 60 + minute?)
}
