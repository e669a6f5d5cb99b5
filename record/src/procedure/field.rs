//! What a procedure's field holds, how what a person types becomes what is stored, and how
//! a stored value is said on screen and on paper.
//!
//! Documents keep stable values (a choice's code, an ISO date, a UTC time) so that the
//! record reads the same in any language and sorts and filters; people never see those:
//! they type a choice's words, a date as they write it in Mexico (30/11/2026), a yes or
//! a no, and papers print the words back. The kind is declared once in the procedure data
//! and checked here, on the device and on the server alike.

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::messages::Message;
use crate::{msg, time};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum FieldKind {
    /// One line of text.
    #[default]
    Text,
    /// Several lines: a description, findings, what was done.
    Longtext,
    /// A number, with the field's unit if it has one.
    Number,
    /// A calendar date (stored `YYYY-MM-DD`).
    Date,
    /// A date and time, Mexico City time when typed (stored UTC, RFC 3339).
    Datetime,
    /// One of the field's choices (stored by its value, shown by its label).
    Choice,
    /// Sí or no (stored `si` / `no`).
    Yesno,
    /// A person's name.
    Person,
}

/// One choice of a choice field: the stored `value`, the `label` shown and printed, an
/// optional `detail` (a provider's phone number), and other words people use for it.
/// Version 1 procedures list bare values (`"telmex"`): each is its own label.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Choice {
    pub value: String,
    pub label: String,
    #[serde(default)]
    pub detail: String,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub also: Vec<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ChoiceData {
    Bare(String),
    Full(ChoiceFull),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChoiceFull {
    value: String,
    label: String,
    #[serde(default)]
    detail: String,
    #[serde(default)]
    also: Vec<String>,
}

impl<'de> Deserialize<'de> for Choice {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Choice, D::Error> {
        ChoiceData::deserialize(d).map(Choice::from)
    }
}

impl From<ChoiceData> for Choice {
    fn from(d: ChoiceData) -> Choice {
        match d {
            ChoiceData::Bare(value) => Choice {
                label: value.clone(),
                value,
                detail: String::new(),
                also: vec![],
            },
            ChoiceData::Full(ChoiceFull {
                value,
                label,
                detail,
                also,
            }) => Choice {
                value,
                label,
                detail,
                also,
            },
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldDef {
    pub id: String,
    pub label: String,
    #[serde(default)]
    pub kind: FieldKind,
    #[serde(default)]
    pub choices: Vec<Choice>,
    /// The unit of a number (`m`, `nodos`), printed after it.
    #[serde(default)]
    pub unit: Option<String>,
}

/// Lower-case and strip Spanish accents, for matching what people type.
pub fn fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'á' | 'Á' => 'a',
            'é' | 'É' => 'e',
            'í' | 'Í' => 'i',
            'ó' | 'Ó' => 'o',
            'ú' | 'Ú' | 'ü' | 'Ü' => 'u',
            'ñ' | 'Ñ' => 'n',
            c => c.to_lowercase().next().unwrap_or(c),
        })
        .collect()
}

/// Folded, with runs of spaces, dashes and dots as one space: "México  Conectado" and
/// "mexico-conectado" match.
fn key(s: &str) -> String {
    fold(s)
        .split(|c: char| c.is_whitespace() || c == '-' || c == '.' || c == '_')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why a time did not parse, without the field's id (the caller names the field).
fn why(e: Error) -> Message {
    match e {
        Error::InvalidField { why, .. } => why,
        e => e.message(),
    }
}

/// A number with its thousands grouped by commas ("12,500.5") without them; `None` when
/// a comma does not group thousands ("2,5" is ambiguous: refused, not guessed).
fn ungroup(n: &str) -> Option<String> {
    let (int, frac) = n.split_once('.').map_or((n, None), |(i, f)| (i, Some(f)));
    if !int.contains(',') {
        return Some(n.to_owned());
    }
    let groups: Vec<&str> = int.trim_start_matches(['-', '+']).split(',').collect();
    let ok = groups.first().is_some_and(|g| (1..=3).contains(&g.len()))
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
    ok.then(|| {
        let mut s = int.replace(',', "");
        if let Some(f) = frac {
            s.push('.');
            s.push_str(f);
        }
        s
    })
}

impl FieldDef {
    /// What to store for `text` as a person typed it; empty means "clear the field". The
    /// error says what is expected, in words.
    pub fn accept(&self, text: &str) -> Result<String, Message> {
        let t = text.trim();
        if t.is_empty() {
            return Ok(String::new());
        }
        Ok(match self.kind {
            FieldKind::Text | FieldKind::Longtext => t.to_owned(),
            FieldKind::Person => t.split_whitespace().collect::<Vec<_>>().join(" "),
            FieldKind::Number => {
                // A unit typed after the number ("30 m") is fine, and so are thousands
                // grouped with commas as in Mexico ("1,500.5"); the decimal point is a point.
                let n = self.unit.as_deref().and_then(|u| t.strip_suffix(u)).unwrap_or(t).trim();
                ungroup(n)
                    .filter(|n| n.parse::<f64>().is_ok_and(f64::is_finite))
                    .ok_or_else(|| msg!("field.not_number", text = t))?
            }
            FieldKind::Date => time::parse_date(&self.id, t)
                .map_err(why)?
                .format("%Y-%m-%d")
                .to_string(),
            FieldKind::Datetime => time::parse_datetime(&self.id, t).map_err(why)?.to_rfc3339(),
            FieldKind::Choice => {
                let k = key(t);
                self.choices
                    .iter()
                    .find(|c| key(&c.value) == k || key(&c.label) == k || c.also.iter().any(|a| key(a) == k))
                    .map(|c| c.value.clone())
                    .ok_or_else(|| {
                        let labels: Vec<&str> = self.choices.iter().map(|c| c.label.as_str()).collect();
                        msg!("field.one_of", choices = labels.join(", "))
                    })?
            }
            FieldKind::Yesno => match key(t).as_str() {
                "si" | "s" | "yes" | "y" | "true" | "1" => "si".to_owned(),
                "no" | "n" | "false" | "0" => "no".to_owned(),
                _ => return Err(msg!("field.yes_no", text = t)),
            },
        })
    }

    /// A stored value as a person reads it, on screen and on the official papers (which
    /// are in Spanish).
    pub fn words(&self, stored: &str) -> String {
        match self.kind {
            FieldKind::Choice => self
                .choices
                .iter()
                .find(|c| c.value == stored)
                .map_or_else(|| stored.to_owned(), |c| c.label.clone()),
            FieldKind::Date => time::parse_date(&self.id, stored)
                .map(|d| d.format("%d/%m/%Y").to_string())
                .unwrap_or_else(|_| stored.to_owned()),
            FieldKind::Datetime => time::parse_datetime(&self.id, stored)
                .map(time::written)
                .unwrap_or_else(|_| stored.to_owned()),
            FieldKind::Yesno => match stored {
                "si" => "Sí".to_owned(),
                "no" => "No".to_owned(),
                other => other.to_owned(),
            },
            FieldKind::Number => match &self.unit {
                Some(u) => format!("{stored} {u}"),
                None => stored.to_owned(),
            },
            FieldKind::Text | FieldKind::Longtext | FieldKind::Person => stored.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(kind: FieldKind) -> FieldDef {
        FieldDef {
            id: "f".into(),
            label: "F".into(),
            kind,
            choices: vec![
                Choice {
                    value: "telmex".into(),
                    label: "Telmex".into(),
                    detail: "01 800 22 61 500".into(),
                    also: vec![],
                },
                Choice {
                    value: "metrocarrier".into(),
                    label: "Metrocarrier (Megacable negocios)".into(),
                    detail: String::new(),
                    also: vec!["Megacable".into(), "Metrocarrier".into()],
                },
            ],
            unit: Some("m".into()),
        }
    }

    #[test]
    fn a_choice_is_typed_as_people_say_it_and_printed_in_words() {
        let d = def(FieldKind::Choice);
        for typed in [
            "telmex",
            "TELMEX",
            "Megacable",
            "metrocarrier",
            "Metrocarrier (Megacable negocios)",
        ] {
            assert!(d.accept(typed).is_ok(), "{typed}");
        }
        assert_eq!(d.accept("Megacable").unwrap(), "metrocarrier");
        assert_eq!(d.words("metrocarrier"), "Metrocarrier (Megacable negocios)");
        let e = d.accept("Axtel").unwrap_err().to_string();
        assert!(e.contains("Telmex, Metrocarrier (Megacable negocios)"), "{e}");
        assert!(!e.contains("metrocarrier,"), "codes never show: {e}");
    }

    #[test]
    fn dates_as_written_in_mexico() {
        let d = def(FieldKind::Date);
        assert_eq!(d.accept("30/11/2026").unwrap(), "2026-11-30");
        assert_eq!(d.accept("2026-11-30").unwrap(), "2026-11-30");
        assert_eq!(d.accept("3/1/2026").unwrap(), "2026-01-03");
        assert_eq!(d.words("2026-11-30"), "30/11/2026");
        assert!(d.accept("31/02/2026").is_err());
        assert_eq!(
            d.accept("30/11/26").unwrap(),
            "2026-11-30",
            "a two-digit year is this century"
        );
        assert!(
            d.accept("30/11/1026").is_err(),
            "a year before 1900 is a typing mistake"
        );
        let dt = def(FieldKind::Datetime);
        let stored = dt.accept("30/11/2026 09:15").unwrap();
        assert_eq!(stored, dt.accept("2026-11-30 09:15").unwrap());
        assert_eq!(dt.words(&stored), "30/11/2026 09:15", "as typed, Mexico City time");
    }

    #[test]
    fn choices_read_as_bare_values_or_tables_and_typos_are_refused() {
        #[derive(Deserialize)]
        struct F {
            choices: Vec<Choice>,
        }
        let f: F = toml::from_str(r#"choices = ["usb", { value = "red", label = "Unidad de red" }]"#).unwrap();
        assert_eq!(f.choices[0].label, "usb");
        assert_eq!(f.choices[1].label, "Unidad de red");
        assert!(toml::from_str::<F>(r#"choices = [{ value = "red", label = "Red", detial = "x" }]"#).is_err());
    }

    #[test]
    fn numbers_yes_no_and_people() {
        let n = def(FieldKind::Number);
        assert_eq!(n.accept("30 m").unwrap(), "30");
        assert_eq!(n.accept("2.5").unwrap(), "2.5");
        assert_eq!(n.accept("1,500").unwrap(), "1500", "a comma groups thousands in Mexico");
        assert_eq!(n.accept("12,500.75 m").unwrap(), "12500.75");
        assert!(n.accept("2,5").is_err(), "ambiguous: refused, not guessed");
        assert!(n.accept("1,50,0").is_err());
        assert_eq!(n.words("30"), "30 m");
        assert!(n.accept("treinta").is_err());
        let y = def(FieldKind::Yesno);
        assert_eq!(y.accept("Sí").unwrap(), "si");
        assert_eq!(y.accept("no").unwrap(), "no");
        assert_eq!(y.words("si"), "Sí");
        assert!(y.accept("quizá").is_err());
        let p = def(FieldKind::Person);
        assert_eq!(p.accept("  Ana   Karen  López ").unwrap(), "Ana Karen López");
        assert_eq!(def(FieldKind::Text).accept("   ").unwrap(), "");
    }
}
