//! Untrusted bytes as the server receives them: a sync request (postcard), an enrolment
//! request (JSON), each pushed change set as the server loads and reads it, and each
//! Automerge sync-protocol message.
#![no_main]
use automerge::ReadDoc;
use brigada_core::model::Expediente;
use brigada_core::sync::protocol::{self, EnrollRequest, SyncRequest};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
});
