//! The office's figures from a real store: the facts beside the index follow every write
//! (and a migration rebuilds them), and `Store::report` counts what the técnicos did.

use brigada_core::messages::Locale;
use brigada_core::report::figure::Outcome;
use brigada_core::report::tables::Cell;
use brigada_core::report::{Figure, Page, Period, csv, today, xlsx};
use brigada_core::time;
use brigada_scenarios::*;
use chrono::Duration;

/// The jobs of a week: two P6 (one escalation late, one never done), a P4 that sends
/// equipment to baja and gives a part, a P3 that takes it, a P1 that uses cable.
struct Week {
    p6: String,
    late: String,
    p4: String,
    p3: String,
    p1: String,
}

fn a_weeks_work(store: &mut brigada_core::Store) -> Week {
    let typed = |ms: i64| time::written(time::from_ms(ms));
    let now = time::now_ms();
    // A line failure reported 30 h ago; the second e-mail went out 4 h late; solved.
    let p6 = new_job(store, "P6");
    store
        .set_fields(
            &p6,
            &[
                ("reporte_levantado_en".into(), typed(now - 30 * 3_600_000)),
                ("segundo_correo_en".into(), typed(now - 2 * 3_600_000)),
            ],
        )
        .unwrap();
    drive(
        store,
        &p6,
        &[("1", None), ("2", None), ("3", None), ("4", Some("si")), ("4A", None)],
    )
    .unwrap();
    // Another, where nobody sent the second e-mail before it was solved: still a miss.
    let late = new_job(store, "P6");
    store
        .set_fields(&late, &[("reporte_levantado_en".into(), typed(now - 30 * 3_600_000))])
        .unwrap();
    drive(
        store,
        &late,
        &[("1", None), ("2", None), ("3", None), ("4", Some("si")), ("4A", None)],
    )
    .unwrap();
    // A decommission with one part for the inventory.
    let p4 = new_job(store, "P4");
    store.add_equipment(&p4, &brigada_core::tag::format(5)).unwrap();
    store.add_part(&p4, "Memoria RAM DDR3 4 GB", None).unwrap();
    let path = [
        ("1", None),
        ("2", Some("si")),
        ("3", None),
        ("4", None),
        ("5", None),
        ("6", None),
        ("7", None),
    ];
    drive(store, &p4, &path).unwrap();
    // A repair takes that part; an installation uses cable.
    let p3 = new_job(store, "P3");
    let part = store.components(true).unwrap()[0].id.clone();
    store
        .add_material(&p3, "Memoria RAM DDR3 4 GB", 1.0, "pza", Some(&part))
        .unwrap();
    let p1 = new_job(store, "P1");
    store.add_material(&p1, "Cable UTP", 20.0, "m", None).unwrap();

    Week { p6, late, p4, p3, p1 }
}

