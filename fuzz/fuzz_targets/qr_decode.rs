//! Untrusted image bytes (a file a user picked, a camera frame): decode a QR.
//! The check itself is in `tests/src/untrusted.rs`, shared with the corpus replay of `cargo test`.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../tests/src/untrusted.rs"]
mod untrusted;

fuzz_target!(|data: &[u8]| untrusted::qr_decode(data));
