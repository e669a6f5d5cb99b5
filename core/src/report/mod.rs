//! The department's figures for a period (issue: the office's picture): expedientes opened
//! and closed per week, the open ones by state and age, time to close per procedure, work
//! per técnico, P6 escalations met and missed, material used, parts into and out of the
//! components inventory, equipment sent to baja, documents unsigned or altered after
//! signing. One computation, [`compute`], over facts
//! kept beside the index ([`facts`]); the CLI's `report`, the dashboard and the exported
//! files all show its numbers. Days are Mexico City days: a job closed at 23:30 in Veracruz
//! on the 30th belongs to the 30th.

pub mod csv;
pub mod devices;
pub mod escalations;
pub mod facts;
pub mod figure;
pub mod materials;
pub mod open;
pub mod papers;
pub mod tables;
pub mod tally;
pub mod xlsx;

use std::collections::BTreeMap;

use brigada_record::messages::Locale;
use brigada_record::msg;
use chrono::{Datelike, NaiveDate, TimeZone};
use chrono_tz::America::Mexico_City;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::store::Store;
use crate::store::index::{self, Filter, Row, Sort};
use facts::{Detail, Facts};
pub use figure::Figure;
use figure::{AGES, Outcome, Window};
use open::OpenCounts;
use tally::Tallies;

/// The longest period a report covers, in days (ten years).
pub const MAX_DAYS: i64 = 3653;

/// A period of whole days, both ends included, and optionally one sección.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub seccion: Option<String>,
}

impl Period {
    pub fn new(from: NaiveDate, to: NaiveDate, seccion: Option<String>) -> Result<Period> {
        if to < from {
            return Err(Error::InvalidInput(msg!(
                "report.backwards",
                from = from.format("%d/%m/%Y").to_string(),
                to = to.format("%d/%m/%Y").to_string()
            )));
        }
        // Ten years at most: a report is read by people, and its weeks are counted one by one.
        if (to - from).num_days() > MAX_DAYS {
            return Err(Error::InvalidInput(msg!(
                "report.too_long",
                from = from.format("%d/%m/%Y").to_string(),
                to = to.format("%d/%m/%Y").to_string()
            )));
        }
        let seccion = seccion.map(|s| s.trim().to_ascii_uppercase()).filter(|s| !s.is_empty());
        Ok(Period { from, to, seccion })
    }

    /// A period as typed (`YYYY-MM-DD` or `DD/MM/YYYY`): `to` defaults to today and `from`
    /// to the first day of `to`'s month. The CLI and the Panel both read it here.
    pub fn typed(from: Option<&str>, to: Option<&str>, seccion: Option<String>) -> Result<Period> {
        let given = |field: &str, d: Option<&str>| {
            d.filter(|d| !d.trim().is_empty())
                .map(|d| parse_day(field, d))
                .transpose()
        };
        let to = given("to", to)?.unwrap_or_else(today);
        let from = given("from", from)?.unwrap_or_else(|| first_of_month(to));
        Period::new(from, to, seccion)
    }

    /// `[start, end)` in ms: from the first day's midnight to the midnight after the last,
    /// Mexico City time.
    pub fn bounds(&self) -> (i64, i64) {
        (midnight(self.from), after(self.to))
    }
}

/// The midnight that ends day `d` (the last day chrono knows ends at its own midnight).
fn after(d: NaiveDate) -> i64 {
    midnight(d.succ_opt().unwrap_or(d))
}

fn midnight(d: NaiveDate) -> i64 {
    let naive = d.and_hms_opt(0, 0, 0).unwrap_or_default();
    Mexico_City
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.timestamp_millis())
        .unwrap_or_else(|| naive.and_utc().timestamp_millis())
}

