//! What the office's figures are made of, kept beside the index: one row per expediente
//! (when it was opened and closed, by whom, whether it sent equipment to baja), one per
//! escalation moment (due, done, no longer applying), one per material used, and one per
//! official document ([`super::papers`]). Rewritten
//! with the index in the same transaction as every write, so a report never loads a CRDT
//! and never disagrees with the documents.

use rusqlite::{Connection, params};

use super::papers::PaperFact;
use crate::error::Result;
use crate::model::Expediente;
use crate::procedure::engine::{EscalationState, Status};
use crate::procedure::{self, Effect};
use crate::time;

pub const MIGRATION: &str = "
CREATE TABLE job_facts (
    id TEXT PRIMARY KEY,
    folio TEXT NOT NULL,
    procedure TEXT NOT NULL,
    seccion TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    closed_at INTEGER,
    assignees TEXT NOT NULL,
    baja INTEGER NOT NULL
);
CREATE INDEX job_facts_by_created ON job_facts (created_at);
CREATE INDEX job_facts_open_or_closed ON job_facts (closed_at);
CREATE TABLE escalation_facts (
    expediente_id TEXT NOT NULL,
    escalation TEXT NOT NULL,
    due_at INTEGER NOT NULL,
    done_at INTEGER,
    stopped_at INTEGER,
    PRIMARY KEY (expediente_id, escalation)
) WITHOUT ROWID;
CREATE INDEX escalation_facts_by_due ON escalation_facts (due_at);
CREATE TABLE material_facts (
    expediente_id TEXT NOT NULL,
    id TEXT NOT NULL,
    item TEXT NOT NULL,
    unit TEXT NOT NULL,
    quantity REAL NOT NULL,
    component TEXT,
    at INTEGER NOT NULL,
    PRIMARY KEY (expediente_id, id)
) WITHOUT ROWID;
CREATE INDEX material_facts_by_at ON material_facts (at);
";

/// When the job ended: the latest moment recorded on its path, once it is terminado.
pub fn closed_at(e: &Expediente, st: &Status) -> Option<i64> {
    if st.state != "terminado" {
        return None;
    }
    let on_path: std::collections::HashSet<&str> = st
        .path
        .iter()
        .flat_map(|v| v.entries.iter().map(String::as_str))
        .collect();
    e.log
        .iter()
        .filter(|l| on_path.contains(l.id.as_str()))
        .map(|l| l.stamp.at)
        .max()
}

/// Rewrite the facts of one expediente (called by the index's upsert).
pub fn upsert(conn: &Connection, e: &Expediente, st: &Status) -> Result<()> {
    let proc = procedure::get(&e.procedure_id, e.procedure_version).ok();
    let baja = proc.is_some_and(|p| {
        st.path
            .iter()
            .any(|v| p.step(&v.step).is_some_and(|s| s.effects.contains(&Effect::AssetBaja)))
    }) && st.state == "terminado";
    conn.execute(
        "INSERT INTO job_facts (id, folio, procedure, seccion, state, created_at, closed_at, assignees, baja)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT(id) DO UPDATE SET folio = excluded.folio, procedure = excluded.procedure,
            seccion = excluded.seccion, state = excluded.state, created_at = excluded.created_at,
            closed_at = excluded.closed_at, assignees = excluded.assignees, baja = excluded.baja",
        params![
            e.id,
            e.folio,
            e.procedure_id,
            e.seccion,
            st.state,
            e.created_at,
            closed_at(e, st),
            e.assignees.join("\n"),
            baja,
        ],
    )?;
    conn.execute("DELETE FROM escalation_facts WHERE expediente_id = ?1", [&e.id])?;
    if let Some(p) = proc {
        let moment = |field: &str| {
            e.field(field)
                .and_then(|v| time::parse_datetime(field, &v).ok())
                .map(|t| t.timestamp_millis())
        };
        let on_path: std::collections::HashSet<&str> = st
            .path
            .iter()
            .flat_map(|v| v.entries.iter().map(String::as_str))
            .collect();
        // When the path first reached one of `steps`.
        let reached = |steps: &[String]| {
            e.log
                .iter()
                .filter(|l| on_path.contains(l.id.as_str()) && steps.contains(&l.step))
                .map(|l| l.stamp.at)
                .min()
        };
        let closed = closed_at(e, st);
        for esc in &p.escalations {
            let Some(from) = moment(&esc.from) else { continue };
            let stopped = st
                .escalations
                .iter()
                .any(|s| s.id == esc.id && s.state == EscalationState::Stopped);
            // When it stopped applying (solved, the next escalation began, the job ended):
            // a moment missed before then stays missed.
            let stopped_at = stopped
                .then(|| [reached(&esc.stop_at), closed].into_iter().flatten().min())
                .flatten();
            conn.execute(
                "INSERT INTO escalation_facts (expediente_id, escalation, due_at, done_at, stopped_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    e.id,
                    esc.id,
                    from + i64::from(esc.hours) * 3_600_000,
                    esc.done_field.as_deref().and_then(moment),
                    stopped_at,
                ],
            )?;
        }
    }
    conn.execute("DELETE FROM material_facts WHERE expediente_id = ?1", [&e.id])?;
    for m in &e.materials {
        conn.execute(
            "INSERT OR IGNORE INTO material_facts (expediente_id, id, item, unit, quantity, component, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![e.id, m.id, m.item, m.unit, m.quantity, m.component, m.stamp.at],
        )?;
    }
    Ok(())
}

