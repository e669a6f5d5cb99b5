//! brigada-record: the official record as both ends of a sync see it.
//!
//! A device and the sync server must agree on what an expediente and an asset are, how
//! they are kept as Automerge documents, which procedure steps exist and what a tag id
//! looks like, because the server checks what devices send. That shared part lives here,
//! with no storage, network, PDF or camera code, so the server builds on this crate alone
//! and the core (the devices' side) builds on it too:
//!
//! - [`model`]: expedientes and assets, the Automerge documents' schema, and [`DocKind`];
//! - [`doc`]: typed Automerge reads and writes, stamped for the audit log, and the one
//!   contained decoder of outside bytes (with [`chunks`], the pre-check of those bytes);
//! - [`procedure`]: the department's procedures as data and the engine that derives a
//!   job's state from its step log;
//! - [`protocol`]: the sync protocol's messages;
//! - [`tag`]: asset tag ids; [`time`]: stored in UTC, shown in Mexico City time;
//! - [`messages`]: every sentence a person reads, in es-MX and English, and
//!   [`ErrorCode`], the one list of error codes.

pub mod chunks;
pub mod doc;
pub mod error;
pub mod messages;
pub mod model;
pub mod procedure;
pub mod protocol;
pub mod seal;
pub mod tag;
pub mod time;

pub use error::{Error, ErrorCode, Result};
pub use model::DocKind;