/// The Mexico City day of a moment.
fn day_of(ms: i64) -> NaiveDate {
    crate::time::from_ms(ms).with_timezone(&Mexico_City).date_naive()
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Count {
    pub key: String,
    pub n: usize,
}

/// A week (Monday to Sunday, cut to the period).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Week {
    /// Its first day within the period, `YYYY-MM-DD`.
    pub start: String,
    pub opened: usize,
    pub closed: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CloseTimes {
    pub procedure: String,
    pub closed: usize,
    /// Hours from opening to closing, one decimal.
    pub median_hours: f64,
    pub p90_hours: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Load {
    /// Who; empty for jobs nobody was assigned.
    pub person: String,
    /// Open at the end of the period.
    pub open: usize,
    /// Closed within the period.
    pub closed: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EscalationCount {
    /// The procedure's escalation id (`24h`, `48h`).
    pub escalation: String,
    /// Fell due within the period (those that stopped applying before they fell due excluded).
    pub due: usize,
    /// Done by the moment they were due.
    pub met: usize,
    /// Done late, or not done and already past due.
    pub missed: usize,
    /// Not done and not yet due.
    pub pending: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MaterialUse {
    pub item: String,
    pub unit: String,
    pub quantity: f64,
}

/// The figures of a period.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Report {
    pub from: String,
    pub to: String,
    pub seccion: Option<String>,
    /// The moment the figures were worked out (ms): "open at the end" and "past due" of a
    /// period not over yet are as of then, and its lists are asked as of then too.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub as_of: i64,
    /// When this device last synced (ms), if ever: the figures are of what it has.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub last_sync: Option<i64>,
    pub opened: usize,
    pub closed: usize,
    /// Open when the period ended (or now, for a period not over yet).
    pub open_at_end: usize,
    pub weeks: Vec<Week>,
    /// The jobs open at the end, by their state now (en-curso, en-espera, conflicto).
    pub open_by_state: Vec<Count>,
    /// The jobs open at the end, by age in days then: `0-7`, `8-30`, `31-90`, `90+`.
    pub open_by_age: Vec<Count>,
    pub time_to_close: Vec<CloseTimes>,
    pub workload: Vec<Load>,
    pub escalations: Vec<EscalationCount>,
    pub materials: Vec<MaterialUse>,
    /// Parts that entered the components inventory, and parts taken from it by repairs.
    pub parts_in: usize,
    pub parts_out: usize,
    /// Equipment sent to baja (decommissions closed in the period).
    pub bajas: usize,
    /// The documents of the period's expedientes missing a signature or changed after
    /// signing, by kind (only kinds with one or the other).
    pub papers: Vec<PaperCount>,
}

/// One kind of official document in a report.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PaperCount {
    /// The kind's slug (`dictamen-tecnico`).
    pub kind: String,
    /// Its official name (in Spanish, as on paper).
    pub title: String,
    /// Issued before the period's end and still missing a signature then.
    pub unsigned: usize,
    /// Its content now differs from the version its last signature sealed.
    pub altered: usize,
}

/// The figures of `period` from `facts`, as of `now` (ms): what is "open at the end" and
/// "past due" of a period not over yet is counted at `now`.
pub fn compute(period: &Period, f: &Facts, now: i64) -> Report {
    let w = Window::new(period, now);
    let counted_here;
    let t = match &f.tallies {
        Some(t) => t,
        None => {
            counted_here = Tallies::of_jobs(period, &f.jobs);
            &counted_here
        }
    };
    let counted_open;
    let open = match &f.open {
        Some(o) => o,
        None => {
            counted_open = OpenCounts::of(&w, f.jobs.iter().filter(|j| w.open(j)));
            &counted_open
        }
    };
    let counted: std::collections::HashSet<&str> =
        f.jobs.iter().filter(|j| w.counts(j)).map(|j| j.id.as_str()).collect();

    // Each day into its week by a binary search over the weeks' first days (a long period
    // has hundreds of weeks).
    let week_days = figure::weeks(period);
    let mut per_week = vec![(0usize, 0usize); week_days.len()];
    for (day, c) in &t.days {
        let i = week_days.partition_point(|(first, _)| first <= day);
        if i > 0 && *day <= week_days[i - 1].1 {
            per_week[i - 1].0 += c.opened;
            per_week[i - 1].1 += c.closed;
        }
    }
    let weeks = week_days
        .iter()
        .zip(per_week)
        .map(|((first, _), (opened, closed))| Week {
            start: first.format("%Y-%m-%d").to_string(),
            opened,
            closed,
        })
        .collect();

    // A job nobody was assigned counts for "" (shown as "Sin asignar").
    let mut by_state: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_age = [0usize; AGES.len()];
    let mut loads: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut open_at_end = 0;
    for (people, state, ages) in open.groups() {
        let n: usize = ages.iter().sum();
        open_at_end += n;
        *by_state.entry(state).or_default() += n;
        for (total, k) in by_age.iter_mut().zip(ages) {
            *total += k;
        }
        for p in people {
            loads.entry(p).or_default().0 += n;
        }
    }
    let open_by_age = AGES
        .iter()
        .zip(by_age)
        .map(|((key, _), n)| Count {
            key: (*key).to_owned(),
            n,
        })
        .collect();
    for (p, n) in &t.closed_by {
        loads.entry(p.clone()).or_default().1 += n;
    }
    let workload = loads
        .into_iter()
        .map(|(person, (open, closed))| Load { person, open, closed })
        .collect();

    let mut esc: BTreeMap<&str, EscalationCount> = BTreeMap::new();
    for (escalation, (met, missed)) in f.escalations_done.iter().flatten() {
        esc.insert(
            escalation,
            EscalationCount {
                escalation: escalation.clone(),
                due: met + missed,
                met: *met,
                missed: *missed,
                pending: 0,
            },
        );
    }
    for e in &f.escalations {
        let Some(outcome) = w.outcome(e) else { continue };
        let c = esc.entry(e.escalation.as_str()).or_insert_with(|| EscalationCount {
            escalation: e.escalation.clone(),
            due: 0,
            met: 0,
            missed: 0,
            pending: 0,
        });
        c.due += 1;
        match outcome {
            Outcome::Met => c.met += 1,
            Outcome::Missed => c.missed += 1,
            Outcome::Pending | Outcome::Due => c.pending += 1,
        }
    }

    // One item however it was spaced ("Cable UTP " is "Cable UTP").
    let mut used: BTreeMap<(String, String), f64> = BTreeMap::new();
    for m in &f.material_totals {
        *used
            .entry((m.item.trim().to_owned(), m.unit.trim().to_owned()))
            .or_default() += m.quantity;
    }

    Report {
        from: period.from.format("%Y-%m-%d").to_string(),
        to: period.to.format("%Y-%m-%d").to_string(),
        seccion: period.seccion.clone(),
        as_of: now,
        last_sync: None,
        opened: t.days.values().map(|c| c.opened).sum(),
        closed: t.days.values().map(|c| c.closed).sum(),
        open_at_end,
        weeks,
        open_by_state: by_state
            .into_iter()
            .map(|(k, n)| Count { key: k.to_owned(), n })
            .collect(),
        open_by_age,
        time_to_close: t.close_times.clone(),
        workload,
        escalations: esc.into_values().collect(),
        materials: used
            .into_iter()
            .map(|((item, unit), quantity)| MaterialUse { item, unit, quantity })
            .collect(),
        parts_in: f.parts_in.iter().filter(|(_, t)| w.within(*t)).count(),
        parts_out: f.material_totals.iter().map(|m| m.parts).sum(),
        bajas: t.days.values().map(|c| c.bajas).sum(),
        papers: paper_counts(&w, f, &counted),
    }
}

/// The documents of the jobs `counted`, by kind in the order of [`crate::forms::ALL_KINDS`].
fn paper_counts(w: &Window, f: &Facts, counted: &std::collections::HashSet<&str>) -> Vec<PaperCount> {
    let mut n: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for p in f.papers.iter().filter(|p| counted.contains(p.expediente_id.as_str())) {
        let e = n.entry(p.kind.as_str()).or_default();
        e.0 += usize::from(w.unsigned(p));
        e.1 += usize::from(w.altered(p));
    }
    crate::forms::ALL_KINDS
        .iter()
        .filter_map(|k| {
            let kind = k.slug();
            let &(unsigned, altered) = n.get(kind.as_str())?;
            (unsigned + altered > 0).then(|| PaperCount {
                kind,
                title: k.title().to_owned(),
                unsigned,
                altered,
            })
        })
        .collect()
}

impl Store {
    /// The figures of `period` from this device's expedientes.
    pub fn report(&self, period: &Period) -> Result<Report> {
        let now = crate::time::now_ms();
        let w = Window::new(period, now);
        let f = facts::load(self.conn(), period, &w, Detail::Counts)?;
        let mut r = compute(period, &f, now);
        r.last_sync = self.sync_setting("last_sync")?.and_then(|t| t.parse().ok());
        Ok(r)
    }

    /// One page of the expedientes behind one figure of `period`, as of `as_of` (ms; the
    /// moment the figure was worked out, [`Report::as_of`], so the list matches what was
    /// shown), oldest first (as in the exported list), and how many there are in all.
    /// Pages, because a figure of a years-long archive can stand for thousands.
    pub fn report_jobs(&self, period: &Period, figure: &Figure, as_of: i64, page: Page) -> Result<(u64, Vec<Row>)> {
        let w = Window::new(period, as_of);
        // The lists of jobs opened or closed in the period read every one of them; the
        // others, the jobs open at its end and those with documents to count.
        let detail = match figure {
            Figure::Material { .. } | Figure::PartsOut => Detail::Uses,
            Figure::All
            | Figure::Opened
            | Figure::Closed
            | Figure::Week { .. }
            | Figure::Procedure { .. }
            | Figure::Bajas
            | Figure::Person {
                closed: None | Some(true),
                ..
            } => Detail::EveryJob,
            Figure::Open
            | Figure::State { .. }
            | Figure::Age { .. }
            | Figure::Person {
                closed: Some(false), ..
            } => Detail::OpenJobs,
            Figure::Unsigned { .. } | Figure::Altered { .. } | Figure::Escalation { .. } | Figure::PartsIn => {
                Detail::PaperJobs
            }
        };
        let f = facts::load(self.conn(), period, &w, detail)?;
        let ids = figure::behind(period, &f, as_of, figure);
        let mut keyed: Vec<(i64, String, String)> = Vec::with_capacity(ids.len());
        let known: std::collections::HashMap<&str, &facts::JobFact> =
            f.jobs.iter().map(|j| (j.id.as_str(), j)).collect();
        // An escalation or a material can name a job the period's facts do not hold.
        let mut others = Vec::new();
        for id in ids {
            match known.get(id.as_str()) {
                Some(j) => keyed.push((j.created_at, j.folio.clone(), id)),
                None => others.push(id),
            }
        }
        if !others.is_empty() {
            keyed.extend(
                rows_of(self, others, Sort::Oldest)?
                    .into_iter()
                    .map(|r| (r.created_at, r.folio, r.id)),
            );
        }
        keyed.sort_unstable();
        // What can be listed (a job held aside has no row to show).
        let total = keyed.len() as u64;
        let ids: Vec<String> = keyed
            .into_iter()
            .skip(page.offset)
            .take(page.limit)
            .map(|(_, _, id)| id)
            .collect();
        Ok((total, rows_of(self, ids, Sort::Oldest)?))
    }

    /// The figures of `period` and its tables (the exported files), from one reading.
    pub fn report_tables(&self, period: &Period, locale: Locale) -> Result<(Report, Vec<tables::Table>)> {
        let (r, jobs) = self.report_with_jobs(period)?;
        let devices = self.devices_status(r.as_of)?;
        let t = tables::tables(&r, &jobs, &devices, locale);
        Ok((r, t))
    }

    /// The figures of `period` and every expedientes they count, from one reading of the
    /// facts (the exported files: the tables and the list always agree).
    pub fn report_with_jobs(&self, period: &Period) -> Result<(Report, Vec<JobLine>)> {
        let now = crate::time::now_ms();
        let w = Window::new(period, now);
        let f = facts::load(self.conn(), period, &w, Detail::EveryJob)?;
        let mut report = compute(period, &f, now);
        report.last_sync = self.sync_setting("last_sync")?.and_then(|t| t.parse().ok());
        let ids = figure::behind(period, &f, now, &Figure::All);
        let facts: std::collections::HashMap<&str, &facts::JobFact> =
            f.jobs.iter().map(|j| (j.id.as_str(), j)).collect();
        let mut lines: Vec<JobLine> = rows_of(self, ids, Sort::Oldest)?
            .into_iter()
            .map(|row| {
                let fact = facts.get(row.id.as_str());
                JobLine {
                    seccion: fact.map(|j| j.seccion.clone()).unwrap_or_default(),
                    closed_at: fact.and_then(|j| j.closed_at),
                    row,
                }
            })
            .collect();
        lines.sort_by(|a, b| (a.row.created_at, &a.row.folio).cmp(&(b.row.created_at, &b.row.folio)));
        Ok((report, lines))
    }
}

/// One expediente in a report's list: its row in the archive, its sección and when it closed.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct JobLine {
    pub row: Row,
    pub seccion: String,
    pub closed_at: Option<i64>,
}

/// Which rows of a list, by position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub offset: usize,
    pub limit: usize,
}

