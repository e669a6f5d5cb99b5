//! The encrypted store: passphrases, damaged and foreign files, migrations, blobs,
//! compaction, the audit trail.

use brigada_core::messages::Locale::En;
use std::path::Path;

use brigada_core::store::{Store, blobs, documents, schema};
use brigada_core::{Error, tag};
use brigada_scenarios::*;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[test]
fn a_wrong_passphrase_is_refused_and_changes_nothing() {
    let (dir, mut store) = temp_store("Tablet 10");
    let job = new_job(&mut store, "P1");
    drop(store);
    let home = dir.path().join("home");
    let before = std::fs::read(home.join("brigada.db")).unwrap();
    let e = Store::open(&home, "otra-clave").err().unwrap();
    assert!(matches!(e, Error::WrongPassphrase), "{e}");
    assert!(e.render(En).contains("nothing was changed"));
    assert_eq!(std::fs::read(home.join("brigada.db")).unwrap(), before);
    let store = Store::open(&home, PASS).unwrap();
    assert_eq!(store.view(&job).unwrap().expediente.area, "Urgencias");
}

#[test]
fn a_pin_a_thief_could_guess_does_not_make_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let init = |pass: &str| {
        Store::init(
            &home,
            pass,
            brigada_core::store::InitOptions {
                device_name: "Tablet 07".into(),
                code: None,
                person: None,
                seccion: None,
                kdf: brigada_core::store::kdf::KdfParams::new_for_tests(),
            },
        )
    };
    let e = init("1234").err().expect("a 4-digit PIN is refused");
    assert!(matches!(e, Error::WeakPassphrase), "{e:?}");
    assert!(e.render(En).contains("8 digits"), "{}", e.render(En));
    assert!(!home.join("brigada.db").exists(), "nothing was created");
    init("20481937").expect("an 8-digit PIN that is not a run");
}

#[test]
fn the_database_is_unreadable_without_the_key() {
    let (dir, mut store) = temp_store("Tablet 11");
    let job = new_job(&mut store, "P1");
    store.comment(&job, "texto-secreto-del-expediente").unwrap();
    drop(store);
    for f in ["brigada.db", "brigada.db-wal"] {
        if let Ok(bytes) = std::fs::read(dir.path().join("home").join(f)) {
            assert!(!bytes.windows(12).any(|w| w == b"texto-secret"), "{f} holds plaintext");
            assert!(!bytes.starts_with(b"SQLite format 3"), "{f} is a plain SQLite file");
        }
    }
}

#[test]
fn a_corrupt_or_foreign_database_is_a_clear_error() {
    let (dir, store) = temp_store("Tablet 12");
    drop(store);
    let home = dir.path().join("home");
    // A plain (unencrypted) SQLite database in its place.
    let foreign = dir.path().join("foreign.db");
    rusqlite_plain(&foreign);
    std::fs::copy(&foreign, home.join("brigada.db")).unwrap();
    let e = Store::open(&home, PASS).err().unwrap();
    assert_eq!(e.code().as_str(), "corrupt_database", "{e}");
    assert!(e.render(En).contains("backup"), "{e}");
    // Random bytes.
    std::fs::write(home.join("brigada.db"), vec![0x5au8; 8192]).unwrap();
    assert_eq!(
        Store::open(&home, PASS).err().unwrap().code().as_str(),
        "corrupt_database"
    );
    // A damaged device.json.
    std::fs::write(home.join("device.json"), b"{not json").unwrap();
    assert_eq!(Store::open(&home, PASS).err().unwrap().code().as_str(), "bad_file");
    // No store at all.
    let e = Store::open(&dir.path().join("nowhere"), PASS).err().unwrap();
    assert!(e.to_string().contains("brigada init"), "{e}");
}

fn rusqlite_plain(path: &Path) {
    // The bundled SQLCipher opens plain databases when no key is set.
    let c = rusqlite_conn(path);
    c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
}

fn rusqlite_conn(path: &Path) -> brigada_core::store::RawConnection {
    brigada_core::store::RawConnection::open(path).unwrap()
}

#[test]
fn a_database_newer_than_the_binary_is_refused_untouched() {
    let (dir, store) = temp_store("Tablet 13");
    store.conn().pragma_update(None, "user_version", 99).unwrap();
    drop(store);
    let home = dir.path().join("home");
    let before = std::fs::read(home.join("brigada.db")).unwrap();
    let e = Store::open(&home, PASS).err().unwrap();
    assert!(matches!(e, Error::DatabaseTooNew { found: 99, .. }), "{e}");
    assert_eq!(std::fs::read(home.join("brigada.db")).unwrap(), before);
}

