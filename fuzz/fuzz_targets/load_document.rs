//! Untrusted document bytes (from another device, an import): load, hydrate, run the
//! engine. Any outcome but a panic is fine.
#![no_main]
use brigada_core::model::Expediente;
use brigada_core::{doc, procedure};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(d) = doc::load("fuzz", data, &[]) {
        if let Ok(e) = doc::read::<Expediente>("fuzz", &d) {
            if let Ok(p) = procedure::get(&e.procedure_id, e.procedure_version) {
                let _ = procedure::engine::status(p, &e, chrono::Utc::now());
            }
        }
        let _ = doc::history(&d);
    }
});
