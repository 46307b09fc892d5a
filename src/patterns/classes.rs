//! `\w` and `\d` in rule regexes mean ASCII word characters and digits.
//!
//! Log signatures name flags, identifiers, ports and codes: ASCII text. Unicode `\w` is a class
//! of some 140,000 code points, and its automaton, repeated by `{m,n}` and `+` in 400 rules, made
//! the rules joined as `rg -f` joins them four times larger than regex's default size limit.
//! Rewriting the two shorthands to their ASCII classes keeps every rule readable in its pack and
//! small once compiled; the engine and `podmortem patterns export` both compile what
//! [`Rule::engine_regex`](super::Rule::engine_regex) returns, so they agree.

use std::borrow::Cow;

/// `re` with `\w` as `[0-9A-Za-z_]` and `\d` as `[0-9]` (inside a bracket class, the ranges
/// alone). Every other escape, including `\W`, `\D` and `\\w`, is left as it is.
pub(crate) fn ascii_classes(re: &str) -> Cow<'_, str> {
    if !re.contains("\\w") && !re.contains("\\d") {
        return Cow::Borrowed(re);
    }
    let mut out = String::with_capacity(re.len() + 32);
    // Depth of nested bracket classes (`[a[b]]` nests in Rust's syntax).
    let mut depth = 0usize;
    let mut chars = re.chars().peekable();
    // A `]` right after `[` or `[^` is a literal, not the class's end.
    let mut class_start = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(n) = chars.next() else {
                    out.push(c);
                    break;
                };
                let ranges = match n {
                    'w' => Some("0-9A-Za-z_"),
                    'd' => Some("0-9"),
                    _ => None,
                };
                match (ranges, depth) {
                    (Some(r), 0) => {
                        out.push('[');
                        out.push_str(r);
                        out.push(']');
                    }
                    (Some(r), _) => out.push_str(r),
                    (None, _) => {
                        out.push('\\');
                        out.push(n);
                    }
                }
                class_start = false;
            }
            '[' => {
                // `[:alpha:]` inside a class is a POSIX class, not a nested one.
                if depth > 0 && chars.peek() == Some(&':') {
                    out.push(c);
                    for p in chars.by_ref() {
                        out.push(p);
                        if p == ']' {
                            break;
                        }
                    }
                    class_start = false;
                    continue;
                }
                depth += 1;
                out.push(c);
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                class_start = true;
            }
            ']' if depth > 0 && !class_start => {
                depth -= 1;
                out.push(c);
            }
            _ => {
                out.push(c);
                class_start = false;
            }
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::ascii_classes;

    #[test]
    fn shorthands_become_ascii_classes_inside_and_outside_brackets() {
        assert_eq!(ascii_classes(r"port \d+"), r"port [0-9]+");
        assert_eq!(
            ascii_classes(r"--[\w.-]+=\w"),
            r"--[0-9A-Za-z_.-]+=[0-9A-Za-z_]"
        );
        assert_eq!(ascii_classes(r"[^\d\s]"), r"[^0-9\s]");
        assert_eq!(ascii_classes(r"[]\w]"), r"[]0-9A-Za-z_]");
        assert_eq!(ascii_classes(r"[[:alpha:]\d]x\d"), r"[[:alpha:]0-9]x[0-9]");
        assert_eq!(ascii_classes(r"[a[\w]]\d"), r"[a[0-9A-Za-z_]][0-9]");
    }

    #[test]
    fn other_escapes_are_kept() {
        for re in [r"\W+\D", r"\\w", r"a\.b\S+", r"plain", r"\x{41}\p{L}"] {
            assert_eq!(ascii_classes(re), re);
        }
    }

    #[test]
    fn the_result_matches_what_the_rule_meant_on_ascii_text() {
        let re = regex::Regex::new(&ascii_classes(
            r#"(?i)flag provided but not defined: -[\w.-]+ \d{2}"#,
        ))
        .unwrap();
        assert!(re.is_match("Flag provided but not defined: -log.level 42"));
        assert!(!re.is_match("flag provided but not defined: - 42"));
    }
}