#[test]
fn an_old_schema_fixture_migrates_and_its_index_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/schema-v3"), &home);
    let store = Store::open(&home, PASS).unwrap();
    assert_eq!(
        schema::current_version(store.conn()).unwrap(),
        schema::MIGRATIONS.len() as i64
    );
    let rows = store.list(&Default::default()).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].folio, "RT-2026-T03-0001");
    // Had the rebuild not committed (a crash, a failure), the next opening owes it: the
    // migration said so in the same transaction as the new schema.
    let owed = |s: &Store| brigada_core::store::meta::get(s.conn(), schema::REINDEX_OWED).unwrap();
    assert!(owed(&store).is_none());
    store
        .conn()
        .execute_batch(
            "DELETE FROM expedientes; DELETE FROM expedientes_search;
             INSERT INTO expedientes_fts (expedientes_fts) VALUES ('delete-all');",
        )
        .unwrap();
    brigada_core::store::meta::put(store.conn(), schema::REINDEX_OWED, b"1").unwrap();
    drop(store);
    // The rebuild tells how far it is (the app's unlock screen and the CLI show it).
    let mut heard = Vec::new();
    let mut store = Store::open_with(&home, PASS, &mut |r| heard.push((r.done, r.total))).unwrap();
    assert_eq!(heard, [(0, 1), (1, 1)]);
    assert_eq!(store.list(&Default::default()).unwrap().len(), 1, "rebuilt");
    assert!(owed(&store).is_none());
    let found = store.list(&brigada_core::store::index::Filter {
        query: Some("camara rio blanco".into()),
        ..Default::default()
    });
    assert_eq!(found.unwrap().len(), 1);
    // The migration that added the office's figures rebuilt them from the documents.
    let all_time = brigada_core::report::Period::new(
        chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
        brigada_core::report::today(),
        None,
    )
    .unwrap();
    assert_eq!(store.report(&all_time).unwrap().opened, 1);
    // Written before expedientes linked to each other: it opens with no links.
    let v = store.view("RT-2026-T03-0001").unwrap();
    assert!(v.expediente.origin.is_none() && v.continued_in.is_empty());
    // And it is usable: the old expediente takes new steps.
    satisfy(&mut store, "RT-2026-T03-0001", "1").unwrap();
    store.record_step("RT-2026-T03-0001", "1", None, None).unwrap();
    assert_eq!(
        store.view("RT-2026-T03-0001").unwrap().status.current.as_deref(),
        Some("2")
    );
}

#[test]
fn blobs_are_deduplicated_and_verified_on_read() {
    let (_d, mut store) = temp_store("Tablet 14");
    let job = new_job(&mut store, "P1");
    let png = small_png();
    let h1 = store.attach(&job, &png, "uno", None).unwrap();
    let h2 = store.attach(&job, &png, "dos", None).unwrap();
    assert_eq!(h1, h2);
    let n: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM blobs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2, "the photo and its thumbnail, each stored once");
    assert_eq!(store.view(&job).unwrap().expediente.photos.len(), 2);
    // What is kept is the prepared photo (upright JPEG), read back intact.
    let kept = store.blob(&h1).unwrap();
    assert_eq!(kept, brigada_core::photo::prepare(&png, false).unwrap().jpeg);
    store
        .conn()
        .execute("UPDATE blobs SET data = x'00' WHERE hash = ?1", [&h1])
        .unwrap();
    assert_eq!(store.blob(&h1).unwrap_err().code().as_str(), "blob_damaged");
}

#[test]
fn attachments_that_are_not_images_or_too_large_are_refused() {
    let (_d, mut store) = temp_store("Tablet 15");
    let job = new_job(&mut store, "P1");
    let e = store.attach(&job, b"%PDF-1.4 not an image", "x", None).unwrap_err();
    assert!(e.render(En).contains("not an image"), "{e}");
    let mut truncated = small_png();
    truncated.truncate(30);
    assert!(store.attach(&job, &truncated, "x", None).is_err());
    let big = vec![0u8; blobs::MAX_BLOB as usize + 1];
    assert_eq!(
        store.attach(&job, &big, "x", None).unwrap_err().code().as_str(),
        "too_large"
    );
    assert!(store.view(&job).unwrap().expediente.photos.is_empty());
}

