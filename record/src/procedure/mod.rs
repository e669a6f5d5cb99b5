//! The department's procedures (P1–P7) as versioned data, embedded at build time.
//!
//! The procedures change when the manual changes, not when the code does, so they live in
//! `record/procedures/*.toml` and keep the manual's step numbering (`3A`, `5A.1`). Each
//! expediente pins the id and version it follows; a new version of a procedure is a new
//! file entry, never an edit of an old one that expedientes already follow.
//! [`catalog`] parses and validates them once; [`engine`] runs an expediente along them.

pub mod engine;
pub mod field;

pub use field::{Choice, FieldDef, FieldKind};

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::messages::{Arg, Message};
use crate::msg;

/// The embedded procedure files. Adding a version: add the file and a line here.
const SOURCES: &[(&str, &str)] = &[
    ("P1.toml", include_str!("../../procedures/P1.toml")),
    ("P2.toml", include_str!("../../procedures/P2.toml")),
    ("P3.toml", include_str!("../../procedures/P3.toml")),
    ("P4.toml", include_str!("../../procedures/P4.toml")),
    ("P5.toml", include_str!("../../procedures/P5.toml")),
    ("P6.toml", include_str!("../../procedures/P6.toml")),
    ("P7.toml", include_str!("../../procedures/P7.toml")),
    ("P1.v2.toml", include_str!("../../procedures/P1.v2.toml")),
    ("P2.v2.toml", include_str!("../../procedures/P2.v2.toml")),
    ("P3.v2.toml", include_str!("../../procedures/P3.v2.toml")),
    ("P4.v2.toml", include_str!("../../procedures/P4.v2.toml")),
    ("P5.v2.toml", include_str!("../../procedures/P5.v2.toml")),
    ("P6.v2.toml", include_str!("../../procedures/P6.v2.toml")),
    ("P7.v2.toml", include_str!("../../procedures/P7.v2.toml")),
    ("P4.v3.toml", include_str!("../../procedures/P4.v3.toml")),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum StepKind {
    Action,
    Decision,
    Wait,
    Document,
    Signature,
    End,
}

/// The official documents the procedures produce. Names stay in Spanish on paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum DocumentKind {
    JustificacionInviabilidad,
    JustificacionTecnica,
    DictamenTecnico,
    Tarjeta,
    FormatoInstalacionVozDatos,
    FormatoRf01,
    FormatoControlActividades,
    FormatoServicioEquipo,
    FormatoRespaldoBd,
    ReporteCierreSeguimiento,
}

impl DocumentKind {
    pub fn title(self) -> &'static str {
        match self {
            DocumentKind::JustificacionInviabilidad => "Justificación técnica de inviabilidad",
            DocumentKind::JustificacionTecnica => "Justificación técnica",
            DocumentKind::DictamenTecnico => "Dictamen técnico",
            DocumentKind::Tarjeta => "Tarjeta",
            DocumentKind::FormatoInstalacionVozDatos => "Formato de instalación de voz y datos",
            DocumentKind::FormatoRf01 => "Formato DA/DTI/RF01 Atención de Servicio de Radio Frecuencia",
            DocumentKind::FormatoControlActividades => "Formato de control de actividades",
            DocumentKind::FormatoServicioEquipo => "Formato de servicio a equipo",
            DocumentKind::FormatoRespaldoBd => "Formato de respaldo de base de datos",
            DocumentKind::ReporteCierreSeguimiento => "Reporte de cierre de seguimiento",
        }
    }

    pub fn slug(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    pub fn from_slug(slug: &str) -> Option<DocumentKind> {
        serde_json::from_value(serde_json::Value::String(slug.to_owned())).ok()
    }
}

