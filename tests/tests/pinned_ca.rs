//! A device enrols with nothing but the QR of a server that made its own certificate
//! authority: it fetches the CA, checks it against the QR's fingerprint, and from then on
//! trusts only it. A stranger answering in the server's place at enrolment is refused
//! before the code leaves the tablet.

use std::cell::RefCell;
use std::collections::BTreeSet;

use brigada_core::sync::protocol::EnrolTarget;
use brigada_scenarios::*;
use brigada_sync::devices::Role;

/// A server on loopback with its own CA, as `serve` beyond loopback makes it.
fn own_ca_server() -> (tempfile::TempDir, brigada_sync::Running, String) {
    let dir = tempfile::tempdir().unwrap();
    let names: BTreeSet<String> = ["127.0.0.1".to_string()].into();
    let tls = brigada_sync::tls::ensure(dir.path(), &names).unwrap();
    let fp = brigada_sync::tls::fingerprint(tls.own_ca.as_deref().unwrap()).unwrap();
    let options = brigada_sync::Options {
        tls: Some(tls),
        ..Default::default()
    };
    let running = brigada_sync::spawn_with("127.0.0.1:0", dir.path(), options).unwrap();
    (dir, running, fp)
}

#[test]
fn the_qr_alone_enrols_over_https_and_the_ca_is_kept() {
    let (dir, server, fp) = own_ca_server();
    let (d, code) = brigada_sync::add_device(server.storage.as_ref(), "Ana", Role::Tecnico, "RT").unwrap();
    let payload = EnrolTarget {
        url: server.url(),
        code,
        ca_fingerprint: Some(fp),
    }
    .payload();
    // The administrator asked for the QR as a picture: it goes once the device enrols.
    let png = brigada_sync::enrol_qr::write(dir.path(), &d.id, &payload).unwrap();
    let (_home, mut store) = temp_store("Tablet 01");
    brigada_core::sync::lend::enroll(&RefCell::new(&mut store), &payload, None, None).unwrap();
    assert!(!png.exists(), "a used enrolment QR is deleted");
    let ca = store.sync_setting("ca_cert").unwrap().unwrap();
    assert_eq!(
        Some(ca.as_str()),
        std::fs::read_to_string(dir.path().join("tls/ca.pem")).ok().as_deref()
    );
    let job = new_job(&mut store, "P1");
    let sum = store.sync_now(&mut |_| {}).unwrap();
    assert!(sum.progress.round_trips >= 1);
    let mut office = {
        let (_, code) = brigada_sync::add_device(server.storage.as_ref(), "Rosa", Role::Oficina, "").unwrap();
        let payload = EnrolTarget {
            url: server.url(),
            code,
            ca_fingerprint: brigada_sync::tls::fingerprint(&ca),
        }
        .payload();
        let (home, mut office) = temp_store("Oficina 01");
        brigada_core::sync::lend::enroll(&RefCell::new(&mut office), &payload, None, None).unwrap();
        (home, office)
    };
    office.1.sync_now(&mut |_| {}).unwrap();
    assert!(office.1.view(&job).is_ok(), "the expediente crossed over HTTPS");
}

#[test]
fn a_stranger_in_the_servers_place_gets_no_code() {
    let (_a_dir, a, a_fp) = own_ca_server();
    // The stranger runs a server of its own at another address (the tablet was pointed
    // there by a spoofed name or address), with its own CA.
    let (_b_dir, b, _) = own_ca_server();
    let (_, code) = brigada_sync::add_device(b.storage.as_ref(), "Ana", Role::Tecnico, "RT").unwrap();
    let payload = EnrolTarget {
        url: b.url(),
        code,
        ca_fingerprint: Some(a_fp),
    }
    .payload();
    let (_home, mut store) = temp_store("Tablet 01");
    let e = brigada_core::sync::lend::enroll(&RefCell::new(&mut store), &payload, None, None).unwrap_err();
    assert_eq!(e.code(), "network");
    assert!(e.message().to_string().contains("haciéndose pasar"), "{e}");
    // The code never reached the stranger: its device is still waiting to enrol.
    assert!(b.storage.devices().unwrap().iter().all(|d| d.enrolled_at.is_none()));
    assert!(store.sync_setting("token").unwrap().is_none());
    drop(a);
}

#[test]
fn without_the_pin_a_server_with_its_own_ca_is_not_trusted() {
    let (_dir, server, _) = own_ca_server();
    let (_, code) = brigada_sync::add_device(server.storage.as_ref(), "Ana", Role::Tecnico, "RT").unwrap();
    let (_home, mut store) = temp_store("Tablet 01");
    let e = brigada_core::sync::lend::enroll(&RefCell::new(&mut store), &server.url(), Some(&code), None).unwrap_err();
    assert_eq!(e.code(), "network");
    // A QR that pins a CA but names plain http is refused as damaged advice.
    let payload = EnrolTarget {
        url: server.url().replace("https://", "http://"),
        code,
        ca_fingerprint: Some("ab".repeat(32)),
    }
    .payload();
    let e = brigada_core::sync::lend::enroll(&RefCell::new(&mut store), &payload, None, None).unwrap_err();
    assert!(e.message().to_string().contains("https"), "{e}");
}
