//! What the office's figures are made of, kept beside the index: one row per expediente
//! (when it was opened and closed, by whom, whether it sent equipment to baja), one per
//! escalation moment (due, done, no longer applying), one per material used, and one per
//! official document ([`super::papers`]). Rewritten
//! with the index in the same transaction as every write, so a report never loads a CRDT
//! and never disagrees with the documents.

use rusqlite::{Connection, params};

use super::escalations::{self, Done, Moment};
use super::figure::Window;
use super::open::{self, OpenCounts};
use super::papers::PaperFact;
use super::tally::{self, Share, Tallies};
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

/// Indexes for a period of a years-long archive: the jobs still open (by when they were
/// opened), and the parts that entered the components inventory by when. Without them a
/// month's figures read every job and every part ever recorded.
/// Material uses carry their job's sección and Mexico City day (what [`super::materials`]
/// adds up by).
pub const MIGRATION_2: &str = "
CREATE INDEX job_facts_open ON job_facts (created_at) WHERE closed_at IS NULL;
CREATE INDEX components_by_extracted ON components (extracted_at);
ALTER TABLE material_facts ADD COLUMN seccion TEXT NOT NULL DEFAULT '';
ALTER TABLE material_facts ADD COLUMN day TEXT NOT NULL DEFAULT '';
";

/// A period's jobs read from their indexes alone, with what their documents need: each job
/// row also says when its first document was issued, when the last of them had all its
/// signatures (NULL while one lacks one) and whether one changed after signing
/// ([`super::papers::upsert`] keeps them). A figure then looks up the documents of only the
/// jobs that can have one unsigned at its cutoff or altered, instead of every job's (4,000
/// look-ups for a month of a years-long archive). Both period indexes hold every column the
/// figures read, so a month walks two index ranges and never the table.
pub const MIGRATION_3: &str = "
ALTER TABLE job_facts ADD COLUMN papers_from INTEGER;
ALTER TABLE job_facts ADD COLUMN papers_signed INTEGER;
ALTER TABLE job_facts ADD COLUMN papers_changed INTEGER NOT NULL DEFAULT 0;
UPDATE job_facts SET
    papers_from = (SELECT min(p.issued_at) FROM paper_facts p WHERE p.expediente_id = job_facts.id),
    papers_signed = (SELECT CASE WHEN count(*) = count(p.complete_at) THEN max(p.complete_at) END
                     FROM paper_facts p WHERE p.expediente_id = job_facts.id),
    papers_changed = coalesce((SELECT max(p.changed = 1) FROM paper_facts p WHERE p.expediente_id = job_facts.id), 0);
DROP INDEX job_facts_open;
DROP INDEX job_facts_open_or_closed;
CREATE INDEX job_facts_open ON job_facts (created_at, seccion, procedure, state, assignees, baja,
    papers_from, papers_signed, papers_changed, id, folio) WHERE closed_at IS NULL;
CREATE INDEX job_facts_by_closed ON job_facts (closed_at, created_at, seccion, procedure, state, assignees,
    baja, papers_from, papers_signed, papers_changed, id, folio);
";

/// The columns of a job row that [`JobFact`] reads, in its order.
pub const JOB_COLUMNS: &str = "id, folio, procedure, seccion, state, created_at, closed_at, assignees, baja, papers_from, papers_signed, papers_changed";

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
    write_job(
        conn,
        &JobFact {
            id: e.id.clone(),
            folio: e.folio.clone(),
            procedure: e.procedure_id.clone(),
            seccion: e.seccion.clone(),
            state: st.state.to_owned(),
            created_at: e.created_at,
            closed_at: closed_at(e, st),
            assignees: assignees_of(&e.assignees.join("\n")),
            baja,
            papers_from: None,
            papers_signed: None,
            papers_changed: false,
        },
    )?;
    let mut moments = Vec::new();
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
            moments.push(Moment {
                escalation: esc.id.clone(),
                due_at: from.saturating_add(i64::from(esc.hours) * 3_600_000),
                done_at: esc.done_field.as_deref().and_then(moment),
                stopped_at,
            });
        }
    }
    super::escalations::upsert(conn, &e.id, &e.seccion, &moments)?;
    super::materials::upsert(conn, e)
}

