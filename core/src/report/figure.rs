//! Which expedientes stand behind each figure of a report. A figure on the dashboard (a
//! count, a bar of a chart) opens the list of the jobs it counts; the office checks a
//! number by reading its expedientes. The rules that put a job in a figure live here once,
//! as [`Window`]'s predicates, and both [`super::compute`] (the counts) and [`behind`] (the
//! lists) use them, so a list always has as many expedientes as its figure says.

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::facts::{EscalationFact, Facts, JobFact};
use super::papers::PaperFact;
use super::{Period, after, midnight};

/// One figure of a report, as the dashboard names it to ask for its expedientes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "figure", rename_all = "kebab-case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Figure {
    /// Every expediente the period counts: opened or closed in it, or open at its end.
    All,
    Opened,
    Closed,
    /// Open at the end of the period.
    Open,
    /// Opened (or closed) in the week that starts on `start` (`YYYY-MM-DD`).
    Week {
        start: String,
        closed: bool,
    },
    /// Open at the end, in this state.
    State {
        state: String,
    },
    /// Open at the end, of this age (`0-7`, `8-30`, `31-90`, `90+`).
    Age {
        age: String,
    },
    /// Closed in the period, of this procedure.
    Procedure {
        procedure: String,
    },
    /// Of this person ("" for unassigned): open at the end (`closed` false), closed in
    /// the period (true), or either (absent: the person's whole load).
    Person {
        person: String,
        closed: Option<bool>,
    },
    /// P6 escalations of this id that fell due in the period, with this outcome.
    Escalation {
        escalation: String,
        outcome: Outcome,
    },
    /// That used this material in the period.
    Material {
        item: String,
        unit: String,
    },
    /// That put parts into the components inventory in the period (the figure counts
    /// parts: one expediente may put in several).
    PartsIn,
    /// That took parts from the components inventory in the period (parts, as above).
    PartsOut,
    /// Closed in the period, sending equipment to baja.
    Bajas,
    /// With a document (of this kind, a slug, or any) issued before the end and missing a
    /// signature then (the figure counts documents).
    Unsigned {
        kind: Option<String>,
    },
    /// With a document (of this kind, or any) changed after its last signature.
    Altered {
        kind: Option<String>,
    },
}

/// How an escalation that fell due turned out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Outcome {
    /// Any outcome: every escalation that fell due.
    Due,
    Met,
    Missed,
    Pending,
}

/// Open jobs' age buckets in days: key and the last day in it.
pub const AGES: [(&str, i64); 4] = [("0-7", 7), ("8-30", 30), ("31-90", 90), ("90+", i64::MAX)];
const DAY_MS: i64 = 86_400_000;

/// A period as the rules see it: `[start, end)` in ms, and the moment "open at the end" and
/// "past due" are counted at (the end, or now for a period not over yet).
pub struct Window {
    pub start: i64,
    pub end: i64,
    pub cutoff: i64,
    pub now: i64,
}

impl Window {
    pub fn new(period: &Period, now: i64) -> Window {
        let (start, end) = period.bounds();
        Window {
            start,
            end,
            cutoff: end.min(now),
            now,
        }
    }

    pub fn within(&self, t: i64) -> bool {
        t >= self.start && t < self.end
    }

    pub fn opened(&self, j: &JobFact) -> bool {
        self.within(j.created_at)
    }

    pub fn closed(&self, j: &JobFact) -> bool {
        j.closed_at.is_some_and(|t| self.within(t))
    }

    pub fn open(&self, j: &JobFact) -> bool {
        j.created_at < self.cutoff && j.closed_at.is_none_or(|c| c >= self.cutoff)
    }

    /// Whether the period counts the job at all: opened or closed in it, or open at its end.
    pub fn counts(&self, j: &JobFact) -> bool {
        self.opened(j) || self.closed(j) || self.open(j)
    }

    /// A document issued before the cutoff that still lacked a signature then.
    pub fn unsigned(&self, p: &PaperFact) -> bool {
        p.issued_at < self.cutoff && p.complete_at.is_none_or(|c| c >= self.cutoff)
    }

    /// A document whose content now differs from what its last signature sealed.
    pub fn altered(&self, p: &PaperFact) -> bool {
        p.changed == Some(true)
    }

    /// The state an open job is counted under (a job closed after the period's end was
    /// still going at its end).
    pub fn state<'a>(&self, j: &'a JobFact) -> &'a str {
        open_state(&j.state)
    }

    /// The age bucket of an open job at the cutoff.
    pub fn age(&self, j: &JobFact) -> &'static str {
        AGES[self.age_index(j.created_at)].0
    }

    /// Which of [`AGES`] a job open since `created_at` falls in at the cutoff.
    pub fn age_index(&self, created_at: i64) -> usize {
        let days = self.cutoff.saturating_sub(created_at) / DAY_MS;
        AGES.iter().position(|(_, max)| days <= *max).unwrap_or(AGES.len() - 1)
    }

    /// How an escalation turned out; `None` when the period does not count it (it fell due
    /// outside, or stopped applying before it fell due).
    pub fn outcome(&self, e: &EscalationFact) -> Option<Outcome> {
        let moot = e.done_at.is_none() && e.stopped_at.is_some_and(|s| s <= e.due_at);
        if !self.within(e.due_at) || moot {
            return None;
        }
        Some(match e.done_at {
            Some(d) if d <= e.due_at => Outcome::Met,
            Some(_) => Outcome::Missed,
            None if e.due_at < self.now => Outcome::Missed,
            None => Outcome::Pending,
        })
    }
}

