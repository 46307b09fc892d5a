//! Errors of live mode, phrased so a user knows what to fix.

use thiserror::Error;

/// Why `podmortem watch` could not start (or had to stop).
///
/// Transient failures after start-up (a dropped watch, a relist, an API restart) are not
/// errors: they are retried with back-off and reported through [`Sink::notice`](super::Sink).
#[derive(Debug, Error)]
pub enum WatchError {
    /// No usable kubeconfig, a malformed one, or an unknown context.
    #[error("{0}")]
    Config(String),
    /// The API server could not be reached (refused, DNS, TLS, timeout).
    #[error("cannot reach the Kubernetes API at {url}: {detail}")]
    Unreachable {
        /// The cluster URL.
        url: String,
        /// The underlying error, innermost cause last.
        detail: String,
    },
    /// 401: the credentials were rejected.
    #[error("unauthorized: the Kubernetes API at {url} rejected the credentials (expired token or wrong user in the kubeconfig?): {detail}")]
    Unauthorized {
        /// The cluster URL.
        url: String,
        /// The server's message.
        detail: String,
    },
    /// 403: the user or service account lacks a permission; the message names it.
    #[error("{0}")]
    Forbidden(String),
    /// The namespace does not exist.
    #[error("namespace \"{0}\" not found (check -n/--namespace or the context's namespace)")]
    NamespaceNotFound(String),
    /// Any other API failure.
    #[error("Kubernetes API error: {0}")]
    Api(String),
    /// Writing the output failed (a closed pipe is one: the CLI exits quietly then).
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
}

/// What the request was doing, to phrase a 403 as the permission that is missing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Access<'a> {
    /// `get`, `list`, `watch`, `create`.
    pub verb: &'a str,
    /// `pods`, `pods/log`, `events`, `namespaces`.
    pub resource: &'a str,
    /// The namespace, or None for all namespaces.
    pub namespace: Option<&'a str>,
}

impl Access<'_> {
    /// The RBAC rule that would allow what podmortem needs on this resource.
    fn grant(&self) -> &'static str {
        match (self.resource, self.verb) {
            ("pods", _) => "get/list/watch on pods",
            ("pods/log", _) => "get on pods/log",
            ("events", "create" | "patch") => {
                "create/get/patch on events (only --emit-events needs it)"
            }
            ("events", _) => "list/watch on events",
            ("namespaces", _) => "get on namespaces",
            _ => "the permission above",
        }
    }
}

/// `system:serviceaccount:ns:name` → `the service account ns/name`; users by name.
fn who(server_message: &str) -> String {
    let user = server_message
        .split_once("User \"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(u, _)| u);
    match user {
        Some(u) => match u.strip_prefix("system:serviceaccount:") {
            Some(sa) => format!("the service account {}", sa.replacen(':', "/", 1)),
            None if u == "system:anonymous" => "the anonymous user (no credentials)".into(),
            None => format!("user \"{u}\""),
        },
        None => "the service account".into(),
    }
}

/// The 403 message: who cannot do what where, and the rule to grant.
pub(crate) fn forbidden_message(server_message: &str, access: Access<'_>) -> String {
    let scope = match access.namespace {
        Some(ns) => format!("in namespace \"{ns}\""),
        None => "at the cluster scope (all namespaces)".to_string(),
    };
    let (binding, file) = if access.namespace.is_none() {
        (
            " with a ClusterRole and ClusterRoleBinding",
            "deploy/rbac-cluster.yaml",
        )
    } else {
        ("", "deploy/rbac.yaml")
    };
    let mut msg = format!(
        "forbidden: {} cannot {} {} {scope} — grant {}{binding} (see {file})",
        who(server_message),
        access.verb,
        access.resource,
        access.grant()
    );
    if !server_message.is_empty() {
        msg.push_str("\n  server said: ");
        msg.push_str(server_message);
    }
    msg
}

/// The innermost causes of an error, joined: `error trying to connect: tcp connect error:
/// Connection refused (os error 111)`.
///
/// A failing kubeconfig exec plugin is named by its program and exit status only: kube's own
/// message carries the whole command line with its environment (`KUBERNETES_EXEC_INFO`, the
/// `env:` of the kubeconfig) and the plugin's stdout and stderr, where tokens live.
///
/// Every message about a failed Kubernetes request goes through this function (the CLI's `pod`
/// command too, as `live::error_chain`), so no caller prints a token by formatting the error.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    // The outer errors repeat the inner ones' messages: an exec failure anywhere in the chain
    // replaces the whole of it.
    let mut cur = Some(e);
    while let Some(s) = cur {
        if let Some(t) = s
            .downcast_ref::<kube::client::AuthError>()
            .and_then(exec_plugin_failure)
        {
            return t;
        }
        cur = s.source();
    }
    let mut parts: Vec<String> = Vec::new();
    let mut cur = Some(e);
    while let Some(s) = cur {
        let t = s.to_string();
        if !parts.last().is_some_and(|p| p.contains(&t)) {
            parts.push(t);
        }
        cur = s.source();
    }
    parts.join(": ")
}

