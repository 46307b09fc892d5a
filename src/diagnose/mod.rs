//! From an [`Incident`] to a [`Diagnosis`]: signals, scoring, confidence, back-off, remediation.
//!
//! # How the decision is made
//! Every piece of evidence is a *signal* for one cause with a weight: pattern rules carry a
//! weight (roughly the log-likelihood ratio the signature contributes), and built-in status facts
//! (`OOMKilled`, `ErrImagePull`, exit codes …) carry fixed ones. Weights are scaled by where the
//! evidence sits — status ×1.5, kubelet events ×1.25, logs ×1.0 — and log hits inside the crash
//! window (the last lines before the termination) count fully while older ones count 0.6×; the
//! last hit of a log counts 1.25×. Per cause, signals combine with diminishing returns (the
//! strongest counts fully, the next half, then a quarter …) so a hundred retried warnings never
//! outvote one decisive status fact.
//!
//! Confidence is a softmax over cause scores at temperature [`TEMPERATURE`], competing with an
//! `unknown` hypothesis of fixed score [`UNKNOWN_SCORE`]: with weak evidence, unknown wins and the
//! engine says so rather than guess. The trained model (see `model`) recalibrates this.

mod backoff;
pub mod command;
mod remediation;
pub mod time;
mod triage;

pub use backoff::{backoff, Backoff};
pub use remediation::remediation;
pub use triage::{is_failing, restart_age, status_in_trouble};

use std::collections::HashMap;

use serde::Serialize;

use crate::cause::Cause;
use crate::incident::{ContainerState, Incident, SourceKind, Terminated};
use crate::model::{featurize, Features, Model, Variant, ABSTAIN_THRESHOLD};
use crate::patterns::PatternSet;
use crate::redact::Redactor;

/// Softmax temperature applied to cause scores.
pub const TEMPERATURE: f64 = 1.5;
/// The score of the `unknown` hypothesis.
pub const UNKNOWN_SCORE: f64 = 2.5;

/// The highest confidence of a cause that no rule supports (the model read it from the crash
/// window alone): on real incidents such guesses are right about half the time at best.
const UNSUPPORTED_CAP: f64 = 0.45;

const STATUS_FACTOR: f64 = 1.5;
const EVENT_FACTOR: f64 = 1.25;
const LOG_FACTOR: f64 = 1.0;

/// One line of evidence behind a diagnosis.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Evidence {
    /// `file:line` (or `file (pod x)` for JSON objects).
    pub source: String,
    /// `log`, `event` or `status`.
    pub kind: SourceKind,
    /// The line or message.
    pub text: String,
    /// The rule (pattern id, or `status.*` for built-in status facts).
    pub rule: String,
    /// The cause this evidence points to.
    pub cause: Cause,
    /// Its effective weight after source and position factors.
    #[serde(skip)]
    pub weight: f64,
}

/// A runner-up cause.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Alternative {
    /// The cause.
    pub cause: Cause,
    /// Its probability.
    pub confidence: f64,
}

/// The engine's verdict on one container.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Diagnosis {
    /// Namespace, when known.
    pub namespace: Option<String>,
    /// Pod (or file stem for unattached logs).
    pub pod: String,
    /// Container, when known.
    pub container: Option<String>,
    /// The most likely cause.
    pub cause: Cause,
    /// A finer label (`not_found`, `container_limit`, `startup`, …).
    pub detail: Option<String>,
    /// Probability of `cause`, in [0, 1].
    pub confidence: f64,
    /// Other causes, most likely first.
    pub alternatives: Vec<Alternative>,
    /// What the diagnosis rests on: the cause's own evidence first.
    pub evidence: Vec<Evidence>,
    /// The back-off timer.
    pub backoff: Backoff,
    /// One line: what the top evidence means.
    pub explanation: String,
    /// What to do.
    pub remediation: Vec<String>,
    /// The raw (pre-softmax) score of `cause`; used to order diagnoses.
    #[serde(skip)]
    pub score: f64,
    /// Whether a container status was seen (the pod exists in the export).
    #[serde(skip)]
    pub has_status: bool,
    /// How many secret values were replaced by `****` in this diagnosis's texts (0 when
    /// redaction is off).
    pub redacted: usize,
}

impl Diagnosis {
    /// `namespace/pod/container` with unknown parts left out.
    pub fn display_name(&self) -> String {
        crate::incident::qualified_name(
            self.namespace.as_deref(),
            &self.pod,
            self.container.as_deref(),
        )
    }
}

