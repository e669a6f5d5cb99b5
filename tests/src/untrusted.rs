//! What each fuzz target does with its bytes, in one place: the cargo-fuzz targets
//! (`fuzz/fuzz_targets`) call these functions under libFuzzer, and `cargo test` replays every
//! committed input (`fuzz/seeds`: crashers once found and hand-made samples; `fuzz/regression`:
//! the minimised corpus of past campaigns) through the same functions, so an input that once
//! found a defect, or reached a new branch, is checked on every `make test` without the
//! instrumented build. Any outcome but a panic, an abort or a broken invariant is fine.
//!
//! The fuzz crate includes this file with `#[path]`: it may use only what both crates
//! depend on (brigada-core, automerge, chrono, serde_json).

use automerge::ReadDoc;
use brigada_core::model::Expediente;
use brigada_core::sync::protocol::{self, EnrollRequest, SyncRequest};
use brigada_core::{doc, procedure};

/// A fuzz target's check of one input.
pub type Check = fn(&[u8]);

/// Every check, by its fuzz target's name.
pub const TARGETS: [(&str, Check); 7] = [
    ("document_code", document_code),
    ("load_document", load_document),
    ("photo", photo),
    ("qr_decode", qr_decode),
    ("qr_worker", qr_worker),
    ("strokes", strokes),
    ("sync_request", sync_request),
];

/// Printed-document codes: the text of a scanned verification QR, and the bytes of a PDF
/// file given to `brigada verify`. Every code found in a PDF is one the parser accepts.
pub fn document_code(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = brigada_core::forms::parse_qr_text(text);
    }
    for code in brigada_core::pdf::codes_in(data) {
        assert!(brigada_core::forms::parse_qr_text(&code).is_some());
    }
}

/// Document bytes from another device or an import: load, hydrate, run the engine.
pub fn load_document(data: &[u8]) {
    if let Ok(d) = doc::load("fuzz", data, &[]) {
        if let Ok(e) = doc::read::<Expediente>("fuzz", &d)
            && let Ok(p) = procedure::get(&e.procedure_id, e.procedure_version)
        {
            let _ = procedure::engine::status(p, &e, chrono::Utc::now());
        }
        let _ = doc::history(&d);
    }
}

/// Photos (camera, gallery, files): decoded, turned upright, resized, re-encoded, never
/// larger than the store keeps.
pub fn photo(data: &[u8]) {
    if let Ok(p) = brigada_core::photo::prepare(data, true) {
        assert!(p.width.max(p.height) <= brigada_core::photo::MAX_SIDE);
    }
}

/// Image bytes (a file a user picked, a camera frame): decode a QR.
pub fn qr_decode(data: &[u8]) {
    let _ = brigada_core::qr::decode_bytes(data);
}

/// The QR reader worker's pipe protocol: any byte stream is answered frame by frame or
/// refused with an error, never a crash or an unbounded allocation.
pub fn qr_worker(data: &[u8]) {
    let _ = brigada_core::qr::worker::serve(data, std::io::sink());
}

/// Signature strokes: parse and render.
pub fn strokes(data: &[u8]) {
    if let Ok(s) = brigada_core::signature::Strokes::parse(data) {
        let _ = s.render_png(300, 100);
    }
}

/// Bytes as the server receives them: a sync request (postcard), an enrolment request
/// (JSON), each pushed change set as the server loads and reads it, and each Automerge
/// sync-protocol message.
pub fn sync_request(data: &[u8]) {
    let _ = serde_json::from_slice::<EnrollRequest>(data);
    if let Ok(req) = protocol::decode::<SyncRequest>(data) {
        for push in &req.docs {
            if let Ok(m) = automerge::sync::Message::decode(&push.sync) {
                let mut d = automerge::Automerge::new();
                let mut state = automerge::sync::State::new();
                let _ = automerge::sync::SyncDoc::receive_sync_message(&mut d, &mut state, m);
            }
            let mut d = automerge::Automerge::new();
            if d.load_incremental(&push.changes).is_ok() {
                let _ = d.get_missing_deps(&[]);
                let _ = brigada_core::doc::read::<Expediente>(&push.id, &d);
            }
        }
    }
}
