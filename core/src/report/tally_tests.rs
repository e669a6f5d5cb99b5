//! The kept tallies against the jobs themselves: after any sequence of writes and
//! rewrites, every figure of any period read from the tallies (and from the jobs open at
//! its cutoff and those with documents to count) equals the figure counted from every job
//! of the period; and the tallies kept write by write equal those filled from scratch.

use proptest::prelude::*;
use rusqlite::{Connection, params};

use super::facts::{self, Detail, JobFact};
use super::figure::{Figure, Window, behind};
use super::*;

/// 2022-01-01 00:00 UTC: the times below cross the end of Mexico City's summer time.
const T0: i64 = 1_640_995_200_000;
const MIN: i64 = 60_000;
const DAY: i64 = 86_400_000;
const SECCIONES: [&str; 3] = ["RT", "IT", "BD"];
const PROCEDURES: [&str; 3] = ["P1", "P4", "P6"];
const PEOPLE: [&str; 3] = ["Ana", "Luis", "Rosa"];

/// One write of one job's facts (ids repeat: a later write rewrites it).
#[derive(Debug, Clone)]
struct Write {
    id: usize,
    seccion: usize,
    procedure: usize,
    /// Minutes after T0.
    created: i64,
    /// Minutes from opening to closing (negative: a clock that went back).
    closed: Option<i64>,
    /// Who, as a bit mask of PEOPLE (0: nobody).
    people: u8,
    baja: bool,
    /// Its one document: issued (minutes from opening), signed (minutes from issue),
    /// changed after signing.
    paper: Option<(i64, Option<i64>, bool)>,
    /// Its escalation moments: which, due (minutes from opening), done and stopped
    /// (minutes from due, either way).
    moments: Vec<(usize, i64, Option<i64>, Option<i64>)>,
}

fn span() -> impl Strategy<Value = i64> {
    prop_oneof![-3 * 1440i64..0, 0i64..3 * 1440, 0i64..40 * 1440, 0i64..700 * 1440]
}

fn write() -> impl Strategy<Value = Write> {
    (
        0usize..24,
        0usize..3,
        0usize..3,
        0i64..3 * 365 * 1440,
        proptest::option::weighted(0.7, span()),
        0u8..8,
        any::<bool>(),
        proptest::option::of((-600i64..20 * 1440, proptest::option::of(span()), any::<bool>())),
        proptest::collection::vec(
            (
                0usize..2,
                0i64..60 * 1440,
                proptest::option::of(prop_oneof![Just(0i64), -2880i64..2880]),
                proptest::option::of(prop_oneof![Just(0i64), -2880i64..2880]),
            ),
            0..3,
        ),
    )
        .prop_map(
            |(id, seccion, procedure, created, closed, people, baja, paper, moments)| Write {
                id,
                seccion,
                procedure,
                created,
                closed,
                people,
                baja,
                paper,
                moments,
            },
        )
}

/// A period (first day as days after T0's, length in days), a sección or all, and the
/// moment it is asked (days after T0).
fn ask() -> impl Strategy<Value = (i64, i64, Option<usize>, i64)> {
    (
        0i64..3 * 365 + 60,
        prop_oneof![0i64..40, 0i64..800],
        proptest::option::of(0usize..3),
        0i64..4 * 365,
    )
}

fn store() -> Connection {
    let mut c = Connection::open_in_memory().unwrap();
    crate::store::schema::migrate(&mut c, crate::store::schema::MIGRATIONS.len()).unwrap();
    c
}

fn apply(c: &Connection, w: &Write) {
    let id = format!("job-{}", w.id);
    let created_at = T0 + w.created * MIN;
    let job = JobFact {
        id: id.clone(),
        folio: format!("RT-2026-T01-{:05}", w.id),
        procedure: PROCEDURES[w.procedure].into(),
        seccion: SECCIONES[w.seccion].into(),
        state: if w.closed.is_some() { "terminado" } else { "en-curso" }.into(),
        created_at,
        closed_at: w.closed.map(|m| created_at + m * MIN),
        assignees: PEOPLE
            .iter()
            .enumerate()
            .filter(|(i, _)| w.people & (1 << i) != 0)
            .map(|(_, p)| (*p).to_owned())
            .collect(),
        baja: w.baja,
        papers_from: None,
        papers_signed: None,
        papers_changed: false,
    };
    facts::write_job(c, &job).unwrap();
    let moments: Vec<super::escalations::Moment> = w
        .moments
        .iter()
        .map(|(which, due, done, stopped)| {
            let due_at = created_at + due * MIN;
            super::escalations::Moment {
                escalation: ["24h", "48h"][*which].into(),
                due_at,
                done_at: done.map(|m| due_at + m * MIN),
                stopped_at: stopped.map(|m| due_at + m * MIN),
            }
        })
        .collect();
    super::escalations::upsert(c, &id, SECCIONES[w.seccion], &moments).unwrap();
    c.execute("DELETE FROM paper_facts WHERE expediente_id = ?1", [&id])
        .unwrap();
    match w.paper {
        Some((issued, signed, changed)) => {
            let issued = created_at + issued * MIN;
            let signed = signed.map(|m| issued + m * MIN);
            let changed = signed.map(|_| changed);
            c.execute(
                "INSERT INTO paper_facts (expediente_id, kind, issued_at, complete_at, changed)
                 VALUES (?1, 'tarjeta', ?2, ?3, ?4)",
                params![id, issued, signed, changed],
            )
            .unwrap();
            super::papers::summarise(c, &id, Some(issued), signed, changed == Some(true)).unwrap();
        }
        None => super::papers::summarise(c, &id, None, None, false).unwrap(),
    }
}

