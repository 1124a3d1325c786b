//! Delivery jobs: what the thread's object puts on the `confab-outbound` queue, and what the
//! consumer does after each attempt.
//!
//! The object never calls a third party. When it stores a message it enqueues one [`Job`]
//! per target ([`route`]); the consumer delivers through a connector and asks [`next_step`]
//! what follows: done, again after a backoff (exponential, with jitter, at least what the
//! provider asked for), refused for good, or dead — sent to the dead-letter queue, and the
//! message marked failed. A provider's "slow down" (429) postpones the job without counting
//! as a failed attempt, so a busy Telegram group delays messages rather than losing them.

use crate::connector::webhook::EventKind;
use crate::connector::wechat::WINDOW_MS as WECHAT_WINDOW_MS;
use crate::connector::whatsapp::WINDOW_MS;
use crate::connector::{Delivery, Failure, FailureReason, Forwarding};
use confab_protocol::{Author, BrandId, Channel, Message, ThreadId};
use serde::{Deserialize, Serialize};

/// Failed attempts before a job is given up (dead-lettered).
pub const MAX_ATTEMPTS: u32 = 6;

/// "Slow down" answers a job may get before it is given up (a provider that never lets it
/// through is as good as down).
pub const MAX_POSTPONEMENTS: u32 = 200;

/// The longest wait between attempts.
pub const MAX_DELAY_SECONDS: u32 = 15 * 60;

/// Where a job goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Target {
    /// The thread's topic in the brand's Telegram group.
    Telegram,
    /// The brand's webhook, as this event.
    Webhook {
        /// The event.
        event: EventKind,
    },
    /// The visitor's WhatsApp, once the thread is linked there.
    Whatsapp {
        /// The visitor's WhatsApp id.
        wa_id: String,
        /// Whether the 24-hour window was open when the message was stored (else only a
        /// template may go).
        window_open: bool,
    },
    /// The visitor's WeChat, once the thread is linked there.
    Wechat {
        /// The visitor's OpenID (for the brand's Official Account).
        open_id: String,
        /// Whether the 48-hour window was open when the message was stored (else only a
        /// template may go).
        window_open: bool,
    },
    /// One of the visitor's browsers, by web push: a team reply they had not seen by
    /// `due_at` (ms), which is when the job may go.
    Push {
        /// The subscription's endpoint (its keys stay in the thread).
        endpoint: String,
        /// Not before this (ms): the brand's delay after the reply.
        due_at: u64,
    },
    /// The visitor's verified email address ([`crate::email`]): the email is composed when
    /// the job is attempted, from what the thread holds then.
    Email {
        /// Which email.
        email: crate::email::EmailKind,
    },
    /// The assistant ([`crate::assistant`]): answer the job's visitor message from the
    /// brand's knowledge, not before `due_at` (ms). The thread is asked again when the job
    /// runs, so an answer that a person overtook is dropped.
    Assistant {
        /// Not before this (ms): the brand's `afterSeconds` after the visitor's message.
        due_at: u64,
    },
    /// A note for the team in the thread's Telegram topic (a handoff, the bot turned on or
    /// off), not a message of the thread.
    TeamNote {
        /// The note.
        text: String,
    },
    /// D1: a fact derived from the thread, written until D1 takes it (never given up).
    Directory {
        /// The fact.
        fact: crate::directory::Fact,
    },
    /// The bucket: an erased thread's files, deleted until R2 has none left (never given
    /// up: an erased thread's bytes must not outlive it).
    Files,
}

impl Target {
    /// The ordered lane the target's jobs go through, if any. Telegram and WhatsApp show
    /// messages in the order they arrive, so a thread's jobs for them go one at a time, in
    /// the thread's order: a retried message holds back the ones after it rather than
    /// being overtaken. Webhook events carry their `seq`, and go at once.
    pub fn ordered_lane(&self) -> Option<Lane> {
        match self {
            Target::Telegram | Target::TeamNote { .. } => Some(Lane::Telegram),
            Target::Whatsapp { .. } => Some(Lane::Whatsapp),
            Target::Wechat { .. } => Some(Lane::Wechat),
            Target::Email { .. } => Some(Lane::Email),
            Target::Directory { .. } => Some(Lane::Directory),
            Target::Webhook { .. }
            | Target::Push { .. }
            | Target::Assistant { .. }
            | Target::Files => None,
        }
    }
}

