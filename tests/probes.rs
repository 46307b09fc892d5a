//! Incidents as people paste them, one file each: `tests/probes/<expected cause>__<name>.txt`
//! (`none__…` when nothing should be reported with confidence ≥ 0.5). Written for podmortem,
//! never copied from an evaluation set: describe excerpts, event lines, log tails of many
//! languages and frameworks, wrapped and quoted pastes, and healthy logs with scary words.
//!
//! The engine must get every probe right except those in `tests/probes/known-misses.txt`, and
//! must still miss those: a probe that starts passing is taken off the list, so the list stays
//! the honest size of what is left (each line says why it is hard).
//!
//! `podmortem analyze` gives the same answers: the probes are read as files, as the CLI reads
//! them, by the default engine (rules and model fused).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use podmortem::{Cause, Engine, Input};

fn probes_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/probes")
}

/// Whether the engine's answer for one probe file is the expected one.
fn right(engine: &Engine, path: &Path, expected: &str) -> Result<(), String> {
    let report = engine.analyze(&[Input::Path(path.to_path_buf())]);
    let top = report
        .diagnoses
        .iter()
        .max_by(|a, b| a.confidence.total_cmp(&b.confidence));
    let got = top.map(|d| (d.cause, d.confidence));
    let ok = match (expected, got) {
        ("none", None) => true,
        ("none", Some((cause, conf))) => cause == Cause::Unknown || conf < 0.5,
        (_, Some((cause, _))) => cause.id() == expected,
        (_, None) => false,
    };
    if ok {
        Ok(())
    } else {
        Err(match got {
            Some((cause, conf)) => format!("{} {conf:.2}", cause.id()),
            None => "no diagnosis".to_string(),
        })
    }
}

#[test]
fn pasted_incidents_are_diagnosed_as_labelled() {
    let known: BTreeSet<String> = std::fs::read_to_string(probes_dir().join("known-misses.txt"))
        .expect("tests/probes/known-misses.txt")
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|l| !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    let engine = Engine::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(probes_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt") && !p.ends_with("known-misses.txt"))
        .collect();
    files.sort();
    assert!(files.len() > 1000, "{} probes", files.len());
    let (mut wrong, mut fixed) = (Vec::new(), Vec::new());
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let (expected, _) = name.split_once("__").expect("<cause>__<name>.txt");
        assert!(
            expected == "none" || Cause::ALL.iter().any(|c| c.id() == expected),
            "{name}: unknown cause {expected}"
        );
        match (right(&engine, path, expected), known.contains(&name)) {
            (Err(got), false) => wrong.push(format!("{name}: expected {expected}, got {got}")),
            (Ok(()), true) => fixed.push(name),
            _ => {}
        }
    }
    let listed_missing: Vec<&String> = known
        .iter()
        .filter(|k| !files.iter().any(|f| f.ends_with(k.as_str())))
        .collect();
    assert!(
        wrong.is_empty() && fixed.is_empty() && listed_missing.is_empty(),
        "{} of {} probes wrong:\n  {}\nright now, take them off tests/probes/known-misses.txt:\n  {}\nlisted but absent: {listed_missing:?}",
        wrong.len(),
        files.len(),
        wrong.join("\n  "),
        fixed.join("\n  ")
    );
}
