//! Uploaded files and their links: any bytes under any declared type and name get a verdict
//! or a clean error, a kept name has no path or control character and fits 255 bytes, and
//! any query gives a link or a clean refusal.
#![no_main]

use confab_relay::attachment::{detect, parse_link_query, sanitize_name, AttachmentRules};
use libfuzzer_sys::fuzz_target;

const DECLARED: [&str; 8] = [
    "image/png",
    "image/jpeg",
    "text/plain",
    "text/csv",
    "application/pdf",
    "application/octet-stream",
    "image/svg+xml",
    "",
];

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let split = rest.len().min(usize::from(choice >> 3));
    let (raw_name, bytes) = rest.split_at(split);
    let name = sanitize_name(&String::from_utf8_lossy(raw_name));
    assert!(!name.is_empty() && name.len() <= 255, "{name:?}");
    assert!(!name.contains(['/', '\\']) && !name.chars().any(char::is_control), "{name:?}");
    let declared = DECLARED[usize::from(choice & 7)];
    let rules = AttachmentRules::default();
    let complete = choice & 1 == 0;
    if let Ok(found) = detect(bytes, complete, declared, &name, bytes.len() as u64, &rules) {
        assert!(rules.allows(found.content_type), "{found:?}");
    }
    let _ = parse_link_query(&String::from_utf8_lossy(data));
});
