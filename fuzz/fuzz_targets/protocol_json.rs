//! Every wire type the relay decodes from a browser or an agent: any bytes either fail to
//! decode or decode into a value that encodes and decodes back to itself.
#![no_main]

use confab_protocol::{ClientFrame, SendMessage, ServerFrame, SessionRequest};
use libfuzzer_sys::fuzz_target;
use serde::{de::DeserializeOwned, Serialize};
use std::fmt::Debug;

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(data: &[u8]) {
    if let Ok(value) = serde_json::from_slice::<T>(data) {
        let encoded = serde_json::to_vec(&value).expect("a decoded value encodes");
        let again: T = serde_json::from_slice(&encoded).expect("an encoded value decodes");
        assert_eq!(value, again);
    }
}

fuzz_target!(|data: &[u8]| {
    round_trip::<ClientFrame>(data);
    round_trip::<ServerFrame>(data);
    round_trip::<SessionRequest>(data);
    round_trip::<SendMessage>(data);
});
