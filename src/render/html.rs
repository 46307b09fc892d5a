//! The HTML postmortem: one self-contained page (inline CSS and SVG, one small inline script
//! for the copy buttons; no external script, font, image or stylesheet), so that it works
//! opened from disk, offline, or attached to a ticket. The restart timeline is drawn in
//! `html/timeline.rs`.
//!
//! Everything taken from the input — pod and file names, log lines, event messages, status
//! reasons — is HTML-escaped by [`esc`]: logs are attacker-controlled text. The page also
//! carries a Content-Security-Policy that allows only its own script (by hash), so even a
//! markup slip could not run injected code. Fix commands come from the safe command builder
//! (`diagnose::command`) and are escaped like any other text.

mod timeline;

use std::fmt::Write;

use super::{band, escape_control};
use crate::diagnose::{Diagnosis, Report};
use timeline::timeline;

/// The copy buttons' handler. Its SHA-256 is in [`SCRIPT_HASH`]: change both together (a test
/// recomputes the hash).
pub(crate) const SCRIPT: &str = r#"document.addEventListener("click", function (e) {
  var b = e.target.closest ? e.target.closest("button.copy") : null;
  if (!b) return;
  var code = b.parentNode.querySelector("code");
  if (!code) return;
  function fallback() {
    var r = document.createRange();
    r.selectNodeContents(code);
    var s = window.getSelection();
    s.removeAllRanges();
    s.addRange(r);
    try { return document.execCommand("copy"); } catch (x) { return false; }
  }
  function done(ok) {
    b.textContent = ok ? "copied" : "selected";
    setTimeout(function () { b.textContent = "copy"; }, 1500);
  }
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(code.textContent).then(
      function () { done(true); },
      function () { done(fallback()); });
  } else {
    done(fallback());
  }
});"#;

/// `sha256-…` of [`SCRIPT`], for the page's Content-Security-Policy.
pub(crate) const SCRIPT_HASH: &str = "sha256-tJcBCeo+2BE2BiCNi8jPEDlslLszA1MGrKhUI2AbwCA=";

