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

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> String {
        Redactor::embedded().redact(s).0.into_owned()
    }

    #[test]
    fn embedded_rules_pass_their_examples() {
        let failures = Redactor::embedded().test_examples();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn covers_every_kind_of_secret_the_issue_names() {
        let cases = [
            ("postgres://app:PASS@host", "postgres://app:****@host"),
            (
                "Authorization: Bearer abcdefgh",
                "Authorization: Bearer ****",
            ),
            (
                "Proxy-Authorization: Basic dXNlcjpwYXNz",
                "Proxy-Authorization: Basic ****",
            ),
            ("key AKIAIOSFODNN7EXAMPLE", "key ****"),
            (
                "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "AWS_SECRET_ACCESS_KEY=****",
            ),
            ("ghp_0123456789abcdefghijklmnopqrstuvwxyz", "****"),
            ("glpat-0123456789abcdefghij", "****"),
            ("xoxp-0123456789-abcdef", "****"),
            ("sk_live_0123456789abcdefgh", "****"),
            ("AIzaSyA-1234567890abcdefghijklmnopqrstu", "****"),
            ("passwd=x1", "passwd=****"),
            ("pwd: x1", "pwd: ****"),
            ("secret=x1", "secret=****"),
            ("token=x1", "token=****"),
            ("apiKey=x1", "apiKey=****"),
            ("access-key=x1", "access-key=****"),
            ("client_secret=x1", "client_secret=****"),
            ("credentials=x1", "credentials=****"),
            (r#"{"token":"x1"}"#, r#"{"token":"****"}"#),
        ];
        for (input, want) in cases {
            assert_eq!(r(input), want, "input {input:?}");
        }
    }

    #[test]
    fn keeps_what_diagnosis_needs() {
        for keep in [
            r#"secret "db-creds" not found"#,
            r#"Error: secret "x" not found"#,
            "couldn't find key password in Secret ns/name",
            r#"pq: password authentication failed for user "app""#,
            "dial tcp db.shop.svc:5432: connect: connection refused",
            "Error: configmap \"app-config\" not found",
            r#"Failed to pull image "registry.example.com:5000/shop/api:1.2": unauthorized"#,
        ] {
            assert_eq!(r(keep), keep);
        }
    }

    #[test]
    fn counts_each_value_once() {
        let (text, n) = Redactor::embedded().redact(
            "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY user=a password=b",
        );
        assert_eq!(text, "aws_secret_access_key=**** user=a password=****");
        assert_eq!(n, 2);
    }

    /// A small deterministic generator (xorshift64*): no dependency, same cases every run.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn string(&mut self, alphabet: &[u8], min: usize, max: usize) -> String {
            let len = min + self.below(max - min + 1);
            (0..len)
                .map(|_| alphabet[self.below(alphabet.len())] as char)
                .collect()
        }
    }

    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const UPPER_DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    /// Printable ASCII a password may hold, minus whitespace and quotes.
    const PASSWORD: &[u8] =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&*+,-./:;<=>?@[]^_{|}~";

    /// Random secrets of every kind inside realistic lines: none may survive, in whole or as
    /// an 8-byte piece. `PODMORTEM_REDACT_CASES` runs more (default 3,000).
    #[test]
    fn property_random_secrets_in_realistic_lines_never_survive() {
        let cases: usize = std::env::var("PODMORTEM_REDACT_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(3000);
        let r = Redactor::embedded();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for i in 0..cases {
            // A password starts with a letter so it is never a placeholder like `no` or `${X}`.
            let pw = format!("p{}", rng.string(PASSWORD, 7, 24));
            let url_pw = pw.replace(['/', '?', '#', '<', '>'], "x");
            let json_pw = pw.replace('\\', "x");
            let jwt = format!(
                "eyJ{}.eyJ{}.{}",
                rng.string(B64URL, 10, 40),
                rng.string(B64URL, 10, 80),
                rng.string(B64URL, 20, 60)
            );
            let (line, secret) = match i % 14 {
                0 => (format!("time=\"2026-01-10T17:11:41Z\" level=error msg=\"connect failed\" dsn=\"postgres://app:{url_pw}@db.shop.svc:5432/shop\""), url_pw),
                1 => (format!("Caused by: java.sql.SQLException: Access denied for user 'app'@'10.0.0.3' (using password: YES) jdbc.password={pw}"), pw),
                2 => (format!("{{\"level\":\"error\",\"password\":\"{json_pw}\",\"msg\":\"login failed\"}}"), json_pw),
                3 => (format!("DB_PASSWORD: {pw}"), pw),
                4 => (format!("GET /v1/orders 401 Authorization: Bearer {jwt}"), jwt),
                5 => (format!("failed to verify {jwt}: token expired"), jwt),
                6 => {
                    let k = format!("AKIA{}", rng.string(UPPER_DIGITS, 16, 16));
                    (format!("export AWS_ACCESS_KEY_ID={k} region=eu-west-1"), k)
                }
                7 => {
                    let k = rng.string(B64, 40, 40);
                    (format!("aws_secret_access_key = {k}"), k)
                }
                8 => {
                    let k = format!("ghp_{}", rng.string(ALNUM, 36, 36));
                    (format!("fatal: could not read from 'https://{k}@github.com/shop/cfg.git'"), k)
                }
                9 => {
                    let k = format!("glpat-{}", rng.string(ALNUM, 20, 20));
                    (format!("git clone https://oauth2:{k}@gitlab.example.com/x.git failed"), k)
                }
                10 => {
                    let k = format!("xoxb-{}-{}", rng.string(b"0123456789", 10, 12), rng.string(ALNUM, 24, 24));
                    (format!("slack notify failed for {k}: invalid_auth"), k)
                }
                11 => {
                    let k = format!("sk_live_{}", rng.string(ALNUM, 24, 24));
                    (format!("stripe.error.AuthenticationError: Invalid API Key provided: {k}"), k)
                }
                12 => {
                    let k = format!("AIza{}", rng.string(B64URL, 35, 35));
                    (format!("maps: API key {k} rejected"), k)
                }
                _ => {
                    let body = rng.string(B64, 64, 64);
                    (format!("tls: bad key \"-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----\""), body)
                }
            };
            let (out, n) = r.redact(&line);
            assert!(n >= 1, "case {i}: nothing redacted in {line:?}");
            let piece = &secret[secret.len().saturating_sub(8)..];
            assert!(
                !out.contains(&secret) && !out.contains(piece),
                "case {i}: secret {secret:?} survives in {out:?}"
            );
        }
    }

    #[test]
    fn extra_rules_add_and_replace_by_id() {
        let extra = Redactor::from_yaml(
            "extra.yaml",
            "rules:\n  - id: jwt\n    kind: token\n    regex: '(?P<secret>never-matches-xyz)'\n    examples: [{in: never-matches-xyz, out: '****'}]\n  - id: acme\n    kind: token\n    regex: '(?P<secret>acme_[0-9]{4})'\n    examples: [{in: acme_1234, out: '****'}]\n",
        )
        .unwrap();
        let r = Redactor::embedded().extended(&extra);
        assert_eq!(r.redact("id acme_1234").0, "id ****");
        // The built-in `jwt` rule was replaced: a bare JWT is no longer recognised by it.
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
        assert_eq!(r.redact(jwt).0, jwt);
        assert_eq!(Redactor::embedded().redact(jwt).0, "****");
        assert_eq!(r.rules().count(), Redactor::embedded().rules().count() + 1);
    }

    #[test]
    fn invalid_rules_name_the_file_and_rule() {
        let err = Redactor::from_yaml(
            "mine.yaml",
            "rules:\n  - id: x\n    kind: token\n    regex: 'abc'\n    examples: [{in: abc, out: '****'}]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("mine.yaml: rule x: "), "{err}");
        let err = Redactor::from_yaml("mine.yaml", "rules: 3")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("mine.yaml: invalid pattern pack"), "{err}");
    }
}
