//! QR asset-tag labels: ranges reserved by the server so two offices never print the
//! same tag, printing offline from a device's own range, and label sheets that decode
//! back to the right ids once rasterised.

use std::cell::RefCell;

use brigada_core::messages::Locale::En;
use brigada_core::pdf::{self, Layout};
use brigada_core::sync::lend;
use brigada_core::{Error, qr, tag};
use brigada_scenarios::*;
use brigada_sync::devices::Role;

fn add_asset(store: &mut brigada_core::Store, tag: &str) {
    store
        .add_asset(brigada_core::assets::NewAsset {
            tag: tag.to_owned(),
            kind: "switch".into(),
            ..Default::default()
        })
        .unwrap();
}

/// Take tags as the CLI and the app do: the store lent around the call to the server.
fn take(store: &mut brigada_core::Store, count: u32) -> brigada_core::Result<Vec<String>> {
    lend::take_tags(&RefCell::new(store), count)
}

/// Cut each label out of the rasterised pages and decode it with the project's decoder.
fn decode_labels(pdf_bytes: &[u8], layout: Layout, n: usize) -> Vec<String> {
    let dpi = 200;
    let pages = rasterise(pdf_bytes, dpi);
    let px = |pt: f32| (pt * dpi as f32 / 72.0).round() as u32;
    (0..n)
        .map(|i| {
            let (page, x, y, w, h) = layout.cell(i);
            let img = &pages[page];
            let cell = image::imageops::crop_imm(
                img,
                px(x),
                px(y),
                px(w).min(img.width() - px(x)),
                px(h).min(img.height() - px(y)),
            )
            .to_image();
            qr::decode_image(&cell)
                .unwrap_or_else(|e| panic!("label {i} does not decode: {e}"))
                .payload
        })
        .collect()
}

#[test]
fn a_letter_sheet_and_a_thermal_roll_decode_back_to_their_tags() {
    let tags: Vec<String> = (1..=30).map(|n| tag::format(500 + n)).collect();
    let sheet = pdf::labels(&tags, Layout::Letter3x10).unwrap();
    assert_eq!(rasterise(&sheet, 20).len(), 1, "30 labels fill one letter sheet");
    assert_eq!(decode_labels(&sheet, Layout::Letter3x10, 30), tags);

    let roll: Vec<String> = tags[..3].to_vec();
    let bytes = pdf::labels(&roll, Layout::Roll50x25).unwrap();
    let pages = rasterise(&bytes, 72);
    assert_eq!(pages.len(), 3, "one label per roll page");
    // 50 × 25 mm at 72 dpi.
    assert_eq!((pages[0].width(), pages[0].height()), (142, 71));
    assert_eq!(decode_labels(&bytes, Layout::Roll50x25, 3), roll);
}

#[test]
fn two_offices_never_print_the_same_tag_and_print_offline_from_their_range() {
    let s = server();
    let mut a = s.device("Oficina 01", "Lic. Rosa Aguilar", Role::Oficina, "");
    let mut b = s.device("Oficina 02", "Ing. Tomás Vela", Role::Oficina, "");
    let mut tec = s.device("Tablet 07", "Ana Karen Hernández López", Role::Tecnico, "RT");

    // A tag an office registered by hand (an old sticker) is never handed out.
    let legacy = tag::format(7);
    add_asset(&mut a.store, &legacy);
    a.sync().unwrap();

    // Both offices print while online: ranges are reserved on demand.
    let ta = take(&mut a.store, 40).unwrap();
    let tb = take(&mut b.store, 40).unwrap();
    let ta2 = take(&mut a.store, 5).unwrap();
    let all: std::collections::BTreeSet<&String> = ta.iter().chain(&tb).chain(&ta2).collect();
    assert_eq!(all.len(), 85, "no tag printed twice");
    assert!(!all.contains(&legacy), "a registered tag is not printed again");
    assert!(ta.iter().chain(&ta2).all(|t| tag::parse(t).as_ref() == Some(t)));
    // A técnico's tablet does not print tags.
    let e = lend::request_tags(&RefCell::new(&mut tec.store), 10).unwrap_err();
    assert!(matches!(e, Error::Forbidden(_)), "{e}");

    // Offline: office A still prints from what remains of its own range, and no more.
    let left = a.store.tags_remaining().unwrap();
    assert!(left >= 10, "{left}");
    let url = a.store.sync_setting("server_url").unwrap().unwrap();
    drop(s);
    assert!(
        reqwest::blocking::get(format!("{url}/healthz")).is_err(),
        "the server is down"
    );
    let offline = take(&mut a.store, 10).unwrap();
    assert!(offline.iter().all(|t| !all.contains(t)));
    let e = take(&mut a.store, left as u32 + 1).unwrap_err();
    assert!(e.render(En).contains("Connect to the office server"), "{e}");
    assert_eq!(
        a.store.tags_remaining().unwrap(),
        left - 10,
        "a failed print takes no numbers"
    );
}

