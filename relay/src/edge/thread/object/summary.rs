//! The thread as its brand's inbox lists it ([`Listing`]): worked out from the object's own
//! tables whenever something the list shows changes (a message, the team's read, a
//! resolution or reopening, a handoff or the bot turned on or off), and sent to D1 as the
//! thread's [`Fact::Listed`] on the `directory` lane. A listing still waiting its turn is
//! replaced by the newer one, which carries the waiting one's texts for the search too.

use super::{Outcome, Thread, MESSAGE_COLUMNS};
use crate::assistant::Mode;
use crate::delivery::VisitorContext;
use crate::directory::{Fact, Listing, SearchText};
use confab_protocol::{Author, Channel, Message};

/// Where the count of listings made is kept in `meta` (the listing's `version`).
const VERSION_KEY: &str = "listings";

/// Where the count of the visitor's messages the team has not read is kept in `meta`.
const UNREAD_KEY: &str = "unread_by_team";

/// Where the channels the visitor has written from are kept in `meta`, first used first.
const CHANNELS_KEY: &str = "visitor_channels";

/// The channels of a listing, as `meta` keeps them.
#[derive(serde::Deserialize)]
struct ChannelRow {
    channel: Channel,
}

impl Thread {
    /// The thread's listing as it stands, with `texts` (the texts of newly stored
    /// messages) for the search, numbered as the next version. Synchronous.
    fn listing(&self, texts: Vec<SearchText>) -> Outcome<Listing> {
        let version = self
            .meta(VERSION_KEY)?
            .and_then(|count| count.parse::<u64>().ok())
            .unwrap_or(0)
            + 1;
        self.set_meta(VERSION_KEY, &version.to_string())?;
        Ok(Listing {
            version,
            texts,
            figures: Some(Box::new(self.figures()?)),
            ..self.current_listing()?
        })
    }

    /// The thread as the list shows it now, for the agent API's view of one thread; reads
    /// only (its `version` is 0 and it carries no texts).
    pub(super) fn summary(&self) -> Outcome<confab_protocol::ThreadSummary> {
        Ok(self.current_listing()?.summary(&self.policy()?.thread))
    }

    /// What the listing says, read from the object's tables without writing anything.
    fn current_listing(&self) -> Outcome<Listing> {
        let latest: Option<Message> = self
            .rows(
                &format!("SELECT {MESSAGE_COLUMNS} FROM messages ORDER BY seq DESC LIMIT 1"),
                None,
            )?
            .pop();
        // The relay's own lines (a resolution notice, "Continued on WhatsApp") neither
        // answer the visitor nor wait for an answer.
        let latest_author: Option<Message> = self
            .rows(
                &format!(
                    "SELECT {MESSAGE_COLUMNS} FROM messages WHERE author != 'system' \
                     ORDER BY seq DESC LIMIT 1"
                ),
                None,
            )?
            .pop();
        let unread = self.unread_by_team()?;
        let channels = self.visitor_channels()?;
        let started_at = self
            .meta("started_at")?
            .and_then(|started| started.parse::<u64>().ok());
        let last_message_at = latest
            .as_ref()
            .map(|message| message.created_at.0)
            .or(started_at)
            .unwrap_or_else(super::now);
        let context: VisitorContext = self.meta_json("context")?.unwrap_or_default();
        let policy = self.policy()?;
        let bot_on = policy
            .assistant
            .as_ref()
            .is_some_and(|plan| plan.settings.mode != Mode::Off);
        let (resolved, _) = self.resolution_status()?;
        Ok(Listing {
            created_at: started_at.unwrap_or(last_message_at),
            last_message_at,
            last_text: latest.as_ref().map(crate::attachment::text_with_files),
            version: 0,
            resolved,
            awaiting_reply: latest_author.is_some_and(|message| message.author == Author::Visitor),
            assistant: bot_on && self.assistant_state()?.silence.is_none(),
            channels: channels
                .into_iter()
                .filter(|channel| *channel != Channel::Unknown)
                .collect(),
            unread: u32::try_from(unread).unwrap_or(u32::MAX),
            language: context.language,
            page: context.page,
            texts: Vec::new(),
            figures: None,
        })
    }

