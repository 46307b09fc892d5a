//! Live mode (`podmortem watch`): follow pods and events of a cluster and diagnose containers
//! as they start backing off, with the same engine as batch mode.
//!
//! Compiled only with the `live` feature (kube-rs and tokio stay out of the library core).
//!
//! # How it works
//! Two kube-rs [`watcher()`]s — pods and core/v1 events — feed one loop. The watchers list, then
//! watch from the list's resourceVersion; on a dropped connection they resume from the last
//! seen version, and on `410 Gone` they re-list. Every object is compared with what the loop
//! remembered (see `state.rs`), so a re-list re-delivers nothing already reported and still
//! catches what changed while disconnected.
//!
//! A container is (re)diagnosed when it crashes (restart count up, a new
//! `lastState.terminated` such as OOMKilled), enters a back-off waiting state
//! (CrashLoopBackOff, ImagePullBackOff, ErrImagePull, CreateContainerConfigError, …), or — for
//! an open incident — new events arrive about its pod. The evidence is the Pod object, the
//! pod's events (indexed from the events watch) and the previous instance's log (bounded tail),
//! assembled by [`crate::ingest::assemble`] exactly as batch mode reads files. A diagnosis is
//! printed when it is news for the container: the first one, a new cause, or a new restart
//! whose top evidence differs.
//!
//! **Node-local mode** ([`WatchOptions::node`], `watch --node`): the pods watch carries the field
//! selector `spec.nodeName=<node>`, events about other nodes' pods are not kept, and logs are
//! read from the kubelet's files under [`WatchOptions::log_root`] (see [`LogRoot`]); the API is
//! asked only for a container without files there. `podmortem_log_source_total` counts both.
//!
//! ```no_run
//! # async fn demo() -> Result<(), podmortem::live::WatchError> {
//! use podmortem::live::{connect, ClientOptions, MemorySink, WatchOptions, Watcher};
//! let conn = connect(&ClientOptions::default()).await?;
//! let opts = WatchOptions { namespace: Some("shop".into()), ..WatchOptions::default() };
//! let mut sink = MemorySink::new();
//! Watcher::new(&conn, opts).run(&mut sink, tokio::signal::ctrl_c().map(|_| ())).await?;
//! # Ok(()) }
//! # use futures::FutureExt;
//! ```

mod client;
mod error;
mod logfiles;
mod metrics;
mod sink;
mod state;

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{Event, Namespace, ObjectReference, Pod};
use kube::api::{ListParams, LogParams, ObjectList, PostParams, WatchParams};
use kube::runtime::{watcher, WatchStreamExt};
use kube::{Api, Client};

pub use client::{connect, ClientOptions, Connection};
pub use error::WatchError;
pub use logfiles::{FileError, LogRoot};
pub use metrics::{serve_metrics, LogSource, Metrics, RECOVERY};
pub use sink::{render_line, MemorySink, OutputFormat, Sink, WriterSink};

use crate::diagnose::{is_failing, Diagnosis};
use crate::ingest::{assemble, ApiLog};
use crate::{Cause, Engine, Incident};
use error::{classify, describe_watch_error, forbidden_message, Access};
use state::{PodKey, Tracker, Trigger, OWN_EVENT_REASON};

/// How long start-up waits for the events list once pods are listed, before diagnosing
/// without them (events then still count for later diagnoses).
const EVENTS_SYNC_WAIT: Duration = Duration::from_secs(3);
/// Concurrent log requests.
const LOG_CONCURRENCY: usize = 4;
/// Most of a fetched log kept: `--tail-lines` bounds lines, this bounds absurdly long ones.
const MAX_LOG_BYTES: usize = 8 << 20;
/// Kubernetes rejects longer event messages.
const MAX_EVENT_MESSAGE: usize = 1024;

