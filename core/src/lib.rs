//! brigada-core: the heart of Brigada, the DTI field kit.
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

pub mod assets;
pub mod catalog;
pub mod chunks;
pub mod doc;
pub mod error;
pub mod expedientes;
pub mod forms;
pub mod model;
pub mod pdf;
pub mod photo;
pub mod procedure;
pub mod qr;
pub mod scan;
pub mod signature;
pub mod store;
pub mod sync;
pub mod tag;
pub mod time;

pub use error::{Error, Result};
pub use store::Store;