    /// The visitor's messages the team has not read: kept in `meta` as messages are stored
    /// and read, so that a listing does not count the whole thread each time; counted once
    /// for a thread from before it was kept.
    fn unread_by_team(&self) -> Outcome<u64> {
        if let Some(count) = self.meta(UNREAD_KEY)?.and_then(|count| count.parse().ok()) {
            return Ok(count);
        }
        let count = self
            .number(
                "SELECT COUNT(*) AS value FROM messages WHERE author = 'visitor' \
                 AND status != 'read'",
                None,
            )?
            .unwrap_or(0);
        Ok(count)
    }

    /// The channels the visitor has written from, first used first: kept in `meta` like the
    /// unread count, and read from the thread once for a thread from before.
    fn visitor_channels(&self) -> Outcome<Vec<Channel>> {
        if let Some(channels) = self.meta_json::<Vec<Channel>>(CHANNELS_KEY)? {
            return Ok(channels);
        }
        let rows: Vec<ChannelRow> = self.rows(
            "SELECT channel FROM messages WHERE author = 'visitor' GROUP BY channel \
             ORDER BY MIN(seq)",
            None,
        )?;
        Ok(rows.into_iter().map(|row| row.channel).collect())
    }

    /// Keeps the counts a listing shows as `message` is stored (after its insert, in its
    /// commit): one more unread, and its channel if it is the visitor's first from there.
    pub(super) fn count_stored(&self, message: &Message) -> Outcome<()> {
        if message.author != Author::Visitor {
            return Ok(());
        }
        // A thread from before the counts were kept counts its messages once, this one
        // included (it is already stored).
        let unread = match self
            .meta(UNREAD_KEY)?
            .and_then(|count| count.parse::<u64>().ok())
        {
            Some(count) => count + 1,
            None => self.unread_by_team()?,
        };
        self.set_meta(UNREAD_KEY, &unread.to_string())?;
        let kept = self.meta_json::<Vec<Channel>>(CHANNELS_KEY)?;
        let mut channels = match &kept {
            Some(channels) => channels.clone(),
            None => self.visitor_channels()?,
        };
        if !channels.contains(&message.channel) {
            channels.push(message.channel);
        }
        // Written only when it changes: most messages come from a channel already listed.
        if kept.as_ref() != Some(&channels) {
            self.set_meta_json(CHANNELS_KEY, &channels)?;
        }
        Ok(())
    }

    /// Takes `read` of the visitor's messages, which the team has just read, off the count.
    pub(super) fn count_read_by_team(&self, read: usize) -> Outcome<()> {
        if read == 0 {
            return Ok(());
        }
        let unread = self.unread_by_team()?;
        let left = unread.saturating_sub(u64::try_from(read).unwrap_or(u64::MAX));
        self.set_meta(UNREAD_KEY, &left.to_string())
    }

    /// Lists the thread in its brand's directory as it stands, with `message`'s text for
    /// the search if one was just stored; returns the directory's lane, to
    /// [`Thread::pump`]. Synchronous, so that the listing commits with its cause.
    pub(super) fn list(&self, message: Option<&Message>) -> Outcome<String> {
        let texts = message
            .filter(|message| message.author != Author::System && !message.text.is_empty())
            .map(|message| SearchText {
                seq: message.seq.0,
                text: message.text.clone(),
            })
            .into_iter()
            .collect();
        self.add_fact(Fact::Listed(self.listing(texts)?))
    }

    /// Lists the thread again after a change that stored no message of its own (the
    /// team's read, a resolution, a handoff), and sends the listing on its way.
    pub(super) async fn relist(&self) -> Outcome<()> {
        let lane = self.list(None)?;
        // The listing is stored; one that does not reach the queue now is sent by the
        // alarm.
        if let Err(error) = self.pump(&lane).await {
            worker::console_error!("sending a listing: {error}");
        }
        Ok(())
    }
}