/// The state a job open at a period's end is counted under, from its state now (a job
/// closed after the period's end was still going at its end).
pub fn open_state(state: &str) -> &str {
    if state == "terminado" { "en-curso" } else { state }
}

/// Who a job counts for: its assignees, or "" when nobody was assigned.
pub fn people(j: &JobFact) -> Vec<String> {
    // Tidied as a job row's text is read back, so a figure and its list name people alike
    // whichever way the job came.
    super::tally::people_of(&j.assignees.join("\n"))
}

/// The period's weeks (Monday to Sunday), each cut to the period: first and last day.
pub fn weeks(period: &Period) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let mut day = period.from;
    while day <= period.to {
        let to_sunday = 6 - u64::from(day.weekday().num_days_from_monday());
        let sunday = day.checked_add_days(Days::new(to_sunday)).unwrap_or(period.to);
        let last = sunday.min(period.to);
        out.push((day, last));
        match last.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    out
}

/// `[start, end)` in ms of a week from [`weeks`].
pub fn week_bounds((first, last): (NaiveDate, NaiveDate)) -> (i64, i64) {
    (midnight(first), after(last))
}

/// The ids of the expedientes behind `figure`, in the order of the facts.
pub fn behind(period: &Period, f: &Facts, now: i64, figure: &Figure) -> Vec<String> {
    let w = Window::new(period, now);
    let jobs = |keep: &dyn Fn(&JobFact) -> bool| -> Vec<String> {
        f.jobs.iter().filter(|j| keep(j)).map(|j| j.id.clone()).collect()
    };
    // The jobs of escalations, materials and parts, once each in the order met. Not
    // limited to the jobs of `f.jobs` (open at some moment of the period): a job opened
    // after the period can hold a moment that fell due inside it, and the count has it.
    let with = |ids: Vec<&str>| -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        ids.into_iter()
            .filter(|id| seen.insert(*id))
            .map(str::to_owned)
            .collect()
    };
    // The jobs the period counts with a document that `keep` selects.
    let counted: std::collections::HashSet<&str> =
        f.jobs.iter().filter(|j| w.counts(j)).map(|j| j.id.as_str()).collect();
    let papers = |keep: &dyn Fn(&PaperFact) -> bool| -> Vec<String> {
        with(
            f.papers
                .iter()
                .filter(|p| keep(p) && counted.contains(p.expediente_id.as_str()))
                .map(|p| p.expediente_id.as_str())
                .collect(),
        )
    };
    match figure {
        Figure::All => jobs(&|j| w.counts(j)),
        Figure::Opened => jobs(&|j| w.opened(j)),
        Figure::Closed => jobs(&|j| w.closed(j)),
        Figure::Open => jobs(&|j| w.open(j)),
        Figure::Week { start, closed } => {
            let Some(week) = weeks(period)
                .into_iter()
                .find(|(first, _)| first.format("%Y-%m-%d").to_string() == *start)
            else {
                return Vec::new();
            };
            let (a, b) = week_bounds(week);
            let inside = |t: i64| t >= a && t < b;
            if *closed {
                jobs(&|j| j.closed_at.is_some_and(inside))
            } else {
                jobs(&|j| inside(j.created_at))
            }
        }
        Figure::State { state } => jobs(&|j| w.open(j) && w.state(j) == state.as_str()),
        Figure::Age { age } => jobs(&|j| w.open(j) && w.age(j) == age.as_str()),
        Figure::Procedure { procedure } => jobs(&|j| w.closed(j) && j.procedure == *procedure),
        Figure::Person { person, closed } => jobs(&|j| {
            let counted = match closed {
                Some(true) => w.closed(j),
                Some(false) => w.open(j),
                None => w.closed(j) || w.open(j),
            };
            counted && people(j).contains(person)
        }),
        Figure::Escalation { escalation, outcome } => with(
            f.escalations
                .iter()
                .filter(|e| e.escalation == *escalation)
                .filter(|e| w.outcome(e).is_some_and(|o| *outcome == Outcome::Due || o == *outcome))
                .map(|e| e.expediente_id.as_str())
                .collect(),
        ),
        Figure::Material { item, unit } => with(
            f.materials
                .iter()
                .filter(|m| w.within(m.at) && m.item.trim() == item.as_str() && m.unit.trim() == unit.as_str())
                .map(|m| m.expediente_id.as_str())
                .collect(),
        ),
        Figure::PartsIn => with(
            f.parts_in
                .iter()
                .filter(|(_, t)| w.within(*t))
                .map(|(id, _)| id.as_str())
                .collect(),
        ),
        Figure::PartsOut => with(
            f.materials
                .iter()
                .filter(|m| m.component && w.within(m.at))
                .map(|m| m.expediente_id.as_str())
                .collect(),
        ),
        Figure::Bajas => jobs(&|j| w.closed(j) && j.baja),
        Figure::Unsigned { kind } => papers(&|p| w.unsigned(p) && kind.as_ref().is_none_or(|k| *k == p.kind)),
        Figure::Altered { kind } => papers(&|p| w.altered(p) && kind.as_ref().is_none_or(|k| *k == p.kind)),
    }
}
