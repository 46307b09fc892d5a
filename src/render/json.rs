use serde_json::{json, Value};

use crate::diagnose::{Diagnosis, Report};

/// The JSON schema id; bumped only on incompatible changes.
pub const SCHEMA: &str = "podmortem/v1";

fn diagnosis(d: &Diagnosis) -> Value {
    json!({
        "namespace": d.namespace,
        "pod": d.pod,
        "container": d.container,
        "cause": d.cause,
        "detail": d.detail,
        "confidence": d.confidence,
        "alternatives": d.alternatives,
        "evidence": d.evidence.iter().map(|e| json!({
            "source": e.source,
            "kind": e.kind,
            "text": e.text,
            "rule": e.rule,
        })).collect::<Vec<_>>(),
        "explanation": d.explanation,
        "backoff": d.backoff,
        "remediation": d.remediation,
        "redacted": d.redacted,
    })
}

/// One diagnosis as a JSON object (the `diagnoses[]` element; also one line of `watch -o json`).
pub fn diagnosis_json(d: &Diagnosis) -> Value {
    diagnosis(d)
}

/// The whole report: `{"schema":"podmortem/v1","diagnoses":[…],"errors":[…],"redacted":N}`
/// (`redacted`: how many secret values were replaced by `****`).
pub fn to_json(report: &Report) -> String {
    let v = json!({
        "schema": SCHEMA,
        "diagnoses": report.diagnoses.iter().map(diagnosis).collect::<Vec<_>>(),
        "errors": report.errors,
        "redacted": report.redacted(),
    });
    serde_json::to_string_pretty(&v).expect("JSON values always serialise")
}
