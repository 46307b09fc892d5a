//! `podmortem patterns test|list|export`.

use std::path::PathBuf;

use anyhow::Context;
use podmortem::patterns::{embedded_packs, load_dir};
use podmortem::PatternSet;

use super::{emit, engine, Dialect, PackArgs};

pub fn test(dir: Option<PathBuf>, fixtures: Option<PathBuf>) -> anyhow::Result<i32> {
    let packs = match &dir {
        Some(d) => load_dir(d).with_context(|| format!("cannot load {}", d.display()))?,
        None => embedded_packs(),
    };
    let set = PatternSet::new(&packs).context("invalid pattern pack")?;
    let failures = set.test_examples();
    let examples: usize = packs
        .iter()
        .flat_map(|p| &p.rules)
        .map(|r| r.examples.len() + r.counter_examples.len())
        .sum();
    for f in &failures {
        println!("FAIL {f}");
    }
    println!(
        "{} packs, {} rules, {} examples: {} failure(s)",
        packs.len(),
        set.len(),
        examples,
        failures.len()
    );
    let mut fixture_failures = 0;
    if let Some(fx) = &fixtures {
        let engine = podmortem::Engine::with_patterns(set.clone());
        let report = engine
            .test_rule_fixtures(fx)
            .with_context(|| format!("cannot read fixtures in {}", fx.display()))?;
        for f in &report.failures {
            println!("FAIL {f}");
        }
        println!(
            "fixtures: {} rules, {} files: {} failure(s)",
            report.rules,
            report.files,
            report.failures.len()
        );
        fixture_failures = report.failures.len();
    }
    if dir.is_some() {
        return Ok(if failures.is_empty() && fixture_failures == 0 {
            0
        } else {
            1
        });
    }
    // The built-in redaction rules carry examples too (patterns/redact/secrets.yaml).
    let redactor = podmortem::redact::Redactor::embedded();
    let redact_failures = redactor.test_examples();
    for f in &redact_failures {
        println!("FAIL redact {f}");
    }
    println!(
        "redaction: {} rules: {} failure(s)",
        redactor.rules().count(),
        redact_failures.len()
    );
    Ok(
        if failures.is_empty() && redact_failures.is_empty() && fixture_failures == 0 {
            0
        } else {
            1
        },
    )
}

pub fn list(rules: bool, packs: &PackArgs) -> anyhow::Result<i32> {
    let engine = engine(packs)?;
    let set = engine.patterns();
    let mut s = String::new();
    for (name, desc, n) in set.packs() {
        s.push_str(&format!("{name:<28} {n:>4} rules  {desc}\n"));
        if rules {
            let in_pack = (0..set.len()).filter(|&i| set.rule_pack(i) == Some(name.as_str()));
            for r in in_pack.filter_map(|i| set.rule(i)) {
                s.push_str(&format!(
                    "    {:<48} {:<28} {:<6} w={:<4} {}\n",
                    r.id,
                    match &r.detail {
                        Some(d) => format!("{}/{d}", r.cause),
                        None => r.cause.to_string(),
                    },
                    r.scope.as_str(),
                    r.weight,
                    r.explain
                ));
            }
        }
    }
    s.push_str(&format!(
        "{} packs, {} rules\n",
        set.packs().len(),
        set.len()
    ));
    emit(&s)?;
    Ok(0)
}

/// Rust regex → POSIX ERE, for `grep -E -i`: drop inline flags, unname groups, turn
/// non-capturing groups into plain ones, and spell Perl classes (`\d`, `\s`, `\w` and their
/// negations) as POSIX ones, also inside bracket expressions, where POSIX takes a backslash
/// literally. `[^\n]` becomes `.` (grep matches single lines).
fn to_ere(re: &str) -> String {
    let c: Vec<char> = re.chars().collect();
    let mut out = String::with_capacity(re.len() + 16);
    let mut i = 0;
    while i < c.len() {
        match c[i] {
            '\\' if i + 1 < c.len() => {
                match c[i + 1] {
                    'd' => out.push_str("[0-9]"),
                    'D' => out.push_str("[^0-9]"),
                    's' => out.push_str("[[:space:]]"),
                    'S' => out.push_str("[^[:space:]]"),
                    'w' => out.push_str("[[:alnum:]_]"),
                    'W' => out.push_str("[^[:alnum:]_]"),
                    other => {
                        out.push('\\');
                        out.push(other);
                    }
                }
                i += 2;
            }
            '[' => i = bracket(&c, i, &mut out),
            '(' if c.get(i + 1) == Some(&'?') => {
                let rest: String = c[i + 2..].iter().collect();
                let flags = rest
                    .find(|ch: char| !matches!(ch, 'i' | 'm' | 's' | 'x' | 'U' | 'u' | '-'))
                    .unwrap_or(rest.len());
                let after = &rest[flags..];
                if after.starts_with(')') {
                    // `(?i)`: an inline flag, dropped (grep runs with -i).
                    i += 2 + flags + 1;
                } else if after.starts_with(':') {
                    out.push('(');
                    i += 2 + flags + 1;
                } else if let Some(named) =
                    after.strip_prefix("P<").or_else(|| after.strip_prefix('<'))
                {
                    out.push('(');
                    let name_len = named.find('>').map_or(named.len(), |n| n + 1);
                    i += 2 + (after.len() - named.len()) + name_len;
                } else {
                    out.push_str("(?");
                    i += 2;
                }
            }
            ch => {
                out.push(ch);
                i += 1;
            }
        }
    }
    out
}

