//! Asset tag ids: stable, printed as QR, never carrying mutable data.
//!
//! Format: `SESVER:DTI:ACT:` followed by six digits, e.g. `SESVER:DTI:ACT:000123`. Anything
//! else read from a QR is reported as "not a Brigada tag", with its text.

pub const PREFIX: &str = "SESVER:DTI:ACT:";

/// Normalise and check a tag; `None` if the text is not a Brigada tag.
pub fn parse(text: &str) -> Option<String> {
    let t = text.trim().to_ascii_uppercase();
    let digits = t.strip_prefix(PREFIX)?;
    (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(t)
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
}
