//! Why the pods could not be examined: [`PodError`], a request's failure phrased for its verb
//! and resource, and the exit status each kind maps to.

/// Why the pods could not be examined. Everything here exits 2, except [`PodError::Api`] (1).
#[derive(Debug, thiserror::Error)]
pub(super) enum PodError {
    /// No usable kubeconfig, an unknown context: `connect` phrases it.
    #[error("{0}")]
    Config(String),
    #[error("cannot reach the Kubernetes API at {url}: {detail}\n  hint: is the cluster up, and does the kubeconfig point at it? (--context, --kubeconfig; `kubectl cluster-info` checks the same)")]
    Unreachable { url: String, detail: String },
    #[error("unauthorized: the Kubernetes API at {url} rejected the credentials (expired token or wrong user in the kubeconfig?): {detail}")]
    Unauthorized { url: String, detail: String },
    #[error("cannot {verb} {resource} in namespace \"{namespace}\": forbidden (RBAC: needs {verb} on {resource}){}", server_said(.detail))]
    Forbidden {
        verb: &'static str,
        resource: &'static str,
        namespace: String,
        detail: String,
    },
    #[error("namespace \"{0}\" not found (check -n/--namespace or the context's namespace)")]
    NamespaceNotFound(String),
    #[error("invalid label selector {selector:?}: {detail}")]
    BadSelector { selector: String, detail: String },
    /// Any other failure of a request that the command cannot do without.
    #[error("Kubernetes API error: {0}")]
    Api(String),
}

fn server_said(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!("\n  server said: {detail}")
    }
}

impl PodError {
    pub(super) fn exit_status(&self) -> i32 {
        match self {
            PodError::Api(_) => 1,
            _ => 2,
        }
    }
}

/// A request that failed, phrased for its verb and resource.
pub(super) fn classify(
    e: kube::Error,
    verb: &'static str,
    resource: &'static str,
    namespace: &str,
    url: &str,
) -> PodError {
    match e {
        kube::Error::Api(s) if s.code == 403 => PodError::Forbidden {
            verb,
            resource,
            namespace: namespace.to_string(),
            detail: s.message.clone(),
        },
        kube::Error::Api(s) if s.code == 401 => PodError::Unauthorized {
            url: url.to_string(),
            detail: s.message.clone(),
        },
        kube::Error::Api(s) => PodError::Api(format!(
            "{verb} {resource} in namespace \"{namespace}\": {} ({})",
            s.message, s.code
        )),
        e @ (kube::Error::HyperError(_) | kube::Error::Service(_)) => PodError::Unreachable {
            url: url.to_string(),
            detail: chain(&e),
        },
        e => PodError::Api(format!(
            "{verb} {resource} in namespace \"{namespace}\": {}",
            chain(&e)
        )),
    }
}

/// One way to phrase a failed request's causes, shared with `watch`: it reduces a failing exec
/// plugin to its program and status, so no token reaches the terminal.
pub(super) use podmortem::live::error_chain as chain;
