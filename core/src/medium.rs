//! The label of a backup medium (P7 step 8, manual line 5117: "Etiqueta el medio de
//! respaldo identificando tipo de base de datos, fecha y hora"). The label says what was
//! backed up, when, for which área, and the folio, with a QR of the folio so the disc or
//! drive leads back to its expediente. Printing it the first time records its words in the
//! procedure's `etiqueta` field (the step's evidence, in the history); a reprint of a
//! damaged label prints those same words, never a new date.

use brigada_record::msg;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::procedure;
use crate::store::Store;
use crate::time;

/// The field that holds the label's words, and the one naming what was backed up.
pub const LABEL_FIELD: &str = "etiqueta";
const WHAT_FIELD: &str = "informacion";
const MEDIUM_FIELD: &str = "medio";

/// What a backup medium's label says.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MediumLabel {
    pub folio: String,
    /// What was backed up and when: "Expedientes clínicos — 01/12/2026 13:45".
    pub words: String,
    /// The medium, in words ("Memoria USB"), if recorded.
    pub medium: Option<String>,
    /// Área · unidad.
    pub place: String,
}

impl Store {
    /// The label of the backup medium of `r` (a procedure with an `etiqueta` field), its
    /// words recorded in that field the first time.
    pub fn medium_label(&mut self, r: &str) -> Result<MediumLabel> {
        let v = self.view(r)?;
        let e = &v.expediente;
        let proc = procedure::get(&e.procedure_id, e.procedure_version)?;
        if proc.field(LABEL_FIELD).is_none() {
            return Err(Error::InvalidInput(msg!("medium.not_a_backup", folio = &e.folio)));
        }
        let words_of = |id: &str| {
            v.fields
                .iter()
                .find(|f| f.def.id == id)
                .and_then(|f| f.words.clone())
                .filter(|w| !w.trim().is_empty())
        };
        let words = match words_of(LABEL_FIELD) {
            Some(recorded) => recorded,
            None => {
                let Some(what) = words_of(WHAT_FIELD) else {
                    return Err(Error::InvalidInput(msg!(
                        "medium.what_first",
                        field = proc.field_label(WHAT_FIELD)
                    )));
                };
                let words = format!("{} — {}", what.trim(), time::written(time::from_ms(time::now_ms())));
                self.set_fields(&e.id, &[(LABEL_FIELD.to_owned(), words.clone())])?;
                words
            }
        };
        let place = [e.area.trim(), e.unidad.trim()]
            .into_iter()
            .filter(|x| !x.is_empty())
            .collect::<Vec<_>>()
            .join(" · ");
        Ok(MediumLabel {
            folio: e.folio.clone(),
            words,
            medium: words_of(MEDIUM_FIELD),
            place,
        })
    }
}
