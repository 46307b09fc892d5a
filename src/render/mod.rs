//! Renderers: human text (optionally coloured), JSON (`podmortem/v1`), Markdown.

mod json;
mod markdown;
mod text;

pub use json::{diagnosis_json, to_json, SCHEMA};
pub use markdown::to_markdown;
pub use text::{diagnosis_text, to_text, TextOptions};

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
