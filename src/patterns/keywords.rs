//! Deriving prefilter keywords from a regex when a rule declares none.
//!
//! We look for a set of literals such that every match of the regex contains at least one of
//! them (like ripgrep's inner literals). Case-insensitive classes of a single letter (`[Kk]`,
//! which `(?i)k` compiles to) count as that letter, since the prefilter is case-insensitive.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Keywords shorter than this are useless as a prefilter.
const MIN_LEN: usize = 3;

/// Literals (lowercase) at least one of which every match contains, or `None` if there is no
/// such set with every literal at least three bytes long.
pub(crate) fn derive(regex: &str) -> Option<Vec<String>> {
    let hir = regex_syntax::ParserBuilder::new()
        .utf8(false)
        .build()
        .parse(regex)
        .ok()?;
    let set = required(&hir)?;
    if set.iter().all(|l| l.len() >= MIN_LEN) && !set.is_empty() {
        let mut out: Vec<String> = set
            .into_iter()
            .map(|l| String::from_utf8_lossy(&l).to_lowercase())
            .collect();
        out.sort();
        out.dedup();
        Some(out)
    } else {
        None
    }
}

/// One byte the node always matches, ignoring ASCII case.
fn single_byte(hir: &Hir) -> Option<u8> {
    match hir.kind() {
        HirKind::Literal(lit) if lit.0.len() == 1 => Some(lit.0[0].to_ascii_lowercase()),
        HirKind::Class(Class::Unicode(c)) => {
            let mut found: Option<u8> = None;
            for r in c.ranges() {
                for ch in r.start()..=r.end() {
                    if ch.is_ascii() {
                        let b = (ch as u8).to_ascii_lowercase();
                        if found.is_some_and(|f| f != b) {
                            return None;
                        }
                        found = Some(b);
                    } else if !matches!(ch, '\u{17F}' | '\u{212A}') {
                        // ſ and the Kelvin sign are the only non-ASCII case folds of ASCII letters.
                        return None;
                    }
                }
            }
            found
        }
        HirKind::Class(Class::Bytes(c)) => {
            let mut found: Option<u8> = None;
            for r in c.ranges() {
                for b in r.start()..=r.end() {
                    let b = b.to_ascii_lowercase();
                    if found.is_some_and(|f| f != b) {
                        return None;
                    }
                    found = Some(b);
                }
            }
            found
        }
        _ => None,
    }
}

/// The literal the node matches exactly, if it is a fixed string (ignoring ASCII case).
fn fixed(hir: &Hir) -> Option<Vec<u8>> {
    match hir.kind() {
        HirKind::Literal(lit) => Some(lit.0.to_ascii_lowercase()),
        HirKind::Capture(c) => fixed(&c.sub),
        HirKind::Concat(parts) => {
            let mut out = Vec::new();
            for p in parts {
                out.extend(fixed(p)?);
            }
            Some(out)
        }
        _ => single_byte(hir).map(|b| vec![b]),
    }
}

fn score(set: &[Vec<u8>]) -> usize {
    set.iter().map(|l| l.len()).min().unwrap_or(0)
}

fn required(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    if let Some(l) = fixed(hir) {
        return if l.is_empty() { None } else { Some(vec![l]) };
    }
    match hir.kind() {
        HirKind::Capture(c) => required(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => required(&r.sub),
        HirKind::Alternation(alts) => {
            let mut out = Vec::new();
            for a in alts {
                out.extend(required(a)?);
            }
            Some(out)
        }
        HirKind::Concat(parts) => {
            // Runs of fixed parts form one literal; otherwise take the best part's set.
            let mut best: Option<Vec<Vec<u8>>> = None;
            let mut run: Vec<u8> = Vec::new();
            let consider = |cand: Option<Vec<Vec<u8>>>, best: &mut Option<Vec<Vec<u8>>>| {
                if let Some(c) = cand {
                    if best.as_ref().is_none_or(|b| score(&c) > score(b)) {
                        *best = Some(c);
                    }
                }
            };
            for p in parts {
                if let Some(l) = fixed(p) {
                    run.extend(l);
                    continue;
                }
                if !run.is_empty() {
                    consider(Some(vec![std::mem::take(&mut run)]), &mut best);
                }
                consider(required(p), &mut best);
            }
            if !run.is_empty() {
                consider(Some(vec![run]), &mut best);
            }
            best
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::derive;

    #[test]
    fn derives_inner_literals() {
        assert_eq!(
            derive(r#"Failed to pull image "(?P<image>[^"]+)".*not found"#).unwrap(),
            vec![r#"failed to pull image ""#]
        );
        assert_eq!(
            derive(r"(?i)(eaddrinuse|address already in use)").unwrap(),
            vec!["address already in use", "eaddrinuse"]
        );
        assert_eq!(derive(r"(?i)OOMKilled").unwrap(), vec!["oomkilled"]);
        assert_eq!(derive(r"\d+ errors?").unwrap(), vec![" error"]);
        assert!(derive(r"\d+ \w+").is_none());
        assert!(derive(r"(a|bcd)x").is_none());
    }
}
