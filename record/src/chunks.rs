//! A pre-check of Automerge bytes from outside, before automerge 0.12 decodes them.
//!
//! Automerge's decoder trusts sizes it reads: fuzzing found 172 bytes whose *bundle* chunk
//! made it allocate 2 GiB, and it inflates DEFLATE data (compressed change chunks,
//! compressed document columns) without a bound, so a few MiB could expand to gigabytes.
//! This walks the storage format's chunk headers (magic, checksum, type, LEB128 length)
//! and, without allocating, refuses:
//! - bundle chunks (Brigada never writes them);
//! - compressed data that would inflate beyond [`MAX_INFLATED`].
//!
//! Anything that is not a well-formed header is left to automerge to reject.

use std::io::Read;

use crate::error::{Error, Result};
use crate::messages::Message;
use crate::msg;

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const DOCUMENT: u8 = 0;
const COMPRESSED: u8 = 2;
const BUNDLE: u8 = 3;
/// A column whose spec has this bit is DEFLATE-compressed.
const DEFLATE_BIT: u64 = 0b1000;
/// The most one compressed stream may inflate to. An expediente's document is kilobytes;
/// 64 MiB leaves room for any real one and none for a bomb.
pub const MAX_INFLATED: u64 = 64 * 1024 * 1024;

fn refuse(id: &str, why: Message) -> Error {
    Error::BadDocument {
        id: id.to_owned(),
        detail: why,
    }
}

/// Reads LEB128 numbers and byte runs; `None` when the input ends or is malformed.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn leb(&mut self) -> Option<u64> {
        let (mut value, mut shift) = (0u64, 0u32);
        loop {
            let (&b, rest) = self.0.split_first()?;
            self.0 = rest;
            if shift > 63 {
                return None;
            }
            value |= u64::from(b & 0x7f).checked_shl(shift)?;
            shift += 7;
            if b & 0x80 == 0 {
                return Some(value);
            }
        }
    }

    fn take(&mut self, n: u64) -> Option<&'a [u8]> {
        let n = usize::try_from(n).ok()?;
        (n <= self.0.len()).then(|| {
            let (head, rest) = self.0.split_at(n);
            self.0 = rest;
            head
        })
    }
}

/// How many bytes `deflated` inflates to, counting at most `MAX_INFLATED + 1`.
fn inflated_len(deflated: &[u8]) -> u64 {
    let mut inflate = flate2::read::DeflateDecoder::new(deflated).take(MAX_INFLATED + 1);
    // A stream that is not valid DEFLATE counts what came before the error; automerge will
    // reject it itself.
    std::io::copy(&mut inflate, &mut std::io::sink()).unwrap_or(0)
}

/// The compressed columns of a document chunk's data (actors, heads, change and op
/// column metadata, then the columns in order); `None` if the layout does not parse.
fn deflated_columns(data: &[u8]) -> Option<Vec<&[u8]>> {
    let mut c = Cursor(data);
    for _ in 0..c.leb()? {
        let len = c.leb()?;
        c.take(len)?;
    }
    let heads = c.leb()?;
    c.take(heads.checked_mul(32)?)?;
    let mut columns = Vec::new();
    for _ in 0..2 {
        for _ in 0..c.leb()? {
            columns.push((c.leb()?, c.leb()?));
        }
    }
    let mut deflated = Vec::new();
    for (spec, len) in columns {
        let bytes = c.take(len)?;
        if spec & DEFLATE_BIT != 0 {
            deflated.push(bytes);
        }
    }
    Some(deflated)
}

/// Check every chunk in `bytes` (a saved document, changes, or both concatenated).
pub fn check(id: &str, bytes: &[u8]) -> Result<()> {
    let mut c = Cursor(bytes);
    while c.0.len() >= 9 && c.0[..4] == MAGIC {
        let kind = c.0[8];
        c.0 = &c.0[9..];
        if kind == BUNDLE {
            return Err(refuse(id, msg!("document.bundle")));
        }
        let Some(data) = c.leb().and_then(|len| c.take(len)) else {
            return Ok(());
        };
        let too_big = match kind {
            COMPRESSED => inflated_len(data) > MAX_INFLATED,
            DOCUMENT => deflated_columns(data)
                .unwrap_or_default()
                .iter()
                .any(|col| inflated_len(col) > MAX_INFLATED),
            _ => false,
        };
        if too_big {
            return Err(refuse(id, msg!("document.inflates", mib = MAX_INFLATED / 1024 / 1024)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use automerge::transaction::Transactable;
    use automerge::{Automerge, ROOT};

    use super::*;
    use crate::messages::Locale;

    fn leb(mut v: u64, out: &mut Vec<u8>) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    fn chunk(kind: u8, data: &[u8]) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend([0; 4]);
        out.push(kind);
        leb(data.len() as u64, &mut out);
        out.extend(data);
        out
    }

    fn bomb(size: u64) -> Vec<u8> {
        let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..size >> 20 {
            z.write_all(&zeros).unwrap();
        }
        z.finish().unwrap()
    }

    #[test]
    fn real_documents_with_compressed_columns_pass() {
        let mut d = Automerge::new();
        let mut tx = d.transaction();
        for i in 0..2000 {
            tx.put(ROOT, format!("campo{i}"), "un texto que se repite para comprimir")
                .unwrap();
        }
        tx.commit();
        let saved = d.save();
        // The walk really meets compressed columns here (header: 4+4+1 bytes, then the length).
        let mut c = Cursor(&saved[9..]);
        let data = c.leb().and_then(|n| c.take(n)).unwrap();
        assert!(
            !deflated_columns(data).unwrap().is_empty(),
            "automerge compressed some columns"
        );
        check("x", &saved).unwrap();
        check("x", &[saved.clone(), d.save_after(&[])].concat()).unwrap();
    }

    #[test]
    fn a_compressed_change_that_would_inflate_to_gigabytes_is_refused() {
        let b = bomb(MAX_INFLATED + (1 << 20));
        assert!(b.len() < 200 * 1024, "a small input: {} bytes", b.len());
        let e = check("x", &chunk(COMPRESSED, &b)).unwrap_err();
        assert!(e.message().render(Locale::En).contains("expand beyond 64 MiB"), "{e}");
    }

    #[test]
    fn a_document_column_that_would_inflate_to_gigabytes_is_refused() {
        let b = bomb(MAX_INFLATED + (1 << 20));
        // No actors, no heads, one deflated change column, no op columns, then its data.
        let mut data = vec![0, 0, 1];
        leb(0x10 | DEFLATE_BIT, &mut data);
        leb(b.len() as u64, &mut data);
        data.push(0);
        data.extend(&b);
        let e = check("x", &chunk(DOCUMENT, &data)).unwrap_err();
        assert!(e.message().render(Locale::En).contains("expand beyond"), "{e}");
    }

    #[test]
    fn truncated_or_odd_headers_are_left_to_automerge() {
        for bytes in [
            &b""[..],
            b"\x85\x6f\x4a\x83",
            &[0xff; 40],
            &chunk(DOCUMENT, &[0xff; 12])[..20],
        ] {
            check("x", bytes).unwrap();
        }
    }
}