impl Job {
    /// The name of the lane of the thread's outbox the job waits in: its ordered lane, or
    /// a lane of its own (it waits for nothing, and nothing waits for it).
    pub fn lane(&self) -> String {
        match self.target.ordered_lane() {
            Some(lane) => lane.as_str().to_string(),
            None => format!("alone:{}", self.id),
        }
    }
}

/// A thread's ordered way to one provider: one job in flight at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Lane {
    /// The thread's Telegram topic.
    Telegram,
    /// The visitor's WhatsApp.
    Whatsapp,
    /// The visitor's WeChat.
    Wechat,
    /// The visitor's email.
    Email,
    /// The thread's entries in D1, in the order the thread changed them.
    Directory,
}

impl Lane {
    /// The lane's name in the thread's storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Lane::Telegram => "telegram",
            Lane::Whatsapp => "whatsapp",
            Lane::Wechat => "wechat",
            Lane::Email => "email",
            Lane::Directory => "directory",
        }
    }
}

/// How long a job in flight may go unheard of before the thread puts a fresh copy
/// on the queue (a queue that lost it must not hold the lane for ever). It covers one
/// attempt; a job waiting to be retried holds its lane for its delay on top.
pub const LANE_LEASE_MS: u64 = 120_000;

/// The lease of a job's `generation`th copy: `base`, doubled for each copy before it
/// (at most 64 times `base`).
pub fn lease_for(base: u64, generation: u32) -> u64 {
    base.saturating_mul(1 << generation.min(6))
}

/// The thread's WhatsApp user, once the visitor carried the thread there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WhatsappLink {
    /// The visitor's WhatsApp id.
    pub wa_id: String,
    /// When the visitor last wrote on WhatsApp (ms): the window runs 24 hours from it.
    pub last_inbound_at: u64,
}

impl WhatsappLink {
    /// When the customer-service window closes (ms).
    pub fn window_ends_at(&self) -> u64 {
        self.last_inbound_at.saturating_add(WINDOW_MS)
    }
}

/// The thread's WeChat user, once the visitor carried the thread there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WechatLink {
    /// The visitor's OpenID.
    pub open_id: String,
    /// When the visitor last wrote (or scanned) on WeChat (ms): the window runs 48 hours
    /// from it.
    pub last_inbound_at: u64,
}

impl WechatLink {
    /// When the customer-service window closes (ms).
    pub fn window_ends_at(&self) -> u64 {
        self.last_inbound_at.saturating_add(WECHAT_WINDOW_MS)
    }
}

/// Where a newly stored message goes on WeChat, in a thread linked there, at `now`: the
/// team's answers (not written on WeChat), and the relay's own notice that the thread is
/// linked, which becomes the greeting there.
pub fn route_wechat(message: &Message, link: &WechatLink, now: u64) -> Option<Target> {
    let to_visitor = match message.author {
        Author::Agent | Author::Bot => message.channel != Channel::Wechat,
        Author::System => message.channel == Channel::Wechat,
        _ => false,
    };
    to_visitor.then(|| Target::Wechat {
        open_id: link.open_id.clone(),
        window_open: now < link.window_ends_at(),
    })
}

/// What the visitor's page told the relay when the thread started, for the team's first look.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VisitorContext {
    /// The page the conversation started on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// The visitor's language (`navigator.language`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// The page a conversation started on, as the relay keeps it and the team is told it: its
/// origin and path only (at most 500 characters). A page's query and fragment may carry
/// tokens or personal data, and are never kept; anything but an http(s) URL is dropped.
pub fn page_for_team(raw: &str) -> Option<String> {
    let url = url::Url::parse(raw).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let page = format!("{}{}", url.origin().ascii_serialization(), url.path());
    Some(page.chars().take(500).collect())
}

