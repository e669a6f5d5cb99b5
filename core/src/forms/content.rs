//! What one official document says, built from an expediente at one version.
//!
//! The [`Body`] is everything the expediente contributes to the paper; it is hashed into
//! the verification code printed on every page, and compared between the signed version
//! and the current one to tell "changed after signing". Decision answers and notes are
//! cut off at the signing time, so later steps of the procedure (which do not belong on
//! this paper) do not count as changes to it; fields, materials, parts and equipment are
//! compared whole, because an edit to them after signing changes what the paper claims.

use serde::Serialize;

use super::wording;
use crate::catalog;
use crate::model::Expediente;
use crate::procedure::{DocumentKind, Procedure, StepKind};
use crate::time;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Body {
    pub kind: String,
    pub title: String,
    pub folio: String,
    pub expediente_id: String,
    pub procedure: String,
    pub seccion: String,
    pub area: String,
    pub unidad: String,
    pub solicitud: String,
    pub intro: String,
    /// (label, value) of the procedure's fields this document reports.
    pub fields: Vec<(String, String)>,
    /// (cantidad, unidad, descripción)
    pub materials: Vec<[String; 3]>,
    /// (descripción, serie, equipo de origen)
    pub parts: Vec<[String; 3]>,
    /// Asset tags.
    pub equipment: Vec<String>,
    /// Decisions and notes recorded up to the cut-off, oldest first.
    pub notes: Vec<String>,
}

/// Build the body of a `kind` document from `exp`, counting log entries up to `cutoff`
/// (ms UTC; `None` = all).
pub fn body(exp: &Expediente, proc: &Procedure, kind: DocumentKind, cutoff: Option<i64>) -> Body {
    Body {
        kind: kind.slug(),
        title: kind.title().to_owned(),
        folio: exp.folio.clone(),
        expediente_id: exp.id.clone(),
        procedure: format!("{} {}", proc.id, proc.name),
        seccion: seccion_name(&exp.seccion),
        area: exp.area.clone(),
        unidad: exp.unidad.clone(),
        solicitud: solicitud_text(exp),
        intro: wording::intro(kind).to_owned(),
        fields: fields_for(exp, proc, kind),
        materials: exp
            .materials
            .iter()
            .map(|m| [number(m.quantity), m.unit.clone(), m.item.clone()])
            .collect(),
        parts: if uses_parts(kind) {
            exp.parts
                .iter()
                .map(|p| {
                    [
                        p.description.clone(),
                        p.serial.clone().unwrap_or_default(),
                        p.from_asset.clone().unwrap_or_default(),
                    ]
                })
                .collect()
        } else {
            vec![]
        },
        equipment: exp.equipment.clone(),
        notes: notes(exp, proc, cutoff),
    }
}

fn uses_parts(kind: DocumentKind) -> bool {
    matches!(
        kind,
        DocumentKind::DictamenTecnico | DocumentKind::FormatoServicioEquipo
    )
}

pub fn seccion_name(code: &str) -> String {
    catalog::demo()
        .secciones
        .iter()
        .find(|s| s.code == code)
        .map(|s| s.name.clone())
        .unwrap_or_else(|| code.to_owned())
}

fn solicitud_text(exp: &Expediente) -> String {
    let s = &exp.solicitud;
    let tipo = match s.tipo.as_str() {
        "oficio" => "Oficio",
        "tarjeta" => "Tarjeta",
        "correo" => "Correo electrónico",
        "telefono" => "Llamada telefónica",
        "" => "",
        other => other,
    };
    let mut t = tipo.to_owned();
    if !s.numero.trim().is_empty() {
        t = format!("{t} núm. {}", s.numero.trim());
    }
    if let Ok(d) = time::parse_date("fecha", &s.fecha) {
        t = format!("{t} de fecha {}", wording::long_date(d));
    }
    t.trim().to_owned()
}

/// Fields required by the steps up to the document's last producing step, and fields no
/// step requires (free observations), in the procedure's order, when filled.
fn fields_for(exp: &Expediente, proc: &Procedure, kind: DocumentKind) -> Vec<(String, String)> {
    let last = proc
        .steps_for_document(kind)
        .iter()
        .filter_map(|s| proc.position(&s.id))
        .max()
        .unwrap_or(proc.steps.len());
    let required_by =
        |f: &str| -> Option<usize> { proc.steps.iter().position(|s| s.requires.fields.iter().any(|x| x == f)) };
    proc.fields
        .iter()
        .filter(|f| required_by(&f.id).is_none_or(|p| p <= last))
        .filter_map(|f| {
            let v = exp.field(&f.id)?;
            Some((f.label.clone(), f.words(&v)))
        })
        .collect()
}

fn notes(exp: &Expediente, proc: &Procedure, cutoff: Option<i64>) -> Vec<String> {
    let superseded: std::collections::HashSet<&str> = exp
        .log
        .iter()
        .flat_map(|e| e.supersedes.iter().map(String::as_str))
        .collect();
    let mut entries: Vec<_> = exp
        .log
        .iter()
        .filter(|e| !superseded.contains(e.id.as_str()))
        .filter(|e| cutoff.is_none_or(|c| e.stamp.at <= c))
        .collect();
    entries.sort_by(|a, b| (a.stamp.at, &a.id).cmp(&(b.stamp.at, &b.id)));
    entries
        .into_iter()
        .filter_map(|e| {
            let step = proc.step(&e.step);
            let answer = e.answer.as_ref().map(|a| {
                step.and_then(|s| s.answers.iter().find(|x| &x.value == a))
                    .map(|x| x.label.clone())
                    .unwrap_or_else(|| a.clone())
            });
            let is_decision = step.is_some_and(|s| s.kind == StepKind::Decision);
            if e.note.is_none() && !(is_decision && answer.is_some()) {
                return None;
            }
            let mut t = format!("{} · paso {}", time::display_ms(e.stamp.at), e.step);
            if let Some(a) = answer {
                t = format!("{t}: {a}");
            }
            if let Some(n) = &e.note {
                t = format!("{t}. {}", n.trim());
            }
            Some(t)
        })
        .collect()
}

/// A quantity as people write it: no trailing ".0".
pub fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}
