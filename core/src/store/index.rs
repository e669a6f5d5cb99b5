//! The materialised index: what lists, search and filters read, so they never load a CRDT.
//!
//! Rewritten from the document inside the same transaction as every write (and rebuilt
//! wholesale after a migration that adds it), so it can never disagree with the documents
//! on disk. Search ([`super::search`]) folds accents away, so "camara" finds "Cámara".

use automerge::Automerge;
use rusqlite::{Connection, params, params_from_iter, types::Value};
use serde::Serialize;

use super::search;
use crate::error::Result;
use crate::model::{Asset, Expediente};
use crate::procedure::engine::Status;

pub const MIGRATION_1: &str = "
CREATE TABLE expedientes (
    id TEXT PRIMARY KEY,
    folio TEXT NOT NULL UNIQUE,
    procedure TEXT NOT NULL,
    procedure_version INTEGER NOT NULL,
    state TEXT NOT NULL,
    current_step TEXT,
    area TEXT NOT NULL,
    unidad TEXT NOT NULL,
    seccion TEXT NOT NULL,
    assignees TEXT NOT NULL,
    asset_tags TEXT NOT NULL,
    waiting_reason TEXT,
    next_deadline INTEGER,
    conflicts INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
-- Matches list()'s ORDER BY exactly, so the first page needs no sort.
CREATE INDEX expedientes_list_order ON expedientes ((next_deadline IS NULL), next_deadline, updated_at DESC);
CREATE INDEX expedientes_by_deadline ON expedientes (next_deadline) WHERE next_deadline IS NOT NULL;
CREATE TABLE expediente_assets (
    tag TEXT NOT NULL,
    expediente_id TEXT NOT NULL,
    PRIMARY KEY (tag, expediente_id)
) WITHOUT ROWID;
CREATE INDEX expediente_assets_by_expediente ON expediente_assets (expediente_id);
-- rowid = expedientes.rowid: rows are found and replaced by rowid, never by a scan.
CREATE VIRTUAL TABLE expedientes_fts USING fts5(
    folio, body,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE assets (
    tag TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    brand TEXT NOT NULL,
    model TEXT NOT NULL,
    serial TEXT NOT NULL,
    status TEXT NOT NULL,
    unidad TEXT NOT NULL,
    area TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE components (
    id TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    serial TEXT,
    from_asset TEXT,
    from_expediente TEXT NOT NULL,
    extracted_at INTEGER NOT NULL,
    consumed_by TEXT
);
CREATE INDEX components_by_expediente ON components (from_expediente);
CREATE INDEX components_by_consumer ON components (consumed_by) WHERE consumed_by IS NOT NULL;
";

/// An index per order of the list, each ending on the id, so every order (and a search
/// walking it) reads the index alone: no sort of the whole archive for one page. Newest and
/// oldest share one, read either way.
pub const MIGRATION_3: &str = "
DROP INDEX expedientes_list_order;
CREATE INDEX expedientes_by_deadline_order ON expedientes ((next_deadline IS NULL), next_deadline, updated_at DESC, id);
CREATE INDEX expedientes_by_created ON expedientes (created_at, folio, id);
CREATE INDEX expedientes_by_updated ON expedientes (updated_at, folio, id);
";

/// Which blobs each expediente references (photos, signatures, the request's photo), so
/// sync can tell which blobs to fetch or send without loading documents.
pub const MIGRATION_2: &str = "
CREATE TABLE blob_refs (
    hash TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    PRIMARY KEY (hash, doc_id)
) WITHOUT ROWID;
CREATE INDEX blob_refs_by_doc ON blob_refs (doc_id);
";

/// One row of a list.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Row {
    pub id: String,
    pub folio: String,
    pub procedure: String,
    pub state: String,
    pub current_step: Option<String>,
    pub area: String,
    pub unidad: String,
    pub assignees: Vec<String>,
    pub asset_tags: Vec<String>,
    pub waiting_reason: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub next_deadline: Option<i64>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub conflicts: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub created_at: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub updated_at: i64,
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub query: Option<String>,
    pub state: Option<String>,
    pub procedure: Option<String>,
    pub assignee: Option<String>,
    /// Only those involving this asset tag.
    pub asset_tag: Option<String>,
    /// Only those with a deadline before this time (ms).
    pub deadline_before: Option<i64>,
    /// Only this DTI section (RT, IT, BD, SI).
    pub seccion: Option<String>,
    /// Only those changed here at or after this time (ms).
    pub updated_since: Option<i64>,
    /// Only those opened in `[from, before)` (ms).
    pub created_from: Option<i64>,
    pub created_before: Option<i64>,
    /// Only these expedientes (a report figure's, see `report::figure`).
    pub ids: Option<Vec<String>>,
    /// Only this unidad / this área (as written, any case).
    pub unidad: Option<String>,
    pub area: Option<String>,
    /// Only those closed in `[from, before)` (ms).
    pub closed_from: Option<i64>,
    pub closed_before: Option<i64>,
    pub sort: Sort,
    /// Rows to skip (paging), and at most `limit` after them (default 200).
    pub offset: Option<u32>,
    pub limit: Option<u32>,
}

/// The order of a list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Sort {
    /// The nearest deadline first, then the most recently changed (the técnico's day).
    #[default]
    Deadline,
    /// Most recently opened first.
    Newest,
    /// Longest open first.
    Oldest,
    /// Most recently changed first.
    Updated,
    /// By folio.
    Folio,
}

impl Sort {
    /// ` ORDER BY …` of this order.
    pub fn sql(self) -> &'static str {
        match self {
            // Each order ends on the id, unique: pages never repeat or skip a row when
            // many share a moment (a sync brings hundreds at once).
            Sort::Deadline => " ORDER BY e.next_deadline IS NULL, e.next_deadline, e.updated_at DESC, e.id",
            Sort::Newest => " ORDER BY e.created_at DESC, e.folio DESC, e.id DESC",
            Sort::Oldest => " ORDER BY e.created_at, e.folio, e.id",
            Sort::Updated => " ORDER BY e.updated_at DESC, e.folio DESC, e.id DESC",
            Sort::Folio => " ORDER BY e.folio, e.id",
        }
    }
}