/// What may be said of an exec-plugin failure: the program and how it ended.
fn exec_plugin_failure(e: &kube::client::AuthError) -> Option<String> {
    use kube::client::AuthError as A;
    Some(match e {
        A::AuthExecRun { cmd, out } => {
            let how = match out.status.code() {
                Some(code) => format!("exit status {code}"),
                None => "killed by a signal".to_string(),
            };
            format!(
                "the kubeconfig's exec credential plugin {} failed ({how}; its output is not shown, it may hold credentials)",
                program_of(cmd).map_or_else(|| "(unnamed)".to_string(), |p| format!("`{p}`"))
            )
        }
        A::AuthExecStart(io) => format!(
            "the kubeconfig's exec credential plugin could not be started: {}",
            io.kind()
        ),
        A::AuthExecParse(_) => {
            "the kubeconfig's exec credential plugin printed something that is not an ExecCredential".to_string()
        }
        A::AuthExec(_) => "the kubeconfig's exec credential plugin failed".to_string(),
        _ => return None,
    })
}

/// The program of a `std::process::Command` as its `Debug` prints it (`KEY="v" … "prog"
/// "arg"…`, possibly after `cd "dir" &&`): the first quoted token that is not an environment
/// assignment or a `cd` target, reduced to its file name. Arguments are never returned.
fn program_of(debug: &str) -> Option<String> {
    let mut tokens = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut escaped, mut had_quote) = (false, false, false);
    for ch in debug.chars() {
        if quoted {
            match (escaped, ch) {
                (true, _) => {
                    cur.push(ch);
                    escaped = false;
                }
                (false, '\\') => escaped = true,
                (false, '"') => quoted = false,
                _ => cur.push(ch),
            }
        } else if ch == '"' {
            quoted = true;
            had_quote = true;
        } else if ch == ' ' {
            if !cur.is_empty() || had_quote {
                tokens.push((std::mem::take(&mut cur), had_quote));
            }
            had_quote = false;
        } else {
            cur.push(ch);
        }
    }
    if !cur.is_empty() || had_quote {
        tokens.push((cur, had_quote));
    }
    let mut after_cd = false;
    for (i, (t, was_quoted)) in tokens.iter().enumerate() {
        if i == 0 && t == "cd" && !was_quoted {
            after_cd = true;
            continue;
        }
        if after_cd {
            after_cd = false;
            continue;
        }
        // `KEY="value"`: the `=` sits before the opening quote, outside it.
        let is_env = !t.starts_with('=')
            && t.split_once('=').is_some_and(|(k, _)| {
                !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            });
        if *was_quoted && !is_env {
            let name = t.rsplit('/').next().unwrap_or(t);
            return (!name.is_empty()).then(|| name.to_string());
        }
    }
    None
}