#[test]
fn a_weeks_work_in_the_store_adds_up() {
    let (_d, mut store) = temp_store("Oficina 01");
    a_weeks_work(&mut store);
    let week = Period::new(today() - Duration::days(7), today(), None).unwrap();
    let r = store.report(&week).unwrap();
    assert_eq!((r.opened, r.closed, r.open_at_end), (5, 3, 2));
    assert_eq!(r.weeks.iter().map(|w| w.opened).sum::<usize>(), 5);
    assert_eq!(r.weeks.iter().map(|w| w.closed).sum::<usize>(), 3);
    let closed: Vec<(&str, usize)> = r
        .time_to_close
        .iter()
        .map(|t| (t.procedure.as_str(), t.closed))
        .collect();
    assert_eq!(closed, [("P4", 1), ("P6", 2)]);
    assert_eq!((r.parts_in, r.parts_out, r.bajas), (1, 1, 1));
    let used: Vec<(&str, &str, f64)> = r
        .materials
        .iter()
        .map(|m| (m.item.as_str(), m.unit.as_str(), m.quantity))
        .collect();
    assert_eq!(used, [("Cable UTP", "m", 20.0), ("Memoria RAM DDR3 4 GB", "pza", 1.0)]);
    // Both due 6 h ago: one done 2 h ago, one never (the job closed after it fell due):
    // two misses; the 48 h moment is not due within the period.
    assert_eq!(r.escalations.len(), 1, "{:?}", r.escalations);
    assert_eq!(
        (
            r.escalations[0].escalation.as_str(),
            r.escalations[0].due,
            r.escalations[0].missed
        ),
        ("24h", 2, 2)
    );
    assert_eq!(r.workload.len(), 1);
    assert_eq!(
        (r.workload[0].person.as_str(), r.workload[0].open, r.workload[0].closed),
        ("", 2, 3)
    );
    // One sección only: the decommission and the repair are IT's, the rest RT's.
    let it = store
        .report(&Period::new(week.from, week.to, Some("it".into())).unwrap())
        .unwrap();
    assert_eq!(
        (it.opened, it.closed, it.bajas, it.parts_in, it.parts_out),
        (2, 1, 1, 1, 1)
    );
    assert_eq!(it.seccion.as_deref(), Some("IT"));
    let it_used: Vec<&str> = it.materials.iter().map(|m| m.item.as_str()).collect();
    assert_eq!(it_used, ["Memoria RAM DDR3 4 GB"], "the cable went to an RT job");
    // A month before: nothing.
    let before = Period::new(today() - Duration::days(60), today() - Duration::days(31), None).unwrap();
    let r = store.report(&before).unwrap();
    assert_eq!((r.opened, r.closed, r.open_at_end), (0, 0, 0));
    // Every edit rewrites a job's uses of material: the totals count each use once, however
    // often the job changed since (they are kept per day and taken out before a rewrite).
    let w = store.list(&Default::default()).unwrap();
    let p1 = w.iter().find(|r| r.procedure == "P1").unwrap().id.clone();
    store.comment(&p1, "Se tendió por plafón").unwrap();
    store.add_material(&p1, "Cable UTP", 5.5, "m", None).unwrap();
    store.comment(&p1, "Quedó probado").unwrap();
    let r = store.report(&week).unwrap();
    let used: Vec<(&str, f64)> = r.materials.iter().map(|m| (m.item.as_str(), m.quantity)).collect();
    assert_eq!(used, [("Cable UTP", 25.5), ("Memoria RAM DDR3 4 GB", 1.0)]);
    assert_eq!(r.parts_out, 1);
    store.reindex().unwrap();
    assert_eq!(
        store.report(&week).unwrap().materials,
        r.materials,
        "and after a rebuild"
    );
}

