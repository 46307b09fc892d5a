//! Markdown output. Reports are pasted into tickets, wikis and chat that render Markdown and
//! often HTML: text from the input is escaped so a log line cannot add markup, raw HTML
//! (`<script>`) or a `javascript:` link.

use std::fmt::Write;

use super::{band, escape_control};
use crate::diagnose::Report;

/// Input text as inline Markdown: HTML special characters as entities, the Markdown punctuation
/// that could open a link, emphasis, code or a table cell backslash-escaped, `javascript:` defused, control
/// characters escaped, one line.
fn text(s: &str) -> String {
    let s = escape_control(s);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    defuse_scheme(&out)
}

/// `javascript:` (any case) becomes `javascript&#58;`, which no renderer turns into a link.
fn defuse_scheme(s: &str) -> String {
    const SCHEME: &str = "javascript:";
    let lower = s.to_ascii_lowercase();
    if !lower.contains(SCHEME) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut at = 0;
    // `to_ascii_lowercase` keeps byte offsets, so matches in `lower` index `s`.
    for (i, _) in lower.match_indices(SCHEME) {
        out.push_str(&s[at..i + SCHEME.len() - 1]);
        out.push_str("&#58;");
        at = i + SCHEME.len();
    }
    out.push_str(&s[at..]);
    out
}

/// Input text as a code span: a backtick fence longer than any backtick run inside, so the
/// text cannot close it; inside a code span nothing is markup.
fn code(s: &str) -> String {
    let s = escape_control(s).replace('|', "\\|");
    let fence = "`".repeat(longest_backtick_run(&s) + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

fn longest_backtick_run(s: &str) -> usize {
    s.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

fn cell(s: &str) -> String {
    text(s)
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
                "| {} | {}{} | {:.2} ({}) | {} |",
                code(&d.display_name()),
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
        let _ = writeln!(s, "## {}: {}\n", code(&d.display_name()), d.cause.title());
        let _ = writeln!(s, "{}\n", text(&d.explanation));
        if let Some(delay) = &d.backoff.current_delay {
            let _ = writeln!(
                s,
                "Back-off: {} — current delay {delay}{}.\n",
                text(d.backoff.state.as_deref().unwrap_or("-")),
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
                "| {} | {} | {} |",
                e.kind.as_str(),
                code(&e.source),
                cell(&e.text)
            );
        }
        s.push_str("\n**Fix**\n\n");
        for r in &d.remediation {
            match r.split_once("$ ") {
                Some((prose, cmd)) if prose.trim().is_empty() => {
                    // A fenced block shows its content as is: only the fence must hold.
                    let cmd = escape_control(cmd);
                    let fence = "`".repeat((longest_backtick_run(&cmd) + 1).max(3));
                    let _ = writeln!(s, "{fence}sh\n{cmd}\n{fence}");
                }
                _ => {
                    let _ = writeln!(s, "- {}", text(r));
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
            let _ = writeln!(s, "- {}: {}", code(&e.file), text(&e.message));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_links_and_markup_are_escaped() {
        assert_eq!(
            text("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(
            text("[x](JavaScript:alert(1))"),
            "\\[x\\](JavaScript&#58;alert(1))"
        );
        assert_eq!(text("a\x1b]0;x\x07"), "a\\\\x1b\\]0;x\\\\x07");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`a"), "`` `a ``");
        assert_eq!(code("x|y"), "`x\\|y`");
    }
}
