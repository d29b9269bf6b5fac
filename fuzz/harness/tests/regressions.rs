//! Every fuzz target over its seeds and over every input saved in `fuzz/regressions/<target>/`
//! (crashes `make fuzz` found, kept once fixed): the fuzzers' checks, on stable, in `make test`.

use std::path::Path;

#[test]
fn every_target_survives_its_seeds_and_past_crashes() {
    let saved = Path::new(env!("CARGO_MANIFEST_DIR")).join("../regressions");
    let mut ran = 0;
    for target in fotobase_fuzzing::TARGETS {
        let mut inputs: Vec<(String, Vec<u8>)> =
            fotobase_fuzzing::seeds(target).into_iter().enumerate().map(|(i, s)| (format!("seed {i}"), s)).collect();
        assert!(!inputs.is_empty(), "{target} has no seeds");
        if let Ok(entries) = std::fs::read_dir(saved.join(target)) {
            for e in entries.flatten() {
                inputs.push((e.path().display().to_string(), std::fs::read(e.path()).unwrap()));
            }
        }
        for (what, data) in &inputs {
            let outcome = std::panic::catch_unwind(|| fotobase_fuzzing::run(target, data));
            assert!(outcome.is_ok(), "fuzz target {target} failed on {what}");
            ran += 1;
        }
    }
    // Unknown directories under regressions/ would be a renamed target whose crashes no longer run.
    for e in std::fs::read_dir(&saved).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        assert!(
            name == "README.md" || fotobase_fuzzing::TARGETS.contains(&name.as_str()),
            "regressions/{name} names no target"
        );
    }
    assert!(ran > 60, "only {ran} inputs");
}
