//! The figures of a long period from kept tallies, not from every job in it.
//!
//! A year of the archive is twenty thousand jobs and the whole archive a hundred thousand;
//! reading each one's row to count it took 45 ms and 340 ms. What is counted per job
//! closed or opened (how many per day, bajas, closed per person, time to close) is kept
//! added up as each job's facts are written, in the same transaction:
//!
//! - `job_days`: per Mexico City day and sección, jobs opened, closed and sent to baja;
//! - `person_months`: per month and sección, jobs closed per person;
//! - `close_months`: per month, sección and procedure, how many closed after how long, in
//!   coarse buckets of hours ([`bucket`]).
//!
//! Each tally is also kept under the sección `*`, all of them together: the Panel opens on
//! every sección. A period reads the days it covers, and the whole months it covers plus
//! the jobs closed in the days at either end ([`load`]): a year is a few hundred rows.
//!
//! The median and the 90th percentile stay exact: the buckets say which bucket holds the
//! job at that rank, and only the jobs of that bucket in the period are read, in order, to
//! find it. Time to close is counted in tenths of an hour, as shown: the job at a rank in
//! tenths is the one at that rank in milliseconds, rounded.
//!
//! [`Tallies::of_jobs`] counts the same from the jobs themselves: the Panel's figures are
//! tested against it, and a list of every job of a period (the exported files) uses it.

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate};
use rusqlite::{Connection, OptionalExtension, params};

use super::facts::JobFact;
use super::figure::{Window, people};
use super::{CloseTimes, Period, after, day_of, midnight};
use crate::error::Result;

/// The sección key of the tallies of every sección together; a sección's own key is its
/// name after [`ONE`], so no name a document carries can be taken for it.
pub const ALL: &str = "*";
const ONE: &str = "=";

/// The tallies' key of sección `seccion`, or of all of them.
pub fn sec_key(seccion: Option<&str>) -> String {
    seccion.map_or_else(|| ALL.to_owned(), |s| format!("{ONE}{s}"))
}

pub const MIGRATION: &str = "
ALTER TABLE job_facts ADD COLUMN opened_day TEXT NOT NULL DEFAULT '';
ALTER TABLE job_facts ADD COLUMN closed_day TEXT;
ALTER TABLE job_facts ADD COLUMN close_tenths INTEGER;
ALTER TABLE job_facts ADD COLUMN close_bucket INTEGER;
ALTER TABLE job_facts ADD COLUMN open_class INTEGER;
ALTER TABLE job_facts ADD COLUMN papers_class INTEGER;
CREATE TABLE job_days (
    seccion TEXT NOT NULL,
    day TEXT NOT NULL,
    opened INTEGER NOT NULL,
    closed INTEGER NOT NULL,
    bajas INTEGER NOT NULL,
    PRIMARY KEY (seccion, day)
) WITHOUT ROWID;
CREATE TABLE person_months (
    seccion TEXT NOT NULL,
    month TEXT NOT NULL,
    person TEXT NOT NULL,
    closed INTEGER NOT NULL,
    PRIMARY KEY (seccion, month, person)
) WITHOUT ROWID;
CREATE TABLE close_months (
    seccion TEXT NOT NULL,
    month TEXT NOT NULL,
    procedure TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (seccion, month, procedure, bucket)
) WITHOUT ROWID;
CREATE INDEX job_facts_durations ON job_facts (procedure, close_bucket, close_tenths, closed_at, seccion)
    WHERE closed_at IS NOT NULL;
