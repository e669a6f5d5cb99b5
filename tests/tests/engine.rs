//! The procedure engine against every branch of P1–P7, driven through the real store.

use brigada_core::messages::Locale::{En, Es};
use brigada_core::procedure::{self, engine::EscalationState};
use brigada_core::store::index::Filter;
use brigada_core::{Error, tag};
use brigada_scenarios::*;

#[test]
fn every_branch_of_every_procedure_reaches_its_end() {
    let (_d, mut store) = temp_store("Tablet 01");
    let mut total = 0;
    for id in ["P1", "P2", "P3", "P4", "P5", "P6", "P7"] {
        let paths = all_paths(id);
        // Every decision answer appears on some path.
        for (step, answers) in decisions(id) {
            for a in answers {
                assert!(
                    paths
                        .iter()
                        .any(|p| p.iter().any(|(s, x)| *s == step && x.as_deref() == Some(&a))),
                    "{id}: answer {a} of step {step} is on no path"
                );
            }
        }
        for path in &paths {
            let job = new_job(&mut store, id);
            let steps: Vec<(&str, Option<&str>)> = path.iter().map(|(s, a)| (s.as_str(), a.as_deref())).collect();
            let state = drive(&mut store, &job, &steps).unwrap_or_else(|e| panic!("{id} {path:?}: {e}"));
            assert_eq!(state, "terminado", "{id} {path:?}");
            // Every document a recorded step produces is on record.
            let v = store.view(&job).unwrap();
            let p = procedure::latest(id).unwrap();
            for (s, _) in path {
                for kind in &p.step(s).unwrap().produces {
                    assert!(
                        v.expediente
                            .documents
                            .iter()
                            .any(|d| d.kind == kind.slug() && d.step == *s),
                        "{id}: {} of step {s} not recorded",
                        kind.title()
                    );
                }
            }
            total += 1;
        }
    }
    assert!(total >= 20, "only {total} paths were exercised");
}

#[test]
fn no_installing_before_viability_is_decided() {
    let (_d, mut store) = temp_store("Tablet 02");
    let job = new_job(&mut store, "P1");
    drive(&mut store, &job, &[("1", None), ("2", None)]).unwrap();
    let e = store.record_step(&job, "5", None, None).unwrap_err();
    assert!(
        matches!(&e, Error::Record(r) if matches!(**r, brigada_core::RecordError::IllegalTransition { .. })),
        "{e}"
    );
    assert!(e.render(En).contains("current step is 3"), "{e}");
    // The decision needs its evidence and a valid answer.
    let e = store.record_step(&job, "3", Some("si"), None).unwrap_err();
    assert!(
        matches!(&e, Error::Record(r) if matches!(**r, brigada_core::RecordError::MissingEvidence { .. })),
        "{e}"
    );
    // By its label, never its id.
    assert!(e.render(En).contains("«Trayectoria"), "{e}");
    assert!(!e.render(En).contains("trayectoria"), "{e}");
    satisfy(&mut store, &job, "3").unwrap();
    let e = store.record_step(&job, "3", Some("quizas"), None).unwrap_err();
    assert!(e.render(En).contains("«Sí"), "{e}");
    let e = store.record_step(&job, "3", None, None).unwrap_err();
    assert_eq!(e.code().as_str(), "invalid_answer");
    let e = store.record_step(&job, "2", None, None).unwrap_err();
    assert!(e.render(En).contains("already recorded"), "{e}");
    let e = store.record_step(&job, "99", None, None).unwrap_err();
    assert_eq!(e.code().as_str(), "unknown_step");
    // Nothing of the refused attempts was stored.
    assert_eq!(store.view(&job).unwrap().expediente.log.len(), 2);
}

