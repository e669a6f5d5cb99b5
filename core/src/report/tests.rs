//! The figures against fixtures counted by hand (every number below was worked out on
//! paper from the facts, not read from the code).

use super::facts::{EscalationFact, Facts, JobFact, MaterialFact, MaterialTotal};
use super::papers::PaperFact;
use super::*;

/// A Mexico City wall-clock moment (Veracruz keeps the same time) in ms.
fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
    let naive = NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(h, min, 0)
        .unwrap();
    Mexico_City.from_local_datetime(&naive).unwrap().timestamp_millis()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn job(id: &str, procedure: &str, state: &str, created: i64, closed: Option<i64>, who: &[&str]) -> JobFact {
    JobFact {
        id: id.into(),
        folio: format!("RT-2026-T07-{id}"),
        procedure: procedure.into(),
        seccion: if procedure == "P4" { "IT".into() } else { "RT".into() },
        state: state.into(),
        created_at: created,
        closed_at: closed,
        assignees: who.iter().map(|s| (*s).to_owned()).collect(),
        baja: procedure == "P4" && closed.is_some(),
        papers_from: None,
        papers_signed: None,
        papers_changed: false,
    }
}

fn esc(id: &str, which: &str, due: i64, done: Option<i64>, stopped: Option<i64>) -> EscalationFact {
    EscalationFact {
        expediente_id: id.into(),
        escalation: which.into(),
        due_at: due,
        done_at: done,
        stopped_at: stopped,
    }
}

fn material(id: &str, item: &str, unit: &str, quantity: f64, component: bool, when: i64) -> MaterialFact {
    MaterialFact {
        expediente_id: id.into(),
        item: item.into(),
        unit: unit.into(),
        quantity,
        component,
        at: when,
    }
}

fn total(item: &str, unit: &str, quantity: f64, parts: usize) -> MaterialTotal {
    MaterialTotal {
        item: item.into(),
        unit: unit.into(),
        quantity,
        parts,
    }
}

fn november_facts() -> Facts {
    Facts {
        jobs: vec![
            job("A", "P1", "en-espera", at(2026, 10, 20, 10, 0), None, &["Ana"]),
            job(
                "B",
                "P6",
                "terminado",
                at(2026, 11, 3, 9, 0),
                Some(at(2026, 11, 4, 9, 0)),
                &["Luis"],
            ),
            // Closed at 23:30 in Veracruz on the 30th: November's, whatever UTC says.
            job(
                "C",
                "P6",
                "terminado",
                at(2026, 11, 10, 8, 0),
                Some(at(2026, 11, 30, 23, 30)),
                &["Ana"],
            ),
            job(
                "D",
                "P4",
                "terminado",
                at(2026, 11, 5, 10, 0),
                Some(at(2026, 11, 6, 10, 0)),
                &[],
            ),
            job("E", "P1", "en-curso", at(2026, 11, 28, 12, 0), None, &["Ana", "Luis"]),
            job("F", "P1", "en-curso", at(2026, 12, 1, 0, 30), None, &["Ana"]),
            job(
                "G",
                "P2",
                "terminado",
                at(2026, 9, 1, 9, 0),
                Some(at(2026, 10, 15, 9, 0)),
                &["Luis"],
            ),
        ],
        escalations: vec![
            esc("B", "24h", at(2026, 11, 4, 9, 0), Some(at(2026, 11, 3, 18, 0)), None),
            // Solved before it fell due: it never applied.
            esc("B", "48h", at(2026, 11, 5, 18, 0), None, Some(at(2026, 11, 4, 9, 0))),
            esc("C", "24h", at(2026, 11, 11, 8, 0), Some(at(2026, 11, 11, 10, 0)), None),
            // Due on the 13th, nobody acted; the job closing on the 30th does not undo the miss.
            esc(
                "C",
                "48h",
                at(2026, 11, 13, 10, 0),
                None,
                Some(at(2026, 11, 30, 23, 30)),
            ),
            esc("F", "24h", at(2026, 12, 2, 0, 30), None, None),
        ],
        // November's uses, added up by hand (A's connectors were used in October).
        material_totals: vec![
            total("Cable UTP", "m", 20.0, 0),
            total("Cable UTP ", "m", 30.5, 0),
            total("Memoria RAM", "pza", 1.0, 1),
        ],
        materials: vec![
            material("C", "Cable UTP", "m", 20.0, false, at(2026, 11, 12, 11, 0)),
            material("E", "Cable UTP ", "m", 30.5, false, at(2026, 11, 28, 13, 0)),
            material("A", "Conector RJ45", "pza", 10.0, false, at(2026, 10, 25, 9, 0)),
            material("D", "Memoria RAM", "pza", 1.0, true, at(2026, 11, 5, 12, 0)),
        ],
        parts_in: vec![
            ("D".into(), at(2026, 11, 5, 12, 0)),
            ("G".into(), at(2026, 10, 30, 9, 0)),
        ],
        papers: vec![
            // Issued in October, never signed: still unsigned at November's end.
            paper("A", "tarjeta", at(2026, 10, 21, 9, 0), None, None),
            // Signed on time, edited since.
            paper(
                "B",
                "reporte-cierre-seguimiento",
                at(2026, 11, 4, 9, 0),
                Some(at(2026, 11, 4, 10, 0)),
                Some(true),
            ),
            // Issued on the 30th, signed on 2 December: unsigned when November ended.
            paper(
                "C",
                "reporte-cierre-seguimiento",
                at(2026, 11, 30, 23, 0),
                Some(at(2026, 12, 2, 9, 0)),
                Some(false),
            ),
            paper(
                "D",
                "dictamen-tecnico",
                at(2026, 11, 6, 9, 0),
                Some(at(2026, 11, 6, 9, 30)),
                Some(false),
            ),
            paper("D", "tarjeta", at(2026, 11, 6, 10, 0), None, None),
            // F opened in December and G closed in October: November does not count them.
            paper("F", "tarjeta", at(2026, 12, 1, 1, 0), None, None),
            paper(
                "G",
                "tarjeta",
                at(2026, 10, 15, 9, 0),
                Some(at(2026, 10, 15, 9, 0)),
                Some(true),
            ),
        ],
        tallies: None,
        open: None,
        escalations_done: None,
    }
}

