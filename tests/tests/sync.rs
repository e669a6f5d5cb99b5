//! Sync against a real server started in this process on port 0 with a temporary
//! database: several devices offline, assignment, scope, revocation, bad requests.

use brigada_core::Error;
use brigada_core::expedientes::NewExpediente;
use brigada_core::messages::Locale::En;
use brigada_core::sync::http::{HttpTransport, enroll};
use brigada_core::sync::protocol;
use brigada_scenarios::*;
use brigada_sync::devices::Role;

fn office_job(office: &mut Device, procedure: &str, assign: &str) -> String {
    office
        .store
        .create_expediente(NewExpediente {
            procedure: procedure.into(),
            area: "Urgencias".into(),
            unidad: Some("Hospital Regional de Xalapa".into()),
            request: Some("oficio 77/2026".into()),
            assignees: vec![assign.into()],
            ..Default::default()
        })
        .unwrap()
        .id
}

#[test]
fn the_office_assigns_a_job_and_only_its_tecnico_receives_it() {
    let s = server();
    let mut office = s.device("Oficina 01", "Lic. Rosa Aguilar", Role::Oficina, "");
    let mut ana = s.device("Tablet 07", "Ana Karen Hernández López", Role::Tecnico, "RT");
    let mut carlos = s.device("Tablet 09", "Carlos Domínguez", Role::Tecnico, "BD");
    let mut maria = s.device("Tablet 11", "María Fernanda Ortiz", Role::Tecnico, "IT");
    // An IT job assigned to Ana (who is in RT): she gets it through the assignment, María
    // through her sección, Carlos (BD) not at all.
    let job = office_job(&mut office, "P3", "Ana Karen Hernández López");
    let sum = office.sync().unwrap();
    assert_eq!(sum.progress.docs_sent, 1);
    let sum = ana.sync().unwrap();
    assert_eq!(sum.progress.docs_received, 1);
    assert_eq!(sum.progress.round_trips, 1);
    assert_eq!(
        ana.store.view(&job).unwrap().expediente.assignees,
        ["Ana Karen Hernández López"]
    );
    carlos.sync().unwrap();
    assert!(
        carlos.folios().is_empty(),
        "a técnico of another sección must not receive it"
    );
    maria.sync().unwrap();
    assert_eq!(maria.folios().len(), 1, "the job's sección sees it");
    // A second sync with nothing new sends and receives nothing.
    let again = ana.sync().unwrap();
    assert_eq!((again.progress.docs_sent, again.progress.docs_received), (0, 0));
}

/// The office assigns a P1 to Ana (RT); Ana's and Beto's tablets (both RT) receive it.
fn one_job_on_three_devices() -> (Server, Device, Device, Device, String) {
    let s = server();
    let mut office = s.device("Oficina 01", "Lic. Rosa Aguilar", Role::Oficina, "");
    let mut a = s.device("Tablet 01", "Ana", Role::Tecnico, "RT");
    let mut b = s.device("Tablet 02", "Beto", Role::Tecnico, "RT");
    let job = office_job(&mut office, "P1", "Ana");
    office.sync().unwrap();
    a.sync().unwrap();
    b.sync().unwrap();
    (s, office, a, b, job)
}

