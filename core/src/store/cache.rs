//! A small in-memory cache of open Automerge documents.
//!
//! The app opens an expediente and edits it several times; reloading and re-parsing the
//! document from SQLite for every edit would cost more than the edit itself. A document
//! is taken out of the cache for the duration of an operation and put back only after the
//! change it received is committed, so the cache never holds an edit that is not on disk.
//! The hydrated value travels with its document, so a cached open costs no hydration.

use std::cell::RefCell;
use std::collections::HashMap;

use automerge::Automerge;

use crate::model::Expediente;

const CAPACITY: usize = 32;

#[derive(Default)]
pub struct DocCache {
    docs: RefCell<HashMap<String, (Automerge, Expediente)>>,
}

impl DocCache {
    pub fn take(&self, id: &str) -> Option<(Automerge, Expediente)> {
        self.docs.borrow_mut().remove(id)
    }

    pub fn evict(&self, id: &str) {
        self.docs.borrow_mut().remove(id);
    }

    pub fn put(&self, id: &str, doc: Automerge, exp: Expediente) {
        let mut docs = self.docs.borrow_mut();
        if docs.len() >= CAPACITY
            && let Some(k) = docs.keys().next().cloned()
        {
            docs.remove(&k);
        }
        docs.insert(id.to_owned(), (doc, exp));
    }
}