fn paper(id: &str, kind: &str, issued: i64, complete: Option<i64>, changed: Option<bool>) -> PaperFact {
    PaperFact {
        expediente_id: id.into(),
        kind: kind.into(),
        issued_at: issued,
        complete_at: complete,
        changed,
    }
}

fn counts(pairs: &[(&str, usize)]) -> Vec<Count> {
    pairs
        .iter()
        .map(|(k, n)| Count {
            key: (*k).into(),
            n: *n,
        })
        .collect()
}

#[test]
fn november_counted_by_hand() {
    let period = Period::new(day(2026, 11, 1), day(2026, 11, 30), None).unwrap();
    let r = compute(&period, &november_facts(), at(2026, 12, 15, 9, 0));
    assert_eq!((r.opened, r.closed, r.open_at_end), (4, 3, 2));
    let weeks: Vec<(&str, usize, usize)> = r.weeks.iter().map(|w| (w.start.as_str(), w.opened, w.closed)).collect();
    assert_eq!(
        weeks,
        [
            ("2026-11-01", 0, 0),
            ("2026-11-02", 2, 2),
            ("2026-11-09", 1, 0),
            ("2026-11-16", 0, 0),
            ("2026-11-23", 1, 0),
            ("2026-11-30", 0, 1),
        ]
    );
    assert_eq!(r.open_by_state, counts(&[("en-curso", 1), ("en-espera", 1)]));
    assert_eq!(
        r.open_by_age,
        counts(&[("0-7", 1), ("8-30", 0), ("31-90", 1), ("90+", 0)])
    );
    assert_eq!(
        r.time_to_close,
        [
            CloseTimes {
                procedure: "P4".into(),
                closed: 1,
                median_hours: 24.0,
                p90_hours: 24.0
            },
            CloseTimes {
                procedure: "P6".into(),
                closed: 2,
                median_hours: 24.0,
                p90_hours: 495.5
            },
        ]
    );
    let load: Vec<(&str, usize, usize)> = r
        .workload
        .iter()
        .map(|l| (l.person.as_str(), l.open, l.closed))
        .collect();
    assert_eq!(
        load,
        [("", 0, 1), ("Ana", 2, 1), ("Luis", 1, 1)],
        "\"\" is nobody assigned"
    );
    assert_eq!(
        r.escalations,
        [
            EscalationCount {
                escalation: "24h".into(),
                due: 2,
                met: 1,
                missed: 1,
                pending: 0
            },
            EscalationCount {
                escalation: "48h".into(),
                due: 1,
                met: 0,
                missed: 1,
                pending: 0
            },
        ]
    );
    assert_eq!(
        r.materials,
        [
            MaterialUse {
                item: "Cable UTP".into(),
                unit: "m".into(),
                quantity: 50.5
            },
            MaterialUse {
                item: "Memoria RAM".into(),
                unit: "pza".into(),
                quantity: 1.0
            },
        ]
    );
    assert_eq!((r.parts_in, r.parts_out, r.bajas), (1, 1, 1));
    // A's and D's tarjetas, C's report signed only in December; B's report edited since.
    let papers: Vec<(&str, usize, usize)> = r
        .papers
        .iter()
        .map(|p| (p.kind.as_str(), p.unsigned, p.altered))
        .collect();
    assert_eq!(papers, [("tarjeta", 2, 0), ("reporte-cierre-seguimiento", 1, 1)]);
    assert_eq!(r.papers[0].title, "Tarjeta");
}

