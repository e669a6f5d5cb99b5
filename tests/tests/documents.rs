//! Official documents end to end: every document kind of every procedure printed from a
//! real store, read back with poppler's `pdftotext` and checked with `qpdf --check`;
//! signatures verified against keys synced from a real server; every tampering case.

use std::path::Path;
use std::process::Command;

use automerge::Automerge;
use brigada_core::doc::{self, Author};
use brigada_core::forms::verify::Status;
use brigada_core::forms::{self, Form};
use brigada_core::model::Expediente;
use brigada_core::pdf::{self, Paper};
use brigada_core::procedure::{self, DocumentKind};
use brigada_core::{Store, tag};
use brigada_scenarios::*;
use brigada_sync::devices::Role;

fn tool(name: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{name} is needed by this test (apt install poppler-utils qpdf): {e}"));
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The text of a PDF, via poppler, with its pages; and `qpdf --check` must pass.
fn read_pdf(dir: &Path, name: &str, bytes: &[u8]) -> Vec<String> {
    let file = dir.join(name);
    std::fs::write(&file, bytes).unwrap();
    let f = file.to_str().unwrap();
    let (ok, report) = tool("qpdf", &["--check", f]);
    assert!(ok, "qpdf --check failed on {name}: {report}");
    let (ok, text) = tool("pdftotext", &["-layout", f, "-"]);
    assert!(ok, "pdftotext failed on {name}");
    text.split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

fn render(forms: &[Form]) -> Vec<u8> {
    pdf::forms(forms, Paper::Letter, &mut |_, _| {}).unwrap()
}

#[test]
fn every_document_of_every_procedure_prints_and_verifies() {
    let s = server();
    // One device drives every path, head's signatures (P2) included: only a device
    // enrolled as jefe may seal those (tested on its own below), so this one is.
    let mut ana = s.device("Tablet 07", "Ana Karen Hernández López", Role::Jefe, "RT");
    let out = tempfile::tempdir().unwrap();
    let mut kinds_seen = std::collections::BTreeSet::new();
    let mut jobs = Vec::new();
    for id in ["P1", "P2", "P3", "P4", "P5", "P6", "P7"] {
        for path in all_paths(id) {
            let job = new_job(&mut ana.store, id);
            ana.store.add_equipment(&job, &tag::format(7)).ok();
            let steps: Vec<(&str, Option<&str>)> = path.iter().map(|(s, a)| (s.as_str(), a.as_deref())).collect();
            drive(&mut ana.store, &job, &steps).unwrap();
            jobs.push(job);
        }
    }
    // The keys of enrolled devices arrive with a sync.
    let sum = ana.sync().unwrap();
    assert!(sum.keys >= 1, "{sum:?}");
    for job in &jobs {
        let v = ana.store.view(job).unwrap().expediente;
        let forms = ana.store.issued_forms(job).unwrap();
        let proc = procedure::latest(&v.procedure_id).unwrap();
        if ana.store.view(job).unwrap().status.state == "terminado" {
            // A finished job lists no document of a branch it never took as pending.
            let listed = ana.store.forms(job).unwrap();
            assert!(
                listed.iter().all(|f| f.issued),
                "{} {}: {listed:?}",
                v.procedure_id,
                v.folio
            );
        }
        let expected: std::collections::BTreeSet<String> = v.documents.iter().map(|d| d.kind.clone()).collect();
        let got: std::collections::BTreeSet<String> = forms.iter().map(|f| f.kind.slug()).collect();
        assert_eq!(got, expected, "{} {}", v.procedure_id, v.folio);
        for f in &forms {
            kinds_seen.insert(f.kind.slug());
            let pages = read_pdf(
                out.path(),
                &format!("{}-{}.pdf", v.folio, f.kind.slug()),
                &render(std::slice::from_ref(f)),
            );
            let (originals, copies): (Vec<&String>, Vec<&String>) = pages.iter().partition(|p| p.contains("ORIGINAL"));
            if forms::wording::original_only(f.kind) {
                assert!(
                    !originals.is_empty() && copies.is_empty(),
                    "{}: made in original only, filed",
                    f.kind.slug()
                );
            } else {
                assert!(
                    !originals.is_empty() && !copies.is_empty(),
                    "{}: ORIGINAL and COPIA pages",
                    f.kind.slug()
                );
            }
            assert!(copies.iter().all(|p| p.contains("COPIA")));
            for page in &pages {
                for needle in [
                    v.folio.as_str(),
                    "SERVICIOS DE SALUD DE VERACRUZ",
                    "Dirección Administrativa",
                    "Departamento de Tecnologías de la Información",
                    &f.short_code,
                    "Página ",
                ] {
                    assert!(page.contains(needle), "{} lacks {needle:?}:\n{page}", f.kind.slug());
                }
            }
            let all = pages.join("\n");
            for needle in [
                f.kind.title().to_uppercase().as_str(),
                "Urgencias",
                "Hospital Regional de Xalapa",
                "Ana Karen Hernández López",
                "Elaboró",
            ] {
                assert!(all.contains(needle), "{} lacks {needle:?}:\n{all}", f.kind.slug());
            }
            // Every signature on the document shows with its signer and role; the acuse
            // goes on the page the department keeps.
            for sig in forms::signatures_for(&v, proc, f.kind) {
                assert!(all.contains(&sig.name), "{}: signer {}", f.kind.slug(), sig.name);
                let label = forms::wording::role_label(&sig.role);
                assert!(all.contains(label), "{}: role {label}", f.kind.slug());
            }
            // The acuse de recibido goes on the page the department keeps, and only on a
            // paper the manual has acknowledged (the RF01 and the Reporte de cierre have none).
            let kept = if forms::wording::dti_keeps_original(f.kind) {
                &originals
            } else {
                &copies
            };
            let acuse = |p: &&String| p.contains("Acuse de recibido");
            if proc.roles_for_document(f.kind).contains(&"acuse") {
                assert!(kept.iter().any(acuse), "{}", f.kind.slug());
            } else {
                assert!(!pages.iter().any(|p| acuse(&p)), "{}: no blank acuse", f.kind.slug());
            }
        }
        let verdict = ana.store.verify_expediente(job).unwrap();
        if v.signatures.is_empty() {
            assert_eq!(verdict.status, Status::Invalid, "nothing signed, nothing valid");
        } else {
            assert_eq!(
                verdict.status,
                Status::Valid,
                "{} {}: {}",
                v.procedure_id,
                v.folio,
                verdict.reason
            );
        }
    }
    let all: std::collections::BTreeSet<String> = forms::ALL_KINDS.iter().map(|k| k.slug()).collect();
    assert_eq!(kinds_seen, all, "every document kind was printed");
}

#[test]
fn a_paper_whose_expediente_is_not_here_says_so_in_spanish() {
    let (_d, mut ana) = temp_store("Tablet 07");
    let (_e, other) = temp_store("Tablet 08");
    let job = signed_justificacion(&mut ana);
    let e = other.verify_printed(&code_of(&ana, &job)).unwrap_err();
    assert_eq!(e.code().as_str(), "not_found");
    let said = e.render(brigada_core::messages::Locale::Es);
    assert!(said.contains("no está en este dispositivo: sincroniza"), "{said}");
    assert!(!said.contains("try again"), "{said}");
}

#[test]
fn the_formato_de_servicio_a_equipo_goes_back_in_original_with_the_requesters_data() {
    let (_d, mut store) = temp_store("Tablet 21");
    let job = new_job(&mut store, "P3");
    store.add_equipment(&job, &tag::format(7)).unwrap();
    let set = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    store
        .set_fields(
            &job,
            &[
                set("solicitante", "Lic. Mario  Cruz Hernández"),
                set("solicitante_contacto", "Ext. 2231"),
            ],
        )
        .unwrap();
    drive(
        &mut store,
        &job,
        &[("1", None), ("2", Some("no")), ("3", None), ("4", None), ("5", None)],
    )
    .unwrap();
    let form = store.form(&job, DocumentKind::FormatoServicioEquipo, false).unwrap();
    let out = tempfile::tempdir().unwrap();
    let pages = read_pdf(out.path(), "p3.pdf", &render(std::slice::from_ref(&form)));
    let original = pages.iter().find(|p| p.contains("ORIGINAL")).unwrap();
    let copy = pages.iter().find(|p| p.contains("COPIA")).unwrap();
    // Manual line 5427: the original goes back with the equipment, the department files the copy.
    assert!(original.contains("Para el área solicitante"), "{original}");
    assert!(copy.contains("Para el Expediente del Departamento"), "{copy}");
    for page in [original, copy] {
        assert!(page.contains("Lic. Mario Cruz Hernández"), "the requester: {page}");
        assert!(page.contains("Ext. 2231"), "{page}");
    }
}

/// A P1 job whose Justificación técnica (4A) was signed by the acuse, by `store`.
fn signed_justificacion(store: &mut Store) -> String {
    let job = new_job(store, "P1");
    drive(store, &job, P1_TO_JUSTIFICACION).unwrap();
    job
}

fn code_of(store: &Store, job: &str) -> String {
    store.form(job, DocumentKind::JustificacionTecnica, false).unwrap().code
}

/// Rewrite an expediente the way a malicious or broken device could: a direct Automerge
/// change, merged like any synced edit.
fn tamper(store: &mut Store, job: &str, f: impl FnOnce(&mut Expediente)) {
    let (id, bytes) = store.document_bytes(job).unwrap();
    let mut d = Automerge::load(&bytes).unwrap();
    let mut exp: Expediente = doc::read(&id, &d).unwrap();
    f(&mut exp);
    let author = Author {
        person: "Intruso".into(),
        device_code: "X99".into(),
        actor: automerge::ActorId::random(),
    };
    doc::write(&mut d, &exp, &author, "editar", 1).unwrap();
    store.merge_document(&d.save()).unwrap();
}

#[test]
fn an_untouched_signed_document_verifies_and_edits_after_signing_show() {
    let s = server();
    let mut ana = s.device("Tablet 07", "Ana Karen Hernández López", Role::Tecnico, "RT");
    let job = signed_justificacion(&mut ana.store);
    ana.sync().unwrap();
    let printed = code_of(&ana.store, &job);
    let v = ana.store.verify_printed(&printed).unwrap();
    assert_eq!(v.status, Status::Valid, "{}", v.reason);
    assert_eq!(v.signatures.len(), 1);
    assert!(v.signatures[0].key_owner.as_deref().unwrap().contains("Ana Karen"));

    // The job goes on (later steps do not touch this paper): still valid.
    drive(&mut ana.store, &job, &[("4A.1", None), ("5", Some("no"))]).unwrap();
    assert_eq!(ana.store.verify_printed(&printed).unwrap().status, Status::Valid);

    // The material list of the signed justificación is edited afterwards.
    ana.store
        .add_material(&job, "Jack RJ45 cat 6", 4.0, "pza", None)
        .unwrap();
    let v = ana.store.verify_expediente(&job).unwrap();
    assert_eq!(v.status, Status::ChangedAfterSigning, "{}", v.reason);
    let v = ana.store.verify_printed(&printed).unwrap();
    assert_eq!(v.status, Status::ChangedAfterSigning, "{}", v.reason);
    // The PDF still shows the signed version, and says so.
    let f = ana.store.form(&job, DocumentKind::JustificacionTecnica, false).unwrap();
    assert_eq!(f.code, printed, "the signed version is what prints");
    let out = tempfile::tempdir().unwrap();
    let text = read_pdf(out.path(), "signed.pdf", &render(&[f])).join("\n");
    assert!(text.contains("cambió después de la firma"), "{text}");
    assert!(
        text.contains("Cable UTP cat 6") && !text.contains("Jack RJ45"),
        "{text}"
    );
    // The current content prints only as an unsigned draft, once, marked as such.
    let draft = ana.store.form(&job, DocumentKind::JustificacionTecnica, true).unwrap();
    let pages = read_pdf(out.path(), "draft.pdf", &render(std::slice::from_ref(&draft)));
    assert_eq!(pages.len(), 1);
    assert!(pages[0].contains("BORRADOR") && pages[0].contains("Jack RJ45") && !pages[0].contains("COPIA"));
    assert!(!pages[0].contains("Dra. Laura"), "a draft carries no signatures");
    let v = ana.store.verify_printed(&draft.code).unwrap();
    assert_eq!(v.status, Status::Invalid);
    assert!(v.reason.contains("borrador"), "{}", v.reason);

    // A paper whose code does not match any version (altered, or invented).
    let mut fake = printed.clone();
    fake.replace_range(fake.len() - 4.., "0000");
    let v = ana.store.verify_printed(&fake).unwrap();
    assert_eq!(v.status, Status::Invalid);
    assert!(v.reason.contains("no corresponde"), "{}", v.reason);
}

#[test]
fn a_swapped_signature_image_is_detected() {
    let s = server();
    let mut ana = s.device("Tablet 07", "Ana Karen Hernández López", Role::Tecnico, "RT");
    let job = signed_justificacion(&mut ana.store);
    ana.sync().unwrap();
    let printed = code_of(&ana.store, &job);

    // Swapped in the record: another image's hash.
    let other = ana.store.attach(&job, &small_png(), "otra", None).unwrap();
    tamper(&mut ana.store, &job, |e| e.signatures[0].image_blob = other.clone());
    let v = ana.store.verify_expediente(&job).unwrap();
    assert_eq!(v.status, Status::Invalid);
    assert!(v.reason.contains("el sello no corresponde"), "{}", v.reason);
    assert_eq!(ana.store.verify_printed(&printed).unwrap().status, Status::Invalid);

    // Swapped in storage: the strokes' bytes replaced under the same hash.
    let job2 = signed_justificacion(&mut ana.store);
    let sig = ana.store.view(&job2).unwrap().expediente.signatures[0].clone();
    ana.store
        .conn()
        .execute(
            "UPDATE blobs SET data = ?1 WHERE hash = ?2",
            (&br#"{"strokes": [[[0,0],[99,99]]]}"#[..], sig.strokes_blob.as_str()),
        )
        .unwrap();
    let v = ana.store.verify_expediente(&job2).unwrap();
    assert_eq!(v.status, Status::Invalid);
    assert!(v.reason.contains("alter"), "{}", v.reason);
}

/// An expediente and its signatures' pictures taken from one store into another, as an
/// export carries them.
fn carry(from: &Store, to: &mut Store, job: &str) {
    to.merge_document(&from.document_bytes(job).unwrap().1).unwrap();
    for sig in from.view(job).unwrap().expediente.signatures {
        for h in [&sig.strokes_blob, &sig.image_blob] {
            to.put_blob(&from.blob(h).unwrap(), "application/octet-stream").unwrap();
        }
    }
}

#[test]
fn a_revoked_device_with_its_clock_set_back_cannot_sign_valid_papers() {
    let s = server();
    let mut office = s.device("Oficina 01", "Lic. Rosa Aguilar", Role::Oficina, "");
    let mut pedro = s.device("Tablet 12", "Pedro Ramírez", Role::Tecnico, "RT");
    // Delivered while enrolled: the server witnessed it.
    let delivered = signed_justificacion(&mut pedro.store);
    pedro.sync().unwrap();
    // The tablet is stolen and revoked in two days' time; whoever has it signs with a clock
    // that reads today, before the revocation, and slips the export into the office.
    let revoked_at = brigada_core::time::now_ms() + 2 * 24 * 3600 * 1000;
    assert!(s.running.storage.revoke(&pedro.id, revoked_at).unwrap());
    let backdated = signed_justificacion(&mut pedro.store);
    assert!(pedro.sync().is_err(), "a revoked device cannot sync");
    carry(&pedro.store, &mut office.store, &backdated);
    office.sync().unwrap();

    let v = office.store.verify_expediente(&delivered).unwrap();
    assert_eq!(v.status, Status::Valid, "received before the revocation: {}", v.reason);
    assert!(v.signatures[0].witnessed_at.is_some(), "the server's receipt is shown");

    let v = office.store.verify_expediente(&backdated).unwrap();
    assert_eq!(v.status, Status::Review, "{}", v.reason);
    assert!(v.reason.contains("debe revisarse"), "{}", v.reason);
    assert!(
        v.reason.contains("el servidor no ha recibido esta firma"),
        "{}",
        v.reason
    );
    assert!(v.reason.contains("Tablet 12"), "{}", v.reason);
    assert!(!v.signatures[0].valid && v.signatures[0].review);
    let printed = office
        .store
        .verify_printed(&code_of(&office.store, &backdated))
        .unwrap();
    assert_eq!(printed.status, Status::Review, "the paper too: {}", printed.reason);

    // A seal that fails a check is invalid, never merely to review.
    tamper(&mut office.store, &backdated, |e| {
        e.signatures[0].name = "Otra Persona".into()
    });
    let v = office.store.verify_expediente(&backdated).unwrap();
    assert_eq!(v.status, Status::Invalid, "{}", v.reason);
}

#[test]
fn seals_by_keys_not_enrolled_or_revoked_before_signing_are_rejected() {
    let s = server();
    let mut office = s.device("Oficina 01", "Lic. Rosa Aguilar", Role::Oficina, "");
    let mut pedro = s.device("Tablet 12", "Pedro Ramírez", Role::Tecnico, "RT");

    // A device that never enrolled signs; its work reaches the office by export/import.
    let (_d, mut stranger) = temp_store("Tablet 66");
    let job = signed_justificacion(&mut stranger);
    carry(&stranger, &mut office.store, &job);
    office.sync().unwrap();
    let v = office.store.verify_expediente(&job).unwrap();
    assert_eq!(v.status, Status::Invalid);
    assert!(v.reason.contains("no está inscrito"), "{}", v.reason);

    // Pedro signs while enrolled, syncs; then his tablet is revoked and, offline, it signs
    // again: the first signature stays valid, the second is rejected.
    let before = signed_justificacion(&mut pedro.store);
    pedro.sync().unwrap();
    let before_code = code_of(&pedro.store, &before);
    let now = brigada_core::time::now_ms();
    assert!(s.running.storage.revoke(&pedro.id, now).unwrap());
    std::thread::sleep(std::time::Duration::from_millis(5));
    let after = signed_justificacion(&mut pedro.store);
    assert!(pedro.sync().is_err(), "a revoked device cannot sync");
    carry(&pedro.store, &mut office.store, &after);
    office.sync().unwrap();
    let v = office.store.verify_printed(&before_code).unwrap();
    assert_eq!(v.status, Status::Valid, "signed before the revocation: {}", v.reason);
    let v = office.store.verify_expediente(&after).unwrap();
    assert_eq!(v.status, Status::Invalid);
    assert!(v.reason.contains("revocó"), "{}", v.reason);
}

#[test]
fn only_the_head_of_departments_own_device_seals_the_heads_signature() {
    let s = server();
    let mut ana = s.device("Tablet 07", "Ana Karen Hernández López", Role::Tecnico, "RT");
    let mut jefe = s.device("Oficina 02", "Ing. Roberto Salas Pérez", Role::Jefe, "");
    let mut office = s.device("Oficina 01", "Lic. Rosa Aguilar", Role::Oficina, "");
    // A técnico's tablet seals a "jefe" signature on its own job: the server refuses it
    // (held on the tablet with why), and it is not valid even where it was made.
    let forged = signed_justificacion(&mut ana.store);
    ana.store
        .sign(&forged, "jefe", "Ing. Roberto Salas Pérez", strokes(), Some("4A"))
        .unwrap();
    let sum = ana.sync().unwrap();
    let held = sum.held.iter().find(|h| h.id == forged).expect("refused by the server");
    assert!(held.reason.contains("Jefatura de Departamento"), "{}", held.reason);
    office.sync().unwrap();
    assert!(
        office.store.verify_expediente(&forged).is_err(),
        "never reached the office"
    );
    let v = ana.store.verify_expediente(&forged).unwrap();
    assert_eq!(v.status, Status::Invalid);
    assert!(v.reason.contains("no está inscrito con ese cargo"), "{}", v.reason);
    assert!(
        v.reason.contains("Jefe(a) del Departamento"),
        "the role in words: {}",
        v.reason
    );
    // The head countersigns another job on their own device: valid.
    let job = signed_justificacion(&mut ana.store);
    ana.sync().unwrap();
    jefe.sync().unwrap();
    jefe.store
        .sign(&job, "jefe", "Ing. Roberto Salas Pérez", strokes(), Some("4A"))
        .unwrap();
    jefe.sync().unwrap();
    office.sync().unwrap();
    let v = office.store.verify_expediente(&job).unwrap();
    assert_eq!(v.status, Status::Valid, "{}", v.reason);
}

#[test]
fn a_decommission_puts_the_requesters_conformity_and_acknowledgement_each_on_its_own_paper() {
    let (_d, mut store) = temp_store("Tablet 06");
    let out = tempfile::tempdir().unwrap();
    let job = new_job(&mut store, "P4");
    store.add_equipment(&job, &tag::format(3)).unwrap();
    let path = [("1", None), ("2", Some("no")), ("2A", None), ("6", None)];
    drive(&mut store, &job, &path).unwrap();
    // At step 7 the requester signs the Formato (conformity) and, another person here so
    // the papers tell them apart, the Dictamen's copy (receipt of the original).
    store
        .sign(&job, "conformidad", "Dra. Laura Méndez Ruiz", strokes(), Some("7"))
        .unwrap();
    store
        .sign(&job, "acuse", "Lic. Pedro Ruiz Soto", strokes(), Some("7"))
        .unwrap();
    store.record_step(&job, "7", None, None).unwrap();
    let formato = store.form(&job, DocumentKind::FormatoServicioEquipo, false).unwrap();
    let dictamen = store.form(&job, DocumentKind::DictamenTecnico, false).unwrap();
    let roles = |f: &Form| f.signers.iter().map(|s| s.role.clone()).collect::<Vec<_>>();
    assert_eq!(roles(&formato), ["conformidad"]);
    assert_eq!(roles(&dictamen), ["acuse"]);
    assert!(formato.missing_roles.is_empty() && dictamen.missing_roles.is_empty());
    let text = |f: &Form| {
        read_pdf(
            out.path(),
            &format!("{}.pdf", f.kind.slug()),
            &render(std::slice::from_ref(f)),
        )
        .join("\n")
    };
    let (formato, dictamen) = (text(&formato), text(&dictamen));
    assert!(
        formato.contains("Laura Méndez Ruiz") && !formato.contains("Pedro Ruiz Soto"),
        "{formato}"
    );
    assert!(
        dictamen.contains("Pedro Ruiz Soto") && !dictamen.contains("Laura Méndez Ruiz"),
        "{dictamen}"
    );
}

#[test]
fn a_paper_is_dated_where_its_unidad_is_and_names_the_equipment_with_its_inventory_number_and_place() {
    let (_d, mut store) = temp_store("Tablet 06");
    let out = tempfile::tempdir().unwrap();
    let t = tag::format(44);
    let mut asset = asset_in(&t, "access-point", "Hospital General de Tuxpan", "Medicina Interna");
    asset.brand = "Ubiquiti".into();
    asset.model = "UniFi U6 Lite".into();
    asset.inventory_number = "SESVER-INV-008812".into();
    asset.location.piso = "1".into();
    store.add_asset(asset).unwrap();
    let job = store
        .create_expediente(brigada_core::expedientes::NewExpediente {
            procedure: "P4".into(),
            area: "Medicina Interna".into(),
            unidad: Some("hospital general de tuxpan".into()),
            asset: Some(t.clone()),
            ..Default::default()
        })
        .unwrap()
        .id;
    let form = store.form(&job, DocumentKind::DictamenTecnico, true).unwrap();
    assert_eq!(form.lugar, "Tuxpan");
    let text = read_pdf(out.path(), "dictamen.pdf", &render(&[form])).join("\n");
    for needle in [
        "Tuxpan, Ver., a ",
        "Hospital General de Tuxpan",
        "Punto de acceso Ubiquiti",
        "SESVER-INV-008812",
        "Medicina Interna, piso 1",
    ] {
        assert!(text.contains(needle), "the paper lacks {needle:?}:\n{text}");
    }
    assert!(!text.contains("access-point") && !text.contains("Xalapa-Enr"), "{text}");
    assert!(
        !text.contains("hospital general"),
        "the catalog's spelling of the unidad: {text}"
    );
    // A unidad the catalog does not know is dated at the department's seat.
    let elsewhere = new_job(&mut store, "P4");
    let form = store.form(&elsewhere, DocumentKind::DictamenTecnico, true).unwrap();
    assert_eq!(form.lugar, forms::wording::SEDE);
}
