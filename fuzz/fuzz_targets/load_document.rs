//! Untrusted document bytes (from another device, an import): load, hydrate, run the engine.
//! The check itself is in `tests/src/untrusted.rs`, shared with the corpus replay of `cargo test`.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../tests/src/untrusted.rs"]
mod untrusted;

static DEFAULT_HOOK: std::sync::Once = std::sync::Once::new();

fuzz_target!(|data: &[u8]| {
    // `doc::load` contains Automerge decoder panics and turns them into errors; libFuzzer's
    // hook would abort on the contained panic, so use the default hook. A panic that
    // escapes still fails the run.
    DEFAULT_HOOK.call_once(|| drop(std::panic::take_hook()));
    untrusted::load_document(data);
});
