//! The YAML model of a pattern pack and its validation.

use serde::Deserialize;

use crate::cause::Cause;
use crate::error::PackError;
use crate::incident::SourceKind;

/// Which texts a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Container log lines.
    Log,
    /// Kubernetes Event messages.
    Event,
    /// Container status messages (`waiting.message`, `terminated.message`).
    Status,
    /// All of the above.
    #[default]
    Any,
}

impl Scope {
    /// Whether a rule with this scope applies to text from `kind`.
    pub fn applies_to(self, kind: SourceKind) -> bool {
        matches!(
            (self, kind),
            (Scope::Any, _)
                | (Scope::Log, SourceKind::Log)
                | (Scope::Event, SourceKind::Event)
                | (Scope::Status, SourceKind::Status)
        )
    }

    /// `log`, `event`, `status` or `any`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Log => "log",
            Scope::Event => "event",
            Scope::Status => "status",
            Scope::Any => "any",
        }
    }
}

/// One rule of a pack.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Unique id across all loaded packs (`image_pull.containerd.not_found`).
    pub id: String,
    /// The cause this signature points to.
    pub cause: Cause,
    /// A finer label (`not_found`, `container_limit`, `startup`, …).
    #[serde(default)]
    pub detail: Option<String>,
    /// Where the rule applies.
    #[serde(default)]
    pub scope: Scope,
    /// Case-insensitive literals; a line is a candidate when it contains at least one.
    /// Derived from the regex when omitted.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// The confirming regex (Rust `regex` syntax), run on candidate lines only.
    pub regex: String,
    /// Evidence strength: roughly the log-likelihood ratio the signature contributes.
    #[serde(default = "default_weight")]
    pub weight: f64,
    /// One line telling the user what the signature means.
    pub explain: String,
    /// Lines that must match.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Lines that must not match.
    #[serde(default)]
    pub counter_examples: Vec<String>,
}

fn default_weight() -> f64 {
    2.0
}

/// A parsed pattern pack file.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternPack {
    /// The pack's name (`pack:`), by convention the file stem.
    pub name: String,
    /// What the pack covers.
    pub description: String,
    /// The file it came from.
    pub file: String,
    /// The rules.
    pub rules: Vec<Rule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PackFile {
    pack: String,
    #[serde(default)]
    description: String,
    rules: Vec<Rule>,
}

impl PatternPack {
    /// Parse a pack from YAML text; `file` names it in errors.
    ///
    /// Checks the structure only; [`PatternSet::new`](super::PatternSet::new) compiles and
    /// validates regexes and keywords.
    pub fn from_yaml(file: &str, text: &str) -> Result<PatternPack, PackError> {
        let pf: PackFile = serde_saphyr::from_str(text).map_err(|e| PackError::Syntax {
            file: file.to_string(),
            message: e.to_string(),
        })?;
        let pack = PatternPack {
            name: pf.pack,
            description: pf.description,
            file: file.to_string(),
            rules: pf.rules,
        };
        for r in &pack.rules {
            let bad = |message: &str| PackError::Rule {
                file: file.to_string(),
                rule: r.id.clone(),
                message: message.to_string(),
            };
            if r.id.trim().is_empty() {
                return Err(bad("empty id"));
            }
            if !(r.weight.is_finite() && r.weight > 0.0 && r.weight <= 10.0) {
                return Err(bad("weight must be in (0, 10]"));
            }
            if r.explain.trim().is_empty() {
                return Err(bad("explain must say what the signature means"));
            }
            if r.examples.is_empty() {
                return Err(bad("needs at least one example that matches"));
            }
            if r.keywords.iter().any(|k| k.trim().len() < 3) {
                return Err(bad("keywords must be at least 3 characters"));
            }
        }
        Ok(pack)
    }
}
