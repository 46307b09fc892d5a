//! Gathering the evidence about the pods: the Pod objects (by name or selector), their events,
//! and the logs of the containers the engine's triage finds in trouble.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use podmortem::ingest::{assemble, ApiLog};
use podmortem::live::Connection;
use podmortem::{Engine, InputError};

use super::errors::{classify, PodError};
use super::fetch::{
    container_names, fetch_events, fetch_logs, list_pods, log_plan, namespace_missing, pod_names,
    LogWanted,
};
use super::names::{did_you_mean, pod_name, subcommand_hint, suggestions};
use super::{timed, PodArgs};

/// What was gathered about the pods, before diagnosis.
pub(super) struct Gathered {
    pub(super) objects: Vec<serde_json::Value>,
    pub(super) logs: Vec<ApiLog>,
    /// Evidence that could not be fetched (events, logs) and pods that do not exist; the rest
    /// is still diagnosed.
    pub(super) errors: Vec<InputError>,
    /// A named pod, or the `-c` container in a pod, does not exist (exit 2).
    pub(super) not_found: bool,
    /// How many pods were found.
    pub(super) pods: usize,
}

/// Fetch the pods, their events and the logs of their containers in trouble.
pub(super) async fn gather(
    conn: &Connection,
    ns: &str,
    args: &PodArgs,
    engine: &Engine,
) -> Result<Gathered, PodError> {
    let url = conn.url.as_str();
    let pods_api: Api<Pod> = Api::namespaced(conn.client.clone(), ns);
    let mut errors = Vec::new();
    let mut not_found_any = false;
    let pods: Vec<Pod> = match &args.selector {
        Some(sel) => {
            let pods = list_pods(&pods_api, sel, ns, url).await?;
            // Matching nothing is no error, unless there is no such namespace to match in.
            if pods.is_empty() && namespace_missing(conn, ns).await {
                return Err(PodError::NamespaceNotFound(ns.to_string()));
            }
            pods
        }
        None => {
            let mut found = Vec::new();
            let mut not_found = Vec::new();
            let mut seen = BTreeSet::new();
            for arg in &args.names {
                let name = pod_name(arg);
                if !seen.insert(name) {
                    continue;
                }
                match pods_api.get(name).await {
                    Ok(p) => found.push(p),
                    Err(kube::Error::Api(s)) if s.code == 404 => not_found.push(name),
                    Err(e) => return Err(classify(e, "get", "pods", ns, url)),
                }
            }
            if !not_found.is_empty() {
                not_found_any = true;
                let names = pod_names(conn, &pods_api, ns).await?;
                for name in not_found {
                    let mut msg = format!("pod \"{name}\" not found in namespace \"{ns}\"");
                    msg.push_str(&did_you_mean(&suggestions(name, &names)));
                    if args.shorthand {
                        if let Some(s) = subcommand_hint(name) {
                            msg.push_str(&format!(" (or the subcommand `{s}`?)"));
                        }
                    }
                    errors.push(InputError::new(format!("api:{ns}/{name}"), msg));
                }
            }
            found
        }
    };
    if let Some(c) = &args.container {
        for p in &pods {
            let names = container_names(p);
            if !names.iter().any(|n| n == c) {
                not_found_any = true;
                let pod = p.metadata.name.clone().unwrap_or_default();
                errors.push(InputError::new(
                    format!("api:{ns}/{pod}"),
                    format!(
                        "container \"{c}\" not found in pod \"{pod}\" (its containers: {})",
                        names.join(", ")
                    ),
                ));
            }
        }
    }
    let events = fetch_events(conn, ns, &pods, &mut errors).await;
    let mut objects = Vec::new();
    for p in &pods {
        objects.push(serde_json::to_value(p).map_err(|e| PodError::Api(e.to_string()))?);
    }
    for e in events {
        objects.push(serde_json::to_value(&e).map_err(|e| PodError::Api(e.to_string()))?);
    }
    // Which containers are in trouble is decided on the status and events alone, by the
    // engine's own triage: only their logs are worth fetching.
    let incidents = timed(assemble(engine.patterns(), &objects, &[]), args);
    let wanted: Vec<LogWanted> = engine
        .diagnose_all(&incidents)
        .iter()
        .filter_map(|d| {
            let inc = incidents.iter().find(|i| {
                i.pod == d.pod
                    && i.container == d.container
                    && i.namespace.as_deref().is_none_or(|n| n == ns)
            })?;
            log_plan(inc)
        })
        .flatten()
        .collect();
    let logs = fetch_logs(&pods_api, ns, wanted, args.tail_lines, &mut errors).await;
    if let Some(r) = engine.redactor() {
        // A server's message may quote what it refused.
        for e in errors.iter_mut() {
            r.redact_in_place(&mut e.file);
            r.redact_in_place(&mut e.message);
        }
    }
    Ok(Gathered {
        objects,
        logs,
        errors,
        not_found: not_found_any,
        pods: pods.len(),
    })
}
