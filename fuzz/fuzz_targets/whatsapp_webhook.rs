//! Meta's webhook bodies and their signatures: any bytes give events or a clean error, and
//! a signature made up from any header over any body is refused (the first line of the
//! input is the header, the rest the body).
#![no_main]

use confab_relay::connector::whatsapp::{read_webhook, verify_signature};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = read_webhook(data);
    let split = data
        .iter()
        .position(|&byte| byte == b'\n')
        .unwrap_or(data.len());
    let (header, body) = data.split_at(split);
    if let Ok(header) = std::str::from_utf8(header) {
        assert!(verify_signature(b"app-secret", header, body).is_err());
    }
});
