//! SIGKILL of the server in the middle of a large sync batch, and of a device in the middle
//! of syncing: after restarting and syncing again nothing is lost and nothing duplicated.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use brigada_core::Store;
use brigada_core::sync::http::enroll;
use brigada_scenarios::*;
use brigada_sync::devices::Role;
use rand::Rng;

fn free_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().to_string()
}

fn start_server(addr: &str, data: &Path) -> Child {
    for _ in 0..50 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_scenario_server"))
            .args([addr, data.to_str().unwrap()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        if line.trim() == "ready" {
            return child;
        }
        // The port may still be held by the killed server for a moment.
        let _ = child.wait();
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the server did not start on {addr}");
}

fn enrolled(url: &str, data: &Path, name: &str, role: Role) -> (tempfile::TempDir, Store) {
    let (dir, mut store) = temp_store(name);
    let storage = brigada_sync::open_storage(data, None).unwrap();
    let (_, code) = brigada_sync::add_device(storage.as_ref(), name, role, "RT").unwrap();
    drop(storage);
    let resp = enroll(url, &store.enrol_request(code), None).unwrap();
    store.save_enrolment(url, &resp, None).unwrap();
    (dir, store)
}

fn sync_until_ok(store: &mut Store) {
    for _ in 0..100 {
        if store.sync_now(&mut |_| {}).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("sync never succeeded");
}

/// Every job the device created, with its comment count, as the office sees it.
fn check_office(office: &mut Store, jobs: &[String], comments: usize) {
    sync_until_ok(office);
    let rows = office
        .list(&brigada_core::store::index::Filter {
            limit: Some(10_000),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(rows.len(), jobs.len(), "every expediente arrived exactly once");
    for j in jobs {
        let e = office.view(j).unwrap().expediente;
        assert_eq!(e.comments.len(), comments, "{j}: comments lost or duplicated");
    }
}

#[test]
fn the_server_killed_mid_batch_loses_and_duplicates_nothing() {
    let data = tempfile::tempdir().unwrap();
    let addr = free_addr();
    let url = format!("http://{addr}");
    let mut server = start_server(&addr, data.path());
    let (_a, mut tablet) = enrolled(&url, data.path(), "Tablet 01", Role::Tecnico);
    let (_o, mut office) = enrolled(&url, data.path(), "Oficina 01", Role::Oficina);
    let jobs: Vec<String> = (0..400).map(|_| new_job(&mut tablet, "P1")).collect();
    for j in &jobs {
        tablet.comment(j, "uno").unwrap();
    }
    let mut rng = rand::thread_rng();
    let home = tablet.home().to_owned();
    drop(tablet);
    for round in 0..4 {
        // The device syncs in its own thread while the server dies under it.
        let h = home.clone();
        let worker = std::thread::spawn(move || {
            let mut s = Store::open(&h, PASS).unwrap();
            let _ = s.sync_now(&mut |_| {});
        });
        std::thread::sleep(Duration::from_millis(rng.gen_range(5..120)));
        server.kill().unwrap();
        server.wait().unwrap();
        worker.join().unwrap();
        server = start_server(&addr, data.path());
        let _ = round;
    }
    let mut tablet = Store::open(&home, PASS).unwrap();
    sync_until_ok(&mut tablet);
    check_office(&mut office, &jobs, 1);
    server.kill().unwrap();
    server.wait().unwrap();
}

#[test]
fn a_device_killed_mid_sync_loses_and_duplicates_nothing() {
    let data = tempfile::tempdir().unwrap();
    let addr = free_addr();
    let url = format!("http://{addr}");
    let mut server = start_server(&addr, data.path());
    let (_a, tablet) = enrolled(&url, data.path(), "Tablet 01", Role::Tecnico);
    let (_o, mut office) = enrolled(&url, data.path(), "Oficina 01", Role::Oficina);
    let mut jobs: Vec<String> = Vec::new();
    let home = tablet.home().to_owned();
    drop(tablet);
    let mut rng = rand::thread_rng();
    for round in 0..6 {
        let mut tablet = Store::open(&home, PASS).unwrap();
        for _ in 0..60 {
            let j = new_job(&mut tablet, "P1");
            tablet.comment(&j, "uno").unwrap();
            jobs.push(j);
        }
        drop(tablet);
        let mut child = Command::new(env!("CARGO_BIN_EXE_sync_worker"))
            .arg(&home)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(rng.gen_range(5..150)));
        child.kill().unwrap();
        child.wait().unwrap();
        let _ = round;
    }
    let mut tablet = Store::open(&home, PASS).unwrap();
    sync_until_ok(&mut tablet);
    check_office(&mut office, &jobs, 1);
    server.kill().unwrap();
    server.wait().unwrap();
}
