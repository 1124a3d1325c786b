//! The bench's Chrome DevTools Protocol client for workerd's V8 inspectors: the targets an
//! inspector lists (`GET /json`), a session over its WebSocket, V8's profiler started and
//! stopped there, and where workerd's own inspector listens (miniflare lets the system
//! choose its port, so it is found among the runtime process's listening sockets).

use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashSet;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

/// One target an inspector lists (`GET /json`).
#[derive(Clone, Debug, Deserialize)]
pub struct Target {
    /// Which inspector listed it (filled in by [`targets`]).
    #[serde(skip)]
    pub source: String,
    /// Its title, e.g. "Cloudflare Worker".
    #[serde(default)]
    pub title: String,
    /// Its id (miniflare's: a UUID and the Worker's name).
    #[serde(default)]
    pub id: String,
    /// Where to open a DevTools session with it.
    #[serde(rename = "webSocketDebuggerUrl")]
    pub url: String,
}

/// The longest the bench waits for an inspector's answer: far longer than a profile of a
/// busy minute takes to come back.
const CALL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(180);

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A DevTools session with one target.
pub struct Session {
    socket: Socket,
    next_id: u64,
}

impl Session {
    async fn open(url: &str) -> Result<Session, String> {
        // A profile of a busy minute is tens of megabytes, in one message.
        let config = WebSocketConfig::default()
            .max_message_size(None)
            .max_frame_size(None);
        let (socket, _) = tokio_tungstenite::connect_async_with_config(url, Some(config), true)
            .await
            .map_err(|e| format!("connecting to {url}: {e}"))?;
        Ok(Session { socket, next_id: 1 })
    }

    /// Sends a command and waits for its answer (events in between are skipped), for at
    /// most [`CALL_TIMEOUT`]: an inspector that never answers makes the profile a failure
    /// in the report rather than a bench that waits forever.
    async fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        tokio::time::timeout(CALL_TIMEOUT, self.answer(method, params))
            .await
            .unwrap_or_else(|_| {
                Err(format!(
                    "{method}: no answer in {} s",
                    CALL_TIMEOUT.as_secs()
                ))
            })
    }

    async fn answer(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let id = self.next_id;
        self.next_id += 1;
        let command = json!({ "id": id, "method": method, "params": params });
        self.socket
            .send(Message::text(command.to_string()))
            .await
            .map_err(|e| format!("{method}: {e}"))?;
        while let Some(message) = self.socket.next().await {
            let message = message.map_err(|e| format!("{method}: {e}"))?;
            let Message::Text(text) = message else {
                continue;
            };
            let answer: Value =
                serde_json::from_str(&text).map_err(|e| format!("{method}: {e}"))?;
            if answer["id"].as_u64() != Some(id) {
                continue;
            }
            if let Some(error) = answer.get("error") {
                return Err(format!("{method}: {error}"));
            }
            return Ok(answer["result"].clone());
        }
        Err(format!("{method}: the inspector closed the socket"))
    }
}

/// The targets an inspector on `port` lists, each marked with `source`.
pub async fn targets(port: u16, source: &str) -> Result<Vec<Target>, String> {
    let url = format!("http://127.0.0.1:{port}/json");
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(3))
        .build()
        .map_err(|e| e.to_string())?;
    let response = client
        .get(&url)
        .send()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    let mut listed: Vec<Target> = response
        .json()
        .await
        .map_err(|e| format!("GET {url}: not a target list: {e}"))?;
    for target in &mut listed {
        target.source = source.to_string();
    }
    Ok(listed)
}

/// The TCP ports a process listens on: the inodes of its sockets (`/proc/<pid>/fd`) found
/// among the listening sockets of `/proc/net/tcp` and `tcp6`.
pub fn listening_ports(pid: u32) -> Vec<u16> {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return Vec::new();
    };
    let inodes: HashSet<String> = fds
        .flatten()
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .filter_map(|link| {
            let link = link.to_string_lossy().to_string();
            Some(
                link.strip_prefix("socket:[")?
                    .strip_suffix(']')?
                    .to_string(),
            )
        })
        .collect();
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|table| std::fs::read_to_string(table).ok())
        .flat_map(|table| listening(&table, &inodes))
        .collect()
}

/// The ports of the listening sockets (state `0A`) among `inodes` in a `/proc/net/tcp`
/// table (`proc(5)`: local address `hex-ip:hex-port` 2nd, state 4th, inode 10th).
pub fn listening(table: &str, inodes: &HashSet<String>) -> Vec<u16> {
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let listens = fields.get(3) == Some(&"0A");
            let ours = fields.get(9).is_some_and(|inode| inodes.contains(*inode));
            if !(listens && ours) {
                return None;
            }
            u16::from_str_radix(fields.get(1)?.rsplit(':').next()?, 16).ok()
        })
        .collect()
}

/// workerd's own inspector in one of `pids` (the runtime process): the listening port that
/// answers `/json` with a target list, and its targets.
pub async fn runtime_targets(pids: &[u32]) -> Result<Vec<Target>, String> {
    for pid in pids {
        for port in listening_ports(*pid) {
            let source =
                format!("workerd's own inspector (runtime process {pid}, 127.0.0.1:{port})");
            if let Ok(listed) = targets(port, &source).await {
                return Ok(listed);
            }
        }
    }
    Err(format!(
        "no inspector among the sockets of workerd {pids:?}"
    ))
}

/// Opens a session with the target at `url` and starts V8's profiler there, sampling every
/// `interval` microseconds.
pub async fn start_profiler(url: &str, interval: u32) -> Result<Session, String> {
    let mut session = Session::open(url).await?;
    session.call("Profiler.enable", json!({})).await?;
    session
        .call(
            "Profiler.setSamplingInterval",
            json!({ "interval": interval }),
        )
        .await?;
    session.call("Profiler.start", json!({})).await?;
    Ok(session)
}

/// Stops the profiler of a session and closes it: V8's `Profiler.Profile`, as JSON.
pub async fn stop_profiler(mut session: Session) -> Result<Value, String> {
    let mut result = session.call("Profiler.stop", json!({})).await?;
    let _ = session.socket.close(None).await;
    match result.get_mut("profile") {
        Some(profile) => Ok(profile.take()),
        None => Err("Profiler.stop answered no profile".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_listening_ports_of_a_process_sockets() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:B345 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1
   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 222 1
   2: 0100007F:B345 0100007F:D000 01 00000000:00000000 00:00000000 00000000     0        0 333 1";
        let inodes: HashSet<String> = ["111", "333"].map(String::from).into();
        assert_eq!(listening(table, &inodes), vec![0xB345]);
    }
}