/// A weighted piece of evidence for one cause.
#[derive(Debug, Clone)]
pub(crate) struct Signal {
    pub evidence: Evidence,
    pub detail: Option<String>,
    pub captures: Vec<(String, String)>,
}

impl Signal {
    /// A pattern rule matched `text` at `source`; `weight` already holds every factor.
    fn from_rule(
        rule: &crate::patterns::Rule,
        source: String,
        kind: SourceKind,
        text: String,
        weight: f64,
        captures: Vec<(String, String)>,
    ) -> Signal {
        Signal {
            evidence: Evidence {
                source,
                kind,
                text,
                rule: rule.id.clone(),
                cause: rule.cause,
                weight,
            },
            detail: rule.detail.clone(),
            captures,
        }
    }
}

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

/// The result of analysing a set of inputs.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// One diagnosis per failing container, most confident first.
    pub diagnoses: Vec<Diagnosis>,
    /// Inputs that could not be (fully) read.
    pub errors: Vec<crate::error::InputError>,
    /// How many incidents (containers) were assembled, failing or not.
    #[serde(skip)]
    pub incidents: usize,
}

impl Report {
    /// How many secret values were redacted across all diagnoses.
    pub fn redacted(&self) -> usize {
        self.diagnoses.iter().map(|d| d.redacted).sum()
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
    pub fn rule_probabilities(&self, incident: &Incident) -> [f64; 18] {
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
        let ingested = crate::ingest::ingest_with_limits(&self.set, inputs, &self.limits);
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
                (d.cause != Cause::Unknown || d.detail.is_some() || is_failing(i)).then_some(d)
            })
            .collect();
        out.sort_by(|a, b| {
            // Named causes first, most confident first; `unknown` (however sure we are that we
            // do not know) last. Ties go to containers whose status we saw.
            let known = |d: &Diagnosis| d.cause != Cause::Unknown;
            known(b)
                .cmp(&known(a))
                .then(b.confidence.total_cmp(&a.confidence))
                .then(b.has_status.cmp(&a.has_status))
                .then(b.score.total_cmp(&a.score))
                .then(a.display_name().cmp(&b.display_name()))
        });
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
        for e in &incident.events {
            let text = e.message.as_bytes();
            for m in self.set.matches(text, SourceKind::Event) {
                let Some(rule) = self.set.rule(m.rule) else {
                    continue;
                };
                let repeat = 1.0 + 0.1 * (e.count as f64).ln().min(3.0);
                let text_shown = {
                    let head = format!(
                        "{} {}{}: ",
                        e.kind.as_deref().unwrap_or(""),
                        e.reason,
                        if e.count > 1 {
                            format!(" (x{})", e.count)
                        } else {
                            String::new()
                        }
                    );
                    let full = format!("{}{}", head.trim_start(), e.message);
                    let off = full.len() - e.message.len();
                    let span = self.set.span(m.rule, text).map(|(a, b)| (a + off, b + off));
                    crate::incident::clip_around(&full, span, crate::incident::MAX_EVIDENCE_LEN)
                };
                sig.push(Signal::from_rule(
                    rule,
                    e.source.to_string(),
                    SourceKind::Event,
                    text_shown,
                    rule.weight * EVENT_FACTOR * repeat,
                    m.captures,
                ));
            }
        }
        let has_previous = incident.logs.iter().any(|l| l.previous);
        let max_restart = incident.logs.iter().filter_map(|l| l.restart).max();
        for log in &incident.logs {
            let instance = if has_previous && !log.previous {
                0.85
            } else if max_restart.is_some() && log.restart.is_some() && log.restart != max_restart {
                0.7
            } else {
                1.0
            };
            let last_line = log.hits.iter().map(|h| h.line.line).max();
            for h in &log.hits {
                // A hit of another pattern set (an incident built elsewhere) names no rule
                // of ours: skipped, as documented on `diagnose`.
                let Some(rule) = self.set.rule(h.rule) else {
                    continue;
                };
                let position = if h.lines_from_end < crate::incident::TAIL_LINES as u64 {
                    1.0
                } else {
                    0.6
                };
                let last = if Some(h.line.line) == last_line {
                    1.25
                } else {
                    1.0
                };
                // "…failed, retrying (1/5)": a client still trying, not the error that ended it.
                let retried = if is_retry_line(&h.line.text) {
                    0.5
                } else {
                    1.0
                };
                sig.push(Signal::from_rule(
                    rule,
                    format!("{}:{}", log.source, h.line.line),
                    SourceKind::Log,
                    h.line.text.clone(),
                    rule.weight * LOG_FACTOR * instance * position * last * retried,
                    h.captures.clone(),
                ));
            }
        }
        // app_crash means "a crash nothing more specific explains": generic crash markers
        // (a traceback header, `Node.js v20` footers, `Application run failed`) count half when
        // a specific cause has real evidence.
        let specific = sig
            .iter()
            .any(|s| s.evidence.cause != Cause::AppCrash && s.evidence.weight >= 2.0);
        if specific {
            for s in sig.iter_mut() {
                if s.evidence.cause == Cause::AppCrash && !s.evidence.rule.starts_with("status.") {
                    s.evidence.weight *= 0.5;
                }
            }
        }
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
        let outside = scores[Cause::Unknown.index()] > UNKNOWN_SCORE
            && scores.iter().all(|&x| x <= scores[Cause::Unknown.index()]);
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
        let (mut cause, mut confidence) = (Cause::Unknown, probs[Cause::Unknown.index()]);
        for c in Cause::ALL {
            if probs[c.index()] > confidence {
                cause = c;
                confidence = probs[c.index()];
            }
        }
        if cause != Cause::Unknown && confidence < threshold {
            // Too unsure to name a cause: say so; the best guess stays in `alternatives`.
            confidence = probs[Cause::Unknown.index()].max(1.0 - confidence);
            cause = Cause::Unknown;
        }
        self.finish(incident, signals, &scores, &probs, cause, confidence)
    }

    pub(crate) fn finish(
        &self,
        incident: &Incident,
        mut signals: Vec<Signal>,
        scores: &[f64; 18],
        probs: &[f64; 18],
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
            && signals
                .iter()
                .filter(|s| s.evidence.cause == cause)
                .all(|s| s.evidence.rule == "status.exit_error");
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
                        detail: None,
                        captures: Vec::new(),
                    })
                })
                .collect();
            signals.splice(0..0, fallback);
        }
        let top = signals
            .iter()
            .find(|s| s.evidence.cause == cause && s.evidence.rule != "model.crash_window");
        let explanation = match top {
            None if cause != Cause::Unknown => format!(
                "The trained model recognises this as {} from the crash window; no pattern rule matched.",
                cause.title()
            ),
            Some(s) => self
                .set
                .find(&s.evidence.rule)
                .and_then(|i| self.set.rule(i))
                .map(|r| r.explain.clone())
                .unwrap_or_else(|| builtin_explain(&s.evidence.rule).to_string()),
            None => "No signature of a known cause was found in the evidence.".to_string(),
        };
        let mut alternatives: Vec<Alternative> = Cause::ALL
            .iter()
            .copied()
            .filter(|&c| c != cause && probs[c.index()] >= 0.01)
            .map(|c| Alternative {
                cause: c,
                confidence: round3(probs[c.index()]),
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
        Diagnosis {
            namespace: incident.namespace.clone(),
            pod: incident.pod.clone(),
            container: incident.container.clone(),
            cause,
            detail,
            confidence: round3(confidence),
            alternatives,
            evidence,
            backoff: backoff(incident),
            explanation,
            remediation: remediation(cause, None, incident, &captures),
            score: scores[cause.index()],
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
        self
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Per-cause score: signals combine with diminishing returns (1, ½, ¼ …), one per rule.
pub(crate) fn cause_scores(signals: &[Signal]) -> [f64; 18] {
    let mut per_cause: Vec<Vec<f64>> = vec![Vec::new(); 18];
    let mut best_per_rule: HashMap<&str, (Cause, f64)> = HashMap::new();
    for s in signals {
        let e = best_per_rule
            .entry(s.evidence.rule.as_str())
            .or_insert((s.evidence.cause, 0.0));
        e.1 = e.1.max(s.evidence.weight);
    }
    for (_, (c, w)) in best_per_rule {
        per_cause[c.index()].push(w);
    }
    let mut out = [f64::NEG_INFINITY; 18];
    for (i, ws) in per_cause.iter_mut().enumerate() {
        if ws.is_empty() {
            continue;
        }
        ws.sort_by(|a, b| b.total_cmp(a));
        out[i] = ws
            .iter()
            .enumerate()
            .map(|(k, w)| w * 0.5f64.powi(k as i32))
            .sum();
    }
    // Rules for conditions outside the taxonomy (eviction, runAsNonRoot) raise `unknown` itself.
    out[Cause::Unknown.index()] = out[Cause::Unknown.index()].max(UNKNOWN_SCORE);
    out
}

/// Softmax over scores at [`TEMPERATURE`]; causes without evidence get 0.
pub(crate) fn probabilities(scores: &[f64; 18]) -> [f64; 18] {
    let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut p = [0.0; 18];
    let mut sum = 0.0;
    for i in 0..18 {
        if scores[i].is_finite() {
            p[i] = ((scores[i] - max) / TEMPERATURE).exp();
            sum += p[i];
        }
    }
    for x in p.iter_mut() {
        *x /= sum;
    }
    p
}

/// Whether a log line announces a retry (the error it reports was not yet fatal).
fn is_retry_line(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    [
        "retrying",
        "will retry",
        "retry in",
        "retry after",
        "reconnecting",
        "attempt ",
    ]
    .iter()
    .any(|k| lower.contains(k))
}

fn builtin_explain(rule: &str) -> &'static str {
    match rule {
        "status.oom_killed" => "The container runtime reports OOMKilled: the kernel killed the container for exceeding its memory limit.",
        "status.image_pull" => "The kubelet cannot pull the container image.",
        "status.create_config_error" => "The kubelet cannot build the container's configuration (usually a missing Secret/ConfigMap or key).",
        "status.exit_zero" => "The container exits with code 0, but restartPolicy Always restarts it: the main process does not stay in the foreground.",
        "status.exit_127" => "Exit code 127: the command was not found.",
        "status.exit_126" => "Exit code 126: the command is not executable.",
        "status.exit_139" => "Exit code 139: the process died of SIGSEGV (segmentation fault).",
        "status.exit_134" => "Exit code 134: the process aborted (SIGABRT).",
        "status.exit_error" => "The application exits with an error code and nothing shown says why: the cause is in its previous log.",
        "status.evicted" => "The kubelet evicted the pod (node pressure or a resource limit of the pod): not a failure of the container itself; its controller replaces it.",
        _ => "Built-in status fact.",
    }
}

fn terminated_text(prefix: &str, t: &Terminated) -> String {
    let mut s = format!("{prefix}: Terminated");
    if let Some(r) = &t.reason {
        s.push_str(&format!(", Reason: {r}"));
    }
    if let Some(c) = t.exit_code {
        s.push_str(&format!(", Exit Code: {c}"));
    }
    s
}

fn push_status(
    sig: &mut Vec<Signal>,
    source: &str,
    rule: &str,
    cause: Cause,
    detail: Option<&str>,
    weight: f64,
    text: String,
) {
    sig.push(Signal {
        evidence: Evidence {
            source: source.to_string(),
            kind: SourceKind::Status,
            text,
            rule: rule.to_string(),
            cause,
            weight: weight * STATUS_FACTOR,
        },
        detail: detail.map(str::to_string),
        captures: Vec::new(),
    });
}

fn status_signals(set: &PatternSet, incident: &Incident, sig: &mut Vec<Signal>) {
    let mut texts: Vec<(String, String)> = Vec::new();
    if let Some(m) = &incident.pod_message {
        texts.push(("pod status".into(), m.clone()));
    }
    if incident.pod_reason.as_deref() == Some("Evicted") && incident.pod_message.is_none() {
        push_status(
            sig,
            "pod status",
            "status.evicted",
            Cause::Unknown,
            Some("evicted"),
            1.0,
            "Status: Failed, Reason: Evicted".into(),
        );
    }
    let Some(st) = &incident.status else {
        match_status_texts(set, incident, &texts, sig);
        return;
    };
    let src = st.source.to_string();
    let restarts = st.restart_count.unwrap_or(0);
    let waiting_reason = match &st.state {
        Some(ContainerState::Waiting { reason, message }) => {
            if let Some(m) = message {
                texts.push((src.clone(), m.clone()));
            }
            reason.clone()
        }
        _ => None,
    };
    // A last state exists only after a restart: an excerpt without the current state is a loop.
    let crashlooping = waiting_reason.as_deref() == Some("CrashLoopBackOff")
        || (st.state.is_none() && st.last_terminated.is_some());
    if let Some(r) = waiting_reason.as_deref() {
        let text = format!("State: Waiting, Reason: {r}");
        match r {
            "ErrImagePull"
            | "ImagePullBackOff"
            | "RegistryUnavailable"
            | "ImageInspectError"
            | "SignatureValidationFailed" => push_status(
                sig,
                &src,
                "status.image_pull",
                Cause::ImagePullError,
                None,
                4.0,
                text,
            ),
            "InvalidImageName" => push_status(
                sig,
                &src,
                "status.image_pull",
                Cause::ImagePullError,
                Some("invalid_reference"),
                5.0,
                text,
            ),
            "ErrImageNeverPull" => push_status(
                sig,
                &src,
                "status.image_pull",
                Cause::ImagePullError,
                Some("not_found"),
                5.0,
                text,
            ),
            "CreateContainerConfigError" => push_status(
                sig,
                &src,
                "status.create_config_error",
                Cause::MissingSecretOrConfigmap,
                None,
                2.0,
                text,
            ),
            _ => {}
        }
    }
    let current_term = match &st.state {
        Some(ContainerState::Terminated(t)) => Some(t),
        _ => None,
    };
    for (label, t) in [
        ("State", current_term),
        ("Last State", st.last_terminated.as_ref()),
    ] {
        let Some(t) = t else { continue };
        if let Some(m) = &t.message {
            for line in m.lines().filter(|l| !l.trim().is_empty()) {
                texts.push((src.clone(), line.to_string()));
            }
        }
        let text = terminated_text(label, t);
        let reason = t.reason.as_deref().unwrap_or("");
        if reason == "OOMKilled" {
            push_status(
                sig,
                &src,
                "status.oom_killed",
                Cause::OomKilled,
                Some("container_limit"),
                6.0,
                text,
            );
            continue;
        }
        match t.exit_code {
            Some(0) => {
                let always = incident
                    .restart_policy
                    .as_deref()
                    .is_none_or(|p| p == "Always");
                if always && !incident.spec.init && (crashlooping || restarts > 0) {
                    push_status(
                        sig,
                        &src,
                        "status.exit_zero",
                        Cause::ExitsImmediately,
                        None,
                        4.0,
                        text.clone(),
                    );
                }
            }
            Some(127) => push_status(
                sig,
                &src,
                "status.exit_127",
                Cause::BadCommand,
                None,
                3.0,
                text.clone(),
            ),
            Some(126) => push_status(
                sig,
                &src,
                "status.exit_126",
                Cause::BadCommand,
                None,
                2.0,
                text.clone(),
            ),
            Some(139) => push_status(
                sig,
                &src,
                "status.exit_139",
                Cause::AppCrash,
                Some("segfault"),
                2.5,
                text.clone(),
            ),
            Some(134) => push_status(
                sig,
                &src,
                "status.exit_134",
                Cause::AppCrash,
                Some("abort"),
                1.5,
                text.clone(),
            ),
            // 137/143 are kills (probe, eviction, shutdown); 128 is a start failure whose
            // message says more. Neither is evidence of a crash by itself.
            Some(137) | Some(143) | Some(128) => {}
            Some(_) if reason == "Error" || reason.is_empty() => push_status(
                sig,
                &src,
                "status.exit_error",
                Cause::AppCrash,
                None,
                1.0,
                text.clone(),
            ),
            _ => {}
        }
        if reason == "Completed"
            && t.exit_code.is_none()
            && (crashlooping || restarts > 0)
            && !incident.spec.init
        {
            push_status(
                sig,
                &src,
                "status.exit_zero",
                Cause::ExitsImmediately,
                None,
                4.0,
                text,
            );
        }
    }
    match_status_texts(set, incident, &texts, sig);
}

fn match_status_texts(
    set: &PatternSet,
    _incident: &Incident,
    texts: &[(String, String)],
    sig: &mut Vec<Signal>,
) {
    // The last text that matches anything gets the crash window's last-hit bonus: a
    // FallbackToLogsOnError message is the log's last lines.
    let last_matching = texts
        .iter()
        .rposition(|(_, t)| !set.matches(t.as_bytes(), SourceKind::Log).is_empty());
    for (i, (src, text)) in texts.iter().enumerate() {
        let bonus = if Some(i) == last_matching { 1.25 } else { 1.0 };
        let mut fired = std::collections::HashSet::new();
        for kind in [SourceKind::Status, SourceKind::Log] {
            for m in set.matches(text.as_bytes(), kind) {
                if !fired.insert(m.rule) {
                    continue;
                }
                let Some(rule) = set.rule(m.rule) else {
                    continue;
                };
                let factor = if kind == SourceKind::Status {
                    STATUS_FACTOR
                } else {
                    LOG_FACTOR
                };
                sig.push(Signal::from_rule(
                    rule,
                    src.clone(),
                    SourceKind::Status,
                    crate::incident::clip_around(
                        text,
                        set.span(m.rule, text.as_bytes()),
                        crate::incident::MAX_EVIDENCE_LEN,
                    ),
                    rule.weight * factor * bonus,
                    m.captures,
                ));
            }
        }
    }
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
        let mut probs = [0.0; 18];
        probs[Cause::AppCrash.index()] = 0.9;
        let scores = [f64::NEG_INFINITY; 18];
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
