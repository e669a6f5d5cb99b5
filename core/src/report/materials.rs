//! Material used, added up per day and per month: a year's figure reads twelve months'
//! totals, not every use of every cable the department ever laid.
//!
//! Each expediente's uses are kept one by one (`material_facts`: which job used what, for
//! the list behind a figure) and also added into `material_days` (Mexico City day, sección,
//! item, unit). When an expediente is rewritten its old uses are taken out of the day totals
//! and its new ones put in, in the same transaction, so the totals are always the sum of
//! the uses; a day's row goes when its last use does.

use rusqlite::{Connection, params};

use std::collections::BTreeMap;

use super::Period;
use super::facts::MaterialTotal;
use super::tally::{Split, month_key, sec_key, split};
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

/// The same totals per month (keyed as the job tallies are, [`super::tally::sec_key`], and
/// also for every sección together): a year reads twelve months' totals, and the days at
/// either end of a period from the day totals. Filled from the day totals.
pub const MIGRATION_2: &str = "
CREATE TABLE material_months (
    seccion TEXT NOT NULL,
    month TEXT NOT NULL,
    item TEXT NOT NULL,
    unit TEXT NOT NULL,
    quantity REAL NOT NULL,
    parts INTEGER NOT NULL,
    uses INTEGER NOT NULL,
    PRIMARY KEY (seccion, month, item, unit)
) WITHOUT ROWID;
INSERT INTO material_months (seccion, month, item, unit, quantity, parts, uses)
    SELECT '=' || seccion, substr(day, 1, 7), item, unit, sum(quantity), sum(parts), sum(uses)
    FROM material_days GROUP BY seccion, substr(day, 1, 7), item, unit;
INSERT INTO material_months (seccion, month, item, unit, quantity, parts, uses)
    SELECT '*', substr(day, 1, 7), item, unit, sum(quantity), sum(parts), sum(uses)
    FROM material_days GROUP BY substr(day, 1, 7), item, unit;
";

/// One use of material as kept: its day is kept too, so taking it out later finds the row
/// it was added to even if the calendar's rules change with an update.
#[derive(Debug, Clone, PartialEq)]
struct Use {
    id: String,
    item: String,
    unit: String,
    quantity: f64,
    component: Option<String>,
    at: i64,
    day: String,
    seccion: String,
}

/// The Mexico City day of a moment as the totals are keyed (`YYYY-MM-DD`, which sorts as
/// the days do).
fn day_key(ms: i64) -> String {
    super::day_of(ms).format("%Y-%m-%d").to_string()
}

/// Add one use (`sign` 1) or take it out (-1) of its day's total and its month's (its
/// sección's and all of them).
fn add(conn: &Connection, u: &Use, sign: i64) -> Result<()> {
    let month = &u.day[..u.day.len().min(7)];
    // Each table, its period column, its key as its primary key orders it, the row's.
    for (table, at, key, when, sec) in [
        (
            "material_days",
            "day",
            "day, seccion",
            u.day.as_str(),
            u.seccion.clone(),
        ),
        (
            "material_months",
            "month",
            "seccion, month",
            month,
            sec_key(Some(&u.seccion)),
        ),
        ("material_months", "month", "seccion, month", month, sec_key(None)),
    ] {
        conn.prepare_cached(&format!(
            "INSERT INTO {table} ({at}, seccion, item, unit, quantity, parts, uses) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT ({key}, item, unit) DO UPDATE SET quantity = quantity + excluded.quantity,
                parts = parts + excluded.parts, uses = uses + excluded.uses"
        ))?
        .execute(params![
            when,
            sec,
            u.item,
            u.unit,
            u.quantity * sign as f64,
            i64::from(u.component.is_some()) * sign,
            sign
        ])?;
        conn.prepare_cached(&format!(
            "DELETE FROM {table} WHERE {at} = ?1 AND seccion = ?2 AND item = ?3 AND unit = ?4 AND uses <= 0"
        ))?
        .execute(params![when, sec, u.item, u.unit])?;
    }
    Ok(())
}

