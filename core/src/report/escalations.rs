//! P6's escalation moments (24 h, 48 h) as the figures count them: one row per moment of
//! each job (when it fell due, when it was done, when it stopped applying), and all of
//! them kept added up per month, sección and escalation: done in time, done late, not
//! done and still applying.
//!
//! A moment done is met or missed for good; one not done is missed or still pending
//! depending on when the figures are asked, and one that stopped applying before it fell
//! due counts nowhere. A whole month over by then is read from its totals alone (what was
//! not done there fell due before now: missed); a whole month not over reads its done
//! moments from the totals and the others one by one; the days at either end are read one
//! by one. A department that follows every telephone failure has tens of thousands of
//! moments (the 48 h one is never "done": it is missed or stops); a year reads a month's
//! worth of rows at most.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rusqlite::{Connection, params};

use super::facts::EscalationFact;
use super::figure::Window;
use super::tally::{Split, month_key, sec_key, split};
use super::{Period, after, day_of, midnight};
use crate::error::Result;

/// Each moment's sección and Mexico City month (what it is added up under), the monthly
/// totals of the ones done, and an index on the ones not done that still apply.
pub const MIGRATION: &str = "
ALTER TABLE escalation_facts ADD COLUMN seccion TEXT NOT NULL DEFAULT '';
ALTER TABLE escalation_facts ADD COLUMN month TEXT NOT NULL DEFAULT '';
CREATE TABLE escalation_months (
    seccion TEXT NOT NULL,
    month TEXT NOT NULL,
    escalation TEXT NOT NULL,
    met INTEGER NOT NULL,
    late INTEGER NOT NULL,
    undone INTEGER NOT NULL,
    PRIMARY KEY (seccion, month, escalation)
) WITHOUT ROWID;
CREATE INDEX escalation_facts_open ON escalation_facts (due_at)
    WHERE done_at IS NULL AND (stopped_at IS NULL OR stopped_at > due_at);
";

/// The condition of that index, as a query must repeat it to use it.
const APPLYING: &str = "done_at IS NULL AND (stopped_at IS NULL OR stopped_at > due_at)";

/// One moment of one job as kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Moment {
    pub escalation: String,
    pub due_at: i64,
    pub done_at: Option<i64>,
    pub stopped_at: Option<i64>,
}

