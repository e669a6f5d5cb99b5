//! Enrolment as an attacker tries it: a key that is not a key, someone else's key (the
//! office's, to have its seals shown as one's own), a proof made for another request, and
//! a second device presenting an active device's key. Each is refused with a clear reason.

use brigada_core::Error;
use brigada_core::sync::http::enroll;
use brigada_core::sync::protocol::EnrollRequest;
use brigada_scenarios::*;
use brigada_sync::devices::Role;

fn refused(s: &Server, req: &EnrollRequest) -> String {
    match enroll(&s.running.url(), req, None) {
        Err(e @ Error::Server { status: 400 | 409, .. }) => e.to_string(),
        other => panic!("enrolment should be refused, got {other:?}"),
    }
}

#[test]
fn only_a_valid_key_its_device_proves_it_holds_is_enrolled() {
    let s = server();
    let office = s.device("Oficina 01", "Lic. Rosa Aguilar", Role::Oficina, "");
    let (_dir, tecnico) = temp_store("Tablet 07");
    let (_, code) = brigada_sync::add_device(s.running.storage.as_ref(), "Ana Karen", Role::Tecnico, "RT").unwrap();

    // Not a key at all.
    let mut req = tecnico.enrol_request(code.clone());
    req.public_key = "zz-not-a-key".into();
    assert!(refused(&s, &req).contains("no es una clave Ed25519 válida"));
    // The office's public key, with the técnico's own proof: the proof does not match.
    let mut req = tecnico.enrol_request(code.clone());
    req.public_key = office.store.public_key_hex();
    assert!(refused(&s, &req).contains("no demostró tener la clave privada"));
    // No proof at all (a device that does not sign).
    let mut req = tecnico.enrol_request(code.clone());
    req.proof.clear();
    assert!(refused(&s, &req).contains("no demostró"));
    // A proof made for another code cannot be replayed with this one.
    let other = tecnico.enrol_request("OTRO-CODIGO-DE-ALTA-XYZ".into());
    let mut req = tecnico.enrol_request(code.clone());
    req.proof = other.proof;
    assert!(refused(&s, &req).contains("no demostró"));
    // The refusals used nothing up: the honest request still enrols with the same code,
    // and the key on record is the técnico's own.
    enroll(&s.running.url(), &tecnico.enrol_request(code), None).expect("the honest request enrols");
    let devices = s.running.storage.devices().unwrap();
    let ana = devices.iter().find(|d| d.person == "Ana Karen").unwrap();
    assert_eq!(ana.public_key.as_deref(), Some(tecnico.public_key_hex().as_str()));
}

#[test]
fn an_active_devices_key_is_never_enrolled_for_another() {
    let s = server();
    let first = s.device("Tablet 07", "Ana Karen", Role::Tecnico, "RT");
    // The same tablet (same key, proven) asks for a second enrolment while the first is
    // active: refused, naming the device that has the key.
    let (_, code) = brigada_sync::add_device(s.running.storage.as_ref(), "Otra Persona", Role::Tecnico, "RT").unwrap();
    let said = refused(&s, &first.store.enrol_request(code.clone()));
    assert!(
        said.contains("ya es de otro dispositivo activo") && said.contains("Ana Karen"),
        "{said}"
    );
    // Once the first enrolment is revoked, the tablet may come back with its key.
    assert!(s.running.storage.revoke(&first.id, 0).unwrap());
    enroll(&s.running.url(), &first.store.enrol_request(code), None).expect("re-enrolment after revocation");
}
