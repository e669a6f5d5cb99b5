//! Material used, added up per day: a month's figure reads thirty days' totals, not every
//! use of every cable the department ever laid.
//!
//! Each expediente's uses are kept one by one (`material_facts`: which job used what, for
//! the list behind a figure) and also added into `material_days` (Mexico City day, sección,
//! item, unit). When an expediente is rewritten its old uses are taken out of the day totals
//! and its new ones put in, in the same transaction, so the totals are always the sum of
//! the uses; a day's row goes when its last use does.

use rusqlite::{Connection, params};

use super::facts::MaterialTotal;
use super::figure::Window;
use crate::error::Result;
use crate::model::Expediente;

/// The day totals. The uses are read again by the rebuild that follows this migration, so
/// they are cleared here to be added up from nothing.
pub const MIGRATION: &str = "
CREATE TABLE material_days (
    day TEXT NOT NULL,
    seccion TEXT NOT NULL,
    item TEXT NOT NULL,
    unit TEXT NOT NULL,
    quantity REAL NOT NULL,
    parts INTEGER NOT NULL,
    uses INTEGER NOT NULL,
    PRIMARY KEY (day, seccion, item, unit)
) WITHOUT ROWID;
DELETE FROM material_facts;
";

/// Add one use (`sign` 1) or take it out (-1) of its day's total.
#[allow(clippy::too_many_arguments)]
fn add(
    conn: &Connection,
    at: i64,
    seccion: &str,
    item: &str,
    unit: &str,
    quantity: f64,
    part: bool,
    sign: i64,
) -> Result<()> {
    let day = super::day_of(at).format("%Y-%m-%d").to_string();
    conn.prepare_cached(
        "INSERT INTO material_days (day, seccion, item, unit, quantity, parts, uses) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (day, seccion, item, unit) DO UPDATE SET quantity = quantity + excluded.quantity,
            parts = parts + excluded.parts, uses = uses + excluded.uses",
    )?
    .execute(params![day, seccion, item, unit, quantity * sign as f64, i64::from(part) * sign, sign])?;
    conn.prepare_cached(
        "DELETE FROM material_days WHERE day = ?1 AND seccion = ?2 AND item = ?3 AND unit = ?4 AND uses <= 0",
    )?
    .execute(params![day, seccion, item, unit])?;
    Ok(())
}

/// Rewrite the uses of one expediente, and the day totals with them.
pub fn upsert(conn: &Connection, e: &Expediente) -> Result<()> {
    let old: Vec<(i64, String, String, String, f64, bool)> = conn
        .prepare_cached(
            "SELECT at, seccion, item, unit, quantity, component IS NOT NULL FROM material_facts WHERE expediente_id = ?1",
        )?
        .query_map([&e.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (at, seccion, item, unit, quantity, part) in &old {
        add(conn, *at, seccion, item, unit, *quantity, *part, -1)?;
    }
    conn.execute("DELETE FROM material_facts WHERE expediente_id = ?1", [&e.id])?;
    for m in &e.materials {
        let inserted = conn
            .prepare_cached(
                "INSERT OR IGNORE INTO material_facts (expediente_id, id, item, unit, quantity, component, at, seccion)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                e.id,
                m.id,
                m.item,
                m.unit,
                m.quantity,
                m.component,
                m.stamp.at,
                e.seccion
            ])?;
        // A use listed twice under one id counts once, as it is kept once.
        if inserted == 1 {
            add(
                conn,
                m.stamp.at,
                &e.seccion,
                &m.item,
                &m.unit,
                m.quantity,
                m.component.is_some(),
                1,
            )?;
        }
    }
    Ok(())
}

/// The material used in window `w`'s days, by item and unit as written, of one sección or all.
pub fn totals(conn: &Connection, w: &Window, seccion: Option<&str>) -> Result<Vec<MaterialTotal>> {
    let day = |ms: i64| super::day_of(ms).format("%Y-%m-%d").to_string();
    let (first, last) = (day(w.start), day(w.end.saturating_sub(1)));
    let rows = conn
        .prepare_cached(
            "SELECT item, unit, sum(quantity), sum(parts) FROM material_days
             WHERE day >= ?1 AND day <= ?2 AND (?3 IS NULL OR seccion = ?3) GROUP BY item, unit",
        )?
        .query_map(params![first, last, seccion], |r| {
            Ok(MaterialTotal {
                item: r.get(0)?,
                unit: r.get(1)?,
                quantity: r.get(2)?,
                parts: r.get::<_, i64>(3)?.try_into().unwrap_or(0),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}
