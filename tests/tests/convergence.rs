//! Replicas that edit the same expediente offline converge, lose nothing, and report
//! contradictory decisions as conflicts.

use brigada_core::messages::Locale::En;
use std::collections::BTreeSet;

use brigada_core::Store;
use brigada_scenarios::*;
use proptest::prelude::*;

fn exchange(stores: &mut [&mut Store], id: &str) {
    let docs: Vec<Vec<u8>> = stores.iter().map(|s| s.document_bytes(id).unwrap().1).collect();
    for s in stores.iter_mut() {
        for d in &docs {
            s.merge_document(d).unwrap();
        }
    }
}

/// Everything that must survive a merge, by id.
fn ids(s: &Store, id: &str) -> BTreeSet<String> {
    let e = s.view(id).unwrap().expediente;
    e.log
        .iter()
        .map(|x| format!("log:{}", x.id))
        .chain(e.photos.iter().map(|x| format!("photo:{}", x.id)))
        .chain(e.signatures.iter().map(|x| format!("sig:{}", x.id)))
        .chain(e.materials.iter().map(|x| format!("mat:{}", x.id)))
        .chain(e.comments.iter().map(|x| format!("comment:{}", x.id)))
        .collect()
}

#[test]
fn contradictory_decisions_on_two_devices_are_a_conflict_until_resolved() {
    let (_a, mut a) = temp_store("Tablet 01");
    let (_b, mut b) = temp_store("Tablet 02");
    let job = new_job(&mut a, "P1");
    drive(&mut a, &job, &[("1", None), ("2", None)]).unwrap();
    satisfy(&mut a, &job, "3").unwrap();
    b.merge_document(&a.document_bytes(&job).unwrap().1).unwrap();
    // Offline: A says viable, B says not viable; B also takes a photo, A signs.
    a.record_step(&job, "3", Some("si"), None).unwrap();
    b.record_step(&job, "3", Some("no"), Some("No hay canalización"))
        .unwrap();
    b.attach(&job, &small_png(), "sin canalización", Some("3")).unwrap();
    a.sign(&job, "tecnico", "Ing. A", strokes(), Some("3")).unwrap();
    exchange(&mut [&mut a, &mut b], &job);
    for s in [&a, &b] {
        let v = s.view(&job).unwrap();
        assert_eq!(v.status.state, "conflicto");
        let c = &v.status.conflicts[0];
        assert_eq!(c.step, "3");
        let who: BTreeSet<_> = c
            .options
            .iter()
            .map(|o| (o.answer.as_str(), o.stamp.device.as_str()))
            .collect();
        assert_eq!(who, BTreeSet::from([("si", "T01"), ("no", "T02")]));
        assert_eq!(v.expediente.photos.len(), 1);
        assert_eq!(v.expediente.signatures.len(), 1);
        assert_eq!(
            s.list(&Default::default()).unwrap()[0].conflicts,
            1,
            "the list shows it too"
        );
    }
    assert_eq!(a.view(&job).unwrap().heads, b.view(&job).unwrap().heads);
    // No step may be recorded over an open conflict.
    let e = a.record_step(&job, "4", Some("si"), None).unwrap_err();
    assert!(e.render(En).contains("resolve it first"), "{e}");
    // B resolves; after sync both see the same path and nobody's answer is deleted.
    b.resolve(&job, "3", "si", Some("Se confirmó con el área")).unwrap();
    exchange(&mut [&mut a, &mut b], &job);
    for s in [&a, &b] {
        let v = s.view(&job).unwrap();
        assert_eq!(v.status.state, "en-curso");
        assert_eq!(v.status.current.as_deref(), Some("4"));
        assert_eq!(v.expediente.log.iter().filter(|l| l.step == "3").count(), 3);
    }
}

#[derive(Debug, Clone)]
enum Op {
    Field(u8, u8),
    Material(u8),
    Comment(u8),
    Advance(bool),
    Photo,
    Sign,
    Sync(usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..3, any::<u8>()).prop_map(|(k, v)| Op::Field(k, v)),
        any::<u8>().prop_map(Op::Material),
        any::<u8>().prop_map(Op::Comment),
        any::<bool>().prop_map(Op::Advance),
        Just(Op::Photo),
        Just(Op::Sign),
        (0usize..3, 0usize..3).prop_map(|(a, b)| Op::Sync(a, b)),
    ]
}

fn apply(s: &mut Store, job: &str, op: &Op) {
    match op {
        Op::Field(k, v) => {
            let key = ["ubicacion", "trayectoria", "pruebas"][*k as usize];
            s.set_fields(job, &[(key.into(), format!("v{v}"))]).unwrap();
        }
        Op::Material(n) => s
            .add_material(job, &format!("item {n}"), f64::from(*n) + 1.0, "pza", None)
            .unwrap(),
        Op::Comment(n) => s.comment(job, &format!("comentario {n}")).unwrap(),
        Op::Advance(yes) => {
            let st = s.view(job).unwrap().status;
            if let Some(step) = st.current.filter(|_| st.conflicts.is_empty()) {
                let answer = st.answers.first().map(|_| if *yes { "si" } else { "no" });
                if satisfy(s, job, &step).is_ok() {
                    let _ = s.record_step(job, &step, answer, None);
                }
            }
        }
        Op::Photo => {
            s.attach(job, &small_png(), "foto", None).unwrap();
        }
        Op::Sign => {
            s.sign(job, "tecnico", "Ing. Prueba", strokes(), None).unwrap();
        }
        Op::Sync(..) => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn random_concurrent_edits_on_three_replicas_converge_and_lose_nothing(
        ops in proptest::collection::vec((0usize..3, op()), 1..24)
    ) {
        let (_d0, mut s0) = temp_store("Tablet 31");
        let (_d1, mut s1) = temp_store("Tablet 32");
        let (_d2, mut s2) = temp_store("Tablet 33");
        let job = new_job(&mut s0, "P1");
        let first = s0.document_bytes(&job).unwrap().1;
        s1.merge_document(&first).unwrap();
        s2.merge_document(&first).unwrap();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        for (who, op) in &ops {
            let stores = [&mut s0, &mut s1, &mut s2];
            if let Op::Sync(a, b) = op {
                if a != b {
                    let bytes = stores[*a].document_bytes(&job).unwrap().1;
                    stores[*b].merge_document(&bytes).unwrap();
                }
                continue;
            }
            apply(stores[*who], &job, op);
            seen.extend(ids(stores[*who], &job));
        }
        exchange(&mut [&mut s0, &mut s1, &mut s2], &job);
        let heads = s0.view(&job).unwrap().heads;
        for s in [&s0, &s1, &s2] {
            let v = s.view(&job).unwrap();
            prop_assert_eq!(&v.heads, &heads);
            let have = ids(s, &job);
            prop_assert!(seen.is_subset(&have), "lost: {:?}", seen.difference(&have).collect::<Vec<_>>());
            prop_assert_eq!(&v.status, &s0.view(&job).unwrap().status);
        }
    }
}