#[test]
fn the_engine_lists_answers_missing_evidence_and_documents() {
    let (_d, mut store) = temp_store("Tablet 03");
    let job = new_job(&mut store, "P1");
    drive(&mut store, &job, &[("1", None), ("2", None), ("3", Some("no"))]).unwrap();
    let st = store.view(&job).unwrap().status;
    assert_eq!(st.current.as_deref(), Some("3A"));
    // What the step needs, worded for the técnico (Spanish by default), no internal ids.
    assert_eq!(
        st.missing,
        vec![
            "el dato «Motivos por los que la instalación no es viable»".to_string(),
            "la firma de acuse de recibido".to_string()
        ]
    );
    assert_eq!(
        st.documents_to_produce[0].title(),
        "Justificación técnica de inviabilidad"
    );
}

#[test]
fn waits_show_their_reason_and_the_list_can_filter_them() {
    let (_d, mut store) = temp_store("Tablet 04");
    let job = new_job(&mut store, "P1");
    drive(&mut store, &job, P1_TO_JUSTIFICACION).unwrap();
    let st = store.view(&job).unwrap().status;
    assert_eq!(st.state, "en-espera");
    assert!(st.waiting.unwrap().reason.contains("Recursos Materiales"));
    let rows = store
        .list(&Filter {
            state: Some("en-espera".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].waiting_reason.as_deref().unwrap().contains("Material"));
}

#[test]
fn p6_escalations_count_from_the_recorded_report_time() {
    let (_d, mut store) = temp_store("Tablet 05");
    let job = new_job(&mut store, "P6");
    // Raised 3 days ago: the 24 h escalation is overdue.
    let raised = (chrono::Utc::now() - chrono::Duration::hours(72)).to_rfc3339();
    store
        .set_fields(
            &job,
            &[
                ("proveedor".into(), "telmex".into()),
                ("reporte_proveedor".into(), "TX-1".into()),
                ("reporte_levantado_en".into(), raised),
            ],
        )
        .unwrap();
    let st = store.view(&job).unwrap().status;
    assert_eq!(st.escalations[0].state, EscalationState::Overdue);
    assert_eq!(st.escalations[1].state, EscalationState::NotStarted);
    assert_eq!(store.overdue().unwrap().len(), 1, "listed by list --overdue");
    // The second e-mail was sent 10 h ago: 24 h done, 48 h pending from that time.
    let second = chrono::Utc::now() - chrono::Duration::hours(10);
    store
        .set_fields(&job, &[("segundo_correo_en".into(), second.to_rfc3339())])
        .unwrap();
    let st = store.view(&job).unwrap().status;
    assert_eq!(st.escalations[0].state, EscalationState::Done);
    assert_eq!(st.escalations[1].state, EscalationState::Pending);
    let due = st.escalations[1].due_at.unwrap();
    assert_eq!(due, (second + chrono::Duration::hours(48)).timestamp_millis());
    assert!(store.overdue().unwrap().is_empty());
    // Not solved: the temporary service is requested; escalations no longer apply.
    drive(
        &mut store,
        &job,
        &[("1", None), ("2", None), ("3", None), ("4", Some("no")), ("5", None)],
    )
    .unwrap();
    let st = store.view(&job).unwrap().status;
    assert!(st.escalations.iter().all(|e| e.state == EscalationState::Stopped));
    assert_eq!(st.state, "en-espera");
}

#[test]
fn a_job_opened_from_a_registered_tag_takes_its_unidad_and_area() {
    let (_d, mut store) = temp_store("Tablet 06");
    let t = tag::format(2);
    store
        .add_asset(asset_in(&t, "computadora", "Hospital Regional de Xalapa", "Admisión"))
        .unwrap();
    let new = |area: &str, unidad: Option<&str>| brigada_core::expedientes::NewExpediente {
        procedure: "P3".into(),
        area: area.into(),
        unidad: unidad.map(str::to_owned),
        request: None,
        asset: Some(t.clone()),
        assignees: vec![],
    };
    let c = store.create_expediente(new("", None)).unwrap();
    let e = store.view(&c.id).unwrap().expediente;
    assert_eq!(
        (e.unidad.as_str(), e.area.as_str()),
        ("Hospital Regional de Xalapa", "Admisión")
    );
    assert_eq!(e.equipment, vec![t.clone()]);
    // What the técnico typed wins.
    let c = store.create_expediente(new("Urgencias", None)).unwrap();
    assert_eq!(store.view(&c.id).unwrap().expediente.area, "Urgencias");
    // No tag and no área: still a clear error.
    let mut bare = new("", None);
    bare.asset = None;
    assert!(store.create_expediente(bare).is_err());
}

#[test]
fn p4_decommission_marks_the_asset_and_fills_the_components_inventory() {
    let (_d, mut store) = temp_store("Tablet 06");
    let t = tag::format(1);
    store
        .add_asset(brigada_core::assets::NewAsset {
            tag: t.clone(),
            kind: "computadora".into(),
            brand: "HP".into(),
            model: "ProDesk 400".into(),
            ..Default::default()
        })
        .unwrap();
    let job = new_job(&mut store, "P4");
    store.add_equipment(&job, &t).unwrap();
    drive(
        &mut store,
        &job,
        &[("1", None), ("2", Some("si")), ("3", None), ("4", None)],
    )
    .unwrap();
    let comps = store.components(true).unwrap();
    assert_eq!(comps.len(), 1);
    assert_eq!(comps[0].from_asset.as_deref(), Some(t.as_str()));
    // The inventory says where each part came from in words a person reads.
    let folio = store.view(&job).unwrap().expediente.folio;
    assert_eq!(comps[0].from_folio, folio);
    assert_eq!(comps[0].from_asset_kind.as_deref(), Some("computadora"));
    assert_eq!(comps[0].from_asset_model.as_deref(), Some("HP ProDesk 400"));
    assert!(store.asset_view(&t).unwrap().baja.is_none(), "not yet decommissioned");
    store
        .set_fields(&job, &[("motivo_baja".into(), "Sobrecosto".into())])
        .unwrap();
    drive(&mut store, &job, &[("5", None), ("6", None), ("7", None)]).unwrap();
    let v = store.asset_view(&t).unwrap();
    assert_eq!(v.asset.status, "baja");
    assert_eq!(v.history.len(), 1);
    assert_eq!(v.history[0].id, job);
    // Its record shows when, why and by which expediente, and that the Dictamen exists.
    let baja = v.baja.expect("the record shows the decommission");
    assert_eq!(
        (baja.expediente_id.as_str(), baja.folio.as_str()),
        (job.as_str(), folio.as_str())
    );
    assert_eq!(baja.reason, "Sobrecosto en su mantenimiento o reparación");
    assert!(baja.dictamen);
    // The register's own history: registered, then sent to baja by the P4's last step,
    // newest first, each by a proven person and device.
    assert_eq!(v.changes.len(), 2, "{:?}", v.changes);
    assert!(v.changes[0].action.contains("status=baja"), "{:?}", v.changes[0]);
    assert!(v.changes.iter().all(|c| c.proven && c.device == "Tablet 06"));
    let seven = store
        .view(&job)
        .unwrap()
        .expediente
        .log
        .iter()
        .find(|l| l.step == "7")
        .unwrap()
        .stamp
        .at;
    assert_eq!(baja.at, seven);
    // A P3 repair takes the part from the inventory.
    let repair = new_job(&mut store, "P3");
    store
        .add_material(&repair, "Memoria RAM", 1.0, "pza", Some(&comps[0].id))
        .unwrap();
    assert!(store.components(true).unwrap().is_empty());
    let used = &store.components(false).unwrap()[0];
    assert_eq!(used.consumed_by.as_deref(), Some(repair.as_str()));
    assert_eq!(used.consumed_folio, Some(store.view(&repair).unwrap().expediente.folio));
    let e = store
        .add_material(&repair, "Memoria RAM", 1.0, "pza", Some(&comps[0].id))
        .unwrap_err();
    assert!(e.render(En).contains("not available"), "{e}");
}

#[test]
fn p5_that_needs_the_equipment_moved_continues_as_p3() {
    let (_d, mut store) = temp_store("Tablet 07");
    let job = new_job(&mut store, "P5");
    drive(
        &mut store,
        &job,
        &[("1", None), ("2", Some("si")), ("3", Some("si")), ("4", None)],
    )
    .unwrap();
    let st = store.view(&job).unwrap().status;
    assert_eq!(st.state, "terminado");
    assert_eq!(st.continues.as_deref(), Some("P3"));
}

#[test]
fn a_visit_that_turns_into_a_repair_opens_the_p3_with_what_it_knew_and_each_links_the_other() {
    let (_d, mut store) = temp_store("Tablet 07");
    let visit = new_job(&mut store, "P5");
    store
        .set_fields(&visit, &[("falla".into(), "No enciende; huele a quemado".into())])
        .unwrap();
    store.add_equipment(&visit, &tag::format(9)).unwrap();
    // Not finished yet: nothing to continue.
    let e = store.continue_in(&visit).unwrap_err();
    assert_eq!(e.code().as_str(), "invalid_input");
    assert!(
        e.render(Es).contains("no termina en otro procedimiento"),
        "{}",
        e.render(Es)
    );
    drive(
        &mut store,
        &visit,
        &[("1", None), ("2", Some("si")), ("3", Some("si")), ("4", None)],
    )
    .unwrap();
    let repair = store.continue_in(&visit).unwrap();
    let v = store.view(&repair.id).unwrap();
    let e = &v.expediente;
    let before = store.view(&visit).unwrap();
    assert_eq!(
        (e.procedure_id.as_str(), e.area.as_str()),
        ("P3", before.expediente.area.as_str())
    );
    assert_eq!(e.unidad, before.expediente.unidad);
    assert_eq!(e.solicitud, before.expediente.solicitud);
    assert_eq!(e.equipment, vec![tag::format(9)]);
    assert_eq!(e.field("falla").as_deref(), Some("No enciende; huele a quemado"));
    assert!(e.field("solucion").is_none(), "only the fields P3 declares");
    // Each names the other, by folio.
    assert_eq!(
        v.origin.as_ref().map(|o| o.folio.clone()),
        Some(Some(before.expediente.folio.clone()))
    );
    assert_eq!(before.continued_in.len(), 1);
    assert_eq!(before.continued_in[0].id, repair.id);
    assert_eq!(before.continued_in[0].folio.as_deref(), Some(repair.folio.as_str()));
    // A second tap does not open a second repair.
    let again = store.continue_in(&visit).unwrap_err();
    assert!(again.render(Es).contains(&repair.folio), "{}", again.render(Es));
    assert_eq!(
        store
            .list(&Filter {
                procedure: Some("P3".into()),
                ..Default::default()
            })
            .unwrap()
            .len(),
        1
    );
    // The repair goes on from its first step.
    assert_eq!(v.status.current.as_deref(), Some("1"));
}

#[test]
fn search_folds_accents_and_case() {
    let (_d, mut store) = temp_store("Tablet 08");
    let job = new_job(&mut store, "P2");
    store.comment(&job, "Radio de la Cámara Hiperbárica sin señal").unwrap();
    for q in ["camara", "CÁMARA", "hiperbarica senal", "Urgen"] {
        let rows = store
            .list(&Filter {
                query: Some(q.into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(rows.len(), 1, "query {q:?}");
    }
    let rows = store
        .list(&Filter {
            query: Some("quirofano".into()),
            ..Default::default()
        })
        .unwrap();
    assert!(rows.is_empty());
    // Punctuation that means something to FTS5 is harmless.
    let rows = store
        .list(&Filter {
            query: Some("\"cámara* hiperbárica) (".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(rows.len(), 1);
}
