//! The office's view of the devices, against a real server: each tablet's last sync by
//! the server's clock, the ones silent for more than a day, and photos that reached the
//! server's documents but not its files — by the tablet that took them.

use std::cell::RefCell;

use brigada_core::Error;
use brigada_core::report::Page;
use brigada_core::sync::lend;
use brigada_core::time;
use brigada_scenarios::*;
use brigada_sync::devices::Role;

#[test]
fn the_office_sees_each_tablets_last_sync_and_the_photos_that_have_not_arrived() {
    let s = server();
    let mut ana = s.device("Tablet 07", "Ana", Role::Tecnico, "RT");
    let luis = s.device("Tablet 09", "Luis", Role::Tecnico, "RT");
    let mut office = s.device("Oficina 01", "Marta", Role::Oficina, "RT");
    let ana_code = ana.store.device().code.clone();
    let luis_code = luis.store.device().code.clone();

    // Ana photographs the installed node; her tablet sends the documents, and the network
    // drops before the photo goes.
    let job = new_job(&mut ana.store, "P1");
    ana.store.attach(&job, &small_png(), "Nodo instalado", None).unwrap();
    {
        let mut t = ana.transport();
        lend::documents(&RefCell::new(&mut ana.store), &mut t, &mut |_| {}).unwrap();
    }
    let before = time::now_ms();
    office.sync().unwrap();
    let now = time::now_ms();
    let d = office.store.devices_status(now).unwrap();
    assert!(d.seen_at.is_some_and(|t| t >= before));
    let line = |code: &str| d.devices.iter().find(|l| l.device_code == code).unwrap().clone();
    let a = line(&ana_code);
    assert_eq!((a.device_name.as_str(), a.person.as_str()), ("Tablet 07", "Ana"));
    assert!(a.last_sync_at.is_some_and(|t| t <= now) && !a.stale);
    assert_eq!(a.waiting, 1, "the photo Ana took has not arrived");
    let l = line(&luis_code);
    assert!(l.last_sync_at.is_none() && l.stale, "Luis's tablet never synced");
    assert_eq!((d.stale, d.waiting), (1, 1));
    assert_eq!(d.devices[0].device_code, luis_code, "the silent ones first");
    let (n, rows) = office.store.waiting_jobs(Page::ALL).unwrap();
    assert_eq!(n, 1);
    let waiting: Vec<String> = rows.into_iter().map(|r| r.id).collect();
    assert_eq!(waiting, std::slice::from_ref(&job));

    // A day and more later, Ana's tablet (and this office's) count as silent too.
    let later = office.store.devices_status(now + 25 * 3_600_000).unwrap();
    assert_eq!(later.stale, 3);

    // Ana's tablet sends the photo; after the office syncs, nothing is waiting.
    ana.sync().unwrap();
    office.sync().unwrap();
    let d = office.store.devices_status(time::now_ms()).unwrap();
    assert_eq!(d.waiting, 0);
    assert_eq!(office.store.waiting_jobs(Page::ALL).unwrap(), (0, vec![]));

    // The same figures reach the report's spreadsheet tables.
    let week =
        brigada_core::report::Period::new(brigada_core::report::today(), brigada_core::report::today(), None).unwrap();
    let (_, tables) = office
        .store
        .report_tables(&week, brigada_core::messages::Locale::Es)
        .unwrap();
    let sheet = tables.iter().find(|t| t.file == "dispositivos.csv").unwrap();
    assert_eq!(sheet.rows.len(), 3, "three enrolled devices");
}

#[test]
fn a_tablet_may_not_read_the_list_of_devices_and_a_tablets_sync_keeps_none() {
    let s = server();
    let mut ana = s.device("Tablet 07", "Ana", Role::Tecnico, "RT");
    match ana.transport().devices_seen() {
        Err(Error::Forbidden(_)) => {}
        other => panic!("a técnico's tablet read the device list: {other:?}"),
    }
    ana.sync().unwrap();
    let d = ana.store.devices_status(time::now_ms()).unwrap();
    assert!(d.seen_at.is_none() && d.devices.is_empty());
}

#[test]
fn a_stranger_or_a_revoked_office_device_cannot_read_the_list() {
    let s = server();
    let office = s.device("Oficina 01", "Marta", Role::Oficina, "RT");
    let url = s.running.url();
    let stranger = reqwest::blocking::get(format!("{url}/v1/devices")).unwrap().status();
    assert_eq!(stranger.as_u16(), 401, "no token, no list");
    assert!(office.transport().devices_seen().is_ok_and(|d| d.len() == 1));
    s.running.storage.revoke(&office.id, time::now_ms()).unwrap();
    assert!(office.transport().devices_seen().is_err(), "a revoked office device");
}
