//! brigada-core: the heart of Brigada, the DTI field kit: everything a device does.
//!
//! What a device shares with the sync server (the model, documents, procedures, tag ids,
//! the protocol) is the `brigada-record` crate, re-exported here under the same names.
//!
//! - [`procedure`]: the department's procedures as data, and the engine that derives a
//!   job's state from its step log;
//! - [`model`]: expedientes and assets, the Automerge documents' schema;
//! - [`doc`]: typed Automerge reads and writes, stamped for the audit log;
//! - [`store`]: the encrypted, crash-safe SQLite store with its materialised index;
//! - [`expedientes`], [`assets`]: the operations the CLI and the app call;
//! - [`qr`], [`tag`]: asset tags as QR codes, encoded and decoded;
//! - [`signature`]: signatures with strokes, image and a device seal;
//! - [`catalog`]: unidades, áreas, secciones, técnicos and providers;
//! - [`sync`]: the sync protocol, the sans-IO client engine and its HTTP transport.

pub use brigada_record::{chunks, doc, messages, model, msg, procedure, time};

pub mod assets;
pub mod catalog;
pub mod continuation;
pub mod error;
pub mod expedientes;
pub mod files;
pub mod forms;
pub mod history;
pub mod medium;
pub mod pdf;
pub mod photo;
pub mod qr;
pub mod report;
pub mod scan;
pub mod signature;
pub mod store;
pub mod sync;
pub mod tag;

pub use brigada_record::Error as RecordError;
pub use error::{Error, Result};
pub use store::Store;
