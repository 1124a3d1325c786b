//! WeChat's hook bodies and signatures: any bytes read as a message or a clean error (XML
//! and, in safe mode, base64 and AES-CBC with WeChat's padding), a query made up of any
//! line never passes the signature check, and whatever is encrypted for the account comes
//! back out whole (the first line of the input is the query, the rest the body).
#![no_main]

use confab_relay::connector::wechat::crypto::{decrypt, encrypt, AesKey};
use confab_relay::connector::wechat::{open, read_message, SafeMode};
use libfuzzer_sys::fuzz_target;

const TOKEN: &str = "fuzz-hook-token";
const APP_ID: &str = "wx5823bf96d3bd56c7";
const NOW_MS: u64 = 1_795_000_000_000;

fuzz_target!(|data: &[u8]| {
    let _ = read_message(data);
    let Some(key) = AesKey::from_encoding_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
    else {
        return;
    };
    let split = data
        .iter()
        .position(|&byte| byte == b'\n')
        .unwrap_or(data.len());
    let (query, body) = data.split_at(split);
    if let Ok(query) = std::str::from_utf8(query) {
        assert!(open(TOKEN, None, query, body, NOW_MS).is_err());
        let safe = SafeMode {
            key: &key,
            app_id: APP_ID,
        };
        assert!(open(TOKEN, Some(safe), query, body, NOW_MS).is_err());
    }
    if let Ok(text) = std::str::from_utf8(body) {
        let _ = decrypt(&key, text, APP_ID);
    }
    let sealed = encrypt(&key, [7; 16], data, APP_ID);
    assert_eq!(decrypt(&key, &sealed, APP_ID).ok().as_deref(), Some(data));
});