/// One delivery to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    /// Unique per job (webhook receivers de-duplicate by it).
    pub id: String,
    /// The thread.
    pub thread: ThreadId,
    /// The brand.
    pub brand: BrandId,
    /// Where to.
    pub target: Target,
    /// The message, as stored (absent for thread events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
    /// What the visitor's page said about itself.
    #[serde(default)]
    pub context: VisitorContext,
    /// Failed attempts so far.
    #[serde(default)]
    pub attempts: u32,
    /// "Slow down" answers so far.
    #[serde(default)]
    pub postponements: u32,
    /// The last failure, `<reason code>: <detail>` (the detail scrubbed: no token, no URL
    /// path), for the operator's dead-letter record and, its reason only, the visitor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// When the message was enqueued (ms), to measure delivery latency.
    #[serde(default)]
    pub enqueued_at: u64,
    /// For a job of a lane: which copy this is. When the thread re-sends a job it has not
    /// heard of in time, the new copy gets the next number, and an older copy that turns
    /// up after all is dropped instead of delivered twice.
    #[serde(default)]
    pub generation: u32,
    /// For a delivery in parts (a text and files into a Telegram topic): how many parts
    /// went already, so that a retry sends only the rest.
    #[serde(default)]
    pub parts_sent: u32,
    /// The relay's public origin (`https://relay.example`), as the requests that reached
    /// the thread named it: webhook events carry absolute file links under it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relay_origin: Option<String>,
    /// For a bot message: the knowledge entries it came from (the team and the webhook are
    /// told them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// For a `thread.rated` event: the visitor's rating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<crate::resolution::Rating>,
    /// For a `thread.closed` event: the conversation's figures as it was resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub figures: Option<Box<crate::insights::closed::Closed>>,
}

impl Job {
    /// Whether delivering this job marks its message delivered: a visitor's message has
    /// reached the team.
    pub fn delivers_message(&self) -> bool {
        let to_team = match self.target {
            Target::Telegram => true,
            Target::Webhook { event } => event == EventKind::MessageCreated,
            // The visitor's own WhatsApp reports delivery itself, through status webhooks.
            Target::Whatsapp { .. }
            | Target::Wechat { .. }
            | Target::Email { .. }
            | Target::Directory { .. }
            | Target::Assistant { .. }
            | Target::TeamNote { .. }
            | Target::Files => false,
            // A push has its own status, kept with its subscription.
            Target::Push { .. } => false,
        };
        to_team
            && self
                .message
                .as_ref()
                .is_some_and(|message| message.author == Author::Visitor)
    }
}

impl Job {
    /// Whether this job failing for good marks its message failed: the visitor's message
    /// did not reach the team, or the team's answer did not reach the visitor's WhatsApp.
    pub fn tracks_failure(&self) -> bool {
        self.delivers_message()
            || matches!(self.target, Target::Whatsapp { .. } | Target::Wechat { .. })
    }
}

/// The targets of a newly stored message, in a thread linked to WhatsApp or not, at `now`.
pub fn route(
    forwarding: Forwarding,
    message: &Message,
    whatsapp: Option<&WhatsappLink>,
    now: u64,
) -> Vec<Target> {
    let mut targets = Vec::new();
    // The team reads visitors (and what the bot told them) in Telegram; what the team
    // wrote there is already there.
    if forwarding.telegram
        && matches!(message.author, Author::Visitor | Author::Bot)
        && message.channel != Channel::Telegram
    {
        targets.push(Target::Telegram);
    }
    if forwarding.webhook {
        targets.push(Target::Webhook {
            event: EventKind::MessageCreated,
        });
    }
    if let Some(link) = whatsapp {
        // The team's answers follow the visitor to WhatsApp, and so does the relay's
        // confirmation that the thread is linked; nothing goes back where it came from.
        let to_visitor = match message.author {
            Author::Agent | Author::Bot => message.channel != Channel::Whatsapp,
            Author::System => message.channel == Channel::Whatsapp,
            _ => false,
        };
        if to_visitor {
            targets.push(Target::Whatsapp {
                wa_id: link.wa_id.clone(),
                window_open: now < link.window_ends_at(),
            });
        }
    }
    targets
}