#[test]
fn each_november_figure_opens_the_jobs_counted_by_hand() {
    use figure::{Outcome, behind};
    let period = Period::new(day(2026, 11, 1), day(2026, 11, 30), None).unwrap();
    let facts = november_facts();
    let now = at(2026, 12, 15, 9, 0);
    let r = compute(&period, &facts, now);
    let ids = |f: Figure| behind(&period, &facts, now, &f).join(",");
    let s = |x: &str| x.to_owned();
    assert_eq!(
        ids(Figure::All),
        "A,B,C,D,E",
        "G closed in October, F opened in December"
    );
    assert_eq!(ids(Figure::Opened), "B,C,D,E");
    assert_eq!(ids(Figure::Closed), "B,C,D");
    assert_eq!(ids(Figure::Open), "A,E");
    let week = |start: &str, closed| Figure::Week {
        start: s(start),
        closed,
    };
    assert_eq!(ids(week("2026-11-02", false)), "B,D");
    assert_eq!(ids(week("2026-11-30", true)), "C");
    assert_eq!(ids(week("2026-10-26", false)), "", "not a week of the period");
    assert_eq!(ids(Figure::State { state: s("en-espera") }), "A");
    assert_eq!(ids(Figure::Age { age: s("31-90") }), "A");
    assert_eq!(ids(Figure::Age { age: s("0-7") }), "E");
    assert_eq!(ids(Figure::Procedure { procedure: s("P6") }), "B,C");
    let person = |p: &str, closed| Figure::Person { person: s(p), closed };
    assert_eq!(ids(person("", Some(true))), "D");
    assert_eq!(ids(person("Ana", Some(false))), "A,E");
    assert_eq!(ids(person("Luis", Some(true))), "B");
    assert_eq!(
        ids(person("Ana", None)),
        "A,C,E",
        "Ana's whole load: two open, one closed"
    );
    let escalation = |e: &str, outcome| Figure::Escalation {
        escalation: s(e),
        outcome,
    };
    assert_eq!(ids(escalation("24h", Outcome::Due)), "B,C");
    assert_eq!(ids(escalation("24h", Outcome::Missed)), "C");
    assert_eq!(ids(escalation("48h", Outcome::Missed)), "C", "B's 48 h never applied");
    assert_eq!(ids(escalation("24h", Outcome::Pending)), "");
    let material = Figure::Material {
        item: s("Cable UTP"),
        unit: s("m"),
    };
    assert_eq!(ids(material), "C,E", "\"Cable UTP \" is the same item");
    assert_eq!(ids(Figure::PartsIn), "D", "G's part came in October");
    assert_eq!(ids(Figure::PartsOut), "D");
    assert_eq!(ids(Figure::Bajas), "D");
    let kind = |k: Option<&str>| k.map(s);
    assert_eq!(ids(Figure::Unsigned { kind: None }), "A,C,D");
    assert_eq!(
        ids(Figure::Unsigned {
            kind: kind(Some("tarjeta"))
        }),
        "A,D"
    );
    assert_eq!(ids(Figure::Altered { kind: None }), "B", "G closed in October");
    assert_eq!(
        ids(Figure::Altered {
            kind: kind(Some("tarjeta"))
        }),
        ""
    );
    // A job typed in on 2 December from a paper whose line failed on 28 November: its
    // 24 h moment fell due in November, and November's list shows it as the count does.
    let mut late_paper = november_facts();
    late_paper
        .escalations
        .push(esc("H", "24h", at(2026, 11, 29, 10, 0), None, None));
    let r2 = compute(&period, &late_paper, now);
    let listed = behind(&period, &late_paper, now, &escalation("24h", Outcome::Missed));
    assert_eq!(listed, ["C", "H"]);
    assert_eq!(r2.escalations[0].missed, listed.len());
    // Every count of the report has exactly its list.
    assert_eq!(behind(&period, &facts, now, &Figure::Opened).len(), r.opened);
    assert_eq!(behind(&period, &facts, now, &Figure::Open).len(), r.open_at_end);
    for c in &r.open_by_age {
        assert_eq!(
            ids(Figure::Age { age: c.key.clone() })
                .split(',')
                .filter(|x| !x.is_empty())
                .count(),
            c.n
        );
    }
}