#[test]
fn each_figure_opens_its_expedientes_and_the_files_carry_the_same_numbers() {
    let (dir, mut store) = temp_store("Oficina 01");
    let w = a_weeks_work(&mut store);
    let week = Period::new(today() - Duration::days(7), today(), None).unwrap();
    let folio = |id: &str| store.view(id).unwrap().expediente.folio;
    let folios = |f: Figure| {
        let (total, rows) = store.report_jobs(&week, &f, time::now_ms(), Page::ALL).unwrap();
        assert_eq!(total as usize, rows.len(), "{f:?}");
        let mut v: Vec<String> = rows.into_iter().map(|r| r.folio).collect();
        v.sort();
        v
    };
    let sorted = |ids: &[&String]| {
        let mut v: Vec<String> = ids.iter().map(|id| folio(id)).collect();
        v.sort();
        v
    };
    // The list comes in pages, oldest first, each page what the whole list has there.
    let now = time::now_ms();
    let (total, all) = store.report_jobs(&week, &Figure::All, now, Page::ALL).unwrap();
    assert_eq!(total, 5);
    assert!(
        all.windows(2)
            .all(|p| (p[0].created_at, &p[0].folio) <= (p[1].created_at, &p[1].folio))
    );
    let mut paged = Vec::new();
    for offset in [0, 2, 4] {
        let (n, rows) = store
            .report_jobs(&week, &Figure::All, now, Page { offset, limit: 2 })
            .unwrap();
        assert_eq!(n, 5);
        assert_eq!(rows.len(), if offset == 4 { 1 } else { 2 });
        paged.extend(rows);
    }
    assert_eq!(paged, all);
    assert_eq!(folios(Figure::Closed), sorted(&[&w.p6, &w.late, &w.p4]));
    assert_eq!(folios(Figure::Open), sorted(&[&w.p3, &w.p1]));
    assert_eq!(folios(Figure::Bajas), sorted(&[&w.p4]));
    assert_eq!(folios(Figure::PartsIn), sorted(&[&w.p4]));
    assert_eq!(folios(Figure::PartsOut), sorted(&[&w.p3]));
    let missed = Figure::Escalation {
        escalation: "24h".into(),
        outcome: Outcome::Missed,
    };
    assert_eq!(folios(missed), sorted(&[&w.p6, &w.late]));
    let cable = Figure::Material {
        item: "Cable UTP".into(),
        unit: "m".into(),
    };
    assert_eq!(folios(cable), sorted(&[&w.p1]));

    // The spreadsheet, read back by a real reader: the same numbers, as numbers and dates.
    let (r, tables) = store.report_tables(&week, Locale::Es).unwrap();
    let file = dir.path().join("informe.xlsx");
    std::fs::write(&file, xlsx::workbook(&tables).unwrap()).unwrap();
    let book = read_xlsx(&file);
    let names: Vec<&str> = book
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Resumen",
            "Semanas",
            "Abiertos por estado",
            "Abiertos por antigüedad",
            "Tiempo para cerrar",
            "Carga por técnico",
            "Escalamientos P6",
            "Material",
            "Documentos",
            "Dispositivos",
            "Expedientes"
        ]
    );
    for sheet in book.as_array().unwrap() {
        assert_eq!(sheet["freeze"], "A2", "headers frozen in {}", sheet["name"]);
        assert!(
            sheet["filter"].as_str().is_some_and(|f| f.starts_with("A1:")),
            "{}",
            sheet["name"]
        );
        assert!(sheet["rows"][0].as_array().unwrap().iter().all(|c| c["bold"] == true));
    }
    let summary = &book[0]["rows"];
    let value = |label: &str| {
        summary
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row[0]["v"] == label)
            .map(|row| row[1].clone())
            .unwrap_or_else(|| panic!("no row {label}"))
    };
    assert_eq!(value("Abiertos en el periodo")["v"], r.opened);
    assert_eq!(value("Abiertos en el periodo")["t"], "int");
    assert_eq!(value("Cerrados en el periodo")["v"], r.closed);
    assert_eq!(value("Abiertos al final del periodo")["v"], r.open_at_end);
    assert_eq!(value("Equipos dados de baja")["v"], r.bajas);
    assert_eq!(value("Del")["t"], "datetime", "a real date");
    let escalations = &book[6]["rows"][1];
    assert_eq!(
        (escalations[1]["v"].as_u64(), escalations[3]["v"].as_u64()),
        (Some(2), Some(2))
    );
    let sheet = |name: &str| {
        book.as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("no sheet {name}"))
    };
    let jobs = sheet("Expedientes")["rows"].as_array().unwrap();
    assert_eq!(jobs.len(), 1 + 5, "a heading and the five expedientes");
    let mut listed: Vec<String> = jobs[1..]
        .iter()
        .map(|row| row[0]["v"].as_str().unwrap().to_owned())
        .collect();
    listed.sort();
    assert_eq!(listed, sorted(&[&w.p6, &w.late, &w.p4, &w.p3, &w.p1]));
    assert!(
        jobs[1..].iter().all(|row| row[7]["t"] == "datetime"),
        "opened as a date"
    );
    let closed_hours: Vec<&str> = jobs[1..].iter().map(|row| row[9]["t"].as_str().unwrap()).collect();
    assert_eq!(
        closed_hours.iter().filter(|t| **t == "float" || **t == "int").count(),
        3
    );

    // The CSV files: one per table, same numbers.
    let csv_dir = dir.path().join("csv");
    let files = csv::write_all(&tables, &csv_dir).unwrap();
    assert_eq!(files.len(), tables.len(), "a file per table");
    let resumen = std::fs::read_to_string(csv_dir.join("resumen.csv")).unwrap();
    assert!(
        resumen.contains(&format!("Cerrados en el periodo,{}", r.closed)),
        "{resumen}"
    );
    let expedientes = std::fs::read_to_string(csv_dir.join("expedientes.csv")).unwrap();
    assert_eq!(expedientes.lines().count(), 6);

    // The Informe mensual, read back from the PDF.
    let pdf = dir.path().join("informe.pdf");
    let bytes = brigada_core::pdf::informe::informe(&r, &tables, Locale::Es, time::now_ms()).unwrap();
    std::fs::write(&pdf, bytes).unwrap();
    let text = pdf_text(&pdf);
    assert!(text.contains("INFORME MENSUAL"), "{text}");
    assert!(text.contains("Página 1 de"), "{text}");
    for (label, n) in [
        ("Abiertos en el periodo", r.opened),
        ("Cerrados en el periodo", r.closed),
        ("Equipos dados de baja", r.bajas),
    ] {
        assert!(text.contains(label), "{label} in {text}");
        assert!(text.contains(&n.to_string()));
    }
    assert!(
        text.contains("Tarde o sin hacer") && text.contains("Cable UTP"),
        "{text}"
    );
}