#[test]
fn two_tablets_offline_on_one_job_converge_with_the_conflict_shown_everywhere() {
    let (_s, mut office, mut a, mut b, job) = one_job_on_three_devices();
    // Offline: both walk to the viability decision; A says yes and adds material,
    // B says no and takes a photo; A signs.
    for d in [&mut a, &mut b] {
        drive(&mut d.store, &job, &[("1", None), ("2", None)]).ok();
    }
    satisfy(&mut a.store, &job, "3").unwrap();
    satisfy(&mut b.store, &job, "3").unwrap();
    a.store.record_step(&job, "3", Some("si"), None).unwrap();
    a.store.add_material(&job, "Cable UTP cat 6", 100.0, "m", None).unwrap();
    a.store.sign(&job, "tecnico", "Ana", strokes(), None).unwrap();
    b.store.record_step(&job, "3", Some("no"), None).unwrap();
    b.store.attach(&job, &small_png(), "sin canalización", None).unwrap();
    // The same field, different values: one value wins, the same on every device.
    a.store
        .set_fields(&job, &[("pruebas".into(), "medido por A".into())])
        .unwrap();
    b.store
        .set_fields(&job, &[("pruebas".into(), "medido por B".into())])
        .unwrap();
    a.sync().unwrap();
    let sb = b.sync().unwrap();
    assert!(
        sb.conflicts.iter().any(|f| f.starts_with("RT-")),
        "B sees the conflict: {sb:?}"
    );
    a.sync().unwrap();
    office.sync().unwrap();
    let heads = a.store.view(&job).unwrap().heads;
    for d in [&a, &b, &office] {
        let v = d.store.view(&job).unwrap();
        assert_eq!(v.heads, heads, "all devices hold the same document");
        assert_eq!(v.status.state, "conflicto");
        assert_eq!(v.expediente.materials.len(), 1);
        assert_eq!(v.expediente.photos.len(), 1);
        assert_eq!(v.expediente.signatures.len(), 1);
        assert_eq!(
            v.expediente.fields["pruebas"],
            a.store.view(&job).unwrap().expediente.fields["pruebas"]
        );
    }
}

#[test]
fn a_revoked_device_is_refused_and_keeps_its_data() {
    let s = server();
    let mut t = s.device("Tablet 05", "Ana", Role::Tecnico, "RT");
    let job = new_job(&mut t.store, "P1");
    t.sync().unwrap();
    assert!(s.running.storage.revoke(&t.id, 0).unwrap());
    t.store.comment(&job, "hecho después de la revocación").unwrap();
    let e = t.sync().unwrap_err();
    assert!(matches!(e, Error::Unauthorized(_)), "{e}");
    assert!(e.to_string().contains("revocó este dispositivo"), "{e}");
    let v = t.store.view(&job).unwrap();
    assert_eq!(v.expediente.comments.len(), 1, "nothing held locally is lost");
}

#[test]
fn field_jobs_enter_their_creators_scope_and_reach_the_office() {
    let s = server();
    let mut office = s.device("Oficina 01", "Lic. Rosa Aguilar", Role::Oficina, "");
    let mut t = s.device("Tablet 05", "Carlos", Role::Tecnico, "");
    let job = new_job(&mut t.store, "P5");
    t.store.comment(&job, "llamada del área").unwrap();
    t.sync().unwrap();
    t.store.comment(&job, "segunda visita").unwrap();
    let sum = t.sync().unwrap();
    assert_eq!(sum.held, vec![], "the creator may keep editing it");
    office.sync().unwrap();
    assert_eq!(office.store.view(&job).unwrap().expediente.comments.len(), 2);
}

#[test]
fn a_tecnico_cannot_write_an_expediente_outside_their_scope() {
    let s = server();
    let mut office = s.device("Oficina 01", "Lic. Rosa Aguilar", Role::Oficina, "");
    let mut intruder = s.device("Tablet 66", "Otro", Role::Tecnico, "BD");
    let job = office_job(&mut office, "P1", "Ana");
    office.sync().unwrap();
    // The intruder obtained the document some other way and edits it.
    let bytes = office.store.document_bytes(&job).unwrap().1;
    intruder.store.merge_document(&bytes).unwrap();
    intruder.store.comment(&job, "cambio no autorizado").unwrap();
    let sum = intruder.sync().unwrap();
    assert_eq!(sum.held.len(), 1, "{:?}", sum.held);
    assert!(sum.held[0].reason.contains("no está asignado"), "{:?}", sum.held);
    assert_eq!(intruder.store.held().unwrap(), sum.held, "the sync screen lists it");
    office.sync().unwrap();
    assert!(office.store.view(&job).unwrap().expediente.comments.is_empty());
}

