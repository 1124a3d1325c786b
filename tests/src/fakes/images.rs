//! A fake image host, standing for a brand's CDN: a real PNG, and the ways a host can
//! answer something else (SVG, however labelled; too much, with or without a length; a
//! redirect; a hang). It counts the requests each path got.

use super::{redirect, Server, HANG};
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

/// An SVG that would run script if a browser rendered it as a document.
pub const SVG: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.domain)"><rect width="8" height="8"/></svg>"#;

/// The size of the fake's oversized images: 600 KiB.
pub const OVERSIZED: usize = 600 * 1024;

struct Fake {
    png: Vec<u8>,
    requests: Mutex<HashMap<String, u32>>,
}

/// The fake host. Paths under `base`:
/// - `/logo.png`, `/avatar.png`: [`FakeImages::png`] as `image/png`;
/// - `/svg-as-png.png`: [`SVG`] labelled `image/png`; `/logo.svg`: as `image/svg+xml`;
/// - `/huge.png`: a PNG of [`OVERSIZED`] bytes with its `Content-Length`;
///   `/huge-stream.png`: the same, streamed in chunks without a length;
/// - `/page.html`: HTML; `/redirect.png`: a 302 to `/logo.png`; `/missing.png`: 404;
/// - `/hang.png`: the headers at once, the body never.
pub struct FakeImages {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    fake: Arc<Fake>,
    _server: Server,
}

impl FakeImages {
    /// Starts the host on a free loopback port.
    pub async fn start() -> FakeImages {
        let fake = Arc::new(Fake {
            png: png(8, 8, [0x14, 0x53, 0x2d]),
            requests: Mutex::default(),
        });
        let app = Router::new()
            .route("/{name}", get(serve))
            .with_state(fake.clone());
        let server = Server::start(app).await;
        FakeImages {
            base: server.base.clone(),
            fake,
            _server: server,
        }
    }

    /// The URL of `path` on this host.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The PNG `/logo.png` and `/avatar.png` serve, byte for byte.
    pub fn png(&self) -> Vec<u8> {
        self.fake.png.clone()
    }

    /// How many requests `path` (`/logo.png`) got.
    pub fn requests(&self, path: &str) -> u32 {
        let name = path.trim_start_matches('/');
        self.fake
            .requests
            .lock()
            .unwrap()
            .get(name)
            .copied()
            .unwrap_or(0)
    }
}

async fn serve(State(fake): State<Arc<Fake>>, Path(name): Path<String>) -> Response {
    *fake
        .requests
        .lock()
        .unwrap()
        .entry(name.clone())
        .or_default() += 1;
    let answer = |content_type: &str, body: Body| {
        Response::builder()
            .header("Content-Type", content_type)
            .body(body)
            .unwrap()
    };
    match name.as_str() {
        "logo.png" | "avatar.png" => answer("image/png", Body::from(fake.png.clone())),
        "svg-as-png.png" => answer("image/png", Body::from(SVG)),
        "logo.svg" => answer("image/svg+xml", Body::from(SVG)),
        "page.html" => answer("text/html", Body::from("<h1>not an image</h1>")),
        "huge.png" => answer("image/png", Body::from(oversized(&fake.png))),
        "huge-stream.png" => {
            let bytes = oversized(&fake.png);
            let chunks: Vec<Result<Bytes, std::io::Error>> = bytes
                .chunks(64 * 1024)
                .map(|chunk| Ok(Bytes::copy_from_slice(chunk)))
                .collect();
            answer(
                "image/png",
                Body::from_stream(futures_util::stream::iter(chunks)),
            )
        }
        "redirect.png" => redirect(302, "/logo.png"),
        "hang.png" => {
            let body = futures_util::stream::unfold(0, |step| async move {
                match step {
                    0 => {
                        tokio::time::sleep(HANG).await;
                        Some((Err(std::io::Error::other("the fake hangs up")), 1))
                    }
                    _ => None::<(Result<Bytes, std::io::Error>, u32)>,
                }
            });
            answer("image/png", Body::from_stream(body))
        }
        _ => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Body::empty())
            .unwrap(),
    }
}

/// `png` padded to [`OVERSIZED`] bytes (still a PNG by its first bytes).
fn oversized(png: &[u8]) -> Vec<u8> {
    let mut bytes = png.to_vec();
    bytes.resize(OVERSIZED, 0);
    bytes
}

/// A real PNG of `width` × `height` pixels of one colour (8-bit RGB), as any decoder reads
/// it: signature, IHDR, one zlib IDAT, IEND, each chunk with its CRC-32.
pub fn png(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    // 8 bits per channel, RGB, deflate, adaptive filtering, no interlace.
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    // Each row: filter type 0 (none), then its pixels.
    let row: Vec<u8> = std::iter::once(0)
        .chain(rgb.iter().copied().cycle().take(3 * width as usize))
        .collect();
    let rows = row.repeat(height as usize);
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    zlib.write_all(&rows).unwrap();
    let data = zlib.finish().unwrap();
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &header);
    chunk(&mut out, b"IDAT", &data);
    chunk(&mut out, b"IEND", &[]);
    out
}