#[test]
fn compaction_keeps_every_change() {
    let (dir, mut store) = temp_store("Tablet 16");
    let job = new_job(&mut store, "P7");
    let n = documents::COMPACT_AFTER as usize * 2 + 5;
    for i in 0..n {
        store.comment(&job, &format!("nota {i}")).unwrap();
    }
    let pending: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM doc_changes", [], |r| r.get(0))
        .unwrap();
    assert!(
        pending < documents::COMPACT_AFTER,
        "changes were compacted ({pending} pending)"
    );
    drop(store);
    let store = Store::open(&dir.path().join("home"), PASS).unwrap();
    let v = store.view(&job).unwrap();
    assert_eq!(v.expediente.comments.len(), n);
    assert_eq!(store.history(&job).unwrap().len(), n + 1);
}

#[test]
fn every_change_records_who_on_which_device_and_when() {
    let (_d, mut store) = temp_store("Tablet 17");
    let job = new_job(&mut store, "P1");
    store
        .set_fields(&job, &[("ubicacion".into(), "Sala 3".into())])
        .unwrap();
    let h = store.history(&job).unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h[1].by, "Técnico Tablet 17");
    assert_eq!(h[1].device, "Tablet 17");
    assert!(h[1].proven, "this device's own change");
    assert_eq!(h[1].action, "editar ubicacion");
    assert!((h[1].at - brigada_core::time::now_ms()).abs() < 60_000);
}

#[test]
fn bad_field_values_are_clear_errors_and_store_nothing() {
    let (_d, mut store) = temp_store("Tablet 18");
    let job = new_job(&mut store, "P6");
    for (k, v, needle) in [
        ("proveedor", "movistar", "Telmex, México Conectado"),
        ("reporte_levantado_en", "ayer", "27/11/2026 09:30"),
        ("nada", "x", "has no such field"),
        ("solicitud.fecha", "2026/11/20", "day/month/year"),
        ("solicitud.tipo", "fax", "Tarjeta informativa"),
    ] {
        let e = store.set_fields(&job, &[(k.into(), v.into())]).unwrap_err();
        assert!(e.render(En).contains(needle), "{k}: {e}");
    }
    assert_eq!(store.history(&job).unwrap().len(), 1);
}

#[test]
fn fields_take_what_a_tecnico_types_and_papers_print_words() {
    let (_d, mut store) = temp_store("Tablet 18");
    let job = new_job(&mut store, "P6");
    let set = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    store
        .set_fields(
            &job,
            &[
                set("proveedor", "Megacable"),
                set("reporte_levantado_en", "30/11/2026 09:15"),
                set("solicitud.fecha", "29/11/2026"),
            ],
        )
        .unwrap();
    let e = &store.view(&job).unwrap().expediente;
    assert_eq!(
        e.field("proveedor").as_deref(),
        Some("metrocarrier"),
        "stored by its value"
    );
    assert_eq!(e.solicitud.fecha, "2026-11-29", "stored as a date sorts");
    // And read back, on screen and on paper, as it was typed.
    let v = store.view(&job).unwrap();
    let shown = v.fields.iter().find(|f| f.def.id == "reporte_levantado_en").unwrap();
    assert_eq!(shown.words.as_deref(), Some("30/11/2026 09:15"));
    let paper = store
        .form(
            &job,
            brigada_core::procedure::DocumentKind::ReporteCierreSeguimiento,
            true,
        )
        .unwrap();
    assert!(
        paper.body.fields.iter().any(|(_, w)| w == "30/11/2026 09:15"),
        "{:?}",
        paper.body.fields
    );
    let e = store
        .set_fields(&job, &[set("proveedor", "Axtel")])
        .unwrap_err()
        .render(brigada_core::messages::Locale::Es);
    assert!(e.contains("Proveedor del servicio"), "{e}");
    assert!(e.contains("México Conectado"), "the choices in words: {e}");
    assert!(
        !e.contains("mexico-conectado") && !e.contains("proveedor:"),
        "no codes: {e}"
    );

    let (_d, mut p4) = temp_store("Tablet 19");
    let baja = new_job(&mut p4, "P4");
    p4.set_fields(
        &baja,
        &[set("motivo_baja", "Sobrecosto en su mantenimiento o reparación")],
    )
    .unwrap();
    let content = format!(
        "{:?}",
        p4.form(&baja, brigada_core::procedure::DocumentKind::DictamenTecnico, true)
            .unwrap()
    );
    assert!(
        content.contains("Sobrecosto en su mantenimiento o reparación"),
        "{content}"
    );
    assert!(!content.contains("costo-reparacion"), "no code on paper: {content}");
}

