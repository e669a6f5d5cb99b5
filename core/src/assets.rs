//! Operations on assets: register, look up by tag, change status, list.

use brigada_record::msg;
use chrono::Utc;
use serde::Serialize;

use crate::doc;
use crate::error::{Error, Result};
use crate::model::{ASSET_KINDS, ASSET_STATUSES, Asset, Location};
use crate::procedure::{DocumentKind, Effect};
use crate::store::documents::{self, DocKind};
use crate::store::{Store, index};
use crate::time;

#[derive(Debug, Clone, Default)]
pub struct NewAsset {
    pub tag: String,
    pub kind: String,
    pub brand: String,
    pub model: String,
    pub serial: String,
    pub inventory_number: String,
    pub location: Location,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AssetView {
    pub asset: Asset,
    /// Expedientes that involve this asset, newest first.
    pub history: Vec<index::Row>,
    /// When, why and by which expediente it was decommissioned, while its status is baja.
    pub baja: Option<Decommission>,
    /// The register's own changes (registered, moved, repaired, sent to baja), newest first,
    /// with who made each on which device.
    pub changes: Vec<crate::doc::HistoryEntry>,
}

/// An asset's decommission as its record shows it (P4, manual lines 5444–5545).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Decommission {
    pub expediente_id: String,
    pub folio: String,
    /// When the step that sent the asset to baja was recorded.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub at: i64,
    /// The reason, in words ("Obsolescencia del equipo"); empty if none was recorded.
    pub reason: String,
    /// Whether the Dictamen técnico was issued (printed from the expediente).
    pub dictamen: bool,
}

/// The P4 field that holds the reason of a baja.
const REASON_FIELD: &str = "motivo_baja";

fn doc_id(tag: &str) -> String {
    format!("asset:{tag}")
}

impl Store {
    pub fn add_asset(&mut self, n: NewAsset) -> Result<Asset> {
        let tag = crate::tag::parse_typed(&n.tag).ok_or_else(|| Error::InvalidField {
            field: msg!("field.tag").to_string(),
            why: msg!("tag.not_a_tag", text = n.tag.trim()),
        })?;
        let kind = n.kind.trim().to_lowercase();
        if !ASSET_KINDS.contains(&kind.as_str()) {
            return Err(Error::InvalidField {
                field: msg!("field.asset_kind").to_string(),
                why: msg!("field.one_of", choices = ASSET_KINDS.join(", ")),
            });
        }
        let id = doc_id(&tag);
        if documents::exists(self.conn(), &id)? {
            return Err(Error::DuplicateTag(tag));
        }
        let now = time::now_ms();
        let asset = Asset {
            tag: tag.clone(),
            kind,
            brand: n.brand.trim().into(),
            model: n.model.trim().into(),
            serial: n.serial.trim().into(),
            inventory_number: n.inventory_number.trim().into(),
            location: n.location,
            status: "activo".into(),
            notes: String::new(),
            registered: self.stamp(now),
        };
        let author = self.author();
        self.write(|tx| {
            let mut d = doc::new_doc(&author);
            doc::write(&mut d, &asset, &author, &format!("registrar {tag}"), now)?;
            documents::insert(tx, &id, DocKind::Asset, &d, now)?;
            index::upsert_asset(tx, &asset, now)?;
            Ok(())
        })?;
        Ok(asset)
    }

    pub fn asset(&self, tag_text: &str) -> Result<Asset> {
        let tag = crate::tag::parse_typed(tag_text).ok_or_else(|| Error::AssetNotFound(tag_text.trim().to_owned()))?;
        let id = doc_id(&tag);
        let d = documents::load(self.conn(), &id)?.ok_or(Error::AssetNotFound(tag))?;
        Ok(doc::read(&id, &d)?)
    }

    pub fn asset_view(&self, tag_text: &str) -> Result<AssetView> {
        let asset = self.asset(tag_text)?;
        let mut history = index::list(
            self.conn(),
            &index::Filter {
                asset_tag: Some(asset.tag.clone()),
                ..Default::default()
            },
        )?;
        history.sort_by_key(|r| std::cmp::Reverse(r.created_at));
        let baja = if asset.status == "baja" {
            self.decommission(&history)?
        } else {
            None
        };
        let d = documents::load(self.conn(), &doc_id(&asset.tag))?
            .ok_or_else(|| Error::AssetNotFound(asset.tag.clone()))?;
        let mut changes = self.proven_history(&d, None)?;
        changes.reverse();
        Ok(AssetView {
            asset,
            history,
            baja,
            changes,
        })
    }

