//! Asset tag ids: stable, printed as QR, never carrying mutable data.
//!
//! Format: `SESVER:DTI:ACT:` followed by six digits, e.g. `SESVER:DTI:ACT:000123`. Anything
//! else read from a QR is reported as "not a Brigada tag", with its text.
//!
//! New tags are printed only from number ranges the server reserved for this device, so
//! two offices never print the same tag, even offline.

use crate::error::{Error, Result};
use crate::store::tag_ranges;
use crate::sync::protocol::{MAX_TAGS_PER_REQUEST, TagRange};

pub const PREFIX: &str = "SESVER:DTI:ACT:";

/// Numbers reserved at once when a device runs short (a few label sheets).
const REQUEST_BLOCK: u32 = 300;

/// The largest tag number six digits can hold.
pub const MAX_NUMBER: u32 = 999_999;

/// Normalise and check a tag; `None` if the text is not a Brigada tag.
pub fn parse(text: &str) -> Option<String> {
    let t = text.trim().to_ascii_uppercase();
    let digits = t.strip_prefix(PREFIX)?;
    (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(t)
}

/// A tag as a person or a keyboard-wedge scanner gives it: the whole tag, or just its
/// number (`123` → `SESVER:DTI:ACT:000123`).
pub fn parse_typed(text: &str) -> Option<String> {
    let text = text.trim();
    parse(text).or_else(|| {
        text.parse::<u32>()
            .ok()
            .filter(|n| *n <= MAX_NUMBER && text.len() <= 6)
            .map(format)
    })
}

/// The number inside a tag (`SESVER:DTI:ACT:000123` → 123).
pub fn number(tag: &str) -> Option<u32> {
    parse(tag)?.strip_prefix(PREFIX)?.parse().ok()
}

pub fn format(number: u32) -> String {
    format!("{PREFIX}{number:06}")
}

impl crate::Store {
    /// Tag numbers left in this device's reserved ranges.
    pub fn tags_remaining(&self) -> Result<u64> {
        tag_ranges::remaining(self.conn())
    }

    /// Ask the server for a new block of `count` tag numbers and keep it.
    pub fn request_tags(&mut self, count: u32) -> Result<TagRange> {
        let range = self.http_transport()?.allocate_tags(count)?;
        let now = crate::time::now_ms();
        self.write(|tx| tag_ranges::add(tx, range, now))?;
        Ok(range)
    }

    /// Take `count` fresh tags for printing, marked used before they are returned. When
    /// the local ranges are short and the server is reachable, a new block is reserved
    /// first; offline, only this device's own ranges are used.
    pub fn take_tags(&mut self, count: u32) -> Result<Vec<String>> {
        let have = self.tags_remaining()?;
        if have < u64::from(count) {
            let missing = u32::try_from(u64::from(count) - have).unwrap_or(u32::MAX);
            let want = missing.clamp(REQUEST_BLOCK, MAX_TAGS_PER_REQUEST);
            if let Err(e) = self.request_tags(want) {
                return Err(Error::InvalidInput(format!(
                    "this device has {have} tag numbers left and needs {count}; a new range could not \
                     be reserved ({e}). Connect to the office server and try again, or print fewer labels"
                )));
            }
            if self.tags_remaining()? < u64::from(count) {
                return Err(Error::InvalidInput(format!(
                    "print at most {MAX_TAGS_PER_REQUEST} new labels at a time"
                )));
            }
        }
        let numbers = self.write(|tx| tag_ranges::take(tx, count))?;
        Ok(numbers.into_iter().map(format).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_recognised_and_normalised() {
        assert_eq!(
            parse(" sesver:dti:act:000123\n").as_deref(),
            Some("SESVER:DTI:ACT:000123")
        );
        assert_eq!(format(42), "SESVER:DTI:ACT:000042");
        for bad in [
            "",
            "SESVER:DTI:ACT:12",
            "SESVER:DTI:ACT:0001234",
            "http://x",
            "SESVER:DTI:ACT:00012a",
        ] {
            assert!(parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_typed_number_is_the_tag_with_that_number() {
        assert_eq!(parse_typed(" 123 ").as_deref(), Some("SESVER:DTI:ACT:000123"));
        assert_eq!(
            parse_typed("SESVER:DTI:ACT:000007").as_deref(),
            Some("SESVER:DTI:ACT:000007")
        );
        for bad in ["", "1234567", "-1", "12a", "folio 12"] {
            assert!(parse_typed(bad).is_none(), "{bad}");
        }
    }
}
