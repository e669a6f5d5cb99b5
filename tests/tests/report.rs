//! The office's figures from a real store: the facts beside the index follow every write
//! (and a migration rebuilds them), and `Store::report` counts what the técnicos did.

use brigada_core::report::{Period, today};
use brigada_core::time;
use brigada_scenarios::*;
use chrono::Duration;

#[test]
fn a_weeks_work_in_the_store_adds_up() {
    let (_d, mut store) = temp_store("Oficina 01");
    let typed = |ms: i64| time::written(time::from_ms(ms));
    let now = time::now_ms();
    // A line failure reported 30 h ago; the second e-mail went out 4 h late; solved.
    let p6 = new_job(&mut store, "P6");
    store
        .set_fields(
            &p6,
            &[
                ("reporte_levantado_en".into(), typed(now - 30 * 3_600_000)),
                ("segundo_correo_en".into(), typed(now - 2 * 3_600_000)),
            ],
        )
        .unwrap();
    drive(
        &mut store,
        &p6,
        &[("1", None), ("2", None), ("3", None), ("4", Some("si")), ("4A", None)],
    )
    .unwrap();
    // Another, where nobody sent the second e-mail before it was solved: still a miss.
    let late = new_job(&mut store, "P6");
    store
        .set_fields(&late, &[("reporte_levantado_en".into(), typed(now - 30 * 3_600_000))])
        .unwrap();
    drive(
        &mut store,
        &late,
        &[("1", None), ("2", None), ("3", None), ("4", Some("si")), ("4A", None)],
    )
    .unwrap();
    // A decommission with one part for the inventory.
    let p4 = new_job(&mut store, "P4");
    store.add_equipment(&p4, &brigada_core::tag::format(5)).unwrap();
    store.add_part(&p4, "Memoria RAM DDR3 4 GB", None).unwrap();
    let path = [
        ("1", None),
        ("2", Some("si")),
        ("3", None),
        ("4", None),
        ("5", None),
        ("6", None),
        ("7", None),
    ];
    drive(&mut store, &p4, &path).unwrap();
    // A repair takes that part; an installation uses cable.
    let p3 = new_job(&mut store, "P3");
    let part = store.components(true).unwrap()[0].id.clone();
    store
        .add_material(&p3, "Memoria RAM DDR3 4 GB", 1.0, "pza", Some(&part))
        .unwrap();
    let p1 = new_job(&mut store, "P1");
    store.add_material(&p1, "Cable UTP", 20.0, "m", None).unwrap();

    let week = Period::new(today() - Duration::days(7), today(), None).unwrap();
    let r = store.report(&week).unwrap();
    assert_eq!((r.opened, r.closed, r.open_at_end), (5, 3, 2));
    assert_eq!(r.weeks.iter().map(|w| w.opened).sum::<usize>(), 5);
    assert_eq!(r.weeks.iter().map(|w| w.closed).sum::<usize>(), 3);
    let closed: Vec<(&str, usize)> = r
        .time_to_close
        .iter()
        .map(|t| (t.procedure.as_str(), t.closed))
        .collect();
    assert_eq!(closed, [("P4", 1), ("P6", 2)]);
    assert_eq!((r.parts_in, r.parts_out, r.bajas), (1, 1, 1));
    let used: Vec<(&str, &str, f64)> = r
        .materials
        .iter()
        .map(|m| (m.item.as_str(), m.unit.as_str(), m.quantity))
        .collect();
    assert_eq!(used, [("Cable UTP", "m", 20.0), ("Memoria RAM DDR3 4 GB", "pza", 1.0)]);
    // Both due 6 h ago: one done 2 h ago, one never (the job closed after it fell due):
    // two misses; the 48 h moment is not due within the period.
    assert_eq!(r.escalations.len(), 1, "{:?}", r.escalations);
    assert_eq!(
        (
            r.escalations[0].escalation.as_str(),
            r.escalations[0].due,
            r.escalations[0].missed
        ),
        ("24h", 2, 2)
    );
    assert_eq!(r.workload.len(), 1);
    assert_eq!(
        (r.workload[0].person.as_str(), r.workload[0].open, r.workload[0].closed),
        ("", 2, 3)
    );
    // One sección only: the decommission and the repair are IT's, the rest RT's.
    let it = store
        .report(&Period::new(week.from, week.to, Some("it".into())).unwrap())
        .unwrap();
    assert_eq!(
        (it.opened, it.closed, it.bajas, it.parts_in, it.parts_out),
        (2, 1, 1, 1, 1)
    );
    assert_eq!(it.seccion.as_deref(), Some("IT"));
    // A month before: nothing.
    let before = Period::new(today() - Duration::days(60), today() - Duration::days(31), None).unwrap();
    let r = store.report(&before).unwrap();
    assert_eq!((r.opened, r.closed, r.open_at_end), (0, 0, 0));
}