    /// The newest expediente in `history` that recorded a step sending its equipment to
    /// baja (an asset set to baja by hand has none).
    fn decommission(&self, history: &[index::Row]) -> Result<Option<Decommission>> {
        for row in history {
            let v = self.view(&row.id)?;
            let e = &v.expediente;
            let proc = crate::procedure::get(&e.procedure_id, e.procedure_version)?;
            let superseded: Vec<&str> = e
                .log
                .iter()
                .flat_map(|l| l.supersedes.iter().map(String::as_str))
                .collect();
            let done = e.log.iter().rev().find(|l| {
                !superseded.contains(&l.id.as_str())
                    && proc
                        .step(&l.step)
                        .is_some_and(|s| s.effects.contains(&Effect::AssetBaja))
            });
            if let Some(l) = done {
                let reason = v
                    .fields
                    .iter()
                    .find(|f| f.def.id == REASON_FIELD)
                    .and_then(|f| f.words.clone());
                return Ok(Some(Decommission {
                    expediente_id: e.id.clone(),
                    folio: e.folio.clone(),
                    at: l.stamp.at,
                    reason: reason.unwrap_or_default(),
                    dictamen: e
                        .documents
                        .iter()
                        .any(|d| d.kind == DocumentKind::DictamenTecnico.slug()),
                }));
            }
        }
        Ok(None)
    }

    pub fn set_asset_status(&mut self, tag_text: &str, status: &str) -> Result<()> {
        self.edit_asset(tag_text, &[("status".into(), status.into())])
    }

    /// Edit an asset's details: `kind`, `brand`, `model`, `serial`, `inventory_number`,
    /// `status`, `notes`, `unidad`, `area`, `edificio`, `piso`, `sala`. The tag never changes.
    pub fn edit_asset(&mut self, tag_text: &str, pairs: &[(String, String)]) -> Result<()> {
        let mut asset = self.asset(tag_text)?;
        for (k, v) in pairs {
            set_asset_field(&mut asset, k.trim(), v.trim())?;
        }
        let id = doc_id(&asset.tag);
        let mut d = documents::load(self.conn(), &id)?.ok_or_else(|| Error::AssetNotFound(asset.tag.clone()))?;
        let now = time::now_ms();
        let author = self.author();
        let desc = pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ");
        let change = doc::write(&mut d, &asset, &author, &format!("editar {desc}"), now)?;
        self.write(|tx| {
            if let Some(mut c) = change {
                documents::append(tx, &id, &c.bytes(), &d, now)?;
            }
            index::upsert_asset(tx, &asset, now)?;
            Ok(())
        })
    }

    pub fn list_assets(&self) -> Result<Vec<index::AssetRow>> {
        index::list_assets(self.conn())
    }

    pub fn components(&self, available_only: bool) -> Result<Vec<index::ComponentRow>> {
        index::list_components(self.conn(), available_only)
    }

    /// Expedientes with a deadline already passed.
    pub fn overdue(&self) -> Result<Vec<index::Row>> {
        index::list(
            self.conn(),
            &index::Filter {
                deadline_before: Some(Utc::now().timestamp_millis()),
                ..Default::default()
            },
        )
    }
}

fn set_asset_field(a: &mut Asset, key: &str, v: &str) -> Result<()> {
    let one_of = |field: &str, allowed: &[&str]| -> Result<String> {
        let x = v.to_lowercase();
        if allowed.contains(&x.as_str()) {
            Ok(x)
        } else {
            Err(Error::InvalidField {
                field: field.into(),
                why: msg!("field.one_of", choices = allowed.join(", ")),
            })
        }
    };
    match key {
        "kind" => a.kind = one_of(key, ASSET_KINDS)?,
        "status" => a.status = one_of(key, ASSET_STATUSES)?,
        "brand" => a.brand = v.into(),
        "model" => a.model = v.into(),
        "serial" => a.serial = v.into(),
        "inventory_number" => a.inventory_number = v.into(),
        "notes" => a.notes = v.into(),
        "unidad" => a.location.unidad = v.into(),
        "area" => a.location.area = v.into(),
        "edificio" => a.location.edificio = v.into(),
        "piso" => a.location.piso = v.into(),
        "sala" => a.location.sala = v.into(),
        "tag" => {
            return Err(Error::InvalidField {
                field: msg!("field.tag").to_string(),
                why: msg!("tag.never_changes"),
            });
        }
        other => {
            return Err(Error::InvalidField {
                field: other.into(),
                why: msg!("asset.unknown_field"),
            });
        }
    }
    Ok(())
}
