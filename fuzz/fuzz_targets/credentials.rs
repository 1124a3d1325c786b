//! Visitor tokens, signed user ids and the brand webhook's signatures: any string is
//! refused cleanly (a forger without the key has nothing to guess from but the error).
#![no_main]

use confab_protocol::Timestamp;
use confab_relay::connector::webhook;
use confab_relay::credential::verify_user_hash;
use confab_relay::token::TokenSigner;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let signer = TokenSigner::new(b"token-secret-for-fuzzing");
    assert!(signer.verify(text, Timestamp(0)).is_err());
    let (user, hash) = text.split_once(':').unwrap_or((text, ""));
    assert!(verify_user_hash(b"identity-secret", user, hash).is_err());
    let (header, body) = text.split_once('\n').unwrap_or((text, ""));
    assert!(webhook::verify(b"webhook-secret", header, body, 1_800_000_000).is_err());
});
