//! Blobs (photos, signatures), content-addressed by SHA-256, behind [`Blobs`]: files under
//! `DATA/blobs` ([`BlobStore`], the default) or an S3-compatible bucket
//! ([`super::s3::S3Blobs`], which several instances share).
//!
//! Uploads are resumable: each device appends chunks at the offset the server reports,
//! kept server-side (a partial file, or one object per chunk) until complete; when the
//! declared length is reached the bytes are hashed, and only a match is put in place. A
//! complete blob is never rewritten: the same content uploaded twice is stored once.

use brigada_record::msg;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Result, ServerError};

pub use brigada_record::protocol::MAX_BLOB;
/// Largest chunk in one request.
pub const MAX_CHUNK: usize = 4 * 1024 * 1024;
/// Smallest chunk but the last: an upload is at most `MAX_BLOB / MIN_CHUNK` pieces (a
/// bucket keeps each as an object, listed at every piece).
pub const MIN_CHUNK: usize = 64 * 1024;

/// Where complete and partial blobs are kept. Called from blocking threads.
pub trait Blobs: Send + Sync {
    /// Size of a complete blob, if the server has it.
    fn size(&self, h: &str) -> Result<Option<u64>>;
    /// How much of `device`'s upload of `h` the server holds.
    fn partial_len(&self, device: &str, h: &str) -> Result<u64>;
    /// Append `chunk` at `offset` of a blob of `total` bytes.
    fn append(&self, device: &str, h: &str, offset: u64, total: u64, chunk: &[u8]) -> Result<Append>;
    /// Read from `offset` to the end.
    fn read_from(&self, h: &str, offset: u64) -> Result<Vec<u8>>;
    /// Every complete blob's hash (a backup's list of photos).
    fn hashes(&self) -> Result<Vec<String>>;
    /// Put a whole blob in place at once (a deployment's photos moving), unless there.
    /// The caller has checked `bytes` against `h`.
    fn put_whole(&self, h: &str, bytes: &[u8]) -> Result<()>;
}

/// Whether `chunk_len` bytes at `offset` may be appended to an upload of `total` bytes of
/// which the server holds `have`.
pub fn check_append(have: u64, offset: u64, total: u64, chunk_len: usize) -> Result<()> {
    if total > MAX_BLOB {
        return Err(ServerError::TooLarge {
            size: total as usize,
            max: MAX_BLOB as usize,
        });
    }
    if offset != have {
        return Err(ServerError::BadRequest(msg!(
            "server.upload_offset",
            offset = offset,
            have = have
        )));
    }
    if offset + chunk_len as u64 > total {
        return Err(ServerError::BadRequest(msg!("server.chunk_past_end")));
    }
    if chunk_len < MIN_CHUNK && offset + (chunk_len as u64) < total {
        return Err(ServerError::BadRequest(msg!("server.chunk_too_small", min = MIN_CHUNK)));
    }
    Ok(())
}

/// Whether the assembled `bytes` are the blob `h`.
pub fn matches(h: &str, bytes: &[u8]) -> bool {
    hex::encode(Sha256::digest(bytes)) == h
}

/// Blob files under `DATA/blobs`.
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
}

impl Blobs for BlobStore {
    fn size(&self, h: &str) -> Result<Option<u64>> {
        Ok(fs::metadata(self.path(h)).ok().map(|m| m.len()))
    }

    fn partial_len(&self, device: &str, h: &str) -> Result<u64> {
        Ok(fs::metadata(self.partial(device, h)).map(|m| m.len()).unwrap_or(0))
    }

    fn append(&self, device: &str, h: &str, offset: u64, total: u64, chunk: &[u8]) -> Result<Append> {
        if self.size(h)?.is_some() {
            return Ok(Append::Complete);
        }
        check_append(self.partial_len(device, h)?, offset, total, chunk.len())?;
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
        if !matches(h, &bytes) {
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

    fn hashes(&self) -> Result<Vec<String>> {
        Ok(crate::backup::blob_files(&self.root)?
            .into_iter()
            .filter_map(|(name, _)| name.rsplit('/').next().map(str::to_owned))
            .collect())
    }

    fn put_whole(&self, h: &str, bytes: &[u8]) -> Result<()> {
        if self.size(h)?.is_some() {
            return Ok(());
        }
        let dest = self.path(h);
        let dir = dest
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| self.root.clone());
        fs::create_dir_all(&dir).map_err(io)?;
        let tmp = dir.join(format!(".{h}.moving"));
        let mut f = File::create(&tmp).map_err(io)?;
        f.write_all(bytes).map_err(io)?;
        f.sync_all().map_err(io)?;
        fs::rename(&tmp, &dest).map_err(io)?;
        File::open(&dir).and_then(|d| d.sync_all()).map_err(io)
    }

    fn read_from(&self, h: &str, offset: u64) -> Result<Vec<u8>> {
        let mut f =
            File::open(self.path(h)).map_err(|_| ServerError::NotFound(msg!("server.blob_missing", hash = h)))?;
        f.seek(SeekFrom::Start(offset)).map_err(io)?;
        let mut out = Vec::new();
        f.read_to_end(&mut out).map_err(io)?;
        Ok(out)
    }
}

/// Copy every complete blob under `data/blobs` into `to` (a bucket, when a deployment
/// moves), each checked against its name before and read back and hashed after; those
/// already there are checked the same way. The number copied or found.
pub fn copy_folder(data: &Path, to: &dyn Blobs) -> Result<u64> {
    let files = crate::backup::blob_files(&data.join("blobs"))?;
    for (name, path) in &files {
        let h = name.rsplit('/').next().unwrap_or(name);
        let bytes = fs::read(path).map_err(io)?;
        if !matches(h, &bytes) {
            return Err(ServerError::Storage(format!(
                "the photo {} does not match its hash (damaged on disk): restore it from a backup before moving",
                path.display()
            )));
        }
        to.put_whole(h, &bytes)?;
        if !matches(h, &to.read_from(h, 0)?) {
            return Err(ServerError::Storage(format!("the copy of {h} reads back different")));
        }
    }
    Ok(files.len() as u64)
}