/// Rewrite the uses of one expediente, and the day totals with them. Nothing is touched
/// when its uses are as kept (most edits): totals are not taken apart and added up again
/// for every comment.
pub fn upsert(conn: &Connection, e: &Expediente) -> Result<()> {
    // A use listed twice under one id counts once (the first), as it is kept once. A
    // quantity that is not a number (only a foreign document could carry one) counts 0.
    let mut ids = std::collections::HashSet::new();
    let mut new: Vec<Use> = e
        .materials
        .iter()
        .filter(|m| ids.insert(m.id.as_str()))
        .map(|m| Use {
            id: m.id.clone(),
            item: m.item.clone(),
            unit: m.unit.clone(),
            quantity: if m.quantity.is_finite() { m.quantity } else { 0.0 },
            component: m.component.clone(),
            at: m.stamp.at,
            day: day_key(m.stamp.at),
            seccion: e.seccion.clone(),
        })
        .collect();
    new.sort_by(|a, b| a.id.cmp(&b.id));
    let old: Vec<Use> = conn
        .prepare_cached(
            "SELECT id, item, unit, quantity, component, at, day, seccion FROM material_facts
             WHERE expediente_id = ?1 ORDER BY id",
        )?
        .query_map([&e.id], |r| {
            Ok(Use {
                id: r.get(0)?,
                item: r.get(1)?,
                unit: r.get(2)?,
                quantity: r.get(3)?,
                component: r.get(4)?,
                at: r.get(5)?,
                day: r.get(6)?,
                seccion: r.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    if old == new {
        return Ok(());
    }
    for u in &old {
        add(conn, u, -1)?;
    }
    conn.execute("DELETE FROM material_facts WHERE expediente_id = ?1", [&e.id])?;
    for u in &new {
        conn.prepare_cached(
            "INSERT INTO material_facts (expediente_id, id, item, unit, quantity, component, at, seccion, day)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            e.id,
            u.id,
            u.item,
            u.unit,
            u.quantity,
            u.component,
            u.at,
            u.seccion,
            u.day
        ])?;
        add(conn, u, 1)?;
    }
    Ok(())
}

/// The material used in `period`'s days, by item and unit as written, of one sección or
/// all: its whole months from the month totals, the days at either end from the day totals.
pub fn totals(conn: &Connection, period: &Period, seccion: Option<&str>) -> Result<Vec<MaterialTotal>> {
    let mut sums: BTreeMap<(String, String), (f64, i64)> = BTreeMap::new();
    let mut add = |rows: &mut rusqlite::Rows<'_>| -> Result<()> {
        while let Some(r) = rows.next()? {
            let e = sums.entry((r.get(0)?, r.get(1)?)).or_default();
            e.0 += r.get::<_, f64>(2)?;
            e.1 += r.get::<_, i64>(3)?;
        }
        Ok(())
    };
    let Split { months, edges } = split(period);
    if let Some((first, last)) = months {
        let mut stmt = conn.prepare_cached(
            "SELECT item, unit, sum(quantity), sum(parts) FROM material_months
             WHERE seccion = ?1 AND month >= ?2 AND month <= ?3 GROUP BY item, unit",
        )?;
        add(&mut stmt.query(params![sec_key(seccion), month_key(first), month_key(last)])?)?;
    }
    let mut stmt = conn.prepare_cached(
        "SELECT item, unit, sum(quantity), sum(parts) FROM material_days
         WHERE day >= ?1 AND day <= ?2 AND (?3 IS NULL OR seccion = ?3) GROUP BY item, unit",
    )?;
    for (a, b) in edges {
        let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
        add(&mut stmt.query(params![day(a), day(b), seccion])?)?;
    }
    Ok(sums
        .into_iter()
        .map(|((item, unit), (quantity, parts))| MaterialTotal {
            item,
            unit,
            // Uses taken out and put back as jobs are rewritten leave a float's crumbs
            // (0.1 + 0.2 - 0.1); no one measures cable to a millionth.
            quantity: (quantity * 1e6).round() / 1e6,
            parts: parts.try_into().unwrap_or(0),
        })
        .collect())
}
