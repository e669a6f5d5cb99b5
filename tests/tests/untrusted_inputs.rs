//! Every input the fuzz campaigns kept — the minimised corpus in `fuzz/regression` and the
//! seeds and former crashers in `fuzz/seeds` — replayed through the fuzz targets' own checks
//! (`brigada_scenarios::untrusted`) on every `make test`. Coverage-guided fuzzing itself
//! (`make fuzz`) needs an instrumented build of the whole dependency tree; this keeps what it
//! learnt without that build.

use brigada_scenarios::untrusted::TARGETS;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("read a corpus folder").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_fuzz_target_has_its_check_and_a_kept_corpus() {
    let mut targets: Vec<String> = std::fs::read_dir(fuzz_dir().join("fuzz_targets"))
        .expect("fuzz/fuzz_targets")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    targets.sort();
    let checks: Vec<&str> = TARGETS.iter().map(|(n, _)| *n).collect();
    assert_eq!(targets, checks, "fuzz targets and untrusted::TARGETS differ");
    for name in checks {
        let kept = inputs(&fuzz_dir().join("regression").join(name)).len();
        let seeds = inputs(&fuzz_dir().join("seeds").join(name)).len();
        assert!(
            kept >= 10 && seeds >= 1,
            "{name}: {kept} kept inputs and {seeds} seeds; run `scripts/fuzz.sh --keep` after a campaign"
        );
    }
}

#[test]
fn every_kept_input_passes_its_fuzz_targets_check() {
    let mut failed = Vec::new();
    let mut replayed = 0;
    for (name, check) in TARGETS {
        for folder in ["seeds", "regression"] {
            for file in inputs(&fuzz_dir().join(folder).join(name)) {
                let data = std::fs::read(&file).unwrap();
                replayed += 1;
                if catch_unwind(AssertUnwindSafe(|| check(&data))).is_err() {
                    failed.push(file.display().to_string());
                }
            }
        }
    }
    assert!(replayed > 1000, "only {replayed} inputs replayed");
    assert!(failed.is_empty(), "inputs that fail their check: {failed:#?}");
}