/// Side effects a completed step has outside its own expediente.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Effect {
    AssetEnReparacion,
    AssetActivo,
    AssetBaja,
    ComponentsAdd,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Requires {
    /// Field ids (procedure fields or `solicitud.*`, `area`, `unidad`) that must be filled.
    #[serde(default)]
    pub fields: Vec<String>,
    /// Minimum number of photos attached to this step.
    #[serde(default)]
    pub photos: u32,
    /// Signature roles that must be captured at this step.
    #[serde(default)]
    pub signatures: Vec<String>,
    /// At least one material or spare part listed.
    #[serde(default)]
    pub materials: bool,
    /// At least one piece of equipment (asset tag) involved.
    #[serde(default)]
    pub equipment: bool,
    /// At least one extracted reusable part listed (P4).
    #[serde(default)]
    pub parts: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Answer {
    pub value: String,
    pub label: String,
    pub next: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Wait {
    pub reason: String,
    /// Hours after reaching the step when the wait is overdue, where the manual sets one.
    #[serde(default)]
    pub deadline_hours: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Step {
    pub id: String,
    pub kind: StepKind,
    pub title: String,
    #[serde(default)]
    pub requires: Requires,
    #[serde(default)]
    pub answers: Vec<Answer>,
    #[serde(default)]
    pub next: Option<String>,
    #[serde(default)]
    pub produces: Vec<DocumentKind>,
    /// Documents produced earlier whose signatures are collected at this step (P4 step 7
    /// signs the Formato de servicio a equipo and the Dictamen's copy).
    #[serde(default)]
    pub signs: Vec<DocumentKind>,
    /// Which role's signature goes on which of the step's documents, when they differ
    /// (P4 v3 step 7: the requester's conformity on the Formato de servicio a equipo, the
    /// acknowledgement of receipt on the Dictamen's copy). A role not named here signs
    /// every document of the step.
    #[serde(default)]
    pub sign_on: BTreeMap<String, Vec<DocumentKind>>,
    #[serde(default)]
    pub wait: Option<Wait>,
    #[serde(default)]
    pub effects: Vec<Effect>,
    /// The procedure this one continues as (P5 step 4 → P3).
    #[serde(default)]
    pub continues: Option<String>,
}

impl Step {
    /// Whether documents of `kind` are produced or signed at this step.
    pub fn touches(&self, kind: DocumentKind) -> bool {
        self.produces.contains(&kind) || self.signs.contains(&kind)
    }

    /// Whether a signature in `role` made at this step goes on documents of `kind`.
    pub fn places(&self, role: &str, kind: DocumentKind) -> bool {
        self.touches(kind) && self.sign_on.get(role).is_none_or(|ks| ks.contains(&kind))
    }
}

/// A deadline computed from a recorded time (P6: 24 h, then 48 h).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Escalation {
    pub id: String,
    /// The datetime field the deadline counts from.
    pub from: String,
    pub hours: u32,
    /// What to do when it is due.
    pub action: String,
    /// The escalation is done once this field is recorded.
    #[serde(default)]
    pub done_field: Option<String>,
    /// The escalation no longer applies once the path reaches one of these steps.
    #[serde(default)]
    pub stop_at: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Procedure {
    pub id: String,
    pub version: u32,
    pub name: String,
    /// Code of the DTI section responsible (used in folios).
    pub seccion: String,
    pub start: String,
    #[serde(default)]
    pub fields: Vec<FieldDef>,
    #[serde(default)]
    pub escalations: Vec<Escalation>,
    pub steps: Vec<Step>,
}

impl Procedure {
    /// Steps whose signatures belong on documents of `kind`: those producing it and
    /// those collecting signatures for it.
    pub fn steps_for_document(&self, kind: DocumentKind) -> Vec<&Step> {
        self.steps.iter().filter(|s| s.touches(kind)).collect()
    }

    /// Whether a signature in `role` collected at `step` belongs on documents of `kind`.
    pub fn signature_on(&self, step: &str, role: &str, kind: DocumentKind) -> bool {
        self.step(step).is_some_and(|s| s.places(role, kind))
    }

    /// The roles whose signatures a document of `kind` needs, in the procedure's order.
    pub fn roles_for_document(&self, kind: DocumentKind) -> Vec<&str> {
        let mut roles: Vec<&str> = Vec::new();
        for s in self.steps_for_document(kind) {
            for r in &s.requires.signatures {
                if s.places(r, kind) && !roles.contains(&r.as_str()) {
                    roles.push(r);
                }
            }
        }
        roles
    }

    /// Where a step sits in the manual's order (for "what was known by this step").
    pub fn position(&self, id: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.id == id)
    }

    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// The step `id`, or the error that names the procedure and the unknown step.
    /// A field as a person knows it: its label, never its id (an unknown id, which
    /// validation keeps out of the procedures, shows as itself).
    pub fn field_label(&self, id: &str) -> Arg {
        match common_field_label(id) {
            Some(m) => m.into(),
            None => Arg::Text(self.field(id).map_or(id, |d| d.label.as_str()).to_owned()),
        }
    }

    pub fn known_step(&self, id: &str) -> crate::error::Result<&Step> {
        self.step(id).ok_or_else(|| crate::error::Error::UnknownStep {
            id: self.id.clone(),
            step: id.to_owned(),
        })
    }

    pub fn field(&self, id: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.id == id)
    }

    /// Structural checks: every reference points at a real step or field, decisions
    /// have answers and nothing else, ends have no successor. Run for every embedded
    /// file at first use and in the tests, so a bad data file never ships.
    fn validate(&self) -> std::result::Result<(), String> {
        let step_ok = |id: &str| self.step(id).is_some();
        if !step_ok(&self.start) {
            return Err(format!("start step {} does not exist", self.start));
        }
        let mut seen = std::collections::HashSet::new();
        for s in &self.steps {
            if !seen.insert(&s.id) {
                return Err(format!("step {} is defined twice", s.id));
            }
            match s.kind {
                StepKind::Decision => {
                    if s.answers.len() < 2 || s.next.is_some() {
                        return Err(format!("decision {} needs ≥2 answers and no next", s.id));
                    }
                }
                StepKind::End => {
                    if s.next.is_some() || !s.answers.is_empty() {
                        return Err(format!("end step {} has a successor", s.id));
                    }
                }
                _ => {
                    if s.next.is_none() || !s.answers.is_empty() {
                        return Err(format!("step {} needs a next step and no answers", s.id));
                    }
                }
            }
            if s.kind == StepKind::Wait && s.wait.is_none() {
                return Err(format!("wait step {} has no reason", s.id));
            }
            for n in s.next.iter().chain(s.answers.iter().map(|a| &a.next)) {
                if !step_ok(n) {
                    return Err(format!("step {} leads to unknown step {n}", s.id));
                }
            }
            for f in &s.requires.fields {
                if !is_common_field(f) && self.field(f).is_none() {
                    return Err(format!("step {} requires unknown field {f}", s.id));
                }
            }
            for r in &s.requires.signatures {
                if !SIGNATURE_ROLES.contains(&r.as_str()) {
                    return Err(format!("step {} requires unknown signature role {r}", s.id));
                }
            }
            for (r, kinds) in &s.sign_on {
                if !s.requires.signatures.contains(r) {
                    return Err(format!("step {} places role {r} it does not require", s.id));
                }
                if kinds.is_empty() || kinds.iter().any(|k| !s.touches(*k)) {
                    return Err(format!("step {} places {r} on a document it does not sign", s.id));
                }
            }
        }
        for e in &self.escalations {
            if self.field(&e.from).is_none_or(|f| f.kind != FieldKind::Datetime) {
                return Err(format!("escalation {} counts from a non-datetime field", e.id));
            }
            if e.stop_at.iter().any(|s| !step_ok(s)) {
                return Err(format!("escalation {} stops at an unknown step", e.id));
            }
        }
        Ok(())
    }
}

/// Signature roles: who signs and why.
pub const SIGNATURE_ROLES: &[&str] = &["conformidad", "acuse", "jefe", "tecnico"];

/// Fields every expediente has, whatever its procedure.
pub const COMMON_FIELDS: &[&str] = &[
    "area",
    "unidad",
    "seccion",
    "solicitud.tipo",
    "solicitud.numero",
    "solicitud.fecha",
    "solicitud.recibida_en",
    "solicitud.archivo",
];

pub fn is_common_field(id: &str) -> bool {
    COMMON_FIELDS.contains(&id)
}

/// Who signs in a role, as a person reads it (for "still needs the signature of …").
pub fn role_name(role: &str) -> Arg {
    match role {
        "conformidad" => msg!("role.conformidad").into(),
        "acuse" => msg!("role.acuse").into(),
        "jefe" => msg!("role.jefe").into(),
        "tecnico" => msg!("role.tecnico").into(),
        other => Arg::Text(other.to_owned()),
    }
}

/// An expediente's state (`en-curso`, `en-espera`, `conflicto`, `terminado`) as a person
/// reads it.
pub fn state_name(state: &str) -> Arg {
    match state {
        "en-curso" => msg!("state.en-curso").into(),
        "en-espera" => msg!("state.en-espera").into(),
        "conflicto" => msg!("state.conflicto").into(),
        "terminado" => msg!("state.terminado").into(),
        other => Arg::Text(other.to_owned()),
    }
}

/// A document's status in an expediente (`borrador`, `emitido`, `acuse-recibido`) in words.
pub fn document_status_name(status: &str) -> Arg {
    match status {
        "borrador" => msg!("document_status.borrador").into(),
        "emitido" => msg!("document_status.emitido").into(),
        "acuse-recibido" => msg!("document_status.acuse-recibido").into(),
        other => Arg::Text(other.to_owned()),
    }
}

/// A common field's kind and label, for entering and showing it like a procedure's own.
pub fn common_field(id: &str) -> Option<FieldDef> {
    let choice = |value: &str, label: &str, also: &[&str]| Choice {
        value: value.to_owned(),
        label: label.to_owned(),
        detail: String::new(),
        also: also.iter().map(|a| (*a).to_owned()).collect(),
    };
    let (kind, choices) = match id {
        "solicitud.fecha" => (FieldKind::Date, vec![]),
        "solicitud.recibida_en" => (FieldKind::Datetime, vec![]),
        // The paper's kind (manual: "Oficio o Tarjeta"; P5 and P6 take calls and e-mail).
        "solicitud.tipo" => (
            FieldKind::Choice,
            vec![
                choice("oficio", "Oficio", &[]),
                choice("tarjeta", "Tarjeta informativa", &["tarjeta"]),
                choice("correo", "Correo electrónico", &["correo", "email", "e-mail"]),
                choice("telefono", "Llamada telefónica", &["teléfono", "telefono", "llamada"]),
            ],
        ),
        // Where the request's paper is, for the DTI's chronological file.
        "solicitud.archivo" => (
            FieldKind::Choice,
            vec![
                choice(
                    "archivado",
                    "Archivado en el expediente del DTI",
                    &["archivado", "archivada"],
                ),
                choice("original-entregado", "Original entregado", &["entregado", "entregada"]),
            ],
        ),
        _ if is_common_field(id) => (FieldKind::Text, vec![]),
        _ => return None,
    };
    Some(FieldDef {
        id: id.to_owned(),
        label: common_field_label(id)?.to_string(),
        kind,
        choices,
        unit: None,
    })
}

/// What a person calls a common field (the procedures' own fields have their label in
/// the procedure data).
fn common_field_label(id: &str) -> Option<Message> {
    Some(match id {
        "area" => msg!("field.area"),
        "unidad" => msg!("field.unidad"),
        "seccion" => msg!("field.seccion"),
        "solicitud.tipo" => msg!("field.solicitud_tipo"),
        "solicitud.numero" => msg!("field.solicitud_numero"),
        "solicitud.fecha" => msg!("field.solicitud_fecha"),
        "solicitud.recibida_en" => msg!("field.solicitud_recibida_en"),
        "solicitud.archivo" => msg!("field.solicitud_archivo"),
        _ => return None,
    })
}

/// All embedded procedures, parsed and validated once. Keyed by (id, version).
pub fn catalog() -> &'static BTreeMap<(String, u32), Procedure> {
    static CATALOG: OnceLock<BTreeMap<(String, u32), Procedure>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        SOURCES
            .iter()
            .map(|(name, text)| {
                // The files are part of the binary and covered by tests: a failure here is
                // a build defect, not user input.
                let p: Procedure =
                    toml::from_str(text).unwrap_or_else(|e| panic!("embedded procedure {name} does not parse: {e}"));
                if let Err(e) = p.validate() {
                    panic!("embedded procedure {name} is inconsistent: {e}");
                }
                ((p.id.clone(), p.version), p)
            })
            .collect()
    })
}

