//! Signals: every piece of evidence of an incident as a weighted vote for one cause.
//!
//! Weights are a rule's own weight scaled by where the evidence sits — status ×1.5, kubelet
//! events ×1.25 (a little more when repeated), logs ×1.0 — and, for log hits, by position: hits
//! in the crash window (the last lines before the termination) count fully, older ones 0.6×, the
//! last hit 1.25×, a line announcing a retry 0.5×, and the current instance's log 0.85× when a
//! previous one exists. Generic crash markers are damped when a specific cause has real evidence.

use super::report::Evidence;
use crate::cause::Cause;
use crate::incident::{clip_around, Incident, SourceKind, MAX_EVIDENCE_LEN, TAIL_LINES};
use crate::patterns::{PatternSet, Rule};

pub(crate) const STATUS_FACTOR: f64 = 1.5;
pub(crate) const EVENT_FACTOR: f64 = 1.25;
pub(crate) const LOG_FACTOR: f64 = 1.0;

/// Where a signal comes from: which kind of rule, so the engine never tells rules apart by
/// the spelling of their ids.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Origin {
    /// A rule of the pattern packs.
    Pattern,
    /// A built-in status rule (see `status`): its id and explanation.
    Status {
        id: &'static str,
        explain: &'static str,
    },
    /// A line of the crash window shown for a cause only the model named.
    CrashWindow,
}

/// A weighted piece of evidence for one cause.
#[derive(Debug, Clone)]
pub(crate) struct Signal {
    pub evidence: Evidence,
    pub origin: Origin,
    pub detail: Option<String>,
    pub captures: Vec<(String, String)>,
}

impl Signal {
    /// A pattern rule matched `text` at `source`; `weight` already holds every factor.
    pub(crate) fn from_rule(
        rule: &Rule,
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
            origin: Origin::Pattern,
            detail: rule.detail.clone(),
            captures,
        }
    }

    /// Whether a built-in status rule made this signal.
    pub(crate) fn is_status_rule(&self) -> bool {
        matches!(self.origin, Origin::Status { .. })
    }
}

/// The signals of an incident's events and log hits, added to `sig`.
pub(crate) fn event_and_log_signals(set: &PatternSet, incident: &Incident, sig: &mut Vec<Signal>) {
    for e in &incident.events {
        let text = e.message.as_bytes();
        for m in set.matches(text, SourceKind::Event) {
            let Some(rule) = set.rule(m.rule) else {
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
                let span = set.span(m.rule, text).map(|(a, b)| (a + off, b + off));
                clip_around(&full, span, MAX_EVIDENCE_LEN)
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
            // A hit of another pattern set (an incident built elsewhere) names no rule of
            // ours: skipped, as documented on `Engine::diagnose`.
            let Some(rule) = set.rule(h.rule) else {
                continue;
            };
            let position = if h.lines_from_end < TAIL_LINES as u64 {
                1.0
            } else {
                0.6
            };
            let last = if Some(h.line.line) == last_line {
                1.25
            } else {
                1.0
            };
            // "…failed, retrying (1/5)": a client still trying, not the error that ended it;
            // a debug-level line is by its own account not the error that ended anything.
            let retried = if is_retry_line(&h.line.text) || is_debug_line(&h.line.text) {
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
}

/// app_crash means "a crash nothing more specific explains": generic crash markers (a
/// traceback header, `Node.js v20` footers, `Application run failed`) count half when a
/// specific cause has real evidence. Status facts (an exit code) keep their weight.
pub(crate) fn damp_generic_crashes(sig: &mut [Signal]) {
    let specific = sig
        .iter()
        .any(|s| s.evidence.cause != Cause::AppCrash && s.evidence.weight >= 2.0);
    if specific {
        for s in sig.iter_mut() {
            if s.evidence.cause == Cause::AppCrash && !s.is_status_rule() {
                s.evidence.weight *= 0.5;
            }
        }
    }
}

/// Whether a log line is logged at debug or trace level (logfmt, JSON, bracketed or padded).
fn is_debug_line(text: &str) -> bool {
    let mut end = text.len().min(120);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = &text[..end];
    let lower = head.to_ascii_lowercase();
    [
        "level=debug",
        "level=trace",
        "\"level\":\"debug\"",
        "\"level\":\"trace\"",
        "[debug]",
        "[trace]",
    ]
    .iter()
    .any(|k| lower.contains(k))
        || head.contains(" DEBUG ")
        || head.contains(" TRACE ")
        || head.starts_with("DEBUG ")
        || head.starts_with("debug: ")
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

#[cfg(test)]
mod tests {
    use super::is_debug_line;

    #[test]
    fn debug_lines_are_recognised_in_the_usual_log_shapes() {
        for l in [
            r#"ts=2026-03-01T10:00:00Z level=debug msg="Scrape failed" err="connection refused""#,
            r#"{"level":"debug","msg":"dial tcp 10.0.0.5:5432: connect: connection refused"}"#,
            "2026-03-01 10:00:00.123 DEBUG 1 --- [main] o.a.h.c: Connection refused",
            "[debug] health check: connection refused",
        ] {
            assert!(is_debug_line(l), "{l}");
        }
        for l in [
            "level=error msg=\"dial tcp: connection refused\"",
            "FATAL: password authentication failed for user \"app\"",
            "ERROR debugger port 5005 is already in use",
            "Ünïcödé ✓ level=info ".repeat(20).as_str(),
        ] {
            assert!(!is_debug_line(l), "{l}");
        }
    }
}
