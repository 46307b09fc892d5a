//! The two drivers: [`Watcher::once`] (list, diagnose what is failing, return) and
//! [`Watcher::run`], the watch loop that merges the pods and events watches, keeps the
//! [`Tracker`] up to date and hands pods to diagnosis tasks without ever waiting itself.

use std::future::Future;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::runtime::{watcher, WatchStreamExt};
use tokio::task::JoinSet;

use super::emit::{EventLedger, Written};
use super::error::describe_watch_error;
use super::fingerprint::Trigger;
use super::pipeline::{group_by_pod, work_for, Pipeline};
use super::preflight::list_all;
use super::publish::RunState;
use super::state::{PodKey, Tracker};
use super::work::{diagnose_pod, PodResult, PodWork};
use super::{Connection, Sink, WatchError, WatchOptions, WatchSummary, Watcher, MAX_TASKS};

/// How long start-up waits for the events list once pods are listed, before diagnosing
/// without them (events then still count for later diagnoses).
const EVENTS_SYNC_WAIT: Duration = Duration::from_secs(3);

/// What the merged pod and event streams yield.
enum Msg {
    // Boxed: the objects are kilobytes inline, the errors are small.
    Pod(Box<watcher::Event<Pod>>),
    Event(Box<watcher::Event<Event>>),
    PodError(watcher::Error),
    EventError(watcher::Error),
}

/// What the loop waits for next.
enum Step {
    Msg(Msg),
    Done(Result<PodResult, tokio::task::JoinError>),
    Emitted(Result<(PodKey, Written), tokio::task::JoinError>),
    Tick,
}

impl Watcher {
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
        out.sort_by(|a, b| crate::Diagnosis::report_order(&a.2, &b.2));
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
                    out.sort_by(|a, b| crate::Diagnosis::report_order(&a.2, &b.2));
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
