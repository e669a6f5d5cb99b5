//! The enrolment QR the server draws (its own small PNG writer) is read back by the same
//! decoder the tablets use, for the exact text the administrator was given.

use brigada_core::qr;

#[test]
fn the_servers_enrolment_qr_reads_back_exactly() {
    for payload in [
        "brigada-enroll:http://127.0.0.1:8787#ABCDEFGHJKLMNPQRSTUVWXYZ",
        "brigada-enroll:https://sync.dti.hospital-regional.example.mx:8443#2345679ABCDEFGHJKLMNPQRS",
    ] {
        for module_px in [4, 8] {
            let png = brigada_sync::enrol_qr::png(payload, module_px).expect("png");
            let decoded = qr::decode_bytes(&png).expect("the enrolment QR must read back");
            assert_eq!(decoded.payload, payload, "at {module_px} px per module");
        }
    }
}
