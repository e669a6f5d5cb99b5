//! Proven authors and the técnico's reach, attacked by an enrolled tablet against a real
//! server on loopback: a forged actor, an enrolment under another device's actor, and
//! changes beyond a técnico's role (assignees, sección, signatures).

use automerge::Automerge;
use brigada_core::Store;
use brigada_core::doc;
use brigada_core::model::Expediente;
use brigada_core::sync::protocol::EnrollRequest;
use brigada_scenarios::*;
use brigada_sync::devices::Role;

fn held_reason(sum: &brigada_core::sync::Summary, id: &str) -> String {
    sum.held
        .iter()
        .find(|h| h.id == id)
        .unwrap_or_else(|| panic!("{id} should be held: {:?}", sum.held))
        .reason
        .clone()
}

fn expediente(store: &Store, job: &str) -> Expediente {
    let (id, bytes) = store.document_bytes(job).unwrap();
    doc::read(&id, &Automerge::load(&bytes).unwrap()).unwrap()
}

/// Ana's job of sección RT, synced to her tablet and Luis's (both RT), and an office.
fn two_tecnicos_share_a_job() -> (Server, Device, Device, Device, String) {
    let s = server();
    let mut ana = s.device("Tablet 07", "Ana Karen Hernández López", Role::Tecnico, "RT");
    let mut luis = s.device("Tablet 08", "Luis Ramírez Soto", Role::Tecnico, "RT");
    let office = s.device("Oficina 01", "Lic. Rosa Aguilar", Role::Oficina, "");
    let job = new_job(&mut ana.store, "P1");
    ana.sync().unwrap();
    luis.sync().unwrap();
    (s, ana, luis, office, job)
}

#[test]
fn a_change_under_another_devices_actor_is_refused_and_the_real_device_keeps_syncing() {
    let (_s, mut ana, mut luis, mut office, job) = two_tecnicos_share_a_job();
    // Luis writes a comment as if from Ana's tablet (her actor, her name in the note).
    let ana_actor = ana.store.author().actor;
    luis.store.comment(&job, "Equipo entregado sin daños").unwrap();
    let forged = expediente(&luis.store, &job).comments;
    raw_edit(&mut luis.store, &job, ana_actor, |e| {
        let mut c = forged[0].clone();
        c.id = "forged".into();
        c.stamp.by = "Ana Karen Hernández López".into();
        e.comments.push(c);
    });
    let sum = luis.sync().unwrap();
    let reason = held_reason(&sum, &job);
    assert!(reason.contains("escritos en otro dispositivo"), "{reason}");
    assert!(reason.contains("Tablet 07"), "names whose actor it is: {reason}");
    // Ana's own next edit still syncs (the forged change never took her sequence numbers).
    ana.store.comment(&job, "Cableado revisado").unwrap();
    let sum = ana.sync().unwrap();
    assert!(sum.held.is_empty(), "{:?}", sum.held);
    office.sync().unwrap();
    let history = office.store.history(&job).unwrap();
    assert!(
        history.iter().all(|h| h.proven),
        "every change's author proven: {history:?}"
    );
    assert!(
        history
            .iter()
            .all(|h| h.by == "Ana Karen Hernández López" && h.device == "Tablet 07")
    );
    let comments: Vec<String> = expediente(&office.store, &job)
        .comments
        .into_iter()
        .map(|c| c.text)
        .collect();
    assert_eq!(comments, ["Cableado revisado"]);
}

