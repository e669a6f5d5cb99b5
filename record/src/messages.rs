//! Every sentence a person reads, from one catalog: `record/messages.toml`.
//!
//! A message is a stable key (an error code such as `wrong_passphrase`, or a code and a
//! detail such as `invalid_input.comment_empty`) with named arguments. Code builds
//! [`Message`]s, never sentences; the sentence is chosen when the message is shown, in
//! the reader's locale: es-MX by default, English as the second locale. The app, the CLI
//! (which follows `LANG`) and the server's admin commands all read this one catalog, so
//! a técnico never meets an English sentence or an internal id in a Spanish screen, and
//! `--json` output keeps the key for scripts.
//!
//! The tests check that every key the code uses is in the catalog in both languages with
//! the same placeholders, so a missing translation fails the build's tests, not a user.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};

use serde::{Deserialize, Serialize};

/// The languages Brigada speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Locale {
    #[serde(rename = "es-MX")]
    Es,
    #[serde(rename = "en")]
    En,
}

impl Locale {
    /// The locale a `LANG`-style value asks for: English for `en…`, else Spanish.
    pub fn from_tag(tag: &str) -> Locale {
        if tag.trim().to_ascii_lowercase().starts_with("en") {
            Locale::En
        } else {
            Locale::Es
        }
    }

    /// The locale of a command-line program: `LC_ALL`, then `LC_MESSAGES`, then `LANG`
    /// (the first one set and not empty), as POSIX programs choose theirs; Spanish when
    /// none is set or it names neither language (`C.UTF-8` on a fresh machine).
    pub fn from_env() -> Locale {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .find(|v| !v.is_empty())
            .map_or(Locale::Es, |v| Locale::from_tag(&v))
    }
}

static LOCALE: AtomicU8 = AtomicU8::new(0);

/// The locale messages are shown in by this process (set once by a program at start, and
/// by the app when the user switches language).
pub fn set_locale(l: Locale) {
    LOCALE.store(l as u8, Ordering::Relaxed);
}

pub fn locale() -> Locale {
    match LOCALE.load(Ordering::Relaxed) {
        1 => Locale::En,
        _ => Locale::Es,
    }
}

/// An argument of a message: text as it is (a name, a folio, a number), or another
/// message (shown in the same locale), or a list of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Arg {
    Text(String),
    Msg(Box<Message>),
    List(Vec<Message>),
}

impl From<String> for Arg {
    fn from(s: String) -> Arg {
        Arg::Text(s)
    }
}
impl From<&str> for Arg {
    fn from(s: &str) -> Arg {
        Arg::Text(s.to_owned())
    }
}
impl From<&String> for Arg {
    fn from(s: &String) -> Arg {
        Arg::Text(s.clone())
    }
}
impl From<Message> for Arg {
    fn from(m: Message) -> Arg {
        Arg::Msg(Box::new(m))
    }
}
impl From<Vec<Message>> for Arg {
    fn from(m: Vec<Message>) -> Arg {
        Arg::List(m)
    }
}
macro_rules! arg_from_number {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Arg {
                Arg::Text(n.to_string())
            }
        }
    )*};
}
arg_from_number!(u8, u16, u32, u64, usize, i32, i64);

/// A sentence to show, as a catalog key and its arguments. It can travel (the QR worker
/// process sends its reasons as messages), and is put into words only where it is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub key: Cow<'static, str>,
    pub args: Vec<(Cow<'static, str>, Arg)>,
}

/// `msg!(KEY, name = value, …)`: a [`Message`] (KEY a string literal). Values are anything that converts into
/// an [`Arg`] (text, numbers, other messages, lists of messages).
#[macro_export]
macro_rules! msg {
    ($key:literal $(, $name:ident = $val:expr)* $(,)?) => {
        $crate::messages::Message {
            key: ::std::borrow::Cow::Borrowed($key),
            args: vec![$((::std::borrow::Cow::Borrowed(stringify!($name)), $crate::messages::Arg::from($val))),*],
        }
    };
}

#[derive(Deserialize)]
struct Entry {
    es: String,
    en: String,
}

const CATALOG: &str = include_str!("../messages.toml");

fn catalog() -> &'static HashMap<String, Entry> {
    static C: OnceLock<HashMap<String, Entry>> = OnceLock::new();
    // The catalog is embedded and checked by the tests; a damaged one shows keys.
    C.get_or_init(|| toml::from_str(CATALOG).unwrap_or_default())
}

/// Every key of the catalog with its Spanish and English text (for the checks below).
#[cfg(test)]
fn entries() -> Vec<(&'static str, &'static str, &'static str)> {
    let mut v: Vec<_> = catalog()
        .iter()
        .map(|(k, e)| (k.as_str(), e.es.as_str(), e.en.as_str()))
        .collect();
    v.sort();
    v
}