/// What the consumer does after an attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Delivered.
    Done,
    /// Enqueue this job again, to run after the delay.
    Again {
        /// The job, with its counters moved on.
        job: Job,
        /// Seconds to wait.
        delay_seconds: u32,
    },
    /// Refused for good: mark the message failed with the reason.
    Refused {
        /// Why.
        failure: Failure,
    },
    /// Out of attempts: to the dead-letter queue, and the message marked failed.
    Dead {
        /// The job, with its last error.
        job: Job,
    },
}

impl Job {
    /// Keeps `failure` as the job's last.
    fn remember(&mut self, failure: Failure) {
        self.last_error = Some(failure.to_string());
    }

    /// The last failure's reason and HTTP status (a job of an older version, whose
    /// `last_error` holds no code, failed for an unknown reason).
    pub fn last_failure(&self) -> (FailureReason, Option<u16>) {
        let Some(last) = self.last_error.as_deref() else {
            return (FailureReason::Unknown, None);
        };
        let (reason, detail) = last
            .split_once(": ")
            .and_then(|(code, detail)| {
                FailureReason::ALL
                    .into_iter()
                    .find(|reason| reason.code() == code)
                    .map(|reason| (reason, detail))
            })
            .unwrap_or((FailureReason::Unknown, last));
        let status = detail
            .strip_prefix("HTTP ")
            .and_then(|rest| rest.get(..3))
            .and_then(|digits| digits.parse().ok());
        (reason, status)
    }

    /// What the job's message shows once the job is given up: how many attempts were
    /// made, and the last one's reason (never what the provider said).
    pub fn given_up_text(&self) -> String {
        let (reason, status) = self.last_failure();
        reason.after_attempts(self.attempts.max(1), status)
    }
}

/// What follows `delivery` of `job`. `base_seconds` is the first backoff delay (doubled per
/// attempt, capped); `jitter` in `[0, 1)` spreads retries of many jobs apart.
pub fn next_step(mut job: Job, delivery: Delivery, base_seconds: u32, jitter: f64) -> Step {
    match delivery {
        Delivery::Delivered => Step::Done,
        Delivery::Refused { failure } => Step::Refused { failure },
        Delivery::RateLimited {
            failure,
            after_seconds,
        } => {
            job.postponements += 1;
            job.remember(failure);
            if job.postponements > MAX_POSTPONEMENTS {
                return Step::Dead { job };
            }
            Step::Again {
                job,
                delay_seconds: after_seconds.clamp(1, MAX_DELAY_SECONDS),
            }
        }
        Delivery::Retry {
            failure,
            after_seconds,
        } => {
            job.attempts += 1;
            job.remember(failure);
            // D1 and the bucket are ours: a fact is written, and an erased thread's files
            // deleted, when they are back, however long that takes.
            let gives_up = !matches!(job.target, Target::Directory { .. } | Target::Files);
            if gives_up && job.attempts >= MAX_ATTEMPTS {
                return Step::Dead { job };
            }
            let backoff = backoff_seconds(job.attempts - 1, base_seconds, jitter);
            Step::Again {
                delay_seconds: backoff
                    .max(after_seconds.unwrap_or(0))
                    .min(MAX_DELAY_SECONDS),
                job,
            }
        }
    }
}