CREATE INDEX job_facts_spans ON job_facts (open_class, created_at, closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX job_facts_unsigned ON job_facts (papers_from) WHERE papers_from IS NOT NULL AND papers_signed IS NULL;
CREATE INDEX job_facts_signing ON job_facts (papers_class, papers_from, papers_signed) WHERE papers_signed IS NOT NULL;
CREATE INDEX job_facts_altered ON job_facts (papers_changed) WHERE papers_changed = 1;
";

/// Hours from opening to closing in tenths, rounded (what the Panel shows, one decimal).
pub fn tenths(created_at: i64, closed_at: i64) -> i64 {
    (closed_at.saturating_sub(created_at) as f64 / 3_600_000.0 * 10.0).round() as i64
}

/// The bucket of a time to close (in tenths of an hour): by the hour for two days, by six
/// hours for the rest of the week, by the day for the month, by the week after. Never
/// smaller for a longer time, so the buckets keep the times' order.
pub fn bucket(tenths: i64) -> i64 {
    match tenths {
        t if t < 0 => -1,
        t if t < 480 => t / 10,
        t if t < 1_680 => 48 + (t - 480) / 60,
        t if t < 7_200 => 68 + (t - 1_680) / 240,
        t => 91 + (t - 7_200) / 1_680,
    }
}

/// The longest span class: 2^40 minutes is two million years.
const MAX_CLASS: i64 = 40;

/// The class of a span of time (ms): `k` for at most 2^k minutes (so a moment inside it
/// is found among the spans of class `k` that began at most 2^k minutes earlier — see
/// [`open_at`]); -1 for a span that ends before it begins, which holds no moment.
pub fn class(from: i64, to: i64) -> i64 {
    if to < from {
        return -1;
    }
    let minutes = to.saturating_sub(from) / 60_000;
    (i64::from(64 - minutes.leading_zeros() as u8)).min(MAX_CLASS)
}

/// A Mexico City day as the tallies key it (`YYYY-MM-DD`, which sorts as days do).
pub fn day_key(ms: i64) -> String {
    day_of(ms).format("%Y-%m-%d").to_string()
}

/// What one job adds to the tallies: kept on its row (the days it was keyed under), so
/// taking it out later finds the rows it was added to whatever the calendar's rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    pub seccion: String,
    pub procedure: String,
    pub opened_day: String,
    /// The day it closed and its time to close in tenths of an hour.
    pub closed: Option<(String, i64)>,
    pub people: Vec<String>,
    pub baja: bool,
}

impl Share {
    pub fn of(j: &JobFact) -> Share {
        Share {
            seccion: j.seccion.clone(),
            procedure: j.procedure.clone(),
            opened_day: day_key(j.created_at),
            closed: j.closed_at.map(|c| (day_key(c), tenths(j.created_at, c))),
            // As the row will read back: one name per line of the text kept.
            people: people_of(&j.assignees.join("\n")),
            baja: j.baja,
        }
    }

    /// The share kept on job `id`'s row, if it has one.
    pub fn kept(conn: &Connection, id: &str) -> Result<Option<Share>> {
        Ok(conn
            .prepare_cached(
                "SELECT seccion, procedure, opened_day, closed_day, close_tenths, assignees, baja
                 FROM job_facts WHERE id = ?1",
            )?
            .query_row([id], |r| {
                let closed_day: Option<String> = r.get(3)?;
                let tenths: Option<i64> = r.get(4)?;
                let assignees: String = r.get(5)?;
                Ok(Share {
                    seccion: r.get(0)?,
                    procedure: r.get(1)?,
                    opened_day: r.get(2)?,
                    closed: closed_day.zip(tenths),
                    people: people_of(&assignees),
                    baja: r.get(6)?,
                })
            })
            .optional()?)
    }

    /// What job `j`'s row keeps of this share.
    pub fn keys(&self, j: &JobFact) -> RowKeys<'_> {
        let closed = self.closed.as_ref();
        RowKeys {
            opened_day: &self.opened_day,
            closed_day: closed.map(|(d, _)| d.as_str()),
            tenths: closed.map(|(_, t)| *t),
            bucket: closed.map(|(_, t)| bucket(*t)),
            class: j.closed_at.map(|c| class(j.created_at, c)),
        }
    }

    /// The tally rows this share adds to, and what it adds to each: under its sección and
    /// under [`ALL`].
    fn rows(&self) -> Vec<(Key, [i64; 3])> {
        let mut out = Vec::new();
        for sec in [sec_key(Some(&self.seccion)), sec_key(None)] {
            out.push((Key::Day(sec.to_owned(), self.opened_day.clone()), [1, 0, 0]));
            let Some((day, tenths)) = &self.closed else { continue };
            out.push((Key::Day(sec.to_owned(), day.clone()), [0, 1, i64::from(self.baja)]));
            let month = day[..day.len().min(7)].to_owned();
            let b = bucket(*tenths);
            out.push((
                Key::Close(sec.to_owned(), month.clone(), self.procedure.clone(), b),
                [1, 0, 0],
            ));
            for person in &self.people {
                out.push((Key::Person(sec.to_owned(), month.clone(), person.clone()), [1, 0, 0]));
            }
        }
        out
    }

    /// Add this share to the tallies (`sign` 1) or take it out (-1).
    pub fn add(&self, conn: &Connection, sign: i64) -> Result<()> {
        for (key, n) in self.rows() {
            apply(conn, &key, n.map(|x| x * sign))?;
        }
        Ok(())
    }
}

