//! The bench's baseline room (issue 21): the bare chat-room Worker of `bench/baseline/`,
//! served by `wrangler dev` with its own configuration, port and fresh state, on the same
//! workerd as the relay, so that the relay's numbers are read as ratios to it.

use crate::process::{free_port, Service};
use crate::repo_root;
use std::path::PathBuf;
use tokio::process::Command;

/// The baseline Worker, running; stopped when dropped.
pub struct Baseline {
    _service: Service,
    _persist: tempfile::TempDir,
    port: u16,
}

impl Baseline {
    /// Starts the baseline built by `cargo xtask bench` (`bench/baseline/build/`), with the
    /// same `wrangler dev` and log level as the relay's.
    pub async fn start() -> Baseline {
        let config = repo_root().join("bench/baseline/wrangler.toml");
        let built = repo_root().join("bench/baseline/build/index.js");
        assert!(
            built.exists(),
            "{} is missing: `cargo xtask bench` builds it",
            built.display()
        );
        let persist = tempfile::tempdir().expect("a temporary folder");
        let mut last_failure = String::new();
        for _ in 0..4 {
            let port = free_port();
            let node_bin = std::env::var_os("CONFAB_NODE_BIN")
                .map(PathBuf::from)
                .unwrap_or_else(|| repo_root().join("node_modules/.bin"));
            let mut command = Command::new(node_bin.join("wrangler"));
            command
                .arg("dev")
                .arg("--config")
                .arg(&config)
                .args(["--ip", "127.0.0.1", "--port", &port.to_string()])
                .args(["--inspector-port", &free_port().to_string()])
                .arg("--persist-to")
                .arg(persist.path())
                .args([
                    "--show-interactive-dev-session=false",
                    "--log-level",
                    "info",
                ])
                .current_dir(repo_root())
                .env("CI", "true");
            match Service::try_start(command, "Ready on", &["Address already in use"], 90).await {
                Ok(service) => {
                    return Baseline {
                        _service: service,
                        _persist: persist,
                        port,
                    }
                }
                Err(failure) if failure.contains("Address already in use") => {
                    last_failure = failure;
                }
                Err(failure) => panic!("{failure}"),
            }
        }
        panic!("no free port for the baseline's wrangler dev after 4 tries:\n{last_failure}");
    }

    /// Its origin, e.g. `http://127.0.0.1:41234`.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port it serves.
    pub fn port(&self) -> u16 {
        self.port
    }
}
