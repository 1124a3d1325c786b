//! What the relay reads from URLs and texts: routes, ids, queries, link codes in a
//! WhatsApp message, brand ids and webhook URLs. Any input gives an answer or a clean
//! error; a link code found is one the parser accepts.
#![no_main]

use confab_relay::brand::parse_brand_id;
use confab_relay::connector::webhook::check_url;
use confab_relay::link::{find_code, parse_code};
use confab_relay::route::{parse_page_query, parse_socket_query, parse_thread_id, route};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for method in ["GET", "POST", "PUT", "DELETE", "OPTIONS"] {
        let _ = route(method, text);
    }
    let _ = parse_thread_id(text);
    let _ = parse_socket_query(text);
    let _ = parse_page_query(text);
    let _ = parse_brand_id(text);
    let _ = check_url(text, false);
    if let Some(code) = find_code(text) {
        assert_eq!(parse_code(&code).as_deref(), Some(code.as_str()));
    }
    let _ = parse_code(text);
});
