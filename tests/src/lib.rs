//! The end-to-end harness: the real relay on workerd (`wrangler dev`) and real headless
//! Chromium (through chromedriver), each started fresh on free loopback ports and stopped
//! when dropped.
//!
//! `cargo xtask test` builds `dist/` and `relay/build/` before these tests run; run alone,
//! they use whatever build is there.

pub mod api;
pub mod bench;
pub mod browser;
pub mod console;
pub mod console_browser;
pub mod fakes;
pub mod forward;
pub mod inbox;
pub mod insights;
pub mod load;
pub mod mailbox;
pub mod page;
pub mod process;
pub mod relay;
pub mod world;

pub use browser::Browser;
pub use relay::Relay;

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// Probes until `probe` answers `Ok`, checking every 50 ms for at most `seconds`; on time
/// out it fails with the last `Err`, which says what was seen instead.
///
/// Browsers and child processes offer no event to await from here, so the harness polls,
/// as WebDriver itself does; it never sleeps a fixed time.
pub async fn eventually<T, F, Fut>(seconds: u64, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(seconds);
    loop {
        match probe().await {
            Ok(value) => return value,
            Err(seen) => assert!(
                tokio::time::Instant::now() < deadline,
                "timed out after {seconds}s: {seen}"
            ),
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The session the widget in `browser` is on, for `brand` (found through its stored token).
pub async fn widget_session(
    browser: &Browser,
    api: &api::Api,
    brand: &str,
) -> confab_protocol::Session {
    let token = browser
        .stored_token(brand)
        .await
        .expect("the widget stored its token");
    api.resume(brand, &token).await
}
