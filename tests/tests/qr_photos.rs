//! The QR decoder on real camera photos (`shared/testdata/qr-photos`): at least zbar's
//! 36 of 64, no wrong payload, no crash. Decoding runs through the CLI's isolated path in
//! the app later; here the core decoder is called directly on every photo.

use brigada_core::qr;
use brigada_scenarios::qr_cases;

#[test]
fn decodes_more_real_photos_than_zbar_and_never_a_wrong_payload() {
    let cases = qr_cases();
    assert_eq!(cases.len(), 64, "the test set has 64 names with an expected payload");
    let mut ok = 0;
    let mut wrong = Vec::new();
    for (img, expected) in &cases {
        let bytes = std::fs::read(img).unwrap();
        if let Ok(d) = qr::decode_bytes(&bytes) {
            if d.payload.replace("\r\n", "\n") == *expected {
                ok += 1;
            } else {
                wrong.push(img.display().to_string());
            }
        }
    }
    assert!(wrong.is_empty(), "wrong payloads: {wrong:?}");
    eprintln!("decoded {ok} of {}", cases.len());
    assert!(ok >= 36, "decoded {ok} of 64; zbar decodes 36");
}
