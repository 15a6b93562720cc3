//! The fuzz targets' bodies (`fuzz/src/lib.rs`, included as is) replayed on
//! the committed seeds (`fuzz/seeds/<target>/`) and on every input a
//! fuzzer found crashing (`tests/fixtures/fuzz/<target>/`, kept once the
//! crash is fixed): none may panic. This also builds the bodies with the
//! suite, so a changed signature fails `cargo test`.

#[path = "../../fuzz/src/lib.rs"]
mod harness;

use std::path::{Path, PathBuf};

use super::util::repo;

/// The files of `dir`, sorted (none if it does not exist).
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.map(|e| e.expect("folder entry").path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.is_file());
    files.sort();
    files
}

#[test]
fn every_seed_and_every_found_crash_replays_without_a_panic() {
    let mut failed = Vec::new();
    for (target, body) in harness::TARGETS {
        let seeds = inputs(&repo().join("fuzz/seeds").join(target));
        assert!(!seeds.is_empty(), "{target} has no committed seeds");
        let found = inputs(&repo().join("tests/fixtures/fuzz").join(target));
        for file in seeds.iter().chain(&found) {
            let bytes = std::fs::read(file).expect("readable input");
            if std::panic::catch_unwind(|| body(&bytes)).is_err() {
                failed.push(format!("{target}: {}", file.display()));
            }
        }
    }
    assert!(failed.is_empty(), "panicked on {failed:#?}");
}

/// The target list, the fuzz crate's binaries and the regression folders
/// name the same targets.
#[test]
fn every_fuzz_target_is_built_replayed_and_named() {
    let manifest = std::fs::read_to_string(repo().join("fuzz/Cargo.toml")).expect("manifest");
    for (target, _) in harness::TARGETS {
        assert!(
            manifest.contains(&format!("name = \"{target}\"")),
            "fuzz/Cargo.toml has no [[bin]] {target}"
        );
        let main = repo()
            .join("fuzz/fuzz_targets")
            .join(format!("{target}.rs"));
        let text = std::fs::read_to_string(&main).expect("target source");
        assert!(
            text.contains(&format!("provcheck_fuzz::{target}(")),
            "{}",
            main.display()
        );
    }
    let bins = manifest.matches("[[bin]]").count();
    assert_eq!(
        bins,
        harness::TARGETS.len(),
        "a binary missing from TARGETS"
    );
    let fixtures = repo().join("tests/fixtures/fuzz");
    for dir in std::fs::read_dir(&fixtures).into_iter().flatten() {
        let name = dir.expect("folder entry").file_name();
        let name = name.to_string_lossy();
        assert!(
            harness::TARGETS.iter().any(|(t, _)| *t == name),
            "tests/fixtures/fuzz/{name} names no fuzz target"
        );
    }
}
