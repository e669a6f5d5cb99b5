//! Assets: equipment with a stable QR tag, and their state.

use autosurgeon::{Hydrate, Reconcile};
use serde::Serialize;

use super::Stamp;

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Asset {
    /// Stable tag id, e.g. `SESVER:DTI:ACT:000123`. Never changes.
    pub tag: String,
    /// computadora | laptop | radio | switch | telefono | access-point | ups | impresora | servidor | otro
    pub kind: String,
    pub brand: String,
    pub model: String,
    pub serial: String,
    pub inventory_number: String,
    pub location: Location,
    /// activo | en-reparacion | baja
    pub status: String,
    pub notes: String,
    pub registered: Stamp,
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Location {
    pub unidad: String,
    pub area: String,
    pub edificio: String,
    pub piso: String,
    pub sala: String,
}

pub const ASSET_KINDS: &[&str] = &[
    "computadora",
    "laptop",
    "radio",
    "switch",
    "telefono",
    "access-point",
    "ups",
    "impresora",
    "servidor",
    "otro",
];

pub const ASSET_STATUSES: &[&str] = &["activo", "en-reparacion", "baja"];