#[test]
fn duplicate_tags_and_bad_tags_are_refused() {
    let (_d, mut store) = temp_store("Tablet 19");
    let a = brigada_core::assets::NewAsset {
        tag: tag::format(5),
        kind: "radio".into(),
        ..Default::default()
    };
    store.add_asset(a.clone()).unwrap();
    assert_eq!(store.add_asset(a.clone()).unwrap_err().code().as_str(), "duplicate_tag");
    let bad = brigada_core::assets::NewAsset {
        tag: "ACT-5".into(),
        ..a.clone()
    };
    assert_eq!(store.add_asset(bad).unwrap_err().code().as_str(), "invalid_field");
    let bad_kind = brigada_core::assets::NewAsset {
        tag: tag::format(6),
        kind: "tostadora".into(),
        ..a
    };
    assert!(
        store
            .add_asset(bad_kind)
            .unwrap_err()
            .to_string()
            .contains("computadora")
    );
    assert_eq!(store.list_assets().unwrap().len(), 1);
}

#[test]
fn folios_are_sequential_per_section_year_and_device() {
    let (_d, mut store) = temp_store("Tablet 20");
    let a = store
        .create_expediente(brigada_core::expedientes::NewExpediente {
            procedure: "P1".into(),
            area: "A".into(),
            ..Default::default()
        })
        .unwrap();
    let b = store
        .create_expediente(brigada_core::expedientes::NewExpediente {
            procedure: "P6".into(),
            area: "B".into(),
            ..Default::default()
        })
        .unwrap();
    let c = store
        .create_expediente(brigada_core::expedientes::NewExpediente {
            procedure: "P3".into(),
            area: "C".into(),
            ..Default::default()
        })
        .unwrap();
    let year = chrono::Utc::now().format("%Y").to_string();
    assert_eq!(a.folio, format!("RT-{year}-T20-0001"));
    assert_eq!(b.folio, format!("RT-{year}-T20-0002"));
    assert_eq!(c.folio, format!("IT-{year}-T20-0001"));
    assert_eq!(store.resolve_ref(&a.folio.to_lowercase()).unwrap(), a.id);
}

#[test]
fn a_second_writer_waits_for_the_first() {
    let (dir, store) = temp_store("Tablet 21");
    let home = dir.path().join("home");
    let t = std::thread::spawn(move || {
        let s = Store::open(&home, PASS).unwrap();
        let opened = std::time::Instant::now();
        drop(s);
        opened
    });
    std::thread::sleep(std::time::Duration::from_millis(200));
    let released = std::time::Instant::now();
    drop(store);
    let opened = t.join().unwrap();
    assert!(
        opened >= released,
        "the second store opened while the first still held the home"
    );
}

/// Every order of the archive reads an index in that order: a page of a years-long archive
/// (and a search walking it) never sorts the whole archive first.
#[test]
fn the_first_page_of_the_list_is_read_in_index_order() {
    let (_d, store) = temp_store("Tablet 22");
    use brigada_core::store::index::Sort;
    for (order, index) in [
        (Sort::Deadline, "expedientes_by_deadline_order"),
        (Sort::Newest, "expedientes_by_created"),
        (Sort::Oldest, "expedientes_by_created"),
        (Sort::Updated, "expedientes_by_updated"),
        (Sort::Folio, "sqlite_autoindex_expedientes_2"),
    ] {
        let plan: Vec<String> = store
            .conn()
            .prepare(&format!(
                "EXPLAIN QUERY PLAN SELECT e.id FROM expedientes e{} LIMIT 50",
                order.sql()
            ))
            .unwrap()
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(plan.iter().any(|p| p.contains(index)), "{order:?}: {plan:?}");
        assert!(
            !plan.iter().any(|p| p.contains("TEMP B-TREE")),
            "the list sorts by {order:?}: {plan:?}"
        );
    }
}

