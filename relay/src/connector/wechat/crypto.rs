//! WeChat's hook signatures and its safe (encrypted) mode, in pure code.
//!
//! Plain mode: `signature` = hex SHA-1 of the token, `timestamp` and `nonce`, sorted and
//! joined. Safe mode adds `msg_signature` = hex SHA-1 of the same three and the body's
//! `Encrypt` field, sorted and joined; `Encrypt` is base64 of AES-256-CBC (key: the 43
//! characters of the EncodingAESKey, base64-decoded to 32 bytes; IV: the key's first 16
//! bytes) over `16 random bytes ‖ 4-byte big-endian length ‖ message ‖ app id`, padded as
//! PKCS#7 to 32-byte blocks. Signatures are compared in constant time.

use crate::error::RelayError;
use aes::cipher::{block_padding::NoPadding, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::alphabet::STANDARD;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

/// WeChat pads to this many bytes (PKCS#7 with a 32-byte block, not AES's 16).
const PAD_BLOCK: usize = 32;

/// Base64 as WeChat writes it; decoding forgives the key's unused trailing bits (a 43-character
/// key's last character carries two bits more than 32 bytes need).
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The hex SHA-1 of `parts`, sorted and joined (WeChat's signature scheme).
pub fn sorted_sha1(parts: &[&str]) -> String {
    let mut sorted = parts.to_vec();
    sorted.sort_unstable();
    hex::encode(Sha1::digest(sorted.concat().as_bytes()))
}

/// The plain-mode `signature` of a hook call.
pub fn signature(token: &str, timestamp: &str, nonce: &str) -> String {
    sorted_sha1(&[token, timestamp, nonce])
}

/// The safe-mode `msg_signature`, which also covers the encrypted body.
pub fn msg_signature(token: &str, timestamp: &str, nonce: &str, encrypted: &str) -> String {
    sorted_sha1(&[token, timestamp, nonce, encrypted])
}

/// Whether `presented` is `expected` (hex, case-insensitive), compared in constant time.
pub fn same_signature(expected: &str, presented: &str) -> bool {
    let presented = presented.to_ascii_lowercase();
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(presented.as_bytes()))
}

/// An account's message key (from its 43-character EncodingAESKey).
#[derive(Clone)]
pub struct AesKey([u8; 32]);

impl std::fmt::Debug for AesKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AesKey([redacted])")
    }
}

impl AesKey {
    /// The key an EncodingAESKey stands for: 43 base64 characters, 32 bytes. `None` for
    /// anything else.
    pub fn from_encoding_key(encoding_key: &str) -> Option<AesKey> {
        let encoding_key = encoding_key.trim();
        if encoding_key.len() != 43 {
            return None;
        }
        let bytes = LENIENT.decode(format!("{encoding_key}=")).ok()?;
        bytes.try_into().ok().map(AesKey)
    }

    fn iv(&self) -> [u8; 16] {
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&self.0[..16]);
        iv
    }
}

/// Encrypts `message` for `app_id` as WeChat does, with the given 16 random bytes; returns
/// the base64 `Encrypt` text.
pub fn encrypt(key: &AesKey, random: [u8; 16], message: &[u8], app_id: &str) -> String {
    let length = u32::try_from(message.len()).unwrap_or(u32::MAX);
    let mut plain = Vec::with_capacity(message.len() + app_id.len() + 20 + PAD_BLOCK);
    plain.extend_from_slice(&random);
    plain.extend_from_slice(&length.to_be_bytes());
    plain.extend_from_slice(message);
    plain.extend_from_slice(app_id.as_bytes());
    let pad = PAD_BLOCK - plain.len() % PAD_BLOCK;
    plain.extend(std::iter::repeat_n(pad as u8, pad));
    let length = plain.len();
    let cipher = cbc::Encryptor::<aes::Aes256>::new(&key.0.into(), &key.iv().into());
    // The buffer is a whole number of blocks already: encrypting it cannot fail.
    let encrypted = cipher
        .encrypt_padded_mut::<NoPadding>(&mut plain, length)
        .map(<[u8]>::to_vec)
        .unwrap_or_default();
    base64::engine::general_purpose::STANDARD.encode(encrypted)
}

