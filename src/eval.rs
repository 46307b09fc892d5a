//! Scoring the engine on labeled cases: accuracy, macro-F1, per-cause precision/recall,
//! confusion matrix, expected calibration error, coverage at the abstention threshold.
//!
//! Layout (the dev set's, and `corpora/<split>/`): `DIR/cases/<id>/…artifacts…` and
//! `DIR/labels/<id>.toml` with `cause = "…"`, `object = "<workload>"`, optional `detail`,
//! `namespace`. Labels live outside the cases so `analyze` never reads them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::diagnose::Diagnosis;
use crate::ingest::{workload_of, Input};

/// A case's label.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Label {
    /// A cause id, or `none` when the object must not get a confident diagnosis.
    pub cause: String,
    /// The culprit workload: its pods' names start with it.
    pub object: String,
    /// Optional finer label.
    pub detail: Option<String>,
    /// The real-world layout's `answerable` (`yes`, `hard`, `no`); `None` when absent.
    pub answerable: Option<String>,
}

impl Label {
    /// Whether the engine must abstain rather than name a cause: `none` (a healthy object) and
    /// `out_of_taxonomy` (a real failure whose cause is none of ours) are both right only when no
    /// confident in-taxonomy diagnosis is made.
    pub fn expects_abstention(&self) -> bool {
        self.cause == "none" || self.cause == "out_of_taxonomy"
    }
}

/// Parse the `key = "value"` lines of a label file (the subset of TOML labels use).
pub fn parse_label(text: &str) -> Label {
    let mut l = Label::default();
    for line in text.lines() {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = v.trim().trim_matches('"').to_string();
        match k.trim() {
            "cause" => l.cause = v,
            "object" => l.object = v,
            "detail" => l.detail = Some(v),
            "answerable" => l.answerable = Some(v),
            _ => {}
        }
    }
    l
}

/// A labeled case on disk.
#[derive(Debug, Clone)]
pub struct Case {
    /// Case id (directory name).
    pub id: String,
    /// The case directory.
    pub dir: PathBuf,
    /// Its label.
    pub label: Label,
}

/// Find labeled cases under `dir` (`cases/` + `labels/`).
pub fn load_cases(dir: &Path) -> std::io::Result<Vec<Case>> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir.join("cases"))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let id = e.file_name().to_string_lossy().to_string();
        let label_path = dir.join("labels").join(format!("{id}.toml"));
        let Ok(text) = std::fs::read_to_string(&label_path) else {
            continue;
        };
        out.push(Case {
            id,
            dir: e.path(),
            label: parse_label(&text),
        });
    }
    Ok(out)
}

/// Whether a diagnosis is about the labeled object. A label without `object` (the real-world
/// layout: one incident per case) accepts any diagnosis.
pub fn on_object(d: &Diagnosis, object: &str) -> bool {
    object.is_empty() || pod_on_object(&d.pod, object)
}

/// Whether `pod` belongs to the workload `object`.
pub fn pod_on_object(pod: &str, object: &str) -> bool {
    workload_of(pod) == object
        || pod == object
        || pod.strip_prefix(object).is_some_and(|r| r.starts_with('-'))
}

/// The outcome for one case.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    /// Case id.
    pub id: String,
    /// Labeled cause (`none` allowed).
    pub expected: String,
    /// What the engine said: the top diagnosis's cause if it is on the object, `none` when
    /// nothing confident was said about the object, `wrong_object` when the top diagnosis is
    /// about another workload.
    pub predicted: String,
    /// The confidence of that prediction (of the top diagnosis).
    pub confidence: f64,
    /// Whether the case counts as right.
    pub correct: bool,
}

/// A diagnosis at or above this confidence is a confident one: a `none` case must have none on
/// its object.
pub const CONFIDENT: f64 = 0.5;

/// Judge one case from the engine's sorted diagnoses.
pub fn judge(id: &str, label: &Label, diagnoses: &[Diagnosis]) -> CaseResult {
    if label.expects_abstention() {
        let confident = diagnoses.iter().find(|d| {
            on_object(d, &label.object)
                && d.cause != crate::Cause::Unknown
                && d.confidence >= CONFIDENT
        });
        return CaseResult {
            id: id.to_string(),
            expected: label.cause.clone(),
            predicted: confident.map_or("none".into(), |d| d.cause.id().to_string()),
            // Abstaining is as sure as no named cause is: an `unknown` verdict takes nothing away.
            confidence: confident.map_or(
                1.0 - diagnoses
                    .iter()
                    .filter(|d| on_object(d, &label.object) && d.cause != crate::Cause::Unknown)
                    .map(|d| d.confidence)
                    .fold(0.0, f64::max),
                |d| d.confidence,
            ),
            correct: confident.is_none(),
        };
    }
    match diagnoses.first() {
        None => CaseResult {
            id: id.to_string(),
            expected: label.cause.clone(),
            predicted: "none".into(),
            confidence: 0.0,
            correct: false,
        },
        Some(top) => {
            let predicted = if on_object(top, &label.object) {
                top.cause.id().to_string()
            } else {
                "wrong_object".into()
            };
            CaseResult {
                id: id.to_string(),
                expected: label.cause.clone(),
                correct: predicted == label.cause,
                predicted,
                confidence: top.confidence,
            }
        }
    }
}

/// Per-class precision/recall.
#[derive(Debug, Clone, Serialize)]
pub struct ClassScore {
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
    /// Number of cases labeled with the class.
    pub support: usize,
}

