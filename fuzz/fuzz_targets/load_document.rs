//! Untrusted document bytes (from another device, an import): load, hydrate, run the
//! engine. Any outcome but a panic is fine.
#![no_main]
use brigada_core::model::Expediente;
use brigada_core::{doc, procedure};
use libfuzzer_sys::fuzz_target;

static DEFAULT_HOOK: std::sync::Once = std::sync::Once::new();

fuzz_target!(|data: &[u8]| {
    // `doc::load` contains Automerge decoder panics and turns them into errors; libFuzzer's
    // hook would abort on the contained panic, so use the default hook. A panic that
    // escapes still fails the run.
    DEFAULT_HOOK.call_once(|| drop(std::panic::take_hook()));
    if let Ok(d) = doc::load("fuzz", data, &[]) {
        if let Ok(e) = doc::read::<Expediente>("fuzz", &d) {
            if let Ok(p) = procedure::get(&e.procedure_id, e.procedure_version) {
                let _ = procedure::engine::status(p, &e, chrono::Utc::now());
            }
        }
        let _ = doc::history(&d);
    }
});
