//! Telegram's webhook bodies: any bytes give an update or a clean error.
#![no_main]

use confab_relay::connector::telegram::read_update;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = read_update(data);
});