/// Aggregate metrics.
#[derive(Debug, Clone, Serialize)]
pub struct Metrics {
    /// Cases scored.
    pub cases: usize,
    /// Fraction right.
    pub accuracy: f64,
    /// Mean F1 over labeled classes.
    pub macro_f1: f64,
    /// Expected calibration error over 10 equal-width confidence bins.
    pub ece: f64,
    /// Abstention threshold used.
    pub threshold: f64,
    /// Fraction of cases answered with confidence ≥ threshold.
    pub coverage: f64,
    /// Accuracy on those.
    pub accuracy_at_threshold: f64,
    /// Per-class scores.
    pub per_class: BTreeMap<String, ClassScore>,
    /// `confusion[expected][predicted] = count`.
    pub confusion: BTreeMap<String, BTreeMap<String, usize>>,
}

/// Compute metrics from case results.
pub fn metrics(results: &[CaseResult], threshold: f64) -> Metrics {
    let n = results.len().max(1) as f64;
    let accuracy = results.iter().filter(|r| r.correct).count() as f64 / n;
    let mut confusion: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for r in results {
        let pred = if r.correct {
            r.expected.clone()
        } else {
            r.predicted.clone()
        };
        *confusion
            .entry(r.expected.clone())
            .or_default()
            .entry(pred)
            .or_default() += 1;
    }
    let mut per_class = BTreeMap::new();
    for class in confusion.keys() {
        let tp = confusion[class].get(class).copied().unwrap_or(0) as f64;
        let support: usize = confusion[class].values().sum();
        let predicted: usize = confusion
            .values()
            .map(|row| row.get(class).copied().unwrap_or(0))
            .sum();
        let precision = if predicted > 0 {
            tp / predicted as f64
        } else {
            0.0
        };
        let recall = tp / support.max(1) as f64;
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        per_class.insert(
            class.clone(),
            ClassScore {
                precision,
                recall,
                f1,
                support,
            },
        );
    }
    let macro_f1 = per_class.values().map(|c| c.f1).sum::<f64>() / per_class.len().max(1) as f64;
    let mut bins = [(0usize, 0.0f64, 0.0f64); 10];
    for r in results {
        let b = ((r.confidence * 10.0) as usize).min(9);
        bins[b].0 += 1;
        bins[b].1 += r.confidence;
        bins[b].2 += if r.correct { 1.0 } else { 0.0 };
    }
    let ece = bins
        .iter()
        .filter(|b| b.0 > 0)
        .map(|b| (b.0 as f64 / n) * ((b.1 - b.2) / b.0 as f64).abs())
        .sum();
    let covered: Vec<&CaseResult> = results
        .iter()
        .filter(|r| r.confidence >= threshold)
        .collect();
    Metrics {
        cases: results.len(),
        accuracy,
        macro_f1,
        ece,
        threshold,
        coverage: covered.len() as f64 / n,
        accuracy_at_threshold: covered.iter().filter(|r| r.correct).count() as f64
            / covered.len().max(1) as f64,
        per_class,
        confusion,
    }
}

/// Analyse every case with `engine` and judge it.
pub fn run(engine: &crate::Engine, cases: &[Case]) -> Vec<CaseResult> {
    cases
        .iter()
        .map(|c| {
            let report = engine.analyze(&[Input::Path(c.dir.clone())]);
            judge(&c.id, &c.label, &report.diagnoses)
        })
        .collect()
}

/// Training samples from a labeled directory (`cases/` + `labels/`): the failing incidents
/// of each case that belong to its labeled object (the culprit), with the rule engine's
/// features; `none` cases contribute theirs as `unknown`.
#[cfg(feature = "train")]
pub fn training_samples(dir: &Path) -> Result<Vec<crate::model::train::Sample>, String> {
    use crate::cause::Cause;
    use crate::diagnose::{Engine, Mode};
    use crate::model::train::Sample;
    use rayon::prelude::*;

    let engine = Engine::new().with_mode(Mode::Rules);
    let cases = load_cases(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if cases.is_empty() {
        return Err(format!("{}: no labeled cases", dir.display()));
    }
    let out: Vec<Vec<Sample>> = cases
        .par_iter()
        .map(|c| {
            let cause = if c.label.cause == "none" {
                Cause::Unknown
            } else {
                match c.label.cause.parse::<Cause>() {
                    Ok(x) => x,
                    Err(_) => return Vec::new(),
                }
            };
            let ingested = crate::ingest::ingest(engine.patterns(), &[Input::Path(c.dir.clone())]);
            ingested
                .incidents
                .iter()
                .filter(|i| {
                    engine.in_trouble(i)
                        && (c.label.object.is_empty() || pod_on_object(&i.pod, &c.label.object))
                })
                .map(|i| Sample {
                    features: engine.features(i),
                    rule_probs: engine.rule_probabilities(i),
                    cause,
                    case: c.id.clone(),
                })
                .collect()
        })
        .collect();
    Ok(out.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_parse() {
        let l =
            parse_label("cause = \"oom_killed\"\nobject = \"cartservice\"\nnamespace = \"x\"\n");
        assert_eq!(l.cause, "oom_killed");
        assert_eq!(l.object, "cartservice");
    }

    #[test]
    fn metrics_on_a_toy_set() {
        let r = |e: &str, p: &str, c: f64| CaseResult {
            id: String::new(),
            expected: e.into(),
            predicted: p.into(),
            confidence: c,
            correct: e == p,
        };
        let m = metrics(
            &[r("a", "a", 0.95), r("a", "b", 0.55), r("b", "b", 0.85)],
            0.5,
        );
        assert!((m.accuracy - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(m.confusion["a"]["b"], 1);
        assert!((m.per_class["b"].precision - 0.5).abs() < 1e-9);
        assert!(m.ece > 0.0 && m.ece < 1.0);
    }
}