/// What a job's row keeps beside its facts: the days its share was added under, its time
/// to close in tenths of an hour and that time's bucket, and its span's class.
pub struct RowKeys<'a> {
    pub opened_day: &'a str,
    pub closed_day: Option<&'a str>,
    pub tenths: Option<i64>,
    pub bucket: Option<i64>,
    pub class: Option<i64>,
}

/// One tally row: (sección, day) of `job_days`, (sección, month, procedure, bucket) of
/// `close_months`, (sección, month, person) of `person_months`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Day(String, String),
    Close(String, String, String, i64),
    Person(String, String, String),
}

/// Add `n` to a tally row (opened, closed, bajas for a day; the count in the first for the
/// others); a row left at nothing is removed.
fn apply(conn: &Connection, key: &Key, n: [i64; 3]) -> Result<()> {
    match key {
        Key::Day(sec, day) => {
            conn.prepare_cached(
                "INSERT INTO job_days (seccion, day, opened, closed, bajas) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (seccion, day) DO UPDATE SET opened = opened + excluded.opened,
                    closed = closed + excluded.closed, bajas = bajas + excluded.bajas",
            )?
            .execute(params![sec, day, n[0], n[1], n[2]])?;
            conn.prepare_cached(
                "DELETE FROM job_days WHERE seccion = ?1 AND day = ?2 AND opened <= 0 AND closed <= 0 AND bajas <= 0",
            )?
            .execute(params![sec, day])?;
        }
        Key::Close(sec, month, procedure, b) => {
            conn.prepare_cached(
                "INSERT INTO close_months (seccion, month, procedure, bucket, n) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (seccion, month, procedure, bucket) DO UPDATE SET n = n + excluded.n",
            )?
            .execute(params![sec, month, procedure, b, n[0]])?;
            conn.prepare_cached(
                "DELETE FROM close_months WHERE seccion = ?1 AND month = ?2 AND procedure = ?3 AND bucket = ?4 AND n <= 0",
            )?
            .execute(params![sec, month, procedure, b])?;
        }
        Key::Person(sec, month, person) => {
            conn.prepare_cached(
                "INSERT INTO person_months (seccion, month, person, closed) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (seccion, month, person) DO UPDATE SET closed = closed + excluded.closed",
            )?
            .execute(params![sec, month, person, n[0]])?;
            conn.prepare_cached(
                "DELETE FROM person_months WHERE seccion = ?1 AND month = ?2 AND person = ?3 AND closed <= 0",
            )?
            .execute(params![sec, month, person])?;
        }
    }
    Ok(())
}

/// Who a job row's `assignees` names ("" for nobody), as [`people`] counts them.
pub fn people_of(assignees: &str) -> Vec<String> {
    let named = super::facts::assignees_of(assignees);
    if named.is_empty() { vec![String::new()] } else { named }
}

