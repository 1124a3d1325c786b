//! RFC 8291 message encryption: the push payload as one `aes128gcm` record (RFC 8188).
//!
//! The application server makes a fresh key pair and salt for every message; the shared
//! secret of ECDH between that key and the subscription's `p256dh` key, mixed with the
//! subscription's `auth` secret, gives the content key and nonce. The body is the RFC 8188
//! header (salt, record size, the server's public key as the key id) and one record: the
//! plaintext, the last-record delimiter `0x02`, and zero padding.

use hkdf::Hkdf;
use p256::ecdh::diffie_hellman;
use p256::{PublicKey, SecretKey};
use sha2::Sha256;

/// The record size written in the header. One record holds the whole payload, which is
/// far smaller (push services take about 4 KB).
pub const RECORD_SIZE: u32 = 4096;

/// The largest plaintext one record carries with padding and the tag: the most push
/// services accept is a 4,096-byte body, minus the 86-byte header, the tag (16) and the
/// delimiter (1).
pub const MAX_PLAINTEXT: usize = 4096 - 86 - 16 - 1;

/// The keys and numbers of one message's encryption, for tests that compare against the
/// RFC's intermediate values.
#[derive(Debug, PartialEq, Eq)]
pub struct Derived {
    /// The ECDH shared secret.
    pub ecdh_secret: [u8; 32],
    /// The content encryption key.
    pub cek: [u8; 16],
    /// The nonce of the (only) record.
    pub nonce: [u8; 12],
}

/// Why a payload could not be encrypted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncryptError {
    /// The subscription's `p256dh` is not a point of P-256.
    #[error("the subscription's p256dh key is not a P-256 public key")]
    BadPublicKey,
    /// The ephemeral key is not a valid scalar.
    #[error("the ephemeral key is not a P-256 private key")]
    BadPrivateKey,
    /// The payload and its padding do not fit one record.
    #[error("the payload is larger than one record ({MAX_PLAINTEXT} bytes)")]
    TooLarge,
}

/// Derives the content key and nonce (RFC 8291 §3.3–3.4, RFC 8188 §2.2–2.3).
pub fn derive(
    ua_public: &[u8],
    auth_secret: &[u8],
    as_private: &[u8; 32],
    salt: &[u8; 16],
) -> Result<(Derived, Vec<u8>), EncryptError> {
    let ua = PublicKey::from_sec1_bytes(ua_public).map_err(|_| EncryptError::BadPublicKey)?;
    let server = SecretKey::from_slice(as_private).map_err(|_| EncryptError::BadPrivateKey)?;
    let as_public = server.public_key().to_sec1_bytes().to_vec();
    let shared = diffie_hellman(server.to_nonzero_scalar(), ua.as_affine());
    let mut ecdh_secret = [0u8; 32];
    ecdh_secret.copy_from_slice(shared.raw_secret_bytes());
    // IKM = HKDF(salt = auth_secret, IKM = ecdh_secret, info = "WebPush: info" 0 ua as).
    let mut key_info = b"WebPush: info\0".to_vec();
    key_info.extend_from_slice(ua_public);
    key_info.extend_from_slice(&as_public);
    let mut ikm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(auth_secret), &ecdh_secret)
        .expand(&key_info, &mut ikm)
        .map_err(|_| EncryptError::TooLarge)?;
    // RFC 8188: PRK = HKDF-Extract(salt, IKM); CEK and NONCE expanded from it.
    let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
    let mut cek = [0u8; 16];
    let mut nonce = [0u8; 12];
    prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek)
        .and_then(|()| prk.expand(b"Content-Encoding: nonce\0", &mut nonce))
        .map_err(|_| EncryptError::TooLarge)?;
    let derived = Derived {
        ecdh_secret,
        cek,
        nonce,
    };
    Ok((derived, as_public))
}

/// Encrypts `plaintext` for the subscription's `ua_public` (`p256dh`, 65 bytes) and
/// `auth_secret` (16 bytes) with the message's own key `as_private` and `salt` (both
/// random, and never used again), padded with `padding` zero bytes (which hide the
/// payload's length within that many bytes). Returns the request body.
pub fn encrypt(
    plaintext: &[u8],
    ua_public: &[u8],
    auth_secret: &[u8],
    as_private: &[u8; 32],
    salt: &[u8; 16],
    padding: usize,
) -> Result<Vec<u8>, EncryptError> {
    use aes_gcm::aead::{Aead, KeyInit};
    use aes_gcm::{Aes128Gcm, Nonce};
    if plaintext.len().saturating_add(padding) > MAX_PLAINTEXT {
        return Err(EncryptError::TooLarge);
    }
    let (derived, as_public) = derive(ua_public, auth_secret, as_private, salt)?;
    let mut record = Vec::with_capacity(plaintext.len() + 1 + padding);
    record.extend_from_slice(plaintext);
    // The delimiter of the last (and only) record, then the padding.
    record.push(2);
    record.resize(record.len() + padding, 0);
    let cipher = Aes128Gcm::new_from_slice(&derived.cek).map_err(|_| EncryptError::TooLarge)?;
    let sealed = cipher
        .encrypt(Nonce::from_slice(&derived.nonce), record.as_slice())
        .map_err(|_| EncryptError::TooLarge)?;
    let mut body = Vec::with_capacity(21 + as_public.len() + sealed.len());
    body.extend_from_slice(salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    // The key id is the server's public key, 65 bytes: it fits the one-byte length.
    body.push(as_public.len() as u8);
    body.extend_from_slice(&as_public);
    body.extend_from_slice(&sealed);
    Ok(body)
}
