//! A fake push service (RFC 8030) that checks what a real one checks and reads what a
//! browser would: it makes subscriptions the way a browser does (a P-256 key pair and a
//! 16-byte auth secret per subscription, bound to the application server's key), and for
//! each push it verifies the VAPID JWT (RFC 8292: ES256 signature by the key the
//! subscription was made with, `aud` its own origin, `exp` within 24 hours, `sub` a
//! `mailto:` or `https:` contact), requires `Content-Encoding: aes128gcm`, a `TTL` and a
//! body of at most 4,096 bytes, and decrypts the payload (RFC 8291) with the subscription's
//! private key. Written from the RFCs, not with the relay's code. It can be told to answer
//! 410 (the subscription is gone) or 429 (slow down).

use super::{Failure, Plan, Server};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use confab_protocol::api::{PushKeys, PushSubscription};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::{PublicKey, SecretKey};
use rand_core::{OsRng, RngCore};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The development VAPID key the tests give the relay (`VAPID_PRIVATE_KEY`): a key made
/// for these tests, never a production one.
pub const DEV_VAPID_PRIVATE_KEY: &str = "vXKm2ry0aNtPHwx0yOdPU6qtgvYW3Uf3bUU_dKKnXdo";

/// The contact the tests give the relay (`VAPID_SUBJECT`).
pub const DEV_VAPID_SUBJECT: &str = "mailto:push-tests@confab.example";

/// A push the service accepted, as the visitor's browser would see it.
#[derive(Clone, Debug)]
pub struct Received {
    /// The subscription's id (the endpoint's last segment).
    pub subscription: String,
    /// The decrypted payload.
    pub payload: Value,
    /// The `TTL` header.
    pub ttl: u64,
    /// The `Urgency` header, if any.
    pub urgency: Option<String>,
    /// The `Topic` header, if any.
    pub topic: Option<String>,
    /// When it arrived.
    pub at: Instant,
}

/// A browser's half of a subscription.
struct Browser {
    private: SecretKey,
    auth: [u8; 16],
    /// The `applicationServerKey` it subscribed with (uncompressed point).
    server_key: Vec<u8>,
}

struct Fake {
    origin: Mutex<String>,
    browsers: Mutex<HashMap<String, Browser>>,
    received: Mutex<Vec<Received>>,
    /// Pushes refused for a bad JWT, encoding or body, with the reason.
    refused: Mutex<Vec<String>>,
    plan: Plan,
    requests: Mutex<u32>,
}

/// The fake push service at `{base}/push/{subscription}`.
pub struct FakePush {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    fake: Arc<Fake>,
    _server: Server,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok()
}

impl FakePush {
    /// Starts the service.
    pub async fn start() -> FakePush {
        let fake = Arc::new(Fake {
            origin: Mutex::default(),
            browsers: Mutex::default(),
            received: Mutex::default(),
            refused: Mutex::default(),
            plan: Plan::default(),
            requests: Mutex::default(),
        });
        let app = Router::new()
            .route("/push/{id}", post(receive))
            .with_state(fake.clone());
        let server = Server::start(app).await;
        *fake.origin.lock().unwrap() = server.base.clone();
        FakePush {
            base: server.base.clone(),
            fake,
            _server: server,
        }
    }

    /// What `PushManager.subscribe({applicationServerKey})` gives a browser: a new
    /// endpoint, and the browser's public key and auth secret (its private key stays here).
    pub fn subscribe(&self, application_server_key: &str) -> PushSubscription {
        let private = SecretKey::random(&mut OsRng);
        let public = private.public_key().to_sec1_bytes().to_vec();
        let mut auth = [0u8; 16];
        OsRng.fill_bytes(&mut auth);
        let mut id = [0u8; 12];
        OsRng.fill_bytes(&mut id);
        let id = b64(&id);
        let server_key = unb64(application_server_key).expect("a base64url key");
        self.fake.browsers.lock().unwrap().insert(
            id.clone(),
            Browser {
                private,
                auth,
                server_key,
            },
        );
        PushSubscription {
            endpoint: format!("{}/push/{id}", self.base),
            keys: PushKeys {
                p256dh: b64(&public),
                auth: b64(&auth),
            },
        }
    }