#[test]
fn replaying_a_request_changes_nothing() {
    let s = server();
    let mut a = s.device("Tablet 01", "Ana", Role::Tecnico, "RT");
    let job = new_job(&mut a.store, "P1");
    a.store.comment(&job, "una vez").unwrap();
    let plan = a.store.sync_plan().unwrap();
    let body = protocol::encode(&plan.request);
    let token = a.store.sync_setting("token").unwrap().unwrap();
    let mut t = HttpTransport::new(&s.running.url(), &token, None).unwrap();
    use brigada_core::sync::Transport;
    let r1: protocol::SyncResponse = protocol::decode(&t.exchange(&body).unwrap()).unwrap();
    let r2: protocol::SyncResponse = protocol::decode(&t.exchange(&body).unwrap()).unwrap();
    assert_eq!(r1.docs[0].heads, r2.docs[0].heads);
    let mut summary = Default::default();
    a.store.sync_absorb(&plan, &r2, &mut summary).unwrap();
    // A later edit syncs; then the old request arrives again, out of order.
    a.store.comment(&job, "dos").unwrap();
    a.sync().unwrap();
    let late: protocol::SyncResponse = protocol::decode(&t.exchange(&body).unwrap()).unwrap();
    assert!(late.rejected.is_empty());
    let mut office = s.device("Oficina 01", "Lic. Rosa Aguilar", Role::Oficina, "");
    office.sync().unwrap();
    let texts: Vec<String> = office
        .store
        .view(&job)
        .unwrap()
        .expediente
        .comments
        .into_iter()
        .map(|c| c.text)
        .collect();
    assert_eq!(
        texts,
        ["una vez", "dos"],
        "nothing lost, nothing duplicated, order kept"
    );
}

#[test]
fn malformed_requests_get_a_clear_4xx() {
    let s = server();
    let a = s.device("Tablet 01", "Ana", Role::Tecnico, "RT");
    let token = a.store.sync_setting("token").unwrap().unwrap();
    let client = reqwest_client();
    let url = format!("{}/v1/sync", s.running.url());
    let post = |body: Vec<u8>, token: Option<&str>| {
        let mut r = client.post(&url).body(body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        let resp = r.send().unwrap();
        let status = resp.status().as_u16();
        let body: serde_json::Value = resp.json().unwrap_or_default();
        (status, body)
    };
    let (st, body) = post(b"garbage".to_vec(), Some(&token));
    assert_eq!(st, 400);
    assert!(body["message"].as_str().unwrap().contains("mal formado"), "{body}");
    let (st, _) = post(vec![], None);
    assert_eq!(st, 401);
    let (st, _) = post(vec![], Some("not-a-token"));
    assert_eq!(st, 401);
    // Too big: answered from the declared length, before the body is sent (a client
    // that sends it anyway finds the connection closed).
    let mut c = std::net::TcpStream::connect(s.running.addr).unwrap();
    let head = format!(
        "POST /v1/sync HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Length: {}\r\n\r\n",
        protocol::MAX_BODY + 10
    );
    std::io::Write::write_all(&mut c, head.as_bytes()).unwrap();
    c.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    let mut answer = vec![0u8; 2048];
    let n = std::io::Read::read(&mut c, &mut answer).unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"code\":\"too_large\""), "{answer}");
    // A truncated real request.
    let good = protocol::encode(&protocol::SyncRequest {
        version: 1,
        cursor: 0,
        docs: vec![],
    });
    let (st, _) = post(good[..good.len() - 1].to_vec(), Some(&token));
    assert_eq!(st, 400);
    // A wrong protocol version.
    let v9 = protocol::encode(&protocol::SyncRequest {
        version: 9,
        cursor: 0,
        docs: vec![],
    });
    let (st, body) = post(v9, Some(&token));
    assert_eq!(st, 400);
    // Said as a catalog message, so each device shows it in its own language.
    assert_eq!(body["said"]["key"], "server.protocol_version", "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("actualiza Brigada"),
        "{body}"
    );
    // An enrolment code used twice.
    let (_, code) = brigada_sync::add_device(s.running.storage.as_ref(), "X", Role::Tecnico, "RT").unwrap();
    let (_dir, store) = temp_store("Tablet 31");
    let req = store.enrol_request(code);
    enroll(&s.running.url(), &req, None).unwrap();
    let e = enroll(&s.running.url(), &req, None).unwrap_err();
    assert!(matches!(e, Error::Unauthorized(_)), "{e}");
    assert!(e.render(En).contains("new enrolment code"), "{e}");
}

