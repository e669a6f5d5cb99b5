//! Untrusted signature strokes: parse and render.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = brigada_core::signature::Strokes::parse(data) {
        let _ = s.render_png(300, 100);
    }
});