#[test]
fn the_archive_filters_sorts_and_pages_and_counts_every_page() {
    use brigada_core::store::index::{Filter, Sort};
    let (_d, mut store) = temp_store("Oficina 01");
    let start = 1_790_000_000_000_i64;
    realistic_expedientes_in(
        &mut store,
        500,
        &Spread {
            first: 0,
            start_ms: start,
            seccion: "IT",
        },
    )
    .unwrap();
    let w = a_weeks_work(&mut store);
    let folios = |f: &Filter| -> Vec<String> { store.list(f).unwrap().into_iter().map(|r| r.folio).collect() };
    // Sección IT, oldest first, 50 a page: page 3 starts with the 101st.
    let it = Filter {
        seccion: Some("IT".into()),
        sort: Sort::Oldest,
        limit: Some(50),
        ..Default::default()
    };
    assert_eq!(
        store.count(&it).unwrap(),
        502,
        "the fixture's 500 and this week's P4 and P3"
    );
    let page3 = folios(&Filter {
        offset: Some(100),
        ..it.clone()
    });
    assert_eq!(page3.len(), 50);
    assert_eq!(page3[0], "IT-2026-T90-00100");
    let newest = folios(&Filter {
        sort: Sort::Newest,
        ..it.clone()
    });
    assert_eq!(newest[0], store.view(&w.p3).unwrap().expediente.folio, "opened last");
    // One unidad and one área (any case), as the fixture spreads them.
    let unidad = Filter {
        unidad: Some("hospital general de tuxpan".into()),
        area: Some("laboratorio clínico".into()),
        limit: Some(1000),
        ..Default::default()
    };
    let rows = store.list(&unidad).unwrap();
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r.unidad == "Hospital General de Tuxpan" && r.area == "Laboratorio Clínico")
    );
    assert_eq!(store.count(&unidad).unwrap(), rows.len() as u64);
    // Closed today: this week's three closed jobs, nothing of the fixture's.
    let (from, before) =
        brigada_core::report::day_bounds(Some(&today().to_string()), Some(&today().to_string()), ("a", "b")).unwrap();
    let closed = Filter {
        closed_from: from,
        closed_before: before,
        sort: Sort::Folio,
        ..Default::default()
    };
    let mut expected: Vec<String> = [&w.p6, &w.late, &w.p4]
        .iter()
        .map(|id| store.view(id).unwrap().expediente.folio)
        .collect();
    expected.sort();
    assert_eq!(folios(&closed), expected);
}

/// A decommission of the asset tagged `tag` up to handing over the Dictamen: step 2 issued
/// the Formato de servicio a equipo, 2A the Dictamen técnico; the requester signs both at
/// step 7.
fn decommission_to_handover(store: &mut brigada_core::Store, tag: u32) -> String {
    let job = new_job(store, "P4");
    store.add_equipment(&job, &brigada_core::tag::format(tag)).unwrap();
    drive(
        store,
        &job,
        &[("1", None), ("2", Some("no")), ("2A", None), ("6", None)],
    )
    .unwrap();
    job
}

