//! Several brigada-sync instances over one PostgreSQL database (issue 14): the change feed
//! never lets a cursor pass a change that commits late, edits to one expediente through
//! two instances merge without loss, and revocation and tag ranges hold across instances.
//! PostgreSQL from Debian's packages, started by the tests ([`brigada_scenarios::pg`]).

use std::time::Duration;

use brigada_scenarios::*;
use brigada_sync::devices::Role;

fn two_instances() -> (Server, Server, String) {
    let db = pg::database();
    let a = server_on(Some(db.clone()), Default::default());
    let b = server_on(Some(db.clone()), Default::default());
    (a, b, db)
}

/// An instance over `db` keeping photos in `bucket`.
fn on_bucket(db: String, bucket: &str) -> Server {
    server_over(Some(db), Some(bucket.to_owned()), s3::settings(), Default::default())
}

/// A new office device enrolled with a server started on its own (not a [`Server`]).
fn office_of(server: &brigada_sync::Running) -> (tempfile::TempDir, brigada_core::Store) {
    let (dir, mut store) = temp_store("Oficina 2");
    let (_, code) = brigada_sync::add_device(server.storage.as_ref(), "Eva Soto", Role::Oficina, "").unwrap();
    brigada_core::sync::lend::enroll(&std::cell::RefCell::new(&mut store), &server.url(), Some(&code), None).unwrap();
    (dir, store)
}

fn sql(db: &str, statements: &str) {
    let mut c = postgres::Client::connect(db, postgres::NoTls).expect("connect to the test database");
    c.batch_execute(statements).expect("run SQL on the test database");
}

fn holds(d: &Device, id: &str) -> bool {
    d.store.view(id).is_ok()
}

#[test]
fn a_change_that_commits_late_is_not_passed_by_any_cursor() {
    let (a, b, db) = two_instances();
    let mut slow = a.device("Tablet 01", "Ana Hernández", Role::Tecnico, "RT");
    let mut fast = b.device("Tablet 02", "Beto Ruiz", Role::Tecnico, "RT");
    let mut office = a.device("Oficina", "Carla Méndez", Role::Oficina, "");
    // The slow tablet's exchange takes its place in the feed, then waits 4 s before it
    // commits (a trigger on the feed position, as a slow disk or a long transaction would).
    sql(
        &db,
        &format!(
            "CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN PERFORM pg_sleep(4); RETURN NEW; END $$;
             CREATE TRIGGER slow_commit AFTER UPDATE OF feed_seq ON docs FOR EACH ROW
             WHEN (NEW.creator_device = '{}' AND NEW.feed_seq IS NOT NULL) EXECUTE FUNCTION slow_commit();",
            slow.id
        ),
    );
    let slow_job = new_job(&mut slow.store, "P1");
    let fast_job = new_job(&mut fast.store, "P1");
    let slow_sync = std::thread::spawn(move || {
        let s = slow.sync().expect("the slow tablet syncs");
        assert!(s.held.is_empty(), "{:?}", s.held);
        slow
    });
    // Once the slow exchange holds its position (asleep in the trigger), another tablet,
    // through the other instance, stores its job.
    let mut watch = postgres::Client::connect(&db, postgres::NoTls).unwrap();
    let started = std::time::Instant::now();
    while watch
        .query_opt("SELECT 1 FROM pg_stat_activity WHERE wait_event = 'PgSleep'", &[])
        .unwrap()
        .is_none()
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the slow exchange never reached its commit"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let fast_sync = std::thread::spawn(move || {
        let s = fast.sync().expect("the other tablet syncs");
        assert!(s.held.is_empty(), "{:?}", s.held);
        fast
    });
    std::thread::sleep(Duration::from_millis(1000));
    // The office reads the feed while the slow change is still uncommitted: whatever it
    // sees, it must not see a later change without the earlier one.
    office.sync_via(&b).expect("the office syncs mid-way");
    assert!(
        !holds(&office, &fast_job) || holds(&office, &slow_job),
        "the office's cursor passed a change that had not committed yet"
    );
    let _slow = slow_sync.join().unwrap();
    let _fast = fast_sync.join().unwrap();
    // From the cursor it was given, the office now receives both.
    office.sync().unwrap();
    assert!(holds(&office, &slow_job), "the late change was skipped");
    assert!(holds(&office, &fast_job));
}