pub fn upsert_expediente(conn: &Connection, d: &Automerge, e: &Expediente, st: &Status, now: i64) -> Result<()> {
    let tags = e.equipment.join(" ");
    conn.execute(
        "INSERT INTO expedientes (id, folio, procedure, procedure_version, state, current_step, area, unidad,
            seccion, assignees, asset_tags, waiting_reason, next_deadline, conflicts, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
         ON CONFLICT(id) DO UPDATE SET folio = excluded.folio, procedure = excluded.procedure,
            procedure_version = excluded.procedure_version, state = excluded.state,
            current_step = excluded.current_step, area = excluded.area, unidad = excluded.unidad,
            seccion = excluded.seccion, assignees = excluded.assignees, asset_tags = excluded.asset_tags,
            waiting_reason = excluded.waiting_reason, next_deadline = excluded.next_deadline,
            conflicts = excluded.conflicts, updated_at = excluded.updated_at",
        params![
            e.id,
            e.folio,
            e.procedure_id,
            e.procedure_version,
            st.state,
            st.current,
            e.area,
            e.unidad,
            e.seccion,
            e.assignees.join(", "),
            tags,
            st.waiting.as_ref().map(|w| w.reason.clone()),
            st.next_deadline(),
            st.conflicts.len() as i64,
            e.created_at,
            now,
        ],
    )?;
    conn.execute("DELETE FROM expediente_assets WHERE expediente_id = ?1", [&e.id])?;
    for t in &e.equipment {
        conn.execute(
            "INSERT OR IGNORE INTO expediente_assets (tag, expediente_id) VALUES (?1, ?2)",
            [t, &e.id],
        )?;
    }
    let rowid: i64 = conn.query_row("SELECT rowid FROM expedientes WHERE id = ?1", [&e.id], |r| r.get(0))?;
    search::upsert(conn, rowid, &e.folio, &search_body(e))?;
    index_components(conn, e, st)?;
    crate::report::facts::upsert(conn, e, st)?;
    crate::report::papers::upsert(conn, d, e, now)?;
    crate::report::devices::upsert_files(conn, e)?;
    conn.execute("DELETE FROM blob_refs WHERE doc_id = ?1", [&e.id])?;
    for h in e.blobs() {
        conn.execute(
            "INSERT OR IGNORE INTO blob_refs (hash, doc_id) VALUES (?1, ?2)",
            [h, &e.id],
        )?;
    }
    Ok(())
}

