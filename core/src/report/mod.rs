//! The department's figures for a period (issue: the office's picture): expedientes opened
//! and closed per week, the open ones by state and age, time to close per procedure, work
//! per técnico, P6 escalations met and missed, material used, parts into and out of the
//! components inventory, equipment sent to baja. One computation, [`compute`], over facts
//! kept beside the index ([`facts`]); the CLI's `report`, the dashboard and the exported
//! files all show its numbers. Days are Mexico City days: a job closed at 23:30 in Veracruz
//! on the 30th belongs to the 30th.

pub mod facts;

use std::collections::BTreeMap;

use brigada_record::msg;
use chrono::{Datelike, Duration, NaiveDate, TimeZone};
use chrono_tz::America::Mexico_City;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::store::Store;
use facts::Facts;

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
        (midnight(self.from), midnight(self.to + Duration::days(1)))
    }
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
}

const AGES: [(&str, i64); 4] = [("0-7", 7), ("8-30", 30), ("31-90", 90), ("90+", i64::MAX)];
const DAY_MS: i64 = 86_400_000;

/// The hours at the nearest-rank percentile `p` of sorted `xs`.
fn percentile(xs: &[f64], p: f64) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    let rank = ((p * xs.len() as f64).ceil() as usize).clamp(1, xs.len());
    (xs[rank - 1] * 10.0).round() / 10.0
}

/// The figures of `period` from `facts`, as of `now` (ms): what is "open at the end" and
/// "past due" of a period not over yet is counted at `now`.
pub fn compute(period: &Period, f: &Facts, now: i64) -> Report {
    let (start, end) = period.bounds();
    let cutoff = end.min(now);
    let within = |t: i64| t >= start && t < end;
    let opened: Vec<_> = f.jobs.iter().filter(|j| within(j.created_at)).collect();
    let closed: Vec<_> = f.jobs.iter().filter(|j| j.closed_at.is_some_and(within)).collect();
    let open: Vec<_> = f
        .jobs
        .iter()
        .filter(|j| j.created_at < cutoff && j.closed_at.is_none_or(|c| c >= cutoff))
        .collect();

    // Weeks from the period's first day, each cut at Sunday and at the period's end.
    let mut weeks = Vec::new();
    let mut day = period.from;
    while day <= period.to {
        let sunday = day + Duration::days(6 - i64::from(day.weekday().num_days_from_monday()));
        let last = sunday.min(period.to);
        let (a, b) = (midnight(day), midnight(last + Duration::days(1)));
        let inside = |t: i64| t >= a && t < b;
        weeks.push(Week {
            start: day.format("%Y-%m-%d").to_string(),
            opened: opened.iter().filter(|j| inside(j.created_at)).count(),
            closed: closed.iter().filter(|j| j.closed_at.is_some_and(inside)).count(),
        });
        day = last + Duration::days(1);
    }

    let mut by_state: BTreeMap<&str, usize> = BTreeMap::new();
    for j in &open {
        *by_state
            .entry(if j.state == "terminado" {
                "en-curso"
            } else {
                j.state.as_str()
            })
            .or_default() += 1;
    }
    let open_by_age = AGES
        .iter()
        .enumerate()
        .map(|(i, (key, max))| {
            let min = if i == 0 { 0 } else { AGES[i - 1].1 + 1 };
            Count {
                key: (*key).to_owned(),
                n: open
                    .iter()
                    .filter(|j| {
                        let days = (cutoff - j.created_at) / DAY_MS;
                        days >= min && days <= *max
                    })
                    .count(),
            }
        })
        .collect();

    let mut hours: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for j in &closed {
        if let Some(c) = j.closed_at {
            hours
                .entry(j.procedure.as_str())
                .or_default()
                .push((c - j.created_at) as f64 / 3_600_000.0);
        }
    }
    let time_to_close = hours
        .into_iter()
        .map(|(procedure, mut hs)| {
            hs.sort_by(f64::total_cmp);
            CloseTimes {
                procedure: procedure.to_owned(),
                closed: hs.len(),
                median_hours: percentile(&hs, 0.5),
                p90_hours: percentile(&hs, 0.9),
            }
        })
        .collect();

    // A job nobody was assigned counts for "" (shown as "Sin asignar").
    let mut loads: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let people = |j: &facts::JobFact| -> Vec<String> {
        if j.assignees.is_empty() {
            vec![String::new()]
        } else {
            j.assignees.clone()
        }
    };
    for j in &open {
        for p in people(j) {
            loads.entry(p).or_default().0 += 1;
        }
    }
    for j in &closed {
        for p in people(j) {
            loads.entry(p).or_default().1 += 1;
        }
    }
    let workload = loads
        .into_iter()
        .map(|(person, (open, closed))| Load { person, open, closed })
        .collect();

    let mut esc: BTreeMap<&str, EscalationCount> = BTreeMap::new();
    for e in &f.escalations {
        // Not counted: outside the period, or no longer applying before it fell due.
        let moot = e.done_at.is_none() && e.stopped_at.is_some_and(|s| s <= e.due_at);
        if !within(e.due_at) || moot {
            continue;
        }
        let c = esc.entry(e.escalation.as_str()).or_insert_with(|| EscalationCount {
            escalation: e.escalation.clone(),
            due: 0,
            met: 0,
            missed: 0,
            pending: 0,
        });
        c.due += 1;
        match e.done_at {
            Some(d) if d <= e.due_at => c.met += 1,
            Some(_) => c.missed += 1,
            None if e.due_at < now => c.missed += 1,
            None => c.pending += 1,
        }
    }

    let mut used: BTreeMap<(String, String), f64> = BTreeMap::new();
    for m in f.materials.iter().filter(|m| within(m.at)) {
        *used
            .entry((m.item.trim().to_owned(), m.unit.trim().to_owned()))
            .or_default() += m.quantity;
    }

    Report {
        from: period.from.format("%Y-%m-%d").to_string(),
        to: period.to.format("%Y-%m-%d").to_string(),
        seccion: period.seccion.clone(),
        opened: opened.len(),
        closed: closed.len(),
        open_at_end: open.len(),
        weeks,
        open_by_state: by_state
            .into_iter()
            .map(|(k, n)| Count { key: k.to_owned(), n })
            .collect(),
        open_by_age,
        time_to_close,
        workload,
        escalations: esc.into_values().collect(),
        materials: used
            .into_iter()
            .map(|((item, unit), quantity)| MaterialUse { item, unit, quantity })
            .collect(),
        parts_in: f.parts_in.iter().filter(|t| within(**t)).count(),
        parts_out: f.materials.iter().filter(|m| m.component && within(m.at)).count(),
        bajas: closed.iter().filter(|j| j.baja).count(),
    }
}

impl Store {
    /// The figures of `period` from this device's expedientes.
    pub fn report(&self, period: &Period) -> Result<Report> {
        let (start, end) = period.bounds();
        let f = facts::load(self.conn(), start, end, period.seccion.as_deref())?;
        Ok(compute(period, &f, crate::time::now_ms()))
    }
}

/// The first day of `d`'s month (a report's default start).
pub fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// Today in Mexico City.
pub fn today() -> NaiveDate {
    day_of(crate::time::now_ms())
}

/// Day `d` of the month as the CLI and the dashboard take it: `YYYY-MM-DD` or `DD/MM/YYYY`.
pub fn parse_day(field: &str, text: &str) -> Result<NaiveDate> {
    Ok(crate::time::parse_date(field, text)?)
}

#[cfg(test)]
mod tests;
