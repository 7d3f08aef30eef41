//! Any bytes into the calldata decoder: it refuses or decodes, never panics, and what it decodes
//! re-encodes to exactly the input (the decoder accepts only canonical encodings).
#![no_main]

use api_usage_billing::calldata::{decode, encode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = decode(data) {
        assert_eq!(encode(&value), data, "decoded {value:?}");
    }
});