fn reqwest_client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::new()
}

#[test]
fn photos_on_one_tablet_and_a_signature_on_the_other_reach_everyone() {
    let (_s, mut office, mut a, mut b, job) = one_job_on_three_devices();
    let photo = big_photo(700);
    let h = a.store.attach(&job, &photo, "canaleta", None).unwrap();
    let sig = b
        .store
        .sign(&job, "conformidad", "Dra. Laura Méndez", strokes(), None)
        .unwrap();
    let kept = a.store.blob(&h).unwrap();
    let sa = a.sync().unwrap();
    assert_eq!(sa.blobs.uploaded, 2, "the photo and its thumbnail");
    let sb = b.sync().unwrap();
    assert_eq!(sb.blobs.uploaded, 2, "strokes and image");
    assert_eq!(sb.blobs.downloaded, 2, "A's photo and its thumbnail");
    assert_eq!(sb.blobs.pending, 0);
    a.sync().unwrap();
    office.sync().unwrap();
    for d in [&a, &b, &office] {
        assert_eq!(d.store.blob(&h).unwrap(), kept);
        assert_eq!(
            d.store.blob(&sig.image_blob).unwrap(),
            b.store.blob(&sig.image_blob).unwrap()
        );
        assert!(d.store.pending_blobs().unwrap().is_empty());
    }
}

#[test]
fn a_document_may_arrive_before_its_blobs() {
    let s = server();
    let mut a = s.device("Tablet 01", "Ana", Role::Tecnico, "RT");
    let mut b = s.device("Tablet 02", "Beto", Role::Tecnico, "RT");
    let job = new_job(&mut a.store, "P1");
    let h = a.store.attach(&job, &small_png(), "nodo", None).unwrap();
    let thumb = a.store.view(&job).unwrap().expediente.photos[0].thumb.clone().unwrap();
    // Only the documents go up (the blob upload has not happened yet).
    let mut t = a.transport();
    a.store.sync_with(&mut t, &mut |_| {}).unwrap();
    let sb = b.sync().unwrap();
    assert_eq!(
        sb.blobs.pending, 2,
        "B knows the photo (and thumbnail) exist but does not have them"
    );
    let mut want = vec![h.clone(), thumb];
    want.sort();
    assert_eq!(b.store.pending_blobs().unwrap(), want);
    a.sync().unwrap();
    let sb = b.sync().unwrap();
    assert_eq!((sb.blobs.downloaded, sb.blobs.pending), (2, 0));
    assert_eq!(b.store.blob(&h).unwrap(), a.store.blob(&h).unwrap());
}