/// Fill the tallies and the rows' keys from the job rows already kept (the migration that
/// adds them: no document is read again).
pub fn fill(conn: &Connection) -> Result<()> {
    let jobs: Vec<(JobFact, Option<i64>, Option<i64>)> = conn
        .prepare(
            "SELECT id, seccion, procedure, created_at, closed_at, assignees, baja, papers_from, papers_signed
             FROM job_facts",
        )?
        .query_map([], |r| {
            let assignees: String = r.get(5)?;
            Ok((
                JobFact {
                    id: r.get(0)?,
                    folio: String::new(),
                    procedure: r.get(2)?,
                    seccion: r.get(1)?,
                    state: String::new(),
                    created_at: r.get(3)?,
                    closed_at: r.get(4)?,
                    assignees: super::facts::assignees_of(&assignees),
                    baja: r.get(6)?,
                    papers_from: None,
                    papers_signed: None,
                    papers_changed: false,
                },
                r.get(7)?,
                r.get(8)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    // Added up here and written once per row: a hundred thousand jobs in seconds.
    let mut sums: std::collections::HashMap<Key, [i64; 3]> = std::collections::HashMap::new();
    for (j, papers_from, papers_signed) in &jobs {
        let share = Share::of(j);
        keep_keys(conn, j, &share)?;
        conn.prepare_cached("UPDATE job_facts SET papers_class = ?2 WHERE id = ?1")?
            .execute(params![j.id, papers_from.zip(*papers_signed).map(|(f, s)| class(f, s))])?;
        for (key, n) in share.rows() {
            let sum = sums.entry(key).or_default();
            for (s, x) in sum.iter_mut().zip(n) {
                *s += x;
            }
        }
    }
    for (key, n) in &sums {
        apply(conn, key, *n)?;
    }
    Ok(())
}

/// Write on job `j`'s row the keys its share was added under, and its span's class.
pub fn keep_keys(conn: &Connection, j: &JobFact, share: &Share) -> Result<()> {
    let k = share.keys(j);
    conn.prepare_cached(
        "UPDATE job_facts SET opened_day = ?2, closed_day = ?3, close_tenths = ?4, close_bucket = ?5, open_class = ?6
         WHERE id = ?1",
    )?
    .execute(params![j.id, k.opened_day, k.closed_day, k.tenths, k.bucket, k.class])?;
    Ok(())
}

/// One day's jobs opened, closed and sent to baja.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DayCount {
    pub opened: usize,
    pub closed: usize,
    pub bajas: usize,
}

/// What a period's jobs opened and closed add up to.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tallies {
    /// The period's days with any job opened or closed.
    pub days: BTreeMap<NaiveDate, DayCount>,
    /// Time to close of the jobs closed in the period, per procedure.
    pub close_times: Vec<CloseTimes>,
    /// Jobs closed in the period per person ("" for nobody assigned).
    pub closed_by: BTreeMap<String, usize>,
}

/// The element at the nearest rank `p` of sorted `xs`, in hours.
fn hours_at(xs: &[i64], p: f64) -> f64 {
    rank(xs.len(), p).map_or(0.0, |r| xs[r - 1] as f64 / 10.0)
}

/// The nearest rank (from 1) of percentile `p` among `n`.
fn rank(n: usize, p: f64) -> Option<usize> {
    (n > 0).then(|| ((p * n as f64).ceil() as usize).clamp(1, n))
}

impl Tallies {
    /// The tallies of `period` counted from every job in it (`jobs` holding at least those
    /// opened or closed in it).
    pub fn of_jobs(period: &Period, jobs: &[JobFact]) -> Tallies {
        let w = Window::new(period, 0);
        let mut t = Tallies::default();
        let mut hours: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
        for j in jobs {
            if w.opened(j) {
                t.days.entry(day_of(j.created_at)).or_default().opened += 1;
            }
            let Some(c) = j.closed_at.filter(|_| w.closed(j)) else {
                continue;
            };
            let d = t.days.entry(day_of(c)).or_default();
            d.closed += 1;
            d.bajas += usize::from(j.baja);
            hours.entry(&j.procedure).or_default().push(tenths(j.created_at, c));
            for p in people(j) {
                *t.closed_by.entry(p).or_default() += 1;
            }
        }
        t.close_times = hours
            .into_iter()
            .map(|(procedure, mut hs)| {
                hs.sort_unstable();
                CloseTimes {
                    procedure: procedure.to_owned(),
                    closed: hs.len(),
                    median_hours: hours_at(&hs, 0.5),
                    p90_hours: hours_at(&hs, 0.9),
                }
            })
            .collect();
        t
    }
}

/// The whole months within `period`, first and last (`None`: not one).
fn whole_months(period: &Period) -> Option<(NaiveDate, NaiveDate)> {
    let first = if period.from.day() == 1 {
        period.from
    } else {
        super::first_of_month(period.from).checked_add_months(Months::new(1))?
    };
    let after_to = period.to.succ_opt()?;
    let last = if after_to.day() == 1 {
        super::first_of_month(period.to)
    } else {
        super::first_of_month(period.to).checked_sub_months(Months::new(1))?
    };
    (first <= last).then_some((first, last))
}

/// A period cut in two: its whole months (the first day of the first and of the last), read
/// from month tallies, and the days at either end (first and last day of each), read day
/// by day.
pub struct Split {
    pub months: Option<(NaiveDate, NaiveDate)>,
    pub edges: Vec<(NaiveDate, NaiveDate)>,
}

pub fn split(period: &Period) -> Split {
    let Some((first, last)) = whole_months(period) else {
        return Split {
            months: None,
            edges: vec![(period.from, period.to)],
        };
    };
    let mut edges = Vec::new();
    if let Some(before) = first.pred_opt().filter(|_| period.from < first) {
        edges.push((period.from, before));
    }
    if let Some(after_last) = last.checked_add_months(Months::new(1)).filter(|d| *d <= period.to) {
        edges.push((after_last, period.to));
    }
    Split {
        months: Some((first, last)),
        edges,
    }
}

/// A month as the tallies key it (`YYYY-MM`).
pub fn month_key(d: NaiveDate) -> String {
    d.format("%Y-%m").to_string()
}

/// Jobs closed in a period, per person and per procedure and bucket of time to close.
#[derive(Default)]
struct Closed {
    by: BTreeMap<String, usize>,
    buckets: BTreeMap<String, BTreeMap<i64, usize>>,
}

/// The tallies of `period` (of sección `seccion`, or all) as kept.
pub fn load(conn: &Connection, period: &Period, seccion: Option<&str>) -> Result<Tallies> {
    let (start, end) = period.bounds();
    let mut closed = Closed::default();
    // The whole months from their tallies, the days at either end from their jobs.
    let Split { months, edges } = split(period);
    if let Some(months) = months {
        add_months(conn, &sec_key(seccion), months, &mut closed)?;
    }
    for (a, b) in edges {
        add_closed_jobs(conn, (midnight(a), after(b)), seccion, &mut closed)?;
    }
    let mut close_times = Vec::new();
    for (procedure, hist) in closed.buckets {
        let n: usize = hist.values().sum();
        if n == 0 {
            continue;
        }
        let at = |p: f64| -> Result<f64> {
            let Some(mut r) = rank(n, p) else { return Ok(0.0) };
            for (&b, &in_b) in &hist {
                if r <= in_b {
                    return nth_in_bucket(conn, &procedure, b, (start, end), seccion, r);
                }
                r -= in_b;
            }
            Ok(0.0)
        };
        close_times.push(CloseTimes {
            closed: n,
            median_hours: at(0.5)?,
            p90_hours: at(0.9)?,
            procedure,
        });
    }
    Ok(Tallies {
        days: days(conn, period, &sec_key(seccion))?,
        close_times,
        closed_by: closed.by,
    })
}

/// The kept days of `period` with a job opened or closed.
fn days(conn: &Connection, period: &Period, sec: &str) -> Result<BTreeMap<NaiveDate, DayCount>> {
    let mut stmt = conn.prepare_cached(
        "SELECT day, opened, closed, bajas FROM job_days WHERE seccion = ?1 AND day >= ?2 AND day <= ?3",
    )?;
    let (from, to) = (
        period.from.format("%Y-%m-%d").to_string(),
        period.to.format("%Y-%m-%d").to_string(),
    );
    let n = |x: i64| usize::try_from(x).unwrap_or(0);
    let mut out = BTreeMap::new();
    for row in stmt.query_map(params![sec, from, to], |r| {
        Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })? {
        let (day, opened, closed, bajas) = row?;
        if let Ok(day) = NaiveDate::parse_from_str(&day, "%Y-%m-%d") {
            let count = DayCount {
                opened: n(opened),
                closed: n(closed),
                bajas: n(bajas),
            };
            out.insert(day, count);
        }
    }
    Ok(out)
}

/// Add the kept month tallies of months `first..=last`.
fn add_months(conn: &Connection, sec: &str, (first, last): (NaiveDate, NaiveDate), to: &mut Closed) -> Result<()> {
    let (a, b) = (month_key(first), month_key(last));
    let mut stmt = conn.prepare_cached(
        "SELECT person, sum(closed) FROM person_months WHERE seccion = ?1 AND month >= ?2 AND month <= ?3
         GROUP BY person",
    )?;
    for row in stmt.query_map(params![sec, a, b], |r| Ok((r.get(0)?, r.get::<_, i64>(1)?)))? {
        let (person, n): (String, i64) = row?;
        *to.by.entry(person).or_default() += usize::try_from(n).unwrap_or(0);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT procedure, bucket, sum(n) FROM close_months WHERE seccion = ?1 AND month >= ?2 AND month <= ?3
         GROUP BY procedure, bucket",
    )?;
    for row in stmt.query_map(params![sec, a, b], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)?)))? {
        let (procedure, bucket, n): (String, i64, i64) = row?;
        *to.buckets.entry(procedure).or_default().entry(bucket).or_default() += usize::try_from(n).unwrap_or(0);
    }
    Ok(())
}