/// Decrypts an `Encrypt` text: the message, if it decrypts, is padded as WeChat pads, is as
/// long as it says, and was encrypted for `app_id`; else [`RelayError::InvalidWebhookSignature`]
/// (whoever sent it does not hold the key).
pub fn decrypt(key: &AesKey, encrypted: &str, app_id: &str) -> Result<Vec<u8>, RelayError> {
    let refused = || RelayError::InvalidWebhookSignature;
    let mut bytes = LENIENT.decode(encrypted.trim()).map_err(|_| refused())?;
    if bytes.is_empty() || bytes.len() % PAD_BLOCK != 0 {
        return Err(refused());
    }
    let cipher = cbc::Decryptor::<aes::Aes256>::new(&key.0.into(), &key.iv().into());
    let plain = cipher
        .decrypt_padded_mut::<NoPadding>(&mut bytes)
        .map_err(|_| refused())?;
    let pad = usize::from(*plain.last().ok_or_else(refused)?);
    if !(1..=PAD_BLOCK).contains(&pad) || plain.len() < pad + 20 {
        return Err(refused());
    }
    let (unpadded, padding) = plain.split_at(plain.len() - pad);
    if padding.iter().any(|&byte| usize::from(byte) != pad) {
        return Err(refused());
    }
    let mut length = [0u8; 4];
    length.copy_from_slice(&unpadded[16..20]);
    let length = usize::try_from(u32::from_be_bytes(length)).map_err(|_| refused())?;
    let rest = &unpadded[20..];
    if length > rest.len() {
        return Err(refused());
    }
    let (message, sender) = rest.split_at(length);
    if !bool::from(sender.ct_eq(app_id.as_bytes())) {
        return Err(refused());
    }
    Ok(message.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed EncodingAESKey (43 characters), made up for the tests.
    const ENCODING_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    const APP_ID: &str = "wx5823bf96d3bd56c7";

    fn key() -> AesKey {
        AesKey::from_encoding_key(ENCODING_KEY).unwrap()
    }

    #[test]
    fn signatures_sort_then_hash() {
        // sha1("1409304348" + "test token"... sorted): computed by hand from the rule.
        let by_rule = hex::encode(Sha1::digest(b"1409304348nonce-1token"));
        assert_eq!(signature("token", "1409304348", "nonce-1"), by_rule);
        assert_eq!(signature("nonce-1", "token", "1409304348"), by_rule);
        // An empty string hashes too; the order is bytewise.
        assert_eq!(
            sorted_sha1(&["b", "a", "B"]),
            hex::encode(Sha1::digest(b"Bab"))
        );
        assert_eq!(
            msg_signature("t", "1", "n", "E"),
            hex::encode(Sha1::digest(b"1Ent"))
        );
        let good = signature("token", "1", "2");
        assert!(same_signature(&good, &good));
        assert!(same_signature(&good, &good.to_ascii_uppercase()));
        assert!(!same_signature(&good, &good[1..]));
        assert!(!same_signature(&good, ""));
        assert!(!same_signature("", ""));
    }

    #[test]
    fn keys_are_43_base64_characters() {
        let key = key();
        assert_eq!(&key.0[..3], b"i\xb7\x1d");
        assert!(AesKey::from_encoding_key(&ENCODING_KEY[1..]).is_none());
        assert!(AesKey::from_encoding_key(&format!("{ENCODING_KEY}=")).is_none());
        assert!(AesKey::from_encoding_key("!bcdefghijklmnopqrstuvwxyz0123456789ABCDEFG").is_none());
        assert_eq!(format!("{key:?}"), "AesKey([redacted])");
    }

    /// A pinned vector: fixed key, fixed random bytes, fixed message. The ciphertext was
    /// computed outside this code (`openssl enc -aes-256-cbc -nopad` over the layout above,
    /// padded by hand to 32 bytes) and is written here, so that a change to the scheme
    /// (padding, IV, length order, key decoding) fails this test rather than decrypting
    /// its own output.
    const PINNED_MESSAGE: &str = "<xml><ToUserName><![CDATA[gh_7f083739789a]]></ToUserName></xml>";
    const PINNED: &str = "Q3stYC6hdFzMh9T8HCvyDDGpgPJrSYWSSN5isZKk6ultAKv1cJM392s86OMbVgYXM5NaeJzyh20SjUzdRQWB/VevxjSa6IDILz9cwE24lQiBpbGXLtgyNuvg02i1+27WaU2smTRjBpEtzQHzEtVYB1f4c9e9Q0Lg05OOIQrGYaI=";

    #[test]
    fn a_pinned_vector_decrypts() {
        let random = *b"0123456789abcdef";
        assert_eq!(
            encrypt(&key(), random, PINNED_MESSAGE.as_bytes(), APP_ID),
            PINNED
        );
        assert_eq!(
            decrypt(&key(), PINNED, APP_ID).unwrap(),
            PINNED_MESSAGE.as_bytes()
        );
        assert!(decrypt(&key(), PINNED, "wx0000000000000000").is_err());
    }

    #[test]
    fn round_trips_and_refuses_what_was_not_encrypted_for_it() {
        for (message, app_id) in [
            ("", APP_ID),
            ("x", APP_ID),
            ("你好，蓝色的帐篷有货吗？", APP_ID),
            (&"a".repeat(12) as &str, "wx1"),
            (&"b".repeat(1000) as &str, APP_ID),
        ] {
            for random in [[0u8; 16], [0xff; 16]] {
                let sealed = encrypt(&key(), random, message.as_bytes(), app_id);
                let opened = decrypt(&key(), &sealed, app_id).unwrap();
                assert_eq!(opened, message.as_bytes(), "{message}");
                assert!(decrypt(&key(), &sealed, "wxother").is_err());
                let other =
                    AesKey::from_encoding_key("0000000000000000000000000000000000000000000")
                        .unwrap();
                assert!(decrypt(&other, &sealed, app_id).is_err());
            }
        }
        for garbage in ["", "AAAA", "not base64!", &"A".repeat(44)] {
            assert!(decrypt(&key(), garbage, APP_ID).is_err(), "{garbage}");
        }
        // A flipped bit in the last block breaks the padding or the app id.
        let sealed = encrypt(&key(), [7; 16], b"hello", APP_ID);
        let mut bytes = base64::engine::general_purpose::STANDARD
            .decode(&sealed)
            .unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let tampered = base64::engine::general_purpose::STANDARD.encode(bytes);
        assert!(decrypt(&key(), &tampered, APP_ID).is_err());
    }
}