/// The moment in columns `i..i + 4` of a row (escalation, due, done, stopped).
fn moment_at(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Moment> {
    Ok(Moment {
        escalation: r.get(i)?,
        due_at: r.get(i + 1)?,
        done_at: r.get(i + 2)?,
        stopped_at: r.get(i + 3)?,
    })
}

/// Add a moment to its month's totals (`sign` 1) or take it out (-1): done in time
/// (`met`), done late (`late`), or not done and still applying (`undone`: missed once it
/// fell due). A moment that stopped applying before it fell due counts nowhere.
fn add(conn: &Connection, seccion: &str, month: &str, m: &Moment, sign: i64) -> Result<()> {
    let n = match m.done_at {
        Some(done) if done <= m.due_at => [sign, 0, 0],
        Some(_) => [0, sign, 0],
        None if m.stopped_at.is_none_or(|s| s > m.due_at) => [0, 0, sign],
        None => return Ok(()),
    };
    for sec in [sec_key(Some(seccion)), sec_key(None)] {
        conn.prepare_cached(
            "INSERT INTO escalation_months (seccion, month, escalation, met, late, undone) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (seccion, month, escalation) DO UPDATE SET met = met + excluded.met,
                late = late + excluded.late, undone = undone + excluded.undone",
        )?
        .execute(params![sec, month, m.escalation, n[0], n[1], n[2]])?;
        conn.prepare_cached(
            "DELETE FROM escalation_months WHERE seccion = ?1 AND month = ?2 AND escalation = ?3
               AND met <= 0 AND late <= 0 AND undone <= 0",
        )?
        .execute(params![sec, month, m.escalation])?;
    }
    Ok(())
}

fn month_of(ms: i64) -> String {
    month_key(day_of(ms))
}

/// Rewrite the moments of job `id` (of sección `seccion`) and the totals with them; nothing
/// is touched when they are as kept (most edits).
pub fn upsert(conn: &Connection, id: &str, seccion: &str, new: &[Moment]) -> Result<()> {
    let old: Vec<(Moment, String, String)> = conn
        .prepare_cached(
            "SELECT escalation, due_at, done_at, stopped_at, seccion, month FROM escalation_facts
             WHERE expediente_id = ?1 ORDER BY escalation",
        )?
        .query_map([id], |r| Ok((moment_at(r, 0)?, r.get(4)?, r.get(5)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut new: Vec<Moment> = new.to_vec();
    new.sort_by(|a, b| a.escalation.cmp(&b.escalation));
    new.dedup_by(|a, b| a.escalation == b.escalation);
    let same = old.len() == new.len()
        && old
            .iter()
            .zip(&new)
            .all(|((o, sec, month), n)| o == n && sec == seccion && *month == month_of(n.due_at));
    if same {
        return Ok(());
    }
    for (m, sec, month) in &old {
        add(conn, sec, month, m, -1)?;
    }
    conn.execute("DELETE FROM escalation_facts WHERE expediente_id = ?1", [id])?;
    for m in &new {
        let month = month_of(m.due_at);
        conn.prepare_cached(
            "INSERT INTO escalation_facts (expediente_id, escalation, due_at, done_at, stopped_at, seccion, month)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            id,
            m.escalation,
            m.due_at,
            m.done_at,
            m.stopped_at,
            seccion,
            month
        ])?;
        add(conn, seccion, &month, m, 1)?;
    }
    Ok(())
}

/// Fill each moment's sección and month, and the monthly totals, from the rows already
/// kept (the migration that adds them).
pub fn fill(conn: &Connection) -> Result<()> {
    let rows: Vec<(String, Moment, String)> = conn
        .prepare(
            "SELECT x.expediente_id, x.escalation, x.due_at, x.done_at, x.stopped_at, coalesce(j.seccion, '')
             FROM escalation_facts x LEFT JOIN job_facts j ON j.id = x.expediente_id",
        )?
        .query_map([], |r| Ok((r.get(0)?, moment_at(r, 1)?, r.get(5)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, m, seccion) in &rows {
        let month = month_of(m.due_at);
        conn.prepare_cached(
            "UPDATE escalation_facts SET seccion = ?3, month = ?4 WHERE expediente_id = ?1 AND escalation = ?2",
        )?
        .execute(params![id, m.escalation, seccion, month])?;
        add(conn, seccion, &month, m, 1)?;
    }
    Ok(())
}

const COLUMNS: &str = "expediente_id, escalation, due_at, done_at, stopped_at";

fn fact(r: &rusqlite::Row<'_>) -> rusqlite::Result<EscalationFact> {
    Ok(EscalationFact {
        expediente_id: r.get(0)?,
        escalation: r.get(1)?,
        due_at: r.get(2)?,
        done_at: r.get(3)?,
        stopped_at: r.get(4)?,
    })
}

/// Every moment that fell due in window `w` (of sección `sec`, or all), one by one.
pub fn every(conn: &Connection, w: &Window, sec: Option<&str>) -> Result<Vec<EscalationFact>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM escalation_facts
         WHERE due_at >= ?1 AND due_at < ?2 AND (?3 IS NULL OR seccion = ?3)"
    ))?;
    Ok(stmt
        .query_map(params![w.start, w.end, sec], fact)?
        .collect::<rusqlite::Result<_>>()?)
}

/// Moments per escalation, of whole months, counted from their totals: met, and missed.
pub type Done = BTreeMap<String, (usize, usize)>;

/// The moments of `period` (as window `w` asks, its `now` deciding what is still pending)
/// as the figures count them. The whole months over by `now` come from their totals alone:
/// a moment not done and still applying there fell due before `now`, so it was missed. The
/// whole months not over yet have their done moments from the totals and the others one
/// by one; the days at either end are read one by one.
pub fn counted(
    conn: &Connection,
    period: &Period,
    w: &Window,
    sec: Option<&str>,
) -> Result<(Done, Vec<EscalationFact>)> {
    let mut done = Done::new();
    let mut one_by_one = Vec::new();
    let Split { months, edges } = split(period);
    let mut between = |a: i64, b: i64, only_applying: bool| -> Result<()> {
        let applying = if only_applying { APPLYING } else { "1" };
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM escalation_facts
             WHERE due_at >= ?1 AND due_at < ?2 AND (?3 IS NULL OR seccion = ?3) AND {applying}"
        ))?;
        for f in stmt.query_map(params![a, b, sec], fact)? {
            one_by_one.push(f?);
        }
        Ok(())
    };
    if let Some((first, last)) = months {
        let next = |m: NaiveDate| m.checked_add_months(chrono::Months::new(1));
        // The first whole month not over at `now` (or none).
        let mut open = first;
        while let Some(n) = next(open).filter(|n| open <= last && midnight(*n) <= w.now) {
            open = n;
        }
        let mut stmt = conn.prepare_cached(
            "SELECT escalation, sum(met), sum(late), sum(CASE WHEN month < ?4 THEN undone ELSE 0 END)
             FROM escalation_months WHERE seccion = ?1 AND month >= ?2 AND month <= ?3 GROUP BY escalation",
        )?;
        let rows = stmt.query_map(
            params![sec_key(sec), month_key(first), month_key(last), month_key(open)],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            },
        )?;
        for row in rows {
            let (escalation, met, late, missed) = row?;
            let n = |x: i64| usize::try_from(x).unwrap_or(0);
            done.insert(escalation, (n(met), n(late) + n(missed)));
        }
        if open <= last {
            let end = next(last).map_or(i64::MAX, midnight);
            between(midnight(open), end, true)?;
        }
    }
    for (a, b) in edges {
        between(midnight(a), after(b), false)?;
    }
    Ok((done, one_by_one))
}
