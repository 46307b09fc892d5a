//! The YAML model of a pattern pack and its validation.

use serde::Deserialize;

use crate::cause::Cause;
use crate::error::PackError;
use crate::incident::SourceKind;

/// Which texts a rule applies to.
#[non_exhaustive]
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
    /// The confirming regex (Rust `regex` syntax), run on candidate lines only. In YAML it
    /// may be a list of alternatives, one per line of thought; they are joined into one
    /// regex (`(?:a)|(?:b)`), so a capture name may appear in only one of them.
    #[serde(deserialize_with = "one_or_many")]
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
    /// Where the signature is documented (upstream docs, issues, source lines).
    #[serde(default)]
    pub references: Vec<String>,
    /// How far the rule is trusted.
    #[serde(default)]
    pub status: RuleStatus,
}

impl Rule {
    /// The regex as the engine compiles it: [`regex`](Rule::regex) with `\w` and `\d` as
    /// their ASCII classes (`[0-9A-Za-z_]`, `[0-9]`), which keeps 400 rules small once compiled.
    /// `podmortem patterns export` prints this form too.
    pub fn engine_regex(&self) -> std::borrow::Cow<'_, str> {
        super::classes::ascii_classes(&self.regex)
    }
}

/// The maturity of a rule, as in Sigma: `experimental` rules are loaded and matched like any
/// other; the status tells reviewers and users how much real input confirmed it.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RuleStatus {
    /// Confirmed on real incidents.
    #[default]
    Stable,
    /// Written from documentation or one report; watch for false positives.
    Experimental,
    /// Kept for old versions of the software it matches; no longer maintained.
    Deprecated,
}

/// A regex written as one string or as a list of alternatives.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => s,
        OneOrMany::Many(v) if v.len() == 1 => v.into_iter().next().unwrap_or_default(),
        OneOrMany::Many(v) => v
            .iter()
            .map(|a| format!("(?:{a})"))
            .collect::<Vec<_>>()
            .join("|"),
    })
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
            if r.regex.trim().is_empty() {
                return Err(bad("empty regex"));
            }
            if let Some(detail) = &r.detail {
                let known = r.cause.details();
                if !known.contains(&detail.as_str()) {
                    return Err(bad(&if known.is_empty() {
                        format!("cause {} takes no detail (got {detail:?})", r.cause)
                    } else {
                        format!(
                            "detail {detail:?} is not one of {}'s: {}",
                            r.cause,
                            known.join(", ")
                        )
                    }));
                }
            }
        }
        Ok(pack)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pack(rule: &str) -> Result<PatternPack, PackError> {
        PatternPack::from_yaml("t.yaml", &format!("pack: t\nrules:\n{rule}"))
    }

    #[test]
    fn a_regex_list_is_one_regex_of_alternatives() {
        let p = pack(
            "  - id: t.refused\n    cause: dependency_unavailable\n    detail: refused\n    regex:\n      - 'ECONNREFUSED (?P<service>\\S+)'\n      - 'connection refused'\n    explain: x\n    examples: ['connect ECONNREFUSED 10.0.0.1:5432']\n    references: ['https://man7.org/linux/man-pages/man2/connect.2.html']\n    status: experimental\n",
        )
        .unwrap();
        let r = &p.rules[0];
        assert_eq!(
            r.regex,
            "(?:ECONNREFUSED (?P<service>\\S+))|(?:connection refused)"
        );
        assert_eq!(r.status, RuleStatus::Experimental);
        assert_eq!(r.references.len(), 1);
        let set = crate::PatternSet::new(&[p]).unwrap();
        assert!(set.test_examples().is_empty());
        let m = set.matches(b"dial: connection refused", SourceKind::Log);
        assert_eq!(m.len(), 1);
    }

    #[test]
    fn details_are_checked_against_the_cause() {
        let rule = |cause: &str, detail: &str| {
            pack(&format!(
                "  - id: t.x\n    cause: {cause}\n    detail: {detail}\n    regex: 'boom'\n    explain: x\n    examples: ['boom']\n"
            ))
        };
        assert!(rule("image_pull_error", "not_found").is_ok());
        let e = rule("image_pull_error", "notfound")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("t.yaml")
                && e.contains("\"notfound\" is not one of image_pull_error's: not_found"),
            "{e}"
        );
        let e = rule("disk_full", "tmp").unwrap_err().to_string();
        assert!(e.contains("cause disk_full takes no detail"), "{e}");
    }
}