#[test]
fn a_job_closed_late_at_night_belongs_to_its_local_day() {
    let dec = Period::new(day(2026, 12, 1), day(2026, 12, 31), None).unwrap();
    let r = compute(&dec, &november_facts(), at(2027, 1, 15, 9, 0));
    assert_eq!(r.closed, 0, "C closed at 23:30 on 30 November, 05:30 UTC on 1 December");
    assert_eq!(r.opened, 1, "F opened at 00:30 on 1 December, 06:30 UTC");
    let last_day = Period::new(day(2026, 11, 30), day(2026, 11, 30), None).unwrap();
    assert_eq!(compute(&last_day, &november_facts(), at(2027, 1, 15, 9, 0)).closed, 1);
}

#[test]
fn an_empty_period_has_every_figure_at_zero_and_its_weeks() {
    let period = Period::new(day(2027, 1, 1), day(2027, 1, 31), None).unwrap();
    let empty = Facts {
        jobs: vec![],
        escalations: vec![],
        material_totals: vec![],
        materials: vec![],
        parts_in: vec![],
        papers: vec![],
        tallies: None,
        open: None,
        escalations_done: None,
    };
    let r = compute(&period, &empty, at(2027, 2, 1, 9, 0));
    assert_eq!(
        (r.opened, r.closed, r.open_at_end, r.parts_in, r.parts_out, r.bajas),
        (0, 0, 0, 0, 0, 0)
    );
    let starts: Vec<&str> = r.weeks.iter().map(|w| w.start.as_str()).collect();
    assert_eq!(
        starts,
        ["2027-01-01", "2027-01-04", "2027-01-11", "2027-01-18", "2027-01-25"]
    );
    assert!(r.weeks.iter().all(|w| w.opened == 0 && w.closed == 0));
    assert_eq!(
        r.open_by_age,
        counts(&[("0-7", 0), ("8-30", 0), ("31-90", 0), ("90+", 0)])
    );
    assert!(r.time_to_close.is_empty() && r.workload.is_empty() && r.escalations.is_empty() && r.materials.is_empty());
}

#[test]
fn a_period_with_only_open_jobs_and_one_not_over_yet() {
    let facts = Facts {
        jobs: november_facts()
            .jobs
            .into_iter()
            .filter(|j| j.closed_at.is_none())
            .collect(),
        escalations: vec![esc("F", "24h", at(2026, 12, 2, 0, 30), None, None)],
        material_totals: vec![],
        materials: vec![],
        parts_in: vec![],
        papers: vec![],
        tallies: None,
        open: None,
        escalations_done: None,
    };
    let period = Period::new(day(2026, 11, 1), day(2026, 11, 30), None).unwrap();
    let r = compute(&period, &facts, at(2026, 12, 15, 9, 0));
    assert_eq!((r.opened, r.closed, r.open_at_end), (1, 0, 2));
    assert!(r.time_to_close.is_empty());
    let load: Vec<(&str, usize, usize)> = r
        .workload
        .iter()
        .map(|l| (l.person.as_str(), l.open, l.closed))
        .collect();
    assert_eq!(load, [("Ana", 2, 0), ("Luis", 1, 0)]);
    // December, on its second day at 00:00: F is open and its 24 h moment not yet due.
    let dec = Period::new(day(2026, 12, 1), day(2026, 12, 31), None).unwrap();
    let r = compute(&dec, &facts, at(2026, 12, 2, 0, 0));
    assert_eq!(r.open_at_end, 3, "counted now, the period not being over");
    assert_eq!(
        r.open_by_age,
        counts(&[("0-7", 2), ("8-30", 0), ("31-90", 1), ("90+", 0)])
    );
    assert_eq!(
        r.escalations,
        [EscalationCount {
            escalation: "24h".into(),
            due: 1,
            met: 0,
            missed: 0,
            pending: 1
        }]
    );
}

#[test]
fn a_backwards_period_is_refused_in_words() {
    let e = Period::new(day(2026, 11, 30), day(2026, 11, 1), None).unwrap_err();
    let said = e.render(crate::messages::Locale::Es);
    assert!(said.contains("30/11/2026") && said.contains("01/11/2026"), "{said}");
}

#[test]
fn a_period_longer_than_ten_years_or_at_the_end_of_time_is_refused_not_a_panic() {
    let e = Period::new(day(1900, 1, 1), day(2026, 12, 31), None).unwrap_err();
    assert!(e.render(crate::messages::Locale::Es).contains("diez años"));
    // The last day chrono knows: its end is its own midnight, no overflow.
    let last = NaiveDate::MAX;
    let p = Period::new(last, last, None).unwrap();
    let (start, end) = p.bounds();
    assert!(start <= end);
    assert_eq!(figure::weeks(&p).len(), 1);
    // A far year typed into the archive's filter: bounds in order, or a clear refusal.
    for far in ["+262142-12-31", "31/12/9999"] {
        if let Ok((a, b)) = day_bounds(Some(far), Some(far), ("from", "to")) {
            assert!(a <= b, "{far}: bounds in order");
        }
    }
}