/// Translate the bracket expression starting at `c[start] == '['`; returns the index after it.
fn bracket(c: &[char], start: usize, out: &mut String) -> usize {
    let mut i = start + 1;
    let negated = c.get(i) == Some(&'^');
    if negated {
        i += 1;
    }
    let (mut members, mut rbracket, mut caret, mut dash, mut newline) =
        (String::new(), false, false, false, false);
    let mut first = true;
    while i < c.len() {
        match c[i] {
            ']' if first => rbracket = true,
            ']' => {
                i += 1;
                break;
            }
            '[' if c.get(i + 1) == Some(&':') => {
                // A POSIX class inside the brackets: copy `[:name:]` as is.
                let end = (i + 2..c.len().saturating_sub(1))
                    .find(|&k| c[k] == ':' && c[k + 1] == ']')
                    .map_or(c.len(), |k| k + 2);
                members.extend(&c[i..end]);
                i = end;
                first = false;
                continue;
            }
            '\\' if i + 1 < c.len() => {
                match c[i + 1] {
                    'd' => members.push_str("0-9"),
                    's' => members.push_str("[:space:]"),
                    'w' => members.push_str("[:alnum:]_"),
                    'n' => newline = true,
                    't' => members.push('\t'),
                    ']' => rbracket = true,
                    '-' => dash = true,
                    '^' => caret = true,
                    other => members.push(other),
                }
                i += 2;
                first = false;
                continue;
            }
            '^' => caret = true,
            ch => members.push(ch),
        }
        i += 1;
        first = false;
    }
    if members.is_empty() && !rbracket && !caret && !dash {
        // `[^\n]` is any character of a line; `[\n]` none.
        out.push_str(if negated || !newline {
            "."
        } else {
            "[^[:print:][:space:][:cntrl:]]"
        });
        return i;
    }
    out.push('[');
    if negated {
        out.push('^');
    }
    if rbracket {
        out.push(']');
    }
    out.push_str(&members);
    if caret {
        out.push('^');
    }
    if dash {
        out.push('-');
    }
    out.push(']');
    i
}

/// `(?P<name>…)` and `(?<name>…)` become `(?:…)`: `rg -f` joins every line into one regex,
/// where two rules naming a group alike (`image`, `path`) would be a syntax error.
fn unnamed(re: &str) -> String {
    let mut out = String::with_capacity(re.len());
    let mut rest = re;
    while let Some(at) = rest.find("(?") {
        let escaped = rest[..at].chars().rev().take_while(|&c| c == '\\').count() % 2 == 1;
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let name_start = after.strip_prefix("P<").or_else(|| {
            after
                .strip_prefix('<')
                .filter(|a| !a.starts_with(['=', '!']))
        });
        match name_start.and_then(|n| n.find('>').map(|e| (n, e))) {
            Some((n, end)) if !escaped => {
                out.push_str("(?:");
                rest = &n[end + 1..];
            }
            _ => {
                out.push_str("(?");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

pub fn export(dialect: Dialect, packs: &PackArgs) -> anyhow::Result<i32> {
    let engine = engine(packs)?;
    let set = engine.patterns();
    let mut s = String::new();
    for r in (0..set.len()).filter_map(|i| set.rule(i)) {
        let re = &r.engine_regex();
        match dialect {
            Dialect::Rust => s.push_str(&unnamed(re)),
            Dialect::Ere => s.push_str(&to_ere(re)),
        }
        s.push('\n');
    }
    emit(&s)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::{to_ere, unnamed};

    #[test]
    fn rust_dialect_exports_work_joined_as_rg_joins_them() {
        assert_eq!(
            unnamed(r#"pull "(?P<image>[^"]+)" (?<n>\d+) \(?P<x> (?:a)"#),
            r#"pull "(?:[^"]+)" (?:\d+) \(?P<x> (?:a)"#
        );
        let set = podmortem::PatternSet::embedded();
        let joined: Vec<String> = (0..set.len())
            .filter_map(|i| set.rule(i))
            .map(|r| unnamed(&r.engine_regex()))
            .collect();
        regex::Regex::new(&joined.join("|"))
            .expect("every rule in one alternation, as rg -f builds it");
    }

    #[test]
    fn ere_translation() {
        assert_eq!(
            to_ere(r#"(?i)failed to pull image "(?P<image>[^"]+)"(?:: not found)\d+"#),
            r#"failed to pull image "([^"]+)"(: not found)[0-9]+"#
        );
        // POSIX brackets take `\` literally: Perl classes and escapes are spelled out.
        assert_eq!(
            to_ere(r#"(?:^|[\s"'(]|\\n)(?:builtins\.)?MemoryError(?::|\s*$)"#),
            r#"(^|[[:space:]"'(]|\\n)(builtins\.)?MemoryError(:|[[:space:]]*$)"#
        );
        assert_eq!(to_ere(r"exec[^\n]*\S+"), "exec.*[^[:space:]]+");
        assert_eq!(
            to_ere(r#"[^"\\]+ [\w.-]+ [^\s:\[\]]"#),
            r#"[^"\]+ [[:alnum:]_.-]+ [^][:space:]:[]"#
        );
        assert_eq!(to_ere(r"(?i:x)(?<n>y)(?-u:z)"), "(x)(y)(z)");
    }
}