/// What to watch and how.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// The namespace; `None` watches all namespaces (`-A`).
    pub namespace: Option<String>,
    /// A label selector for pods (`-l app=api`).
    pub selector: Option<String>,
    /// Lines of log fetched per container (`--tail-lines`).
    pub tail_lines: i64,
    /// Write a Warning Event `PodmortemDiagnosis` on the pod for each printed diagnosis.
    pub emit_events: bool,
    /// Node-local mode (`--node`): only the pods scheduled on this node.
    pub node: Option<String>,
    /// Read container logs from the kubelet's files here (`--log-root`, e.g. `/var/log/pods`)
    /// and ask the API only for containers that have none.
    pub log_root: Option<PathBuf>,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            namespace: Some("default".into()),
            selector: None,
            tail_lines: 200,
            emit_events: false,
            node: None,
            log_root: None,
        }
    }
}

/// Totals of a `once` or `run`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WatchSummary {
    /// Diagnoses delivered to the sink.
    pub printed: usize,
    /// Transient errors seen (and retried).
    pub errors: u64,
}

/// Follows a cluster and diagnoses backing-off containers. See the [module docs](self).
pub struct Watcher {
    client: Client,
    url: String,
    opts: WatchOptions,
    /// None: the process-wide built-in engine ([`default_engine`]).
    engine: Option<Arc<Engine>>,
    metrics: Arc<Metrics>,
    /// `opts.log_root` resolved; the error is reported once the run has a sink.
    log_root: Option<Result<LogRoot, FileError>>,
}

/// The built-in engine, compiled once per process: compiling the pattern packs is the
/// expensive part of start-up, and every watcher with default settings can share it.
pub fn default_engine() -> Arc<Engine> {
    static ENGINE: std::sync::OnceLock<Arc<Engine>> = std::sync::OnceLock::new();
    ENGINE.get_or_init(|| Arc::new(Engine::new())).clone()
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watcher")
            .field("url", &self.url)
            .field("opts", &self.opts)
            .finish_non_exhaustive()
    }
}

/// What the merged pod and event streams yield.
enum Msg {
    // Boxed: the objects are kilobytes inline, the errors are small.
    Pod(Box<watcher::Event<Pod>>),
    Event(Box<watcher::Event<Event>>),
    PodError(watcher::Error),
    EventError(watcher::Error),
}

/// Per-run mutable state that is not about the cluster.
#[derive(Default)]
struct RunState {
    summary: WatchSummary,
    /// Warnings already shown once (log or event permission denied).
    warned: std::collections::HashSet<&'static str>,
    /// `--emit-events` switched off after a 403.
    emit_disabled: bool,
}

impl Watcher {
    /// A watcher on a connection from [`connect`].
    pub fn new(conn: &Connection, opts: WatchOptions) -> Watcher {
        Watcher {
            client: conn.client.clone(),
            url: conn.url.clone(),
            engine: None,
            metrics: Metrics::new(),
            log_root: opts.log_root.as_deref().map(LogRoot::open),
            opts,
        }
    }

    /// Use this engine (e.g. with extra pattern packs) instead of the built-in one.
    pub fn with_engine(mut self, engine: Engine) -> Watcher {
        self.engine = Some(Arc::new(engine));
        self
    }

    /// The engine, compiled off the async threads if it is the shared default and not built
    /// yet: at start-up, so the first incident does not pay for it.
    async fn engine(&self) -> Arc<Engine> {
        match &self.engine {
            Some(e) => e.clone(),
            None => tokio::task::spawn_blocking(default_engine)
                .await
                .unwrap_or_else(|_| default_engine()),
        }
    }

    /// Count into these metrics (served by [`serve_metrics`]).
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Watcher {
        self.metrics = metrics;
        self
    }

    /// The metrics this watcher counts into.
    pub fn metrics(&self) -> Arc<Metrics> {
        self.metrics.clone()
    }

    fn ns(&self) -> Option<&str> {
        self.opts.namespace.as_deref()
    }

    fn api<K>(&self) -> Api<K>
    where
        K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
        <K as kube::Resource>::DynamicType: Default,
    {
        match self.ns() {
            Some(ns) => Api::namespaced(self.client.clone(), ns),
            None => Api::all(self.client.clone()),
        }
    }

