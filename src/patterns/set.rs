//! Compiling packs into one matcher: a multi-keyword prefilter plus per-rule regexes.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use regex::bytes::Regex;

use super::keywords;
use super::literals::Literals;
use super::pack::{PatternPack, Rule, Scope};
use crate::cause::Cause;
use crate::error::PackError;
use crate::incident::SourceKind;

/// A compiled rule.
#[derive(Debug, Clone)]
struct Compiled {
    rule: Rule,
    pack: String,
    file: String,
    /// Compiled on first use: most rules never see a candidate line, and compiling ~200 regexes
    /// up front costs ~50 ms. `None` if it exceeds the size limit (the syntax is checked by
    /// [`PatternSet::new`]).
    regex: OnceLock<Option<Regex>>,
    keywords: Vec<String>,
}

impl Compiled {
    fn regex(&self) -> Option<&Regex> {
        self.regex
            .get_or_init(|| build_regex(&self.rule.engine_regex()).ok())
            .as_ref()
    }
}

fn build_regex(re: &str) -> Result<Regex, regex::Error> {
    regex::bytes::RegexBuilder::new(re)
        .size_limit(4 << 20)
        .build()
}

/// One rule matching one piece of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMatch {
    /// Index of the rule in the set.
    pub rule: usize,
    /// Named captures (name, value).
    pub captures: Vec<(String, String)>,
}

/// All loaded packs compiled together.
///
/// Matching a line costs one pass of the keyword filter over it (a bucketed shift-or filter with
/// an exact check, see `literals.rs`); regexes run only for rules whose keyword occurred.
/// [`PatternSet::find_keyword`] lets a streaming searcher skip whole buffers of lines that contain
/// no keyword at all.
#[derive(Debug, Clone)]
pub struct PatternSet {
    rules: Vec<Compiled>,
    /// All keywords of all rules (ASCII case-insensitive), ids = keyword indexes.
    keywords: Literals,
    /// For each keyword pattern id, the rules that declared it.
    keyword_rules: Vec<Vec<u32>>,
    packs: Vec<(String, String, usize)>,
}

impl PatternSet {
    /// Compile packs. Fails on a duplicate rule id, an invalid regex, a rule from which no
    /// keyword of three or more characters can be derived, or a regex that cannot match a line
    /// without one of its keywords (checked on its examples).
    ///
    /// Regexes are parsed (validated) here but compiled on first use; one that parses but is
    /// too big to compile (over 4 MiB) never matches and is reported by
    /// [`test_examples`](PatternSet::test_examples).
    pub fn new(packs: &[PatternPack]) -> Result<PatternSet, PackError> {
        let mut rules = Vec::new();
        let mut seen: HashMap<String, String> = HashMap::new();
        let mut pack_list = Vec::new();
        for pack in packs {
            pack_list.push((
                pack.name.clone(),
                pack.description.clone(),
                pack.rules.len(),
            ));
            for rule in &pack.rules {
                let err = |message: String| PackError::Rule {
                    file: pack.file.clone(),
                    rule: rule.id.clone(),
                    message,
                };
                if let Some(other) = seen.insert(rule.id.clone(), pack.file.clone()) {
                    return Err(err(format!("duplicate rule id (also in {other})")));
                }
                // The same syntax settings as `regex::bytes` (which reports the same message).
                regex_syntax::ParserBuilder::new()
                    .utf8(false)
                    .build()
                    .parse(&rule.regex)
                    .map_err(|e| err(format!("invalid regex: {e}")))?;
                let kws: Vec<String> = if rule.keywords.is_empty() {
                    keywords::derive(&rule.regex).ok_or_else(|| {
                        err("no keywords given and none of 3+ characters can be derived from the regex; add `keywords:`".into())
                    })?
                } else {
                    rule.keywords.iter().map(|k| k.to_lowercase()).collect()
                };
                rules.push(Compiled {
                    rule: rule.clone(),
                    pack: pack.name.clone(),
                    file: pack.file.clone(),
                    regex: OnceLock::new(),
                    keywords: kws,
                });
            }
        }
        let mut kw_index: HashMap<String, usize> = HashMap::new();
        let mut kw_list: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<u32>> = Vec::new();
        for (i, c) in rules.iter().enumerate() {
            for k in &c.keywords {
                let id = *kw_index.entry(k.clone()).or_insert_with(|| {
                    kw_list.push(k.clone());
                    keyword_rules.push(Vec::new());
                    kw_list.len() - 1
                });
                if !keyword_rules[id].contains(&(i as u32)) {
                    keyword_rules[id].push(i as u32);
                }
            }
        }
        let keywords = Literals::new(&kw_list);
        Ok(PatternSet {
            rules,
            keywords,
            keyword_rules,
            packs: pack_list,
        })
    }