#[test]
fn a_change_carried_for_another_device_goes_through_once_its_author_delivered_it() {
    let (_s, mut ana, mut luis, mut office, job) = two_tecnicos_share_a_job();
    // Ana comments offline and hands Luis an export; Luis adds his own comment on top.
    ana.store.comment(&job, "Nodo 3 sin señal").unwrap();
    let (_, export) = ana.store.document_bytes(&job).unwrap();
    luis.store.merge_document(&export).unwrap();
    luis.store.comment(&job, "Revisado con Ana").unwrap();
    let sum = luis.sync().unwrap();
    assert!(held_reason(&sum, &job).contains("Tablet 07"));
    // Ana's tablet delivers her change; at Luis's next sync his copy goes through with no
    // new edit needed: nothing lost.
    ana.sync().unwrap();
    assert!(luis.store.held().unwrap().len() == 1);
    let sum = luis.sync().unwrap();
    assert!(sum.held.is_empty(), "{:?}", sum.held);
    office.sync().unwrap();
    let mut comments: Vec<String> = expediente(&office.store, &job)
        .comments
        .into_iter()
        .map(|c| c.text)
        .collect();
    comments.sort();
    assert_eq!(comments, ["Nodo 3 sin señal", "Revisado con Ana"]);
    assert!(luis.store.held().unwrap().is_empty());
    let history = office.store.history(&job).unwrap();
    let by_luis = history
        .iter()
        .filter(|h| h.by == "Luis Ramírez Soto" && h.proven)
        .count();
    assert_eq!(by_luis, 1, "{history:?}");
}

#[test]
fn a_device_cannot_enrol_under_another_devices_actor() {
    let s = server();
    let ana = s.device("Tablet 07", "Ana Karen Hernández López", Role::Tecnico, "RT");
    let (_dir, luis) = temp_store("Tablet 08");
    let (_, code) =
        brigada_sync::add_device(s.running.storage.as_ref(), "Luis Ramírez Soto", Role::Tecnico, "RT").unwrap();
    let req = EnrollRequest::signed(
        code,
        "Tablet 08".into(),
        "T08".into(),
        ana.store.author().actor.to_hex_string(),
        luis.signing_key(),
    );
    let err = brigada_core::sync::http::enroll(&s.running.url(), &req, None).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("identificador de escritura"), "{text}");
    assert!(text.contains("Tablet 07"), "{text}");
    // A malformed actor is refused with its own reason.
    let (_, code) =
        brigada_sync::add_device(s.running.storage.as_ref(), "Luis Ramírez Soto", Role::Tecnico, "RT").unwrap();
    let req = EnrollRequest::signed(code, "Tablet 08".into(), "T08".into(), "zz".into(), luis.signing_key());
    let text = brigada_core::sync::http::enroll(&s.running.url(), &req, None)
        .unwrap_err()
        .to_string();
    assert!(text.contains("no es válido"), "{text}");
}

