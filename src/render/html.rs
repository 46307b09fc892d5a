//! The HTML postmortem: one self-contained page (inline CSS and SVG, one small inline script
//! for the copy buttons; no external script, font, image or stylesheet), so that it works
//! opened from disk, offline, or attached to a ticket.
//!
//! Everything taken from the input — pod and file names, log lines, event messages, status
//! reasons — is HTML-escaped by [`esc`]: logs are attacker-controlled text. The page also
//! carries a Content-Security-Policy that allows only its own script (by hash), so even a
//! markup slip could not run injected code. Fix commands come from the safe command builder
//! (`diagnose::command`) and are escaped like any other text.

use std::fmt::Write;

use super::{band, escape_control};
use crate::diagnose::time::{format_duration, format_rfc3339};
use crate::diagnose::{Diagnosis, Report, Timeline};

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

/// A CSS class for a termination reason (a fixed set: the reason itself never becomes markup).
fn reason_class(reason: Option<&str>) -> &'static str {
    match reason {
        Some("OOMKilled") => "r-oom",
        Some("Error") => "r-error",
        Some("Completed") => "r-completed",
        Some("ContainerCannotRun" | "StartError" | "CreateContainerError") => "r-start",
        _ => "r-other",
    }
}

/// `09:53:07` of a Unix time.
fn clock(t: i64) -> String {
    format_rfc3339(t)
        .get(11..19)
        .unwrap_or_default()
        .to_string()
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
    if !d.alternatives.is_empty() {
        let alts: Vec<String> = d
            .alternatives
            .iter()
            .take(3)
            .map(|a| format!("{} {:.2}", a.cause, a.confidence))
            .collect();
        let _ = writeln!(
            s,
            "<p class=\"muted\">alternatives: {}</p>",
            alts.join(", ")
        );
    }
    s.push_str("</section>\n");
}

// Timeline geometry (SVG user units; the SVG scales to the page width).
const W: f64 = 1000.0;
const H: f64 = 170.0;
const LEFT: f64 = 50.0;
const RIGHT: f64 = 50.0;
const AXIS_Y: f64 = 70.0;
const DELAY_Y: f64 = 100.0;
const EVENT_Y: f64 = 148.0;

/// Maps Unix seconds to x.
struct Scale {
    t0: f64,
    t1: f64,
}

impl Scale {
    fn new((a, b): (i64, i64)) -> Scale {
        let (a, b) = (a as f64, b as f64);
        // One instant alone, or a short span, gets a minute either side; otherwise 4% margins.
        let pad = ((b - a) * 0.04).max(if b - a < 1.0 { 60.0 } else { 1.0 });
        Scale {
            t0: a - pad,
            t1: b + pad,
        }
    }
    fn x(&self, t: i64) -> f64 {
        LEFT + (t as f64 - self.t0) / (self.t1 - self.t0) * (W - LEFT - RIGHT)
    }
}