#[test]
fn two_offices_editing_one_job_through_two_instances_lose_nothing() {
    let (a, b, _db) = two_instances();
    let mut uno = a.device("Oficina 1", "Carla Méndez", Role::Oficina, "");
    let mut dos = b.device("Oficina 2", "Dora Luna", Role::Oficina, "");
    let job = new_job(&mut uno.store, "P1");
    uno.sync().unwrap();
    dos.sync().unwrap();
    assert!(holds(&dos, &job));
    // Both add comments and sync at once, each through its own instance: enough rounds
    // that the server folds the document's changes into its snapshot at least once.
    const ROUNDS: usize = 40;
    let edit = |mut d: Device, who: &'static str, job: String| {
        std::thread::spawn(move || {
            for i in 0..ROUNDS {
                d.store.comment(&job, &format!("{who} {i}")).unwrap();
                d.sync().unwrap_or_else(|e| panic!("{who} round {i}: {e}"));
            }
            d
        })
    };
    let h1 = edit(uno, "uno", job.clone());
    let h2 = edit(dos, "dos", job.clone());
    let mut uno = h1.join().unwrap();
    let mut dos = h2.join().unwrap();
    for _ in 0..2 {
        uno.sync().unwrap();
        dos.sync().unwrap();
    }
    let mut third = b.device("Oficina 3", "Eva Soto", Role::Oficina, "");
    third.sync_via(&a).unwrap();
    let texts = comment_texts(&uno.store, &job);
    for who in ["uno", "dos"] {
        for i in 0..ROUNDS {
            let c = format!("{who} {i}");
            assert!(texts.contains(&c), "{c} was lost");
        }
    }
    assert_eq!(comment_texts(&dos.store, &job), texts);
    assert_eq!(comment_texts(&third.store, &job), texts);
}

#[test]
fn a_device_revoked_through_one_instance_is_refused_by_the_other_at_once() {
    let (a, b, _db) = two_instances();
    let mut tab = a.device("Tablet 03", "Ana Hernández", Role::Tecnico, "RT");
    tab.sync_via(&b)
        .expect("enrolled through one instance, it syncs through the other");
    assert!(a.running.storage.revoke(&tab.id, 1).unwrap());
    let e = tab.sync_via(&b).unwrap_err();
    assert!(e.to_string().to_lowercase().contains("revoc"), "{e}");
}

