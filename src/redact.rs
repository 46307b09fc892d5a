//! Redaction: secrets found in evidence, captures and fix text are replaced by [`REDACTED`].
//!
//! podmortem's output goes to terminals, tickets, chat and Kubernetes Events readable by anyone
//! with `get events`, while its input is the most sensitive text a cluster has (connection
//! strings, tokens, keys). So the engine redacts every text it *outputs* — never the text it
//! *matches*: rules run on the raw lines, and a diagnosis cannot change because a password was
//! hidden.
//!
//! The rules are data (`patterns/redact/secrets.yaml`, embedded): named regexes whose `secret*`
//! groups are replaced, each with examples and counter-examples checked by the unit tests. A
//! rule keeps what diagnosis needs around the secret: user names, hosts, ports, header and key
//! names, and Kubernetes Secret *names* (`secret "db-creds" not found` is left alone).
//!
//! ```
//! use podmortem::redact::Redactor;
//! let r = Redactor::embedded();
//! let (text, n) = r.redact("dial postgres://app:Hunter2@db:5432/shop: connection refused");
//! assert_eq!(text, "dial postgres://app:****@db:5432/shop: connection refused");
//! assert_eq!(n, 1);
//! ```

#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use regex::Regex;
use serde::Deserialize;

use crate::error::PackError;

/// What a redacted value is replaced with.
pub const REDACTED: &str = "****";

/// The embedded rules file: its name (for error messages) and YAML text.
const EMBEDDED: (&str, &str) = (
    "patterns/redact/secrets.yaml",
    include_str!("../patterns/redact/secrets.yaml"),
);

/// One rule as written in YAML.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    id: String,
    kind: String,
    regex: String,
    #[serde(default)]
    keep_keys: Option<String>,
    #[serde(default)]
    min_len: usize,
    #[serde(default)]
    examples: Vec<Example>,
    #[serde(default)]
    counter_examples: Vec<String>,
}

/// A line and what it must become.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Example {
    #[serde(rename = "in")]
    input: String,
    out: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    placeholders: Option<String>,
    rules: Vec<RuleSpec>,
}

/// A compiled redaction rule (cloning shares the compiled regex programs).
#[derive(Debug, Clone)]
struct Rule {
    spec: RuleSpec,
    regex: Regex,
    keep_keys: Option<Regex>,
    /// Capture group indexes whose names start with `secret`.
    secret_groups: Vec<usize>,
    /// Index of the `key` group, if any.
    key_group: Option<usize>,
}

/// A compiled set of redaction rules. Cheap to clone (shared).
#[derive(Debug, Clone)]
pub struct Redactor {
    rules: Arc<Vec<Rule>>,
    placeholders: Option<Arc<Regex>>,
}

impl Redactor {
    /// The embedded rules (compiled once per process).
    ///
    /// # Panics
    /// Never in a released build: the embedded rules are checked by the test suite.
    pub fn embedded() -> Redactor {
        static EMBEDDED_REDACTOR: OnceLock<Redactor> = OnceLock::new();
        EMBEDDED_REDACTOR
            .get_or_init(|| {
                Redactor::from_yaml(EMBEDDED.0, EMBEDDED.1)
                    .unwrap_or_else(|e| panic!("embedded redaction rules are invalid: {e}"))
            })
            .clone()
    }

    /// Compile rules from YAML (the format of `patterns/redact/secrets.yaml`); `file` names the
    /// source in errors.
    pub fn from_yaml(file: &str, text: &str) -> Result<Redactor, PackError> {
        let spec: RulesFile = serde_saphyr::from_str(text).map_err(|e| PackError::Syntax {
            file: file.to_string(),
            message: e.to_string(),
        })?;
        let rule_err = |rule: &str, message: String| PackError::Rule {
            file: file.to_string(),
            rule: rule.to_string(),
            message,
        };
        let placeholders = match &spec.placeholders {
            Some(p) => {
                Some(Arc::new(Regex::new(p).map_err(|e| {
                    rule_err("placeholders", format!("invalid regex: {e}"))
                })?))
            }
            None => None,
        };
        let mut rules = Vec::with_capacity(spec.rules.len());
        for r in spec.rules {
            let regex =
                Regex::new(&r.regex).map_err(|e| rule_err(&r.id, format!("invalid regex: {e}")))?;
            let keep_keys = match &r.keep_keys {
                Some(k) => Some(
                    Regex::new(k)
                        .map_err(|e| rule_err(&r.id, format!("invalid keep_keys regex: {e}")))?,
                ),
                None => None,
            };
            let mut secret_groups = Vec::new();
            let mut key_group = None;
            for (i, name) in regex.capture_names().enumerate() {
                match name {
                    Some(n) if n.starts_with("secret") => secret_groups.push(i),
                    Some("key") => key_group = Some(i),
                    _ => {}
                }
            }
            if secret_groups.is_empty() {
                return Err(rule_err(
                    &r.id,
                    "the regex has no named group `secret` to redact".into(),
                ));
            }
            if r.examples.is_empty() {
                return Err(rule_err(&r.id, "a rule needs at least one example".into()));
            }
            rules.push(Rule {
                spec: r,
                regex,
                keep_keys,
                secret_groups,
                key_group,
            });
        }
        Ok(Redactor {
            rules: Arc::new(rules),
            placeholders,
        })
    }

