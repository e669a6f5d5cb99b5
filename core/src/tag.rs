//! Asset tag ids: stable, printed as QR, never carrying mutable data.
//!
//! Format: `SESVER:DTI:ACT:` followed by six digits, e.g. `SESVER:DTI:ACT:000123`. Anything
//! else read from a QR is reported as "not a Brigada tag", with its text.
//!
//! New tags are printed only from number ranges the server reserved for this device, so
//! two offices never print the same tag, even offline.

use crate::error::{Error, Result};
use crate::store::tag_ranges;
use brigada_record::msg;
use brigada_record::protocol::{MAX_TAGS_PER_REQUEST, TagRange};

pub use brigada_record::tag::*;

/// Numbers reserved at once when a device runs short (a few label sheets).
pub const REQUEST_BLOCK: u32 = 300;

/// The tag numbers this device may print (the network side, asking the server for more,
/// is `sync::lend::request_tags` and `take_tags`).
impl crate::Store {
    /// Tag numbers left in this device's reserved ranges.
    pub fn tags_remaining(&self) -> Result<u64> {
        tag_ranges::remaining(self.conn())
    }

    /// Keep a block of numbers the server reserved for this device.
    pub fn keep_tag_range(&mut self, range: TagRange) -> Result<()> {
        let now = crate::time::now_ms();
        self.write(|tx| tag_ranges::add(tx, range, now))
    }

    /// Take `count` tags from this device's own ranges, marked used before they are
    /// returned; refused when the ranges hold fewer.
    pub fn take_reserved_tags(&mut self, count: u32) -> Result<Vec<String>> {
        if self.tags_remaining()? < u64::from(count) {
            return Err(Error::InvalidInput(msg!("tag.too_many", max = MAX_TAGS_PER_REQUEST)));
        }
        let numbers = self.write(|tx| tag_ranges::take(tx, count))?;
        Ok(numbers.into_iter().map(format).collect())
    }
}
