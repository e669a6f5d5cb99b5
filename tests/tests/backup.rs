//! Backup and restore of a real server: the backup is taken while a tablet keeps syncing,
//! the server's disk "dies" after more work, the backup is restored on the same address,
//! and every device resyncs: nothing a device holds is lost, the photo arrives, tag ranges
//! handed out after the backup are never handed out again, and an enrolment code unused
//! at backup time (it may have been used since) no longer enrols.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use brigada_core::Store;
use brigada_core::sync::lend;
use brigada_scenarios::*;
use brigada_sync::devices::Role;

fn start(addr: &str, data: &std::path::Path) -> brigada_sync::Running {
    brigada_sync::spawn_with(addr, data, Default::default()).unwrap()
}

fn enrolled(server: &brigada_sync::Running, name: &str, person: &str, role: Role) -> (tempfile::TempDir, Store) {
    let (dir, mut store) = temp_store(name);
    let (_, code) = brigada_sync::add_device(server.storage.as_ref(), person, role, "RT").unwrap();
    lend::enroll(&RefCell::new(&mut store), &server.url(), Some(&code), None).unwrap();
    (dir, store)
}

#[test]
fn a_backup_taken_while_devices_sync_restores_and_every_device_resyncs_with_nothing_lost() {
    let live = tempfile::tempdir().unwrap();
    let restored = tempfile::tempdir().unwrap();
    let server = start("127.0.0.1:0", live.path());
    let addr = server.addr.to_string();
    let (_o, mut office) = enrolled(&server, "Oficina 01", "Lic. Rosa Aguilar", Role::Oficina);
    let (_a, mut ana) = enrolled(&server, "Tablet 07", "Ana Karen Hernández López", Role::Tecnico);
    let (_l, luis) = enrolled(&server, "Tablet 08", "Luis Ramírez Soto", Role::Tecnico);
    let (_, unused_code) =
        brigada_sync::add_device(server.storage.as_ref(), "Marta Díaz", Role::Tecnico, "RT").unwrap();
    let job = new_job(&mut ana, "P1");
    ana.comment(&job, "antes del respaldo").unwrap();
    ana.sync_now(&mut |_| {}).unwrap();
    let before = lend::request_tags(&RefCell::new(&mut office), 50).unwrap();

    // Luis keeps working and syncing while the backup is taken.
    let luis = Arc::new(Mutex::new(luis));
    let stop = Arc::new(AtomicBool::new(false));
    let worker = {
        let (luis, stop) = (luis.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut luis = luis.lock().unwrap();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) || n < 3 {
                let j = new_job(&mut luis, "P1");
                luis.comment(&j, &format!("trabajo {n}")).unwrap();
                luis.sync_now(&mut |_| {}).unwrap();
                n += 1;
            }
            n
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(150));
    let archive = live
        .path()
        .parent()
        .unwrap()
        .join(format!("respaldo-{}.tar", std::process::id()));
    let taken = brigada_sync::backup::backup(live.path(), &archive).unwrap();
    stop.store(true, Ordering::Relaxed);
    let luis_jobs = worker.join().unwrap();
    assert!(taken.documents >= 1, "{taken:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&archive).unwrap().permissions().mode() & 0o777, 0o600);
    }

    // After the backup: more comments, a new job with a photo, another tag range.
    ana.comment(&job, "después del respaldo").unwrap();
    let later = new_job(&mut ana, "P1");
    ana.attach_photo(&later, &small_png(), "Rack del site", None, false)
        .unwrap();
    ana.sync_now(&mut |_| {}).unwrap();
    let after = lend::request_tags(&RefCell::new(&mut office), 50).unwrap();
    office.sync_now(&mut |_| {}).unwrap();

    // The disk dies; the backup is restored on the same address.
    drop(server);
    let summary = brigada_sync::backup::restore(&archive, restored.path()).unwrap();
    assert_eq!(summary.devices, 4);
    let server = start(&addr, restored.path());

    // Every device syncs and notices; what the server lost comes back from the devices.
    let mut luis = Arc::try_unwrap(luis).ok().unwrap().into_inner().unwrap();
    // (A tablet that resyncs first offers its copies of a colleague's work too: those wait,
    // held, until the colleague's own tablet has delivered them.)
    for store in [&mut ana, &mut luis, &mut office] {
        let s = store.sync_now(&mut |_| {}).unwrap();
        assert!(s.server_restored, "the device noticed the restore");
    }
    for store in [&mut ana, &mut luis, &mut office] {
        let s = store.sync_now(&mut |_| {}).unwrap();
        assert!(!s.server_restored, "noticed once");
        assert!(store.held().unwrap().is_empty(), "{:?}", store.held().unwrap());
    }
    assert_eq!(
        comment_texts(&office, &job),
        ["antes del respaldo", "después del respaldo"]
    );
    let rows = office.list(&Default::default()).unwrap();
    assert_eq!(rows.len(), 2 + luis_jobs, "every expediente of every device is back");
    // The photo sent after the backup is uploaded again and reaches a new office device.
    let (_n, mut fresh) = enrolled(&server, "Oficina 02", "Lic. Jorge Pérez", Role::Oficina);
    fresh.sync_now(&mut |_| {}).unwrap();
    let photo = &fresh.view(&later).unwrap().expediente.photos[0];
    assert_eq!(fresh.blob(&photo.blob).unwrap(), ana.blob(&photo.blob).unwrap());
    assert_eq!(fresh.list(&Default::default()).unwrap().len(), 2 + luis_jobs);

    // Tag numbers handed out after the backup are never handed out again.
    let next = lend::request_tags(&RefCell::new(&mut fresh), 50).unwrap();
    for r in [before, after] {
        assert!(next.first > r.last || next.last < r.first, "{next:?} overlaps {r:?}");
    }

    // An enrolment code unused at backup time no longer enrols.
    let (_m, mut marta) = temp_store("Tablet 09");
    let e = lend::enroll(&RefCell::new(&mut marta), &server.url(), Some(&unused_code), None).unwrap_err();
    assert!(e.to_string().contains("código"), "{e}");
    std::fs::remove_file(&archive).unwrap();
}