    /// Answers the next pushes with these failures (`Status(410)`, `SlowDown(seconds)`).
    pub fn fail_next(&self, failures: impl IntoIterator<Item = Failure>) {
        self.fake.plan.fail_next(failures);
    }

    /// The pushes accepted so far.
    pub fn received(&self) -> Vec<Received> {
        self.fake.received.lock().unwrap().clone()
    }

    /// Why pushes were refused (bad JWT, encoding, body), in order.
    pub fn refused(&self) -> Vec<String> {
        self.fake.refused.lock().unwrap().clone()
    }

    /// Every request that reached a push endpoint, accepted, refused or failed on purpose.
    pub fn requests(&self) -> u32 {
        *self.fake.requests.lock().unwrap()
    }
}

async fn receive(
    State(fake): State<Arc<Fake>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    *fake.requests.lock().unwrap() += 1;
    let checked = {
        let browsers = fake.browsers.lock().unwrap();
        let Some(browser) = browsers.get(&id) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let origin = fake.origin.lock().unwrap().clone();
        check(browser, &origin, &headers, &body)
    };
    let (payload, ttl) = match checked {
        Ok(accepted) => accepted,
        Err((status, why)) => {
            fake.refused.lock().unwrap().push(why.clone());
            return (status, why).into_response();
        }
    };
    match fake.plan.take() {
        Some(Failure::Status(status)) => {
            return StatusCode::from_u16(status).unwrap().into_response();
        }
        Some(Failure::SlowDown(seconds)) => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [("Retry-After", seconds.to_string())],
            )
                .into_response();
        }
        _ => {}
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string)
    };
    fake.received.lock().unwrap().push(Received {
        subscription: id.clone(),
        payload,
        ttl,
        urgency: header("Urgency"),
        topic: header("Topic"),
        at: Instant::now(),
    });
    (
        StatusCode::CREATED,
        [("Location", format!("/message/{id}"))],
    )
        .into_response()
}

type Refusal = (StatusCode, String);

/// What a push service checks before it takes a message; the decrypted payload and TTL.
fn check(
    browser: &Browser,
    origin: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Value, u64), Refusal> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
    };
    check_vapid(browser, origin, header("Authorization"))
        .map_err(|why| (StatusCode::FORBIDDEN, format!("VAPID: {why}")))?;
    let bad = |why: &str| (StatusCode::BAD_REQUEST, why.to_string());
    if header("Content-Encoding") != "aes128gcm" {
        return Err(bad("Content-Encoding must be aes128gcm"));
    }
    let ttl: u64 = header("TTL")
        .parse()
        .map_err(|_| bad("TTL is missing or not a number"))?;
    let urgency = header("Urgency");
    if !["", "very-low", "low", "normal", "high"].contains(&urgency) {
        return Err(bad("Urgency is not one of RFC 8030's"));
    }
    if body.len() > 4096 {
        return Err((StatusCode::PAYLOAD_TOO_LARGE, "over 4096 bytes".into()));
    }
    let plaintext = decrypt(browser, body).ok_or_else(|| bad("the payload does not decrypt"))?;
    let payload = serde_json::from_slice(&plaintext).map_err(|_| bad("the payload is not JSON"))?;
    Ok((payload, ttl))
}