#[test]
fn tag_ranges_taken_at_once_through_two_instances_never_overlap() {
    let (a, b, _db) = two_instances();
    let oficina = a.device("Oficina", "Carla Méndez", Role::Oficina, "");
    let device = a
        .running
        .storage
        .devices()
        .unwrap()
        .into_iter()
        .find(|d| d.id == oficina.id)
        .unwrap();
    let threads: Vec<_> = [&a, &b]
        .iter()
        .flat_map(|s| (0..6).map(|_| s.running.storage.clone()))
        .map(|storage| {
            let device = device.clone();
            std::thread::spawn(move || {
                (0..5)
                    .map(|_| storage.allocate_tags(&device, 30, 1).unwrap())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut ranges: Vec<_> = threads.into_iter().flat_map(|t| t.join().unwrap()).collect();
    ranges.sort_by_key(|r| r.first);
    assert_eq!(ranges.len(), 60);
    for pair in ranges.windows(2) {
        assert!(pair[0].last < pair[1].first, "{:?} overlaps {:?}", pair[0], pair[1]);
    }
}

/// `scenario_server` on `addr` over `db`, in its own process (to be killed with SIGKILL).
fn instance(addr: &str, data: &std::path::Path, db: &str) -> std::process::Child {
    instance_with_clock(addr, data, db, None)
}

/// [`instance`], its clock moved by `offset` (faketime's `-2d`) when given.
fn instance_with_clock(addr: &str, data: &std::path::Path, db: &str, offset: Option<&str>) -> std::process::Child {
    use std::io::BufRead;
    for _ in 0..50 {
        let server = env!("CARGO_BIN_EXE_scenario_server");
        let mut command = match offset {
            Some(offset) => {
                assert!(
                    std::process::Command::new("faketime").arg("--version").output().is_ok(),
                    "faketime is not installed: apt install faketime (make test's bootstrap does)"
                );
                let mut c = std::process::Command::new("faketime");
                // Timers keep the real monotonic clock: only the time of day is wrong.
                c.args(["-f", offset, server]).env("FAKETIME_DONT_FAKE_MONOTONIC", "1");
                c
            }
            None => std::process::Command::new(server),
        };
        let mut child = command
            .args([addr, data.to_str().unwrap(), db])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        if line.trim() == "ready" {
            return child;
        }
        // The port may still be held by the killed instance for a moment.
        let _ = child.wait();
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the instance did not start on {addr}");
}

fn free_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().to_string()
}

/// One sync through `url`; devices reach whichever instance the balancer picks.
fn sync_through(store: &mut brigada_core::Store, url: &str) -> brigada_core::Result<()> {
    let token = store.sync_setting("token")?.unwrap_or_default();
    let mut t = brigada_core::sync::http::HttpTransport::new(url, &token, None)?;
    store.sync_with(&mut t, &mut |_| {}).map(|_| ())
}

/// Sync until one whole sync succeeds, moving to the next instance after each failure.
fn sync_somewhere(store: &mut brigada_core::Store, urls: &[String], start: usize) {
    for attempt in 0..200 {
        if sync_through(store, &urls[(start + attempt) % urls.len()]).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("no instance took the sync");
}

fn job_ids(store: &brigada_core::Store) -> Vec<String> {
    let mut ids: Vec<String> = store
        .list(&brigada_core::store::index::Filter {
            limit: Some(10_000),
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    ids.sort();
    ids
}

#[test]
fn three_instances_one_killed_mid_batch_every_device_converges() {
    let db = pg::database();
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let addrs: Vec<String> = (0..3).map(|_| free_addr()).collect();
    let urls: Vec<String> = addrs.iter().map(|a| format!("http://{a}")).collect();
    let mut instances: Vec<std::process::Child> = (0..3).map(|i| instance(&addrs[i], dirs[i].path(), &db)).collect();
    let storage = brigada_sync::open_storage(dirs[0].path(), Some(&db)).unwrap();
    let enrol = |name: &str, role: Role, via: &str| {
        let (dir, mut store) = temp_store(name);
        let (_, code) = brigada_sync::add_device(storage.as_ref(), name, role, "RT").unwrap();
        let resp = brigada_core::sync::http::enroll(via, &store.enrol_request(code), None).unwrap();
        store.save_enrolment(via, &resp, None).unwrap();
        (dir, store)
    };
    // Six tablets enrolled through the three instances, each with 40 new jobs.
    let mut tablets = Vec::new();
    let mut jobs = Vec::new();
    for i in 0..6 {
        let (dir, mut store) = enrol(&format!("Tablet {i:02}"), Role::Tecnico, &urls[i % 3]);
        for _ in 0..40 {
            let j = new_job(&mut store, "P1");
            store.comment(&j, "uno").unwrap();
            jobs.push(j);
        }
        tablets.push((dir, store));
    }
    jobs.sort();
    let (_office_dir, mut office) = enrol("Oficina", Role::Oficina, &urls[1]);
    // Everyone syncs at once, each request to the next instance in turn, while one
    // instance is killed in the middle of the batch and started again.
    let workers: Vec<_> = tablets
        .into_iter()
        .enumerate()
        .map(|(i, (dir, mut store))| {
            let urls = urls.clone();
            std::thread::spawn(move || {
                for round in 0..4 {
                    let _ = sync_through(&mut store, &urls[(i + round) % 3]);
                }
                (dir, store)
            })
        })
        .collect();
    let office_urls = urls.clone();
    let office_worker = std::thread::spawn(move || {
        for round in 0..6 {
            let _ = sync_through(&mut office, &office_urls[round % 3]);
            std::thread::sleep(Duration::from_millis(100));
        }
        office
    });
    // Killed while it serves: as soon as a request is open on it, a moment into it.
    let started = std::time::Instant::now();
    while open_connections(instances[0].id()) == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no request reached the first instance"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    std::thread::sleep(Duration::from_millis(rand::random::<u64>() % 40));
    instances[0].kill().unwrap();
    instances[0].wait().unwrap();
    instances[0] = instance(&addrs[0], dirs[0].path(), &db);
    let mut tablets: Vec<_> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    let mut office = office_worker.join().unwrap();
    // Then each syncs until it succeeds, twice (the second brings what others sent last).
    for _ in 0..2 {
        for (i, (_, store)) in tablets.iter_mut().enumerate() {
            sync_somewhere(store, &urls, i);
        }
    }
    sync_somewhere(&mut office, &urls, 0);
    // Nothing lost, nothing duplicated, on every device (all in sección RT: they see all).
    assert_eq!(job_ids(&office), jobs, "the office holds every job exactly once");
    for j in &jobs {
        assert_eq!(comment_texts(&office, j), vec!["uno".to_owned()], "{j}");
    }
    for (_, store) in &tablets {
        assert_eq!(job_ids(store), jobs, "every tablet converged");
    }
    let mut c = postgres::Client::connect(&db, postgres::NoTls).unwrap();
    let stored: i64 = c
        .query_one("SELECT count(*) FROM docs WHERE kind = 'expediente'", &[])
        .unwrap()
        .get(0);
    assert_eq!(stored as usize, jobs.len());
    for mut i in instances {
        i.kill().unwrap();
        i.wait().unwrap();
    }
}

/// A server on `addr` (the address a stopped one had: devices keep their settings).
fn server_at(addr: std::net::SocketAddr, data: &std::path::Path, db: &str, bucket: &str) -> brigada_sync::Running {
    for _ in 0..50 {
        let options = brigada_sync::Options {
            database: Some(db.to_owned()),
            blobs: Some(bucket.to_owned()),
            blob_settings: s3::settings(),
            ..Default::default()
        };
        if let Ok(r) = brigada_sync::spawn_with(&addr.to_string(), data, options) {
            return r;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("cannot listen on {addr} again");
}

#[test]
fn a_deployment_moves_from_the_embedded_database_and_devices_go_on() {
    use brigada_sync::storage::postgres::PgStorage;
    let s = server();
    let addr = s.running.addr;
    let mut tablet = s.device("Tablet 01", "Ana Hernández", Role::Tecnico, "RT");
    let mut office = s.device("Oficina", "Carla Méndez", Role::Oficina, "");
    // A week of work: jobs with photos and signatures, tags taken by the office.
    let mut jobs = Vec::new();
    let path: Vec<(String, Option<String>)> = all_paths("P1").remove(0);
    let steps: Vec<(&str, Option<&str>)> = path.iter().map(|(s, a)| (s.as_str(), a.as_deref())).collect();
    for i in 0..4 {
        let j = new_job(&mut tablet.store, "P1");
        let photo = brigada_core::qr::encode_png(&format!("foto {i}"), 2).unwrap();
        tablet.store.attach(&j, &photo, "evidencia", None).unwrap();
        drive(&mut tablet.store, &j, &steps).unwrap();
        jobs.push(j);
    }
    tablet.sync().unwrap();
    office.sync().unwrap();
    let tags = brigada_core::sync::lend::take_tags(&std::cell::RefCell::new(&mut office.store), 30).unwrap();
    let data = s.stop();

    let db = pg::database();
    let target = PgStorage::open(&db).unwrap();
    let moved = target.import(data.path()).unwrap();
    assert_eq!(moved.devices, 2);
    assert_eq!(moved.documents, 4);
    assert!(moved.tag_ranges >= 1);
    assert!(moved.blobs >= 4, "{moved:?}");
    assert!(moved.seals >= 4, "{moved:?}");
    assert!(!moved.already);
    // Safe to run again: nothing written, verified again.
    let again = target.import(data.path()).unwrap();
    assert!(again.already);
    assert_eq!(again.documents, moved.documents);
    drop(target);
    // The photos go to a bucket, each read back.
    let bucket = s3::bucket();
    let blobs = brigada_sync::open_blobs(data.path(), Some(&bucket), &s3::settings()).unwrap();
    let copied = brigada_sync::storage::blobs::copy_folder(data.path(), blobs.as_ref()).unwrap();
    assert_eq!(copied, moved.blobs);
    assert_eq!(
        brigada_sync::storage::blobs::copy_folder(data.path(), blobs.as_ref()).unwrap(),
        copied,
        "copying again finds them there"
    );
    // The data folder's photos are no longer needed: the bucket serves them.
    std::fs::remove_dir_all(data.path().join("blobs")).unwrap();

    // The server comes back on PostgreSQL and the bucket, at the same address.
    let pg = server_at(addr, data.path(), &db, &bucket);
    // Devices go on with their tokens and cursors: nothing is sent again.
    let t = tablet.sync().unwrap();
    assert_eq!(t.progress.docs_received, 0, "the tablet's cursor still holds");
    tablet.store.comment(&jobs[0], "después del traslado").unwrap();
    tablet.sync().unwrap();
    let o = office.sync().unwrap();
    assert_eq!(o.progress.docs_received, 1, "only the new change reaches the office");
    assert!(comment_texts(&office.store, &jobs[0]).contains(&"después del traslado".to_owned()));
    // A tablet enrolled after the move receives every job and its photos, from the bucket.
    let (_dir, mut newcomer) = office_of(&pg);
    newcomer.sync_now(&mut |_| {}).unwrap();
    assert!(newcomer.pending_blobs().unwrap().is_empty());
    for j in &jobs {
        for p in newcomer.view(j).unwrap().expediente.photos {
            assert_eq!(newcomer.blob(&p.blob).unwrap(), tablet.store.blob(&p.blob).unwrap());
        }
    }
    // New tags continue after the ones taken before the move.
    let more = brigada_core::sync::lend::take_tags(&std::cell::RefCell::new(&mut office.store), 200).unwrap();
    assert!(more.iter().all(|t| !tags.contains(t)), "a tag was handed out twice");
}

#[test]
fn a_move_into_a_database_holding_another_deployment_is_refused_and_changes_nothing() {
    use brigada_sync::storage::Storage;
    use brigada_sync::storage::postgres::PgStorage;
    let db = pg::database();
    let other = server_on(Some(db.clone()), Default::default());
    let _someone = other.device("Tablet 09", "Otro Hospital", Role::Tecnico, "RT");
    drop(other);
    let s = server();
    let _ana = s.device("Tablet 01", "Ana Hernández", Role::Tecnico, "RT");
    let data = s.stop();
    let target = PgStorage::open(&db).unwrap();
    let e = target.import(data.path()).unwrap_err().to_string();
    assert!(e.contains("already holds records"), "{e}");
    assert_eq!(target.devices().unwrap().len(), 1, "nothing was moved");
}

#[test]
fn a_photo_sent_through_one_instance_is_fetched_through_another_from_the_bucket() {
    let db = pg::database();
    let bucket = s3::bucket();
    let a = on_bucket(db.clone(), &bucket);
    let b = on_bucket(db, &bucket);
    let mut tablet = a.device("Tablet 01", "Ana Hernández", Role::Tecnico, "RT");
    let mut office = b.device("Oficina", "Carla Méndez", Role::Oficina, "");
    let job = new_job(&mut tablet.store, "P1");
    let photo = brigada_core::qr::encode_png("canaleta del pasillo norte", 8).unwrap();
    let h = tablet.store.attach(&job, &photo, "canaleta", None).unwrap();
    let sent = tablet.sync().unwrap();
    assert!(sent.blobs.uploaded >= 1, "{:?}", sent.blobs);
    // Nothing of it in either instance's folder: the bucket holds it.
    for s in [&a, &b] {
        let files = walk(&s.data().join("blobs"));
        assert!(files.iter().all(|f| !f.ends_with(&h)), "{files:?}");
    }
    let got = office.sync().unwrap();
    assert!(got.blobs.downloaded >= 1, "{:?}", got.blobs);
    assert_eq!(office.store.blob(&h).unwrap(), tablet.store.blob(&h).unwrap());
    assert!(office.store.pending_blobs().unwrap().is_empty());
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path().display().to_string());
        }
    }
    out
}

#[test]
fn an_upload_goes_on_through_another_instance_and_a_bad_one_leaves_nothing_behind() {
    use brigada_core::sync::blobs::{BlobTransport, CHUNK};
    let db = pg::database();
    let bucket = s3::bucket();
    let a = on_bucket(db.clone(), &bucket);
    let b = on_bucket(db, &bucket);
    let mut tablet = a.device("Tablet 01", "Ana Hernández", Role::Tecnico, "RT");
    let job = new_job(&mut tablet.store, "P1");
    let h = tablet.store.attach(&job, &big_photo(2048), "grande", None).unwrap();
    let photo = tablet.store.blob(&h).unwrap();
    assert!(photo.len() > 2 * CHUNK, "the photo spans three chunks or more");
    let len = photo.len() as u64;
    let mut ta = tablet.transport();
    tablet.store.sync_with(&mut ta, &mut |_| {}).unwrap();
    let token = tablet.store.sync_setting("token").unwrap().unwrap();
    let mut tb = brigada_core::sync::http::HttpTransport::new(&b.running.url(), &token, None).unwrap();
    // The first chunk through one instance, the second through the other.
    assert!(!ta.blob_upload(&h, 0, len, &photo[..CHUNK]).unwrap());
    assert!(!tb.blob_upload(&h, CHUNK as u64, len, &photo[CHUNK..2 * CHUNK]).unwrap());
    assert_eq!(
        s3::keys(&bucket, "brigada/partial/").len(),
        2,
        "each chunk kept in the bucket"
    );
    // A small piece that is not the last is refused (a bucket keeps each as an object).
    let e = tb
        .blob_upload(&h, 2 * CHUNK as u64, len, &photo[2 * CHUNK..2 * CHUNK + 100])
        .unwrap_err();
    assert!(e.to_string().contains("al menos"), "{e}");
    // The rest, a chunk at a time, through one and the other: whole once the last is in.
    let starts: Vec<usize> = (2 * CHUNK..photo.len()).step_by(CHUNK).collect();
    for (i, &from) in starts.iter().enumerate() {
        let piece = &photo[from..(from + CHUNK).min(photo.len())];
        let t = if i % 2 == 0 { &mut ta } else { &mut tb };
        let whole = t.blob_upload(&h, from as u64, len, piece).unwrap();
        assert_eq!(whole, i + 1 == starts.len());
    }
    let mut got = Vec::new();
    tb.blob_download(&h, 0, &mut |piece| {
        got.extend_from_slice(piece);
        Ok(())
    })
    .unwrap();
    assert_eq!(got, photo);
    assert!(s3::keys(&bucket, "brigada/partial/").is_empty(), "the chunks are gone");
    // Bytes that do not match their name are refused, and leave nothing behind.
    let small = tablet.store.attach(&job, &small_png(), "nodo", None).unwrap();
    tablet.store.sync_with(&mut ta, &mut |_| {}).unwrap();
    let mut bad = tablet.store.blob(&small).unwrap();
    bad[10] ^= 0xff;
    let e = tb.blob_upload(&small, 0, bad.len() as u64, &bad).unwrap_err();
    assert!(e.to_string().contains("SHA-256"), "{e}");
    assert!(s3::keys(&bucket, "brigada/partial/").is_empty());
    assert!(s3::keys(&bucket, &format!("brigada/blobs/{}/{small}", &small[..2])).is_empty());
    // So are those of a blob past one part of a multipart upload (5 MiB; a photo the
    // tablet takes is smaller, a device may send any blob its expedientes name), its last
    // chunk altered: the upload is abandoned, never put in place.
    let mut large = big_photo(2048);
    large.extend_from_slice(&big_photo(1024));
    let big = tablet.store.put_blob(&large, "image/png").unwrap();
    let own = tablet.store.author().actor;
    raw_edit(&mut tablet.store, &job, own, |e| {
        let mut copy = e.photos[0].clone();
        copy.id = "grande-2".into();
        copy.blob = big.clone();
        copy.thumb = None;
        e.photos.push(copy);
    });
    tablet.store.sync_with(&mut ta, &mut |_| {}).unwrap();
    let mut bad = tablet.store.blob(&big).unwrap();
    assert!(bad.len() > 5 * 1024 * 1024, "{} bytes", bad.len());
    let last = bad.len() - 1;
    bad[last] ^= 0xff;
    let len = bad.len() as u64;
    let starts: Vec<usize> = (0..bad.len()).step_by(CHUNK).collect();
    for &from in &starts[..starts.len() - 1] {
        assert!(
            !ta.blob_upload(&big, from as u64, len, &bad[from..from + CHUNK])
                .unwrap()
        );
    }
    let from = starts[starts.len() - 1];
    let e = tb.blob_upload(&big, from as u64, len, &bad[from..]).unwrap_err();
    assert!(e.to_string().contains("SHA-256"), "{e}");
    assert!(s3::keys(&bucket, "brigada/partial/").is_empty());
    assert!(s3::keys(&bucket, &format!("brigada/blobs/{}/{big}", &big[..2])).is_empty());
    // Nor an unfinished multipart upload (one left on purpose shows the listing works).
    s3::begin_upload(&bucket, "otra/cosa");
    assert_eq!(s3::unfinished_uploads(&bucket), ["otra/cosa"]);
    // Sent right, it is put together part by part and arrives whole.
    for (i, &from) in starts.iter().enumerate() {
        let piece = &large[from..(from + CHUNK).min(large.len())];
        assert_eq!(
            ta.blob_upload(&big, from as u64, len, piece).unwrap(),
            i + 1 == starts.len()
        );
    }
    let mut got = Vec::new();
    tb.blob_download(&big, 0, &mut |piece| {
        got.extend_from_slice(piece);
        Ok(())
    })
    .unwrap();
    assert!(got == large, "the blob read back differs");
    assert!(s3::keys(&bucket, "brigada/partial/").is_empty());
}

#[test]
fn a_deployment_on_postgresql_and_a_bucket_is_backed_up_and_restored_with_its_photos() {
    use brigada_sync::storage::postgres::PgStorage;
    let db = pg::database();
    let bucket = s3::bucket();
    let s = on_bucket(db.clone(), &bucket);
    let addr = s.running.addr;
    let mut tablet = s.device("Tablet 01", "Ana Hernández", Role::Tecnico, "RT");
    let mut office = s.device("Oficina", "Carla Méndez", Role::Oficina, "");
    let job = new_job(&mut tablet.store, "P1");
    let h = tablet.store.attach(&job, &big_photo(400), "canaleta", None).unwrap();
    tablet.sync().unwrap();
    office.sync().unwrap();
    // The backup, while the server runs: records from PostgreSQL, photos from the bucket.
    let files = tempfile::tempdir().unwrap();
    let archive = files.path().join("respaldo.tar");
    let blobs = brigada_sync::open_blobs(s.data(), Some(&bucket), &s3::settings()).unwrap();
    let taken =
        brigada_sync::backup::backup_database(&PgStorage::open(&db).unwrap(), blobs.as_ref(), s.data(), &archive)
            .unwrap();
    assert_eq!(taken.documents, 1);
    assert_eq!(taken.devices, 2);
    assert!(taken.blobs >= 2, "the photo and its thumbnail: {taken:?}");
    // Work done after the backup, then the database and the bucket are lost.
    tablet.store.comment(&job, "después del respaldo").unwrap();
    tablet.sync().unwrap();
    drop(s.stop());
    // Restored into a new database and a new bucket, served at the same address.
    let (db2, bucket2) = (pg::database(), s3::bucket());
    let data2 = tempfile::tempdir().unwrap();
    brigada_sync::backup::restore(&archive, data2.path()).unwrap();
    let blobs2 = brigada_sync::open_blobs(data2.path(), Some(&bucket2), &s3::settings()).unwrap();
    brigada_sync::storage::blobs::copy_folder(data2.path(), blobs2.as_ref()).unwrap();
    PgStorage::open(&db2).unwrap().import(data2.path()).unwrap();
    let restored = server_at(addr, data2.path(), &db2, &bucket2);
    // The tablet notices the restore and sends again what it holds; the office gets the
    // work done after the backup.
    let t = tablet.sync().unwrap();
    assert!(t.server_restored, "{t:?}");
    tablet.sync().unwrap();
    office.sync().unwrap();
    assert!(comment_texts(&office.store, &job).contains(&"después del respaldo".to_owned()));
    // A device enrolled now receives the photo from the new bucket.
    let (_dir, mut newcomer) = office_of(&restored);
    newcomer.sync_now(&mut |_| {}).unwrap();
    assert_eq!(newcomer.blob(&h).unwrap(), tablet.store.blob(&h).unwrap());
}

/// An instance whose clock is two days behind: what it stamps — the enrolment, the last
/// sync, and when the server first received a signature (its witness that a seal existed
/// then) — is the database's time, so a wrong clock on one instance cannot backdate them.
#[test]
fn an_instance_with_a_wrong_clock_stamps_by_the_databases() {
    let db = pg::database();
    let dir = tempfile::tempdir().unwrap();
    let addr = free_addr();
    let mut behind = instance_with_clock(&addr, dir.path(), &db, Some("-2d"));
    let url = format!("http://{addr}");
    let storage = brigada_sync::open_storage(dir.path(), Some(&db)).unwrap();
    let (_home, mut store) = temp_store("Tablet 01");
    let (device, code) = brigada_sync::add_device(storage.as_ref(), "Ana", Role::Tecnico, "RT").unwrap();
    let resp = brigada_core::sync::http::enroll(&url, &store.enrol_request(code), None).unwrap();
    store.save_enrolment(&url, &resp, None).unwrap();
    let job = new_job(&mut store, "P1");
    store
        .sign(&job, "conformidad", "Dra. Elena Ruiz", strokes(), None)
        .unwrap();
    sync_through(&mut store, &url).unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let near = |t: i64| (t - now).abs() < 60_000;
    // The instance's clock really is two days behind: the date on its answers (here a
    // refusal: no token) says so.
    let answer = reqwest::blocking::get(format!("{url}/v1/keys")).unwrap();
    let date = answer.headers()[reqwest::header::DATE].to_str().unwrap().to_owned();
    let its_time = chrono::DateTime::parse_from_rfc2822(&date).unwrap().timestamp_millis();
    let _ = behind.kill();
    let _ = behind.wait();
    assert!(
        (now - its_time - 2 * 86_400_000).abs() < 60_000,
        "the instance says {date}"
    );
    let seen = storage.seals(0, 10).unwrap();
    assert_eq!(seen.len(), 1);
    assert!(
        near(seen[0].first_seen),
        "witnessed at {} by a clock 2 days behind (now {now})",
        seen[0].first_seen
    );
    let d = storage
        .devices()
        .unwrap()
        .into_iter()
        .find(|d| d.id == device.id)
        .unwrap();
    assert!(d.enrolled_at.is_some_and(near), "enrolled at {:?}", d.enrolled_at);
    assert!(d.last_sync_at.is_some_and(near), "last sync at {:?}", d.last_sync_at);
}
