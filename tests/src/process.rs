//! Child processes that stop with their owner, and free loopback ports.

use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A child process in its own process group; dropping it ends the whole group (wrangler
/// starts workerd, which must not outlive the test).
pub struct Service {
    child: Child,
}

impl Service {
    /// Starts `command` and waits until a line of its output contains `ready`, or fails
    /// after `seconds`, showing what it printed.
    pub async fn start(command: Command, ready: &str, seconds: u64) -> Service {
        match Self::try_start(command, ready, &[], seconds).await {
            Ok(service) => service,
            Err(failure) => panic!("{failure}"),
        }
    }

    /// Like [`Service::start`], but a line containing one of `failures` ends the wait at
    /// once with an error (so a caller can retry, e.g. on another port).
    pub async fn try_start(
        mut command: Command,
        ready: &str,
        failures: &[&str],
        seconds: u64,
    ) -> Result<Service, String> {
        command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .stdin(Stdio::null())
            .process_group(0)
            .kill_on_drop(true);
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let (lines_tx, mut lines) = tokio::sync::mpsc::unbounded_channel();
        for stream in [
            Box::new(stdout) as Box<dyn tokio::io::AsyncRead + Unpin + Send>,
            Box::new(stderr),
        ] {
            let lines_tx = lines_tx.clone();
            tokio::spawn(async move {
                let mut reader = BufReader::new(stream).lines();
                while let Ok(Some(line)) = reader.next_line().await {
                    if std::env::var_os("CONFAB_E2E_VERBOSE").is_some() {
                        eprintln!("  | {line}");
                    }
                    let _ = lines_tx.send(line);
                }
            });
        }
        drop(lines_tx);
        let mut seen = Vec::new();
        let waited = tokio::time::timeout(std::time::Duration::from_secs(seconds), async {
            while let Some(line) = lines.recv().await {
                let found = line.contains(ready);
                let failed = failures.iter().any(|failure| line.contains(failure));
                seen.push(line);
                if found || failed {
                    return found;
                }
            }
            false
        })
        .await;
        let mut service = Service { child };
        if waited != Ok(true) {
            service.signal_group();
            let _ = service.child.wait().await;
            return Err(format!(
                "{command:?} did not print {ready:?} within {seconds}s; it printed:\n{}",
                seen.join("\n")
            ));
        }
        // Keep draining output so the child never blocks on a full pipe.
        tokio::spawn(async move { while lines.recv().await.is_some() {} });
        Ok(service)
    }

    /// Ends the process group and waits for the leader to exit.
    pub async fn stop(mut self) {
        self.signal_group();
        let _ = self.child.wait().await;
    }

    fn signal_group(&self) {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .stderr(Stdio::null())
                .status();
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.signal_group();
    }
}

/// A loopback port that was free a moment ago, chosen at random below Linux's ephemeral
/// range (32768 and up), where outgoing connections of other processes do not land. A
/// caller that loses a race for it anyway should retry (see [`Service::try_start`]).
pub fn free_port() -> u16 {
    use std::hash::{BuildHasher, RandomState};
    for attempt in 0u64.. {
        let random = RandomState::new().hash_one(attempt);
        let port = 20_000 + (random % 12_000) as u16;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    unreachable!("the loop only ends by returning")
}
