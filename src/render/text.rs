use std::fmt::Write;

use super::{band, escape_control as esc};
use crate::cause::Cause;
use crate::diagnose::{Diagnosis, Report};

/// Options for text output.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    /// Emit ANSI colours.
    pub color: bool,
    /// Show every evidence line and all remediation steps (otherwise the top few).
    pub verbose: bool,
}

struct Paint(bool);

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
    fn cause(&self, d: &Diagnosis, s: &str) -> String {
        let code = match (d.cause, band(d.confidence)) {
            (Cause::Unknown, _) => "33",
            (_, "high") => "1;31",
            (_, "medium") => "31",
            _ => "33",
        };
        self.wrap(code, s)
    }
}

/// One diagnosis as a compact block (about a dozen lines).
pub fn diagnosis_text(d: &Diagnosis, opts: TextOptions) -> String {
    let p = Paint(opts.color);
    let mut s = String::new();
    let cause = match &d.detail {
        Some(x) => format!("{} ({x})", d.cause),
        None => d.cause.to_string(),
    };
    let _ = writeln!(
        s,
        "{}  {}  confidence {:.2} ({})",
        p.bold(&esc(&d.display_name())),
        p.cause(d, &cause),
        d.confidence,
        band(d.confidence)
    );
    // Everything from the input goes through `esc`: a log line must not drive the terminal.
    let _ = writeln!(s, "  why:      {}", esc(&d.explanation));
    let b = &d.backoff;
    let mut bo = Vec::new();
    if let Some(st) = &b.state {
        bo.push(esc(st).into_owned());
    }
    if let Some(n) = b.restart_count {
        bo.push(format!("{n} restarts"));
    }
    if let Some(delay) = &b.current_delay {
        bo.push(format!(
            "delay {delay}{}",
            if b.delay_source == Some("default schedule") {
                " (est.)"
            } else {
                ""
            }
        ));
    }
    if let Some(n) = &b.next_restart {
        bo.push(format!("next restart {n}"));
    }
    if !bo.is_empty() {
        let _ = writeln!(s, "  back-off: {}", bo.join(", "));
    }
    let _ = writeln!(s, "  evidence:");
    let n = if opts.verbose { d.evidence.len() } else { 4 };
    for e in d.evidence.iter().take(n) {
        let _ = writeln!(
            s,
            "    {:<6} {}  {}",
            e.kind.as_str(),
            p.dim(&esc(&e.source)),
            esc(&e.text)
        );
    }
    let _ = writeln!(s, "  fix:");
    let n = if opts.verbose { d.remediation.len() } else { 4 };
    for r in d.remediation.iter().take(n) {
        let _ = writeln!(s, "    {}", esc(r));
    }
    if d.redacted > 0 {
        let _ = writeln!(s, "  {}", p.dim(&redaction_note(d.redacted)));
    }
    if let Some(alts) = alternatives_line(d) {
        let _ = writeln!(s, "  {}", p.dim(&alts));
    }
    s
}

/// Says that secrets were hidden and how to see them.
/// `alternatives: app_crash 0.12, …` (the three likeliest), or `None` when there are none.
pub(crate) fn alternatives_line(d: &Diagnosis) -> Option<String> {
    if d.alternatives.is_empty() {
        return None;
    }
    let alts: Vec<String> = d
        .alternatives
        .iter()
        .take(3)
        .map(|a| format!("{} {:.2}", a.cause, a.confidence))
        .collect();
    Some(format!("alternatives: {}", alts.join(", ")))
}

pub(crate) fn redaction_note(n: usize) -> String {
    format!(
        "note: secrets redacted ({n} value{}); --no-redact shows them",
        if n == 1 { "" } else { "s" }
    )
}

/// The whole report.
pub fn to_text(report: &Report, opts: TextOptions) -> String {
    let mut s = String::new();
    if report.diagnoses.is_empty() {
        let _ = writeln!(
            s,
            "No container in BackOff or failing: {} container(s) examined.",
            report.incidents
        );
    }
    for (i, d) in report.diagnoses.iter().enumerate() {
        if i > 0 {
            s.push('\n');
        }
        s.push_str(&diagnosis_text(d, opts));
    }
    s
}