/// Turn a kube error from a start-up request into the user-facing error.
pub(crate) fn classify(e: kube::Error, access: Access<'_>, url: &str) -> WatchError {
    match e {
        kube::Error::Api(s) if s.code == 403 => {
            WatchError::Forbidden(forbidden_message(&s.message, access))
        }
        kube::Error::Api(s) if s.code == 401 => WatchError::Unauthorized {
            url: url.to_string(),
            detail: s.message.clone(),
        },
        kube::Error::Api(s) => WatchError::Api(format!(
            "{} {}: {} ({})",
            access.verb, access.resource, s.message, s.code
        )),
        e @ (kube::Error::HyperError(_) | kube::Error::Service(_)) => WatchError::Unreachable {
            url: url.to_string(),
            detail: chain(&e),
        },
        e => WatchError::Api(format!(
            "{} {}: {}",
            access.verb,
            access.resource,
            chain(&e)
        )),
    }
}

/// A one-line description of a transient watch failure, with the permission hint for a 403.
pub(crate) fn describe_watch_error(
    e: &kube::runtime::watcher::Error,
    access: Access<'_>,
) -> String {
    use kube::runtime::watcher::Error as W;
    let api = match e {
        W::InitialListFailed(kube::Error::Api(s))
        | W::WatchStartFailed(kube::Error::Api(s))
        | W::WatchFailed(kube::Error::Api(s)) => Some(s.as_ref()),
        W::WatchError(s) => Some(s.as_ref()),
        _ => None,
    };
    match api {
        Some(s) if s.code == 403 => forbidden_message(&s.message, access)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string(),
        Some(s) if s.code == 410 => {
            format!(
                "{} {}: resource version expired (410 Gone), re-listing",
                access.verb, access.resource
            )
        }
        _ => format!("{} {}: {}", access.verb, access.resource, chain(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_names_the_permission() {
        let m = forbidden_message(
            "pods is forbidden: User \"system:serviceaccount:default:podmortem\" cannot list resource \"pods\" in API group \"\" in the namespace \"shop\"",
            Access { verb: "list", resource: "pods", namespace: Some("shop") },
        );
        assert!(m.starts_with("forbidden: the service account default/podmortem cannot list pods in namespace \"shop\" — grant get/list/watch on pods (see deploy/rbac.yaml)"), "{m}");
        let m = forbidden_message(
            "User \"alice\" cannot list",
            Access {
                verb: "list",
                resource: "events",
                namespace: None,
            },
        );
        assert!(
            m.contains("user \"alice\" cannot list events at the cluster scope"),
            "{m}"
        );
        assert!(m.contains("ClusterRole"), "{m}");
    }

    #[test]
    fn exec_plugin_failures_name_the_program_and_status_only() {
        use std::os::unix::process::ExitStatusExt;
        let mut cmd = std::process::Command::new("/usr/local/bin/aws-token");
        cmd.args(["--role", "arn:aws:iam::1:role/Secret-Arg-Value"]);
        cmd.env(
            "KUBERNETES_EXEC_INFO",
            "{\"spec\":{\"token\":\"env-Secret-Value\"}}",
        );
        cmd.env("API_KEY", "another secret value");
        let err = kube::client::AuthError::AuthExecRun {
            cmd: format!("{cmd:?}"),
            out: Box::new(std::process::Output {
                status: std::process::ExitStatus::from_raw(3 << 8),
                stdout: b"token: Stdout-Secret-Value".to_vec(),
                stderr: b"Stderr-Secret-Value".to_vec(),
            }),
        };
        let e = kube::Error::Auth(err);
        let msg = chain(&e);
        assert!(msg.contains("`aws-token` failed (exit status 3"), "{msg}");
        for secret in [
            "Secret-Arg-Value",
            "env-Secret-Value",
            "another secret",
            "Stdout-Secret",
            "Stderr-Secret",
            "--role",
        ] {
            assert!(!msg.contains(secret), "{secret} in {msg}");
        }
        assert_eq!(
            program_of("cd \"/tmp\" && A=\"x y\" \"prog\" \"arg\""),
            Some("prog".into())
        );
        assert_eq!(program_of("\"/bin/sh\" \"-c\" \"echo\""), Some("sh".into()));
    }
}
