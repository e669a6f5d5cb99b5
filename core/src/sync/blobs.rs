//! Blob sync: photos and signature images travel apart from the documents.
//!
//! After the documents, a device uploads the blobs its expedientes reference that the
//! server lacks, and downloads the ones it lacks. Both directions resume where they
//! stopped: uploads from the offset the server reports, downloads from the bytes already
//! kept (inside the encrypted database). Both ends verify SHA-256 before a blob counts.
//! A document can arrive before its blobs; until they do, they are "pending".

use brigada_record::msg;
use serde::Serialize;

use super::lend::Lend;
use crate::error::{Error, Result};
use crate::store::{Store, blobs};
use crate::time;

/// Upload and download in pieces of this size, each durable on its own.
pub const CHUNK: usize = 1024 * 1024;

pub enum RemoteBlob {
    /// The server holds the whole blob.
    Complete,
    /// The server holds this many bytes of an upload from this device.
    Partial(u64),
}

pub trait BlobTransport {
    fn blob_status(&mut self, hash: &str) -> Result<RemoteBlob>;
    /// Send `chunk` at `offset` of a `total`-byte blob; `true` once the server has it all.
    fn blob_upload(&mut self, hash: &str, offset: u64, total: u64, chunk: &[u8]) -> Result<bool>;
    /// Fetch the blob from `from` to its end, feeding `sink` piece by piece. `false` when
    /// the server does not have it (yet).
    fn blob_download(&mut self, hash: &str, from: u64, sink: &mut dyn FnMut(&[u8]) -> Result<()>) -> Result<bool>;
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BlobSummary {
    pub uploaded: usize,
    pub downloaded: usize,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes_up: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes_down: u64,
    /// Referenced here but not here yet.
    pub pending: usize,
    /// Refused by the server (not visible to this device).
    pub refused: usize,
}

fn media_type(bytes: &[u8]) -> &'static str {
    match image::guess_format(bytes) {
        Ok(image::ImageFormat::Jpeg) => "image/jpeg",
        Ok(image::ImageFormat::Png) => "image/png",
        Ok(image::ImageFormat::WebP) => "image/webp",
        _ if bytes.first().is_some_and(|b| *b == b'{' || *b == b'[') => "application/json",
        _ => "application/octet-stream",
    }
}

impl Store {
    pub fn pending_blobs(&self) -> Result<Vec<String>> {
        blobs::missing(self.conn())
    }
}

/// Upload what the server lacks, download what this device lacks, with the store lent one
/// step at a time (see [`super::lend`]): reading a blob, marking it sent and keeping a
/// downloaded piece hold the store; the network does not.
pub fn sync(
    store: &impl Lend,
    t: &mut dyn BlobTransport,
    progress: &mut dyn FnMut(&BlobSummary),
) -> Result<BlobSummary> {
    let mut s = BlobSummary::default();
    for h in store.lend(|st| blobs::unsent(st.conn()))? {
        let Some((bytes, _)) = store.lend(|st| blobs::get(st.conn(), &h))? else {
            continue;
        };
        let mut offset = match t.blob_status(&h) {
            Ok(RemoteBlob::Complete) => {
                store.lend(|st| st.write(|tx| blobs::mark_on_server(tx, &h)))?;
                continue;
            }
            Ok(RemoteBlob::Partial(n)) => n.min(bytes.len() as u64),
            Err(Error::Forbidden(_)) => {
                s.refused += 1;
                continue;
            }
            Err(e) => return Err(e),
        };
        loop {
            let end = (offset as usize + CHUNK).min(bytes.len());
            let done = t.blob_upload(&h, offset, bytes.len() as u64, &bytes[offset as usize..end])?;
            s.bytes_up += (end - offset as usize) as u64;
            offset = end as u64;
            if done {
                break;
            }
            if offset as usize >= bytes.len() {
                return Err(Error::Server {
                    status: 0,
                    code: "upload".into(),
                    message: msg!("sync.blob_incomplete", hash = h.as_str()).into(),
                });
            }
        }
        store.lend(|st| st.write(|tx| blobs::mark_on_server(tx, &h)))?;
        s.uploaded += 1;
        progress(&s);
    }
    for h in store.lend(|st| blobs::missing(st.conn()))? {
        let from = store.lend(|st| blobs::partial_len(st.conn(), &h))?;
        let mut at = from;
        let mut sink = |piece: &[u8]| -> Result<()> {
            store.lend(|st| st.write(|tx| blobs::append_partial(tx, &h, at, piece)))?;
            at += piece.len() as u64;
            Ok(())
        };
        let found = match t.blob_download(&h, from, &mut sink) {
            Ok(f) => f,
            Err(Error::Forbidden(_)) => {
                s.refused += 1;
                continue;
            }
            Err(e) => return Err(e),
        };
        if !found {
            continue;
        }
        s.bytes_down += at - from;
        let now = time::now_ms();
        let ok = store.lend(|st| {
            st.write(|tx| {
                let data_type = blobs::partial_prefix(tx, &h)?;
                blobs::finish_partial(tx, &h, media_type(&data_type), now)
            })
        })?;
        if ok {
            s.downloaded += 1;
        }
        progress(&s);
    }
    s.pending = store.lend(|st| blobs::missing(st.conn()))?.len();
    Ok(s)
}
