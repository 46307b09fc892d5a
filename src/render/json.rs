//! JSON output: the serde form of the result types, the only JSON shape there is.

use serde_json::Value;

use crate::diagnose::{Diagnosis, Report};

pub use crate::diagnose::SCHEMA;

/// One diagnosis as a JSON object (the `diagnoses[]` element; also one line of `watch -o json`).
pub fn diagnosis_json(d: &Diagnosis) -> Value {
    serde_json::to_value(d).expect("a diagnosis always serialises")
}

/// The whole report: `{"schema":"podmortem/v1","diagnoses":[…],"errors":[…],"redacted":N}`
/// (`redacted`: how many secret values were replaced by `****`).
pub fn to_json(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("a report always serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The document and a `watch -o json` line carry the same diagnosis, field for field.
    #[test]
    fn one_shape_for_report_and_lines() {
        let engine = crate::Engine::new();
        let log = b"Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space\n";
        let report = engine.analyze(&[crate::Input::Bytes {
            name: "api.previous.log".into(),
            data: log.to_vec(),
        }]);
        let doc: Value = serde_json::from_str(&to_json(&report)).unwrap();
        assert_eq!(doc["schema"], SCHEMA);
        assert_eq!(doc["diagnoses"][0], diagnosis_json(&report.diagnoses[0]));
        assert_eq!(doc["diagnoses"][0]["evidence"][0]["cause"], "oom_killed");
        assert!(doc["diagnoses"][0].get("score").is_none());
    }
}
