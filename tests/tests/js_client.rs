//! Any Automerge client may edit an expediente. The official JavaScript library writes
//! strings as collaborative text by default; an expediente it edited opens in Brigada,
//! syncs to the server and reaches another device, and Brigada's own next edit on top of
//! it syncs too. The JavaScript side really runs (Node and `tests/js`, set up by
//! `make test`).

use std::path::Path;
use std::process::Command;

use brigada_scenarios::{new_job, server};
use brigada_sync::devices::Role;

fn edit_with_javascript(input: &[u8], dir: &Path, actor: &str) -> Vec<u8> {
    let js = Path::new(env!("CARGO_MANIFEST_DIR")).join("js");
    assert!(
        js.join("node_modules/@automerge/automerge").exists(),
        "tests/js has no node_modules: run `make test` (its bootstrap installs them)"
    );
    let (inp, out) = (dir.join("in.automerge"), dir.join("out.automerge"));
    std::fs::write(&inp, input).unwrap();
    let run = Command::new("node")
        .current_dir(&js)
        .arg("edit-expediente.mjs")
        .args([inp.as_os_str(), out.as_os_str(), actor.as_ref()])
        .output()
        .expect("node (Node.js) is needed");
    assert!(
        run.status.success(),
        "the JavaScript client failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    std::fs::read(&out).unwrap()
}

#[test]
fn an_expediente_edited_by_the_javascript_automerge_opens_and_syncs() {
    let srv = server();
    let mut ana = srv.device("Tablet 07", "Ana Karen", Role::Tecnico, "RT");
    let mut office = srv.device("Oficina 01", "Rosa Aguilar", Role::Oficina, "RT");
    let id = new_job(&mut ana.store, "P1");
    ana.sync().unwrap();
    let (_, bytes) = ana.store.document_bytes(&id).unwrap();

    // The other client works on Ana's tablet, so under her tablet's actor (the server
    // takes a device's changes only under its own actor).
    let actor = ana.store.author().actor.to_hex_string();
    let edited = edit_with_javascript(&bytes, ana.dir.path(), &actor);
    // Imported on Ana's tablet: the text reads as the strings it holds.
    let v = ana
        .store
        .merge_document(&edited)
        .expect("a document with collaborative text opens");
    assert_eq!(v.expediente.area, "Área: Urgencias Adultos, edificio B");
    let c = v
        .expediente
        .comments
        .iter()
        .find(|c| c.id == "js-0001")
        .expect("the JS comment");
    assert_eq!(c.text, "Revisado desde otro cliente de Automerge");
    assert_eq!(c.stamp.by, "Cliente JS");
    // The history names the tablet that owns the actor, not what the change says.
    let history = ana.store.history(&id).unwrap();
    assert!(
        history
            .iter()
            .any(|h| h.action == "comentario y área" && h.by == "Ana Karen" && h.proven)
    );

    // Synced back: the server takes it and the office sees it.
    ana.sync().expect("the edited expediente syncs");
    office.sync().unwrap();
    let seen = office.store.view(&id).expect("the office has it").expediente;
    assert_eq!(seen.area, "Área: Urgencias Adultos, edificio B");
    assert!(seen.comments.iter().any(|c| c.id == "js-0001"));

    // Brigada's own next edit, on top of the text, syncs as well.
    ana.store.comment(&id, "Visto en Brigada").unwrap();
    ana.sync().unwrap();
    office.sync().unwrap();
    let seen = office.store.view(&id).unwrap().expediente;
    assert!(seen.comments.iter().any(|c| c.text == "Visto en Brigada"));
    assert_eq!(seen.area, "Área: Urgencias Adultos, edificio B");
}
