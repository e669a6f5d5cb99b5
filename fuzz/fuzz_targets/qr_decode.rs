//! Untrusted image bytes (a file a user picked, a camera frame): decode a QR.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = brigada_core::qr::decode_bytes(data);
});
