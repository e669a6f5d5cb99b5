//! The sync engine on a simulated network: requests lost before the server, answers lost
//! after it, requests delivered twice. Three devices edit and sync at random; in the end
//! they sync until quiescent and must hold the same documents with every edit.

use std::collections::BTreeSet;
use std::sync::Arc;

use brigada_core::Store;
use brigada_core::sync::Transport;
use brigada_scenarios::memory::MemoryTransport;
use brigada_scenarios::*;
use brigada_sync::devices::Role;
use brigada_sync::storage::{Enrolment, Storage};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Loses or repeats messages according to its dice.
struct Flaky {
    inner: MemoryTransport,
    rng: StdRng,
    lossy: bool,
}

impl Transport for Flaky {
    fn exchange(&mut self, request: &[u8]) -> brigada_core::Result<Vec<u8>> {
        let lost = || brigada_core::Error::Network {
            url: "sim".into(),
            why: brigada_core::msg!("network.timeout"),
        };
        if self.lossy {
            match self.rng.gen_range(0..10) {
                0 => return Err(lost()),
                1 => {
                    self.inner.exchange(request)?;
                    return Err(lost());
                }
                2 => {
                    self.inner.exchange(request)?;
                }
                _ => {}
            }
        }
        self.inner.exchange(request)
    }
}

fn device(storage: &Arc<dyn Storage>, name: &str, role: Role, seed: u64) -> (tempfile::TempDir, Store, Flaky) {
    let (dir, store) = temp_store(name);
    let (_, code) = brigada_sync::add_device(storage.as_ref(), name, role, "RT").unwrap();
    let hash = brigada_sync::devices::hash(&brigada_sync::devices::normalise_code(&code));
    let e = Enrolment {
        device_name: name.into(),
        device_code: store.device().code.clone(),
        public_key: store.public_key_hex(),
        actor: Some(store.author().actor.to_hex_string()),
    };
    let d = storage.enroll(&hash, &e, &format!("token-{name}"), 0).unwrap();
    let t = Flaky {
        inner: MemoryTransport {
            storage: storage.clone(),
            device: d,
        },
        rng: StdRng::seed_from_u64(seed),
        lossy: true,
    };
    (dir, store, t)
}

fn run(seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    let storage: Arc<dyn Storage> = brigada_sync::open_storage(dir.path(), None).unwrap();
    let mut devices = vec![
        device(&storage, "Oficina 01", Role::Oficina, seed),
        device(&storage, "Tablet 02", Role::Tecnico, seed + 1),
        device(&storage, "Tablet 03", Role::Tecnico, seed + 2),
    ];
    let mut rng = StdRng::seed_from_u64(seed);
    let mut written: BTreeSet<String> = BTreeSet::new();
    let mut jobs: Vec<String> = Vec::new();
    for i in 0..120 {
        let who = rng.gen_range(0..devices.len());
        let (_, store, t) = &mut devices[who];
        match rng.gen_range(0..10) {
            0 => jobs.push(new_job(store, "P1")),
            1..=5 => {
                // Edit a job this device holds.
                let held: Vec<String> = jobs.iter().filter(|j| store.view(j).is_ok()).cloned().collect();
                if let Some(j) = held.get(rng.gen_range(0..held.len().max(1))) {
                    let text = format!("nota {i} de {who}");
                    store.comment(j, &text).unwrap();
                    written.insert(text);
                }
            }
            _ => {
                // Sync; a lost message is an error the user sees, and they retry later.
                let _ = store.sync_with(t, &mut |_| {});
            }
        }
    }
    // The network heals: sync round robin until nothing moves.
    for (_, _, t) in devices.iter_mut() {
        t.lossy = false;
    }
    for round in 0.. {
        assert!(round < 10, "seed {seed}: no quiescence after 10 rounds");
        let mut moved = 0;
        for (_, store, t) in devices.iter_mut() {
            let s = store.sync_with(t, &mut |_| {}).unwrap();
            moved += s.progress.docs_received + s.merged;
        }
        if moved == 0 {
            break;
        }
    }
    let heads: Vec<Vec<String>> = jobs.iter().map(|j| devices[0].1.view(j).unwrap().heads).collect();
    for (_, store, _) in &devices {
        let mut seen = BTreeSet::new();
        for (j, h) in jobs.iter().zip(&heads) {
            let v = store
                .view(j)
                .unwrap_or_else(|e| panic!("seed {seed}: {j} missing: {e}"));
            assert_eq!(&v.heads, h, "seed {seed}: {j} differs");
            seen.extend(v.expediente.comments.iter().map(|c| c.text.clone()));
        }
        assert_eq!(seen, written, "seed {seed}: an edit was lost");
    }
}