#[test]
fn uploads_and_downloads_resume_where_they_stopped() {
    use brigada_core::sync::blobs::{BlobTransport, CHUNK};
    let s = server();
    let mut a = s.device("Tablet 01", "Ana", Role::Tecnico, "RT");
    let mut b = s.device("Tablet 02", "Beto", Role::Tecnico, "RT");
    let job = new_job(&mut a.store, "P1");
    let h = a.store.attach(&job, &big_photo(2048), "grande", None).unwrap();
    // What travels is the photo as kept (and its thumbnail).
    let photo = a.store.blob(&h).unwrap();
    assert!(photo.len() > 2 * CHUNK, "the photo spans several chunks");
    let thumb = a.store.view(&job).unwrap().expediente.photos[0].thumb.clone().unwrap();
    let thumb_len = a.store.blob(&thumb).unwrap().len();
    let mut t = a.transport();
    a.store.sync_with(&mut t, &mut |_| {}).unwrap();
    // The first chunk goes up, then the connection "drops".
    assert!(!t.blob_upload(&h, 0, photo.len() as u64, &photo[..CHUNK]).unwrap());
    // A wrong offset is refused with the offset to resume from.
    let e = t.blob_upload(&h, 7, photo.len() as u64, &photo[7..100]).unwrap_err();
    assert!(e.to_string().contains(&format!("continúa desde {CHUNK}")), "{e}");
    let sa = a.sync().unwrap();
    assert_eq!(sa.blobs.uploaded, 2);
    assert_eq!(
        sa.blobs.bytes_up,
        (photo.len() - CHUNK + thumb_len) as u64,
        "only the rest (and the thumbnail) was sent"
    );
    // B starts the download, is cut off after the first piece, then resumes.
    let mut tb = b.transport();
    b.store.sync_with(&mut tb, &mut |_| {}).unwrap();
    let mut got = Vec::new();
    let cut = tb.blob_download(&h, 0, &mut |piece| {
        got.extend_from_slice(piece);
        Err(brigada_core::Error::Network {
            url: "test".into(),
            why: brigada_core::msg!("network.no_connection", detail = "cable pulled"),
        })
    });
    assert!(cut.is_err());
    assert_eq!(got.len(), CHUNK);
    // The real path keeps pieces durably; simulate the kept first piece, then resume.
    b.store
        .write(|tx| brigada_core::store::blobs::append_partial(tx, &h, 0, &got))
        .unwrap();
    let sb = b.sync().unwrap();
    assert_eq!(sb.blobs.downloaded, 2);
    assert_eq!(sb.blobs.bytes_down, (photo.len() - CHUNK + thumb_len) as u64);
    assert_eq!(b.store.blob(&h).unwrap(), photo);
}

#[test]
fn blobs_are_verified_and_only_served_within_scope() {
    use brigada_core::sync::blobs::BlobTransport;
    let s = server();
    let mut a = s.device("Tablet 01", "Ana", Role::Tecnico, "RT");
    let mut other = s.device("Tablet 09", "Carlos", Role::Tecnico, "BD");
    let job = new_job(&mut a.store, "P1");
    let png = small_png();
    let h = a.store.attach(&job, &png, "nodo", None).unwrap();
    let mut t = a.transport();
    a.store.sync_with(&mut t, &mut |_| {}).unwrap();
    // Bytes that do not match their hash are refused and not kept.
    let mut bad = png.clone();
    bad[10] ^= 0xff;
    let e = t.blob_upload(&h, 0, bad.len() as u64, &bad).unwrap_err();
    assert!(e.to_string().contains("SHA-256"), "{e}");
    a.sync().unwrap();
    // Another sección's técnico: 403 on direct access, nothing through sync.
    let mut to = other.transport();
    let e = to.blob_download(&h, 0, &mut |_| Ok(())).unwrap_err();
    assert!(matches!(e, brigada_core::Error::Forbidden(_)), "{e}");
    let e = to.blob_upload(&h, 0, png.len() as u64, &png).unwrap_err();
    assert!(matches!(e, brigada_core::Error::Forbidden(_)), "{e}");
    other.sync().unwrap();
    assert!(other.store.blob(&h).is_err());
    // Not a hash at all: refused, nothing served.
    let e = to.blob_download(&"z".repeat(64), 0, &mut |_| Ok(())).unwrap_err();
    assert!(matches!(e, brigada_core::Error::Server { status: 400, .. }), "{e}");
    let served = to.blob_download("../../etc/passwd", 0, &mut |_| panic!("nothing may be served"));
    assert!(!matches!(served, Ok(true)));
}

