//! Choosing documents to print together: a day, a week, a sección, or a list of
//! expedientes — what the office files at the end of the day.

use brigada_record::messages::Message;
use brigada_record::msg;
use chrono::{Datelike, Duration, NaiveDate, TimeZone};
use chrono_tz::America::Mexico_City;

use super::Form;
use crate::Store;
use crate::error::{Error, Result};
use crate::procedure::DocumentKind;
use crate::store::index::Filter;

#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Expedientes by id or folio; empty = all that match the other criteria.
    pub references: Vec<String>,
    /// Documents dated in [from, to) (ms UTC).
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub seccion: Option<String>,
    pub kind: Option<DocumentKind>,
}

fn midnight(d: NaiveDate) -> i64 {
    Mexico_City
        .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map(|t| t.timestamp_millis())
        .unwrap_or_default()
}

/// The Mexico City day `d`, as [from, to) in ms.
pub fn day(d: NaiveDate) -> (i64, i64) {
    (midnight(d), midnight(d + Duration::days(1)))
}

/// The Monday-to-Sunday week containing `d`.
pub fn week(d: NaiveDate) -> (i64, i64) {
    let monday = d - Duration::days(i64::from(d.weekday().num_days_from_monday()));
    (midnight(monday), midnight(monday + Duration::days(7)))
}

/// What someone asked to print, as typed (CLI flags, the app's print panel).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PrintRequest {
    /// Expedientes (id or folio); empty = chosen by day, week or sección.
    #[serde(default)]
    pub references: Vec<String>,
    /// Only this document kind (slug, e.g. `justificacion-tecnica`).
    pub document: Option<String>,
    /// The current content as an unsigned draft (one expediente, one document).
    #[serde(default)]
    pub draft: bool,
    /// Documents dated this day (YYYY-MM-DD, Mexico City).
    pub day: Option<String>,
    /// Documents dated in the Monday–Sunday week containing this date.
    pub week: Option<String>,
    /// Only this DTI section (RT, IT, BD, SI).
    pub seccion: Option<String>,
}

impl Store {
    /// The documents a [`PrintRequest`] asks for: one document (signed or a draft), or a
    /// batch. `progress(done, total)` while a batch is examined. Empty is an error: nothing
    /// would be printed.
    pub fn forms_to_print(&self, req: &PrintRequest, progress: &mut dyn FnMut(usize, usize)) -> Result<Vec<Form>> {
        let kind = req.document.as_deref().map(super::parse_kind).transpose()?;
        let bad = |m: Message| Err(Error::InvalidInput(m));
        let batch_criteria = req.day.is_some() || req.week.is_some() || req.seccion.is_some();
        let forms = match (req.references.as_slice(), kind) {
            ([r], Some(k)) if req.draft => vec![self.form(r, k, true)?],
            _ if req.draft => {
                return bad(msg!("print.draft_is_one"));
            }
            ([r], Some(k)) if !batch_criteria => vec![self.form(r, k, false)?],
            _ => {
                let range = match (&req.day, &req.week) {
                    (Some(d), _) => Some(day(crate::time::parse_date("day", d)?)),
                    (_, Some(w)) => Some(week(crate::time::parse_date("week", w)?)),
                    _ => None,
                };
                if req.references.is_empty() && range.is_none() && req.seccion.is_none() {
                    return bad(msg!("print.what"));
                }
                let sel = Selection {
                    references: req.references.clone(),
                    from_ms: range.map(|r| r.0),
                    to_ms: range.map(|r| r.1),
                    seccion: req.seccion.clone().filter(|s| !s.trim().is_empty()),
                    kind,
                };
                self.select_forms(&sel, progress)?
            }
        };
        if forms.is_empty() {
            return bad(msg!("print.nothing"));
        }
        Ok(forms)
    }

    /// The signed documents matching `sel`, oldest first. `progress(done, total)` is called
    /// per expediente examined.
    pub fn select_forms(&self, sel: &Selection, progress: &mut dyn FnMut(usize, usize)) -> Result<Vec<Form>> {
        let ids: Vec<String> = if sel.references.is_empty() {
            self.list(&Filter {
                seccion: sel.seccion.clone(),
                updated_since: sel.from_ms,
                limit: Some(u32::MAX),
                ..Default::default()
            })?
            .into_iter()
            .map(|r| r.id)
            .collect()
        } else {
            sel.references
                .iter()
                .map(|r| self.resolve_ref(r))
                .collect::<Result<_>>()?
        };
        let mut out = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            for f in self.issued_forms(id)? {
                let in_range = sel.from_ms.is_none_or(|t| f.fecha_ms >= t) && sel.to_ms.is_none_or(|t| f.fecha_ms < t);
                if in_range && sel.kind.is_none_or(|k| k == f.kind) {
                    out.push(f);
                }
            }
            progress(i + 1, ids.len());
        }
        out.sort_by(|a, b| (a.fecha_ms, &a.body.folio).cmp(&(b.fecha_ms, &b.body.folio)));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_run_monday_to_sunday_in_mexico_city() {
        let sat = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let (from, to) = week(sat);
        assert_eq!(crate::time::display_ms(from), "2026-11-23 00:00");
        assert_eq!(crate::time::display_ms(to), "2026-11-30 00:00");
        let (a, b) = day(sat);
        assert_eq!(b - a, 86_400_000);
    }
}
