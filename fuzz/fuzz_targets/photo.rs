//! Untrusted photos (camera, gallery, files): decoded, turned upright, resized, re-encoded.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = brigada_core::photo::prepare(data, true) {
        assert!(p.width.max(p.height) <= brigada_core::photo::MAX_SIDE);
    }
});
