//! The QR decoder on real camera photos (`shared/testdata/qr-photos`): at least zbar's
//! 36 of 64, no wrong payload, no crash. Decoding runs through the CLI's isolated path in
//! the app later; here the core decoder is called directly on every photo.

use std::path::PathBuf;

use brigada_core::qr;
use brigada_scenarios::shared_dir;

/// (image, expected payload) for every name that has a single expected payload.
pub fn cases() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for set in ["qrcode-1", "qrcode-2"] {
        let dir = shared_dir().join("testdata/qr-photos").join(set);
        let mut txts: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "txt") && !p.to_string_lossy().ends_with(".result.txt"))
            .collect();
        txts.sort();
        for t in txts {
            // Names may hold dots ("gs1-figure-4.15.1-2"): swap the suffix as text.
            let stem = t.to_string_lossy().trim_end_matches(".txt").to_owned();
            let Some(img) = ["png", "jpg", "webp"].iter().map(|e| PathBuf::from(format!("{stem}.{e}"))).find(|p| p.exists()) else {
                continue;
            };
            let expected = std::fs::read_to_string(&t).unwrap().replace("\r\n", "\n");
            out.push((img, expected));
        }
    }
    out
}

#[test]
fn decodes_more_real_photos_than_zbar_and_never_a_wrong_payload() {
    let cases = cases();
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
