//! `podmortem patterns test|list|export`.

use std::path::PathBuf;

use anyhow::Context;
use podmortem::patterns::{embedded_packs, load_dir};
use podmortem::PatternSet;

use super::{emit, engine, Dialect, PackArgs};

pub fn test(dir: Option<PathBuf>) -> anyhow::Result<i32> {
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
    Ok(if failures.is_empty() { 0 } else { 1 })
}

pub fn list(rules: bool, packs: &PackArgs) -> anyhow::Result<i32> {
    let engine = engine(packs)?;
    let set = engine.patterns();
    let mut s = String::new();
    for (name, desc, n) in set.packs() {
        s.push_str(&format!("{name:<28} {n:>4} rules  {desc}\n"));
        if rules {
            for i in (0..set.len()).filter(|&i| set.rule_pack(i) == name) {
                let r = set.rule(i);
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

/// Rust regex → POSIX ERE, for `grep -E -i`: drop inline flags, unname groups, and turn
/// non-capturing groups into plain ones.
fn to_ere(re: &str) -> String {
    let mut s = re.to_string();
    for flag in [
        "(?i)", "(?s)", "(?m)", "(?x)", "(?is)", "(?si)", "(?im)", "(?mi)",
    ] {
        s = s.replace(flag, "");
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s.as_str();
    while let Some(i) = rest.find("(?") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        if let Some(a) = after.strip_prefix(':') {
            out.push('(');
            rest = a;
        } else if let Some(a) = after.strip_prefix("P<").or_else(|| after.strip_prefix('<')) {
            out.push('(');
            rest = a.split_once('>').map_or(a, |(_, r)| r);
        } else if let Some(a) = after.strip_prefix("i:") {
            out.push('(');
            rest = a;
        } else {
            out.push_str("(?");
            rest = after;
        }
    }
    out.push_str(rest);
    out.replace("\\d", "[0-9]")
        .replace("\\s", "[[:space:]]")
        .replace("\\w", "[[:alnum:]_]")
}

pub fn export(dialect: Dialect, packs: &PackArgs) -> anyhow::Result<i32> {
    let engine = engine(packs)?;
    let set = engine.patterns();
    let mut s = String::new();
    for i in 0..set.len() {
        let re = &set.rule(i).regex;
        match dialect {
            Dialect::Rust => s.push_str(re),
            Dialect::Ere => s.push_str(&to_ere(re)),
        }
        s.push('\n');
    }
    emit(&s)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::to_ere;

    #[test]
    fn ere_translation() {
        assert_eq!(
            to_ere(r#"(?i)failed to pull image "(?P<image>[^"]+)"(?:: not found)\d+"#),
            r#"failed to pull image "([^"]+)"(: not found)[0-9]+"#
        );
    }
}