#[test]
fn a_technicians_asset_under_a_tag_no_office_printed_is_refused_and_tags_keep_coming() {
    let s = server();
    let mut office = s.device("Oficina 01", "Lic. Rosa Aguilar", Role::Oficina, "");
    let mut tec = s.device("Tablet 07", "Ana Karen Hernández López", Role::Tecnico, "RT");
    let printed = take(&mut office.store, 10).unwrap();

    // The técnico registers the highest number there is: refused, kept on the tablet.
    let rogue = tag::format(tag::MAX_NUMBER);
    add_asset(&mut tec.store, &rogue);
    // And one under a label the office printed: accepted.
    add_asset(&mut tec.store, &printed[3]);
    let sum = tec.sync().unwrap();
    assert_eq!(sum.held.len(), 1, "{:?}", sum.held);
    assert_eq!(sum.held[0].id, format!("asset:{rogue}"));
    assert_eq!(sum.held[0].folio, rogue, "shown by its tag");
    assert!(
        sum.held[0].reason.contains("no es de ningún rango"),
        "{}",
        sum.held[0].reason
    );
    assert!(tec.store.asset(&rogue).is_ok(), "nothing the técnico typed is lost");
    office.sync().unwrap();
    assert!(office.store.asset(&printed[3]).is_ok());
    assert!(
        office.store.asset(&rogue).is_err(),
        "the rogue asset never reached the office"
    );

    // Allocation goes on for everyone, even past an office's own high old sticker.
    let high = tag::format(tag::MAX_NUMBER - 5);
    add_asset(&mut office.store, &high);
    office.sync().unwrap();
    let more = take(&mut office.store, 40).unwrap();
    assert_eq!(more.len(), 40);
    assert!(!more.contains(&high) && !more.iter().any(|t| printed.contains(t)));
}

#[test]
fn a_backup_medium_label_names_what_and_when_records_its_words_and_leads_back_to_the_folio() {
    let (_d, mut store) = temp_store("Tablet 09");
    let job = new_job(&mut store, "P7");
    let folio = store.view(&job).unwrap().expediente.folio;
    // Nothing to say yet: what was backed up comes first.
    let e = store.medium_label(&job).unwrap_err();
    assert_eq!(e.code().as_str(), "invalid_input");
    assert!(
        e.render(En).contains("Tipo de información a respaldar"),
        "{}",
        e.render(En)
    );
    store
        .set_fields(
            &job,
            &[
                (
                    "informacion".into(),
                    "Expedientes clínicos del SIGHO, consulta externa y urgencias de 2019 a 2026".into(),
                ),
                ("medio".into(), "usb".into()),
            ],
        )
        .unwrap();
    let label = store.medium_label(&job).unwrap();
    let today = brigada_core::time::written(brigada_core::time::from_ms(brigada_core::time::now_ms()));
    assert!(
        label.words.starts_with("Expedientes clínicos del SIGHO, consulta"),
        "{}",
        label.words
    );
    assert_eq!(
        &label.words[label.words.len() - 16..label.words.len() - 6],
        &today[..10],
        "today's date"
    );
    assert_eq!(label.medium.as_deref(), Some("Memoria USB"));
    // Its words are the step's evidence, recorded once: a reprint says the same.
    let v = store.view(&job).unwrap();
    assert_eq!(v.expediente.field("etiqueta").as_deref(), Some(label.words.as_str()));
    assert_eq!(store.medium_label(&job).unwrap(), label);
    // On a thermal roll and on a sheet: the words read back and the QR is the folio.
    for layout in [Layout::Roll50x25, Layout::Letter3x10] {
        let bytes = pdf::medium_label(&label, layout).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("etiqueta.pdf");
        std::fs::write(&file, &bytes).unwrap();
        let text = std::process::Command::new("pdftotext")
            .arg(&file)
            .arg("-")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&text.stdout);
        // The date and time on a line of their own, however long what was backed up.
        let when = label.words.rsplit_once(" — ").unwrap().1;
        for needle in ["RESPALDO DE BASE DE DATOS", "Memoria USB", "Urgencias", when, &folio] {
            assert!(text.contains(needle), "{layout:?} lacks {needle:?}:\n{text}");
        }
        assert_eq!(
            decode_labels(&bytes, layout, 1),
            std::slice::from_ref(&folio),
            "{layout:?}"
        );
    }
    // A job that backs nothing up has no medium.
    let other = new_job(&mut store, "P1");
    assert!(
        store
            .medium_label(&other)
            .unwrap_err()
            .render(En)
            .contains("not a database backup")
    );
}