/// One expediente as the figures see it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobFact {
    pub id: String,
    pub folio: String,
    pub procedure: String,
    pub seccion: String,
    pub state: String,
    pub created_at: i64,
    pub closed_at: Option<i64>,
    pub assignees: Vec<String>,
    pub baja: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EscalationFact {
    pub expediente_id: String,
    pub escalation: String,
    pub due_at: i64,
    pub done_at: Option<i64>,
    /// When it stopped applying, if it did.
    pub stopped_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MaterialFact {
    pub expediente_id: String,
    pub item: String,
    pub unit: String,
    pub quantity: f64,
    /// Taken from the components inventory.
    pub component: bool,
    pub at: i64,
}

/// Everything a period's figures need: the jobs opened before its end and not closed
/// before its start, the escalations and materials that fall in it, and the parts that
/// entered the components inventory in it (as extraction times).
pub struct Facts {
    pub jobs: Vec<JobFact>,
    pub escalations: Vec<EscalationFact>,
    pub materials: Vec<MaterialFact>,
    /// Parts that entered the inventory: the expediente that extracted each, and when.
    pub parts_in: Vec<(String, i64)>,
    /// The documents of the jobs above.
    pub papers: Vec<PaperFact>,
}

/// Load the facts for `[start, end)` (ms), of one sección or all.
pub fn load(conn: &Connection, start: i64, end: i64, seccion: Option<&str>) -> Result<Facts> {
    let sec = seccion.map(str::to_ascii_uppercase);
    let mut stmt = conn.prepare_cached(
        "SELECT id, folio, procedure, seccion, state, created_at, closed_at, assignees, baja FROM job_facts
         WHERE created_at < ?1 AND (closed_at IS NULL OR closed_at >= ?2) AND (?3 IS NULL OR seccion = ?3)",
    )?;
    let jobs = stmt
        .query_map(params![end, start, sec], |r| {
            let assignees: String = r.get(7)?;
            Ok(JobFact {
                id: r.get(0)?,
                folio: r.get(1)?,
                procedure: r.get(2)?,
                seccion: r.get(3)?,
                state: r.get(4)?,
                created_at: r.get(5)?,
                closed_at: r.get(6)?,
                assignees: assignees
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(str::to_owned)
                    .collect(),
                baja: r.get(8)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT x.expediente_id, x.escalation, x.due_at, x.done_at, x.stopped_at FROM escalation_facts x
         JOIN job_facts j ON j.id = x.expediente_id
         WHERE x.due_at >= ?1 AND x.due_at < ?2 AND (?3 IS NULL OR j.seccion = ?3)",
    )?;
    let escalations = stmt
        .query_map(params![start, end, sec], |r| {
            Ok(EscalationFact {
                expediente_id: r.get(0)?,
                escalation: r.get(1)?,
                due_at: r.get(2)?,
                done_at: r.get(3)?,
                stopped_at: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT m.expediente_id, m.item, m.unit, m.quantity, m.component IS NOT NULL, m.at FROM material_facts m
         JOIN job_facts j ON j.id = m.expediente_id
         WHERE m.at >= ?1 AND m.at < ?2 AND (?3 IS NULL OR j.seccion = ?3)",
    )?;
    let materials = stmt
        .query_map(params![start, end, sec], |r| {
            Ok(MaterialFact {
                expediente_id: r.get(0)?,
                item: r.get(1)?,
                unit: r.get(2)?,
                quantity: r.get(3)?,
                component: r.get(4)?,
                at: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT c.from_expediente, c.extracted_at FROM components c JOIN job_facts j ON j.id = c.from_expediente
         WHERE c.extracted_at >= ?1 AND c.extracted_at < ?2 AND (?3 IS NULL OR j.seccion = ?3)",
    )?;
    let parts_in = stmt
        .query_map(params![start, end, sec], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<(String, i64)>>>()?;
    Ok(Facts {
        jobs,
        escalations,
        materials,
        parts_in,
        papers: super::papers::load(conn, start, end, sec.as_deref())?,
    })
}
