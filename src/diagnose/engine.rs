//! The engine: compiled pattern packs, the optional trained model, redaction, and the
//! decision procedure from an [`Incident`] to a [`Diagnosis`].

use std::collections::HashMap;

use super::backoff::backoff;
use super::remediation::remediation;
use super::report::{Alternative, Diagnosis, Evidence, Report};
use super::scoring::{cause_scores, probabilities, PerCause, UNKNOWN_SCORE};
use super::signals::{damp_generic_crashes, event_and_log_signals, Origin, Signal};
use super::status::status_signals;
use super::timeline::timeline;
use super::triage;
use crate::cause::Cause;
use crate::incident::{Incident, SourceKind};
use crate::model::{featurize, Features, Model, Variant, ABSTAIN_THRESHOLD};
use crate::patterns::PatternSet;
use crate::redact::Redactor;

/// The highest confidence of a cause that no rule supports (the model read it from the crash
/// window alone): on real incidents such guesses are right about half the time at best.
const UNSUPPORTED_CAP: f64 = 0.45;

/// The diagnosis engine: compiled pattern packs plus the decision procedure.
///
/// ```
/// use podmortem::{Engine, Input};
/// let engine = Engine::new();
/// let log = b"Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space\n".to_vec();
/// let report = engine.analyze(&[Input::Bytes { name: "api.previous.log".into(), data: log }]);
/// assert_eq!(report.diagnoses[0].cause.id(), "oom_killed");
/// ```
#[derive(Debug, Clone)]
pub struct Engine {
    set: PatternSet,
    model: Option<std::sync::Arc<Model>>,
    mode: Mode,
    /// Applied to every text a diagnosis shows; `None` when redaction is turned off.
    redactor: Option<Redactor>,
    /// Bounds on what reading input may cost ([`Engine::analyze`]).
    limits: crate::ingest::Limits,
}

/// How the engine turns signals into probabilities.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The hand-set softmax over rule scores (no model).
    Rules,
    /// The trained model without rule-derived features (an ablation for `eval`).
    ModelOnly,
    /// The trained model over all features, rules included (the default when a model exists).
    Fused,
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new()
    }
}

impl Engine {
    /// An engine with the embedded pattern packs.
    pub fn new() -> Engine {
        Engine::with_patterns(PatternSet::embedded())
    }

    /// An engine with a custom pattern set (and the embedded model, if any).
    pub fn with_patterns(set: PatternSet) -> Engine {
        let model = Model::embedded().map(std::sync::Arc::new);
        let mode = if model.is_some() {
            Mode::Fused
        } else {
            Mode::Rules
        };
        Engine {
            set,
            model,
            mode,
            redactor: Some(Redactor::embedded()),
            limits: crate::ingest::Limits::default(),
        }
    }

    /// Read input within these limits (document size, decompressed bytes) instead of the
    /// defaults. See [`crate::ingest::Limits`].
    pub fn with_limits(mut self, limits: crate::ingest::Limits) -> Engine {
        self.limits = limits;
        self
    }

    /// Turn redaction of secrets in diagnoses on (the default) or off. See [`crate::redact`].
    pub fn with_redaction(mut self, on: bool) -> Engine {
        self.redactor = on.then(Redactor::embedded);
        self
    }

    /// Redact with these rules instead of the embedded ones.
    pub fn with_redactor(mut self, redactor: Redactor) -> Engine {
        self.redactor = Some(redactor);
        self
    }

    /// The redaction rules in use, or `None` when redaction is off.
    pub fn redactor(&self) -> Option<&Redactor> {
        self.redactor.as_ref()
    }

    /// Use `model` (or none: rules only). The mode becomes `Fused` with a model.
    pub fn with_model(mut self, model: Option<Model>) -> Engine {
        self.mode = if model.is_some() {
            Mode::Fused
        } else {
            Mode::Rules
        };
        self.model = model.map(std::sync::Arc::new);
        self
    }

    /// Choose how probabilities are computed; model modes fall back to rules without a model.
    pub fn with_mode(mut self, mode: Mode) -> Engine {
        self.mode = mode;
        self
    }

    /// The current mode (`Rules` when no model is loaded).
    pub fn mode(&self) -> Mode {
        if self.model.is_none() {
            Mode::Rules
        } else {
            self.mode
        }
    }

    /// The loaded model.
    pub fn model(&self) -> Option<&Model> {
        self.model.as_deref()
    }

