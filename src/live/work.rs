//! The work done off the watch loop for one pod: read its containers' logs (files or
//! `pods/log`, each request under a deadline), scan them, assemble the incident and diagnose.
//!
//! The loop hands a [`PodWork`] (a snapshot of what it knows) to a task and gets a
//! [`PodResult`] back; it never waits on the network or the engine itself, so a log request that
//! never answers delays only its own pod, and a signal is seen at once.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::LogParams;
use kube::{Api, Client};
use serde_json::Value;

use super::fingerprint::{now_secs, Trigger};
use super::logfiles::{self, FileError, LogRoot};
use super::metrics::{LogSource, Metrics};
use super::state::PodKey;
use crate::diagnose::{is_failing, Diagnosis};
use crate::ingest::{assemble_scanned, ApiLog, ScannedLog};
use crate::{Engine, Incident};

/// Most bytes of a log asked for (`limitBytes`) and kept from a response or a file:
/// `--tail-lines` bounds lines, this bounds a tail made of absurdly long ones.
pub(crate) const MAX_LOG_BYTES: usize = 1 << 20;

/// What every pod task shares.
pub(crate) struct Ctx {
    pub client: Client,
    pub engine: Arc<Engine>,
    pub metrics: Arc<Metrics>,
    pub log_root: Option<LogRoot>,
    pub tail_lines: i64,
    /// Deadline of one log read (request and body).
    pub log_timeout: Duration,
}

/// One container to diagnose.
pub(crate) struct ContainerWork {
    pub name: String,
    pub trigger: Trigger,
    /// The crash the log belongs to (see `Fingerprint::log_key`).
    pub log_key: String,
    /// Scans already fetched for this crash: no request then.
    pub cached: Option<Vec<ScannedLog>>,
    pub restarts: u32,
    pub waiting: bool,
}

/// A snapshot of one pod for a task.
pub(crate) struct PodWork {
    pub key: PodKey,
    pub uid: String,
    /// The trimmed Pod and its events, as JSON.
    pub objects: Vec<Value>,
    pub containers: Vec<ContainerWork>,
}

/// What a task found.
pub(crate) struct PodResult {
    pub key: PodKey,
    pub uid: String,
    /// Diagnoses of the containers found failing.
    pub diagnoses: Vec<(String, Diagnosis)>,
    /// Newly fetched scans, per container and crash, for the cache.
    pub fetched: Vec<(String, String, Vec<ScannedLog>)>,
    /// Logs that could not be read (the container is diagnosed without).
    pub errors: Vec<(String, LogError)>,
}

/// Why a container's log could not be read.
#[derive(Debug)]
pub(crate) enum LogError {
    File(FileError),
    Api(kube::Error),
    /// No answer within the deadline.
    Timeout(Duration),
}

