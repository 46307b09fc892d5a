use std::fmt::Write;

use super::band;
use crate::diagnose::Report;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// A Markdown report: a summary table, then one section per diagnosis.
pub fn to_markdown(report: &Report) -> String {
    let mut s = String::from("# podmortem report\n\n");
    if report.diagnoses.is_empty() {
        let _ = writeln!(s, "No container in BackOff or failing.\n");
    } else {
        s.push_str("| container | cause | confidence | restarts |\n|---|---|---|---|\n");
        for d in &report.diagnoses {
            let _ = writeln!(
                s,
                "| `{}` | {}{} | {:.2} ({}) | {} |",
                d.display_name(),
                d.cause,
                d.detail
                    .as_deref()
                    .map(|x| format!(" ({x})"))
                    .unwrap_or_default(),
                d.confidence,
                band(d.confidence),
                d.backoff
                    .restart_count
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "-".into())
            );
        }
        s.push('\n');
    }
    for d in &report.diagnoses {
        let _ = writeln!(s, "## `{}`: {}\n", d.display_name(), d.cause.title());
        let _ = writeln!(s, "{}\n", d.explanation);
        if let Some(delay) = &d.backoff.current_delay {
            let _ = writeln!(
                s,
                "Back-off: {} — current delay {delay}{}.\n",
                d.backoff.state.as_deref().unwrap_or("-"),
                d.backoff
                    .next_restart
                    .as_deref()
                    .map(|n| format!(", next restart {n}"))
                    .unwrap_or_default()
            );
        }
        s.push_str("**Evidence**\n\n| kind | source | text |\n|---|---|---|\n");
        for e in &d.evidence {
            let _ = writeln!(
                s,
                "| {} | `{}` | {} |",
                e.kind.as_str(),
                cell(&e.source),
                cell(&e.text)
            );
        }
        s.push_str("\n**Fix**\n\n");
        for r in &d.remediation {
            match r.split_once("$ ") {
                Some((prose, cmd)) if prose.trim().is_empty() => {
                    let _ = writeln!(s, "```sh\n{cmd}\n```");
                }
                _ => {
                    let _ = writeln!(s, "- {r}");
                }
            }
        }
        s.push('\n');
    }
    if report.redacted() > 0 {
        let _ = writeln!(s, "> {}\n", super::text::redaction_note(report.redacted()));
    }
    if !report.errors.is_empty() {
        s.push_str("## Input errors\n\n");
        for e in &report.errors {
            let _ = writeln!(s, "- `{}`: {}", e.file, e.message);
        }
    }
    s
}