    /// The rule engine's probabilities for an incident, by [`Cause::index`].
    pub fn rule_probabilities(&self, incident: &Incident) -> PerCause<f64> {
        probabilities(&cause_scores(&self.signals(incident)))
    }

    /// The model features of an incident (what `podmortem train` fits on).
    pub fn features(&self, incident: &Incident) -> Features {
        let signals = self.signals(incident);
        let scores = cause_scores(&signals);
        let probs = probabilities(&scores);
        featurize(incident, &signals, &scores, &probs)
    }

    /// The compiled patterns.
    pub fn patterns(&self) -> &PatternSet {
        &self.set
    }

    /// Ingest `inputs` and diagnose every failing container.
    pub fn analyze(&self, inputs: &[crate::ingest::Input]) -> Report {
        self.analyze_with_progress(inputs, &crate::ingest::NoProgress)
    }

    /// [`Engine::analyze`], telling `progress` how reading the inputs advances (per file and
    /// per MiB read).
    pub fn analyze_with_progress(
        &self,
        inputs: &[crate::ingest::Input],
        progress: &dyn crate::ingest::Progress,
    ) -> Report {
        let ingested = crate::ingest::ingest_with(&self.set, inputs, &self.limits, progress);
        let incidents = ingested.incidents.len();
        let mut errors = ingested.errors;
        if let Some(r) = &self.redactor {
            // A parser's message may quote the input it choked on.
            for e in errors.iter_mut() {
                r.redact_in_place(&mut e.file);
                r.redact_in_place(&mut e.message);
            }
        }
        Report {
            diagnoses: self.diagnose_all(&ingested.incidents),
            errors,
            incidents,
        }
    }

    /// Diagnose the failing incidents, most confident first.
    pub fn diagnose_all(&self, incidents: &[Incident]) -> Vec<Diagnosis> {
        use rayon::prelude::*;
        let mut out: Vec<Diagnosis> = incidents
            .par_iter()
            .filter_map(|i| {
                let signals = self.signals(i);
                if !triage::in_trouble(i, &signals) {
                    return None;
                }
                let d = self.diagnose_signals(i, signals);
                // In trouble only by a signature in its log or events, yet no cause named: the
                // signature was not decisive after all (a healthy log with one odd line).
                // A recognised condition outside the taxonomy (`detail`) is still worth saying.
                (d.cause != Cause::Unknown || d.detail.is_some() || triage::is_failing(i))
                    .then_some(d)
            })
            .collect();
        out.sort_by(Diagnosis::report_order);
        out
    }

    /// Whether the incident deserves a diagnosis (see `triage`): what `diagnose_all` keeps.
    #[cfg_attr(not(feature = "train"), allow(dead_code))]
    pub(crate) fn in_trouble(&self, incident: &Incident) -> bool {
        triage::in_trouble(incident, &self.signals(incident))
    }

    /// Gather every signal of an incident.
    pub(crate) fn signals(&self, incident: &Incident) -> Vec<Signal> {
        let mut sig = Vec::new();
        status_signals(&self.set, incident, &mut sig);
        event_and_log_signals(&self.set, incident, &mut sig);
        damp_generic_crashes(&mut sig);
        sig
    }

    /// Diagnose one incident. Pure: reads no file, socket or clock. Never panics: log hits
    /// whose rule index is not in this engine's pattern set (an [`Incident`] scanned with
    /// another set, or built by hand) are ignored.
    pub fn diagnose(&self, incident: &Incident) -> Diagnosis {
        self.diagnose_signals(incident, self.signals(incident))
    }

    fn diagnose_signals(&self, incident: &Incident, signals: Vec<Signal>) -> Diagnosis {
        let scores = cause_scores(&signals);
        let rule_probs = probabilities(&scores);
        // A recognised condition outside the taxonomy (eviction, runAsNonRoot) outscoring every
        // cause is the rules' call: the model was never trained to name it.
        let outside = scores[Cause::Unknown] > UNKNOWN_SCORE
            && scores.iter().all(|(_, x)| x <= scores[Cause::Unknown]);
        let (probs, threshold) = match (self.mode(), &self.model) {
            (Mode::Rules, _) | (_, None) => (rule_probs, 0.0),
            _ if outside => (rule_probs, 0.0),
            (mode, Some(model)) => {
                let f = featurize(incident, &signals, &scores, &rule_probs);
                let variant = if mode == Mode::ModelOnly {
                    Variant::ModelOnly
                } else {
                    Variant::Fused
                };
                (model.predict(&f, &rule_probs, variant), ABSTAIN_THRESHOLD)
            }
        };
        let (mut cause, mut confidence) = (Cause::Unknown, probs[Cause::Unknown]);
        for c in Cause::ALL {
            if probs[c] > confidence {
                cause = c;
                confidence = probs[c];
            }
        }
        if cause != Cause::Unknown && confidence < threshold {
            // Too unsure to name a cause: say so; the best guess stays in `alternatives`.
            confidence = probs[Cause::Unknown].max(1.0 - confidence);
            cause = Cause::Unknown;
        }
        self.finish(incident, signals, &scores, &probs, cause, confidence)
    }

