//! Wire types of the brand console (`/console`): its members, their sign-in and sessions,
//! and the inbox's live list.
//!
//! The console is a second client of the same relay API. A member's session is an
//! `HttpOnly` cookie; with it the member calls the agent API (`/v1/agent/…`) exactly as a
//! backend does with an agent key, so a reply from the console is the same agent message as
//! one from Telegram or a backend. What only the console needs lives under `/v1/console/…`.

use crate::api::ThreadSummary;
use crate::ids::{BrandId, Timestamp};
use serde::{Deserialize, Serialize};

/// What a member may do in their brand's console.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Settings, members and keys, and everything an agent does.
    Owner,
    /// The inbox: read, answer, resolve, take over from the bot.
    Agent,
    /// A role this version does not know (treated as an agent's).
    #[serde(other)]
    Unknown,
}

/// A member of a brand's team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    /// Their address: where sign-in links go, and who they are (lower case).
    pub email: String,
    /// The name visitors see on their replies, if the brand shows names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What they may do.
    pub role: Role,
    /// When they were added.
    pub added_at: Timestamp,
}

/// `POST /v1/admin/brands/{brand}/members` (the operator) and `POST /v1/console/members`
/// (an owner): add a member, or change an existing member's name and role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewMember {
    /// Their address.
    pub email: String,
    /// Their name, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Their role.
    pub role: Role,
}

/// The answer to adding a member: the member, and how they sign in the first time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberAdded {
    /// The member as stored.
    pub member: Member,
    /// A single-use sign-in link. The admin API answers it (the operator hands it over);
    /// an owner's invitation emails it instead and answers `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_in_url: Option<String>,
    /// Whether the invitation was emailed.
    #[serde(default)]
    pub emailed: bool,
}

/// `GET /v1/console/members`: the brand's members (owners only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberList {
    /// The members, by address.
    pub members: Vec<Member>,
}

/// `POST /v1/console/links`: "email me a sign-in link". Always answered 202, whether or not
/// the address is a member's, so that the answer tells nobody who is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInLinkRequest {
    /// The member's address.
    pub email: String,
}

/// `POST /v1/console/sign-in`: spend a sign-in link's token for a session cookie. The link
/// opens the console page, which posts the token, so that a mail scanner following the
/// link spends nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignIn {
    /// The token from the link's `#token=…`.
    pub token: String,
}

/// `GET /v1/console/me` (and the answer to a sign-in): who the session is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsoleMe {
    /// The member.
    pub member: Member,
    /// Their brand.
    pub brand: BrandId,
    /// The brand's name.
    pub brand_name: String,
    /// When this session ends unless used again.
    pub expires_at: Timestamp,
}

/// Frames of the inbox socket (`GET /v1/console/ws?ticket=…`): the brand's threads as they
/// change, JSON tagged by `type`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum InboxFrame {
    /// A thread of the brand changed (a message, a read, a resolution…): its new summary.
    Thread {
        /// The thread as the list shows it.
        thread: ThreadSummary,
    },
    /// A member started or stopped typing in a thread.
    Typing {
        /// The thread.
        thread_id: crate::ids::ThreadId,
        /// Who (their name, or their address).
        who: String,
        /// Whether they are typing now.
        active: bool,
    },
    /// A frame this version does not know.
    #[serde(other)]
    Unknown,
}