type Rows = Vec<(String, String, String, i64, i64, i64)>;

/// Every tally row, in order.
fn kept_rows(c: &Connection) -> Rows {
    c.prepare(
        "SELECT 'day', seccion, day, opened, closed, bajas FROM job_days
         UNION ALL SELECT 'person', seccion, month || ' ' || person, closed, 0, 0 FROM person_months
         UNION ALL SELECT 'close', seccion, month || ' ' || procedure, bucket, n, 0 FROM close_months
         UNION ALL SELECT 'escalation', seccion, month || ' ' || escalation, met, late, undone FROM escalation_months
         ORDER BY 1, 2, 3, 4",
    )
    .unwrap()
    .query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
    })
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn the_kept_tallies_give_the_figures_the_jobs_give(
        writes in proptest::collection::vec(write(), 1..70),
        asks in proptest::collection::vec(ask(), 1..8),
    ) {
        let c = store();
        for w in &writes {
            apply(&c, w);
        }
        for (first, len, sec, asked) in asks {
            let from = day_of(T0) + chrono::Days::new(first as u64);
            let to = from + chrono::Days::new(len as u64);
            let period = Period::new(from, to, sec.map(|s| SECCIONES[s].to_owned())).unwrap();
            let now = T0 + asked * DAY + 37 * MIN;
            let w = Window::new(&period, now);
            let kept = facts::load(&c, &period, &w, Detail::Counts).unwrap();
            let every = facts::load(&c, &period, &w, Detail::EveryJob).unwrap();
            prop_assert!(kept.tallies.is_some() && kept.open.is_some() && every.tallies.is_none());
            prop_assert_eq!(compute(&period, &kept, now), compute(&period, &every, now));
            // The lists behind the figures of open jobs and of papers read those jobs whole.
            let open_jobs = facts::load(&c, &period, &w, Detail::OpenJobs).unwrap();
            let paper_jobs = facts::load(&c, &period, &w, Detail::PaperJobs).unwrap();
            for (figure, listed) in [
                (Figure::Open, &open_jobs),
                (Figure::Age { age: "8-30".into() }, &open_jobs),
                (Figure::Person { person: "Ana".into(), closed: Some(false) }, &open_jobs),
                (Figure::Unsigned { kind: None }, &paper_jobs),
                (Figure::Altered { kind: None }, &paper_jobs),
            ] {
                prop_assert_eq!(
                    sorted(behind(&period, listed, now, &figure)),
                    sorted(behind(&period, &every, now, &figure)),
                    "{:?}", figure
                );
            }
        }
        // Kept write by write, or added up from the rows at once: the same tallies.
        let step_by_step = kept_rows(&c);
        c.execute_batch(
            "DELETE FROM job_days; DELETE FROM person_months; DELETE FROM close_months; DELETE FROM escalation_months;",
        )
        .unwrap();
        tally::fill(&c).unwrap();
        super::escalations::fill(&c).unwrap();
        prop_assert_eq!(kept_rows(&c), step_by_step);
    }
}

/// A job opened on a period's only day whose clock closed it two minutes before (it was
/// counted as opened by the tallies and missed by the every-job reading); a técnico's
/// name ending in carriage returns (read back shorter than written).
#[test]
fn a_job_closed_before_it_opened_and_a_name_with_carriage_returns_count_the_same_both_ways() {
    let c = store();
    let odd = Write {
        id: 0,
        seccion: 0,
        procedure: 0,
        created: 707_400,
        closed: Some(-2),
        people: 0,
        baja: false,
        paper: None,
        moments: vec![],
    };
    apply(&c, &odd);
    let may7 = day_of(T0 + 707_400 * MIN);
    let period = Period::new(may7, may7, None).unwrap();
    let now = T0 + 600 * DAY;
    let w = Window::new(&period, now);
    let kept = compute(&period, &facts::load(&c, &period, &w, Detail::Counts).unwrap(), now);
    let every = compute(&period, &facts::load(&c, &period, &w, Detail::EveryJob).unwrap(), now);
    assert_eq!((kept.opened, kept.closed), (1, 0));
    assert_eq!(kept, every);
    // Rewritten with a name that ends in "\r\r": its share is the same each time.
    let job = |who: &str| JobFact {
        id: "job-9".into(),
        folio: "RT-2026-T01-00009".into(),
        procedure: "P1".into(),
        seccion: "RT".into(),
        state: "terminado".into(),
        created_at: T0,
        closed_at: Some(T0 + DAY),
        assignees: vec![who.into(), "Luis".into()],
        baja: false,
        papers_from: None,
        papers_signed: None,
        papers_changed: false,
    };
    for _ in 0..3 {
        facts::write_job(&c, &job("Ana\r\r")).unwrap();
    }
    let before = kept_rows(&c);
    c.execute_batch("DELETE FROM job_days; DELETE FROM person_months; DELETE FROM close_months;")
        .unwrap();
    tally::fill(&c).unwrap();
    assert_eq!(kept_rows(&c), before);
}

