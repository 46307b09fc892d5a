//! `podmortem eval` and `podmortem train` on small labeled sets built from the fixtures.

use std::path::{Path, PathBuf};

use serde_json::Value;

#[path = "support/cli.rs"]
mod cli;
use cli::podmortem;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// `(fixture dir, cause label, object)` → DIR/cases/<id>/ + DIR/labels/<id>.toml
fn labeled_set(dir: &Path, cases: &[(&str, &str, &str)]) {
    for (i, (fx, cause, object)) in cases.iter().enumerate() {
        let id = format!("case-{i:02}");
        copy_dir(&fixture(fx), &dir.join("cases").join(&id));
        std::fs::create_dir_all(dir.join("labels")).unwrap();
        std::fs::write(
            dir.join("labels").join(format!("{id}.toml")),
            format!("cause = \"{cause}\"\nobject = \"{object}\"\n"),
        )
        .unwrap();
    }
}

const CASES: &[(&str, &str, &str)] = &[
    ("causes/oom_killed", "oom_killed", "orders-api"),
    ("causes/rbac_forbidden", "rbac_forbidden", "job-scheduler"),
    ("causes/port_in_use", "port_in_use", "redis-session"),
    ("causes/disk_full", "disk_full", "postgres"),
    ("causes/config_error", "config_error", "shopfront"),
    ("causes/app_crash", "app_crash", "pick-planner"),
    ("distractors/readiness_only", "none", "catalog"),
];

#[test]
fn eval_reports_rules_model_and_fused_side_by_side() {
    let tmp = tempfile::tempdir().unwrap();
    labeled_set(tmp.path(), CASES);
    let v = podmortem(["eval", "-o", "json", "--misses"])
        .arg(tmp.path())
        .run()
        .success()
        .json();
    for mode in ["rules", "model_only", "fused"] {
        let m = &v[mode];
        assert_eq!(m["cases"], 7, "{mode}");
        let ece = m["ece"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&ece), "{mode} ece {ece}");
        assert!(m["confusion"].is_object());
    }
    // The shipped engine gets these clear-cut fixtures right, the readiness-only one included.
    assert_eq!(v["fused"]["accuracy"], 1.0, "{:#}", v["fused"]["results"]);
    assert_eq!(v["rules"]["accuracy"], 1.0, "{:#}", v["rules"]["results"]);
    assert_eq!(v["fused"]["per_class"]["none"]["recall"], 1.0);

    let text = podmortem(["eval"]).arg(tmp.path()).run().stdout;
    assert!(text.contains("== fused: 7 cases"), "{text}");
    assert!(text.contains("macro-F1"), "{text}");
}

#[test]
fn eval_explains_a_directory_without_labels() {
    let tmp = tempfile::tempdir().unwrap();
    let r = podmortem(["eval"]).arg(tmp.path()).run();
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("expected cases/ and labels/"),
        "{}",
        r.stderr
    );
}

#[test]
fn training_is_deterministic_and_the_model_loads() {
    let tmp = tempfile::tempdir().unwrap();
    labeled_set(&tmp.path().join("train"), &CASES[..6]);
    labeled_set(&tmp.path().join("validation"), &CASES[..3]);
    let train = |out: &Path| {
        podmortem(["train", "--seed", "3", "--max-iterations", "30", "-o"])
            .arg(out)
            .arg(tmp.path())
            .run()
            .success();
        std::fs::read(out).unwrap()
    };
    let a = train(&tmp.path().join("a.json"));
    let b = train(&tmp.path().join("b.json"));
    assert!(a == b, "same corpus and seed must give the same model");
    let model: Value = serde_json::from_slice(&a).unwrap();
    assert_eq!(model["format"], "podmortem-model/v1");
    // The model just trained can drive analyze.
    let v = podmortem(["analyze", "-o", "json", "--model"])
        .arg(tmp.path().join("a.json"))
        .arg(fixture("causes/oom_killed"))
        .run()
        .json();
    assert_eq!(v["diagnoses"][0]["cause"], "oom_killed");
    // A file that is not a model is refused with its name.
    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, "{\"format\":\"x\"}").unwrap();
    let r = podmortem(["analyze", "--model"])
        .arg(&bad)
        .arg(fixture("causes/oom_killed"))
        .run();
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("bad.json: not a podmortem model"),
        "{}",
        r.stderr
    );
}