#[test]
fn papers_issued_without_their_signatures_and_papers_changed_after_signing_are_counted() {
    use brigada_core::procedure::DocumentKind;
    let (_d, mut store) = temp_store("Oficina 01");
    let week = Period::new(today() - Duration::days(7), today(), None).unwrap();
    // (kind, unsigned, altered)
    let papers = |r: &brigada_core::report::Report| {
        r.papers
            .iter()
            .map(|p| (p.kind.clone(), p.unsigned, p.altered))
            .collect::<Vec<_>>()
    };
    let listed = |store: &brigada_core::Store, f: Figure| {
        store
            .report_jobs(&week, &f, time::now_ms(), Page::ALL)
            .unwrap()
            .1
            .into_iter()
            .map(|r| r.id)
            .collect::<Vec<_>>()
    };
    let job = decommission_to_handover(&mut store, 3);
    let r = store.report(&week).unwrap();
    assert_eq!(
        papers(&r),
        [
            ("dictamen-tecnico".into(), 1, 0),
            ("formato-servicio-equipo".into(), 1, 0)
        ]
    );
    assert_eq!(
        listed(&store, Figure::Unsigned { kind: None }),
        std::slice::from_ref(&job)
    );

    // The conformity on the Formato: only the Dictamen's acknowledgement is missing.
    let unsigned_then = time::now_ms();
    std::thread::sleep(std::time::Duration::from_millis(3));
    store
        .sign(&job, "conformidad", "Dra. Laura Méndez Ruiz", strokes(), Some("7"))
        .unwrap();
    let r = store.report(&week).unwrap();
    assert_eq!(papers(&r), [("dictamen-tecnico".into(), 1, 0)]);
    store
        .sign(&job, "acuse", "Lic. Pedro Ruiz Soto", strokes(), Some("7"))
        .unwrap();
    store.record_step(&job, "7", None, None).unwrap();
    let r = store.report(&week).unwrap();
    assert!(papers(&r).is_empty(), "{:?}", r.papers);
    assert!(listed(&store, Figure::Unsigned { kind: None }).is_empty());
    // As of a moment before the signatures, the list shows what was unsigned then.
    let then = store
        .report_jobs(&week, &Figure::Unsigned { kind: None }, unsigned_then, Page::ALL)
        .unwrap()
        .1;
    assert_eq!(
        then.into_iter().map(|r| r.id).collect::<Vec<_>>(),
        std::slice::from_ref(&job)
    );

    // The equipment's state rewritten after both signed: both papers now say something
    // their signers did not sign, as printing them says too.
    store
        .set_fields(&job, &[("estado_equipo".into(), "Tarjeta madre quemada".into())])
        .unwrap();
    let r = store.report(&week).unwrap();
    assert_eq!(
        papers(&r),
        [
            ("dictamen-tecnico".into(), 0, 1),
            ("formato-servicio-equipo".into(), 0, 1)
        ]
    );
    for kind in [DocumentKind::DictamenTecnico, DocumentKind::FormatoServicioEquipo] {
        assert!(store.form(&job, kind, false).unwrap().changed_after_signing.is_some());
    }
    let formato = Figure::Altered {
        kind: Some("formato-servicio-equipo".into()),
    };
    assert_eq!(listed(&store, formato), std::slice::from_ref(&job));
    // Kept across a rebuild of the index (what a migration does), and the signed version
    // is read from history again there.
    let before = store.list(&Default::default()).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    store.reindex().unwrap();
    assert_eq!(store.report(&week).unwrap().papers, r.papers);
    // A rebuild is not a change: every row keeps when it last changed (the "changed"
    // order, and the archive's speed, depend on it).
    assert_eq!(store.list(&Default::default()).unwrap(), before);
    // The requester signs the Formato again: it is clean. The Dictamen's acknowledgement
    // still sealed the old text.
    store
        .sign(&job, "conformidad", "Dra. Laura Méndez Ruiz", strokes(), Some("7"))
        .unwrap();
    assert_eq!(
        papers(&store.report(&week).unwrap()),
        [("dictamen-tecnico".into(), 0, 1)]
    );
    // The Documentos sheet carries the same: one row, the Dictamen's.
    let (_, tables) = store.report_tables(&week, Locale::Es).unwrap();
    let sheet = tables.iter().find(|t| t.file == "documentos.csv").unwrap();
    assert_eq!(sheet.rows.len(), 1);
    assert_eq!(sheet.rows[0][0], Cell::Text("Dictamen técnico".into()));
    assert_eq!(sheet.rows[0][2], Cell::Count(1));
}