#[test]
fn buckets_keep_the_order_of_the_times_and_classes_bound_the_spans() {
    let mut last = tally::bucket(-5);
    for t in -5..20_000 {
        let b = tally::bucket(t);
        assert!(b >= last, "bucket({t}) = {b} after {last}");
        last = b;
    }
    // A span of class k lasts less than 2^k minutes.
    for minutes in [0i64, 1, 2, 3, 59, 60, 1440, 525_600, 5_256_000] {
        let k = tally::class(0, minutes * MIN + 59_999);
        assert!(minutes < 1i64 << k, "{minutes} min in class {k}");
        assert!(k == 0 || minutes >= 1i64 << (k - 1), "{minutes} min in class {k}");
    }
    assert_eq!(
        tally::class(10, 5),
        -1,
        "a span that ends before it begins holds no moment"
    );
}

/// One job's materials as written at once (a rewrite replaces them): the job, its sección,
/// and each use (item, minutes after T0, quantity, from the components inventory).
type MaterialWrite = (usize, usize, Vec<(usize, i64, u8, bool)>);

fn material_write() -> impl Strategy<Value = MaterialWrite> {
    (
        0usize..8,
        0usize..3,
        proptest::collection::vec((0usize..3, 0i64..3 * 365 * 1440, 0u8..50, any::<bool>()), 0..6),
    )
}

fn write_materials(c: &Connection, (job, seccion, uses): &MaterialWrite) {
    let items = [("Cable UTP cat 6", "m"), ("Jack RJ45", "pza"), ("Canaleta", "m")];
    let e = crate::model::Expediente {
        id: format!("job-{job}"),
        seccion: SECCIONES[*seccion].into(),
        materials: uses
            .iter()
            .enumerate()
            .map(|(i, (item, at, quantity, part))| crate::model::Material {
                id: format!("m{i}"),
                item: items[*item].0.into(),
                quantity: f64::from(*quantity),
                unit: items[*item].1.into(),
                component: part.then(|| format!("C-{job}-{i}")),
                stamp: crate::model::Stamp {
                    by: "Ana".into(),
                    device: "T01".into(),
                    at: T0 + at * MIN,
                },
            })
            .collect(),
        ..Default::default()
    };
    super::materials::upsert(c, &e).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn material_totals_by_month_and_day_add_up_to_every_use(
        writes in proptest::collection::vec(material_write(), 1..30),
        asks in proptest::collection::vec(ask(), 1..8),
    ) {
        let c = store();
        for w in &writes {
            write_materials(&c, w);
        }
        for (first, len, sec, _) in asks {
            let from = day_of(T0) + chrono::Days::new(first as u64);
            let to = from + chrono::Days::new(len as u64);
            let sec = sec.map(|s| SECCIONES[s]);
            let period = Period::new(from, to, sec.map(str::to_owned)).unwrap();
            let (start, end) = period.bounds();
            let each: Vec<(String, String, f64, i64)> = c
                .prepare(
                    "SELECT item, unit, sum(quantity), sum(component IS NOT NULL) FROM material_facts
                     WHERE at >= ?1 AND at < ?2 AND (?3 IS NULL OR seccion = ?3) GROUP BY item, unit ORDER BY item, unit",
                )
                .unwrap()
                .query_map(params![start, end, sec], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            let kept: Vec<(String, String, f64, i64)> = super::materials::totals(&c, &period, sec)
                .unwrap()
                .into_iter()
                .map(|m| (m.item, m.unit, m.quantity, m.parts as i64))
                .collect();
            prop_assert_eq!(kept, each);
        }
        // The month totals are what the day totals add up to (as the migration fills them).
        let months = |sql: &str| -> Vec<(String, String, String, String, f64, i64, i64)> {
            c.prepare(sql)
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        prop_assert_eq!(
            months("SELECT seccion, month, item, unit, quantity, parts, uses FROM material_months ORDER BY 1, 2, 3, 4"),
            months(
                "SELECT '=' || seccion, substr(day, 1, 7), item, unit, sum(quantity), sum(parts), sum(uses)
                 FROM material_days GROUP BY 1, 2, 3, 4
                 UNION ALL
                 SELECT '*', substr(day, 1, 7), item, unit, sum(quantity), sum(parts), sum(uses)
                 FROM material_days GROUP BY 2, 3, 4 ORDER BY 1, 2, 3, 4"
            )
        );
    }
}
