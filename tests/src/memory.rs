//! An in-memory transport: the device's request goes straight to the server's storage,
//! no HTTP. For simulated-network tests (drops, duplicates) and benchmarks of the
//! protocol itself. It drives the core's sync engine against the server's storage, so it
//! lives with the tests, which see both.

use std::sync::Arc;

use brigada_core::sync::Transport;
use brigada_core::sync::protocol::{self, SyncRequest};

use brigada_sync::devices::Device;
use brigada_sync::storage::Storage;

pub struct MemoryTransport {
    pub storage: Arc<dyn Storage>,
    pub device: Device,
}

impl Transport for MemoryTransport {
    fn exchange(&mut self, request: &[u8]) -> brigada_core::Result<Vec<u8>> {
        let req: SyncRequest = protocol::decode(request)?;
        let resp = self
            .storage
            .sync(&self.device, &req)
            .map_err(|e| brigada_core::Error::Server {
                status: e.status().as_u16(),
                code: e.code().into(),
                message: e.said().into(),
            })?;
        Ok(protocol::encode(&resp))
    }
}