/// The newest version of a procedure, for new expedientes.
pub fn latest(id: &str) -> Result<&'static Procedure> {
    let id = id.trim().to_ascii_uppercase();
    catalog()
        .range((id.clone(), 0)..=(id.clone(), u32::MAX))
        .next_back()
        .map(|(_, p)| p)
        .ok_or(Error::UnknownProcedure(id))
}

/// The exact version an expediente pinned.
pub fn get(id: &str, version: u32) -> Result<&'static Procedure> {
    catalog()
        .get(&(id.to_owned(), version))
        .ok_or_else(|| Error::UnknownProcedure(format!("{id} v{version}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_seven_procedures_load_and_validate_in_every_version() {
        let mut ids: Vec<_> = catalog().keys().map(|(id, _)| id.as_str()).collect();
        ids.dedup();
        assert_eq!(ids, ["P1", "P2", "P3", "P4", "P5", "P6", "P7"]);
        for id in ids {
            let versions: Vec<u32> = catalog().keys().filter(|(i, _)| i == id).map(|(_, v)| *v).collect();
            let newest = if id == "P4" { 3 } else { 2 };
            assert_eq!(versions, (1..=newest).collect::<Vec<_>>(), "{id}");
            assert_eq!(latest(id).unwrap().version, newest, "new expedientes take the newest");
        }
    }

    #[test]
    fn p4_v3_puts_each_signature_of_step_7_on_its_own_paper() {
        let p = get("P4", 3).unwrap();
        let (formato, dictamen) = (DocumentKind::FormatoServicioEquipo, DocumentKind::DictamenTecnico);
        assert_eq!(p.roles_for_document(formato), ["conformidad"]);
        assert_eq!(p.roles_for_document(dictamen), ["acuse"]);
        assert!(p.signature_on("7", "conformidad", formato) && !p.signature_on("7", "conformidad", dictamen));
        // Version 2, which expedientes already follow, keeps both on both.
        assert_eq!(
            get("P4", 2).unwrap().roles_for_document(dictamen),
            ["conformidad", "acuse"]
        );
    }

    #[test]
    fn validation_rejects_a_role_placed_on_a_paper_the_step_does_not_sign() {
        let mut p = get("P4", 3).unwrap().clone();
        let seven = p.steps.iter_mut().find(|s| s.id == "7").unwrap();
        seven.sign_on.insert("acuse".into(), vec![DocumentKind::Tarjeta]);
        assert!(p.validate().unwrap_err().contains("does not sign"));
        let seven = p.steps.iter_mut().find(|s| s.id == "7").unwrap();
        seven.sign_on.clear();
        seven.sign_on.insert("jefe".into(), vec![DocumentKind::DictamenTecnico]);
        assert!(p.validate().unwrap_err().contains("does not require"));
    }

    #[test]
    fn every_step_is_reachable_and_every_path_can_end() {
        for p in catalog().values() {
            let mut reach = std::collections::HashSet::new();
            let mut todo = vec![p.start.clone()];
            while let Some(id) = todo.pop() {
                if reach.insert(id.clone()) {
                    let s = p.step(&id).unwrap();
                    todo.extend(s.next.iter().cloned());
                    todo.extend(s.answers.iter().map(|a| a.next.clone()));
                }
            }
            for s in &p.steps {
                assert!(reach.contains(&s.id), "{} step {} is unreachable", p.id, s.id);
            }
            assert!(p.steps.iter().any(|s| s.kind == StepKind::End), "{} has no end", p.id);
        }
    }

    #[test]
    fn validation_rejects_a_dangling_next() {
        let mut p = latest("P1").unwrap().clone();
        p.steps[0].next = Some("99".into());
        assert!(p.validate().unwrap_err().contains("unknown step 99"));
    }

    #[test]
    fn unknown_procedure_is_a_clear_error() {
        let e = latest("P9").unwrap_err();
        assert_eq!(e.code(), "unknown_procedure");
        assert!(e.to_string().contains("brigada procedures"));
        assert_eq!(latest("p3").unwrap().id, "P3");
    }
}