#[test]
fn devices_converge_through_lost_and_repeated_messages() {
    for seed in [1, 7, 42, 1234] {
        run(seed);
    }
}

/// Records what a device sends.
struct Recording {
    inner: MemoryTransport,
    pushes: Vec<brigada_core::sync::protocol::DocPush>,
}

impl Transport for Recording {
    fn exchange(&mut self, request: &[u8]) -> brigada_core::Result<Vec<u8>> {
        let req: brigada_core::sync::protocol::SyncRequest = brigada_core::sync::protocol::decode(request)?;
        self.pushes.extend(req.docs);
        self.inner.exchange(request)
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn a_server_restored_from_backup_negotiates_what_it_lost() {
    let live = tempfile::tempdir().unwrap();
    let backup = tempfile::tempdir().unwrap();
    let storage: Arc<dyn Storage> = brigada_sync::open_storage(live.path(), None).unwrap();
    let (_d, mut tablet, t) = device(&storage, "Tablet 02", Role::Tecnico, 1);
    let mut t = Recording {
        inner: t.inner,
        pushes: vec![],
    };
    let job = new_job(&mut tablet, "P1");
    tablet.comment(&job, "antes del respaldo").unwrap();
    tablet.sync_with(&mut t, &mut |_| {}).unwrap();
    // The nightly backup, taken with the server stopped.
    drop(storage);
    copy_dir(live.path(), backup.path());
    let storage: Arc<dyn Storage> = brigada_sync::open_storage(live.path(), None).unwrap();
    t.inner.storage = storage.clone();
    tablet.comment(&job, "después del respaldo").unwrap();
    tablet.sync_with(&mut t, &mut |_| {}).unwrap();
    // The server's disk dies; the backup is restored. It lacks the last change.
    drop(storage);
    let restored: Arc<dyn Storage> = brigada_sync::open_storage(backup.path(), None).unwrap();
    t.inner.storage = restored.clone();
    tablet.comment(&job, "con el servidor restaurado").unwrap();
    t.pushes.clear();
    let s = tablet.sync_with(&mut t, &mut |_| {}).unwrap();
    assert!(s.held.is_empty(), "{:?}", s.held);
    assert!(
        t.pushes.iter().any(|p| p.id == job && !p.sync.is_empty()),
        "the sync protocol was used"
    );
    // Usually no whole-document resend; after 8 inconclusive rounds (a bloom-filter false
    // positive can cost rounds) the device falls back to one, by design.
    let full = t.pushes.iter().filter(|p| p.full).count();
    assert!(full <= 1, "{full} whole-document resends");
    // An office device on the restored server receives all three comments.
    let (_o, mut office, ot) = device(&restored, "Oficina 01", Role::Oficina, 9);
    let mut ot = ot;
    ot.lossy = false;
    office.sync_with(&mut ot, &mut |_| {}).unwrap();
    let texts: Vec<String> = office
        .view(&job)
        .unwrap()
        .expediente
        .comments
        .into_iter()
        .map(|c| c.text)
        .collect();
    assert_eq!(
        texts,
        [
            "antes del respaldo",
            "después del respaldo",
            "con el servidor restaurado"
        ]
    );
    assert_eq!(office.view(&job).unwrap().heads, tablet.view(&job).unwrap().heads);
    // The negotiation ended: the next sync sends nothing.
    t.pushes.clear();
    tablet.sync_with(&mut t, &mut |_| {}).unwrap();
    assert!(
        t.pushes.is_empty(),
        "{:?}",
        t.pushes.iter().map(|p| &p.id).collect::<Vec<_>>()
    );
}
