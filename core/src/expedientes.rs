//! Operations on expedientes: the functions the CLI and the app's commands call.
//!
//! Each write loads the document, changes the typed value, records exactly one Automerge
//! change stamped with author/device/time, and in the same SQLite transaction appends the
//! change and rewrites the index row. When the function returns `Ok`, the edit is durable.

use automerge::Automerge;
use brigada_record::messages::Message;
use brigada_record::msg;
use chrono::Utc;
use serde::Serialize;

use crate::RecordError;
use crate::continuation::Linked;
use crate::doc::{self, HistoryEntry};
use crate::error::{Error, Result};
use crate::model::*;
use crate::procedure::engine::{self, Conflict, Status};
use crate::procedure::{self, Effect, Procedure};
use crate::signature::{self, Strokes};
use crate::store::documents::{self, DocKind};
use crate::store::{Store, blobs, held, index, meta};
use crate::time;

#[derive(Debug, Clone, Default)]
pub struct NewExpediente {
    pub procedure: String,
    pub area: String,
    pub unidad: Option<String>,
    /// Free text such as "Oficio 4512/2026": kind word first, then the number.
    pub request: Option<String>,
    pub asset: Option<String>,
    pub assignees: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Created {
    pub id: String,
    pub folio: String,
}

/// An expediente with its derived state, as shown by `show`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct View {
    pub expediente: Expediente,
    pub procedure_name: String,
    pub status: Status,
    pub heads: Vec<String>,
    /// Every field a person enters for this expediente — the request's date and number,
    /// then the procedure's own — with its kind and its value in words.
    pub fields: Vec<FieldShown>,
    /// The expediente this one continues, and those that continue it (P5 → P3).
    pub origin: Option<Linked>,
    pub continued_in: Vec<Linked>,
}

/// An edit applied to a loaded document, not yet stored.
pub(crate) struct PendingEdit {
    pub(crate) id: String,
    d: Automerge,
    pub(crate) exp: Expediente,
    status: Status,
    change: Option<automerge::Change>,
    now: i64,
}

impl PendingEdit {
    /// Append the change and reindex, inside the caller's transaction.
    pub(crate) fn store(&mut self, tx: &rusqlite::Transaction<'_>) -> Result<()> {
        if let Some(c) = &mut self.change {
            documents::append(tx, &self.id, &c.bytes(), &self.d, self.now)?;
        }
        index::upsert_expediente(tx, &self.d, &self.exp, &self.status, self.now)?;
        Ok(())
    }
}

/// A field as the app shows and edits it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldShown {
    pub def: procedure::FieldDef,
    /// As stored (what the app sends back unchanged).
    pub value: Option<String>,
    /// As a person reads it (a choice's label, a date as 30/11/2026).
    pub words: Option<String>,
}

/// The fields of `exp` as the app shows them.
fn fields_shown(exp: &Expediente, proc: &Procedure) -> Vec<FieldShown> {
    [
        "solicitud.tipo",
        "solicitud.numero",
        "solicitud.fecha",
        "solicitud.recibida_en",
        "solicitud.archivo",
    ]
    .iter()
    .filter_map(|id| procedure::common_field(id))
    .chain(proc.fields.iter().cloned())
    .map(|def| {
        let value = match def.id.as_str() {
            // Kept as a moment; shown and edited like any date-time field.
            "solicitud.recibida_en" => exp.solicitud.recibida_en.map(|ms| time::from_ms(ms).to_rfc3339()),
            id => exp.field(id),
        }
        .filter(|v| !v.is_empty());
        let words = value.as_deref().map(|v| def.words(v));
        FieldShown { def, value, words }
    })
    .collect()
}

fn uuid() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn split_request(text: &str) -> (String, String) {
    let t = text.trim();
    let (first, rest) = t.split_once(char::is_whitespace).unwrap_or((t, ""));
    let word = first.to_lowercase().replace('é', "e");
    match SOLICITUD_TIPOS.iter().find(|k| **k == word) {
        Some(k) => ((*k).to_owned(), rest.trim().to_owned()),
        None => ("oficio".to_owned(), t.to_owned()),
    }
}

impl Store {
    pub fn stamp(&self, at: i64) -> Stamp {
        Stamp {
            by: self.device().person.clone(),
            device: self.device().code.clone(),
            at,
        }
    }

    pub fn create_expediente(&mut self, n: NewExpediente) -> Result<Created> {
        let exp = self.draft_expediente(n)?;
        self.store_new(exp, |_| Ok(()))
    }

