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
//! - [`brand`]: a brand's settings as the registry stores them.

pub mod brand;
pub mod error;
pub mod origin;
pub mod route;
pub mod token;

#[cfg(target_arch = "wasm32")]
mod edge;

pub use error::RelayError;
