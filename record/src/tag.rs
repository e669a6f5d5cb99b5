//! Asset tag ids: stable, printed as QR, never carrying mutable data.
//!
//! Format: `SESVER:DTI:ACT:` followed by six digits, e.g. `SESVER:DTI:ACT:000123`. Anything
//! else read from a QR is reported as "not a Brigada tag", with its text.
//!
//! Which numbers a device may print is the core's business (ranges the server reserved);
//! what a tag *is* lives here, because the server checks asset document ids by it too.

pub const PREFIX: &str = "SESVER:DTI:ACT:";

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
