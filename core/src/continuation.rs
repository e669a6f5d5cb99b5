//! A job that turns into another procedure: P5's visit whose equipment must go to the
//! DTI becomes a P3 repair (manual line 5761). The new expediente starts with what the
//! first one knew — área, unidad, request, equipment, assignees and the fields both
//! procedures declare (the fault) — and each names the other. Both writes are one SQLite
//! transaction, so neither link exists without the other.

use brigada_record::msg;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::expedientes::{Created, NewExpediente};
use crate::procedure;
use crate::store::{Store, index};

/// Another expediente this one is linked to, with its folio when it is on this device.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Linked {
    pub id: String,
    pub folio: Option<String>,
}

impl Store {
    /// Open the expediente that continues `r` in the procedure its last step names.
    pub fn continue_in(&mut self, r: &str) -> Result<Created> {
        let v = self.view(r)?;
        let e = &v.expediente;
        let Some(target) = v.status.continues.clone() else {
            return Err(Error::InvalidInput(msg!("continue.nothing", folio = &e.folio)));
        };
        if let Some(first) = e.continued_in.first() {
            let folio = index::folio_of(self.conn(), first)?.unwrap_or_else(|| first.clone());
            return Err(Error::InvalidInput(msg!("continue.already", folio = folio)));
        }
        let mut next = self.draft_expediente(NewExpediente {
            procedure: target.clone(),
            area: e.area.clone(),
            unidad: Some(e.unidad.clone()),
            assignees: e.assignees.clone(),
            ..Default::default()
        })?;
        let proc = procedure::get(&next.procedure_id, next.procedure_version)?;
        next.solicitud = e.solicitud.clone();
        next.equipment = e.equipment.clone();
        next.origin = Some(e.id.clone());
        for f in &proc.fields {
            if let Some(value) = e.fields.get(&f.id) {
                next.fields.insert(f.id.clone(), value.clone());
            }
        }
        let new_id = next.id.clone();
        let (mut pending, ()) = self.prepare_edit(
            &e.id,
            |_| format!("continúa en {target}"),
            |exp, _, _, _| {
                exp.continued_in.push(new_id);
                Ok(())
            },
        )?;
        let created = self.store_new(next, |tx| pending.store(tx))?;
        self.finish_edit(pending);
        Ok(created)
    }

    /// An id as a link shows it.
    pub(crate) fn linked(&self, id: &str) -> Result<Linked> {
        Ok(Linked {
            id: id.to_owned(),
            folio: index::folio_of(self.conn(), id)?,
        })
    }
}