#[test]
fn a_tecnico_cannot_reassign_move_or_rewrite_signatures_but_the_office_assigns() {
    let s = server();
    let mut ana = s.device("Tablet 07", "Ana Karen Hernández López", Role::Tecnico, "RT");
    let mut office = s.device("Oficina 01", "Lic. Rosa Aguilar", Role::Oficina, "");
    let job = new_job(&mut ana.store, "P1");
    ana.sync().unwrap();
    let assigned = expediente(&ana.store, &job).assignees;
    ana.store.assign(&job, "Luis Ramírez Soto").unwrap();
    let sum = ana.sync().unwrap();
    assert!(held_reason(&sum, &job).contains("a quién está asignado"));

    let moved = new_job(&mut ana.store, "P1");
    ana.sync().unwrap();
    ana.store
        .set_fields(&moved, &[("seccion".into(), "IT".into())])
        .unwrap();
    let sum = ana.sync().unwrap();
    assert!(held_reason(&sum, &moved).contains("la sección"));

    let elsewhere = new_job(&mut ana.store, "P1");
    ana.store
        .set_fields(&elsewhere, &[("seccion".into(), "IT".into())])
        .unwrap();
    let sum = ana.sync().unwrap();
    assert!(held_reason(&sum, &elsewhere).contains("solo de su sección (RT)"));

    let signed = new_job(&mut ana.store, "P1");
    ana.store
        .sign(&signed, "conformidad", "Dra. Elena Ruiz", strokes(), None)
        .unwrap();
    ana.sync().unwrap();
    let own = ana.store.author().actor;
    raw_edit(&mut ana.store, &signed, own.clone(), |e| {
        e.signatures[0].name = "Otra persona".into()
    });
    let sum = ana.sync().unwrap();
    assert!(held_reason(&sum, &signed).contains("las firmas no se borran ni se reescriben"));
    let removed = new_job(&mut ana.store, "P1");
    ana.store
        .sign(&removed, "conformidad", "Dra. Elena Ruiz", strokes(), None)
        .unwrap();
    ana.sync().unwrap();
    raw_edit(&mut ana.store, &removed, own, |e| e.signatures.clear());
    let sum = ana.sync().unwrap();
    assert!(held_reason(&sum, &removed).contains("Dra. Elena Ruiz"));

    // The office sees none of it, and does assign.
    office.sync().unwrap();
    let e = expediente(&office.store, &job);
    assert_eq!(e.assignees, assigned);
    assert_eq!(expediente(&office.store, &moved).seccion, "RT");
    assert!(office.store.document_bytes(&elsewhere).is_err());
    assert_eq!(expediente(&office.store, &signed).signatures[0].name, "Dra. Elena Ruiz");
    assert_eq!(expediente(&office.store, &removed).signatures.len(), 1);
    office.store.assign(&job, "Luis Ramírez Soto").unwrap();
    let sum = office.sync().unwrap();
    assert!(sum.held.is_empty(), "{:?}", sum.held);
}

/// A device enrolled before devices said their actor (an older app): the server binds the
/// actor of its first push, and never one another device already writes under.
#[test]
fn a_device_enrolled_before_actors_binds_its_own_at_its_first_push_only() {
    let s = server();
    let url = s.running.url();
    let storage = s.running.storage.clone();
    let enrol_old_style = |store: &mut Store, person: &str| {
        let (_, code) = brigada_sync::add_device(storage.as_ref(), person, Role::Tecnico, "RT").unwrap();
        let d = store.device().clone();
        let req = EnrollRequest::signed(code, d.name, d.code, String::new(), store.signing_key());
        let resp = brigada_core::sync::http::enroll(&url, &req, None).unwrap();
        store.save_enrolment(&url, &resp, None).unwrap();
    };
    let (_a, mut marta) = temp_store("Tablet 05");
    enrol_old_style(&mut marta, "Marta Díaz");
    let job = new_job(&mut marta, "P1");
    assert!(marta.sync_now(&mut |_| {}).unwrap().held.is_empty());
    let bound: Vec<Option<String>> = storage.devices().unwrap().into_iter().map(|d| d.actor).collect();
    assert_eq!(bound, vec![Some(marta.author().actor.to_hex_string())]);

    let (_b, mut copycat) = temp_store("Tablet 06");
    enrol_old_style(&mut copycat, "Pedro Gil");
    // A new expediente written wholly under Marta's actor.
    let (_, bytes) = marta.document_bytes(&job).unwrap();
    let mut e: Expediente = doc::read(&job, &Automerge::load(&bytes).unwrap()).unwrap();
    e.id = uuid::Uuid::now_v7().to_string();
    e.folio = "RT-2026-T06-0001".into();
    let mut d = Automerge::new();
    doc::write(&mut d, &e, &marta.author(), "crear", 0).unwrap();
    copycat.merge_document(&d.save()).unwrap();
    let sum = copycat.sync_now(&mut |_| {}).unwrap();
    assert!(held_reason(&sum, &e.id).contains("Tablet 05"));
    let pedro = storage
        .devices()
        .unwrap()
        .into_iter()
        .find(|d| d.person == "Pedro Gil")
        .unwrap();
    assert_eq!(pedro.actor, None, "not bound to another device's actor");
}

