//! The thread as its brand's inbox lists it ([`Listing`]), sent to D1 as the thread's
//! [`Fact::Listed`] on the `directory` lane whenever something the list shows changes (a
//! message, the team's read, a resolution or reopening, a handoff or the bot turned on or
//! off).
//!
//! A listing is worked out when it can go, not per change: a change while the lane is
//! free puts the listing in the outbox at once; a change while a listing (or another fact)
//! is still out only marks the listing due, and the lane's next turn ([`Thread::pump`])
//! works it out then. A busy thread therefore makes one listing per round trip to D1, however
//! many messages it stores meanwhile, and each listing carries the texts stored since the
//! last one for the search, read back from the thread.

use super::{sql_int, Outcome, Thread, MESSAGE_COLUMNS};
use crate::assistant::Mode;
use crate::delivery::{Lane, VisitorContext};
use crate::directory::{Fact, Listing, SearchText};
use confab_protocol::{Author, Channel, Message};
use serde::{Deserialize, Serialize};

/// Where the thread's [`Listings`] are kept in `meta`.
const LISTINGS_KEY: &str = "listing";

/// Where a thread from before [`Listings`] kept only its count of listings.
const VERSION_KEY: &str = "listings";

/// Where the count of the visitor's messages the team has not read is kept in `meta`.
const UNREAD_KEY: &str = "unread_by_team";

/// Where the channels the visitor has written from are kept in `meta`, first used first.
const CHANNELS_KEY: &str = "visitor_channels";

/// The most texts one listing carries for the search; more wait for the next listing.
const TEXTS_PER_LISTING: usize = 100;

/// The most bytes of text one listing carries (a queue message takes 128 KB in all); the
/// first text goes whatever its size (a text is at most 4,096 characters).
const TEXT_BYTES_PER_LISTING: usize = 48 * 1024;

/// What the thread keeps about its listings, in one `meta` row.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct Listings {
    /// Listings made (the next one is numbered one more): D1 keeps the highest.
    version: u64,
    /// The last `seq` whose text went with a listing (texts after it go with the next).
    texts_through: u64,
    /// Whether a change is not listed yet (it waits for the directory lane's turn).
    due: bool,
}

/// The channels of a listing, as `meta` keeps them.
#[derive(Deserialize)]
struct ChannelRow {
    channel: Channel,
}

impl Thread {
    /// What the thread keeps about its listings; a thread from before they were kept
    /// continues its count and sends its texts again from the first (D1 writes each once).
    fn listings(&self) -> Outcome<Listings> {
        if let Some(listings) = self.meta_json::<Listings>(LISTINGS_KEY)? {
            return Ok(listings);
        }
        let version = self
            .meta(VERSION_KEY)?
            .and_then(|count| count.parse::<u64>().ok())
            .unwrap_or(0);
        Ok(Listings {
            version,
            ..Listings::default()
        })
    }

    /// Texts stored after `seq` for the search, oldest first, up to a listing's share;
    /// and whether more are left for the next listing.
    fn texts_after(&self, seq: u64) -> Outcome<(Vec<SearchText>, bool)> {
        let rows: Vec<SearchText> = self.rows(
            "SELECT seq, text FROM messages WHERE seq > ? AND author != 'system' \
             AND text != '' ORDER BY seq LIMIT ?",
            vec![sql_int(seq)?, sql_int(TEXTS_PER_LISTING as u64 + 1)?],
        )?;
        let found = rows.len();
        let mut bytes = 0;
        let mut texts = Vec::new();
        for row in rows.into_iter().take(TEXTS_PER_LISTING) {
            bytes += row.text.len();
            if !texts.is_empty() && bytes > TEXT_BYTES_PER_LISTING {
                break;
            }
            texts.push(row);
        }
        let more = texts.len() < found;
        Ok((texts, more))
    }

    /// Puts the thread's listing as it stands in the outbox, numbered as the next version,
    /// with the texts stored since the last one. Synchronous, so that it commits with its
    /// cause (or with the lane's turn).
    fn add_listing(&self) -> Outcome<()> {
        let mut listings = self.listings()?;
        let (texts, more) = self.texts_after(listings.texts_through)?;
        listings.version += 1;
        listings.texts_through = texts.last().map_or(listings.texts_through, |text| text.seq);
        // Texts left over make the next listing due at once.
        listings.due = more;
        self.set_meta_json(LISTINGS_KEY, &listings)?;
        let listing = Listing {
            version: listings.version,
            texts,
            figures: Some(Box::new(self.figures()?)),
            ..self.current_listing()?
        };
        self.add_fact(Fact::Listed(listing))?;
        Ok(())
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

    /// Lists the thread after a change the list shows: at once if the directory lane is
    /// free (then returns the lane, to [`Thread::pump`]), or else marks the listing due, for
    /// the lane's next turn ([`Thread::list_if_due`]). Synchronous, so that the listing, or
    /// its mark, commits with its cause.
    pub(super) fn list(&self) -> Outcome<Option<String>> {
        // An erased thread is listed nowhere (its `Forgotten` fact is the last D1 hears).
        if self.is_erased()? {
            return Ok(None);
        }
        let mut listings = self.listings()?;
        // Due only while the lane is busy (its turn lists the thread, and an instance that
        // died before that turn recovers the lane first): most changes of a busy thread
        // stop here, without reading the outbox.
        if listings.due {
            return Ok(None);
        }
        let busy = self
            .number(
                "SELECT COUNT(*) AS value FROM outbox WHERE lane = ?",
                vec![Lane::Directory.as_str().into()],
            )?
            .is_some_and(|jobs| jobs > 0);
        if !busy {
            self.add_listing()?;
            return Ok(Some(Lane::Directory.as_str().to_string()));
        }
        listings.due = true;
        self.set_meta_json(LISTINGS_KEY, &listings)?;
        Ok(None)
    }

    /// The directory lane is free: lists the thread if a change is not listed yet (an
    /// erased thread lists nothing). Returns whether a listing joined the lane.
    pub(super) fn list_if_due(&self) -> Outcome<bool> {
        if self.is_erased()? || !self.listings()?.due {
            return Ok(false);
        }
        self.add_listing()?;
        Ok(true)
    }

    /// Lists the thread again after a change that stored no message of its own (the
    /// team's read, a resolution, a handoff), and sends the listing on its way.
    pub(super) async fn relist(&self) -> Outcome<()> {
        let Some(lane) = self.list()? else {
            return Ok(());
        };
        // The listing is stored; one that does not reach the queue now is sent by the
        // alarm.
        if let Err(error) = self.pump(&lane).await {
            worker::console_error!("sending a listing: {error}");
        }
        Ok(())
    }
}
