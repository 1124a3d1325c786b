//! The relay under test: `wrangler dev` on workerd with its own persistence folder, D1
//! migrated and seeded with the `demo` brand.

use crate::process::{free_port, Service};
use crate::repo_root;
use std::path::PathBuf;
use tokio::process::Command;

/// The Worker secret the tests run the relay with.
pub const TEST_TOKEN_SECRET: &str = "e2e-token-secret";
/// The admin secret the tests run the relay with.
pub const TEST_ADMIN_SECRET: &str = "e2e-admin-secret";
/// The `demo` brand's identity secret in the tests.
pub const TEST_IDENTITY_SECRET: &str = "e2e-identity-secret";

/// The `userHash` a brand's server would send for `user_id`: hex HMAC-SHA256 under the
/// `demo` brand's identity secret.
pub fn user_hash(user_id: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(TEST_IDENTITY_SECRET.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(user_id.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A running relay.
pub struct Relay {
    service: Option<Service>,
    persist: tempfile::TempDir,
    port: u16,
    /// `wrangler dev`'s inspector port (chosen at each launch).
    inspector: u16,
    vars: Vec<(String, String)>,
}

fn node_bin(tool: &str) -> PathBuf {
    std::env::var_os("CONFAB_NODE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("node_modules/.bin"))
        .join(tool)
}

/// A fresh persistence folder with D1 migrated and seeded. Wrangler's local D1 runs each
/// command on a workerd of its own, and under the suite's load one such command once
/// failed inside wrangler (`false == true` from a migration that applies cleanly every
/// other time), so a failed preparation is tried again on a new folder, and the last
/// failure's output is shown if every try fails.
async fn prepared_database() -> tempfile::TempDir {
    let mut failure = String::new();
    for _ in 0..3 {
        let persist = tempfile::tempdir().expect("a temporary folder");
        match prepare_database(persist.path()).await {
            Ok(()) => return persist,
            Err(output) => failure = output,
        }
    }
    panic!("preparing the local D1 database failed three times:\n{failure}");
}

/// Applies the migrations and the `demo` seed to the D1 database persisted in `folder`;
/// a failure gives wrangler's output.
async fn prepare_database(folder: &std::path::Path) -> Result<(), String> {
    for args in [
        vec!["d1", "migrations", "apply", "DB", "--local"],
        vec![
            "d1",
            "execute",
            "DB",
            "--local",
            "--file",
            "relay/seed/dev.sql",
        ],
    ] {
        let output = Command::new(node_bin("wrangler"))
            .args(&args)
            .arg("--persist-to")
            .arg(folder)
            .current_dir(repo_root())
            .env("CI", "true")
            .output()
            .await
            .expect("wrangler runs");
        if !output.status.success() {
            return Err(format!(
                "wrangler {}: {}\n{}{}",
                args.join(" "),
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    Ok(())
}

impl Relay {
    /// Starts a relay on fresh state.
    pub async fn start() -> Relay {
        Self::start_with(&[]).await
    }

    /// Starts a relay on fresh state with more Worker variables and secrets, e.g. the base
    /// URL of a fake messaging API and the secrets a brand's connectors name.
    pub async fn start_with(vars: &[(&str, &str)]) -> Relay {
        let persist = prepared_database().await;
        let mut relay = Relay {
            service: None,
            persist,
            port: free_port(),
            inspector: 0,
            vars: vars
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
        };
        relay.launch().await;
        relay
    }

    /// Starts `wrangler dev` on the relay's port, or on new ports if another process took
    /// one between choosing and binding it.
    async fn launch(&mut self) {
        let mut last_failure = String::new();
        for _ in 0..4 {
            self.inspector = self.inspector_port();
            match Service::try_start(self.command(), "Ready on", &["Address already in use"], 90)
                .await
            {
                Ok(service) => {
                    self.service = Some(service);
                    return;
                }
                Err(failure) if failure.contains("Address already in use") => {
                    last_failure = failure;
                    self.port = free_port();
                }
                Err(failure) => panic!("{failure}"),
            }
        }
        panic!("no free port for wrangler dev after 4 tries:\n{last_failure}");
    }

    /// A free port for the inspector other than the relay's own: two calls of
    /// [`free_port`] can give the same port (nothing is bound to it in between), and
    /// workerd then fails to start with no "Address already in use" to retry on.
    fn inspector_port(&self) -> u16 {
        loop {
            let port = free_port();
            if port != self.port {
                return port;
            }
        }
    }

    /// The port of `wrangler dev`'s V8 inspector (the Chrome DevTools Protocol), for
    /// profiling the relay.
    pub fn inspector(&self) -> u16 {
        self.inspector
    }

    fn command(&self) -> Command {
        let mut command = Command::new(node_bin("wrangler"));
        command
            .args(["dev", "--ip", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--inspector-port", &self.inspector.to_string()])
            .arg("--persist-to")
            .arg(self.persist.path())
            .args([
                "--show-interactive-dev-session=false",
                "--log-level",
                "info",
            ])
            .args(["--var", "CONFAB_ENV:development"])
            .args(["--var", "DELIVERY_RETRY_BASE_SECONDS:0"])
            .args(["--var", "LISTING_DELAY_SECONDS:0"])
            .args(["--var", &format!("TOKEN_SECRET:{TEST_TOKEN_SECRET}")])
            .args(["--var", &format!("ADMIN_SECRET:{TEST_ADMIN_SECRET}")])
            .args([
                "--var",
                &format!("DEMO_IDENTITY_SECRET:{TEST_IDENTITY_SECRET}"),
            ])
            .current_dir(repo_root())
            .env("CI", "true");
        for (name, value) in &self.vars {
            command.args(["--var", &format!("{name}:{value}")]);
        }
        command
    }

    /// Stops workerd and starts it again on the same persisted state (and the same port,
    /// unless another process took it in the meantime).
    pub async fn restart(&mut self) {
        if let Some(service) = self.service.take() {
            service.stop().await;
        }
        self.launch().await;
    }

    /// Kills workerd (SIGKILL, nothing flushed), runs `while_down`, and starts it again on
    /// the same persisted state.
    pub async fn restart_after<F, Fut>(&mut self, while_down: F)
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        if let Some(service) = self.service.take() {
            service.stop().await;
        }
        while_down().await;
        self.launch().await;
    }

    /// How many Thread Durable Objects have storage on disk (workerd keeps one SQLite
    /// file per object that wrote anything, in a folder named after the class).
    pub fn stored_threads(&self) -> usize {
        fn count(dir: &std::path::Path, in_threads: bool) -> usize {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return 0;
            };
            entries
                .flatten()
                .map(|entry| {
                    let path = entry.path();
                    let name = entry.file_name().to_string_lossy().to_string();
                    if path.is_dir() {
                        count(&path, in_threads || name.contains("Thread"))
                    } else {
                        let written = entry.metadata().map(|meta| meta.len() > 0);
                        usize::from(
                            in_threads && name.ends_with(".sqlite") && written.unwrap_or(false),
                        )
                    }
                })
                .sum()
        }
        count(self.persist.path(), false)
    }

    /// How many file blobs the local R2 bucket holds (wrangler keeps each object's bytes as
    /// a file under a `blobs` folder of its R2 state).
    pub fn stored_files(&self) -> usize {
        fn count(dir: &std::path::Path, in_r2: bool, in_blobs: bool) -> usize {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return 0;
            };
            entries
                .flatten()
                .map(|entry| {
                    let path = entry.path();
                    let name = entry.file_name().to_string_lossy().to_string();
                    if path.is_dir() {
                        count(&path, in_r2 || name == "r2", in_blobs || name == "blobs")
                    } else {
                        usize::from(in_r2 && in_blobs)
                    }
                })
                .sum()
        }
        count(self.persist.path(), false, false)
    }

    /// The relay's origin, e.g. `http://127.0.0.1:41234`.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A URL on the relay.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin())
    }
}
