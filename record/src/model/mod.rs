//! The documents Brigada keeps: expedientes and assets, as Rust types mapped onto
//! Automerge with autosurgeon.
//!
//! These types are the CRDT's schema. Rules that keep concurrent edits mergeable:
//! - every list whose items can be added on two devices at once has a `#[key]` id, so
//!   autosurgeon matches items by identity, not by position;
//! - enumerations are stored as strings and validated on write, so a document written by
//!   a newer version still loads in an older one;
//! - times are milliseconds since the Unix epoch, UTC; they are shown in
//!   America/Mexico_City.
//!
//! State (current step, waits, conflicts) is never stored: the procedure engine derives it
//! from the step log.

mod asset;
mod expediente;

pub use asset::*;
pub use expediente::*;

/// The two kinds of document a store and the server keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    Expediente,
    Asset,
}

impl DocKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Expediente => "expediente",
            DocKind::Asset => "asset",
        }
    }
}
