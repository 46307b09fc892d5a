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
//! assembled by [`crate::ingest::assemble_scanned`] exactly as batch mode reads files. A
//! diagnosis is printed when it is news for the container: the first one, a new cause, or a new
//! restart whose top evidence differs.
//!
//! **The loop never waits.** It only updates its state (`state.rs`) and hands each pod to be
//! diagnosed to a task (`work.rs`): one task per pod at a time, at most [`MAX_TASKS`] at once,
//! each request under [`WatchOptions::request_timeout`]. A log request that never answers
//! delays only its own pod, and `shutdown` is seen at once. Event writes (`--emit-events`,
//! `emit.rs`) are tasks too, aggregated per container and cause and rate-limited per pod.
//!
//! **Memory does not grow with healthy pods' objects**: per pod a compact fingerprint of each
//! container; the Pod object only while it is in trouble; events only for such pods (and a
//! bounded window of warnings about others); scans of fetched logs, not their text, within a
//! byte budget.
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
mod emit;
mod error;
mod fingerprint;
mod logcache;
mod logfiles;
mod metrics;
mod sink;
mod state;
mod work;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{Event, Namespace, Pod};
use kube::api::{ListParams, ObjectList, WatchParams};
use kube::runtime::{watcher, WatchStreamExt};
use kube::{Api, Client};
use tokio::task::JoinSet;

pub use client::{connect, ClientOptions, Connection};
pub use error::WatchError;
pub use logfiles::{FileError, LogRoot};
pub use metrics::{serve_metrics, serve_metrics_with, LogSource, Metrics, ServeLimits, RECOVERY};
pub use sink::{render_line, MemorySink, OutputFormat, Sink, WriterSink};

use crate::diagnose::Diagnosis;
use crate::{Cause, Engine};
use emit::{EventLedger, Written};
use error::{classify, describe_watch_error, forbidden_message, Access};
use fingerprint::Trigger;
use state::{PodKey, Tracker};
use work::{diagnose_pod, ContainerWork, Ctx, LogError, PodResult, PodWork};

