//! Blobs in an S3-compatible bucket (`--blobs s3://BUCKET/PREFIX`), shared by every
//! instance; endpoint, region and credentials from the usual `AWS_*` environment
//! (`AWS_ENDPOINT`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`,
//! `AWS_ALLOW_HTTP` for a plain-HTTP endpoint on a trusted network), through the
//! `object_store` crate.
//!
//! Layout under the prefix: a complete blob is `blobs/XX/HASH`; an upload in progress is
//! one object per chunk, `partial/DEVICE-HASH/OFFSET` (PUTs are atomic, so a chunk is
//! there whole or not at all, and any instance can take the next one). When the last
//! chunk arrives the chunks are read in order and hashed as they are written to the
//! blob's place — in one request up to [`PART`], past it as a multipart upload of parts
//! that size, so an instance holds at most a part or two of a 25 MiB photo, whoever sends
//! it — and only a match is completed (an upload that does not match is aborted, and
//! never visible); then the chunks are deleted.

use std::sync::Arc;

use brigada_record::msg;
use futures_util::TryStreamExt;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use sha2::{Digest, Sha256};

use super::blobs::{Append, Blobs, check_append, matches};
use crate::error::{Result, ServerError};

/// The most of a blob held in memory while it is put together: the size of a multipart
/// upload's parts (S3's smallest but the last).
const PART: usize = 5 * 1024 * 1024;

pub struct S3Blobs {
    store: Arc<dyn ObjectStore>,
    prefix: String,
    /// Its own runtime: the blob routes call in from blocking threads, and the admin
    /// commands from none at all. Let go without waiting when the server stops (it is
    /// dropped inside the server's own runtime, where waiting is not allowed).
    rt: Option<tokio::runtime::Runtime>,
}

impl Drop for S3Blobs {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

fn failed(e: object_store::Error) -> ServerError {
    ServerError::Storage(format!("blob bucket: {e}"))
}

impl S3Blobs {
    /// The bucket and prefix of `url` (`s3://BUCKET/PREFIX`), configured from the
    /// environment and then from `settings` (`AmazonS3ConfigKey` names and values).
    pub fn open(url: &str, settings: &[(String, String)]) -> Result<S3Blobs> {
        let rest = url.strip_prefix("s3://").ok_or_else(|| {
            ServerError::Storage(format!(
                "--blobs {url:?} is not an S3 address: write it as s3://BUCKET/PREFIX"
            ))
        })?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(ServerError::Storage(format!(
                "--blobs {url:?} names no bucket: write it as s3://BUCKET/PREFIX"
            )));
        }
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        for (key, value) in settings {
            let key: AmazonS3ConfigKey = key
                .parse()
                .map_err(|e| ServerError::Storage(format!("S3 setting {key}: {e}")))?;
            builder = builder.with_config(key, value);
        }
        let store = builder
            .build()
            .map_err(|e| ServerError::Storage(format!("cannot use the bucket {bucket}: {e}")))?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("blobs-s3")
            .enable_all()
            .build()
            .map_err(|e| ServerError::Storage(format!("blob bucket: {e}")))?;
        let blobs = S3Blobs {
            store: Arc::new(store),
            prefix: prefix.trim_matches('/').to_owned(),
            rt: Some(rt),
        };
        // Reachable, and these credentials may list it: said now, not at the first photo.
        blobs
            .block_on(blobs.store.list_with_delimiter(Some(&blobs.key("blobs"))))
            .map_err(|e| ServerError::Storage(format!("cannot reach the bucket {bucket}: {e}")))?;
        Ok(blobs)
    }

    fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        match &self.rt {
            Some(rt) => rt.block_on(f),
            None => unreachable!("the runtime is taken only when the store is dropped"),
        }
    }

    fn key(&self, rest: &str) -> Path {
        if self.prefix.is_empty() {
            Path::from(rest)
        } else {
            Path::from(format!("{}/{rest}", self.prefix))
        }
    }

    fn complete(&self, h: &str) -> Path {
        self.key(&format!("blobs/{}/{h}", &h[..2]))
    }

    fn chunks_of(&self, device: &str, h: &str) -> Path {
        self.key(&format!("partial/{device}-{h}"))
    }

    /// The chunks of an upload that follow one another from offset 0: (offset, size, key).
    fn chunks(&self, device: &str, h: &str) -> Result<Vec<(u64, u64, Path)>> {
        let listed: Vec<_> = self
            .block_on(
                self.store
                    .list(Some(&self.chunks_of(device, h)))
                    .try_collect::<Vec<_>>(),
            )
            .map_err(failed)?;
        let mut chunks: Vec<(u64, u64, Path)> = listed
            .into_iter()
            .filter_map(|m| Some((m.location.filename()?.parse().ok()?, m.size, m.location)))
            .collect();
        chunks.sort_by_key(|c| c.0);
        let mut next = 0;
        chunks.retain(|(offset, size, _)| {
            let follows = *offset == next;
            if follows {
                next += size;
            }
            follows
        });
        Ok(chunks)
    }

    /// Delete every chunk of an upload (those that follow one another and any other).
    fn drop_chunks(&self, device: &str, h: &str) {
        let listed = self.block_on(
            self.store
                .list(Some(&self.chunks_of(device, h)))
                .try_collect::<Vec<_>>(),
        );
        for m in listed.unwrap_or_default() {
            if let Err(e) = self.block_on(self.store.delete(&m.location)) {
                tracing::warn!("an upload's chunk was left in the bucket: {e}");
            }
        }
    }

    /// Put the chunks together in the blob's place, hashing them on the way: true when
    /// they make `h` and it is there, false when they do not (nothing is put).
    fn assemble(&self, h: &str, chunks: &[(u64, u64, Path)], total: u64) -> Result<bool> {
        let target = self.complete(h);
        self.block_on(async {
            if total <= PART as u64 {
                let mut bytes = Vec::with_capacity(total as usize);
                for (_, _, key) in chunks {
                    bytes.extend_from_slice(&self.store.get(key).await?.bytes().await?);
                }
                if !matches(h, &bytes) {
                    return Ok(false);
                }
                self.store.put(&target, PutPayload::from(bytes)).await?;
                return Ok(true);
            }
            let mut hasher = Sha256::new();
            let mut upload = WriteMultipart::new_with_chunk_size(self.store.put_multipart(&target).await?, PART);
            for (_, _, key) in chunks {
                // One part in flight at most, waited for before the next chunk is read,
                // and chunks handed over without a copy: memory stays at about two parts.
                let step = async {
                    upload.wait_for_capacity(1).await?;
                    self.store.get(key).await?.bytes().await
                };
                match step.await {
                    Ok(part) => {
                        hasher.update(&part);
                        upload.put(part);
                    }
                    Err(e) => {
                        let _ = upload.abort().await;
                        return Err(e);
                    }
                }
            }
            if hex::encode(hasher.finalize()) != h {
                // Never completed, so never visible: a failed abort leaves only parts for
                // the bucket's lifecycle rule, and the device is told of the mismatch.
                if let Err(e) = upload.abort().await {
                    tracing::warn!("an abandoned multipart upload was left in the bucket: {e}");
                }
                return Ok(false);
            }
            upload.finish().await?;
            Ok(true)
        })
        .map_err(failed)
    }
}

impl Blobs for S3Blobs {
    fn size(&self, h: &str) -> Result<Option<u64>> {
        match self.block_on(self.store.head(&self.complete(h))) {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(failed(e)),
        }
    }

    fn partial_len(&self, device: &str, h: &str) -> Result<u64> {
        Ok(self.chunks(device, h)?.iter().map(|c| c.1).sum())
    }

    fn append(&self, device: &str, h: &str, offset: u64, total: u64, chunk: &[u8]) -> Result<Append> {
        if self.size(h)?.is_some() {
            return Ok(Append::Complete);
        }
        let mut chunks = self.chunks(device, h)?;
        let have: u64 = chunks.iter().map(|c| c.1).sum();
        check_append(have, offset, total, chunk.len())?;
        let key = self.key(&format!("partial/{device}-{h}/{offset:012}"));
        self.block_on(self.store.put(&key, PutPayload::from(chunk.to_vec())))
            .map_err(failed)?;
        let now = offset + chunk.len() as u64;
        if now < total {
            return Ok(Append::Partial(now));
        }
        chunks.push((offset, chunk.len() as u64, key));
        match self.assemble(h, &chunks, total) {
            Ok(true) => {}
            Ok(false) => {
                self.drop_chunks(device, h);
                return Err(ServerError::BadRequest(msg!("server.hash_mismatch")));
            }
            // Another instance finished the same upload meanwhile (and took its chunks).
            Err(_) if self.size(h)?.is_some() => return Ok(Append::Complete),
            Err(e) => return Err(e),
        }
        self.drop_chunks(device, h);
        Ok(Append::Complete)
    }

    fn hashes(&self) -> Result<Vec<String>> {
        let listed = self
            .block_on(self.store.list(Some(&self.key("blobs"))).try_collect::<Vec<_>>())
            .map_err(failed)?;
        let mut out: Vec<String> = listed
            .into_iter()
            .filter_map(|m| m.location.filename().map(str::to_owned))
            .filter(|h| super::blobs::valid_hash(h))
            .collect();
        out.sort();
        Ok(out)
    }

    fn put_whole(&self, h: &str, bytes: &[u8]) -> Result<()> {
        if self.size(h)?.is_none() {
            self.block_on(self.store.put(&self.complete(h), PutPayload::from(bytes.to_vec())))
                .map_err(failed)?;
        }
        Ok(())
    }

    fn read_from(&self, h: &str, offset: u64) -> Result<Vec<u8>> {
        let key = self.complete(h);
        let got = self.block_on(async {
            let size = self.store.head(&key).await?.size;
            match offset < size {
                true => self.store.get_range(&key, offset..size).await.map(|b| b.to_vec()),
                false => Ok(Vec::new()),
            }
        });
        match got {
            Ok(bytes) => Ok(bytes),
            Err(object_store::Error::NotFound { .. }) => {
                Err(ServerError::NotFound(msg!("server.blob_missing", hash = h)))
            }
            Err(e) => Err(failed(e)),
        }
    }
}