impl Message {
    /// The sentence in `locale`, placeholders `{name}` filled. A key missing from the
    /// catalog (a defect the tests catch) shows as the key itself, never as nothing.
    pub fn render(&self, locale: Locale) -> String {
        let Some(entry) = catalog().get(self.key.as_ref()) else {
            return self.key.to_string();
        };
        let text = match locale {
            Locale::Es => &entry.es,
            Locale::En => &entry.en,
        };
        let mut out = String::with_capacity(text.len() + 32);
        let mut rest = text.as_str();
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match after.find('}') {
                Some(close) => {
                    let name = &after[..close];
                    match self.args.iter().find(|(n, _)| n == name) {
                        Some((_, a)) => out.push_str(&render_arg(a, locale)),
                        None => {
                            out.push('{');
                            out.push_str(name);
                            out.push('}');
                        }
                    }
                    rest = &after[close + 1..];
                }
                None => {
                    out.push_str(&rest[open..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }
}

fn render_arg(a: &Arg, locale: Locale) -> String {
    match a {
        Arg::Text(t) => t.clone(),
        Arg::Msg(m) => m.render(locale),
        Arg::List(items) => items.iter().map(|m| m.render(locale)).collect::<Vec<_>>().join("; "),
    }
}

/// Shown in this process's locale.
impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(locale()))
    }
}

/// An argument on its own, in this process's locale.
impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&render_arg(self, locale()))
    }
}

/// The placeholders of a catalog text, sorted (for the consistency checks).
#[cfg(test)]
fn placeholders(text: &str) -> Vec<&str> {
    let mut v: Vec<&str> = text
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name))
        .collect();
    v.sort();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_has_both_languages_with_the_same_placeholders() {
        let all = entries();
        assert!(all.len() > 20, "the catalog did not parse: {} entries", all.len());
        for (key, es, en) in all {
            assert!(
                !es.trim().is_empty() && !en.trim().is_empty(),
                "{key}: a language is empty"
            );
            assert_eq!(placeholders(es), placeholders(en), "{key}: placeholders differ");
            assert_ne!(es, en, "{key}: the Spanish text is the English one");
        }
    }

    #[test]
    fn a_message_is_rendered_in_the_chosen_locale_with_nested_arguments() {
        let inner = vec![msg!("missing.materials"), msg!("missing.equipment")];
        let m = msg!("missing_evidence", step = "3", missing = inner);
        let es = m.render(Locale::Es);
        let en = m.render(Locale::En);
        assert!(es.contains("paso 3") && es.contains("materiales"), "{es}");
        assert!(en.contains("Step 3") && en.contains("materials"), "{en}");
        assert!(!es.contains('{') && !en.contains('{'), "{es} / {en}");
    }

    #[test]
    fn the_locale_follows_lang_as_posix_programs_do() {
        assert_eq!(Locale::from_tag("en_US.UTF-8"), Locale::En);
        assert_eq!(Locale::from_tag("es_MX.UTF-8"), Locale::Es);
        assert_eq!(Locale::from_tag("C.UTF-8"), Locale::Es);
        assert_eq!(Locale::from_tag(""), Locale::Es);
    }

    /// Every message key the workspace's sources use is an entry of the catalog.
    #[test]
    fn every_key_the_code_uses_is_in_the_catalog() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let known: std::collections::HashSet<&str> = entries().into_iter().map(|(k, _, _)| k).collect();
        let mut missing = Vec::new();
        let mut used = std::collections::HashSet::new();
        let mut seen = 0;
        for dir in ["record/src", "core/src", "cli/src", "sync-server/src", "src-tauri/src"] {
            let mut todo = vec![root.join(dir)];
            while let Some(d) = todo.pop() {
                for e in std::fs::read_dir(&d).unwrap().flatten() {
                    let p = e.path();
                    if p.is_dir() {
                        todo.push(p);
                    } else if p.extension().is_some_and(|x| x == "rs") {
                        let text = std::fs::read_to_string(&p).unwrap();
                        // The key right after the macro's parenthesis, or on the next line
                        // where rustfmt wraps a long call. (The needle is split so this
                        // scan does not find itself.)
                        for part in text.split(concat!("msg", "!(")).skip(1) {
                            let Some(quoted) = part.trim_start().strip_prefix('"') else {
                                continue;
                            };
                            let key = quoted.split('"').next().unwrap_or_default();
                            seen += 1;
                            used.insert(key.to_owned());
                            if !known.contains(key) {
                                missing.push(format!("{}: {key}", p.display()));
                            }
                        }
                    }
                }
            }
        }
        assert!(seen > 20, "the scan found only {seen} messages");
        assert!(
            missing.is_empty(),
            "keys used but not in record/messages.toml: {missing:#?}"
        );
        // And no sentence is left in the catalog that nothing says any more.
        let mut dead: Vec<&&str> = known.iter().filter(|k| !used.contains(**k)).collect();
        dead.sort();
        assert!(dead.is_empty(), "catalog entries no code uses: {dead:#?}");
    }
}