#[test]
fn a_photos_caption_and_step_can_be_corrected_but_not_its_picture() {
    let (_d, mut store) = temp_store("Tablet 17");
    let job = new_job(&mut store, "P1");
    let hash = store.attach(&job, &small_png(), "foto", Some("1")).unwrap();
    let photo = store.view(&job).unwrap().expediente.photos[0].clone();
    store
        .edit_photo(&job, &photo.id, "  Oficio recibido en Urgencias ", Some("2"))
        .unwrap();
    let edited = store.view(&job).unwrap().expediente.photos[0].clone();
    assert_eq!(edited.caption, "Oficio recibido en Urgencias");
    assert_eq!(edited.step.as_deref(), Some("2"));
    assert_eq!(edited.blob, hash, "the picture is the same");
    assert_eq!(edited.stamp, photo.stamp, "who took it and when is kept");
    // No step at all is allowed; a step the procedure lacks and an unknown photo are not.
    store.edit_photo(&job, &photo.id, "sin paso", None).unwrap();
    assert_eq!(store.view(&job).unwrap().expediente.photos[0].step, None);
    assert_eq!(
        store
            .edit_photo(&job, &photo.id, "x", Some("99"))
            .unwrap_err()
            .code()
            .as_str(),
        "unknown_step"
    );
    assert!(store.edit_photo(&job, "no-such-photo", "x", None).is_err());
    assert_eq!(store.view(&job).unwrap().expediente.photos[0].caption, "sin paso");
}

#[test]
fn a_tag_may_be_typed_as_its_number_wherever_a_tag_is_asked() {
    let (_d, mut store) = temp_store("Tablet 18");
    store
        .add_asset(brigada_core::assets::NewAsset {
            tag: "77".into(),
            kind: "radio".into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(store.asset("SESVER:DTI:ACT:000077").unwrap().kind, "radio");
    assert_eq!(store.asset(" 77 ").unwrap().tag, "SESVER:DTI:ACT:000077");
    let job = store
        .create_expediente(brigada_core::expedientes::NewExpediente {
            procedure: "P2".into(),
            area: "Ambulancias".into(),
            asset: Some("77".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        store.view(&job.id).unwrap().expediente.equipment,
        vec!["SESVER:DTI:ACT:000077".to_string()]
    );
    store.add_equipment(&job.id, "0078").unwrap();
    assert!(store.add_equipment(&job.id, "7 8").is_err());
}

#[test]
fn a_request_paper_has_its_received_moment_and_where_it_was_filed() {
    let (_d, mut store) = temp_store("Tablet 20");
    let before = brigada_core::time::now_ms();
    let job = new_job(&mut store, "P1");
    let v = store.view(&job).unwrap();
    let received = v
        .expediente
        .solicitud
        .recibida_en
        .expect("a typed-in request is received now");
    assert!(received >= before && received <= brigada_core::time::now_ms());
    let shown =
        |v: &brigada_core::expedientes::View, id: &str| v.fields.iter().find(|f| f.def.id == id).unwrap().words.clone();
    assert_eq!(shown(&v, "solicitud.tipo").as_deref(), Some("Oficio"));
    assert_eq!(shown(&v, "solicitud.archivo"), None, "not filed yet");
    // Corrected as typed in Mexico, and filed: both in words, both in the history.
    let set = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    store
        .set_fields(
            &job,
            &[
                set("solicitud.recibida_en", "28/11/2026 10:40"),
                set("solicitud.archivo", "archivado"),
            ],
        )
        .unwrap();
    let v = store.view(&job).unwrap();
    assert_eq!(shown(&v, "solicitud.recibida_en").as_deref(), Some("28/11/2026 10:40"));
    assert_eq!(
        shown(&v, "solicitud.archivo").as_deref(),
        Some("Archivado en el expediente del DTI")
    );
    assert_eq!(v.expediente.solicitud.archivo, "archivado");
    store
        .set_fields(&job, &[set("solicitud.archivo", "Original entregado")])
        .unwrap();
    assert_eq!(
        store.view(&job).unwrap().expediente.solicitud.archivo,
        "original-entregado"
    );
    let e = store
        .set_fields(&job, &[set("solicitud.archivo", "perdido")])
        .unwrap_err();
    assert!(
        e.render(En).contains("Archivado en el expediente del DTI"),
        "{}",
        e.render(En)
    );
    // A job without a request paper has no received moment to invent.
    let bare = store
        .create_expediente(brigada_core::expedientes::NewExpediente {
            procedure: "P5".into(),
            area: "Urgencias".into(),
            ..Default::default()
        })
        .unwrap();
    assert!(store.view(&bare.id).unwrap().expediente.solicitud.recibida_en.is_none());
}
