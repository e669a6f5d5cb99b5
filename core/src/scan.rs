//! What a scanned code means, wherever it came from (camera, keyboard-wedge scanner,
//! typed by hand, a photo): a known asset, a Brigada tag not registered yet, a printed
//! Brigada document to verify, or somebody else's QR (said plainly, with its text).

use brigada_record::msg;
use serde::Serialize;

use crate::assets::AssetView;
use crate::error::{Error, Result};
use crate::forms::verify::Verification;
use crate::{Store, forms, tag};

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Scanned {
    Asset { view: Box<AssetView> },
    UnknownTag { tag: String },
    Document { verification: Verification },
    Foreign { text: String },
}

impl Store {
    pub fn interpret_scan(&self, text: &str) -> Result<Scanned> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::InvalidInput(msg!("scan.empty")));
        }
        // A keyboard-wedge scanner or a person may give just the number of a tag.
        if let Some(t) = tag::parse_typed(text) {
            return Ok(match self.asset_view(&t) {
                Ok(view) => Scanned::Asset { view: Box::new(view) },
                Err(Error::AssetNotFound(_)) => Scanned::UnknownTag { tag: t },
                Err(e) => return Err(e),
            });
        }
        if forms::parse_qr_text(text).is_some() {
            return Ok(Scanned::Document {
                verification: self.verify_printed(text)?,
            });
        }
        Ok(Scanned::Foreign {
            text: text.chars().take(500).collect(),
        })
    }
}
