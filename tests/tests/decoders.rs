//! Every decoder of untrusted bytes, fed random and mutated input: a clear error or a
//! valid result, never a panic, and nothing stored is lost. The coverage-guided cargo-fuzz
//! targets for the same entry points run in `make fuzz`; what they found is replayed by
//! `untrusted_inputs.rs`.

use brigada_core::messages::Locale::En;
use brigada_core::signature::Strokes;
use brigada_core::{Store, qr};
use brigada_scenarios::*;
use proptest::prelude::*;

fn mutate(mut base: Vec<u8>, edits: &[(usize, u8)], cut: Option<usize>) -> Vec<u8> {
    for (i, b) in edits {
        if !base.is_empty() {
            let n = base.len();
            base[i % n] = *b;
        }
    }
    if let Some(c) = cut {
        base.truncate(c % (base.len() + 1));
    }
    base
}

fn a_document() -> (tempfile::TempDir, Store, String, Vec<u8>) {
    let (d, mut s) = temp_store("Tablet 50");
    let job = new_job(&mut s, "P1");
    s.comment(&job, "antes").unwrap();
    let bytes = s.document_bytes(&job).unwrap().1;
    (d, s, job, bytes)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn mutated_documents_never_panic_nor_damage_the_store(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..8),
        cut in proptest::option::of(any::<usize>()),
    ) {
        let (_d, mut s, job, bytes) = a_document();
        let before = s.view(&job).unwrap();
        let _ = s.merge_document(&mutate(bytes, &edits, cut));
        let after = s.view(&job).unwrap();
        // Whatever arrived, nothing already stored is gone.
        prop_assert!(after.expediente.comments.iter().any(|c| c.text == "antes"));
        prop_assert!(after.expediente.log.len() >= before.expediente.log.len());
    }

    #[test]
    fn random_bytes_as_a_document_are_refused(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let (_d, mut s, job, _) = a_document();
        prop_assert!(s.merge_document(&bytes).is_err());
        prop_assert_eq!(s.list(&Default::default()).unwrap().len(), 1);
        prop_assert!(s.view(&job).is_ok());
    }

    #[test]
    fn mutated_images_never_panic_the_qr_decoder(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..16),
        cut in proptest::option::of(any::<usize>()),
    ) {
        let png = qr::encode_png("SESVER:DTI:ACT:000007", 4).unwrap();
        if let Ok(d) = qr::decode_bytes(&mutate(png, &edits, cut)) {
            // A damaged image may still decode, but only to the true payload.
            prop_assert_eq!(d.payload, "SESVER:DTI:ACT:000007");
        }
    }

    #[test]
    fn random_strokes_files_are_parsed_or_refused(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = Strokes::parse(&bytes);
    }
}

#[test]
fn a_document_for_an_unknown_procedure_is_refused() {
    let (_d, mut s, job, _) = a_document();
    let mut other = s.view(&job).unwrap().expediente;
    other.id = "0193a0c4-0000-7000-8000-0000000000ff".into();
    other.procedure_id = "P99".into();
    let author = s.author();
    let mut d = brigada_core::doc::new_doc(&author);
    brigada_core::doc::write(&mut d, &other, &author, "x", 0).unwrap();
    let e = s.merge_document(&d.save()).unwrap_err();
    assert_eq!(e.code().as_str(), "unknown_procedure");
    assert_eq!(s.list(&Default::default()).unwrap().len(), 1);
}

#[test]
fn bytes_that_make_automerges_decoder_panic_are_a_clear_error() {
    // Found by the load_document fuzz target: Automerge's column decoder unwraps on it.
    let bytes = untrusted_fixture("automerge-decoder-panic.bin");
    let (_d, mut store, _, _) = a_document();
    let e = store.merge_document(&bytes).unwrap_err();
    assert_eq!(e.code().as_str(), "bad_document", "{e}");
    // (It is a bundle chunk, now refused before automerge sees it; any other decoder
    // panic is contained by `doc::load` and reported as malformed.)
    let e = brigada_core::doc::load("x", &bytes, &[]).unwrap_err();
    assert!(
        e.render(En).contains("bundle") || e.render(En).contains("malformed"),
        "{e}"
    );
}

#[test]
fn an_automerge_bundle_is_refused_before_its_decoder_can_exhaust_memory() {
    // Found by the load_document fuzz target: 172 bytes whose bundle header makes automerge
    // 0.12 allocate 2 GiB. Brigada never sends bundles, so any is refused up front —
    // alone, after a good document, or as pushed changes.
    let bundle = untrusted_fixture("automerge-bundle-oom.bin");
    let (_d, mut store, _, good) = a_document();
    for bytes in [bundle.clone(), [good.clone(), bundle.clone()].concat()] {
        let e = brigada_core::doc::load("x", &bytes, &[]).unwrap_err();
        assert!(e.render(En).contains("bundle"), "{e}");
        assert_eq!(
            store.merge_document(&bytes).unwrap_err().code().as_str(),
            "bad_document"
        );
    }
    let mut doc = brigada_core::doc::load("x", &good, &[]).unwrap();
    let e = brigada_core::doc::load_changes("x", &mut doc, &bundle).unwrap_err();
    assert!(e.render(En).contains("bundle"), "{e}");
    // The good document itself still loads, and the store still holds one expediente.
    assert_eq!(store.list(&Default::default()).unwrap().len(), 1);
}
