//! The names on the command line: `pod/NAME` forms, and "did you mean" for a pod that does not
//! exist (a Deployment's name for its pod, a typo, a mistyped subcommand).

/// Suggestions offered for an unknown pod name.
const MAX_SUGGESTIONS: usize = 3;

/// `pod/NAME` and `pods/NAME` (kubectl's resource/name form) name the pod NAME.
pub(super) fn pod_name(arg: &str) -> &str {
    arg.strip_prefix("pod/")
        .or_else(|| arg.strip_prefix("pods/"))
        .unwrap_or(arg)
}

/// The names of the given pods most like `wanted`: first those it is a prefix of (a
/// Deployment's or ReplicaSet's name given for its pod), then those within a small edit
/// distance (a typo), best first.
pub(super) fn suggestions<'a>(wanted: &str, names: &'a [String]) -> Vec<&'a str> {
    let mut prefixed: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| n.starts_with(wanted) && *n != wanted)
        .collect();
    prefixed.sort_by_key(|n| (n.len(), *n));
    if !prefixed.is_empty() {
        prefixed.truncate(MAX_SUGGESTIONS);
        return prefixed;
    }
    // A third of the name may be wrong, at least two characters: `api-7d9g` for `api-7d9f`,
    // not `web` for `api`.
    let budget = (wanted.chars().count() / 3).max(2);
    let mut close: Vec<(usize, &str)> = names
        .iter()
        .map(|n| (strsim::damerau_levenshtein(wanted, n), n.as_str()))
        .filter(|&(d, _)| d <= budget)
        .collect();
    close.sort();
    close
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, n)| n)
        .collect()
}

/// `; did you mean "a"?` / `; did you mean "a", "b" or "c"?`, or nothing.
pub(super) fn did_you_mean(options: &[&str]) -> String {
    let quoted: Vec<String> = options.iter().map(|o| format!("\"{o}\"")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => format!("; did you mean {one}?"),
        [rest @ .., last] => format!("; did you mean {} or {last}?", rest.join(", ")),
    }
}

/// The subcommands a bare-name shorthand may have mistyped.
const SUBCOMMANDS: &[&str] = &[
    "analyze",
    "completions",
    "eval",
    "man",
    "patterns",
    "pod",
    "train",
    "watch",
];

/// `analyse` given as `podmortem analyse …` became `pod analyse`: say which subcommand it
/// looks like.
pub(super) fn subcommand_hint(name: &str) -> Option<&'static str> {
    SUBCOMMANDS
        .iter()
        .copied()
        .filter(|s| strsim::damerau_levenshtein(name, s) <= 2)
        .min_by_key(|s| strsim::damerau_levenshtein(name, s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn suggestions_prefer_the_pods_a_name_is_the_prefix_of() {
        let pods = names(&["api-7d9f8-x2k", "web-1", "api-7d9f8-a1b", "cache-0"]);
        assert_eq!(
            suggestions("api-7d9f", &pods),
            vec!["api-7d9f8-a1b", "api-7d9f8-x2k"]
        );
        assert_eq!(
            did_you_mean(&suggestions("api-7d9f", &pods)),
            "; did you mean \"api-7d9f8-a1b\" or \"api-7d9f8-x2k\"?"
        );
    }

    #[test]
    fn suggestions_catch_typos_but_not_unrelated_names() {
        let pods = names(&["api-7d9f8-x2k", "web-1", "cache-0"]);
        assert_eq!(suggestions("api-7d9f8-x2j", &pods), vec!["api-7d9f8-x2k"]);
        assert_eq!(suggestions("cahce-0", &pods), vec!["cache-0"]);
        assert!(suggestions("payments", &pods).is_empty());
        assert_eq!(did_you_mean(&[]), "");
    }

    #[test]
    fn resource_slash_name_is_a_pod_name() {
        assert_eq!(pod_name("pod/api"), "api");
        assert_eq!(pod_name("pods/api"), "api");
        assert_eq!(pod_name("api"), "api");
    }

    #[test]
    fn a_mistyped_subcommand_is_named() {
        assert_eq!(subcommand_hint("analyse"), Some("analyze"));
        assert_eq!(subcommand_hint("wacth"), Some("watch"));
        assert_eq!(subcommand_hint("api-7d9f8-x2k"), None);
    }
}
