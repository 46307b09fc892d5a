//! The HTML report's restart timeline: an inline SVG of terminations, back-off delays, the
//! next restart and events on one time axis, its legend, and the sentence saying what the
//! input dates and what it does not.

use std::fmt::Write;

use super::esc;
use crate::diagnose::time::{format_duration, format_rfc3339};
use crate::diagnose::Timeline;

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
pub(super) fn timeline(s: &mut String, t: &Timeline) {
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