/// How long start-up waits for the events list once pods are listed, before diagnosing
/// without them (events then still count for later diagnoses).
const EVENTS_SYNC_WAIT: Duration = Duration::from_secs(3);
/// Pods whose evidence is gathered and diagnosed at once (each by its own task): bounds the
/// concurrent log requests and the raw log text in memory (each at most 1 MiB).
pub const MAX_TASKS: usize = 8;
/// Default deadline of one API request or log read.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

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
    /// Deadline of each API request (lists at start, a log, an Event write) and of each log
    /// file read: past it the container is diagnosed without that log. Watches are long polls
    /// and have none (they resume on their own when the connection drops).
    pub request_timeout: Duration,
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
            request_timeout: REQUEST_TIMEOUT,
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
            let access = self.access("get", "namespaces");
            match self.deadline(nss.get(ns), access).await? {
                Ok(_) => {}
                Err(kube::Error::Api(s)) if s.code == 404 => {
                    return Err(WatchError::NamespaceNotFound(ns.to_string()))
                }
                // The minimal Role cannot read namespace objects: skip the check then.
                Err(kube::Error::Api(s)) if s.code == 403 => {}
                Err(e) => return Err(classify(e, access, &self.url)),
            }
        }
        if !watch {
            return Ok(());
        }
        let pods: Api<Pod> = self.api();
        let list = self
            .timed(
                pods.list_metadata(&self.pod_list_params().limit(1)),
                self.access("list", "pods"),
            )
            .await?;
        let events: Api<Event> = self.api();
        let ev_list = self
            .timed(
                events.list_metadata(&Self::event_list_params().limit(1)),
                self.access("list", "events"),
            )
            .await?;
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
            self.timed(
                pods.watch_metadata(&wp, &rv(&list.metadata.resource_version)),
                self.access("watch", "pods"),
            )
            .await?,
        );
        let wp = WatchParams::default()
            .timeout(1)
            .fields("involvedObject.kind=Pod");
        drop(
            self.timed(
                events.watch_metadata(&wp, &rv(&ev_list.metadata.resource_version)),
                self.access("watch", "events"),
            )
            .await?,
        );
        Ok(())
    }

    /// A start-up request under the request deadline: the outer error is the timeout,
    /// reported as the API being unreachable.
    async fn deadline<T>(
        &self,
        fut: impl Future<Output = Result<T, kube::Error>>,
        access: Access<'_>,
    ) -> Result<Result<T, kube::Error>, WatchError> {
        tokio::time::timeout(self.opts.request_timeout, fut)
            .await
            .map_err(|_| WatchError::Unreachable {
                url: self.url.clone(),
                detail: format!(
                    "{} {}: no answer within {}s",
                    access.verb,
                    access.resource,
                    self.opts.request_timeout.as_secs_f64()
                ),
            })
    }

    /// [`deadline`](Self::deadline), with API errors phrased for the user.
    async fn timed<T>(
        &self,
        fut: impl Future<Output = Result<T, kube::Error>>,
        access: Access<'_>,
    ) -> Result<T, WatchError> {
        self.deadline(fut, access)
            .await?
            .map_err(|e| classify(e, access, &self.url))
    }

    /// What the pod tasks share.
    fn ctx(&self, engine: Arc<Engine>) -> Arc<Ctx> {
        Arc::new(Ctx {
            client: self.client.clone(),
            engine,
            metrics: self.metrics.clone(),
            log_root: match &self.log_root {
                Some(Ok(root)) => Some(root.clone()),
                _ => None,
            },
            tail_lines: self.opts.tail_lines,
            log_timeout: self.opts.request_timeout,
        })
    }

    /// Diagnose everything failing now, deliver it to `sink`, and return (`--once`).
    pub async fn once(&self, sink: &mut dyn Sink) -> Result<WatchSummary, WatchError> {
        self.preflight(false).await?;
        let pods: Vec<Pod> = self
            .timed(
                list_all(&self.api(), &self.pod_list_params()),
                self.access("list", "pods"),
            )
            .await?;
        let events: Vec<Event> = self
            .timed(
                list_all(&self.api(), &Self::event_list_params()),
                self.access("list", "events"),
            )
            .await?;
        let mut st = Tracker::default();
        for p in &pods {
            st.apply_pod(p);
        }
        drop(pods);
        if self.opts.node.is_some() {
            st.keep_events_of_known_pods();
        }
        for e in &events {
            st.apply_event(e);
        }
        drop(events);
        let mut run = RunState::default();
        let engine = self.engine().await;
        self.check_log_root(sink);
        sink.ready(st.pods.len());
        let ctx = self.ctx(engine);
        let works: Vec<PodWork> = group_by_pod(st.sweep())
            .into_iter()
            .filter_map(|(key, list)| work_for(&st, &key, &list))
            .collect();
        let results: Vec<PodResult> = futures::stream::iter(works)
            .map(|w| diagnose_pod(ctx.clone(), w))
            .buffer_unordered(MAX_TASKS)
            .collect()
            .await;
        let mut out = Vec::new();
        for r in results {
            out.extend(self.absorb(&mut st, &mut run, sink, r));
        }
        out.sort_by(|a, b| batch_order(&a.2, &b.2));
        let mut ledger = EventLedger::default();
        for (key, c, d) in out {
            if let Some(write) = self.publish(&mut st, &mut run, sink, &mut ledger, &key, &c, &d)? {
                let w = write.await;
                self.emitted(&mut run, sink, &mut ledger, &key, w);
            }
        }
        Ok(run.summary)
    }

    /// Watch until `shutdown` completes (e.g. Ctrl-C), delivering diagnoses to `sink`.
    ///
    /// Fails only at start-up (no such namespace, forbidden, unreachable) or when the sink
    /// fails; afterwards every API failure is retried with back-off, counted in the metrics
    /// and reported through [`Sink::notice`].
    ///
    /// The loop itself never waits on the network or the engine: each pod's evidence is
    /// gathered and diagnosed by a task (at most [`MAX_TASKS`] at once, one per pod), every
    /// request has a deadline ([`WatchOptions::request_timeout`]), so one log that never
    /// arrives delays only its pod, and `shutdown` is honoured at once, start-up included.
    pub async fn run<F>(&self, sink: &mut dyn Sink, shutdown: F) -> Result<WatchSummary, WatchError>
    where
        F: Future<Output = ()>,
    {
        tokio::pin!(shutdown);
        let engine = tokio::select! {
            biased;
            _ = &mut shutdown => return Ok(WatchSummary::default()),
            r = async {
                self.preflight(true).await?;
                Ok::<_, WatchError>(self.engine().await)
            } => r?,
        };
        self.check_log_root(sink);
        let ctx = self.ctx(engine);
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
        let mut pipe = Pipeline::default();
        let mut ledger = EventLedger::default();
        let mut emits: JoinSet<(PodKey, Written)> = JoinSet::new();
        let (mut pods_listed, mut events_listed, mut synced) = (false, false, false);
        let events_wait = tokio::time::sleep(EVENTS_SYNC_WAIT);
        tokio::pin!(events_wait);
        let mut gauges = tokio::time::interval(Duration::from_secs(5));
        gauges.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let step = tokio::select! {
                biased;
                _ = &mut shutdown => break,
                _ = gauges.tick() => {
                    self.metrics.held(st.pods.len(), st.event_count(), st.logs.bytes());
                    continue;
                }
                Some(done) = pipe.tasks.join_next(), if !pipe.tasks.is_empty() => Step::Done(done),
                Some(w) = emits.join_next(), if !emits.is_empty() => Step::Emitted(w),
                _ = &mut events_wait, if pods_listed && !synced => Step::Tick,
                m = stream.next() => match m {
                    Some(m) => Step::Msg(m),
                    None => break, // watcher streams never end; be safe anyway
                },
            };
            let mut jobs: Vec<(PodKey, String, Trigger)> = Vec::new();
            match step {
                Step::Tick => {}
                Step::Done(Ok(r)) => {
                    pipe.busy.remove(&r.key);
                    let mut out = self.absorb(&mut st, &mut run, sink, r);
                    out.sort_by(|a, b| batch_order(&a.2, &b.2));
                    for (key, c, d) in out {
                        if let Some(write) =
                            self.publish(&mut st, &mut run, sink, &mut ledger, &key, &c, &d)?
                        {
                            emits.spawn(async move { (key, write.await) });
                        }
                    }
                }
                // A task panicked (a bug): its pod stays busy no longer.
                Step::Done(Err(e)) => {
                    pipe.busy.retain(|_, id| *id != e.id());
                    run.summary.errors += 1;
                    sink.notice(&format!("a diagnosis task failed: {e}"));
                }
                Step::Emitted(Ok((key, w))) => self.emitted(&mut run, sink, &mut ledger, &key, w),
                Step::Emitted(Err(_)) => {}
                Step::Msg(Msg::Pod(ev)) => match *ev {
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
                Step::Msg(Msg::Event(ev)) => match *ev {
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
                Step::Msg(Msg::PodError(e)) => self.transient(
                    &mut run,
                    sink,
                    describe_watch_error(&e, self.access("watch", "pods")),
                ),
                Step::Msg(Msg::EventError(e)) => self.transient(
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
            pipe.queue(jobs);
            pipe.pump(&st, &ctx);
        }
        // Dropping the task sets aborts what is in flight (blocking scans finish unseen).
        Ok(run.summary)
    }

    fn transient(&self, run: &mut RunState, sink: &mut dyn Sink, what: String) {
        self.metrics.watch_error();
        run.summary.errors += 1;
        sink.notice(&format!("{what}; retrying with back-off"));
    }

    fn update_health(&self, st: &Tracker, key: &PodKey) {
        if let Some(p) = st.pods.get(key) {
            for (name, c) in p.containers.iter() {
                if c.printed.is_some() {
                    self.metrics.health(&key.0, &key.1, name, c.fp.healthy());
                }
            }
        }
    }

    /// Take in a task's result: cache its scans, report unreadable logs, and return its
    /// diagnoses (none if the pod is gone or was replaced meanwhile).
    fn absorb(
        &self,
        st: &mut Tracker,
        run: &mut RunState,
        sink: &mut dyn Sink,
        r: PodResult,
    ) -> Vec<(PodKey, String, Diagnosis)> {
        if st.pods.get(&r.key).is_none_or(|p| p.uid != r.uid) {
            return Vec::new();
        }
        for (c, log_key, scans) in r.fetched {
            st.logs.put(&r.key, &c, log_key, scans);
        }
        for (c, e) in r.errors {
            self.log_error(run, sink, &r.key, &c, e);
        }
        let key = r.key;
        r.diagnoses
            .into_iter()
            .map(|(c, d)| (key.clone(), c, d))
            .collect()
    }

    /// Deliver a diagnosis if it is news; with `--emit-events`, returns the Event write to run
    /// (when the pod's rate limit allows one).
    #[allow(clippy::too_many_arguments)]
    fn publish(
        &self,
        st: &mut Tracker,
        run: &mut RunState,
        sink: &mut dyn Sink,
        ledger: &mut EventLedger,
        key: &PodKey,
        c: &str,
        d: &Diagnosis,
    ) -> Result<Option<impl Future<Output = Written> + Send + 'static>, WatchError> {
        if !st.record_if_new(key, c, d) {
            return Ok(None);
        }
        // Metrics first: whoever sees the diagnosis can already scrape it.
        self.metrics.diagnosed(&key.0, &key.1, c, d.cause);
        let Some(p) = st.pods.get(key) else {
            return Ok(None);
        };
        let init = p.containers.get(c).is_some_and(|ce| {
            self.metrics.health(&key.0, &key.1, c, ce.fp.healthy());
            ce.init
        });
        sink.diagnosis(d)?;
        run.summary.printed += 1;
        if !self.opts.emit_events || run.emit_disabled {
            return Ok(None);
        }
        if !ledger.allow(key, std::time::Instant::now()) {
            self.metrics.event_suppressed();
            return Ok(None);
        }
        let name = emit::event_name(key, &p.uid, c, d);
        let event = emit::diagnosis_event(key, &name, &p.uid, c, init, d);
        let known = ledger.count(&name);
        Ok(Some(emit::write(
            self.client.clone(),
            key.clone(),
            name,
            known,
            event,
            self.opts.request_timeout,
        )))
    }

    /// Take in the outcome of an Event write.
    fn emitted(
        &self,
        run: &mut RunState,
        sink: &mut dyn Sink,
        ledger: &mut EventLedger,
        key: &PodKey,
        w: Written,
    ) {
        match w {
            Written::Count(name, n) => ledger.wrote(name, n),
            Written::Forbidden(msg) => {
                if !run.emit_disabled {
                    run.emit_disabled = true;
                    let access = Access {
                        verb: "create",
                        resource: "events",
                        namespace: Some(&key.0),
                    };
                    let msg = forbidden_message(&msg, access);
                    sink.notice(&format!(
                        "{}; --emit-events is off from now on",
                        msg.lines().next().unwrap_or_default()
                    ));
                }
            }
            Written::Failed(why) => {
                self.metrics.watch_error();
                run.summary.errors += 1;
                sink.notice(&format!(
                    "cannot write an event on pod {}/{}: {why}",
                    key.0, key.1
                ));
            }
        }
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
        if !matches!(e, LogError::File(_)) {
            self.metrics.watch_error();
        }
        run.summary.errors += 1;
        match e {
            LogError::File(e) => sink.notice(&format!(
                "cannot read the log of {}/{}/{container} from {e}; diagnosing without it",
                key.0, key.1
            )),
            LogError::Timeout(t) => sink.notice(&format!(
                "the log of {}/{}/{container} did not arrive within {}s; diagnosing without it",
                key.0,
                key.1,
                t.as_secs_f64()
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
}

/// What the loop waits for next.
enum Step {
    Msg(Msg),
    Done(Result<PodResult, tokio::task::JoinError>),
    Emitted(Result<(PodKey, Written), tokio::task::JoinError>),
    Tick,
}

/// The pods waiting for a diagnosis task and the tasks running: one task per pod at a time
/// (a second trigger waits and merges with the next), at most [`MAX_TASKS`] in all.
#[derive(Default)]
struct Pipeline {
    tasks: JoinSet<PodResult>,
    /// Pods with a task in flight.
    busy: HashMap<PodKey, tokio::task::Id>,
    queued: BTreeMap<PodKey, Vec<(String, Trigger)>>,
}

impl Pipeline {
    fn queue(&mut self, jobs: Vec<(PodKey, String, Trigger)>) {
        for (key, c, t) in jobs {
            let v = self.queued.entry(key).or_default();
            match v.iter_mut().find(|(x, _)| *x == c) {
                // A first sight must pass triage; any other trigger need not.
                Some(slot) => slot.1 = slot.1.max(t),
                None => v.push((c, t)),
            }
        }
    }

    fn pump(&mut self, st: &Tracker, ctx: &Arc<Ctx>) {
        if self.queued.is_empty() || self.tasks.len() >= MAX_TASKS {
            return;
        }
        let ready: Vec<PodKey> = self
            .queued
            .keys()
            .filter(|k| !self.busy.contains_key(*k))
            .take(MAX_TASKS - self.tasks.len())
            .cloned()
            .collect();
        for key in ready {
            let Some(list) = self.queued.remove(&key) else {
                continue;
            };
            if let Some(work) = work_for(st, &key, &list) {
                let handle = self.tasks.spawn(diagnose_pod(ctx.clone(), work));
                self.busy.insert(key, handle.id());
            }
        }
    }
}

/// Jobs grouped by pod, each container once.
fn group_by_pod(jobs: Vec<(PodKey, String, Trigger)>) -> BTreeMap<PodKey, Vec<(String, Trigger)>> {
    let mut by_pod: BTreeMap<PodKey, Vec<(String, Trigger)>> = BTreeMap::new();
    for (k, c, t) in jobs {
        let v = by_pod.entry(k).or_default();
        if !v.iter().any(|(x, _)| *x == c) {
            v.push((c, t));
        }
    }
    by_pod
}

/// A task's snapshot of a pod: its trimmed object and events, and per container the crash at
/// hand and the scans already cached for it. None for a pod without an object (healthy: there
/// is nothing to diagnose) or gone.
fn work_for(st: &Tracker, key: &PodKey, list: &[(String, Trigger)]) -> Option<PodWork> {
    let entry = st.pods.get(key)?;
    let mut objects = vec![entry.object.clone()?];
    objects.extend(st.events_for(key));
    let containers = list
        .iter()
        .filter_map(|(c, trigger)| {
            let ce = entry.containers.get(c)?;
            let log_key = ce.fp.log_key();
            Some(ContainerWork {
                name: c.clone(),
                trigger: *trigger,
                cached: st.logs.get(key, c, &log_key).map(<[_]>::to_vec),
                log_key,
                restarts: u32::try_from(ce.fp.restarts).unwrap_or(0),
                waiting: ce.fp.waiting.is_some(),
            })
        })
        .collect::<Vec<_>>();
    (!containers.is_empty()).then(|| PodWork {
        key: key.clone(),
        uid: entry.uid.clone(),
        objects,
        containers,
    })
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

/// The batch report's order: known causes first, then pods that exist, then confidence.
fn batch_order(a: &Diagnosis, b: &Diagnosis) -> std::cmp::Ordering {
    let known = |d: &Diagnosis| d.cause != Cause::Unknown;
    known(b)
        .cmp(&known(a))
        .then(b.has_status.cmp(&a.has_status))
        .then(b.confidence.total_cmp(&a.confidence))
        .then(a.display_name().cmp(&b.display_name()))
}