/// Everything a person might type to find a job.
fn search_body(e: &Expediente) -> String {
    let mut parts: Vec<&str> = vec![
        &e.procedure_id,
        &e.area,
        &e.unidad,
        &e.seccion,
        &e.solicitud.numero,
        &e.solicitud.tipo,
    ];
    parts.extend(e.assignees.iter().map(String::as_str));
    parts.extend(e.equipment.iter().map(String::as_str));
    parts.extend(e.fields.values().map(String::as_str));
    parts.extend(e.log.iter().filter_map(|l| l.note.as_deref()));
    parts.extend(e.materials.iter().map(|m| m.item.as_str()));
    parts.extend(e.parts.iter().map(|p| p.description.as_str()));
    parts.extend(e.photos.iter().map(|p| p.caption.as_str()));
    parts.extend(e.comments.iter().map(|c| c.text.as_str()));
    parts.extend(e.signatures.iter().map(|s| s.name.as_str()));
    parts.join(" \n")
}

/// Parts extracted in a P4 enter the inventory once its step 4 is recorded; a P3 material
/// that names a component consumes it.
fn index_components(conn: &Connection, e: &Expediente, st: &Status) -> Result<()> {
    conn.execute("DELETE FROM components WHERE from_expediente = ?1", [&e.id])?;
    let registered = e.procedure_id == "P4" && st.path.iter().any(|v| v.step == "4");
    if registered {
        for p in &e.parts {
            conn.execute(
                "INSERT OR IGNORE INTO components (id, description, serial, from_asset, from_expediente, extracted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![p.id, p.description, p.serial, p.from_asset, e.id, p.stamp.at],
            )?;
        }
    }
    conn.execute(
        "UPDATE components SET consumed_by = NULL WHERE consumed_by = ?1",
        [&e.id],
    )?;
    for m in &e.materials {
        if let Some(c) = &m.component {
            conn.execute("UPDATE components SET consumed_by = ?2 WHERE id = ?1", params![c, e.id])?;
        }
    }
    Ok(())
}

pub fn upsert_asset(conn: &Connection, a: &Asset, now: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO assets (tag, kind, brand, model, serial, status, unidad, area, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT(tag) DO UPDATE SET kind = excluded.kind, brand = excluded.brand, model = excluded.model,
            serial = excluded.serial, status = excluded.status, unidad = excluded.unidad, area = excluded.area,
            updated_at = excluded.updated_at",
        params![
            a.tag,
            a.kind,
            a.brand,
            a.model,
            a.serial,
            a.status,
            a.location.unidad,
            a.location.area,
            now
        ],
    )?;
    Ok(())
}

/// How a filtered list reads the words searched for (see [`super::search`]).
enum Text<'a> {
    /// No search, or the words are matched by the caller on the folded text it reads.
    Ignored,
    Walked,
    /// Through the full-text index.
    Indexed(&'a [String]),
}

/// `FROM …` and `WHERE …` of a filtered list, with their arguments.
fn filtered(f: &Filter, text: Text<'_>) -> (String, Vec<Value>) {
    let mut sql = String::from(" FROM expedientes e");
    let mut conds: Vec<&str> = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    match text {
        Text::Ignored => {}
        Text::Walked => sql.push_str(" JOIN expedientes_search s ON s.id = e.rowid"),
        Text::Indexed(words) => {
            sql.push_str(" JOIN expedientes_fts f ON f.rowid = e.rowid");
            conds.push("expedientes_fts MATCH ?");
            args.push(Value::Text(search::fts_query(words)));
        }
    }
    if let Some(s) = &f.state {
        conds.push("e.state = ?");
        args.push(Value::Text(s.clone()));
    }
    if let Some(p) = &f.procedure {
        conds.push("e.procedure = ?");
        args.push(Value::Text(p.to_ascii_uppercase()));
    }
    if let Some(a) = &f.assignee {
        conds.push("(', ' || e.assignees || ', ') LIKE ('%, ' || ? || ', %')");
        args.push(Value::Text(a.clone()));
    }
    if let Some(t) = &f.asset_tag {
        conds.push("e.id IN (SELECT expediente_id FROM expediente_assets WHERE tag = ?)");
        args.push(Value::Text(t.clone()));
    }
    if let Some(t) = f.deadline_before {
        conds.push("e.next_deadline < ?");
        args.push(Value::Integer(t));
    }
    if let Some(s) = &f.seccion {
        conds.push("e.seccion = ?");
        args.push(Value::Text(s.to_ascii_uppercase()));
    }
    if let Some(t) = f.updated_since {
        conds.push("e.updated_at >= ?");
        args.push(Value::Integer(t));
    }
    if let Some(t) = f.created_from {
        conds.push("e.created_at >= ?");
        args.push(Value::Integer(t));
    }
    if let Some(t) = f.created_before {
        conds.push("e.created_at < ?");
        args.push(Value::Integer(t));
    }
    if let Some(u) = &f.unidad {
        conds.push("e.unidad = ? COLLATE NOCASE");
        args.push(Value::Text(u.trim().to_owned()));
    }
    if let Some(a) = &f.area {
        conds.push("e.area = ? COLLATE NOCASE");
        args.push(Value::Text(a.trim().to_owned()));
    }
    if f.closed_from.is_some() || f.closed_before.is_some() {
        conds.push("e.id IN (SELECT id FROM job_facts WHERE closed_at >= ? AND closed_at < ?)");
        args.push(Value::Integer(f.closed_from.unwrap_or(i64::MIN)));
        args.push(Value::Integer(f.closed_before.unwrap_or(i64::MAX)));
    }
    if let Some(ids) = &f.ids {
        conds.push("e.id IN (SELECT value FROM json_each(?))");
        args.push(Value::Text(serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())));
    }
    if !conds.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conds.join(" AND "));
    }
    (sql, args)
}