    /// A new expediente as `n` asks, not yet stored (its folio is given when it is).
    pub(crate) fn draft_expediente(&self, n: NewExpediente) -> Result<Expediente> {
        let proc = procedure::latest(&n.procedure)?;
        let asset = match n.asset.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => Some(crate::tag::parse_typed(t).ok_or_else(|| Error::InvalidField {
                field: msg!("field.equipo").to_string(),
                why: msg!("tag.not_a_tag", text = t),
            })?),
            None => None,
        };
        // A job opened from a registered tag is where the equipment is: its unidad and
        // área fill what the técnico left empty.
        let located = asset.as_deref().and_then(|t| self.asset(t).ok()).map(|a| a.location);
        let mut area = n.area.trim().to_owned();
        let mut unidad = n.unidad.unwrap_or_default().trim().to_owned();
        if let Some(l) = located {
            if area.is_empty() {
                area = l.area.trim().to_owned();
            }
            if unidad.is_empty() {
                unidad = l.unidad.trim().to_owned();
            }
        }
        if area.is_empty() {
            return Err(Error::InvalidField {
                field: msg!("field.area").to_string(),
                why: msg!("field.empty"),
            });
        }
        // A unidad the catalog knows is written as the catalog writes it ("tuxpan" typed
        // in a hurry prints as the hospital's name), so papers and lists agree.
        if let Some(u) = crate::catalog::demo().unidad(&unidad) {
            unidad = u.name.clone();
        }
        let now = time::now_ms();
        let (tipo, numero) = n.request.as_deref().map(split_request).unwrap_or_default();
        let stamp = self.stamp(now);
        Ok(Expediente {
            id: uuid(),
            folio: String::new(),
            procedure_id: proc.id.clone(),
            procedure_version: proc.version,
            created_at: now,
            created_by: stamp.by.clone(),
            created_device: stamp.device.clone(),
            solicitud: Solicitud {
                tipo,
                numero,
                // A request typed in at creation is in the DTI's hands now (editable).
                recibida_en: n
                    .request
                    .as_deref()
                    .is_some_and(|r| !r.trim().is_empty())
                    .then_some(now),
                ..Default::default()
            },
            area,
            unidad,
            seccion: proc.seccion.clone(),
            assignees: n.assignees,
            equipment: asset.into_iter().collect(),
            ..Default::default()
        })
    }

    /// Store a drafted expediente under the next folio of this device; `also` runs in the
    /// same transaction (a linked expediente's change), so both are durable or neither.
    pub(crate) fn store_new(
        &mut self,
        mut exp: Expediente,
        also: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<()>,
    ) -> Result<Created> {
        let proc = procedure::get(&exp.procedure_id, exp.procedure_version)?;
        let now = exp.created_at;
        let year = time::from_ms(now).format("%Y").to_string();
        let prefix = format!("{}-{}-{}", proc.seccion, year, self.device().code);
        let author = self.author();
        let id = exp.id.clone();
        let folio = self.write(|tx| {
            let seq = meta::next_folio_seq(tx, &prefix)?;
            exp.folio = format!("{prefix}-{seq:04}");
            let mut d = doc::new_doc(&author);
            doc::write(&mut d, &exp, &author, &format!("crear {}", exp.folio), now)?;
            documents::insert(tx, &id, DocKind::Expediente, &d, now)?;
            let st = engine::status(proc, &exp, Utc::now());
            index::upsert_expediente(tx, &d, &exp, &st, now)?;
            also(tx)?;
            Ok(exp.folio.clone())
        })?;
        Ok(Created { id, folio })
    }

    /// Accept an id, a folio, or a unique id prefix.
    pub fn resolve_ref(&self, r: &str) -> Result<String> {
        let r = r.trim();
        if r.is_empty() {
            return Err(Error::NotFound(r.into()));
        }
        let is_expediente = |id: &str| -> Result<bool> {
            Ok(documents::kind_of(self.conn(), id)?.as_deref() == Some(DocKind::Expediente.as_str()))
        };
        if is_expediente(r)? {
            return Ok(r.to_owned());
        }
        if let Some(id) = index::id_by_folio(self.conn(), r)? {
            return Ok(id);
        }
        // An id prefix: hex digits and dashes only (no LIKE wildcards from the user).
        if r.len() < 8 || !r.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            return Err(Error::NotFound(r.into()));
        }
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT id FROM expedientes WHERE id LIKE ?1 || '%' LIMIT 2")?;
        let ids: Vec<String> = stmt
            .query_map([r], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        match ids.as_slice() {
            [one] => Ok(one.clone()),
            _ => Err(Error::NotFound(r.into())),
        }
    }

    pub(crate) fn load_doc(&self, id: &str) -> Result<(Automerge, Expediente, &'static Procedure)> {
        let (d, exp) = self.take_doc(id)?.ok_or_else(|| Error::NotFound(id.into()))?;
        let proc = procedure::get(&exp.procedure_id, exp.procedure_version)?;
        Ok((d, exp, proc))
    }

    pub fn view(&self, r: &str) -> Result<View> {
        let id = self.resolve_ref(r)?;
        let (d, exp, proc) = self.load_doc(&id)?;
        let status = engine::status(proc, &exp, Utc::now());
        let heads = doc::heads_hex(&d);
        self.keep_doc(&id, d, exp.clone());
        Ok(View {
            procedure_name: proc.name.clone(),
            heads,
            fields: fields_shown(&exp, proc),
            origin: exp.origin.as_deref().map(|o| self.linked(o)).transpose()?,
            continued_in: exp.continued_in.iter().map(|c| self.linked(c)).collect::<Result<_>>()?,
            expediente: exp,
            status,
        })
    }

    /// Load, apply `f`, record one change and reindex, all durable on return.
    fn edit<T>(
        &mut self,
        r: &str,
        action: impl FnOnce(&Expediente) -> String,
        f: impl FnOnce(&mut Expediente, &'static Procedure, &Stamp, &Automerge) -> Result<T>,
    ) -> Result<T> {
        let (mut pending, out) = self.prepare_edit(r, action, f)?;
        self.write(|tx| pending.store(tx))?;
        self.finish_edit(pending);
        Ok(out)
    }

    /// An edit made in memory, to be stored by [`PendingEdit::store`] inside a transaction
    /// (possibly together with other writes) and then handed to [`Store::finish_edit`].
    pub(crate) fn prepare_edit<T>(
        &mut self,
        r: &str,
        action: impl FnOnce(&Expediente) -> String,
        f: impl FnOnce(&mut Expediente, &'static Procedure, &Stamp, &Automerge) -> Result<T>,
    ) -> Result<(PendingEdit, T)> {
        let id = self.resolve_ref(r)?;
        let (mut d, before, proc) = self.load_doc(&id)?;
        let mut exp = before.clone();
        let now = time::now_ms();
        let stamp = self.stamp(now);
        let out = f(&mut exp, proc, &stamp, &d)?;
        let author = self.author();
        let action = action(&exp);
        let change = doc::write_with(&mut d, &author, &action, now, |tx| reconcile_changed(tx, &before, &exp))?;
        let status = engine::status(proc, &exp, Utc::now());
        let pending = PendingEdit {
            id,
            d,
            exp,
            status,
            change,
            now,
        };
        Ok((pending, out))
    }

    /// After the transaction that stored it committed: the document may be cached again.
    pub(crate) fn finish_edit(&self, p: PendingEdit) {
        self.keep_doc(&p.id, p.d, p.exp);
    }

    pub fn set_fields(&mut self, r: &str, pairs: &[(String, String)]) -> Result<()> {
        let desc = pairs.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(", ");
        self.edit(
            r,
            |_| format!("editar {desc}"),
            |exp, proc, _, _| {
                for (k, v) in pairs {
                    set_field(exp, proc, k, v)?;
                }
                Ok(())
            },
        )
    }

    pub fn record_step(&mut self, r: &str, step: &str, answer: Option<&str>, note: Option<&str>) -> Result<Status> {
        let step = step.trim().to_ascii_uppercase();
        let answer = answer.map(|a| a.trim().to_lowercase());
        let action = match &answer {
            Some(a) => format!("paso {step} = {a}"),
            None => format!("paso {step}"),
        };
        let mut effects = Vec::new();
        self.edit(
            r,
            |_| action,
            |exp, proc, stamp, _| {
                let round = engine::check_record(proc, exp, &step, answer.as_deref(), Utc::now())?;
                let def = proc.known_step(&step)?;
                exp.log.push(LogEntry {
                    id: uuid(),
                    step: step.clone(),
                    round,
                    answer: answer.clone(),
                    note: note.map(str::to_owned).filter(|n| !n.trim().is_empty()),
                    supersedes: vec![],
                    stamp: stamp.clone(),
                });
                for kind in &def.produces {
                    let acuse = def
                        .requires
                        .signatures
                        .iter()
                        .any(|r| r == "acuse" || r == "conformidad");
                    exp.documents.push(DocumentRecord {
                        id: uuid(),
                        kind: kind.slug(),
                        step: step.clone(),
                        status: if acuse { "acuse-recibido" } else { "emitido" }.into(),
                        stamp: stamp.clone(),
                    });
                }
                effects = def.effects.clone();
                Ok(())
            },
        )?;
        let view = self.view(r)?;
        for e in effects {
            let status = match e {
                Effect::AssetBaja => "baja",
                Effect::AssetActivo => "activo",
                Effect::AssetEnReparacion => "en-reparacion",
                Effect::ComponentsAdd => continue,
            };
            for tag in &view.expediente.equipment {
                if self.asset(tag).is_ok() {
                    self.set_asset_status(tag, status)?;
                }
            }
        }
        Ok(view.status)
    }

    pub fn conflicts(&self, r: &str) -> Result<Vec<Conflict>> {
        Ok(self.view(r)?.status.conflicts)
    }

    /// Settle a contradictory decision: one new entry that supersedes every answer given.
    pub fn resolve(&mut self, r: &str, step: &str, answer: &str, note: Option<&str>) -> Result<Status> {
        let step = step.trim().to_ascii_uppercase();
        let answer = answer.trim().to_lowercase();
        self.edit(
            r,
            |_| format!("resolver {step} = {answer}"),
            |exp, proc, stamp, _| {
                let st = engine::status(proc, exp, Utc::now());
                let c = st
                    .conflicts
                    .iter()
                    .find(|c| c.step == step)
                    .ok_or_else(|| RecordError::IllegalTransition {
                        step: step.clone(),
                        why: msg!("step.no_conflict"),
                    })?;
                let def = proc.known_step(&step)?;
                if !def.answers.iter().any(|a| a.value == answer) {
                    return Err(RecordError::InvalidAnswer {
                        step: step.clone(),
                        answer: answer.clone(),
                        allowed: def
                            .answers
                            .iter()
                            .map(|a| a.value.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    }
                    .into());
                }
                exp.log.push(LogEntry {
                    id: uuid(),
                    step: step.clone(),
                    round: c.round,
                    answer: Some(answer.clone()),
                    note: note.map(str::to_owned),
                    supersedes: c.options.iter().map(|o| o.entry.clone()).collect(),
                    stamp: stamp.clone(),
                });
                Ok(())
            },
        )?;
        Ok(self.view(r)?.status)
    }

    pub fn add_material(
        &mut self,
        r: &str,
        item: &str,
        quantity: f64,
        unit: &str,
        component: Option<&str>,
    ) -> Result<()> {
        if item.trim().is_empty() || unit.trim().is_empty() {
            return Err(Error::InvalidInput(msg!("material.incomplete")));
        }
        if !quantity.is_finite() || quantity <= 0.0 {
            return Err(Error::InvalidField {
                field: msg!("field.quantity").to_string(),
                why: msg!("material.not_positive", quantity = quantity.to_string()),
            });
        }
        if let Some(c) = component {
            let available = index::list_components(self.conn(), true)?;
            if !available.iter().any(|x| x.id == c) {
                return Err(Error::InvalidInput(msg!("component.unavailable", component = c)));
            }
        }
        self.edit(
            r,
            |_| format!("material {item}"),
            |exp, _, stamp, _| {
                exp.materials.push(Material {
                    id: uuid(),
                    item: item.trim().into(),
                    quantity,
                    unit: unit.trim().into(),
                    component: component.map(str::to_owned),
                    stamp: stamp.clone(),
                });
                Ok(())
            },
        )
    }

    pub fn add_part(&mut self, r: &str, description: &str, serial: Option<&str>) -> Result<()> {
        if description.trim().is_empty() {
            return Err(Error::InvalidInput(msg!("part.no_description")));
        }
        self.edit(
            r,
            |_| format!("pieza {description}"),
            |exp, _, stamp, _| {
                let from_asset = exp.equipment.first().cloned();
                exp.parts.push(Part {
                    id: uuid(),
                    description: description.trim().into(),
                    serial: serial.map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned),
                    from_asset,
                    stamp: stamp.clone(),
                });
                Ok(())
            },
        )
    }

    pub fn add_equipment(&mut self, r: &str, tag_text: &str) -> Result<()> {
        let tag = crate::tag::parse_typed(tag_text).ok_or_else(|| Error::InvalidField {
            field: msg!("field.equipo").to_string(),
            why: msg!("tag.not_a_tag", text = tag_text.trim()),
        })?;
        self.edit(
            r,
            |_| format!("equipo {tag}"),
            |exp, _, _, _| {
                if !exp.equipment.contains(&tag) {
                    exp.equipment.push(tag.clone());
                }
                Ok(())
            },
        )
    }

    pub fn assign(&mut self, r: &str, person: &str) -> Result<()> {
        let person = person.trim();
        if person.is_empty() {
            return Err(Error::InvalidInput(msg!("assign.nobody")));
        }
        self.edit(
            r,
            |_| format!("asignar a {person}"),
            |exp, _, _, _| {
                if !exp.assignees.iter().any(|a| a == person) {
                    exp.assignees.push(person.to_owned());
                }
                Ok(())
            },
        )
    }

    pub fn comment(&mut self, r: &str, text: &str) -> Result<()> {
        if text.trim().is_empty() {
            return Err(Error::InvalidInput(msg!("comment.empty")));
        }
        self.edit(
            r,
            |_| "comentario".into(),
            |exp, _, stamp, _| {
                exp.comments.push(Comment {
                    id: uuid(),
                    text: text.trim().into(),
                    stamp: stamp.clone(),
                });
                Ok(())
            },
        )
    }

    /// Attach a photo (the bytes go to the blob store; the document keeps the hash).
    pub fn attach(&mut self, r: &str, bytes: &[u8], caption: &str, step: Option<&str>) -> Result<String> {
        self.attach_photo(r, bytes, caption, step, false)
    }

    /// Attach a photo to a step (default: the current one): turned upright, at most 2048 px,
    /// JPEG, with a thumbnail; the camera's location is dropped unless `keep_location`.
    pub fn attach_photo(
        &mut self,
        r: &str,
        bytes: &[u8],
        caption: &str,
        step: Option<&str>,
        keep_location: bool,
    ) -> Result<String> {
        if bytes.len() as u64 > blobs::MAX_BLOB {
            return Err(Error::TooLarge {
                size: bytes.len() as u64,
                max: blobs::MAX_BLOB,
            });
        }
        image_media_type(bytes)?;
        let prepared = crate::photo::prepare(bytes, keep_location)?;
        let media_type = "image/jpeg";
        let id = self.resolve_ref(r)?;
        let now = time::now_ms();
        let (hash, thumb) = self.write(|tx| {
            Ok((
                blobs::put(tx, &prepared.jpeg, media_type, now)?,
                blobs::put(tx, &prepared.thumb, media_type, now)?,
            ))
        })?;
        let step = match step {
            Some(s) => Some(s.trim().to_ascii_uppercase()),
            None => self.view(&id)?.status.current,
        };
        self.edit(
            &id,
            |_| "foto".into(),
            |exp, proc, stamp, _| {
                if let Some(s) = &step {
                    proc.known_step(s)?;
                }
                exp.photos.push(Photo {
                    id: uuid(),
                    blob: hash.clone(),
                    caption: caption.trim().into(),
                    step: step.clone(),
                    media_type: media_type.into(),
                    thumb: Some(thumb.clone()),
                    stamp: stamp.clone(),
                });
                Ok(())
            },
        )?;
        Ok(hash)
    }

    /// Change a photo's caption and the step it belongs to (`None`: no step). The picture
    /// itself never changes: a different picture is a new photo.
    pub fn edit_photo(&mut self, r: &str, photo_id: &str, caption: &str, step: Option<&str>) -> Result<()> {
        let step = step.map(|s| s.trim().to_ascii_uppercase()).filter(|s| !s.is_empty());
        self.edit(
            r,
            |_| "pie de foto".into(),
            |exp, proc, _, _| {
                if let Some(s) = &step {
                    proc.known_step(s)?;
                }
                let photo = exp
                    .photos
                    .iter_mut()
                    .find(|p| p.id == photo_id)
                    .ok_or_else(|| Error::InvalidInput(msg!("photo.not_here")))?;
                photo.caption = caption.trim().into();
                photo.step = step.clone();
                Ok(())
            },
        )
    }

    /// Keep the photo of the paper request (Oficio, Tarjeta) with the expediente.
    pub fn attach_request_photo(&mut self, r: &str, bytes: &[u8]) -> Result<String> {
        let media_type = image_media_type(bytes)?;
        let now = time::now_ms();
        let id = self.resolve_ref(r)?;
        let hash = self.write(|tx| blobs::put(tx, bytes, media_type, now))?;
        self.edit(
            &id,
            |_| "foto de la solicitud".into(),
            |exp, _, _, _| {
                exp.solicitud.foto = Some(hash.clone());
                Ok(())
            },
        )?;
        Ok(hash)
    }

    /// Capture a signature at the current step (or `step`).
    pub fn sign(&mut self, r: &str, role: &str, name: &str, strokes: &[u8], step: Option<&str>) -> Result<Signature> {
        let role = role.trim().to_lowercase();
        if !procedure::SIGNATURE_ROLES.contains(&role.as_str()) {
            return Err(Error::InvalidField {
                field: msg!("field.role").to_string(),
                why: msg!(
                    "signature.unknown_role",
                    role = role,
                    roles = procedure::SIGNATURE_ROLES.join(", ")
                ),
            });
        }
        if name.trim().is_empty() {
            return Err(Error::InvalidField {
                field: msg!("field.signer").to_string(),
                why: msg!("field.empty"),
            });
        }
        let parsed = Strokes::parse(strokes)?;
        let png = parsed.render_png(600, 200);
        let id = self.resolve_ref(r)?;
        let now = time::now_ms();
        let (strokes_blob, image_blob) = self.write(|tx| {
            Ok((
                blobs::put(tx, strokes, "application/json", now)?,
                blobs::put(tx, &png, "image/png", now)?,
            ))
        })?;
        let step = match step {
            Some(s) => Some(s.trim().to_ascii_uppercase()),
            None => self.view(&id)?.status.current,
        };
        let key = self.signing_key().clone();
        let device_key = hex::encode(key.verifying_key().as_bytes());
        self.edit(
            &id,
            |_| format!("firma {role}"),
            |exp, _, stamp, d| {
                let heads = doc::heads_hex(d);
                let content_hash = signature::content_hash(exp);
                let name = name.trim();
                let seal = signature::seal(
                    &key,
                    &signature::Statement {
                        purpose: brigada_record::seal::PURPOSE,
                        expediente: &exp.id,
                        role: &role,
                        name,
                        at: stamp.at,
                        device: &stamp.device,
                        heads: &heads,
                        content_hash: &content_hash,
                        strokes_blob: &strokes_blob,
                        image_blob: &image_blob,
                    },
                );
                let sig = Signature {
                    id: uuid(),
                    step: step.clone(),
                    role: role.clone(),
                    name: name.to_owned(),
                    strokes_blob: strokes_blob.clone(),
                    image_blob: image_blob.clone(),
                    heads,
                    content_hash,
                    device_key: device_key.clone(),
                    seal,
                    stamp: stamp.clone(),
                };
                exp.signatures.push(sig.clone());
                Ok(sig)
            },
        )
    }

    pub fn history(&self, r: &str) -> Result<Vec<HistoryEntry>> {
        let id = self.resolve_ref(r)?;
        let (d, exp, proc) = self.load_doc(&id)?;
        let h = self.proven_history(&d, Some(proc));
        self.keep_doc(&id, d, exp);
        h
    }

    /// A document's changes, oldest first, each author named from who owns its actor,
    /// not from what the change says, and each action in words (`proc`: an expediente's
    /// procedure, `None` for an asset).
    pub(crate) fn proven_history(&self, d: &Automerge, proc: Option<&Procedure>) -> Result<Vec<HistoryEntry>> {
        let mut h = doc::history(d);
        let locale = crate::messages::locale();
        for e in &mut h {
            e.words = crate::history::words(&e.action, proc).render(locale);
        }
        let known = crate::store::keys::by_actor(self.conn())?;
        let own = self.author().actor.to_hex_string();
        for e in &mut h {
            if let Some(k) = known.get(&e.actor) {
                e.by = k.person.clone();
                e.device = k.device_name.clone();
                e.proven = true;
            } else if e.actor == own {
                e.by = self.device().person.clone();
                e.device = self.device().name.clone();
                e.proven = true;
            }
        }
        Ok(h)
    }

    pub fn list(&self, f: &index::Filter) -> Result<Vec<index::Row>> {
        index::list(self.conn(), f)
    }

    /// How many expedientes `f` selects over all its pages.
    pub fn count(&self, f: &index::Filter) -> Result<u64> {
        index::count(self.conn(), f)
    }

    pub fn blob(&self, hash: &str) -> Result<Vec<u8>> {
        blobs::get(self.conn(), hash)?
            .map(|(b, _)| b)
            .ok_or_else(|| Error::BlobDamaged(hash.to_owned()))
    }

    /// Keep a photo or signature received outside sync (an exported expediente's `blobs/`).
    /// Content-addressed: returns its hash; storing it twice is harmless.
    pub fn put_blob(&mut self, bytes: &[u8], media_type: &str) -> Result<String> {
        let now = time::now_ms();
        let sniffed = image_media_type(bytes)
            .ok()
            .or_else(|| (bytes.first() == Some(&b'{') || bytes.first() == Some(&b'[')).then_some("application/json"));
        self.write(|tx| blobs::put(tx, bytes, sniffed.unwrap_or(media_type), now))
    }

    /// The whole Automerge document, for export and (later) sync.
    pub fn document_bytes(&self, r: &str) -> Result<(String, Vec<u8>)> {
        let id = self.resolve_ref(r)?;
        let (d, exp, _) = self.load_doc(&id)?;
        let bytes = d.save();
        self.keep_doc(&id, d, exp);
        Ok((id, bytes))
    }

    /// Merge a document received from elsewhere (another device, an export), keeping all
    /// changes of both sides. Returns the merged state.
    pub fn merge_document(&mut self, bytes: &[u8]) -> Result<View> {
        let incoming = doc::load("import", bytes, &[])?;
        let exp_in: Expediente = doc::read("import", &incoming)?;
        let proc = procedure::get(&exp_in.procedure_id, exp_in.procedure_version)?;
        let id = exp_in.id.clone();
        if uuid::Uuid::parse_str(&id).is_err() {
            return Err(RecordError::BadDocument {
                id,
                detail: msg!("document.bad_id"),
            }
            .into());
        }
        // A different expediente with a folio already here is refused, not mixed in.
        if let Some(other) = held::folio_holder(self.conn(), &exp_in.folio, &id)? {
            return Err(Error::InvalidInput(msg!(
                "import.folio_taken",
                folio = &exp_in.folio,
                other = other
            )));
        }
        let now = time::now_ms();
        let existing = self.take_doc(&id)?;
        let merged = self.write(|tx| {
            let merged = match existing {
                Some((mut d, _)) => {
                    let before = d.get_heads();
                    let mut other = incoming;
                    d.merge(&mut other)?;
                    let added = d.save_after(&before);
                    if !added.is_empty() && d.get_heads() != before {
                        documents::append(tx, &id, &added, &d, now)?;
                    }
                    d
                }
                None => {
                    documents::insert(tx, &id, DocKind::Expediente, &incoming, now)?;
                    incoming
                }
            };
            let exp: Expediente = doc::read(&id, &merged)?;
            let st = engine::status(proc, &exp, Utc::now());
            index::upsert_expediente(tx, &merged, &exp, &st, now)?;
            Ok((merged, exp))
        })?;
        self.keep_doc(&id, merged.0, merged.1);
        self.view(&id)
    }

    /// Rebuild the index from the documents (after a migration that adds index tables).
    pub fn reindex(&mut self) -> Result<usize> {
        self.reindex_with(&mut |_| {})
    }

    /// [`Store::reindex`], telling `progress` how far it is (at its start, every 250
    /// expedientes, and once all are read); nothing when there are none.
    pub fn reindex_with(&mut self, progress: &mut dyn FnMut(crate::store::Rebuilding)) -> Result<usize> {
        let ids = documents::ids(self.conn(), DocKind::Expediente)?;
        let asset_ids = documents::ids(self.conn(), DocKind::Asset)?;
        let now = time::now_ms();
        let mut n = 0;
        let mut assets = Vec::new();
        for id in &asset_ids {
            if let Some(d) = documents::load(self.conn(), id)? {
                assets.push(doc::read::<Asset>(id, &d)?);
            }
        }
        // One document in memory at a time: the archive may hold a hundred thousand.
        let total = ids.len();
        let mut tell = |done: usize| {
            if total > 0 {
                progress(crate::store::Rebuilding { done, total });
            }
        };
        tell(0);
        self.write(|tx| {
            crate::report::papers::forget_all(tx)?;
            for (done, id) in ids.iter().enumerate() {
                if done > 0 && done % 250 == 0 {
                    tell(done);
                }
                let Some(d) = documents::load(tx, id)? else { continue };
                let exp: Expediente = doc::read(id, &d)?;
                let proc = procedure::get(&exp.procedure_id, exp.procedure_version)?;
                let st = engine::status(proc, &exp, Utc::now());
                // Rebuilding is not a change: a row keeps the moment it last changed here.
                let changed = index::updated_at(tx, id)?.unwrap_or(now);
                // Two expedientes with one folio (synced before folios were checked): the
                // first keeps it, the other is held aside with the reason.
                if held::index_or_hold(tx, &d, &exp, &st, changed)?.is_none() {
                    n += 1;
                }
            }
            for a in &assets {
                index::upsert_asset(tx, a, now)?;
            }
            // Every expediente read; what is left (merging the search index, committing)
            // shows as done while the screen still says it is working.
            tell(total);
            crate::store::search::optimize(tx)?;
            tx.execute("DELETE FROM meta WHERE key = ?1", [crate::store::schema::REINDEX_OWED])?;
            Ok(())
        })?;
        Ok(n)
    }
}

/// Write only the top-level properties that changed: an edit costs what it touches, not
/// the size of the whole expediente. One list of fields drives both the partial reconcile
/// and the test that checks it names every field of [`Expediente`].
macro_rules! expediente_props {
    ($($f:ident),* $(,)?) => {
        fn reconcile_changed(
            tx: &mut automerge::transaction::Transaction<'_>,
            old: &Expediente,
            new: &Expediente,
        ) -> std::result::Result<(), autosurgeon::ReconcileError> {
            $(
                if old.$f != new.$f {
                    autosurgeon::reconcile_prop(tx, automerge::ROOT, stringify!($f), &new.$f)?;
                }
            )*
            Ok(())
        }

        #[cfg(test)]
        const EXPEDIENTE_PROPS: &[&str] = &[$(stringify!($f)),*];
    };
}

expediente_props!(
    id,
    folio,
    procedure_id,
    procedure_version,
    created_at,
    created_by,
    created_device,
    solicitud,
    area,
    unidad,
    seccion,
    assignees,
    fields,
    log,
    materials,
    parts,
    equipment,
    photos,
    signatures,
    documents,
    comments,
    origin,
    continued_in,
);

fn set_field(exp: &mut Expediente, proc: &Procedure, key: &str, value: &str) -> Result<()> {
    let key = key.trim();
    let v = value.trim().to_owned();
    let bad = |why: Message| Error::InvalidField {
        field: proc.field_label(key).to_string(),
        why,
    };
    match key {
        "area" => {
            if v.is_empty() {
                return Err(bad(msg!("field.empty")));
            }
            exp.area = v
        }
        "unidad" => exp.unidad = v,
        "seccion" => exp.seccion = v,
        "solicitud.tipo" | "solicitud.archivo" => {
            let def = procedure::common_field(key).ok_or_else(|| bad(msg!("field.empty")))?;
            let stored = if v.is_empty() && key == "solicitud.archivo" {
                v
            } else {
                def.accept(&v).map_err(bad)?
            };
            if key == "solicitud.tipo" {
                exp.solicitud.tipo = stored;
            } else {
                exp.solicitud.archivo = stored;
            }
        }
        "solicitud.numero" => exp.solicitud.numero = v,
        "solicitud.fecha" => {
            exp.solicitud.fecha = procedure::common_field(key)
                .map_or(Ok(v.clone()), |d| d.accept(&v))
                .map_err(bad)?;
        }
        "solicitud.recibida_en" => {
            exp.solicitud.recibida_en = Some(time::parse_datetime(key, &v)?.timestamp_millis());
        }
        _ => {
            let def = proc.field(key).ok_or_else(|| {
                let known: Vec<&str> = procedure::COMMON_FIELDS
                    .iter()
                    .copied()
                    .chain(proc.fields.iter().map(|f| f.id.as_str()))
                    .collect();
                bad(msg!("field.unknown", procedure = &proc.id, known = known.join(", ")))
            })?;
            let stored = def.accept(&v).map_err(bad)?;
            if stored.is_empty() {
                exp.fields.remove(key);
            } else {
                exp.fields.insert(key.to_owned(), stored);
            }
        }
    }
    Ok(())
}

/// Check that the bytes are an image we can show, and name its type.
pub fn image_media_type(bytes: &[u8]) -> Result<&'static str> {
    if bytes.len() as u64 > blobs::MAX_BLOB {
        return Err(Error::TooLarge {
            size: bytes.len() as u64,
            max: blobs::MAX_BLOB,
        });
    }
    let fmt = image::guess_format(bytes).map_err(|_| Error::InvalidInput(msg!("image.not_image")))?;
    let mt = match fmt {
        image::ImageFormat::Jpeg => "image/jpeg",
        image::ImageFormat::Png => "image/png",
        image::ImageFormat::WebP => "image/webp",
        other => {
            return Err(Error::InvalidInput(msg!("image.format", format = format!("{other:?}"))));
        }
    };
    image::ImageReader::with_format(std::io::Cursor::new(bytes), fmt)
        .into_dimensions()
        .map_err(|e| Error::InvalidInput(msg!("image.damaged", detail = e.to_string())))?;
    Ok(mt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_reconcile_names_every_field_of_the_expediente() {
        let v = serde_json::to_value(Expediente::default()).unwrap();
        let mut fields: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let mut props = EXPEDIENTE_PROPS.to_vec();
        fields.sort_unstable();
        props.sort_unstable();
        assert_eq!(
            fields, props,
            "a field was added to Expediente: add it to EXPEDIENTE_PROPS and reconcile_changed"
        );
    }
}
