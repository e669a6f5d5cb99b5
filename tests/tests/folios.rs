//! One folio, one expediente. Two tablets with the same folio code make the same folios;
//! the server refuses to enrol the second, refuses an expediente whose folio another one
//! already has, and a device that is handed such a clash anyway (by an older server)
//! holds that one document aside, with the reason on screen, and syncs all the rest.

use automerge::Automerge;
use brigada_core::Error;
use brigada_core::model::Expediente;
use brigada_core::sync::Transport;
use brigada_core::sync::protocol::{self, DocPull, SyncResponse};
use brigada_scenarios::*;
use brigada_sync::devices::Role;

fn full_pull(store: &brigada_core::Store, id: &str) -> DocPull {
    let (_, bytes) = store.document_bytes(id).unwrap();
    let d = Automerge::load(&bytes).unwrap();
    DocPull {
        id: id.to_owned(),
        heads: d.get_heads().iter().map(protocol::head_of).collect(),
        changes: bytes,
        sync: vec![],
    }
}

/// A server from before folios were checked: it answers every request with what it holds.
struct OldServer {
    holds: Vec<DocPull>,
}

impl Transport for OldServer {
    fn exchange(&mut self, _request: &[u8]) -> brigada_core::Result<Vec<u8>> {
        Ok(protocol::encode(&SyncResponse {
            version: protocol::VERSION,
            cursor: self.holds.len() as u64,
            docs: self.holds.clone(),
            rejected: vec![],
            more: false,
        }))
    }
}

#[test]
fn a_clash_from_an_old_server_is_held_aside_and_everything_else_syncs() {
    // Two tablets both named "Tablet 07" (folio code T07), and another one.
    let (_a_dir, mut a) = temp_store("Tablet 07");
    let (_b_dir, mut b) = temp_store("Tablet 07");
    let (_c_dir, mut c) = temp_store("Tablet 09");
    let theirs = new_job(&mut a, "P1");
    let mine = new_job(&mut b, "P1");
    let other = new_job(&mut c, "P1");
    let folio = b.view(&mine).unwrap().expediente.folio;
    assert_eq!(
        a.view(&theirs).unwrap().expediente.folio,
        folio,
        "the same code makes the same folio"
    );
    let mut damaged = full_pull(&c, &other);
    damaged.id = uuid::Uuid::now_v7().to_string();
    damaged.changes = b"not an automerge document".to_vec();
    let mut old = OldServer {
        holds: vec![full_pull(&a, &theirs), full_pull(&c, &other), damaged.clone()],
    };
    // The sync completes; the clash and the damaged document are held, with why.
    let sum = b
        .sync_with(&mut old, &mut |_| {})
        .expect("one bad document does not stop a sync");
    let held_ids: Vec<&str> = sum.held.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(held_ids.len(), 2, "{:?}", sum.held);
    assert!(held_ids.contains(&theirs.as_str()) && held_ids.contains(&damaged.id.as_str()));
    let clash = sum.held.iter().find(|h| h.id == theirs).unwrap();
    assert_eq!(clash.folio, folio);
    assert!(
        clash.reason.contains(&folio) && clash.reason.contains("aparte"),
        "{}",
        clash.reason
    );
    // Everything else is in: my job and the other tablet's.
    let folios: Vec<String> = b
        .list(&Default::default())
        .unwrap()
        .into_iter()
        .map(|r| r.folio)
        .collect();
    assert_eq!(folios.len(), 2, "{folios:?}");
    assert!(folios.contains(&c.view(&other).unwrap().expediente.folio));
    assert_eq!(b.view(&mine).unwrap().expediente.id, mine, "my own job keeps its folio");
    // Nothing is lost: the held expediente's data is kept here, and listed for the screen.
    let kept: Expediente = brigada_core::doc::read(
        &theirs,
        &Automerge::load(&b.document_bytes(&theirs).unwrap().1).unwrap(),
    )
    .unwrap();
    assert_eq!(kept.id, theirs);
    assert_eq!(b.held().unwrap(), sum.held);
    // And the next sync, handed the same again, goes through as well.
    b.sync_with(&mut old, &mut |_| {}).expect("again");
    // The index rebuilt from the documents (after a migration) holds the same one aside.
    assert_eq!(b.reindex().unwrap(), 2);
    assert!(b.held().unwrap().iter().any(|h| h.id == theirs));
}

#[test]
fn the_server_enrols_one_device_per_folio_code() {
    let s = server();
    let _first = s.device("Tablet 07", "Ana Karen Hernández López", Role::Tecnico, "RT");
    let (_dir, mut second) = temp_store("Tablet 07");
    let (_, code) =
        brigada_sync::add_device(s.running.storage.as_ref(), "Luis Ángel Ruiz", Role::Tecnico, "RT").unwrap();
    let e = brigada_core::sync::lend::enroll(
        &std::cell::RefCell::new(&mut second),
        &s.running.url(),
        Some(&code),
        None,
    )
    .expect_err("a second T07 is refused");
    assert!(matches!(e, Error::Server { status: 409, .. }), "{e:?}");
    let said = e.to_string();
    assert!(
        said.contains("T07") && said.contains("Ana Karen") && said.contains("--code"),
        "{said}"
    );
    // The code is still good for a device with its own folio code.
    let (_dir, mut third) = temp_store("Tablet 08");
    brigada_core::sync::lend::enroll(
        &std::cell::RefCell::new(&mut third),
        &s.running.url(),
        Some(&code),
        None,
    )
    .expect("T08 enrols with the same enrolment code");
}

