//! Concrete next steps per cause, with the incident's real names filled in.
//!
//! Values from the input go into `$ …` commands only through [`arg`]: validated against their
//! grammar, shell-quoted if needed, or replaced by a `<placeholder>`. Prose may quote them as
//! they are (it is read, not run).

use std::collections::HashMap;

use super::command::{arg, Grammar};
use crate::cause::Cause;
use crate::incident::Incident;

/// Steps (prose and `$ kubectl …` commands) for `cause` on `incident`. `captures` holds named
/// captures from the evidence (`secret`, `image`, `port`, …).
pub fn remediation(
    cause: Cause,
    detail: Option<&str>,
    incident: &Incident,
    captures: &HashMap<String, String>,
) -> Vec<String> {
    // An unidentified paste has no pod name to put in a command: a placeholder says so.
    let unidentified = incident.unidentified || incident.pod.is_empty();
    let pod = if unidentified {
        "<pod>".to_string()
    } else {
        arg(Some(&incident.pod), Grammar::Subdomain, "<pod>")
    };
    let ns_flag = incident
        .namespace
        .as_deref()
        .map(|n| format!(" -n {}", arg(Some(n), Grammar::Label, "<namespace>")))
        .unwrap_or_default();
    let c = arg(incident.container.as_deref(), Grammar::Label, "<container>");
    // For prose only: commands use the validated forms below.
    let cap = |k: &str, default: &str| {
        captures
            .get(k)
            .cloned()
            .unwrap_or_else(|| default.to_string())
    };
    let image_raw = captures
        .get("image")
        .cloned()
        .or_else(|| incident.spec.image.clone());
    let image_cmd = arg(image_raw.as_deref(), Grammar::Image, "<image>");
    let image = image_raw.unwrap_or_else(|| "<image>".into());
    let limit = captures
        .get("limit")
        .cloned()
        .or_else(|| incident.spec.memory_limit.clone());
    let workload = if unidentified {
        "<workload>".to_string()
    } else {
        arg(
            Some(crate::k8s::workload_of(&incident.pod)),
            Grammar::Subdomain,
            "<workload>",
        )
    };
    let mut steps: Vec<String> = match cause {
        Cause::OomKilled if detail == Some("runtime_heap") => vec![
            "The runtime's own heap limit was exhausted before the container limit: raise the heap (-Xmx / MaxRAMPercentage, --max-old-space-size, GOMEMLIMIT) or fix the leak.".into(),
            format!("$ kubectl logs{ns_flag} {pod} -c {c} --previous | tail -50"),
            format!("$ kubectl top pod{ns_flag} {pod} --containers"),
        ],
        Cause::OomKilled => vec![
            format!(
                "The kernel killed the container for exceeding its memory limit{}: raise resources.limits.memory or reduce usage (check for leaks, heap settings, batch sizes).",
                limit.map(|l| format!(" ({l})")).unwrap_or_default()
            ),
            format!("$ kubectl top pod{ns_flag} {pod} --containers"),
            format!("$ kubectl set resources deployment/{workload}{ns_flag} -c {c} --limits=memory=<higher>"),
        ],
        Cause::LivenessProbeFailed => vec![
            format!(
                "The kubelet kills the container when its {} probe fails: check the probe's port, path and protocol against what the app serves, and give slow starts a startupProbe or a longer initialDelaySeconds/timeoutSeconds.",
                if detail == Some("startup") { "startup" } else { "liveness" }
            ),
            format!("$ kubectl describe pod{ns_flag} {pod} | grep -A3 -E 'Liveness|Startup'"),
            format!("$ kubectl get pod{ns_flag} {pod} -o jsonpath='{{.spec.containers[?(@.name==\"{c}\")].livenessProbe}}'"),
        ],
        Cause::MissingSecretOrConfigmap => {
            let (kind, name) = if let Some(s) = captures.get("secret") {
                ("secret", arg(Some(s), Grammar::Subdomain, "<secret>"))
            } else if let Some(s) = captures.get("configmap") {
                ("configmap", arg(Some(s), Grammar::Subdomain, "<configmap>"))
            } else {
                ("secret", "<name>".to_string())
            };
            let mut v = vec![
                format!("Create the missing {kind} \"{name}\"{} in the pod's namespace, or fix the reference in the pod spec.",
                    captures.get("key").map(|k| format!(" (with key \"{k}\")")).unwrap_or_default()),
                format!("$ kubectl get {kind}{ns_flag} {name}"),
            ];
            if kind == "secret" {
                v.push(format!("$ kubectl create secret generic {name}{ns_flag} --from-literal=<key>=<value>"));
            } else {
                v.push(format!("$ kubectl create configmap {name}{ns_flag} --from-file=<file>"));
            }
            v
        }
        Cause::ConfigError => vec![
            format!(
                "The application rejects or lacks its configuration{}: compare the env vars, config files and flags with what it expects.",
                captures.get("env").or(captures.get("file")).map(|x| format!(" ({x})")).unwrap_or_default()
            ),
            format!("$ kubectl set env pod/{pod}{ns_flag} -c {c} --list"),
            format!("$ kubectl logs{ns_flag} {pod} -c {c} --previous | tail -30"),
        ],
        Cause::ImagePullError => {
            let first = match detail {
                Some("not_found") => format!("The image {image} does not exist: check the repository name and tag."),
                Some("unauthorized") => format!("The registry refuses to serve {image}: add or fix imagePullSecrets on the pod or its service account."),
                Some("registry_unreachable") => format!("The node cannot reach the registry of {image}: check the registry host name, DNS and egress from the node."),
                Some("rate_limited") => "The registry rate-limits pulls: authenticate pulls or use a mirror.".into(),
                Some("invalid_reference") => format!("The image reference {image} is malformed: fix the name."),
                _ => format!("The image {image} cannot be pulled: check its name, tag, registry access and imagePullSecrets."),
            };
            vec![
                first,
                format!("$ kubectl describe pod{ns_flag} {pod} | grep -A2 -i 'failed to pull'"),
                format!("$ kubectl set image deployment/{workload}{ns_flag} {c}=<correct-image>"),
            ]
        }
        Cause::BadCommand => vec![
            format!(
                "The container's command{} is not in the image or not executable: fix command/args or the image's entrypoint.",
                captures.get("command").map(|x| format!(" \"{x}\"")).unwrap_or_default()
            ),
            format!("$ kubectl get pod{ns_flag} {pod} -o jsonpath='{{.spec.containers[?(@.name==\"{c}\")].command}}'"),
            format!("$ docker run --rm --entrypoint sh {image_cmd} -c 'ls -l <path>'"),
        ],
        Cause::ExecFormatError => vec![
            format!("The image {image} was built for another CPU architecture than the node: build a multi-arch image (docker buildx --platform linux/amd64,linux/arm64) or schedule onto matching nodes."),
            format!("$ kubectl get node $(kubectl get pod{ns_flag} {pod} -o jsonpath='{{.spec.nodeName}}') -o jsonpath='{{.status.nodeInfo.architecture}}'"),
            format!("$ docker manifest inspect {image_cmd}"),
        ],
        Cause::PermissionDenied => vec![
            format!(
                "The process may not read or write{}: fix ownership (securityContext.fsGroup/runAsUser), make the path writable (an emptyDir for read-only root filesystems), or build the image to run as non-root.",
                captures.get("path").or(captures.get("file")).map(|x| format!(" {x}")).unwrap_or_default()
            ),
            format!("$ kubectl get pod{ns_flag} {pod} -o jsonpath='{{.spec.securityContext}} {{.spec.containers[?(@.name==\"{c}\")].securityContext}}'"),
        ],
        Cause::DependencyUnavailable => vec![
            format!(
                "A dependency{} is unreachable: check that its Service exists and has ready endpoints, the host name and port, and NetworkPolicies.",
                captures.get("host").or(captures.get("service")).map(|x| format!(" ({x})")).unwrap_or_default()
            ),
            format!("$ kubectl get svc,endpoints{ns_flag}"),
            format!(
                "$ kubectl run -it --rm dnscheck{ns_flag} --image=busybox:1.36 --restart=Never -- nslookup {}",
                arg(captures.get("host").or(captures.get("service")).map(String::as_str), Grammar::Host, "<host>")
            ),
        ],
        Cause::CredentialsRejected => vec![
            format!(
                "A dependency rejects the credentials{}: check the Secret's values against the dependency's users and passwords.",
                captures.get("user").map(|u| format!(" of user \"{u}\"")).unwrap_or_default()
            ),
            format!("$ kubectl get pod{ns_flag} {pod} -o jsonpath='{{.spec.containers[?(@.name==\"{c}\")].env}}'"),
        ],
        Cause::RbacForbidden => {
            let sa = captures.get("serviceaccount").cloned().unwrap_or_else(|| "<serviceaccount>".into());
            vec![
                format!(
                    "The service account {sa} lacks permission{}: grant it with a Role/ClusterRole and binding.",
                    match (captures.get("verb"), captures.get("resource")) {
                        (Some(v), Some(r)) => format!(" to {v} {r}"),
                        _ => String::new(),
                    }
                ),
                format!("$ kubectl auth can-i {} {} --as=system:serviceaccount:{}:{}{ns_flag}",
                    arg(captures.get("verb").map(String::as_str), Grammar::Verb, "<verb>"),
                    arg(captures.get("resource").map(String::as_str), Grammar::Resource, "<resource>"),
                    arg(incident.namespace.as_deref(), Grammar::Label, "<namespace>"),
                    arg(sa.rsplit(':').next(), Grammar::Subdomain, "<serviceaccount>")),
            ]
        }
        Cause::PortInUse => vec![
            format!(
                "The process cannot bind port {}: another process or container in the pod uses it, or a port below 1024 needs root/NET_BIND_SERVICE.",
                cap("port", "<port>")
            ),
            format!("$ kubectl get pod{ns_flag} {pod} -o jsonpath='{{.spec.containers[*].ports}}'"),
        ],
        Cause::TlsError => vec![
            "A TLS handshake or certificate check fails: check the CA bundle, the certificate's validity and SANs, and the protocol (http vs https) of both ends.".into(),
            format!("$ kubectl logs{ns_flag} {pod} -c {c} --previous | grep -i -E 'x509|tls|certificate'"),
        ],
        Cause::DiskFull => vec![
            "A filesystem the container writes to is full: free space, enlarge the volume/PVC, or raise ephemeral-storage limits.".into(),
            format!("$ kubectl exec{ns_flag} {pod} -c {c} -- df -h"),
            format!("$ kubectl describe node $(kubectl get pod{ns_flag} {pod} -o jsonpath='{{.spec.nodeName}}') | grep -i -A5 pressure"),
        ],
        Cause::VolumeMountFailed => vec![
            format!(
                "The volume{} cannot be attached or mounted: check the PVC's binding, the storage class, and whether another node still holds it.",
                captures.get("volume").or(captures.get("pvc")).map(|v| format!(" \"{v}\"")).unwrap_or_default()
            ),
            format!("$ kubectl get pvc{ns_flag}"),
            format!("$ kubectl describe pod{ns_flag} {pod} | grep -A5 -i mount"),
        ],
        Cause::ExitsImmediately => vec![
            "The main process exits successfully, and restartPolicy Always restarts it forever: run a long-lived process in the foreground (no daemonizing), or use a Job/CronJob for one-off work.".into(),
            format!("$ kubectl get pod{ns_flag} {pod} -o jsonpath='{{.spec.containers[?(@.name==\"{c}\")].command}} {{.spec.containers[?(@.name==\"{c}\")].args}}'"),
        ],
        Cause::AppCrash => vec![
            "The application crashes: read the stack trace in the previous container's log and fix the failing code path or its input.".into(),
            format!("$ kubectl logs{ns_flag} {pod} -c {c} --previous"),
        ],
        // Recognised conditions outside the taxonomy: say what to do about them.
        Cause::Unknown if detail == Some("evicted") => vec![
            "The kubelet evicted the pod (node pressure or the pod's own ephemeral-storage/memory use): its controller replaces it. Check the node's conditions and the pod's resource requests.".into(),
            format!("$ kubectl get events{ns_flag} --field-selector reason=Evicted"),
            format!("$ kubectl describe pod{ns_flag} {pod}"),
        ],
        Cause::Unknown if detail == Some("run_as_non_root") => vec![
            "The pod requires a non-root user but the image runs as root (or as a non-numeric user): set securityContext.runAsUser to a non-zero UID, or give the image a numeric USER.".into(),
            format!("$ kubectl get pod{ns_flag} {pod} -o jsonpath='{{.spec.securityContext}} {{.spec.containers[?(@.name==\"{c}\")].securityContext}}'"),
        ],
        Cause::Unknown if detail == Some("node_sysctl") => vec![
            "A kernel setting of the node is too low for this program (the log names it and the value it needs): raise it on the node, or with a privileged init container running sysctl -w, then delete the pod.".into(),
            format!("$ kubectl get pod{ns_flag} {pod} -o jsonpath='{{.spec.nodeName}}'"),
        ],
        Cause::Unknown => vec![
            "Not enough evidence: collect the previous container's log, the pod's events and its status.".into(),
            format!("$ kubectl logs{ns_flag} {pod} -c {c} --previous"),
            format!("$ kubectl describe pod{ns_flag} {pod}"),
        ],
    };
    if cause != Cause::Unknown {
        steps.push(format!(
            "After the fix, reset the back-off by deleting the pod so its controller recreates it: $ kubectl delete pod{ns_flag} {pod}"
        ));
    }
    steps
}