impl Page {
    /// Every row (a test's, or a file's).
    pub const ALL: Page = Page {
        offset: 0,
        limit: usize::MAX,
    };
}

fn rows_of(store: &Store, ids: Vec<String>, sort: Sort) -> Result<Vec<Row>> {
    let limit = u32::try_from(ids.len()).unwrap_or(u32::MAX);
    index::list(
        store.conn(),
        &Filter {
            ids: Some(ids),
            limit: Some(limit),
            sort,
            ..Filter::default()
        },
    )
}

/// The first day of `d`'s month (a report's default start).
pub fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// Today in Mexico City.
pub fn today() -> NaiveDate {
    day_of(crate::time::now_ms())
}

/// Typed days as `[start, end)` bounds in ms, either end optional: the first day's
/// midnight and the midnight after the last, Mexico City (the archive's date filters).
/// `names` say which fields they were, for the error.
pub fn day_bounds(from: Option<&str>, to: Option<&str>, names: (&str, &str)) -> Result<(Option<i64>, Option<i64>)> {
    let day = |name: &str, d: Option<&str>| {
        d.filter(|d| !d.trim().is_empty())
            .map(|d| parse_day(name, d))
            .transpose()
    };
    let (from, to) = (day(names.0, from)?, day(names.1, to)?);
    Ok((from.map(midnight), to.map(after)))
}

/// Day `d` of the month as the CLI and the dashboard take it: `YYYY-MM-DD` or `DD/MM/YYYY`.
pub fn parse_day(field: &str, text: &str) -> Result<NaiveDate> {
    Ok(crate::time::parse_date(field, text)?)
}

#[cfg(test)]
mod tally_tests;
#[cfg(test)]
mod tests;