/// Gather, scan, assemble and diagnose one pod. CPU work runs on the blocking pool.
pub(crate) async fn diagnose_pod(ctx: Arc<Ctx>, work: PodWork) -> PodResult {
    let PodWork {
        key,
        uid,
        objects,
        containers,
    } = work;
    // Which containers are failing (first sights must be) and which logs they need.
    let objects = Arc::new(objects);
    let plan = {
        let objects = objects.clone();
        let key = key.clone();
        let wanted: Vec<(String, Trigger, bool)> = containers
            .iter()
            .map(|c| (c.name.clone(), c.trigger, c.cached.is_none()))
            .collect();
        tokio::task::spawn_blocking(move || {
            let incidents = assemble_scanned(&objects, &[]);
            let now = now_secs();
            wanted
                .into_iter()
                .map(|(name, trig, need_log)| {
                    let inc = find(&incidents, &key, &name)?;
                    if trig.gated() {
                        // Live, the clock tells how long ago the container restarted.
                        let mut timed = inc.clone();
                        timed.last_restart_secs = timed
                            .last_restart_secs
                            .or_else(|| crate::diagnose::restart_age(&timed, now));
                        if !is_failing(&timed) {
                            return None;
                        }
                    }
                    Some(if need_log { log_plan(inc) } else { None })
                })
                .collect::<Vec<Option<Option<bool>>>>()
        })
        .await
        .unwrap_or_default()
    };
    let mut fetched = Vec::new();
    let mut errors = Vec::new();
    let mut logs: Vec<ScannedLog> = Vec::new();
    let mut failing = Vec::new();
    let mut reads = Vec::new();
    for (c, p) in containers.into_iter().zip(plan) {
        let Some(previous) = p else { continue };
        failing.push(c.name.clone());
        if let Some(cached) = c.cached {
            logs.extend(cached);
        } else if let Some(previous) = previous {
            reads.push((c, previous));
        }
    }
    let reads = reads.into_iter().map(|(c, previous)| {
        let (ctx, key, uid) = (ctx.clone(), key.clone(), uid.clone());
        async move {
            let r = read_log(&ctx, &key, &uid, &c, previous).await;
            (c.name, c.log_key, r)
        }
    });
    let texts = futures::future::join_all(reads).await;
    let engine = ctx.engine.clone();
    let diagnoses = tokio::task::spawn_blocking({
        let key = key.clone();
        move || {
            let set = engine.patterns();
            for (name, log_key, r) in texts {
                match r {
                    Ok(text) => {
                        let scans: Vec<ScannedLog> = text.iter().map(|l| l.scan(set)).collect();
                        logs.extend(scans.iter().cloned());
                        fetched.push((name, log_key, scans));
                    }
                    Err(e) => errors.push((name, e)),
                }
            }
            let incidents = assemble_scanned(&objects, &logs);
            let diagnoses: Vec<(String, Diagnosis)> = failing
                .into_iter()
                .filter_map(|c| {
                    let inc = find(&incidents, &key, &c)?;
                    Some((c, engine.diagnose(inc)))
                })
                .collect();
            (diagnoses, fetched, errors)
        }
    })
    .await;
    let (diagnoses, fetched, errors) = diagnoses.unwrap_or_default();
    PodResult {
        key,
        uid,
        diagnoses,
        fetched,
        errors,
    }
}

/// The container's log under the deadline: from the kubelet's files when `--log-root` has
/// them, else from the API.
async fn read_log(
    ctx: &Ctx,
    key: &PodKey,
    uid: &str,
    c: &ContainerWork,
    previous: bool,
) -> Result<Option<ApiLog>, LogError> {
    let read = async {
        if let Some(root) = &ctx.log_root {
            let root = root.clone();
            let (ns, pod, uid, container) = (
                key.0.clone(),
                key.1.clone(),
                uid.to_string(),
                c.name.clone(),
            );
            let (restarts, waiting, tail) = (c.restarts, c.waiting, ctx.tail_lines);
            let root_path = root.path().to_path_buf();
            let read = tokio::task::spawn_blocking(move || {
                let want = logfiles::Wanted {
                    namespace: &ns,
                    pod: &pod,
                    uid: &uid,
                    container: &container,
                    restarts,
                    waiting,
                    previous,
                };
                root.read(
                    &want,
                    usize::try_from(tail).unwrap_or(usize::MAX),
                    MAX_LOG_BYTES,
                )
            })
            .await
            .unwrap_or_else(|e| {
                Err(FileError {
                    path: root_path,
                    reason: format!("the log reader failed: {e}"),
                })
            });
            match read {
                Ok(Some(f)) => {
                    ctx.metrics.log_read(LogSource::File);
                    return Ok((!f.text.is_empty()).then(|| ApiLog {
                        namespace: key.0.clone(),
                        pod: key.1.clone(),
                        container: c.name.clone(),
                        previous: f.previous,
                        text: f.text,
                        source: Some(f.path.display().to_string()),
                    }));
                }
                // No files for this container (yet, or not on this node): the API.
                Ok(None) => {}
                Err(e) => return Err(LogError::File(e)),
            }
        }
        ctx.metrics.log_read(LogSource::Api);
        fetch_api_log(ctx, key, &c.name, previous)
            .await
            .map_err(LogError::Api)
    };
    match tokio::time::timeout(ctx.log_timeout, read).await {
        Ok(r) => r,
        Err(_) => Err(LogError::Timeout(ctx.log_timeout)),
    }
}