const ROW_COLUMNS: &str = "SELECT e.id, e.folio, e.procedure, e.state, e.current_step, e.area, e.unidad,
    e.assignees, e.asset_tags, e.waiting_reason, e.next_deadline, e.conflicts, e.created_at, e.updated_at";

/// A [`Row`] from the first columns of a query that starts with [`ROW_COLUMNS`].
fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let split = |s: String, sep: &str| -> Vec<String> {
        s.split(sep)
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_owned)
            .collect()
    };
    Ok(Row {
        id: r.get(0)?,
        folio: r.get(1)?,
        procedure: r.get(2)?,
        state: r.get(3)?,
        current_step: r.get(4)?,
        area: r.get(5)?,
        unidad: r.get(6)?,
        assignees: split(r.get(7)?, ","),
        asset_tags: split(r.get(8)?, " "),
        waiting_reason: r.get(9)?,
        next_deadline: r.get(10)?,
        conflicts: r.get(11)?,
        created_at: r.get(12)?,
        updated_at: r.get(13)?,
    })
}

/// The expedientes `f` selects, in its order, one page.
pub fn list(conn: &Connection, f: &Filter) -> Result<Vec<Row>> {
    let words = f.query.as_deref().map(search::words).unwrap_or_default();
    if words.is_empty() {
        return page(conn, f, Text::Ignored);
    }
    match walk(conn, f, &words)? {
        Some(rows) => Ok(rows),
        None => page(conn, f, Text::Indexed(&words)),
    }
}

fn page(conn: &Connection, f: &Filter, text: Text<'_>) -> Result<Vec<Row>> {
    let (from, mut args) = filtered(f, text);
    let sql = format!("{ROW_COLUMNS}{from}{} LIMIT ? OFFSET ?", f.sort.sql());
    args.push(Value::Integer(f.limit.unwrap_or(200).into()));
    args.push(Value::Integer(f.offset.unwrap_or(0).into()));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(args), row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// One page of a search found by reading the list in its order and matching each row's
/// folded text; `None` when the walk's budget ran out first (the index will find it).
fn walk(conn: &Connection, f: &Filter, words: &[String]) -> Result<Option<Vec<Row>>> {
    let (skip, limit) = (f.offset.unwrap_or(0) as usize, f.limit.unwrap_or(200) as usize);
    let budget = search::walk_budget(skip + limit);
    let (from, args) = filtered(f, Text::Walked);
    let sql = format!("SELECT e.rowid, s.folio, s.body{from}{}", f.sort.sql());
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params_from_iter(args))?;
    let (mut read, mut found, mut page) = (0usize, 0usize, Vec::new());
    while let Some(r) = rows.next()? {
        if page.len() == limit {
            break;
        }
        if read == budget {
            return Ok(None);
        }
        read += 1;
        let text = |i: usize| r.get_ref(i).map(|v| v.as_str().unwrap_or_default());
        if search::matches(words, text(1)?, text(2)?) {
            if found >= skip {
                page.push(r.get::<_, i64>(0)?);
            }
            found += 1;
        }
    }
    // The page's rows, in the same order.
    let sql = format!(
        "{ROW_COLUMNS} FROM expedientes e WHERE e.rowid IN (SELECT value FROM json_each(?1)){}",
        f.sort.sql()
    );
    let ids = serde_json::to_string(&page).unwrap_or_else(|_| "[]".into());
    let rows = conn
        .prepare_cached(&sql)?
        .query_map([ids], row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Some(rows))
}

