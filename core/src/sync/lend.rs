//! Driving a sync without holding the store while the network works.
//!
//! A sync over a hospital's weak link can take minutes (a day of photos). The app's
//! commands share one store; if a background sync held it throughout, the technician's
//! next tap would wait for the upload. So the drivers here borrow the store only for each
//! local step — plan a request, absorb an answer, read a blob, keep a downloaded piece —
//! and give it back before every network call. Each step is its own transaction, exactly
//! as when the store is held throughout, and the engine is correct with edits landing
//! between steps: an edit made after a plan stays pending (the plan records the version
//! it pushed) and goes in the next round.
//!
//! Every conversation with the server is driven from here for the same reason: a sync,
//! an enrolment, a request for tag numbers. No `Store` method makes a network call.
//!
//! Two lenders exist: a `RefCell<&mut Store>` (the CLI and tests, which own their store)
//! and the app's mutex-guarded store.

use brigada_record::msg;
use std::cell::RefCell;

use super::{Progress, Summary, Transport, protocol};
use crate::error::{Error, Result};
use crate::store::{Store, sync_state};
#[cfg(feature = "net")]
use {
    super::{blobs, http},
    crate::store::keys,
    crate::tag,
};

/// Lends the store for one step.
pub trait Lend {
    fn lend<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T>;
}

impl Lend for RefCell<&mut Store> {
    fn lend<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        f(&mut self.borrow_mut())
    }
}

#[cfg(feature = "net")]
/// Enrol this device (`target`: the server address with `code`, or the enrolment QR's
/// text): the store is lent to say who the device is and to keep the server's answer.
pub fn enroll(
    store: &impl Lend,
    target: &str,
    code: Option<&str>,
    ca: Option<&str>,
) -> Result<protocol::EnrollResponse> {
    let t = super::enrolment_target(target, code)?;
    // A QR that pins the server's own CA: fetch it, check it, and trust only it.
    let fetched;
    let ca = match (&t.ca_fingerprint, ca) {
        (Some(fp), None) => {
            fetched = http::fetch_pinned_ca(&t.url, fp)?;
            Some(fetched.as_str())
        }
        (Some(fp), Some(pem)) => {
            http::check_pin(&t.url, pem, fp)?;
            Some(pem)
        }
        (None, ca) => ca,
    };
    let request = store.lend(|s| Ok(s.enrol_request(t.code.clone())))?;
    let resp = http::enroll(&t.url, &request, ca)?;
    store.lend(|s| s.save_enrolment(&t.url, &resp, ca))?;
    Ok(resp)
}

#[cfg(feature = "net")]
/// Ask the server for a new block of `count` tag numbers and keep it.
pub fn request_tags(store: &impl Lend, count: u32) -> Result<protocol::TagRange> {
    let t = store.lend(|s| s.http_transport())?;
    let range = t.allocate_tags(count)?;
    store.lend(|s| s.keep_tag_range(range))?;
    Ok(range)
}

#[cfg(feature = "net")]
/// Take `count` fresh tags for printing, marked used before they are returned. When this
/// device's ranges are short and the server is reachable, a new block is reserved first;
/// offline, only the device's own ranges are used.
pub fn take_tags(store: &impl Lend, count: u32) -> Result<Vec<String>> {
    let have = store.lend(|s| s.tags_remaining())?;
    if have < u64::from(count) {
        let missing = u32::try_from(u64::from(count) - have).unwrap_or(u32::MAX);
        let want = missing.clamp(tag::REQUEST_BLOCK, protocol::MAX_TAGS_PER_REQUEST);
        if let Err(e) = request_tags(store, want) {
            return Err(Error::InvalidInput(brigada_record::msg!(
                "tag.range_short",
                have = have,
                count = count,
                why = e.message()
            )));
        }
    }
    store.lend(|s| s.take_reserved_tags(count))
}

