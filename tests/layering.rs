//! The modules form layers: data flows ingest → patterns/scan → diagnose → render, the model
//! sits below the engine, live and the CLI on top. A module may use only modules of a lower
//! layer, so no module imports a module that imports it back.
//!
//! This reads the `crate::` and `super::` paths of every file under `src/` (the CLI is a binary
//! that sees the library only through its public API). Test modules are ignored.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use regex::Regex;

/// Each module (or submodule of `diagnose` with a job of its own) and its layer.
const LAYERS: &[(&str, u32)] = &[
    ("cause", 0),
    ("error", 0),
    ("k8s", 0),
    ("diagnose::time", 0),
    ("diagnose::command", 0),
    ("redact", 1),
    ("incident", 1),
    ("patterns", 2),
    ("diagnose::backoff", 2),
    ("diagnose::remediation", 2),
    ("scan", 3),
    ("diagnose::timeline", 3),
    ("diagnose::report", 4),
    ("diagnose::signals", 5),
    ("diagnose::scoring", 6),
    ("diagnose::triage", 6),
    ("diagnose::status", 6),
    ("ingest", 7),
    ("model", 8),
    ("diagnose::engine", 9),
    ("diagnose::fixtures", 10),
    ("diagnose", 11),
    ("render", 12),
    ("eval", 12),
    ("live", 13),
];

/// `diagnose`'s submodules that are layers of their own.
fn own_layer(top: &str, sub: &str) -> Option<String> {
    let name = format!("{top}::{sub}");
    LAYERS.iter().any(|(n, _)| *n == name).then_some(name)
}

fn node(segments: &[&str]) -> Option<String> {
    let top = *segments.first()?;
    if let Some(sub) = segments.get(1) {
        if let Some(n) = own_layer(top, sub) {
            return Some(n);
        }
    }
    Some(top.to_string())
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file: `src/diagnose/engine.rs` → `[diagnose, engine]`,
/// `src/ingest/mod.rs` → `[ingest]`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The code of a file without comments and without its `#[cfg(test)]` module.
fn code(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let line = match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        };
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Every module each module uses.
fn edges() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let path_re =
        Regex::new(r"\b(crate|super)::((?:[a-z_0-9]+::)*)(\{[^}]*\}|[A-Za-z_0-9]+)").unwrap();
    let item_re = Regex::new(r"(?:^|[{,])\s*([a-z_0-9]+)").unwrap();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let module = module_path(&src, &file);
        let first = module.first().map(String::as_str).unwrap_or("");
        if matches!(first, "lib" | "main" | "cli") {
            continue;
        }
        let here: Vec<&str> = module.iter().map(String::as_str).collect();
        let from = node(&here).unwrap();
        let text = code(&std::fs::read_to_string(&file).unwrap());
        for m in path_re.captures_iter(&text) {
            let mut base: Vec<String> = if &m[1] == "crate" {
                Vec::new()
            } else {
                // `super` of `a/b.rs` is `a`; of `a/b/mod.rs` (module `a::b`) it is `a` too.
                let mut p = module.clone();
                p.pop();
                p
            };
            base.extend(
                m[2].split("::")
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            );
            let last = &m[3];
            let mut targets = Vec::new();
            if let Some(group) = last.strip_prefix('{') {
                for item in item_re.captures_iter(group) {
                    let mut p = base.clone();
                    p.push(item[1].to_string());
                    targets.push(p);
                }
            } else {
                let mut p = base.clone();
                p.push(last.to_string());
                targets.push(p);
            }
            for t in targets {
                let segs: Vec<&str> = t.iter().map(String::as_str).collect();
                // `crate::Engine` (a re-export at the root) belongs to the root, which is
                // no layer: only module paths count.
                if segs.len() == 1 && segs[0].chars().next().is_some_and(char::is_uppercase) {
                    continue;
                }
                if let Some(to) = node(&segs) {
                    if to != from {
                        out.entry(from.clone()).or_default().insert(to);
                    }
                }
            }
        }
    }
    out
}

fn layer(name: &str) -> Option<u32> {
    LAYERS.iter().find(|(n, _)| *n == name).map(|&(_, l)| l)
}

#[test]
fn every_module_uses_only_lower_layers() {
    let edges = edges();
    assert!(
        edges
            .get("diagnose::engine")
            .is_some_and(|t| t.contains("model")),
        "the parser sees nothing: {edges:?}"
    );
    let mut wrong = Vec::new();
    for (from, targets) in &edges {
        let Some(lf) = layer(from) else {
            wrong.push(format!(
                "{from}: not in LAYERS (give the new module a layer)"
            ));
            continue;
        };
        for to in targets {
            match layer(to) {
                None => wrong.push(format!("{from} uses {to}, which is not in LAYERS")),
                Some(lt) if lt >= lf => {
                    wrong.push(format!("{from} (layer {lf}) uses {to} (layer {lt})"))
                }
                Some(_) => {}
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "layering violations:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_model_sits_below_the_engine_and_ingest_below_diagnosis() {
    let edges = edges();
    let uses = |a: &str, b: &str| edges.get(a).is_some_and(|t| t.contains(b));
    assert!(!uses("model", "diagnose::engine") && !uses("model", "diagnose"));
    assert!(!uses("ingest", "diagnose") && !uses("ingest", "diagnose::engine"));
    assert!(!uses("render", "live"));
}