/// How many expedientes `f` selects, all pages together (limit and offset ignored).
pub fn count(conn: &Connection, f: &Filter) -> Result<u64> {
    let words = f.query.as_deref().map(search::words).unwrap_or_default();
    let text = if words.is_empty() {
        Text::Ignored
    } else if filtered(f, Text::Ignored).1.is_empty() {
        // Words alone: the index counts them without visiting a row.
        let n: i64 = conn
            .prepare_cached("SELECT count(*) FROM expedientes_fts WHERE expedientes_fts MATCH ?1")?
            .query_row([search::fts_query(&words)], |r| r.get(0))?;
        return Ok(u64::try_from(n).unwrap_or(0));
    } else {
        Text::Indexed(&words)
    };
    let (from, args) = filtered(f, text);
    let sql = format!("SELECT count(*){from}");
    let n: i64 = conn
        .prepare_cached(&sql)?
        .query_row(params_from_iter(args), |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Resolve a folio (case-insensitive) to an id.
pub fn id_by_folio(conn: &Connection, folio: &str) -> Result<Option<String>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row(
            "SELECT id FROM expedientes WHERE folio = ?1 COLLATE NOCASE",
            [folio],
            |r| r.get(0),
        )
        .optional()?)
}

/// When an expediente last changed on this device (ms), if it is indexed.
pub fn updated_at(conn: &Connection, id: &str) -> Result<Option<i64>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row("SELECT updated_at FROM expedientes WHERE id = ?1", [id], |r| r.get(0))
        .optional()?)
}

/// The folio of an expediente on this device.
pub fn folio_of(conn: &Connection, id: &str) -> Result<Option<String>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row("SELECT folio FROM expedientes WHERE id = ?1", [id], |r| r.get(0))
        .optional()?)
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AssetRow {
    pub tag: String,
    pub kind: String,
    pub brand: String,
    pub model: String,
    pub serial: String,
    pub status: String,
    pub unidad: String,
    pub area: String,
}

pub fn list_assets(conn: &Connection) -> Result<Vec<AssetRow>> {
    let mut stmt =
        conn.prepare_cached("SELECT tag, kind, brand, model, serial, status, unidad, area FROM assets ORDER BY tag")?;
    let rows = stmt
        .query_map([], |r| {
            Ok(AssetRow {
                tag: r.get(0)?,
                kind: r.get(1)?,
                brand: r.get(2)?,
                model: r.get(3)?,
                serial: r.get(4)?,
                status: r.get(5)?,
                unidad: r.get(6)?,
                area: r.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// One part of the Inventario de componentes informáticos: where it came from and, once
/// taken, the repair that used it.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ComponentRow {
    pub id: String,
    pub description: String,
    pub serial: Option<String>,
    /// Tag of the decommissioned asset it was extracted from.
    pub from_asset: Option<String>,
    /// That asset's kind (`computadora`) and its brand and model ("HP ProDesk 400"), when
    /// registered on this device.
    pub from_asset_kind: Option<String>,
    pub from_asset_model: Option<String>,
    pub from_expediente: String,
    pub from_folio: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub extracted_at: i64,
    pub consumed_by: Option<String>,
    pub consumed_folio: Option<String>,
}

pub fn list_components(conn: &Connection, available_only: bool) -> Result<Vec<ComponentRow>> {
    let sql = format!(
        "SELECT c.id, c.description, c.serial, c.from_asset, c.from_expediente, c.consumed_by,
                c.extracted_at, src.folio, used.folio, a.kind, a.brand || ' ' || a.model
         FROM components c
         LEFT JOIN expedientes src ON src.id = c.from_expediente
         LEFT JOIN expedientes used ON used.id = c.consumed_by
         LEFT JOIN assets a ON a.tag = c.from_asset
         {}
         ORDER BY c.extracted_at, c.id",
        if available_only {
            "WHERE c.consumed_by IS NULL"
        } else {
            ""
        }
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map([], |r| {
            Ok(ComponentRow {
                id: r.get(0)?,
                description: r.get(1)?,
                serial: r.get(2)?,
                from_asset: r.get(3)?,
                from_asset_kind: r.get(9)?,
                from_asset_model: r.get::<_, Option<String>>(10)?.map(|w| w.trim().to_owned()),
                from_expediente: r.get(4)?,
                from_folio: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
                extracted_at: r.get(6)?,
                consumed_by: r.get(5)?,
                consumed_folio: r.get(8)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}