#[test]
fn https_with_the_offices_own_certificate() {
    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
    let ca = ck.cert.pem();
    let tls = brigada_sync::Tls {
        cert_pem: ca.clone().into_bytes(),
        key_pem: ck.signing_key.serialize_pem().into_bytes(),
        own_ca: None,
    };
    let dir = tempfile::tempdir().unwrap();
    let running = brigada_sync::spawn_with(
        "127.0.0.1:0",
        dir.path(),
        brigada_sync::Options {
            tls: Some(tls),
            ..Default::default()
        },
    )
    .unwrap();
    let url = format!("https://{}", running.addr);
    let (_d, mut store) = temp_store("Tablet 01");
    let (_, code) = brigada_sync::add_device(running.storage.as_ref(), "Ana", Role::Tecnico, "RT").unwrap();
    let req = store.enrol_request(code);
    // A certificate nobody told the device to trust is refused, with a way out.
    let e = enroll(&url, &req, None).unwrap_err();
    assert!(matches!(e, Error::Network { .. }), "{e}");
    assert!(e.render(En).contains("certificate is not trusted"), "{e}");
    // Trusting the office's certificate: enrol and sync over TLS.
    let resp = enroll(&url, &req, Some(&ca)).unwrap();
    store.save_enrolment(&url, &resp, Some(&ca)).unwrap();
    let job = new_job(&mut store, "P1");
    store.attach(&job, &small_png(), "nodo", None).unwrap();
    let s = store.sync_now(&mut |_| {}).unwrap();
    assert_eq!(
        (s.progress.docs_sent, s.blobs.uploaded),
        (1, 2),
        "the document, the photo and its thumbnail"
    );
}

/// A sync lends the store step by step (the app's background sync): an edit made while
/// the request is on the network is neither lost nor marked as sent, and goes next time.
#[test]
fn an_edit_made_while_a_sync_waits_on_the_network_is_sent_in_the_same_sync() {
    use brigada_core::sync::{Transport, lend};
    use std::cell::RefCell;

    struct EditsMidway<'a, 'b> {
        http: HttpTransport,
        store: &'a RefCell<&'b mut brigada_core::Store>,
        job: String,
        edited: bool,
    }
    impl Transport for EditsMidway<'_, '_> {
        fn exchange(&mut self, request: &[u8]) -> brigada_core::Result<Vec<u8>> {
            if !self.edited {
                // The technician types a note while the request travels.
                self.store
                    .borrow_mut()
                    .comment(&self.job, "nota escrita durante la sincronización")?;
                self.edited = true;
            }
            self.http.exchange(request)
        }
    }

    let s = server();
    let mut a = s.device("Tablet 01", "Ana", Role::Tecnico, "RT");
    let mut b = s.device("Tablet 02", "Beto", Role::Tecnico, "RT");
    let job = new_job(&mut a.store, "P1");
    let http = a.transport();
    {
        let lent = RefCell::new(&mut a.store);
        let mut t = EditsMidway {
            http,
            store: &lent,
            job: job.clone(),
            edited: false,
        };
        lend::documents(&lent, &mut t, &mut |_| {}).unwrap();
    }
    // The answer shows the server lacks the note: the same sync sends it in another round.
    assert_eq!(a.store.outgoing().unwrap(), (0, 0), "the note made mid-sync was sent");
    b.sync().unwrap();
    let on_b = |b: &Device| b.store.view(&job).map(|v| v.expediente.comments.len());
    assert_eq!(on_b(&b).unwrap(), 1, "the note reached the other tablet");
}