    pub(crate) fn finish(
        &self,
        incident: &Incident,
        mut signals: Vec<Signal>,
        scores: &PerCause<f64>,
        probs: &PerCause<f64>,
        cause: Cause,
        confidence: f64,
    ) -> Diagnosis {
        // Evidence: the chosen cause's strongest signals first, then others'.
        signals.sort_by(|a, b| {
            (b.evidence.cause == cause)
                .cmp(&(a.evidence.cause == cause))
                .then(b.evidence.weight.total_cmp(&a.evidence.weight))
        });
        let mut seen = std::collections::HashSet::new();
        signals.retain(|s| seen.insert((s.evidence.rule.clone(), s.evidence.text.clone())));
        let top = signals.iter().find(|s| s.evidence.cause == cause);
        let detail = top.and_then(|s| s.detail.clone()).or_else(|| {
            signals
                .iter()
                .filter(|s| s.evidence.cause == cause)
                .find_map(|s| s.detail.clone())
        });
        let mut captures: HashMap<String, String> = HashMap::new();
        for s in signals.iter().filter(|s| s.evidence.cause == cause) {
            for (k, v) in &s.captures {
                captures.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        // The fix text is a template (no input) filled with captures and the spec's image:
        // redact those values, not the prose around them (`credentials: check …` is no secret).
        // A `service` capture can hold a whole connection string.
        let mut redacted = 0;
        if let Some(r) = &self.redactor {
            if let Some(image) = &incident.spec.image {
                captures
                    .entry("image".into())
                    .or_insert_with(|| image.clone());
            }
            for v in captures.values_mut() {
                redacted += r.redact_in_place(v);
            }
        }
        // The model named a cause no rule supports: a guess from the crash window, said as one.
        // A crash shown only by a bare error exit code: the cause is in the log nobody has read
        // yet, and the diagnosis says so with a low confidence.
        let thin = cause == Cause::AppCrash
            && signals.iter().filter(|s| s.evidence.cause == cause).all(
                |s| matches!(s.origin, Origin::Status { id, .. } if id == "status.exit_error"),
            );
        let confidence = if (top.is_none() || thin) && cause != Cause::Unknown {
            confidence.min(UNSUPPORTED_CAP)
        } else {
            confidence
        };
        if top.is_none() && cause != Cause::Unknown {
            // The model named a cause no rule supports: show the crash window it read.
            let fallback: Vec<Signal> = incident
                .logs
                .iter()
                .flat_map(|l| {
                    l.tail.iter().rev().take(3).rev().map(move |t| Signal {
                        evidence: Evidence {
                            source: format!("{}:{}", l.source, t.line),
                            kind: SourceKind::Log,
                            text: t.text.clone(),
                            rule: "model.crash_window".into(),
                            cause,
                            weight: 0.0,
                        },
                        origin: Origin::CrashWindow,
                        detail: None,
                        captures: Vec::new(),
                    })
                })
                .collect();
            signals.splice(0..0, fallback);
        }
        let top = signals
            .iter()
            .find(|s| s.evidence.cause == cause && !matches!(s.origin, Origin::CrashWindow));
        let explanation = match top {
            None if cause != Cause::Unknown => format!(
                "The trained model recognises this as {} from the crash window; no pattern rule matched.",
                cause.title()
            ),
            Some(s) => match s.origin {
                Origin::Status { explain, .. } => explain.to_string(),
                _ => self
                    .set
                    .find(&s.evidence.rule)
                    .and_then(|i| self.set.rule(i))
                    .map(|r| r.explain.clone())
                    .unwrap_or_default(),
            },
            None => "No signature of a known cause was found in the evidence.".to_string(),
        };
        let mut alternatives: Vec<Alternative> = Cause::ALL
            .iter()
            .copied()
            .filter(|&c| c != cause && probs[c] >= 0.01)
            .map(|c| Alternative {
                cause: c,
                confidence: round3(probs[c]),
            })
            .collect();
        alternatives.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
        alternatives.truncate(4);
        // `unknown` with named alternatives: its confidence is what the shown causes leave, so
        // that the verdict and its alternatives never add up past 1.
        let confidence = if cause == Cause::Unknown {
            let shown: f64 = alternatives.iter().map(|a| a.confidence).sum();
            confidence.min(1.0 - shown).max(0.0)
        } else {
            confidence
        };
        let evidence: Vec<Evidence> = signals.into_iter().take(8).map(|s| s.evidence).collect();
        let backoff = backoff(incident);
        Diagnosis {
            namespace: incident.namespace.clone(),
            pod: incident.pod.clone(),
            container: incident.container.clone(),
            cause,
            detail,
            confidence: round3(confidence),
            alternatives,
            evidence,
            timeline: timeline(incident, &backoff),
            backoff,
            explanation,
            remediation: remediation(cause, None, incident, &captures),
            score: scores[cause],
            has_status: incident.status.is_some(),
            redacted,
        }
        .with_detail_remediation(incident, &captures)
        .redacted_by(self.redactor.as_ref())
    }
}

impl Diagnosis {
    fn with_detail_remediation(
        mut self,
        incident: &Incident,
        captures: &HashMap<String, String>,
    ) -> Self {
        self.remediation = remediation(self.cause, self.detail.as_deref(), incident, captures);
        self
    }

    /// Replace secrets in the evidence (lines and sources taken from the input), adding them
    /// to `redacted`. Explanations are fixed text; the fix text's values are redacted before
    /// they are filled in.
    fn redacted_by(mut self, redactor: Option<&Redactor>) -> Self {
        let Some(r) = redactor else { return self };
        for e in self.evidence.iter_mut() {
            self.redacted += r.redact_in_place(&mut e.text);
            self.redacted += r.redact_in_place(&mut e.source);
        }
        // The timeline shows status reasons and sources from the input too.
        let t = &mut self.timeline;
        for x in t.terminations.iter_mut() {
            self.redacted += r.redact_in_place(&mut x.source);
            if let Some(reason) = x.reason.as_mut() {
                self.redacted += r.redact_in_place(reason);
            }
        }
        for x in t.events.iter_mut() {
            self.redacted += r.redact_in_place(&mut x.source);
            self.redacted += r.redact_in_place(&mut x.reason);
        }
        self
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod redaction_tests {
    use super::*;
    use crate::incident::{LogLine, LogScan};

    /// The model's crash-window fallback (a cause no rule supports) shows the last log lines:
    /// they are redacted like any evidence, and only when redaction is on.
    #[test]
    fn crash_window_fallback_is_redacted() {
        let incident = Incident {
            pod: "api".into(),
            logs: vec![LogScan {
                source: "api.previous.log".into(),
                previous: true,
                tail: vec![
                    LogLine {
                        line: 1,
                        text: "connecting to postgres://app:Hunter2Pw@db:5432/shop".into(),
                    },
                    LogLine {
                        line: 2,
                        text: "exiting with token=tok_9f8e7d6c5b4a".into(),
                    },
                ],
                ..LogScan::default()
            }],
            ..Incident::default()
        };
        let mut probs = PerCause::splat(0.0);
        probs[Cause::AppCrash] = 0.9;
        let scores = PerCause::splat(f64::NEG_INFINITY);
        for (engine, redacted) in [
            (Engine::new(), true),
            (Engine::new().with_redaction(false), false),
        ] {
            let d = engine.finish(&incident, Vec::new(), &scores, &probs, Cause::AppCrash, 0.9);
            assert_eq!(d.evidence.len(), 2);
            assert!(d.evidence.iter().all(|e| e.rule == "model.crash_window"));
            let text: String = d.evidence.iter().map(|e| e.text.clone()).collect();
            assert_eq!(!text.contains("Hunter2Pw"), redacted, "{text}");
            assert_eq!(!text.contains("tok_9f8e7d6c5b4a"), redacted, "{text}");
            assert_eq!(d.redacted, if redacted { 2 } else { 0 });
        }
    }
}
