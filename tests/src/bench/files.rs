//! Attachments through the real relay (issue 15): how long a visitor's upload of a 1 MB and
//! a 10 MB file takes, and how long a team member's photo takes from the agent API to a
//! message with the attachment on the visitor's socket, and on to its bytes fetched
//! through the signed link (what a browser would do next to draw the thumbnail: the relay
//! cannot see the browser draw it, so the time stops at the fetched bytes).

use crate::api::Api;
use confab_protocol::{ServerFrame, Session};
use serde::Serialize;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// The median upload time of one file size.
#[derive(Clone, Debug, Serialize)]
pub struct UploadTime {
    /// The file's size in bytes.
    pub bytes: usize,
    /// Uploads that were stored (201).
    pub stored: usize,
    /// Uploads tried.
    pub tried: usize,
    /// The median, ms (`None`: none was stored).
    pub median_ms: Option<f64>,
}

/// A team member's photo to the visitor's socket: medians over the rounds.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TeamPhoto {
    /// The photo's size in bytes.
    pub bytes: usize,
    /// Rounds run.
    pub rounds: usize,
    /// Rounds in which the message with the photo arrived and its link served the bytes.
    pub arrived: usize,
    /// The agent's upload, ms.
    pub upload_ms: Option<f64>,
    /// From the start of the upload to the message with the photo on the visitor's socket.
    pub to_message_ms: Option<f64>,
    /// From the start of the upload to the photo's bytes fetched through its signed link
    /// ("time to first thumbnail", without the browser's decoding and drawing).
    pub to_bytes_ms: Option<f64>,
}

/// A JPEG of `size` bytes: a 1600 × 1200 frame header, then filler, then the end marker.
/// The relay judges a file by its first bytes and reads the size from the header; it does
/// not decode the picture.
pub fn jpeg_of(size: usize) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    bytes.extend_from_slice(b"JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00");
    bytes.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08, 0x04, 0xB0, 0x06, 0x40]);
    bytes.extend_from_slice(&[0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
    let filler = size.saturating_sub(bytes.len() + 2);
    // Varied filler, as compressed picture data is; nothing on the way compresses it.
    bytes.extend((0..filler).map(|index| (index * 31 % 251) as u8));
    bytes.extend_from_slice(&[0xFF, 0xD9]);
    bytes
}

/// The median of some values (`None` if there are none).
fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    (!values.is_empty()).then(|| crate::load::quantile(&values, 0.5))
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// Uploads a file of each of `sizes` bytes `rounds` times as the visitor of `session`
/// (`POST /v1/threads/{id}/uploads?name=…`, as the widget does), timing each to the
/// relay's answer.
pub async fn upload_times(
    api: &Api,
    session: &Session,
    sizes: &[usize],
    rounds: usize,
) -> Vec<UploadTime> {
    let mut times = Vec::new();
    for &size in sizes {
        let bytes = jpeg_of(size);
        let mut taken = Vec::new();
        for round in 0..rounds {
            let started = Instant::now();
            let answer = api
                .http
                .post(api.url(&format!("/v1/threads/{}/uploads", session.thread_id)))
                .query(&[("name", format!("photo-{size}-{round}.jpg"))])
                .bearer_auth(session.token.as_str())
                .header("Content-Type", "image/jpeg")
                .body(bytes.clone())
                .send()
                .await;
            if let Ok(answer) = answer {
                let stored = answer.status().as_u16() == 201;
                // The answer's body is part of the upload's time: it says what was stored.
                let _ = answer.bytes().await;
                if stored {
                    taken.push(ms(started));
                }
            }
        }
        times.push(UploadTime {
            bytes: size,
            stored: taken.len(),
            tried: rounds,
            median_ms: median(taken),
        });
    }
    times
}

/// A team member's photo of `size` bytes, `rounds` times: uploaded and sent through the
/// agent API (`key`) on the thread of `session`, timed to the message with the attachment on
/// a socket the visitor holds open (a new thread's: nothing before), then to its bytes through the message's signed link.
pub async fn team_photo(
    api: &Api,
    key: &str,
    session: &Session,
    size: usize,
    rounds: usize,
) -> TeamPhoto {
    let bytes = jpeg_of(size);
    let mut socket = api.socket(session, 0).await;
    socket.until_ready().await;
    let (mut uploads, mut messages, mut fetched) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let started = Instant::now();
        let Some(id) = agent_upload(api, key, session, &bytes, round).await else {
            continue;
        };
        uploads.push(ms(started));
        let client_id = format!("bench-photo-{round}");
        let sent = api
            .http
            .post(api.url(&format!("/v1/agent/threads/{}/messages", session.thread_id)))
            .bearer_auth(key)
            .json(&json!({ "clientId": client_id, "text": "photo", "attachments": [id] }))
            .send()
            .await;
        if !sent.is_ok_and(|answer| answer.status().as_u16() == 201) {
            continue;
        }
        // Shorter than the socket's own 20 s wait for a frame, so that a lost photo is
        // counted, not fatal.
        let link = tokio::time::timeout(Duration::from_secs(15), async {
            loop {
                if let ServerFrame::Message { message } = socket.next().await {
                    let link = message.attachments.first().and_then(|a| a.url.clone());
                    if message.client_id.as_str() == client_id && link.is_some() {
                        return link;
                    }
                }
            }
        })
        .await;
        let Ok(Some(link)) = link else {
            continue;
        };
        messages.push(ms(started));
        let url = match link.starts_with('/') {
            true => api.url(&link),
            false => link,
        };
        let Ok(answer) = api.http.get(url).send().await else {
            continue;
        };
        let served = answer.status().as_u16() == 200;
        if served
            && answer
                .bytes()
                .await
                .is_ok_and(|got| got.len() == bytes.len())
        {
            fetched.push(ms(started));
        }
    }
    socket.close().await;
    TeamPhoto {
        bytes: size,
        rounds,
        arrived: fetched.len(),
        upload_ms: median(uploads),
        to_message_ms: median(messages),
        to_bytes_ms: median(fetched),
    }
}

/// The agent's upload of `bytes` as a JPEG: the new attachment's id.
async fn agent_upload(
    api: &Api,
    key: &str,
    session: &Session,
    bytes: &[u8],
    round: usize,
) -> Option<Value> {
    let answer = api
        .http
        .post(api.url(&format!("/v1/agent/threads/{}/uploads", session.thread_id)))
        .query(&[("name", format!("team-photo-{round}.jpg"))])
        .bearer_auth(key)
        .header("Content-Type", "image/jpeg")
        .body(bytes.to_vec())
        .send()
        .await
        .ok()?;
    if answer.status().as_u16() != 201 {
        return None;
    }
    let body: Value = answer.json().await.ok()?;
    Some(body["id"].clone()).filter(|id| !id.is_null())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_padded_jpeg_has_its_size_header_and_end() {
        let bytes = jpeg_of(1_000_000);
        assert_eq!(bytes.len(), 1_000_000);
        assert_eq!(&bytes[..3], &[0xFF, 0xD8, 0xFF]);
        assert_eq!(&bytes[bytes.len() - 2..], &[0xFF, 0xD9]);
        // The frame header: height 1200 (0x04B0), width 1600 (0x0640).
        assert_eq!(&bytes[24..29], &[0x08, 0x04, 0xB0, 0x06, 0x40]);
    }

    #[test]
    fn medians() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
    }
}