/// The restart timeline: the SVG when the input dates anything, and always a sentence on
/// what it shows and what the input does not date.
fn timeline(s: &mut String, t: &Timeline) {
    let Some(span) = t.span() else {
        let _ = writeln!(
            s,
            "<p class=\"timeline-note\">No timeline: the input carries no timestamps for this \
             container's terminations or restarts{}.</p>",
            t.restart_count
                .map(|n| format!(" ({n} restart{} counted)", if n == 1 { "" } else { "s" }))
                .unwrap_or_default()
        );
        return;
    };
    let sc = Scale::new(span);
    let _ = write!(
        s,
        "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" \
         role=\"img\" aria-label=\"restart timeline\">\n\
         <line class=\"axis\" x1=\"{LEFT}\" y1=\"{AXIS_Y}\" x2=\"{}\" y2=\"{AXIS_Y}\"/>\n",
        W - RIGHT
    );
    // The date once, and the clock at both ends of what is dated.
    let _ = writeln!(
        s,
        "<text x=\"{LEFT}\" y=\"16\">{} UTC</text>\
         <text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\" class=\"tick\">{}</text>\
         <text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\" class=\"tick\">{}</text>",
        format_rfc3339(span.0).get(..10).unwrap_or_default(),
        sc.x(span.0),
        H - 2.0,
        clock(span.0),
        sc.x(span.1),
        H - 2.0,
        clock(span.1),
    );
    if t.undated_restarts > 0 {
        let _ = writeln!(
            s,
            "<text x=\"{LEFT}\" y=\"{}\" class=\"undated\">← {} earlier restart{}, not dated</text>",
            AXIS_Y + 20.0,
            t.undated_restarts,
            if t.undated_restarts == 1 { "" } else { "s" }
        );
    }
    for tm in &t.terminations {
        if let Some(start) = tm.started_at.filter(|&a| a <= tm.finished_at) {
            let (x0, x1) = (sc.x(start), sc.x(tm.finished_at));
            let _ = writeln!(
                s,
                "<rect class=\"run\" x=\"{x0:.1}\" y=\"{}\" width=\"{:.1}\" height=\"12\">\
                 <title>ran {} ({} → {})</title></rect>",
                AXIS_Y - 6.0,
                (x1 - x0).max(1.0),
                format_duration((tm.finished_at - start) as u64),
                clock(start),
                clock(tm.finished_at)
            );
        }
    }
    for (i, secs) in t.delays() {
        let from = t.terminations[i].finished_at;
        let (x0, x1) = (sc.x(from), sc.x(from + secs as i64));
        delay(
            s,
            x0,
            x1,
            &format!("back-off {}", format_duration(secs)),
            false,
        );
    }
    if let Some(at) = t.running_since {
        let x = sc.x(at);
        let _ = writeln!(
            s,
            "<path class=\"restarted\" d=\"M{x:.1} {} l7 10 h-14 z\"><title>restarted, running \
             since {}</title></path><text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\">restarted \
             {}</text>",
            AXIS_Y - 5.0,
            format_rfc3339(at),
            AXIS_Y - 16.0,
            clock(at)
        );
    }
    if let Some(next) = t.next_restart {
        let x = sc.x(next);
        if let (Some(last), Some(d)) = (t.terminations.last(), t.next_delay_seconds) {
            let est = if t.delay_estimated { ", est." } else { "" };
            delay(
                s,
                sc.x(last.finished_at),
                x,
                &format!("back-off {}{est}", format_duration(d)),
                true,
            );
        }
        let _ = writeln!(
            s,
            "<circle class=\"next-restart\" cx=\"{x:.1}\" cy=\"{AXIS_Y}\" r=\"7\"><title>next \
             restart {}</title></circle><text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\">next \
             restart {}</text>",
            format_rfc3339(next),
            AXIS_Y - 16.0,
            clock(next)
        );
    }
    for tm in &t.terminations {
        let x = sc.x(tm.finished_at);
        let reason = tm.reason.as_deref().unwrap_or("terminated");
        let exit = tm
            .exit_code
            .map(|c| format!(", exit {c}"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "<circle class=\"mark termination {}\" data-reason=\"{}\" cx=\"{x:.1}\" \
             cy=\"{AXIS_Y}\" r=\"7\"><title>{}{exit} at {} ({}{})</title></circle>\
             <text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\">{}{exit}</text>",
            reason_class(tm.reason.as_deref()),
            esc(reason),
            esc(reason),
            format_rfc3339(tm.finished_at),
            if tm.current {
                "current state, "
            } else {
                "last state, "
            },
            esc(&tm.source),
            AXIS_Y - 30.0,
            esc(reason),
        );
    }
    for e in &t.events {
        let x = sc.x(e.last_seen);
        let times = if e.count > 1 {
            format!(" ×{}", e.count)
        } else {
            String::new()
        };
        let first = e
            .first_seen
            .map(|f| format!("first seen {}, ", format_rfc3339(f)))
            .unwrap_or_default();
        let title = format!(
            "<title>event {}{times}, {first}last seen {} ({})</title>",
            esc(&e.reason),
            format_rfc3339(e.last_seen),
            esc(&e.source)
        );
        // A repeated event with both timestamps spans its first and last occurrence.
        if let Some(f) = e.first_seen {
            let _ = writeln!(
                s,
                "<line class=\"event-span\" x1=\"{:.1}\" y1=\"{EVENT_Y}\" x2=\"{x:.1}\" \
                 y2=\"{EVENT_Y}\">{title}</line><circle class=\"event\" cx=\"{:.1}\" \
                 cy=\"{EVENT_Y}\" r=\"3\"/>",
                sc.x(f),
                sc.x(f)
            );
        }
        let _ = writeln!(
            s,
            "<circle class=\"event\" cx=\"{x:.1}\" cy=\"{EVENT_Y}\" r=\"4\">{title}</circle>\
             <text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\" class=\"event-label\">{}{times}</text>",
            EVENT_Y - 8.0,
            esc(&e.reason)
        );
    }
    s.push_str("</svg>\n");
    legend(s, t);
    let _ = writeln!(s, "<p class=\"timeline-note\">{}</p>", timeline_words(t));
}

/// A back-off segment between two instants, labelled with its length.
fn delay(s: &mut String, x0: f64, x1: f64, label: &str, next: bool) {
    let class = if next { "delay next" } else { "delay" };
    let _ = writeln!(
        s,
        "<line class=\"{class}\" x1=\"{x0:.1}\" y1=\"{DELAY_Y}\" x2=\"{x1:.1}\" y2=\"{DELAY_Y}\"/>\
         <line class=\"{class}\" x1=\"{x0:.1}\" y1=\"{}\" x2=\"{x0:.1}\" y2=\"{}\"/>\
         <line class=\"{class}\" x1=\"{x1:.1}\" y1=\"{}\" x2=\"{x1:.1}\" y2=\"{}\"/>\
         <text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
        DELAY_Y - 5.0,
        DELAY_Y + 5.0,
        DELAY_Y - 5.0,
        DELAY_Y + 5.0,
        (x0 + x1) / 2.0,
        DELAY_Y + 17.0,
        esc(label)
    );
}

fn legend(s: &mut String, t: &Timeline) {
    let mut seen: Vec<&str> = Vec::new();
    s.push_str("<div class=\"legend\">");
    for tm in &t.terminations {
        let reason = tm.reason.as_deref().unwrap_or("terminated");
        if seen.contains(&reason) {
            continue;
        }
        seen.push(reason);
        let _ = write!(
            s,
            "<span class=\"swatch {}\"></span>{}",
            reason_class(tm.reason.as_deref()),
            esc(reason)
        );
    }
    if t.next_restart.is_some() {
        s.push_str("<span class=\"muted\"> · dashed: the scheduled back-off</span>");
    }
    if !t.events.is_empty() {
        s.push_str("<span class=\"muted\"> · purple dots: dated events</span>");
    }
    s.push_str("</div>\n");
}

/// What the timeline shows and what it cannot, in words.
fn timeline_words(t: &Timeline) -> String {
    let dated = t.terminations.len();
    let mut out = match t.restart_count {
        Some(n) => format!("{n} restart{} counted; ", if n == 1 { "" } else { "s" }),
        None => String::new(),
    };
    let _ = write!(
        out,
        "{dated} termination{} dated by the input",
        if dated == 1 { "" } else { "s" }
    );
    if t.undated_restarts > 0 {
        let _ = write!(
            out,
            ". The {} earlier restart{} carry no timestamp in the input and are not drawn",
            t.undated_restarts,
            if t.undated_restarts == 1 { "" } else { "s" }
        );
    }
    if t.next_restart.is_none() && t.next_delay_seconds.is_some() {
        out.push_str(". The next restart cannot be placed: the last termination is not dated");
    }
    out.push('.');
    out
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

    #[test]
    fn reasons_map_to_fixed_classes() {
        assert_eq!(reason_class(Some("OOMKilled")), "r-oom");
        assert_eq!(reason_class(Some("\"><script>")), "r-other");
        assert_eq!(reason_class(None), "r-other");
    }

    #[test]
    fn a_lone_instant_gets_a_visible_span() {
        let sc = Scale::new((1000, 1000));
        let x = sc.x(1000);
        assert!((x - W / 2.0).abs() < 1.0, "{x}");
    }
}