/// A device holding a valid token sends a negotiation message whose changes are an
/// Automerge bundle (the 172 bytes that make automerge 0.12 allocate 2 GiB): the server
/// refuses that document and stays up; the device's other work still syncs.
#[test]
fn a_sync_message_smuggling_an_automerge_bundle_is_refused() {
    use brigada_core::sync::Transport;
    let bundle = untrusted_fixture("automerge-bundle-oom.bin");
    let message = automerge::sync::Message {
        heads: vec![],
        need: vec![],
        have: vec![],
        changes: bundle.clone().into(),
        flags: None,
        version: automerge::sync::MessageVersion::V1,
    }
    .encode();
    let s = server();
    let mut a = s.device("Tablet 01", "Ana", Role::Tecnico, "RT");
    let job = new_job(&mut a.store, "P1");
    a.sync().unwrap();
    let mut plan = a.store.sync_plan().unwrap();
    plan.request.docs = vec![protocol::DocPush {
        id: job.clone(),
        heads: vec![],
        changes: vec![],
        full: false,
        sync: message.clone(),
    }];
    let mut t = a.transport();
    let resp: protocol::SyncResponse =
        protocol::decode(&t.exchange(&protocol::encode(&plan.request)).unwrap()).unwrap();
    let r = resp
        .rejected
        .iter()
        .find(|r| r.id == job)
        .expect("the document is refused");
    assert_eq!(r.reason, protocol::RejectReason::Invalid);
    // The server says why as a message the device words in its own language.
    let said = r.said.render(brigada_core::messages::Locale::Es);
    assert!(said.contains("paquete de Automerge"), "{said}");
    // The device side refuses the same from a server.
    let mut doc = automerge::Automerge::new();
    let e = brigada_core::doc::receive_sync("x", &mut doc, &mut automerge::sync::State::new(), &message).unwrap_err();
    assert!(e.render(En).contains("bundle"), "{e}");
    // The server is still up, and the job still syncs.
    a.store.comment(&job, "después").unwrap();
    a.sync().unwrap();
}

/// More documents than the server reads at once, each edited again in one request, and
/// one edited past the point where the server folds its stored changes into one: the other
/// device receives every edit of every one.
#[test]
fn many_documents_and_many_edits_reach_the_other_device_whole() {
    let s = server();
    let mut office = s.device("Oficina 01", "Lic. Rosa Aguilar", Role::Oficina, "");
    let mut a = s.device("Tablet 01", "Ana", Role::Tecnico, "RT");
    let jobs: Vec<String> = (0..150).map(|_| new_job(&mut a.store, "P1")).collect();
    assert_eq!(a.sync().unwrap().progress.docs_sent, 150);
    assert_eq!(office.sync().unwrap().progress.docs_received, 150);
    for j in &jobs {
        a.store.comment(j, "segunda visita").unwrap();
    }
    assert_eq!(a.sync().unwrap().progress.docs_sent, 150);
    for k in 0..70 {
        a.store.comment(&jobs[0], &format!("nota {k}")).unwrap();
        a.sync().unwrap();
    }
    assert_eq!(office.sync().unwrap().progress.docs_received, 150);
    let texts = |d: &Device, j: &str| -> Vec<String> {
        let comments = d.store.view(j).unwrap().expediente.comments;
        comments.into_iter().map(|c| c.text).collect()
    };
    let first = texts(&office, &jobs[0]);
    assert_eq!(first.len(), 71);
    assert_eq!(first.last().map(String::as_str), Some("nota 69"));
    for j in &jobs {
        assert_eq!(texts(&office, j), texts(&a, j));
        assert_eq!(texts(&office, j)[0], "segunda visita");
    }
    // A third device starting from nothing receives them as they are now.
    let mut b = s.device("Oficina 02", "Lic. Jorge Pérez", Role::Oficina, "");
    assert_eq!(b.sync().unwrap().progress.docs_received, 150);
    assert_eq!(texts(&b, &jobs[0]), first);
}