/// Write one job's row (all but what it says of its papers, [`super::papers`]'s) and move
/// its share of the tallies: the old one out, the new one in — only when it changed, as
/// most edits change neither its days nor who it is for.
pub fn write_job(conn: &Connection, job: &JobFact) -> Result<()> {
    let old = Share::kept(conn, &job.id)?;
    let share = Share::of(job);
    let k = share.keys(job);
    conn.prepare_cached(
        "INSERT INTO job_facts (id, folio, procedure, seccion, state, created_at, closed_at, assignees, baja,
            opened_day, closed_day, close_tenths, close_bucket, open_class)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT(id) DO UPDATE SET folio = excluded.folio, procedure = excluded.procedure,
            seccion = excluded.seccion, state = excluded.state, created_at = excluded.created_at,
            closed_at = excluded.closed_at, assignees = excluded.assignees, baja = excluded.baja,
            opened_day = excluded.opened_day, closed_day = excluded.closed_day,
            close_tenths = excluded.close_tenths, close_bucket = excluded.close_bucket,
            open_class = excluded.open_class",
    )?
    .execute(params![
        job.id,
        job.folio,
        job.procedure,
        job.seccion,
        job.state,
        job.created_at,
        job.closed_at,
        job.assignees.join("\n"),
        job.baja,
        k.opened_day,
        k.closed_day,
        k.tenths,
        k.bucket,
        k.class,
    ])?;
    if old.as_ref() != Some(&share) {
        if let Some(old) = old {
            old.add(conn, -1)?;
        }
        share.add(conn, 1)?;
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
    /// Its documents in short: when the first was issued, when all had every signature
    /// (`None` while one lacks one), whether one changed after signing.
    pub papers_from: Option<i64>,
    pub papers_signed: Option<i64>,
    pub papers_changed: bool,
}

impl JobFact {
    /// Whether a document of this job can be unsigned at `cutoff` or altered: the jobs
    /// whose documents a report reads.
    pub fn papers_matter(&self, cutoff: i64) -> bool {
        self.papers_changed
            || self
                .papers_from
                .is_some_and(|from| from < cutoff && self.papers_signed.is_none_or(|s| s >= cutoff))
    }
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

/// Everything a period's figures need: its jobs, the escalations and materials that fall in
/// it, and the parts that entered the components inventory in it (as extraction times).
pub struct Facts {
    /// Every job opened or closed in the period or open at its end ([`Detail::EveryJob`]),
    /// or only those open at its end ([`Detail::OpenJobs`]), or only those whose documents
    /// may count ([`Detail::Counts`], [`Detail::PaperJobs`]).
    pub jobs: Vec<JobFact>,
    pub escalations: Vec<EscalationFact>,
    /// The material used in the period, by item and unit as written.
    pub material_totals: Vec<MaterialTotal>,
    /// Each use of material in the period, when loaded with [`Detail::Uses`] (the lists
    /// behind the material figures); empty otherwise.
    pub materials: Vec<MaterialFact>,
    /// Parts that entered the inventory: the expediente that extracted each, and when.
    pub parts_in: Vec<(String, i64)>,
    /// The documents of the jobs above that lacked a signature at the cutoff or changed
    /// after signing (the only ones a figure counts).
    pub papers: Vec<PaperFact>,
    /// What the jobs opened and closed in the period add up to, as kept ([`tally::load`]);
    /// `None` when `jobs` holds every one of them, to be counted.
    pub tallies: Option<Tallies>,
    /// The jobs open at the cutoff, counted ([`super::open::count`]); `None` when `jobs`
    /// holds them, to be counted.
    pub open: Option<OpenCounts>,
    /// The escalation moments of the period's whole months that were done, added up
    /// ([`escalations::counted`]: `escalations` then holds only the others); `None` when
    /// `escalations` holds every one.
    pub escalations_done: Option<Done>,
}

/// One material's use in a period, all expedientes together.
#[derive(Debug, Clone, PartialEq)]
pub struct MaterialTotal {
    pub item: String,
    pub unit: String,
    pub quantity: f64,
    /// How many of its uses took a part from the components inventory.
    pub parts: usize,
}

/// How much a load reads. [`super::compute`] takes only [`Detail::Counts`] and
/// [`Detail::EveryJob`]; the other two answer the lists behind the figures ([`super::figure::behind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// What the figures count: the period's tallies, the jobs open at its cutoff counted
    /// ([`OpenCounts`]), and as jobs only those whose documents a figure may count.
    Counts,
    /// For a list: the jobs open at the cutoff, whole.
    OpenJobs,
    /// For a list: the jobs whose documents may count, whole (and the escalations and
    /// parts every load reads).
    PaperJobs,
    /// For a list: each use of material (which expediente used what).
    Uses,
    /// Every job of the period (opened or closed in it, or open at its end), counted from
    /// themselves: the lists behind the figures of opened and closed jobs, and the
    /// exported list.
    EveryJob,
}

