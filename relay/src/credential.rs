//! Checks of the secrets callers present, all in constant time: a brand's signed user ids,
//! the operator's admin secret, and brands' agent API keys (stored only as hashes).

use crate::error::RelayError;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Checks that `user_hash` is hex HMAC-SHA256(`secret`, `user_id`).
pub fn verify_user_hash(secret: &[u8], user_id: &str, user_hash: &str) -> Result<(), RelayError> {
    if user_id.is_empty() || user_id.chars().count() > 256 {
        return Err(RelayError::InvalidIdentity);
    }
    let presented = hex::decode(user_hash).map_err(|_| RelayError::InvalidIdentity)?;
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret).map_err(|_| RelayError::InvalidIdentity)?;
    mac.update(user_id.as_bytes());
    mac.verify_slice(&presented)
        .map_err(|_| RelayError::InvalidIdentity)
}

/// Whether `presented` equals the admin secret `expected` (an empty secret admits no one).
pub fn admin_secret_matches(expected: &str, presented: &str) -> bool {
    // Comparing digests keeps the comparison constant-time whatever the lengths.
    !expected.is_empty() && bool::from(Sha256::digest(expected).ct_eq(&Sha256::digest(presented)))
}

/// The stored form of an agent API key: hex SHA-256. Keys are 256 random bits, so a plain
/// hash is enough; the key itself is shown once and never stored.
pub fn agent_key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &[u8], user_id: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
        mac.update(user_id.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    #[test]
    fn verifies_user_hashes() {
        let check = |user_id: &str, hash: &str, ok: bool| {
            assert_eq!(
                verify_user_hash(b"s3cret", user_id, hash).is_ok(),
                ok,
                "{user_id} {hash}"
            );
        };
        let good = sign(b"s3cret", "user-42");
        check("user-42", &good, true);
        check("user-42", &good.to_uppercase(), true);
        check("user-43", &good, false);
        check("user-42", &sign(b"other", "user-42"), false);
        check("user-42", "zz", false);
        check("user-42", "", false);
        check("", &sign(b"s3cret", ""), false);
    }

    #[test]
    fn checks_the_admin_secret() {
        assert!(admin_secret_matches("admin-secret", "admin-secret"));
        assert!(!admin_secret_matches("admin-secret", "admin-secreT"));
        assert!(!admin_secret_matches("admin-secret", ""));
        assert!(!admin_secret_matches("", ""));
    }

    #[test]
    fn hashes_agent_keys() {
        assert_eq!(
            agent_key_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
