//! Renderers: human text (optionally coloured), JSON (`podmortem/v1`), Markdown, and a
//! self-contained HTML page with a restart timeline.

mod html;
mod json;
mod markdown;
mod text;

pub use html::to_html;
pub use json::{diagnosis_json, to_json, SCHEMA};
pub use markdown::to_markdown;
pub use text::{diagnosis_text, to_text, TextOptions};

use std::borrow::Cow;
use std::fmt::Write;

/// Whether a character must not reach a terminal as it is: C0/C1 controls (ESC starts the
/// sequences that retitle windows, write the clipboard or move the cursor; CR overwrites the
/// line), DEL, and the bidirectional overrides that make text read differently than it is.
fn is_unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

/// `s` with control characters written as escapes (`\x1b`, `\r`, `\n`, `\u{202e}`), so input
/// text cannot drive the terminal. Tabs stay.
pub fn escape_control(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if is_unsafe_char(c) && (c as u32) < 0x100 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_unsafe_char(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Confidence bands used in text output and documentation.
pub fn band(confidence: f64) -> &'static str {
    if confidence >= 0.8 {
        "high"
    } else if confidence >= 0.5 {
        "medium"
    } else {
        "low"
    }
}