const STYLE: &str = r#"
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2330; margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 0 0 6px; }
h3 { font-size: 15px; margin: 18px 0 6px; color: #4a5366; text-transform: uppercase; letter-spacing: .04em; }
code, pre { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #e3e6ee; vertical-align: top; }
th { background: #f4f6fa; font-weight: 600; }
td.text { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; word-break: break-all; }
section.diagnosis { border: 1px solid #dfe3ec; border-radius: 8px; padding: 16px 20px; margin: 22px 0; }
.band { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 13px; font-weight: 600; }
.band.high { background: #fde2e1; color: #a61b1b; }
.band.medium { background: #fff0d6; color: #8a5300; }
.band.low { background: #eef0f4; color: #4a5366; }
.muted { color: #5d667a; }
ul.fix { list-style: none; padding: 0; margin: 0; }
ul.fix li { margin: 6px 0; }
ul.fix li.cmd { display: flex; gap: 8px; align-items: flex-start; }
ul.fix pre { flex: 1; margin: 0; padding: 8px 10px; background: #f4f6fa; border-radius: 6px; white-space: pre-wrap; word-break: break-all; }
button.copy { font: 12px system-ui, sans-serif; padding: 6px 10px; border: 1px solid #c5cbd8; border-radius: 6px; background: #fff; cursor: pointer; }
button.copy:hover { background: #f4f6fa; }
svg.timeline { width: 100%; height: auto; background: #fbfcfe; border: 1px solid #e3e6ee; border-radius: 6px; }
svg.timeline text { font: 12px system-ui, sans-serif; fill: #3a4254; }
svg.timeline .axis { stroke: #9aa3b5; stroke-width: 1.5; }
svg.timeline .run { fill: #c9d3e6; }
svg.timeline .delay { stroke: #5d667a; stroke-width: 1.5; }
svg.timeline .delay.next { stroke-dasharray: 5 4; }
svg.timeline .next-restart { fill: #fff; stroke: #5d667a; stroke-width: 2; stroke-dasharray: 3 2; }
svg.timeline .restarted { fill: #2e7d32; }
svg.timeline .event { fill: #7b61c4; }
svg.timeline .event-span { stroke: #7b61c4; stroke-width: 3; stroke-opacity: .45; }
svg.timeline text.event-label { fill: #7b61c4; font-size: 11px; }
svg.timeline text.undated { fill: #8a93a6; font-style: italic; }
.r-oom { fill: #c62828; background: #c62828; }
.r-error { fill: #ef6c00; background: #ef6c00; }
.r-completed { fill: #2e7d32; background: #2e7d32; }
.r-start { fill: #6a1b9a; background: #6a1b9a; }
.r-other { fill: #546e7a; background: #546e7a; }
.legend { font-size: 13px; margin: 6px 0; }
.legend span.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 5px; margin: 0 4px 0 12px; }
p.timeline-note { margin: 6px 0; }
.note { border-left: 4px solid #9aa3b5; padding: 4px 10px; background: #f4f6fa; }
"#;

/// Input text as HTML text or attribute value: control characters written out (`\x1b`) as
/// in the other renderers, then the five HTML special characters as entities.
fn esc(s: &str) -> String {
    let s = escape_control(s);
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A self-contained HTML report: a summary table, then per diagnosis the explanation, a
/// restart timeline (inline SVG), the evidence with its source and the fix commands.
pub fn to_html(report: &Report) -> String {
    let mut s = String::with_capacity(16 << 10);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src '{SCRIPT_HASH}'; base-uri 'none'; \
         form-action 'none'\">\n\
         <title>podmortem report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>podmortem report</h1>\n"
    );
    let _ = writeln!(
        s,
        "<p class=\"muted\">{} failing container(s) of {} examined.</p>",
        report.diagnoses.len(),
        report.incidents
    );
    if report.diagnoses.is_empty() {
        s.push_str("<p>No container in BackOff or failing.</p>\n");
    } else {
        summary(&mut s, report);
    }
    for (i, d) in report.diagnoses.iter().enumerate() {
        diagnosis(&mut s, i + 1, d);
    }
    if report.redacted() > 0 {
        let _ = writeln!(
            s,
            "<p class=\"note redaction\">{}</p>",
            esc(&super::text::redaction_note(report.redacted()))
        );
    }
    if !report.errors.is_empty() {
        s.push_str("<h2>Input errors</h2>\n<ul class=\"errors\">\n");
        for e in &report.errors {
            let _ = writeln!(
                s,
                "<li><code>{}</code>: {}</li>",
                esc(&e.file),
                esc(&e.message)
            );
        }
        s.push_str("</ul>\n");
    }
    let _ = write!(
        s,
        "<p class=\"muted\">podmortem {}</p>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    s
}

fn cause_label(d: &Diagnosis) -> String {
    match &d.detail {
        Some(x) => format!("{} ({})", d.cause, esc(x)),
        None => d.cause.to_string(),
    }
}

/// The current back-off in words: `CrashLoopBackOff, 5m0s (est.), next 2026-…Z`.
fn backoff_label(d: &Diagnosis) -> String {
    let b = &d.backoff;
    let mut parts = Vec::new();
    if let Some(st) = &b.state {
        parts.push(esc(st));
    }
    if let Some(delay) = &b.current_delay {
        let est = if b.delay_source == Some("default schedule") {
            " (est.)"
        } else {
            ""
        };
        parts.push(format!("{}{est}", esc(delay)));
    }
    if let Some(n) = &b.next_restart {
        parts.push(format!("next restart {}", esc(n)));
    }
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join(", ")
    }
}

fn summary(s: &mut String, report: &Report) {
    s.push_str(
        "<table class=\"summary\">\n<thead><tr><th>container</th><th>cause</th>\
         <th>confidence</th><th>restarts</th><th>current back-off</th></tr></thead>\n<tbody>\n",
    );
    for (i, d) in report.diagnoses.iter().enumerate() {
        let band = band(d.confidence);
        let _ = writeln!(
            s,
            "<tr><td><a href=\"#d{}\"><code>{}</code></a></td><td>{}</td>\
             <td>{:.2} <span class=\"band {band}\">{band}</span></td><td>{}</td><td>{}</td></tr>",
            i + 1,
            esc(&d.display_name()),
            cause_label(d),
            d.confidence,
            d.backoff
                .restart_count
                .map_or_else(|| "-".to_string(), |n| n.to_string()),
            backoff_label(d),
        );
    }
    s.push_str("</tbody>\n</table>\n");
}

fn diagnosis(s: &mut String, n: usize, d: &Diagnosis) {
    let band = band(d.confidence);
    let _ = writeln!(
        s,
        "<section class=\"diagnosis\" id=\"d{n}\">\n<h2><code>{}</code> — {}</h2>\n\
         <p><b>{}</b> · confidence {:.2} <span class=\"band {band}\">{band}</span></p>\n\
         <p class=\"why\">{}</p>",
        esc(&d.display_name()),
        esc(d.cause.title()),
        cause_label(d),
        d.confidence,
        esc(&d.explanation),
    );
    s.push_str("<h3>Restart timeline</h3>\n");
    timeline(s, &d.timeline);
    s.push_str("<h3>Evidence</h3>\n");
    if d.evidence.is_empty() {
        s.push_str("<p class=\"muted\">No evidence line.</p>\n");
    } else {
        s.push_str(
            "<table class=\"evidence\">\n<thead><tr><th>kind</th><th>source</th><th>text</th>\
             </tr></thead>\n<tbody>\n",
        );
        for e in &d.evidence {
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td><code>{}</code></td><td class=\"text\">{}</td></tr>",
                e.kind.as_str(),
                esc(&e.source),
                esc(&e.text)
            );
        }
        s.push_str("</tbody>\n</table>\n");
    }
    s.push_str("<h3>Fix</h3>\n<ul class=\"fix\">\n");
    for r in &d.remediation {
        // `$ cmd` (alone or after a sentence) is a command line from the safe command
        // builder: shown with a copy button that copies it as shown.
        match r.split_once("$ ") {
            Some((prose, cmd)) => {
                if !prose.trim().is_empty() {
                    let _ = writeln!(s, "<li>{}</li>", esc(prose.trim_end()));
                }
                let _ = writeln!(
                    s,
                    "<li class=\"cmd\"><pre><code>{}</code></pre>\
                     <button type=\"button\" class=\"copy\">copy</button></li>",
                    esc(cmd)
                );
            }
            None => {
                let _ = writeln!(s, "<li>{}</li>", esc(r));
            }
        }
    }
    s.push_str("</ul>\n");
    if d.redacted > 0 {
        let _ = writeln!(
            s,
            "<p class=\"muted\">{}</p>",
            esc(&super::text::redaction_note(d.redacted))
        );
    }
    if let Some(alts) = super::text::alternatives_line(d) {
        let _ = writeln!(s, "<p class=\"muted\">{}</p>", esc(&alts));
    }
    s.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("\"><img src=x onerror=alert(1)>"),
            "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(esc("a'b&\x1b[31m"), "a&#39;b&amp;\\x1b[31m");
    }
}