/// Add the jobs closed in `[a, b)`, one by one.
fn add_closed_jobs(conn: &Connection, (a, b): (i64, i64), seccion: Option<&str>, to: &mut Closed) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT procedure, created_at, closed_at, assignees FROM job_facts
         WHERE closed_at >= ?1 AND closed_at < ?2 AND (?3 IS NULL OR seccion = ?3)",
    )?;
    let rows = stmt.query_map(params![a, b, seccion], |r| {
        Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?))
    })?;
    for row in rows {
        let (procedure, created_at, closed_at, assignees) = row?;
        let b = bucket(tenths(created_at, closed_at));
        *to.buckets.entry(procedure).or_default().entry(b).or_default() += 1;
        for p in people_of(&assignees) {
            *to.by.entry(p).or_default() += 1;
        }
    }
    Ok(())
}

/// The time to close (hours) of the `r`-th quickest job (from 1) of `procedure` closed in
/// `[start, end)` whose time falls in bucket `b`.
fn nth_in_bucket(
    conn: &Connection,
    procedure: &str,
    b: i64,
    (start, end): (i64, i64),
    seccion: Option<&str>,
    r: usize,
) -> Result<f64> {
    let tenths: Option<i64> = conn
        .prepare_cached(
            "SELECT close_tenths FROM job_facts
             WHERE procedure = ?1 AND close_bucket = ?2 AND closed_at >= ?3 AND closed_at < ?4
               AND (?5 IS NULL OR seccion = ?5)
             ORDER BY close_tenths LIMIT 1 OFFSET ?6",
        )?
        .query_row(params![procedure, b, start, end, seccion, r as i64 - 1], |r| r.get(0))
        .optional()?;
    Ok(tenths.map_or(0.0, |t| t as f64 / 10.0))
}

/// `columns` of the jobs whose span `[from_col, to_col)` holds moment `?1` (of sección
/// `?2`, or all), the spans of class `class_col` ([`class`]) with `index`: for each
/// class `k`, only the spans that began at most 2^k minutes before the moment are read,
/// not every span that ended after it.
pub fn spanning(columns: &str, index: &str, [class_col, from_col, to_col]: [&str; 3]) -> String {
    // The index named: the planner would rather walk the spans that ended after the moment,
    // few when it is recent and every later one when it is not.
    format!(
        "WITH RECURSIVE k(c) AS (SELECT 0 UNION ALL SELECT c + 1 FROM k WHERE c < {MAX_CLASS})
         SELECT {columns} FROM k CROSS JOIN job_facts INDEXED BY {index} ON {class_col} = k.c
         WHERE {from_col} >= ?1 - (60000 << k.c) AND {from_col} < ?1 AND {to_col} >= ?1
           AND (?2 IS NULL OR seccion = ?2)"
    )
}