    /// The embedded packs, compiled.
    pub fn embedded() -> PatternSet {
        PatternSet::new(&super::embedded_packs()).expect("embedded packs compile")
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rule at `index` (`0..len()`); `None` for an index out of range, such as one from
    /// a [`RuleMatch`] or a log hit made by another pattern set.
    pub fn rule(&self, index: usize) -> Option<&Rule> {
        self.rules.get(index).map(|c| &c.rule)
    }

    /// The pack name of the rule at `index`; `None` out of range.
    pub fn rule_pack(&self, index: usize) -> Option<&str> {
        self.rules.get(index).map(|c| c.pack.as_str())
    }

    /// Keywords (lowercase) used for the rule at `index`, declared or derived; `None` out of
    /// range.
    pub fn rule_keywords(&self, index: usize) -> Option<&[String]> {
        self.rules.get(index).map(|c| c.keywords.as_slice())
    }

    /// The cause of the rule at `index`; `None` out of range.
    pub fn cause(&self, index: usize) -> Option<Cause> {
        self.rules.get(index).map(|c| c.rule.cause)
    }

    /// Find a rule by id.
    pub fn find(&self, id: &str) -> Option<usize> {
        self.rules.iter().position(|c| c.rule.id == id)
    }

    /// `(pack name, description, rule count)` for each pack.
    pub fn packs(&self) -> &[(String, String, usize)] {
        &self.packs
    }

    /// Start offset of a keyword occurrence in `haystack` starting at or after `from`: of those,
    /// the one that *ends* first (the filter detects a keyword at its last byte), which is not
    /// always the one that starts first (`b--b` and `--b` in `B--B`: the start of `--b`, 1).
    ///
    /// Streaming searchers call this over a whole buffer of lines, then confirm only the line
    /// around the occurrence: most lines of a healthy log are never looked at individually.
    pub fn find_keyword(&self, haystack: &[u8], from: usize) -> Option<usize> {
        self.keywords.find(haystack, from).map(|(start, _)| start)
    }

    /// Every rule that applies to `kind` and matches `line`, in rule order.
    pub fn matches(&self, line: &[u8], kind: SourceKind) -> Vec<RuleMatch> {
        let mut out = Vec::new();
        self.for_each_match(line, kind, |rule| {
            out.push(RuleMatch {
                rule,
                captures: self.captures(rule, line),
            })
        });
        out
    }

    /// Call `f(rule)` for every rule that applies to `kind` and matches `line`.
    pub fn for_each_match(&self, line: &[u8], kind: SourceKind, mut f: impl FnMut(usize)) {
        let mut cands: Vec<u32> = Vec::new();
        self.keywords.for_each(line, 0, |_, kw| {
            for &r in &self.keyword_rules[kw as usize] {
                if !cands.contains(&r) {
                    cands.push(r);
                }
            }
            true
        });
        cands.sort_unstable();
        for r in cands {
            let c = &self.rules[r as usize];
            if c.rule.scope.applies_to(kind) && c.regex().is_some_and(|re| re.is_match(line)) {
                f(r as usize);
            }
        }
    }

    /// The byte range of rule `index`'s first match in `line`; `None` when it does not match
    /// or `index` is out of range.
    pub fn span(&self, index: usize, line: &[u8]) -> Option<(usize, usize)> {
        self.rules
            .get(index)?
            .regex()?
            .find(line)
            .map(|m| (m.start(), m.end()))
    }

    /// Named captures of rule `index` on `line`; empty when it does not match or `index` is
    /// out of range.
    pub fn captures(&self, index: usize, line: &[u8]) -> Vec<(String, String)> {
        let Some(re) = self.rules.get(index).and_then(Compiled::regex) else {
            return Vec::new();
        };
        let Some(caps) = re.captures(line) else {
            return Vec::new();
        };
        re.capture_names()
            .flatten()
            .filter_map(|name| {
                caps.name(name).map(|m| {
                    (
                        name.to_string(),
                        String::from_utf8_lossy(m.as_bytes()).trim().to_string(),
                    )
                })
            })
            .filter(|(_, v)| !v.is_empty())
            .collect()
    }

    /// Run every rule's `examples` and `counter_examples`; returns one message per failure.
    ///
    /// An example must match through the same path real input takes (keyword prefilter, then
    /// regex), and must be recognised by its own rule under the rule's scope.
    pub fn test_examples(&self) -> Vec<String> {
        let mut failures = Vec::new();
        for (i, c) in self.rules.iter().enumerate() {
            let Some(regex) = c.regex() else {
                let e = build_regex(&c.rule.engine_regex())
                    .err()
                    .map(|e| e.to_string());
                failures.push(format!(
                    "{}: rule {}: regex cannot be compiled: {}",
                    c.file,
                    c.rule.id,
                    e.unwrap_or_default()
                ));
                continue;
            };
            let kind = match c.rule.scope {
                Scope::Log | Scope::Any => SourceKind::Log,
                Scope::Event => SourceKind::Event,
                Scope::Status => SourceKind::Status,
            };
            for ex in &c.rule.examples {
                let mut hit = false;
                self.for_each_match(ex.as_bytes(), kind, |r| hit |= r == i);
                if !hit {
                    let why = if regex.is_match(ex.as_bytes()) {
                        "the regex matches but no keyword occurs in it"
                    } else {
                        "the regex does not match"
                    };
                    failures.push(format!(
                        "{}: rule {}: example does not match ({why}): {ex}",
                        c.file, c.rule.id
                    ));
                }
            }
            for ex in &c.rule.counter_examples {
                if regex.is_match(ex.as_bytes()) {
                    failures.push(format!(
                        "{}: rule {}: counter-example matches: {ex}",
                        c.file, c.rule.id
                    ));
                }
            }
        }
        failures
    }

    /// The causes that have at least one rule.
    pub fn covered_causes(&self) -> HashSet<Cause> {
        self.rules.iter().map(|c| c.rule.cause).collect()
    }
}
