//! Untrusted printed-document codes: the text of a scanned verification QR, and the bytes
//! of a PDF file given to `brigada verify`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = brigada_core::forms::parse_qr_text(text);
    }
    for code in brigada_core::pdf::codes_in(data) {
        assert!(brigada_core::forms::parse_qr_text(&code).is_some());
    }
});