/// Ana signs and both sync; Luis then adds a copy of her signature, changed by `f` (given
/// his own public key), under his own actor, and syncs.
fn luis_copies_anas_signature(
    f: impl FnOnce(&mut brigada_core::model::Signature, String),
) -> (Server, String, brigada_core::sync::Summary) {
    let (s, mut ana, mut luis, _office, job) = two_tecnicos_share_a_job();
    ana.store
        .sign(&job, "conformidad", "Dra. Elena Ruiz", strokes(), None)
        .unwrap();
    ana.sync().unwrap();
    luis.sync().unwrap();
    let own = luis.store.author().actor;
    let luis_key: String = luis
        .store
        .signing_key()
        .verifying_key()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    raw_edit(&mut luis.store, &job, own, |e| {
        let mut copy = e.signatures[0].clone();
        copy.id = "copia".into();
        f(&mut copy, luis_key);
        e.signatures.push(copy);
    });
    let sum = luis.sync().unwrap();
    (s, job, sum)
}

#[test]
fn a_seal_made_with_another_devices_key_is_refused() {
    // Luis replays Ana's seal as a second signature, as it was.
    let (_s, job, sum) = luis_copies_anas_signature(|_, _| {});
    assert!(held_reason(&sum, &job).contains("con la clave de otro dispositivo"));
}

#[test]
fn a_seal_that_does_not_verify_under_the_senders_key_is_refused_and_never_witnessed() {
    // Luis passes off another seal (a stolen tablet's, made offline) as his own: his key
    // on the signature, the seal not his. Were it witnessed now, the stolen tablet's
    // export would later verify as received before its revocation.
    let smuggled = "ab".repeat(64);
    let (s, job, sum) = luis_copies_anas_signature(|copy, own_key| {
        copy.device_key = own_key;
        copy.seal = smuggled.clone();
    });
    assert!(held_reason(&sum, &job).contains("no se verifica con la clave de este dispositivo"));
    let witnessed = s.running.storage.seals(0, 100).unwrap();
    assert_eq!(witnessed.len(), 1, "only Ana's own seal: {witnessed:?}");
    assert!(witnessed.iter().all(|w| w.seal != smuggled));
}

#[test]
fn a_photo_stamped_with_another_tablets_code_is_refused() {
    // Luis's tablet photographs a node and says Ana's tablet took it: the office would
    // chase Ana for a file Luis never sent.
    let (_s, ana, mut luis, _office, job) = two_tecnicos_share_a_job();
    let own = luis.store.author().actor;
    luis.store.attach(&job, &small_png(), "Nodo", None).unwrap();
    let anas = ana.store.device().code.clone();
    raw_edit(&mut luis.store, &job, own, |e| {
        e.photos.last_mut().unwrap().stamp.device = anas.clone();
    });
    let sum = luis.sync().unwrap();
    let why = held_reason(&sum, &job);
    assert!(why.contains(&format!("«{anas}»")), "{why}");
}

#[test]
fn a_signature_sealing_a_version_that_is_not_in_the_history_is_refused() {
    // Luis seals, with his own key and a seal that verifies, a version nobody has: the
    // paper could never show what was signed.
    let (_s, _ana, mut luis, _office, job) = two_tecnicos_share_a_job();
    let own = luis.store.author().actor;
    let key = luis.store.signing_key().clone();
    luis.store
        .sign(&job, "conformidad", "Dra. Elena Ruiz", strokes(), None)
        .unwrap();
    raw_edit(&mut luis.store, &job, own, |e| {
        let id = e.id.clone();
        let s = e.signatures.last_mut().unwrap();
        s.heads = vec!["ab".repeat(32)];
        s.seal = brigada_core::signature::seal(&key, &brigada_core::signature::Statement::of(&id, s));
    });
    let sum = luis.sync().unwrap();
    let why = held_reason(&sum, &job);
    assert!(why.contains("no está en su historial"), "{why}");
}
