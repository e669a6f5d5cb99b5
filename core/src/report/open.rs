//! The jobs open at a period's cutoff, and the jobs whose documents a period may count.
//!
//! Neither set grows with the period: the open ones are those not closed (an index on
//! them) and those that closed after the cutoff but opened before it (found by their
//! spans, [`super::tally::spanning`]); the others, those whose documents changed after
//! signing or lacked a signature at the cutoff, found the same way. The Panel counts the
//! open ones without building a row for each ([`OpenCounts`]); the lists behind its
//! figures read them whole.

use std::collections::HashMap;

use rusqlite::{Connection, params};

use super::facts::{JOB_COLUMNS, JobFact, job_row};
use super::figure::{AGES, Window, open_state};
use super::tally::{people_of, spanning};
use crate::error::Result;

/// The jobs open at a cutoff, counted: by who they are for (the row's `assignees` text),
/// by the state they are counted under, by age ([`AGES`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OpenCounts(HashMap<String, HashMap<String, [usize; AGES.len()]>>);

impl OpenCounts {
    fn add(&mut self, assignees: &str, state: &str, age: usize) {
        let by_state = match self.0.get_mut(assignees) {
            Some(m) => m,
            None => self.0.entry(assignees.to_owned()).or_default(),
        };
        let ages = match by_state.get_mut(state) {
            Some(a) => a,
            None => by_state.entry(state.to_owned()).or_default(),
        };
        ages[age] += 1;
    }

    /// Count `jobs` (those open at `w`'s cutoff).
    pub fn of<'a>(w: &Window, jobs: impl Iterator<Item = &'a JobFact>) -> OpenCounts {
        let mut c = OpenCounts::default();
        for j in jobs {
            c.add(&j.assignees.join("\n"), open_state(&j.state), w.age_index(j.created_at));
        }
        c
    }

    /// Each group: who (`""` for nobody), the state, how many of each age.
    pub fn groups(&self) -> impl Iterator<Item = (Vec<String>, &str, &[usize; AGES.len()])> {
        self.0.iter().flat_map(|(assignees, states)| {
            let people = people_of(assignees);
            states.iter().map(move |(s, ages)| (people.clone(), s.as_str(), ages))
        })
    }
}

/// `columns` of the jobs open at moment `?1` (of sección `?2`, or all): not closed, and
/// closed after it but opened before.
fn open_sql(columns: &str) -> [String; 2] {
    [
        format!(
            "SELECT {columns} FROM job_facts WHERE closed_at IS NULL AND created_at < ?1 AND (?2 IS NULL OR seccion = ?2)"
        ),
        spanning(columns, "job_facts_spans", ["open_class", "created_at", "closed_at"]),
    ]
}

/// The jobs open at `w`'s cutoff, counted.
pub fn count(conn: &Connection, w: &Window, sec: Option<&str>) -> Result<OpenCounts> {
    let mut c = OpenCounts::default();
    for sql in open_sql("state, created_at, assignees") {
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params![w.cutoff, sec])?;
        // Read in place: a year-old archive keeps thousands open.
        while let Some(r) = rows.next()? {
            let state = r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
            let assignees = r.get_ref(2)?.as_str().map_err(rusqlite::Error::from)?;
            c.add(assignees, open_state(state), w.age_index(r.get(1)?));
        }
    }
    Ok(c)
}

/// The jobs open at `w`'s cutoff, whole.
pub fn rows(conn: &Connection, w: &Window, sec: Option<&str>) -> Result<Vec<JobFact>> {
    let mut jobs = Vec::new();
    for sql in open_sql(JOB_COLUMNS) {
        let mut stmt = conn.prepare_cached(&sql)?;
        for j in stmt.query_map(params![w.cutoff, sec], job_row)? {
            jobs.push(j?);
        }
    }
    Ok(jobs)
}

/// The jobs `w` counts (opened or closed in it, or open at its end) whose documents may be
/// unsigned at its cutoff or altered ([`JobFact::papers_matter`]).
pub fn with_papers(conn: &Connection, w: &Window, sec: Option<&str>) -> Result<Vec<JobFact>> {
    let mut seen = std::collections::HashSet::new();
    let mut jobs = Vec::new();
    for sql in [
        format!(
            "SELECT {JOB_COLUMNS} FROM job_facts WHERE papers_changed = 1 AND (?2 IS NULL OR seccion = ?2)
             UNION ALL
             SELECT {JOB_COLUMNS} FROM job_facts WHERE papers_signed IS NULL AND papers_from < ?1
               AND (?2 IS NULL OR seccion = ?2)"
        ),
        spanning(
            JOB_COLUMNS,
            "job_facts_signing",
            ["papers_class", "papers_from", "papers_signed"],
        ),
    ] {
        let mut stmt = conn.prepare_cached(&sql)?;
        for j in stmt.query_map(params![w.cutoff, sec], job_row)? {
            let j = j?;
            if w.counts(&j) && seen.insert(j.id.clone()) {
                jobs.push(j);
            }
        }
    }
    Ok(jobs)
}
