//! Blob files under `DATA/blobs`, content-addressed by SHA-256.
//!
//! Uploads are resumable: each device appends chunks to its own partial file at the offset
//! the server reports; when the declared length is reached the bytes are hashed, and only
//! a match is renamed into place (after fsync of file and folder). A complete blob is
//! never rewritten: the same content uploaded twice is stored once.

use brigada_record::msg;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Result, ServerError};

pub use brigada_record::protocol::MAX_BLOB;
/// Largest chunk in one request.
pub const MAX_CHUNK: usize = 4 * 1024 * 1024;

pub struct BlobStore {
    root: PathBuf,
}

pub enum Append {
    /// More bytes expected; the partial now holds this many.
    Partial(u64),
    /// Complete and verified.
    Complete,
}

fn io(e: std::io::Error) -> ServerError {
    ServerError::Storage(format!("blob storage: {e}"))
}

pub fn valid_hash(h: &str) -> bool {
    h.len() == 64 && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl BlobStore {
    pub fn open(data: &Path) -> Result<BlobStore> {
        let root = data.join("blobs");
        fs::create_dir_all(root.join("partial")).map_err(io)?;
        Ok(BlobStore { root })
    }

    fn path(&self, h: &str) -> PathBuf {
        self.root.join(&h[..2]).join(h)
    }

    fn partial(&self, device: &str, h: &str) -> PathBuf {
        self.root.join("partial").join(format!("{device}-{h}"))
    }

    /// Size of a complete blob, if the server has it.
    pub fn size(&self, h: &str) -> Option<u64> {
        fs::metadata(self.path(h)).ok().map(|m| m.len())
    }

    pub fn partial_len(&self, device: &str, h: &str) -> u64 {
        fs::metadata(self.partial(device, h)).map(|m| m.len()).unwrap_or(0)
    }

    /// Append `chunk` at `offset` of a blob of `total` bytes.
    pub fn append(&self, device: &str, h: &str, offset: u64, total: u64, chunk: &[u8]) -> Result<Append> {
        if self.size(h).is_some() {
            return Ok(Append::Complete);
        }
        if total > MAX_BLOB {
            return Err(ServerError::TooLarge {
                size: total as usize,
                max: MAX_BLOB as usize,
            });
        }
        let have = self.partial_len(device, h);
        if offset != have {
            return Err(ServerError::BadRequest(msg!(
                "server.upload_offset",
                offset = offset,
                have = have
            )));
        }
        if offset + chunk.len() as u64 > total {
            return Err(ServerError::BadRequest(msg!("server.chunk_past_end")));
        }
        let p = self.partial(device, h);
        let mut f = OpenOptions::new().create(true).append(true).open(&p).map_err(io)?;
        f.write_all(chunk).map_err(io)?;
        f.sync_data().map_err(io)?;
        let now = offset + chunk.len() as u64;
        if now < total {
            return Ok(Append::Partial(now));
        }
        let mut bytes = Vec::with_capacity(total as usize);
        File::open(&p).and_then(|mut f| f.read_to_end(&mut bytes)).map_err(io)?;
        if hex::encode(Sha256::digest(&bytes)) != h {
            let _ = fs::remove_file(&p);
            return Err(ServerError::BadRequest(msg!("server.hash_mismatch")));
        }
        let dest = self.path(h);
        let dir = dest
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| self.root.clone());
        fs::create_dir_all(&dir).map_err(io)?;
        fs::rename(&p, &dest).map_err(io)?;
        File::open(&dir).and_then(|d| d.sync_all()).map_err(io)?;
        Ok(Append::Complete)
    }

    /// Read from `offset` to the end.
    pub fn read_from(&self, h: &str, offset: u64) -> Result<Vec<u8>> {
        let mut f =
            File::open(self.path(h)).map_err(|_| ServerError::NotFound(msg!("server.blob_missing", hash = h)))?;
        f.seek(SeekFrom::Start(offset)).map_err(io)?;
        let mut out = Vec::new();
        f.read_to_end(&mut out).map_err(io)?;
        Ok(out)
    }
}
