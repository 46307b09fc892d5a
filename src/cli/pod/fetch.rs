//! The requests: pods by selector, the namespace's pod names, each pod's events and the logs
//! of its containers in trouble — bounded in size and concurrency, and with the failures that
//! leave the diagnosis possible turned into [`InputError`]s rather than fatal errors.

use futures::{AsyncReadExt, StreamExt};
use k8s_openapi::api::core::v1::{Event, Namespace, Pod};
use kube::api::{ListParams, LogParams};
use kube::Api;
use podmortem::incident::ContainerState;
use podmortem::ingest::ApiLog;
use podmortem::live::Connection;
use podmortem::{Incident, InputError};

use super::errors::{chain, classify, PodError};

/// Most bytes of one container log requested (`limitBytes`) and kept. `--tail-lines` already
/// bounds the lines; this bounds a tail of absurdly long lines (a dumped heap, a minified
/// payload) so one log cannot exhaust memory.
const LOG_LIMIT_BYTES: i64 = 8 << 20;
/// Concurrent event and log requests.
const CONCURRENCY: usize = 4;

/// All pods matching `selector`, following `continue` pages.
pub(super) async fn list_pods(
    api: &Api<Pod>,
    selector: &str,
    ns: &str,
    url: &str,
) -> Result<Vec<Pod>, PodError> {
    let mut out = Vec::new();
    let mut lp = ListParams::default().labels(selector).limit(500);
    loop {
        let page = match api.list(&lp).await {
            Ok(p) => p,
            Err(kube::Error::Api(s)) if s.code == 400 => {
                return Err(PodError::BadSelector {
                    selector: selector.to_string(),
                    detail: s.message.clone(),
                })
            }
            Err(e) => return Err(classify(e, "list", "pods", ns, url)),
        };
        out.extend(page.items);
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(c) => lp = lp.continue_token(&c),
            None => return Ok(out),
        }
    }
}

/// The namespace's pod names, for "did you mean". Without permission to list them there is
/// just no suggestion; with no pod at all, the namespace itself may not exist.
pub(super) async fn pod_names(
    conn: &Connection,
    api: &Api<Pod>,
    ns: &str,
) -> Result<Vec<String>, PodError> {
    let mut names = Vec::new();
    let mut lp = ListParams::default().limit(500);
    loop {
        let Ok(page) = api.list_metadata(&lp).await else {
            return Ok(names);
        };
        names.extend(page.items.into_iter().filter_map(|p| p.metadata.name));
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(c) => lp = lp.continue_token(&c),
            None => break,
        }
    }
    if names.is_empty() && namespace_missing(conn, ns).await {
        return Err(PodError::NamespaceNotFound(ns.to_string()));
    }
    Ok(names)
}

/// Whether the API says the namespace does not exist (not when it cannot tell: the minimal
/// Role may not read namespaces).
pub(super) async fn namespace_missing(conn: &Connection, ns: &str) -> bool {
    let nss: Api<Namespace> = Api::all(conn.client.clone());
    matches!(nss.get(ns).await, Err(kube::Error::Api(s)) if s.code == 404)
}

/// The names of a pod's containers and init containers, from its spec.
pub(super) fn container_names(p: &Pod) -> Vec<String> {
    let Some(spec) = &p.spec else {
        return Vec::new();
    };
    spec.init_containers
        .iter()
        .flatten()
        .chain(&spec.containers)
        .map(|c| c.name.clone())
        .collect()
}

/// Each pod's events (`involvedObject.name` and `uid`, so a deleted pod's namesake's events
/// stay out). Without them the diagnosis leans on status and logs: said once, not fatal.
pub(super) async fn fetch_events(
    conn: &Connection,
    ns: &str,
    pods: &[Pod],
    errors: &mut Vec<InputError>,
) -> Vec<Event> {
    let api: Api<Event> = Api::namespaced(conn.client.clone(), ns);
    let results: Vec<(String, Result<Vec<Event>, kube::Error>)> =
        futures::stream::iter(pods.iter().map(|p| {
            let name = p.metadata.name.clone().unwrap_or_default();
            let mut selector = format!("involvedObject.name={name}");
            if let Some(uid) = &p.metadata.uid {
                selector.push_str(&format!(",involvedObject.uid={uid}"));
            }
            let api = api.clone();
            async move {
                let r = api
                    .list(&ListParams::default().fields(&selector))
                    .await
                    .map(|l| l.items);
                (name, r)
            }
        }))
        .buffered(CONCURRENCY)
        .collect()
        .await;
    let mut out = Vec::new();
    let mut forbidden_said = false;
    for (pod, r) in results {
        match r {
            Ok(evs) => out.extend(evs),
            Err(kube::Error::Api(s)) if s.code == 403 => {
                if !std::mem::replace(&mut forbidden_said, true) {
                    errors.push(InputError::new(
                        format!("api:{ns}/events"),
                        format!("cannot list events in namespace \"{ns}\": forbidden (RBAC: needs list on events); diagnosing without events"),
                    ));
                }
            }
            Err(e) => errors.push(InputError::new(
                format!("api:{ns}/{pod}/events"),
                format!(
                    "cannot list the events of pod \"{pod}\": {}; diagnosing without them",
                    chain(&e)
                ),
            )),
        }
    }
    out
}