/// RFC 8292: `vapid t=<JWT>, k=<key>`; the key is the one the subscription was made with,
/// the JWT is ES256-signed by it, for this origin, expiring within 24 hours.
fn check_vapid(browser: &Browser, origin: &str, authorization: &str) -> Result<(), String> {
    let rest = authorization
        .strip_prefix("vapid ")
        .ok_or("not the vapid scheme")?;
    let mut t = None;
    let mut k = None;
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(value) = part.strip_prefix("t=") {
            t = Some(value);
        } else if let Some(value) = part.strip_prefix("k=") {
            k = Some(value);
        }
    }
    let (Some(jwt), Some(k)) = (t, k) else {
        return Err("t and k are required".into());
    };
    let key = unb64(k).ok_or("k is not base64url")?;
    if key != browser.server_key {
        return Err("k is not the key the subscription was made with".into());
    }
    let verifying = VerifyingKey::from_sec1_bytes(&key).map_err(|_| "k is not a P-256 key")?;
    let (input, signature) = jwt.rsplit_once('.').ok_or("the JWT has no signature")?;
    let signature = unb64(signature)
        .and_then(|bytes| Signature::from_slice(&bytes).ok())
        .ok_or("the signature is not 64 bytes of r and s")?;
    verifying
        .verify(input.as_bytes(), &signature)
        .map_err(|_| "the signature does not verify with k")?;
    let (header, claims) = input.split_once('.').ok_or("the JWT has no claims")?;
    let decode = |part: &str| -> Option<Value> { serde_json::from_slice(&unb64(part)?).ok() };
    let header = decode(header).ok_or("the JWT header is not JSON")?;
    let claims = decode(claims).ok_or("the JWT claims are not JSON")?;
    if header["alg"] != "ES256" {
        return Err(format!("alg {} is not ES256", header["alg"]));
    }
    if claims["aud"] != origin {
        return Err(format!("aud {} is not {origin}", claims["aud"]));
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let exp = claims["exp"].as_u64().ok_or("exp is missing")?;
    if exp <= now || exp > now + 24 * 60 * 60 {
        return Err(format!("exp {exp} is not within 24 hours of {now}"));
    }
    let sub = claims["sub"].as_str().unwrap_or_default();
    if !(sub.starts_with("mailto:") || sub.starts_with("https://")) {
        return Err(format!("sub {sub:?} is not a mailto: or https: contact"));
    }
    Ok(())
}

/// The browser's decryption (RFC 8291 §3.4, RFC 8188 §2): one record, padding removed.
fn decrypt(browser: &Browser, body: &[u8]) -> Option<Vec<u8>> {
    use aes_gcm::aead::{Aead, KeyInit};
    use aes_gcm::{Aes128Gcm, Nonce};
    use hkdf::Hkdf;
    use sha2::Sha256;
    let salt = body.get(..16)?;
    let record_size = u32::from_be_bytes(body.get(16..20)?.try_into().ok()?);
    let id_len = usize::from(*body.get(20)?);
    let as_public = body.get(21..21 + id_len)?;
    let sealed = body.get(21 + id_len..)?;
    if sealed.len() > record_size as usize {
        return None;
    }
    let server = PublicKey::from_sec1_bytes(as_public).ok()?;
    let shared =
        p256::ecdh::diffie_hellman(browser.private.to_nonzero_scalar(), server.as_affine());
    let ua_public = browser.private.public_key().to_sec1_bytes();
    let mut info = b"WebPush: info\0".to_vec();
    info.extend_from_slice(&ua_public);
    info.extend_from_slice(as_public);
    let mut ikm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(&browser.auth), shared.raw_secret_bytes())
        .expand(&info, &mut ikm)
        .ok()?;
    let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
    let mut cek = [0u8; 16];
    let mut nonce = [0u8; 12];
    prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek)
        .ok()?;
    prk.expand(b"Content-Encoding: nonce\0", &mut nonce).ok()?;
    let mut record = Aes128Gcm::new_from_slice(&cek)
        .ok()?
        .decrypt(Nonce::from_slice(&nonce), sealed)
        .ok()?;
    // Padding is zeros after the delimiter; the last record's delimiter is 2.
    let end = record.iter().rposition(|byte| *byte != 0)?;
    if record[end] != 2 {
        return None;
    }
    record.truncate(end);
    Some(record)
}