/// What each job's row says of its papers, by job.
fn paper_summaries(store: &brigada_core::Store) -> Vec<(String, Option<i64>, Option<i64>, bool)> {
    let mut st = store
        .conn()
        .prepare("SELECT id, papers_from, papers_signed, papers_changed FROM job_facts ORDER BY id")
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn a_store_from_before_the_papers_and_files_summaries_migrates_to_the_same_figures() {
    let (dir, mut store) = temp_store("Oficina 02");
    let week = Period::new(today() - Duration::days(7), today(), None).unwrap();
    // One job with both papers unsigned, one with the Formato signed and then changed.
    let _unsigned = decommission_to_handover(&mut store, 3);
    let altered = decommission_to_handover(&mut store, 4);
    store
        .sign(&altered, "conformidad", "Dra. Laura Méndez Ruiz", strokes(), Some("7"))
        .unwrap();
    store
        .set_fields(&altered, &[("estado_equipo".into(), "Fuente dañada".into())])
        .unwrap();
    let figures = store.report(&week).unwrap();
    // Signed here, every file is here; one taken out counts as yet to arrive.
    assert_eq!(store.devices_status(time::now_ms()).unwrap().waiting, 0);
    store
        .conn()
        .execute(
            "DELETE FROM blobs WHERE hash = (SELECT hash FROM file_facts LIMIT 1)",
            [],
        )
        .unwrap();
    let waiting = store.devices_status(time::now_ms()).unwrap().waiting;
    assert_eq!(waiting, 1);
    let written = paper_summaries(&store);
    assert!(written.iter().all(|(_, from, _, _)| from.is_some()), "{written:?}");
    assert!(written.iter().any(|(_, _, _, changed)| *changed), "{written:?}");
    // The schema as version 20 left it: no summary on the job rows, the old indexes, no
    // arrival flag on the files, no tallies and no count of the files waiting.
    store
        .conn()
        .execute_batch(
            "DROP TRIGGER file_waiting_in; DROP TRIGGER file_waiting_out; DROP TRIGGER file_waiting_moved;
             DROP TABLE files_waiting; DROP TABLE material_months; DROP TABLE job_days;
             DROP TABLE escalation_months; DROP INDEX escalation_facts_open;
             ALTER TABLE escalation_facts DROP COLUMN seccion; ALTER TABLE escalation_facts DROP COLUMN month; DROP TABLE person_months; DROP TABLE close_months;
             DROP INDEX job_facts_durations; DROP INDEX job_facts_spans; DROP INDEX job_facts_unsigned;
             DROP INDEX job_facts_signing; DROP INDEX job_facts_altered;
             ALTER TABLE job_facts DROP COLUMN opened_day; ALTER TABLE job_facts DROP COLUMN closed_day;
             ALTER TABLE job_facts DROP COLUMN close_tenths; ALTER TABLE job_facts DROP COLUMN close_bucket;
             ALTER TABLE job_facts DROP COLUMN open_class; ALTER TABLE job_facts DROP COLUMN papers_class;
             DROP TRIGGER blob_arrived; DROP TRIGGER blob_gone; DROP INDEX file_facts_waiting;
             ALTER TABLE file_facts DROP COLUMN arrived;
             DROP INDEX job_facts_open; DROP INDEX job_facts_by_closed;
             ALTER TABLE job_facts DROP COLUMN papers_from;
             ALTER TABLE job_facts DROP COLUMN papers_signed;
             ALTER TABLE job_facts DROP COLUMN papers_changed;
             CREATE INDEX job_facts_open ON job_facts (created_at) WHERE closed_at IS NULL;
             CREATE INDEX job_facts_open_or_closed ON job_facts (closed_at);
             PRAGMA user_version = 20;",
        )
        .unwrap();
    drop(store);
    let store = brigada_core::Store::open(&dir.path().join("home"), PASS).unwrap();
    assert_eq!(paper_summaries(&store), written);
    let again = store.report(&week).unwrap();
    assert_eq!(
        brigada_core::report::Report {
            as_of: figures.as_of,
            ..again
        },
        figures
    );
    assert_eq!(store.devices_status(time::now_ms()).unwrap().waiting, waiting);
    assert_eq!(figures.papers.len(), 2, "{figures:?}");
    assert_eq!((figures.opened, figures.time_to_close.len()), (2, 0), "{figures:?}");
}