    fn access<'a>(&'a self, verb: &'a str, resource: &'a str) -> Access<'a> {
        Access {
            verb,
            resource,
            namespace: self.ns(),
        }
    }

    /// `spec.nodeName=NAME` in node-local mode: the API server filters, so this agent never
    /// receives (or keeps) the rest of the cluster's pods.
    fn node_selector(&self) -> Option<String> {
        self.opts
            .node
            .as_ref()
            .map(|n| format!("spec.nodeName={n}"))
    }

    fn pod_list_params(&self) -> ListParams {
        let mut lp = ListParams::default();
        if let Some(s) = &self.opts.selector {
            lp = lp.labels(s);
        }
        if let Some(f) = self.node_selector() {
            lp = lp.fields(&f);
        }
        lp
    }

    /// Says once, at start, that `--log-root` cannot be used, and why.
    fn check_log_root(&self, sink: &mut dyn Sink) {
        if let Some(Err(e)) = &self.log_root {
            sink.notice(&format!(
                "--log-root {e}; reading container logs through the API"
            ));
        }
    }

    fn event_list_params() -> ListParams {
        ListParams::default().fields("involvedObject.kind=Pod")
    }

    /// Start-up checks that turn into clear fatal errors: the namespace exists, and (for
    /// `watch`, whose watchers would otherwise retry a 403 forever) pods and events can be
    /// listed and watched. `--once` lists anyway, so it stops after the namespace check.
    ///
    /// [`run`](Self::run) and [`once`](Self::once) do this themselves; calling it first lets a
    /// caller fail fast while it prepares something else (the CLI compiles the engine).
    pub async fn preflight(&self, watch: bool) -> Result<(), WatchError> {
        if let Some(ns) = self.ns() {
            let nss: Api<Namespace> = Api::all(self.client.clone());
            match nss.get(ns).await {
                Ok(_) => {}
                Err(kube::Error::Api(s)) if s.code == 404 => {
                    return Err(WatchError::NamespaceNotFound(ns.to_string()))
                }
                // The minimal Role cannot read namespace objects: skip the check then.
                Err(kube::Error::Api(s)) if s.code == 403 => {}
                Err(e) => return Err(classify(e, self.access("get", "namespaces"), &self.url)),
            }
        }
        if !watch {
            return Ok(());
        }
        let pods: Api<Pod> = self.api();
        let list = pods
            .list_metadata(&self.pod_list_params().limit(1))
            .await
            .map_err(|e| classify(e, self.access("list", "pods"), &self.url))?;
        let events: Api<Event> = self.api();
        let ev_list = events
            .list_metadata(&Self::event_list_params().limit(1))
            .await
            .map_err(|e| classify(e, self.access("list", "events"), &self.url))?;
        // Opening a watch checks the `watch` verb; the stream is dropped at once.
        let rv = |m: &Option<String>| m.clone().unwrap_or_else(|| "0".into());
        let mut wp = WatchParams::default().timeout(1);
        if let Some(s) = &self.opts.selector {
            wp = wp.labels(s);
        }
        if let Some(f) = self.node_selector() {
            wp = wp.fields(&f);
        }
        drop(
            pods.watch_metadata(&wp, &rv(&list.metadata.resource_version))
                .await
                .map_err(|e| classify(e, self.access("watch", "pods"), &self.url))?,
        );
        let wp = WatchParams::default()
            .timeout(1)
            .fields("involvedObject.kind=Pod");
        drop(
            events
                .watch_metadata(&wp, &rv(&ev_list.metadata.resource_version))
                .await
                .map_err(|e| classify(e, self.access("watch", "events"), &self.url))?,
        );
        Ok(())
    }

    /// Diagnose everything failing now, deliver it to `sink`, and return (`--once`).
    pub async fn once(&self, sink: &mut dyn Sink) -> Result<WatchSummary, WatchError> {
        self.preflight(false).await?;
        let pods: Vec<Pod> = list_all(&self.api(), &self.pod_list_params())
            .await
            .map_err(|e| classify(e, self.access("list", "pods"), &self.url))?;
        let events: Vec<Event> = list_all(&self.api(), &Self::event_list_params())
            .await
            .map_err(|e| classify(e, self.access("list", "events"), &self.url))?;
        let mut st = Tracker::default();
        for p in &pods {
            st.apply_pod(p);
        }
        if self.opts.node.is_some() {
            st.keep_events_of_known_pods();
        }
        for e in &events {
            st.apply_event(e);
        }
        let mut run = RunState::default();
        let engine = self.engine().await;
        self.check_log_root(sink);
        sink.ready(st.pods.len());
        let jobs = st.sweep();
        self.diagnose_and_publish(&engine, &mut st, &mut run, jobs, sink)
            .await?;
        Ok(run.summary)
    }

    /// Watch until `shutdown` completes (e.g. Ctrl-C), delivering diagnoses to `sink`.
    ///
    /// Fails only at start-up (no such namespace, forbidden, unreachable) or when the sink
    /// fails; afterwards every API failure is retried with back-off, counted in the metrics
    /// and reported through [`Sink::notice`].
    pub async fn run<F>(&self, sink: &mut dyn Sink, shutdown: F) -> Result<WatchSummary, WatchError>
    where
        F: Future<Output = ()>,
    {
        self.preflight(true).await?;
        let engine = self.engine().await;
        self.check_log_root(sink);
        let mut pod_cfg = watcher::Config::default();
        if let Some(s) = &self.opts.selector {
            pod_cfg = pod_cfg.labels(s);
        }
        if let Some(f) = self.node_selector() {
            pod_cfg = pod_cfg.fields(&f);
        }
        let ev_cfg = watcher::Config::default().fields("involvedObject.kind=Pod");
        let pods = watcher(self.api::<Pod>(), pod_cfg)
            .default_backoff()
            .map(|r| match r {
                Ok(e) => Msg::Pod(Box::new(e)),
                Err(e) => Msg::PodError(e),
            })
            .boxed();
        let events = watcher(self.api::<Event>(), ev_cfg)
            .default_backoff()
            .map(|r| match r {
                Ok(e) => Msg::Event(Box::new(e)),
                Err(e) => Msg::EventError(e),
            })
            .boxed();
        let mut stream = futures::stream::select(pods, events);
        let mut st = Tracker::default();
        let mut run = RunState::default();
        let (mut pods_listed, mut events_listed, mut synced) = (false, false, false);
        let events_wait = tokio::time::sleep(EVENTS_SYNC_WAIT);
        tokio::pin!(shutdown);
        tokio::pin!(events_wait);
        loop {
            let msg = tokio::select! {
                biased;
                _ = &mut shutdown => break,
                _ = &mut events_wait, if pods_listed && !synced => None,
                m = stream.next() => match m {
                    Some(m) => Some(m),
                    None => break, // watcher streams never end; be safe anyway
                },
            };
            let mut jobs: Vec<(PodKey, String, Trigger)> = Vec::new();
            match msg {
                None => {}
                Some(Msg::Pod(ev)) => match *ev {
                    watcher::Event::Init => st.begin_pod_relist(),
                    watcher::Event::InitApply(p) | watcher::Event::Apply(p) => {
                        let (key, js) = st.apply_pod(&p);
                        self.update_health(&st, &key);
                        if synced {
                            jobs.extend(js.into_iter().map(|(c, t)| (key.clone(), c, t)));
                        }
                    }
                    watcher::Event::InitDone => {
                        for (ns, pod) in st.end_pod_relist() {
                            self.metrics.pod_deleted(&ns, &pod);
                        }
                        pods_listed = true;
                        if self.opts.node.is_some() {
                            st.keep_events_of_known_pods();
                        }
                    }
                    watcher::Event::Delete(p) => {
                        let (ns, pod) = st.delete_pod(&p);
                        self.metrics.pod_deleted(&ns, &pod);
                    }
                },
                Some(Msg::Event(ev)) => match *ev {
                    watcher::Event::Init => st.begin_event_relist(),
                    watcher::Event::InitApply(e) | watcher::Event::Apply(e) => {
                        if let Some(key) = st.apply_event(&e) {
                            if synced {
                                let js = st.event_jobs(&key);
                                jobs.extend(js.into_iter().map(|(c, t)| (key.clone(), c, t)));
                            }
                        }
                    }
                    watcher::Event::InitDone => {
                        st.end_event_relist();
                        events_listed = true;
                    }
                    watcher::Event::Delete(e) => st.delete_event(&e),
                },
                Some(Msg::PodError(e)) => self.transient(
                    &mut run,
                    sink,
                    describe_watch_error(&e, self.access("watch", "pods")),
                ),
                Some(Msg::EventError(e)) => self.transient(
                    &mut run,
                    sink,
                    describe_watch_error(&e, self.access("watch", "events")),
                ),
            }
            if !synced && pods_listed && (events_listed || events_wait.is_elapsed()) {
                // Start-up: diagnose what is failing already, with its events in hand.
                synced = true;
                sink.ready(st.pods.len());
                jobs = st.sweep();
            }
            if !jobs.is_empty() {
                self.diagnose_and_publish(&engine, &mut st, &mut run, jobs, sink)
                    .await?;
            }
        }
        Ok(run.summary)
    }

    fn transient(&self, run: &mut RunState, sink: &mut dyn Sink, what: String) {
        self.metrics.watch_error();
        run.summary.errors += 1;
        sink.notice(&format!("{what}; retrying with back-off"));
    }

    fn update_health(&self, st: &Tracker, key: &PodKey) {
        if let Some(p) = st.pods.get(key) {
            for (name, c) in &p.containers {
                if c.printed.is_some() {
                    self.metrics.health(&key.0, &key.1, name, c.fp.healthy);
                }
            }
        }
    }

    /// Gather evidence for the jobs (logs fetched concurrently), diagnose, and publish what is
    /// news.
    async fn diagnose_and_publish(
        &self,
        engine: &Engine,
        st: &mut Tracker,
        run: &mut RunState,
        jobs: Vec<(PodKey, String, Trigger)>,
        sink: &mut dyn Sink,
    ) -> Result<(), WatchError> {
        let set = engine.patterns();
        // Group by pod: one assembly per pod.
        let mut by_pod: HashMap<PodKey, Vec<(String, Trigger)>> = HashMap::new();
        for (k, c, t) in jobs {
            let v = by_pod.entry(k).or_default();
            if !v.iter().any(|(x, _)| *x == c) {
                v.push((c, t));
            }
        }
        struct Work {
            key: PodKey,
            objects: Vec<serde_json::Value>,
            containers: Vec<String>,
        }
        let mut work = Vec::new();
        let mut fetches = Vec::new();
        for (key, list) in by_pod {
            let Some(entry) = st.pods.get(&key) else {
                continue;
            };
            let mut objects = vec![entry.object.clone()];
            objects.extend(st.events_for(&key));
            let incidents = assemble(set, &objects, &[]);
            let mut containers = Vec::new();
            for (c, trig) in list {
                let Some(inc) = find(&incidents, &key, &c) else {
                    continue;
                };
                if trig.gated() {
                    // Live, the clock tells how long ago the container restarted.
                    let mut timed = inc.clone();
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs() as i64);
                    timed.last_restart_secs = timed
                        .last_restart_secs
                        .or_else(|| crate::diagnose::restart_age(&timed, now));
                    if !is_failing(&timed) {
                        continue;
                    }
                }
                let Some(ce) = entry.containers.get(&c) else {
                    continue;
                };
                let log_key = ce.fp.log_key();
                let cached = ce.logs.as_ref().is_some_and(|(k, _)| *k == log_key);
                if !cached {
                    if let Some(previous) = log_plan(inc) {
                        fetches.push(LogRequest {
                            key: key.clone(),
                            container: c.clone(),
                            uid: entry.uid.clone(),
                            restarts: u32::try_from(ce.fp.restarts).unwrap_or(0),
                            waiting: ce.fp.waiting.is_some(),
                            previous,
                            log_key,
                        });
                    }
                }
                containers.push(c);
            }
            if !containers.is_empty() {
                work.push(Work {
                    key,
                    objects,
                    containers,
                });
            }
        }
        // Fetch logs concurrently: at start-up there may be many failing containers.
        let fetched: Vec<_> = futures::stream::iter(fetches)
            .map(|req| async move {
                let r = self.fetch_log(&req).await;
                (req.key, req.container, req.log_key, r)
            })
            .buffer_unordered(LOG_CONCURRENCY)
            .collect()
            .await;
        for (key, c, log_key, r) in fetched {
            match r {
                Ok(log) => {
                    if let Some(ce) = st.pods.get_mut(&key).and_then(|p| p.containers.get_mut(&c)) {
                        ce.logs = Some((log_key, log.into_iter().collect()));
                    }
                }
                // Not cached: the next trigger for this crash tries again.
                Err(e) => self.log_error(run, sink, &key, &c, e),
            }
        }
        let mut out: Vec<(PodKey, String, Diagnosis)> = Vec::new();
        for w in work {
            let Some(entry) = st.pods.get(&w.key) else {
                continue;
            };
            let logs: Vec<ApiLog> = w
                .containers
                .iter()
                .filter_map(|c| {
                    let ce = entry.containers.get(c)?;
                    // Only the logs of the crash at hand.
                    ce.logs.as_ref().filter(|(k, _)| *k == ce.fp.log_key())
                })
                .flat_map(|(_, l)| l.iter().cloned())
                .collect();
            let incidents = assemble(set, &w.objects, &logs);
            for c in &w.containers {
                if let Some(inc) = find(&incidents, &w.key, c) {
                    out.push((w.key.clone(), c.clone(), engine.diagnose(inc)));
                }
            }
        }
        out.sort_by(|a, b| batch_order(&a.2, &b.2));
        for (key, c, d) in out {
            if !st.record_if_new(&key, &c, &d) {
                continue;
            }
            // Metrics first: whoever sees the diagnosis can already scrape it.
            self.metrics.diagnosed(&key.0, &key.1, &c, d.cause);
            if let Some(p) = st.pods.get(&key) {
                if let Some(ce) = p.containers.get(&c) {
                    self.metrics.health(&key.0, &key.1, &c, ce.fp.healthy);
                }
            }
            sink.diagnosis(&d)?;
            run.summary.printed += 1;
            if self.opts.emit_events && !run.emit_disabled {
                self.emit_event(st, run, sink, &key, &c, &d).await;
            }
        }
        Ok(())
    }

    /// The container's log: from the kubelet's files when `--log-root` has them, else from
    /// the API.
    async fn fetch_log(&self, req: &LogRequest) -> Result<Option<ApiLog>, LogError> {
        if let Some(Ok(root)) = &self.log_root {
            let (root, req2, tail) = (root.clone(), req.clone(), self.opts.tail_lines);
            let root_path = root.path().to_path_buf();
            let read = tokio::task::spawn_blocking(move || {
                let want = logfiles::Wanted {
                    namespace: &req2.key.0,
                    pod: &req2.key.1,
                    uid: &req2.uid,
                    container: &req2.container,
                    restarts: req2.restarts,
                    waiting: req2.waiting,
                    previous: req2.previous,
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
                    self.metrics.log_read(LogSource::File);
                    return Ok((!f.text.is_empty()).then(|| ApiLog {
                        namespace: req.key.0.clone(),
                        pod: req.key.1.clone(),
                        container: req.container.clone(),
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
        self.metrics.log_read(LogSource::Api);
        self.fetch_api_log(&req.key, &req.container, req.previous)
            .await
            .map_err(LogError::Api)
    }

    /// The container's log through `pods/log`: the previous instance's when it crashed before
    /// (a 400 means there is none: fall back to the current one), else the current one.
    async fn fetch_api_log(
        &self,
        key: &PodKey,
        container: &str,
        previous: bool,
    ) -> Result<Option<ApiLog>, kube::Error> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &key.0);
        let attempts: &[bool] = if previous { &[true, false] } else { &[false] };
        for &prev in attempts {
            let lp = LogParams {
                container: Some(container.to_string()),
                previous: prev,
                tail_lines: Some(self.opts.tail_lines),
                ..LogParams::default()
            };
            match api.log_stream(&key.1, &lp).await {
                Ok(r) => {
                    let text = read_log(r).await.map_err(kube::Error::ReadEvents)?;
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

    fn log_error(
        &self,
        run: &mut RunState,
        sink: &mut dyn Sink,
        key: &PodKey,
        container: &str,
        e: LogError,
    ) {
        // The metric counts failed API requests; a file error is reported below all the same.
        if matches!(e, LogError::Api(_)) {
            self.metrics.watch_error();
        }
        run.summary.errors += 1;
        match e {
            LogError::File(e) => sink.notice(&format!(
                "cannot read the log of {}/{}/{container} from {e}; diagnosing without it",
                key.0, key.1
            )),
            LogError::Api(kube::Error::Api(s)) if s.code == 403 => {
                if run.warned.insert("pods/log") {
                    let access = Access {
                        verb: "get",
                        resource: "pods/log",
                        namespace: Some(&key.0),
                    };
                    let msg = forbidden_message(&s.message, access);
                    let first = msg.lines().next().unwrap_or_default();
                    sink.notice(&format!("{first}; diagnosing without logs"));
                }
            }
            LogError::Api(e) => sink.notice(&format!(
                "cannot fetch the log of {}/{}/{container}: {}; diagnosing without it",
                key.0,
                key.1,
                error::chain(&e)
            )),
        }
    }

    /// `--emit-events`: a Warning Event `PodmortemDiagnosis` on the pod.
    async fn emit_event(
        &self,
        st: &Tracker,
        run: &mut RunState,
        sink: &mut dyn Sink,
        key: &PodKey,
        container: &str,
        d: &Diagnosis,
    ) {
        let Some(entry) = st.pods.get(key) else {
            return;
        };
        let init = entry.containers.get(container).is_some_and(|c| c.init);
        let ev = diagnosis_event(key, &entry.uid, container, init, d);
        let api: Api<Event> = Api::namespaced(self.client.clone(), &key.0);
        match api.create(&PostParams::default(), &ev).await {
            Ok(_) => {}
            Err(kube::Error::Api(s)) if s.code == 403 => {
                run.emit_disabled = true;
                let access = Access {
                    verb: "create",
                    resource: "events",
                    namespace: Some(&key.0),
                };
                let msg = forbidden_message(&s.message, access);
                sink.notice(&format!(
                    "{}; --emit-events is off from now on",
                    msg.lines().next().unwrap_or_default()
                ));
            }
            Err(e) => {
                self.metrics.watch_error();
                run.summary.errors += 1;
                sink.notice(&format!(
                    "cannot create an event on pod {}/{}: {}",
                    key.0,
                    key.1,
                    error::chain(&e)
                ));
            }
        }
    }
}

/// One container log to read, with what the file reader needs to pick the instance.
#[derive(Debug, Clone)]
struct LogRequest {
    key: PodKey,
    container: String,
    uid: String,
    restarts: u32,
    waiting: bool,
    previous: bool,
    /// The crash the log belongs to (see `Fingerprint::log_key`).
    log_key: String,
}

/// Why a container's log could not be read.
#[derive(Debug)]
enum LogError {
    File(FileError),
    Api(kube::Error),
}

/// Watch with `opts` until `shutdown`, delivering diagnoses to `sink`: shorthand for
/// [`Watcher::new`] + [`Watcher::run`].
pub async fn run_watch<F>(
    conn: &Connection,
    opts: WatchOptions,
    sink: &mut dyn Sink,
    shutdown: F,
) -> Result<WatchSummary, WatchError>
where
    F: Future<Output = ()>,
{
    Watcher::new(conn, opts).run(sink, shutdown).await
}

/// Read a log body, lossily decoded: `Api::logs` would reject a log that is not UTF-8, and
/// crashing programs do print binary garbage. Only the last [`MAX_LOG_BYTES`] are kept (a
/// `limitBytes` would cut the end, where the crash is).
async fn read_log(r: impl futures::AsyncBufRead) -> std::io::Result<String> {
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

/// Every item of a list, following `continue` pages.
async fn list_all<K>(api: &Api<K>, lp: &ListParams) -> Result<Vec<K>, kube::Error>
where
    K: Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let mut out = Vec::new();
    let mut lp = lp.clone().limit(500);
    loop {
        let page: ObjectList<K> = api.list(&lp).await?;
        out.extend(page.items);
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(c) => lp = lp.continue_token(&c),
            None => return Ok(out),
        }
    }
}

fn find<'a>(incidents: &'a [Incident], key: &PodKey, container: &str) -> Option<&'a Incident> {
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

/// The batch report's order: known causes first, then pods that exist, then confidence.
fn batch_order(a: &Diagnosis, b: &Diagnosis) -> std::cmp::Ordering {
    let known = |d: &Diagnosis| d.cause != Cause::Unknown;
    known(b)
        .cmp(&known(a))
        .then(b.has_status.cmp(&a.has_status))
        .then(b.confidence.total_cmp(&a.confidence))
        .then(a.display_name().cmp(&b.display_name()))
}

/// The core/v1 Event `--emit-events` writes.
fn diagnosis_event(key: &PodKey, uid: &str, container: &str, init: bool, d: &Diagnosis) -> Event {
    use k8s_openapi::api::core::v1::EventSource;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
    let now = Time(k8s_openapi::jiff::Timestamp::now());
    let cause = match &d.detail {
        Some(x) => format!("{} ({x})", d.cause.id()),
        None => d.cause.id().to_string(),
    };
    let mut message = format!(
        "podmortem: {cause}, confidence {:.2}: {}",
        d.confidence, d.explanation
    );
    if let Some(fix) = d.remediation.first() {
        message.push_str(" Fix: ");
        message.push_str(fix);
    }
    // `kubectl get events` prints messages to terminals: no control characters from the input.
    let message = crate::render::escape_control(&message);
    let message = crate::incident::clip(&message, MAX_EVENT_MESSAGE - 4);
    let field = if init { "initContainers" } else { "containers" };
    let instance = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "podmortem".into());
    Event {
        metadata: ObjectMeta {
            generate_name: Some(format!("{}.podmortem-", key.1)),
            namespace: Some(key.0.clone()),
            ..ObjectMeta::default()
        },
        involved_object: ObjectReference {
            api_version: Some("v1".into()),
            kind: Some("Pod".into()),
            name: Some(key.1.clone()),
            namespace: Some(key.0.clone()),
            uid: (!uid.is_empty()).then(|| uid.to_string()),
            field_path: Some(format!("spec.{field}{{{container}}}")),
            ..ObjectReference::default()
        },
        reason: Some(OWN_EVENT_REASON.into()),
        message: Some(message),
        type_: Some("Warning".into()),
        action: Some("Diagnose".into()),
        count: Some(1),
        first_timestamp: Some(now.clone()),
        last_timestamp: Some(now),
        source: Some(EventSource {
            component: Some("podmortem".into()),
            host: None,
        }),
        reporting_component: Some("podmortem".into()),
        reporting_instance: Some(instance),
        ..Event::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_are_read_lossily_and_bounded() {
        let mut bytes = vec![0xff, b'a', b'\n'];
        let text =
            futures::executor::block_on(read_log(futures::io::Cursor::new(bytes.clone()))).unwrap();
        assert_eq!(text, "\u{fffd}a\n");
        bytes = vec![b'x'; MAX_LOG_BYTES + 10];
        bytes.extend_from_slice(b"Killed\n");
        let text = futures::executor::block_on(read_log(futures::io::Cursor::new(bytes))).unwrap();
        assert_eq!(text.len(), MAX_LOG_BYTES);
        assert!(text.ends_with("Killed\n"), "the end of the log is kept");
    }

    #[test]
    fn emitted_event_shape() {
        let d = Engine::new().diagnose(&Incident {
            namespace: Some("shop".into()),
            pod: "api".into(),
            container: Some("app".into()),
            ..Incident::default()
        });
        let ev = diagnosis_event(&("shop".into(), "api".into()), "u-1", "init", true, &d);
        assert_eq!(ev.reason.as_deref(), Some(OWN_EVENT_REASON));
        assert_eq!(ev.type_.as_deref(), Some("Warning"));
        assert_eq!(
            ev.involved_object.field_path.as_deref(),
            Some("spec.initContainers{init}")
        );
        assert!(ev.message.unwrap().len() <= MAX_EVENT_MESSAGE);
    }
}