pub fn job_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<JobFact> {
    let assignees: String = r.get(7)?;
    Ok(JobFact {
        id: r.get(0)?,
        folio: r.get(1)?,
        procedure: r.get(2)?,
        seccion: r.get(3)?,
        state: r.get(4)?,
        created_at: r.get(5)?,
        closed_at: r.get(6)?,
        assignees: assignees_of(&assignees),
        baja: r.get(8)?,
        papers_from: r.get(9)?,
        papers_signed: r.get(10)?,
        papers_changed: r.get(11)?,
    })
}

/// Who a job row's `assignees` names, one per line, each name trimmed ("Ana " is "Ana").
/// Reading what it writes gives it back: a job's tally share is the same at every rewrite.
pub fn assignees_of(text: &str) -> Vec<String> {
    text.split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `columns` of the jobs a period `[?2, ?1)` sees (of sección `?3`, or all): opened before
/// its end and not closed before its start, those closed in it and those opened in it (a
/// clock set back can close a job before it opened). Three parts, each walking an index:
/// the open ones, the ones closed since the start, the ones opened in it but closed before.
pub fn period_jobs(columns: &str) -> String {
    format!(
        "SELECT {columns} FROM job_facts WHERE closed_at IS NULL AND created_at < ?1 AND (?3 IS NULL OR seccion = ?3)
         UNION ALL
         SELECT {columns} FROM job_facts WHERE closed_at >= ?2 AND (created_at < ?1 OR closed_at < ?1)
           AND (?3 IS NULL OR seccion = ?3)
         UNION ALL
         SELECT {columns} FROM job_facts WHERE created_at >= ?2 AND created_at < ?1 AND closed_at < ?2
           AND (?3 IS NULL OR seccion = ?3)"
    )
}

/// Load the facts of window `w`, of one sección or all.
pub fn load(conn: &Connection, period: &super::Period, w: &Window, detail: Detail) -> Result<Facts> {
    let seccion = period.seccion.as_deref();
    let (start, end) = (w.start, w.end);
    let sec = seccion.map(str::to_ascii_uppercase);
    let sec = sec.as_deref();
    let (jobs, tallies, open) = match detail {
        Detail::EveryJob => {
            let mut stmt = conn.prepare_cached(&period_jobs(JOB_COLUMNS))?;
            // From the cutoff when it comes first (a period not begun yet counts the jobs open now).
            let jobs = stmt
                .query_map(params![end, start.min(w.cutoff), sec], job_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            (jobs, None, None)
        }
        Detail::OpenJobs => (open::rows(conn, w, sec)?, None, None),
        Detail::PaperJobs => (open::with_papers(conn, w, sec)?, None, None),
        Detail::Uses => (Vec::new(), None, None),
        Detail::Counts => (
            open::with_papers(conn, w, sec)?,
            Some(tally::load(conn, period, sec)?),
            Some(open::count(conn, w, sec)?),
        ),
    };
    let (escalations_done, escalations) = if detail == Detail::Counts {
        let (done, others) = escalations::counted(conn, period, w, sec)?;
        (Some(done), others)
    } else {
        (None, escalations::every(conn, w, sec)?)
    };
    let material_totals = match detail {
        Detail::Counts | Detail::EveryJob => super::materials::totals(conn, period, sec)?,
        _ => Vec::new(),
    };
    let materials = if detail == Detail::Uses {
        conn.prepare_cached(
            "SELECT expediente_id, item, unit, quantity, component IS NOT NULL, at FROM material_facts
             WHERE at >= ?1 AND at < ?2 AND (?3 IS NULL OR seccion = ?3)",
        )?
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
        .collect::<rusqlite::Result<Vec<_>>>()?
    } else {
        Vec::new()
    };
    let mut stmt = conn.prepare_cached(
        "SELECT c.from_expediente, c.extracted_at FROM components c
         WHERE c.extracted_at >= ?1 AND c.extracted_at < ?2
           AND (?3 IS NULL OR EXISTS (SELECT 1 FROM job_facts j WHERE j.id = c.from_expediente AND j.seccion = ?3))",
    )?;
    let parts_in = stmt
        .query_map(params![start, end, sec], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<(String, i64)>>>()?;
    Ok(Facts {
        escalations,
        material_totals,
        materials,
        parts_in,
        papers: super::papers::load(conn, w, &jobs)?,
        jobs,
        tallies,
        open,
        escalations_done,
    })
}