/// The wait before retry number `attempt + 1`: `base × 2^attempt`, capped, then "equal
/// jitter" (half fixed, half random), so retries spread out but never come at once.
pub fn backoff_seconds(attempt: u32, base_seconds: u32, jitter: f64) -> u32 {
    let ceiling = u64::from(base_seconds)
        .saturating_mul(1u64 << attempt.min(20))
        .min(u64::from(MAX_DELAY_SECONDS));
    let half = ceiling as f64 / 2.0;
    (half + half * jitter.clamp(0.0, 1.0)).round() as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use confab_protocol::{ClientMessageId, DeliveryStatus, MessageId, Seq, Timestamp};

    fn message(author: Author, channel: Channel) -> Message {
        Message {
            id: MessageId::new("m1"),
            client_id: ClientMessageId::new("c1"),
            seq: Seq(1),
            author,
            channel,
            text: "hi".into(),
            created_at: Timestamp(1),
            status: DeliveryStatus::Sent,
            failure: None,
            sender: None,
            attachments: Vec::new(),
            replies: Vec::new(),
        }
    }

    fn job() -> Job {
        Job {
            id: "j1".into(),
            thread: ThreadId::new("t1"),
            brand: BrandId::new("acme"),
            target: Target::Telegram,
            message: Some(message(Author::Visitor, Channel::Web)),
            context: VisitorContext::default(),
            attempts: 0,
            postponements: 0,
            last_error: None,
            enqueued_at: 0,
            generation: 0,
            parts_sent: 0,
            relay_origin: None,
            sources: Vec::new(),
            rating: None,
            figures: None,
        }
    }

    #[test]
    fn the_team_is_told_a_pages_origin_and_path_only() {
        let cases = [
            (
                "https://shop.example/pricing",
                Some("https://shop.example/pricing"),
            ),
            (
                "https://shop.example/orders/42?token=s3cret&email=a%40b.c#card",
                Some("https://shop.example/orders/42"),
            ),
            (
                "http://127.0.0.1:8787/?confab-resume=LINK-X",
                Some("http://127.0.0.1:8787/"),
            ),
            (
                "https://user:pass@shop.example/a",
                Some("https://shop.example/a"),
            ),
            ("javascript:alert(1)", None),
            ("data:text/html,<b>", None),
            ("not a url", None),
        ];
        for (raw, expected) in cases {
            assert_eq!(page_for_team(raw).as_deref(), expected, "{raw}");
        }
        let long = format!("https://shop.example/{}", "a".repeat(600));
        assert_eq!(
            page_for_team(&long).map(|page| page.chars().count()),
            Some(500)
        );
    }

    #[test]
    fn a_directory_fact_is_never_given_up() {
        let mut fact = job();
        fact.target = Target::Directory {
            fact: crate::directory::Fact::Forgotten,
        };
        fact.message = None;
        fact.attempts = MAX_ATTEMPTS * 3;
        let failed = Delivery::retry(FailureReason::ProviderUnavailable, "D1");
        match next_step(fact.clone(), failed, 2, 0.5) {
            Step::Again { delay_seconds, job } => {
                assert!(delay_seconds <= MAX_DELAY_SECONDS);
                assert_eq!(job.attempts, MAX_ATTEMPTS * 3 + 1);
            }
            other => panic!("a fact for D1 was given up: {other:?}"),
        }
        assert!(!fact.delivers_message() && !fact.tracks_failure());
        assert_eq!(fact.lane(), "directory");
    }

    #[test]
    fn leases_double_with_each_copy_up_to_a_bound() {
        let check =
            |generation: u32, expected: u64| assert_eq!(lease_for(1_000, generation), expected);
        check(0, 1_000);
        check(1, 2_000);
        check(3, 8_000);
        check(6, 64_000);
        check(40, 64_000);
        assert_eq!(lease_for(u64::MAX, 2), u64::MAX);
    }

    #[test]
    fn telegram_and_whatsapp_jobs_queue_in_their_lanes_and_webhooks_alone() {
        let check = |target: Target, expected: &str| {
            let job = Job { target, ..job() };
            assert_eq!(job.lane(), expected);
        };
        check(Target::Telegram, "telegram");
        let whatsapp = Target::Whatsapp {
            wa_id: "86138".into(),
            window_open: true,
        };
        check(whatsapp, "whatsapp");
        let webhook = Target::Webhook {
            event: EventKind::MessageCreated,
        };
        check(webhook, "alone:j1");
    }

    #[test]
    fn answers_follow_the_visitor_to_wechat_within_48_hours() {
        let link = WechatLink {
            open_id: "oia2TjjewbmiOUlr6X-1crbLOvLw".into(),
            last_inbound_at: 1_000,
        };
        let ends = 1_000 + 48 * 3600 * 1000;
        assert_eq!(link.window_ends_at(), ends);
        let to_wechat = |window_open| {
            Some(Target::Wechat {
                open_id: "oia2TjjewbmiOUlr6X-1crbLOvLw".into(),
                window_open,
            })
        };
        for (author, channel, now, expected) in [
            (Author::Agent, Channel::Api, 2_000, to_wechat(true)),
            (Author::Agent, Channel::Telegram, ends - 1, to_wechat(true)),
            (Author::Bot, Channel::Web, ends, to_wechat(false)),
            (Author::System, Channel::Wechat, 2_000, to_wechat(true)),
            (Author::System, Channel::Whatsapp, 2_000, None),
            (Author::Agent, Channel::Wechat, 2_000, None),
            (Author::Visitor, Channel::Wechat, 2_000, None),
            (Author::Visitor, Channel::Web, 2_000, None),
        ] {
            assert_eq!(
                route_wechat(&message(author, channel), &link, now),
                expected,
                "{author:?} via {channel:?} at {now}"
            );
        }
        let job = Job {
            target: to_wechat(true).unwrap(),
            message: Some(message(Author::Agent, Channel::Api)),
            ..job()
        };
        assert_eq!(job.lane(), "wechat");
        assert!(job.tracks_failure() && !job.delivers_message());
    }

    #[test]
    fn routes_messages_to_the_brands_connectors() {
        let both = Forwarding {
            telegram: true,
            webhook: true,
        };
        let created = Target::Webhook {
            event: EventKind::MessageCreated,
        };
        let check = |forwarding, author, channel, expected: Vec<Target>| {
            assert_eq!(
                route(forwarding, &message(author, channel), None, 0),
                expected,
                "{author:?} via {channel:?}"
            );
        };
        check(
            both,
            Author::Visitor,
            Channel::Web,
            vec![Target::Telegram, created.clone()],
        );
        check(
            both,
            Author::Agent,
            Channel::Telegram,
            vec![created.clone()],
        );
        check(both, Author::Agent, Channel::Web, vec![created.clone()]);
        check(
            both,
            Author::Bot,
            Channel::Web,
            vec![Target::Telegram, created],
        );
        check(Forwarding::default(), Author::Visitor, Channel::Web, vec![]);
    }

    #[test]
    fn answers_follow_the_visitor_to_whatsapp_with_the_window_as_it_stands() {
        let link = WhatsappLink {
            wa_id: "8613800138000".into(),
            last_inbound_at: 1_000,
        };
        let to_whatsapp = |window_open| Target::Whatsapp {
            wa_id: "8613800138000".into(),
            window_open,
        };
        let check = |author, channel, now, expected: Vec<Target>| {
            let message = message(author, channel);
            assert_eq!(
                route(Forwarding::default(), &message, Some(&link), now),
                expected,
                "{author:?} via {channel:?} at {now}"
            );
        };
        check(Author::Agent, Channel::Api, 2_000, vec![to_whatsapp(true)]);
        check(
            Author::Agent,
            Channel::Telegram,
            2_000,
            vec![to_whatsapp(true)],
        );
        check(
            Author::Agent,
            Channel::Api,
            1_000 + WINDOW_MS,
            vec![to_whatsapp(false)],
        );
        check(
            Author::System,
            Channel::Whatsapp,
            2_000,
            vec![to_whatsapp(true)],
        );
        check(Author::Visitor, Channel::Whatsapp, 2_000, vec![]);
        check(Author::Visitor, Channel::Web, 2_000, vec![]);
    }

    fn check(job: Job, delivery: Delivery, expected: Step) {
        assert_eq!(
            next_step(job, delivery.clone(), 2, 0.5),
            expected,
            "{delivery:?}"
        );
    }

    #[test]
    fn retries_with_backoff_then_gives_up() {
        let failure = |after_seconds| Delivery::Retry {
            failure: Failure::new(FailureReason::ProviderUnavailable, "HTTP 500: x")
                .with_status(500),
            after_seconds,
        };
        let mut again = job();
        again.attempts = 1;
        again.last_error = Some("provider_unavailable: HTTP 500: x".into());
        check(
            job(),
            failure(None),
            Step::Again {
                job: again.clone(),
                delay_seconds: 2,
            },
        );
        // A provider's own delay wins when it is longer.
        check(
            job(),
            failure(Some(30)),
            Step::Again {
                job: again,
                delay_seconds: 30,
            },
        );
        let mut last = job();
        last.attempts = MAX_ATTEMPTS - 1;
        let mut dead = last.clone();
        dead.attempts = MAX_ATTEMPTS;
        dead.last_error = Some("provider_unavailable: HTTP 500: x".into());
        assert_eq!(
            dead.given_up_text(),
            "Message not delivered after 6 attempts (HTTP 500). \
             The messaging service could not be reached."
        );
        check(last, failure(None), Step::Dead { job: dead });
        check(job(), Delivery::Delivered, Step::Done);
        let refused = Failure::new(FailureReason::ProviderRejected, "chat not found");
        check(
            job(),
            Delivery::Refused {
                failure: refused.clone(),
            },
            Step::Refused { failure: refused },
        );
    }

    #[test]
    fn a_job_given_up_shows_its_last_reason_and_nothing_of_the_provider() {
        let mut given_up = job();
        given_up.attempts = MAX_ATTEMPTS;
        let failure = Failure::new(
            FailureReason::TimedOut,
            "no answer from https://api.telegram.org/bot4242:fake-bot-token/sendMessage",
        );
        let mut retried = job();
        retried.remember(failure);
        given_up.last_error = retried.last_error;
        assert_eq!(
            given_up.last_error.as_deref(),
            Some("timed_out: no answer from https://api.telegram.org/…")
        );
        assert_eq!(given_up.last_failure(), (FailureReason::TimedOut, None));
        assert_eq!(
            given_up.given_up_text(),
            FailureReason::TimedOut.after_attempts(MAX_ATTEMPTS, None)
        );
        // A job of an older version kept the provider's words: none of them shows.
        given_up.last_error = Some("HTTP 503: Telegram: bot4242:fake-bot-token".into());
        assert_eq!(given_up.last_failure(), (FailureReason::Unknown, Some(503)));
        assert!(!given_up.given_up_text().contains("bot"));
        given_up.last_error = None;
        assert_eq!(given_up.last_failure(), (FailureReason::Unknown, None));
    }

    #[test]
    fn slow_down_answers_postpone_without_using_attempts() {
        let mut postponed = job();
        postponed.postponements = 1;
        postponed.last_error = Some("provider_unavailable: 429".into());
        check(
            job(),
            Delivery::RateLimited {
                failure: Failure::new(FailureReason::ProviderUnavailable, "429"),
                after_seconds: 3,
            },
            Step::Again {
                job: postponed,
                delay_seconds: 3,
            },
        );
    }

    #[test]
    fn backoff_doubles_with_jitter_and_a_ceiling() {
        for (attempt, jitter, expected) in [
            (0, 0.0, 1),
            (0, 1.0, 2),
            (1, 0.5, 3),
            (3, 1.0, 16),
            (30, 0.0, MAX_DELAY_SECONDS / 2),
            (30, 1.0, MAX_DELAY_SECONDS),
        ] {
            assert_eq!(
                backoff_seconds(attempt, 2, jitter),
                expected,
                "{attempt} {jitter}"
            );
        }
        assert_eq!(
            backoff_seconds(5, 0, 0.7),
            0,
            "a base of 0 retries at once (tests)"
        );
    }

    #[test]
    fn only_visitor_messages_to_the_team_mark_delivery() {
        let mut status_event = job();
        status_event.target = Target::Webhook {
            event: EventKind::MessageStatus,
        };
        assert!(job().delivers_message());
        assert!(!status_event.delivers_message());
        let mut agent = job();
        agent.message = Some(message(Author::Agent, Channel::Web));
        assert!(!agent.delivers_message());
    }
}
