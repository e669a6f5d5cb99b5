//! Regenerates the seed inputs of the `sync_request` fuzz target:
//! `cargo run -p brigada-scenarios --example fuzz_seeds -- fuzz/seeds/sync_request`.

use brigada_core::sync::protocol;

fn main() -> anyhow::Result<()> {
    let out = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "fuzz/seeds/sync_request".into()),
    );
    std::fs::create_dir_all(&out)?;
    let (_d, mut store) = brigada_scenarios::temp_store("Tablet 01");
    let job = brigada_scenarios::new_job(&mut store, "P1");
    store.comment(&job, "semilla")?;
    let plan = store.sync_plan()?;
    std::fs::write(out.join("request-one-doc.bin"), protocol::encode(&plan.request))?;
    let enroll = store.enrol_request("ABCD-EFGH-JKLM-NPQR-STUV".into());
    std::fs::write(out.join("enroll.json"), serde_json::to_vec(&enroll)?)?;
    Ok(())
}
