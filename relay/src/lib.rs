//! The Confab relay: a Cloudflare Worker that keeps every conversation thread in its own
//! Durable Object.
//!
//! The crate is split along one line: pure modules (no IO, native tests with `cargo test`)
//! and the [`edge`], which exists only on wasm and does all IO (HTTP, Durable Object
//! storage, D1). The edge parses, calls the pure modules, and writes the results.
//!
//! - [`route`]: which API call a method and path name.
//! - [`error`]: the one error type, its HTTP status and stable code.
//! - [`token`]: signed visitor tokens.
//! - [`origin`]: which page origins a brand allows.
//! - [`brand`]: a brand's settings as the registry stores them, and their rules.
//! - [`credential`]: signed user ids, the admin secret, agent API keys.
//! - [`rate`]: the token bucket behind `429 Too Many Requests`.
//! - [`transcript`]: a thread as plain text.
//! - [`connector`]: Telegram and brand webhooks, their payloads and signatures.
//! - [`delivery`]: the jobs of the outbound queue and what follows each attempt.
//! - [`fault`]: the development-only switch that makes calls fail on demand.
//! - [`directory`]: what D1 keeps about a thread, derived from the thread's object.
//! - [`link`]: single-use codes that carry a thread onto WhatsApp or another browser.
//! - [`qr`]: QR codes of those links, as SVG.
//! - [`image`]: brand logos and team avatars as signed relay paths, and the image rules.
//! - [`attachment`]: files of messages: what they are, the rules, signed links.
//! - [`knowledge`]: a brand's knowledge for the assistant: entries, imports, retrieval.
//! - [`assistant`]: the bot: when it answers from the knowledge, when it hands over to a
//!   person, and what it says.
//! - [`email`]: replies by email: settings, signed references, MIME, quoted history.
//! - [`push`]: web push: VAPID signatures, RFC 8291 encryption, subscriptions.
//! - [`resolution`]: threads resolved and reopened, and the visitor's satisfaction ratings.
//! - [`insights`]: what each thread contributes to its brand's figures, and their roll-up.
//! - [`meter`]: what the relay asks of the platform, counted for the bench.

pub mod assistant;
pub mod attachment;
pub mod awaiting;
pub mod brand;
pub mod connector;
pub mod credential;
pub mod delivery;
pub mod directory;
pub mod email;
pub mod error;
pub mod fault;
pub mod image;
pub mod inbox;
pub mod insights;
pub mod knowledge;
pub mod link;
pub mod member;
pub mod meter;
pub mod origin;
pub mod push;
pub mod qr;
pub mod rate;
pub mod resolution;
pub mod route;
pub mod token;
pub mod transcript;

#[cfg(target_arch = "wasm32")]
mod edge;

pub use error::RelayError;