/// The container's log through `pods/log`: the previous instance's when it crashed before
/// (a 400 means there is none: fall back to the current one), else the current one.
async fn fetch_api_log(
    ctx: &Ctx,
    key: &PodKey,
    container: &str,
    previous: bool,
) -> Result<Option<ApiLog>, kube::Error> {
    let api: Api<Pod> = Api::namespaced(ctx.client.clone(), &key.0);
    let attempts: &[bool] = if previous { &[true, false] } else { &[false] };
    for &prev in attempts {
        let lp = LogParams {
            container: Some(container.to_string()),
            previous: prev,
            tail_lines: Some(ctx.tail_lines),
            limit_bytes: i64::try_from(MAX_LOG_BYTES).ok(),
            ..LogParams::default()
        };
        match api.log_stream(&key.1, &lp).await {
            Ok(r) => {
                let text = read_body(r).await.map_err(kube::Error::ReadEvents)?;
                if text.is_empty() {
                    return Ok(None);
                }
                return Ok(Some(ApiLog {
                    namespace: key.0.clone(),
                    pod: key.1.clone(),
                    container: container.to_string(),
                    previous: prev,
                    text,
                    source: None,
                }));
            }
            // "previous terminated container … not found", "… is waiting to start": normal.
            Err(kube::Error::Api(s)) if s.code == 400 => continue,
            // The pod went away meanwhile.
            Err(kube::Error::Api(s)) if s.code == 404 => return Ok(None),
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

/// Read a log body, lossily decoded: `Api::logs` would reject a log that is not UTF-8, and
/// crashing programs do print binary garbage. The request's `limitBytes` bounds it; should a
/// server ignore that, only the last [`MAX_LOG_BYTES`] are kept.
pub(crate) async fn read_body(r: impl futures::AsyncBufRead) -> std::io::Result<String> {
    use futures::AsyncReadExt;
    let mut r = Box::pin(r);
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 << 10];
    loop {
        let n = r.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() > MAX_LOG_BYTES {
            buf.drain(..buf.len() - MAX_LOG_BYTES);
        }
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

pub(crate) fn find<'a>(
    incidents: &'a [Incident],
    key: &PodKey,
    container: &str,
) -> Option<&'a Incident> {
    incidents.iter().find(|i| {
        i.pod == key.1
            && i.container.as_deref() == Some(container)
            && i.namespace.as_deref().is_none_or(|ns| ns == key.0)
    })
}

/// Which log to fetch: `Some(true)` the previous instance's (falling back to the current),
/// `Some(false)` the current one, `None` when the container never ran (an image that cannot
/// be pulled has no log: asking would only earn a 400).
fn log_plan(inc: &Incident) -> Option<bool> {
    use crate::incident::ContainerState;
    let st = inc.status.as_ref()?;
    if st.last_terminated.is_some() || st.restart_count.unwrap_or(0) > 0 {
        return Some(true);
    }
    match &st.state {
        Some(ContainerState::Running { .. }) | Some(ContainerState::Terminated(_)) => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_are_read_lossily_and_bounded() {
        let mut bytes = vec![0xff, b'a', b'\n'];
        let text = futures::executor::block_on(read_body(futures::io::Cursor::new(bytes.clone())))
            .unwrap();
        assert_eq!(text, "\u{fffd}a\n");
        bytes = vec![b'x'; MAX_LOG_BYTES + 10];
        bytes.extend_from_slice(b"Killed\n");
        let text = futures::executor::block_on(read_body(futures::io::Cursor::new(bytes))).unwrap();
        assert_eq!(text.len(), MAX_LOG_BYTES);
        assert!(text.ends_with("Killed\n"), "the end of the log is kept");
    }
}
