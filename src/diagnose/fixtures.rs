//! Object-level rule fixtures, in the manner of Polaris and Prequel CRE: for a rule `ID`, the
//! directory `DIR/ID/` holds artifacts named `match*` (a pod JSON, an event table, a log …) on
//! which the rule must fire, and `nomatch*` on which it must not. Unlike a rule's one-line
//! examples, fixtures go through the whole path real input takes: sniffing, parsing, assembly
//! into incidents, and signals — so they also cover the built-in status rules.

use std::path::{Path, PathBuf};

use super::engine::Engine;
use super::status::STATUS_RULES;
use crate::ingest::{ingest, Input};

/// What running the fixtures of a directory found.
#[non_exhaustive]
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FixtureReport {
    /// Rules with at least one fixture.
    pub rules: usize,
    /// Fixture files run.
    pub files: usize,
    /// One message per failure, naming the file.
    pub failures: Vec<String>,
}

impl Engine {
    /// Run the rule fixtures under `dir` (`DIR/<rule-id>/{match,nomatch}*`). A directory whose
    /// name is no rule of this engine is a failure, so a renamed rule cannot leave its
    /// fixtures silently unused.
    pub fn test_rule_fixtures(&self, dir: &Path) -> std::io::Result<FixtureReport> {
        let mut report = FixtureReport::default();
        let mut rule_dirs: Vec<PathBuf> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        rule_dirs.sort();
        for rule_dir in rule_dirs {
            let id = rule_dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if self.patterns().find(&id).is_none() && !STATUS_RULES.iter().any(|r| r.id == id) {
                report
                    .failures
                    .push(format!("{}: no rule has the id {id:?}", rule_dir.display()));
                continue;
            }
            let mut files: Vec<PathBuf> = std::fs::read_dir(&rule_dir)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            let mut any = false;
            for file in files {
                let name = file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let must_fire = if name.starts_with("nomatch") {
                    false
                } else if name.starts_with("match") {
                    true
                } else {
                    continue;
                };
                any = true;
                report.files += 1;
                let ingested = ingest(self.patterns(), &[Input::Path(file.clone())]);
                if let Some(e) = ingested.errors.first() {
                    report.failures.push(format!(
                        "{}: cannot be read: {}",
                        file.display(),
                        e.message
                    ));
                    continue;
                }
                let fired = ingested
                    .incidents
                    .iter()
                    .any(|i| self.signals(i).iter().any(|s| s.evidence.rule == id));
                if fired != must_fire {
                    report.failures.push(format!(
                        "{}: rule {id} {}",
                        file.display(),
                        if must_fire {
                            "does not fire"
                        } else {
                            "fires on a counter-example"
                        }
                    ));
                }
            }
            if any {
                report.rules += 1;
            } else {
                report.failures.push(format!(
                    "{}: no match* or nomatch* file",
                    rule_dir.display()
                ));
            }
        }
        Ok(report)
    }
}