#[cfg(feature = "net")]
/// Sync with the enrolled server over HTTP: documents, then blobs, then the devices' keys
/// and the server's witness of seals.
pub fn run(store: &impl Lend, progress: &mut dyn FnMut(&Progress)) -> Result<Summary> {
    let mut t = store.lend(|s| s.http_transport())?;
    let office = store.lend(|s| s.sync_setting("role"))?.is_some_and(|r| r != "tecnico");
    let mut summary = documents(store, &mut t, progress)?;
    if summary.server_restored {
        // The server lost what it allocated after its backup: hand back this device's
        // ranges so it never allocates those numbers to another.
        let ranges = store.lend(|s| crate::store::tag_ranges::all(s.conn()))?;
        if office && !ranges.is_empty() {
            for chunk in ranges.chunks(protocol::MAX_HELD_RANGES) {
                t.tags_held(chunk.to_vec())?;
            }
        }
    }
    let mut p = summary.progress.clone();
    summary.blobs = blobs::sync(store, &mut t, &mut |b| {
        p.blobs_done = b.uploaded + b.downloaded;
        p.blob_bytes = b.bytes_up + b.bytes_down;
        progress(&p);
    })?;
    summary.progress.blobs_done = summary.blobs.uploaded + summary.blobs.downloaded;
    summary.progress.blob_bytes = summary.blobs.bytes_up + summary.blobs.bytes_down;
    let device_keys = t.device_keys()?;
    summary.keys = device_keys.len();
    store.lend(|s| s.write(|tx| keys::replace_all(tx, &device_keys)))?;
    // The server's witness of each seal, from where this device left off.
    loop {
        let after = store.lend(|s| keys::seals_cursor(s.conn()))?;
        let page = match t.seals(after) {
            Ok(p) => p,
            // A server from before the witness list: nothing witnessed to keep.
            Err(Error::Server { status: 404, .. }) => break,
            Err(e) => return Err(e),
        };
        let moved = store.lend(|s| {
            s.write(|tx| keys::witness(tx, &page.seals))?;
            Ok(keys::seals_cursor(s.conn())? > after)
        })?;
        // A page that does not move the cursor ends the loop, whatever `more` says (a
        // broken or hostile server cannot keep a device asking forever).
        if !page.more || !moved {
            break;
        }
    }
    // The office keeps the server's view of every device (who has not synced lately).
    if office {
        match t.devices_seen() {
            Ok(seen) => store.lend(|s| s.write(|tx| crate::report::devices::keep(tx, &seen, crate::time::now_ms())))?,
            // A server from before the device list, or one that does not count this device
            // as the office's (its role changed): nothing to keep; the sync itself is done.
            Err(Error::Server { status: 404, .. } | Error::Forbidden(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(summary)
}

/// Exchange documents until both sides have everything: usually one round trip.
pub fn documents(store: &impl Lend, t: &mut dyn Transport, progress: &mut dyn FnMut(&Progress)) -> Result<Summary> {
    let mut summary = Summary::default();
    for _ in 0..10_000 {
        let plan = store.lend(|s| s.sync_plan())?;
        let body = protocol::encode(&plan.request);
        let reply = t.exchange(&body)?;
        let resp: protocol::SyncResponse = protocol::decode(&reply)?;
        let p = &mut summary.progress;
        p.round_trips += 1;
        p.docs_sent += plan.request.docs.len();
        p.docs_received += resp.docs.iter().filter(|d| !d.changes.is_empty()).count();
        p.bytes_sent += body.len();
        p.bytes_received += reply.len();
        let need_full = resp
            .rejected
            .iter()
            .any(|r| r.reason == protocol::RejectReason::NeedFull);
        let (pending, reoffered) = store.lend(|s| {
            let reoffered = s.sync_absorb(&plan, &resp, &mut summary)?;
            Ok((sync_state::count_pending(s.conn())?, reoffered))
        })?;
        summary.progress.pending = pending;
        progress(&summary.progress);
        if !plan.more_local && !resp.more && !need_full && !reoffered {
            return Ok(summary);
        }
    }
    Err(Error::Server {
        status: 0,
        code: "loop".into(),
        message: msg!("sync.no_settle").into(),
    })
}