#[test]
fn the_server_refuses_an_expediente_whose_folio_another_one_has() {
    let s = server();
    let mut office = s.device("Oficina 01", "Lic. Rosa Aguilar", Role::Oficina, "");
    let mut t07 = s.device("Tablet 07", "Ana Karen Hernández López", Role::Tecnico, "RT");
    // Of another sección, so the real expediente never reaches it.
    let mut t09 = s.device("Tablet 09", "Luis Ángel Ruiz", Role::Tecnico, "BD");
    let job = new_job(&mut t07.store, "P1");
    t07.sync().unwrap();
    // A dishonest device forges a different expediente under the same folio.
    let (_, bytes) = t07.store.document_bytes(&job).unwrap();
    let mut forged: Expediente = brigada_core::doc::read(&job, &Automerge::load(&bytes).unwrap()).unwrap();
    forged.id = uuid::Uuid::now_v7().to_string();
    forged.area = "Otra área".into();
    let mut d = Automerge::new();
    brigada_core::doc::write(&mut d, &forged, &t09.store.author(), "forged", 0).unwrap();
    t09.store.merge_document(&d.save()).unwrap();
    let sum = t09.sync().unwrap();
    assert_eq!(sum.held.len(), 1, "{:?}", sum.held);
    assert_eq!(sum.held[0].id, forged.id);
    assert!(
        sum.held[0]
            .reason
            .contains("ya lo tiene otro expediente en el servidor"),
        "{}",
        sum.held[0].reason
    );
    // Nor can it claim a folio another device has not used yet (to have that device's
    // job refused later): a new expediente must carry the sender's own folio code.
    let mut squat = forged.clone();
    squat.id = uuid::Uuid::now_v7().to_string();
    squat.folio = "RT-2026-T07-0099".into();
    let mut d = Automerge::new();
    brigada_core::doc::write(&mut d, &squat, &t09.store.author(), "squat", 0).unwrap();
    t09.store.merge_document(&d.save()).unwrap();
    let sum = t09.sync().unwrap();
    let held = sum.held.iter().find(|h| h.id == squat.id).expect("refused");
    assert!(
        held.reason.contains("no lleva el código de folios de este dispositivo"),
        "{}",
        held.reason
    );
    // The office sees one expediente under that folio: the real one.
    office.sync().unwrap();
    let rows = office.store.list(&Default::default()).unwrap();
    let under: Vec<&str> = rows
        .iter()
        .filter(|r| r.folio == forged.folio)
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(under, vec![job.as_str()]);
    assert!(office.store.held().unwrap().is_empty());
}

#[test]
fn one_request_cannot_bring_two_expedientes_under_one_folio() {
    let s = server();
    let mut t07 = s.device("Tablet 07", "Ana Karen Hernández López", Role::Tecnico, "RT");
    let job = new_job(&mut t07.store, "P1");
    // Beside the real expediente, in the same request, a twin under its folio, made under
    // the device's own actor and folio code (only the folio gives it away).
    let (_, bytes) = t07.store.document_bytes(&job).unwrap();
    let mut twin: Expediente = brigada_core::doc::read(&job, &Automerge::load(&bytes).unwrap()).unwrap();
    twin.id = uuid::Uuid::now_v7().to_string();
    twin.area = "Otra área".into();
    let mut d = Automerge::new();
    brigada_core::doc::write(&mut d, &twin, &t07.store.author(), "twin", 0).unwrap();
    let mut request = t07.store.sync_plan().unwrap().request;
    request.docs.push(protocol::DocPush {
        id: twin.id.clone(),
        heads: d.get_heads().iter().map(protocol::head_of).collect(),
        changes: d.save(),
        full: true,
        sync: vec![],
    });
    let token = t07.store.sync_setting("token").unwrap().unwrap();
    let mut t = brigada_core::sync::http::HttpTransport::new(&s.running.url(), &token, None).unwrap();
    let r: SyncResponse = protocol::decode(&t.exchange(&protocol::encode(&request)).unwrap()).unwrap();
    let taken: Vec<(&str, protocol::RejectReason)> = r.rejected.iter().map(|x| (x.id.as_str(), x.reason)).collect();
    assert_eq!(taken, [(twin.id.as_str(), protocol::RejectReason::FolioTaken)]);
    assert!(r.docs.iter().any(|p| p.id == job), "the real one is stored");
    // The office sees the real one under that folio, and nothing else.
    let mut office = s.device("Oficina 01", "Lic. Rosa Aguilar", Role::Oficina, "");
    office.sync().unwrap();
    let ids: Vec<String> = office
        .store
        .list(&Default::default())
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, [job]);
}
