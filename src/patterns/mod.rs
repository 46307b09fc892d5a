//! Pattern packs: YAML rule files that recognise failure signatures in logs, events and statuses.
//!
//! A [`PatternPack`] is one YAML file (`patterns/*.yaml` ships embedded in the binary). Packs are
//! compiled together into one [`PatternSet`]: every rule's keywords go into a single
//! case-insensitive multi-literal filter that finds candidate lines, and only the candidate
//! rules' regexes run on those lines. See `patterns/README.md` for the file format.

mod classes;
mod keywords;
pub(crate) mod literals;
mod pack;
mod set;

pub use pack::{PatternPack, Rule, RuleStatus, Scope};
pub use set::{PatternSet, RuleMatch};

use std::path::Path;

use crate::error::PackError;

/// The packs shipped inside the binary, as `(file name, YAML text)`.
pub fn embedded_sources() -> &'static [(&'static str, &'static str)] {
    include!(concat!(env!("OUT_DIR"), "/embedded_packs.rs"))
}

/// Parse the embedded packs.
///
/// # Panics
/// Never in a released build: the embedded packs are checked by the test suite.
pub fn embedded_packs() -> Vec<PatternPack> {
    embedded_sources()
        .iter()
        .map(|(name, text)| {
            PatternPack::from_yaml(name, text)
                .unwrap_or_else(|e| panic!("embedded pattern pack is invalid: {e}"))
        })
        .collect()
}

/// Load every `*.yaml`/`*.yml` pack in `dir` (not recursive), sorted by file name.
pub fn load_dir(dir: &Path) -> Result<Vec<PatternPack>, PackError> {
    let rd = std::fs::read_dir(dir).map_err(|e| PackError::Io {
        file: dir.display().to_string(),
        message: e.to_string(),
    })?;
    let mut files: Vec<_> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            matches!(
                p.extension().and_then(|x| x.to_str()),
                Some("yaml") | Some("yml")
            )
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(PackError::Io {
            file: dir.display().to_string(),
            message: "no *.yaml pattern packs in this directory".into(),
        });
    }
    files.iter().map(|p| load_file(p)).collect()
}

/// Load one pack file.
pub fn load_file(path: &Path) -> Result<PatternPack, PackError> {
    let text = std::fs::read_to_string(path).map_err(|e| PackError::Io {
        file: path.display().to_string(),
        message: e.to_string(),
    })?;
    PatternPack::from_yaml(&path.display().to_string(), &text)
}

/// Merge `overrides` into `base`: a pack with the same `pack` name replaces the base pack; a rule
/// whose id already exists elsewhere replaces that rule.
pub fn merge_packs(mut base: Vec<PatternPack>, overrides: Vec<PatternPack>) -> Vec<PatternPack> {
    for over in overrides {
        base.retain(|p| p.name != over.name);
        let ids: std::collections::HashSet<&str> =
            over.rules.iter().map(|r| r.id.as_str()).collect();
        for p in base.iter_mut() {
            p.rules.retain(|r| !ids.contains(r.id.as_str()));
        }
        base.push(over);
    }
    base
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cause::Cause;

    /// `podmortem patterns test` on the shipped packs, as part of `cargo test`.
    #[test]
    fn embedded_packs_pass_their_examples() {
        let set = PatternSet::embedded();
        let failures = set.test_examples();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn every_cause_has_rules() {
        let covered = PatternSet::embedded().covered_causes();
        for c in Cause::ALL {
            if c != Cause::Unknown {
                assert!(covered.contains(&c), "no rule for {c}");
            }
        }
    }

    #[test]
    fn invalid_packs_name_file_rule_and_problem() {
        let bad = "pack: x\nrules:\n  - id: x.bad\n    cause: oom_killed\n    regex: '(unclosed'\n    keywords: [unclosed]\n    explain: e\n    examples: ['(unclosed']\n";
        let pack = PatternPack::from_yaml("mine/x.yaml", bad).unwrap();
        let err = PatternSet::new(&[pack]).unwrap_err().to_string();
        assert!(
            err.starts_with("mine/x.yaml: rule x.bad: invalid regex"),
            "{err}"
        );
        let err = PatternPack::from_yaml("y.yaml", "pack: y\nrules:\n  - id: a\n    cause: nope\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("y.yaml: invalid pattern pack"), "{err}");
    }

    #[test]
    fn overrides_replace_rules_by_id() {
        let base = embedded_packs();
        let id = base[0].rules[0].id.clone();
        let mut over = base[0].clone();
        over.name = "mine".into();
        over.rules.truncate(1);
        over.rules[0].weight = 0.5;
        let merged = merge_packs(base, vec![over]);
        let set = PatternSet::new(&merged).unwrap();
        assert_eq!(set.rule(set.find(&id).unwrap()).unwrap().weight, 0.5);
    }
}