    /// Load extra rules from a YAML file (the format of `patterns/redact/secrets.yaml`). Each
    /// rule's examples and counter-examples are checked now, with the file's rules (and the
    /// built-in placeholders unless the file sets its own), so a rule that does not do what it
    /// says is an error naming the file and rule.
    pub fn load_file(path: &std::path::Path) -> Result<Redactor, PackError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| PackError::Io {
            file: file.clone(),
            message: e.to_string(),
        })?;
        let r = Redactor::from_yaml(&file, &text)?;
        // Checked as the rules will run: with the built-in placeholders unless the file has its
        // own (`password=${DB_PASSWORD}` stays).
        let check = Redactor {
            rules: r.rules.clone(),
            placeholders: r
                .placeholders
                .clone()
                .or_else(|| Redactor::embedded().placeholders),
        };
        if let Some(f) = check.test_examples().into_iter().next() {
            let (rule, message) = f.split_once(": ").unwrap_or(("?", f.as_str()));
            return Err(PackError::Rule {
                file,
                rule: rule.to_string(),
                message: message.to_string(),
            });
        }
        Ok(r)
    }

    /// These rules plus `extra`'s: a rule of `extra` with the same id replaces ours; `extra`'s
    /// placeholders, when it has some, replace ours.
    pub fn extended(&self, extra: &Redactor) -> Redactor {
        let ids: std::collections::HashSet<&str> =
            extra.rules.iter().map(|r| r.spec.id.as_str()).collect();
        let mut rules: Vec<Rule> = self
            .rules
            .iter()
            .filter(|r| !ids.contains(r.spec.id.as_str()))
            .cloned()
            .collect();
        rules.extend(extra.rules.iter().cloned());
        Redactor {
            rules: Arc::new(rules),
            placeholders: extra
                .placeholders
                .clone()
                .or_else(|| self.placeholders.clone()),
        }
    }

    /// The byte ranges of `text` to hide, sorted and merged.
    fn spans(&self, text: &str) -> Vec<(usize, usize)> {
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for rule in self.rules.iter() {
            for caps in rule.regex.captures_iter(text) {
                if let (Some(keep), Some(k)) = (&rule.keep_keys, rule.key_group) {
                    if caps.get(k).is_some_and(|m| keep.is_match(m.as_str())) {
                        continue;
                    }
                }
                for &g in &rule.secret_groups {
                    let Some(m) = caps.get(g) else { continue };
                    let value = m.as_str();
                    if value.is_empty()
                        || value.len() < rule.spec.min_len
                        || self
                            .placeholders
                            .as_ref()
                            .is_some_and(|p| p.is_match(value))
                    {
                        continue;
                    }
                    spans.push((m.start(), m.end()));
                }
            }
        }
        spans.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
        for (a, b) in spans {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        merged
    }

    /// `text` with every secret replaced by [`REDACTED`], and how many values were replaced.
    pub fn redact<'a>(&self, text: &'a str) -> (Cow<'a, str>, usize) {
        let spans = self.spans(text);
        if spans.is_empty() {
            return (Cow::Borrowed(text), 0);
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for &(a, b) in &spans {
            out.push_str(&text[at..a]);
            out.push_str(REDACTED);
            at = b;
        }
        out.push_str(&text[at..]);
        (Cow::Owned(out), spans.len())
    }

    /// Redact `s` in place; returns how many values were replaced.
    pub fn redact_in_place(&self, s: &mut String) -> usize {
        let (text, n) = self.redact(s);
        if let Cow::Owned(t) = text {
            *s = t;
        }
        n
    }

    /// Check every rule's examples (`in` must become `out`) and counter-examples (unchanged);
    /// one message per failure.
    pub fn test_examples(&self) -> Vec<String> {
        let mut failures = Vec::new();
        for rule in self.rules.iter() {
            for ex in &rule.spec.examples {
                let (got, _) = self.redact(&ex.input);
                if got != ex.out {
                    failures.push(format!(
                        "{}: example {:?} became {:?}, expected {:?}",
                        rule.spec.id, ex.input, got, ex.out
                    ));
                }
                // The rule itself must fire: another rule may not be the only one doing it.
                if !rule.regex.is_match(&ex.input) {
                    failures.push(format!(
                        "{}: example {:?} does not match the rule's own regex",
                        rule.spec.id, ex.input
                    ));
                }
            }
            for ce in &rule.spec.counter_examples {
                let (got, n) = self.redact(ce);
                if n != 0 {
                    failures.push(format!(
                        "{}: counter-example {:?} became {:?}",
                        rule.spec.id, ce, got
                    ));
                }
            }
        }
        failures
    }

    /// The rule ids and kinds, in file order.
    pub fn rules(&self) -> impl Iterator<Item = (&str, &str)> {
        self.rules
            .iter()
            .map(|r| (r.spec.id.as_str(), r.spec.kind.as_str()))
    }
}