/// One log to fetch.
#[derive(Debug, Clone)]
pub(super) struct LogWanted {
    pod: String,
    container: String,
    previous: bool,
}

/// The logs worth reading for a container in trouble: the previous instance's when it has
/// crashed before (where the crash is), and the current instance's when one has run (the
/// kubelet serves the previous log as "current" while a container waits, so asking for both
/// then would only read it twice). An image that never ran has no log at all.
pub(super) fn log_plan(inc: &Incident) -> Option<Vec<LogWanted>> {
    let st = inc.status.as_ref()?;
    let container = inc.container.clone()?;
    let mut out = Vec::new();
    if st.last_terminated.is_some() || st.restart_count.unwrap_or(0) > 0 {
        out.push(LogWanted {
            pod: inc.pod.clone(),
            container: container.clone(),
            previous: true,
        });
    }
    if matches!(
        st.state,
        Some(ContainerState::Running { .. }) | Some(ContainerState::Terminated(_))
    ) {
        out.push(LogWanted {
            pod: inc.pod.clone(),
            container,
            previous: false,
        });
    }
    Some(out)
}

/// Fetch the logs, bounded; failures become errors (the diagnosis goes on without the log).
pub(super) async fn fetch_logs(
    api: &Api<Pod>,
    ns: &str,
    wanted: Vec<LogWanted>,
    tail_lines: i64,
    errors: &mut Vec<InputError>,
) -> Vec<ApiLog> {
    let results: Vec<(LogWanted, Result<Option<String>, kube::Error>)> =
        futures::stream::iter(wanted.into_iter().map(|w| async move {
            let lp = LogParams {
                container: Some(w.container.clone()),
                previous: w.previous,
                tail_lines: Some(tail_lines),
                limit_bytes: Some(LOG_LIMIT_BYTES),
                ..LogParams::default()
            };
            let r = match api.log_stream(&w.pod, &lp).await {
                Ok(body) => read_bounded(body)
                    .await
                    .map(Some)
                    .map_err(kube::Error::ReadEvents),
                // "previous terminated container … not found", "… is waiting to start": there
                // is no such log, which is not a failure.
                Err(kube::Error::Api(s)) if s.code == 400 => Ok(None),
                // The pod went away meanwhile.
                Err(kube::Error::Api(s)) if s.code == 404 => Ok(None),
                Err(e) => Err(e),
            };
            (w, r)
        }))
        .buffered(CONCURRENCY)
        .collect()
        .await;
    let mut logs = Vec::new();
    let mut forbidden_said = false;
    for (w, r) in results {
        let which = if w.previous { "previous" } else { "current" };
        match r {
            Ok(Some(text)) if !text.is_empty() => logs.push(ApiLog {
                namespace: ns.to_string(),
                pod: w.pod,
                container: w.container,
                previous: w.previous,
                text,
                source: None,
            }),
            Ok(_) => {}
            Err(kube::Error::Api(s)) if s.code == 403 => {
                if !std::mem::replace(&mut forbidden_said, true) {
                    errors.push(InputError::new(
                        format!("api:{ns}/{}/{}", w.pod, w.container),
                        format!("cannot get pods/log in namespace \"{ns}\": forbidden (RBAC: needs get on pods/log); diagnosing without logs"),
                    ));
                }
            }
            Err(e) => errors.push(InputError::new(
                format!("api:{ns}/{}/{}", w.pod, w.container),
                format!(
                    "cannot fetch the {which} log: {}; diagnosing without it",
                    chain(&e)
                ),
            )),
        }
    }
    logs
}

/// A log body, lossily decoded (crashing programs print binary garbage) and at most
/// [`LOG_LIMIT_BYTES`] long even if the server ignores `limitBytes`.
async fn read_bounded(body: impl futures::AsyncBufRead) -> std::io::Result<String> {
    let mut buf = Vec::new();
    Box::pin(body)
        .take(LOG_LIMIT_BYTES as u64)
        .read_to_end(&mut buf)
        .await?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}
