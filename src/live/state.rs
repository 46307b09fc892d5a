//! What the watch loop remembers between API events, kept small: per pod a compact
//! [`Fingerprint`] of each container (what triage and change detection need), the trimmed Pod
//! object only while the pod is in trouble, events only for pods that may need them (bounded
//! per pod and in total), the scans of fetched logs under a byte budget, and what was printed
//! (to deduplicate). Pure bookkeeping, no I/O, so the trigger and dedup rules are unit-tested
//! here. Whether a container is in trouble is [`crate::diagnose::status_in_trouble`]'s call,
//! the same triage batch mode uses.

use std::collections::{HashMap, HashSet, VecDeque};

use k8s_openapi::api::core::v1::{ContainerStateTerminated, ContainerStatus, Event, Pod};
use serde_json::{json, Value};

use crate::cause::Cause;
use crate::diagnose::{status_in_trouble, Diagnosis};
use crate::incident::{self, ContainerState, Location, Terminated};
use crate::ingest::ScannedLog;

/// `(namespace, pod name)`.
pub(crate) type PodKey = (String, String);

/// The reason podmortem's own `--emit-events` events carry. They are never evidence: feeding
/// our own verdict back into the engine would make it confirm itself.
pub(crate) const OWN_EVENT_REASON: &str = "PodmortemDiagnosis";

/// Events kept per pod (the most recent ones): enough for every kubelet reason about a crash
/// loop, not a history.
const EVENTS_PER_POD: usize = 24;
/// Events kept in total for pods not in trouble (a cluster's warnings about healthy pods, e.g.
/// readiness failures, would otherwise grow with the cluster). Pods in trouble always get
/// theirs, within [`EVENTS_PER_POD`].
const EVENTS_HEALTHY_TOTAL: usize = 4096;
/// Scans of fetched logs kept in total; beyond it the oldest are dropped (and fetched again if
/// that crash is diagnosed again).
pub(crate) const LOG_CACHE_BYTES: usize = 8 << 20;

/// Unix seconds of a Kubernetes timestamp.
fn secs(t: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time) -> i64 {
    t.0.as_second()
}

/// A termination, compactly: what triage reads plus an identity to notice a new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Term {
    pub reason: Option<Box<str>>,
    pub exit_code: i32,
    pub finished_at: Option<i64>,
    /// The container id, else finish time + reason + code, hashed: a new crash has a new one.
    pub id: u64,
}

impl Term {
    fn of(t: &ContainerStateTerminated) -> Term {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        match &t.container_id {
            Some(id) => id.hash(&mut h),
            None => (
                t.finished_at.as_ref().map(secs),
                t.reason.as_deref(),
                t.exit_code,
            )
                .hash(&mut h),
        }
        Term {
            reason: t.reason.as_deref().map(Into::into),
            exit_code: t.exit_code,
            finished_at: t.finished_at.as_ref().map(secs),
            id: h.finish(),
        }
    }

    fn to_incident(&self) -> Terminated {
        Terminated {
            reason: self.reason.as_deref().map(String::from),
            exit_code: Some(self.exit_code),
            signal: None,
            message: None,
            started_at: None,
            finished_at: None,
        }
    }
}

/// What is remembered of a container status: phase of the container (waiting reason, running
/// and since when, ready, terminated), last termination and restart count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Fingerprint {
    pub restarts: i32,
    /// `state.waiting.reason`.
    pub waiting: Option<Box<str>>,
    /// `state.running.startedAt` (Unix seconds; `Some(0)` when running without a time).
    pub running_since: Option<i64>,
    pub ready: bool,
    /// `state.terminated`.
    pub terminated: Option<Term>,
    /// `lastState.terminated`.
    pub last_term: Option<Term>,
}

impl Fingerprint {
    pub(crate) fn of(cs: &ContainerStatus) -> Fingerprint {
        let state = cs.state.as_ref();
        Fingerprint {
            restarts: cs.restart_count,
            waiting: state
                .and_then(|s| s.waiting.as_ref())
                .map(|w| w.reason.as_deref().unwrap_or("").into()),
            running_since: state
                .and_then(|s| s.running.as_ref())
                .map(|r| r.started_at.as_ref().map_or(0, secs)),
            ready: cs.ready,
            terminated: state.and_then(|s| s.terminated.as_ref()).map(Term::of),
            last_term: cs
                .last_state
                .as_ref()
                .and_then(|s| s.terminated.as_ref())
                .map(Term::of),
        }
    }

    /// Running and ready.
    pub(crate) fn healthy(&self) -> bool {
        self.ready && self.running_since.is_some()
    }

    /// The status as triage reads it.
    fn status(&self) -> incident::ContainerStatus {
        let state = if let Some(w) = &self.waiting {
            Some(ContainerState::Waiting {
                reason: (!w.is_empty()).then(|| w.to_string()),
                message: None,
            })
        } else if self.running_since.is_some() {
            Some(ContainerState::Running { started_at: None })
        } else {
            self.terminated
                .as_ref()
                .map(|t| ContainerState::Terminated(t.to_incident()))
        };
        incident::ContainerStatus {
            state,
            last_terminated: self.last_term.as_ref().map(Term::to_incident),
            restart_count: Some(u32::try_from(self.restarts).unwrap_or(0)),
            ready: Some(self.ready),
            source: Location::default(),
        }
    }

    /// Whether triage says this container is in trouble at Unix time `now`.
    pub(crate) fn in_trouble(&self, now: i64) -> bool {
        let restarted_at = self
            .running_since
            .filter(|&t| t > 0)
            .or_else(|| self.last_term.as_ref().and_then(|t| t.finished_at));
        let age = restarted_at.and_then(|t| u64::try_from(now.checked_sub(t)?).ok());
        status_in_trouble(&self.status(), age)
    }

    /// The key under which a fetched log stays valid: a new crash means a new previous log.
    pub(crate) fn log_key(&self) -> String {
        format!(
            "{}|{:x}|{:x}",
            self.restarts,
            self.last_term.as_ref().map_or(0, |t| t.id),
            self.terminated.as_ref().map_or(0, |t| t.id)
        )
    }
}

/// The current Unix time.
pub(crate) fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Why a container is being (re)diagnosed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Trigger {
    /// Seen for the first time (start-up, a new pod, a relist): diagnosed only if the engine
    /// finds it failing, exactly like batch mode.
    FirstSight,
    /// It crashed: restart count up, a new `lastState.terminated` (e.g. OOMKilled appearing),
    /// or a failed termination.
    Crash,
    /// It entered a back-off waiting state.
    BackOff,
    /// New events about a pod with an open incident.
    Events,
}

impl Trigger {
    /// Whether the container must pass `is_failing` to be reported.
    pub(crate) fn gated(self) -> bool {
        matches!(self, Trigger::FirstSight)
    }
}

fn trigger(prev: Option<&Fingerprint>, cur: &Fingerprint, now: i64) -> Option<Trigger> {
    let trouble = cur.in_trouble(now);
    let Some(prev) = prev else {
        return trouble.then_some(Trigger::FirstSight);
    };
    let new_term = |a: &Option<Term>, b: &Option<Term>| {
        a.as_ref()
            .is_some_and(|t| b.as_ref().is_none_or(|p| p.id != t.id))
    };
    let crashed = cur.restarts > prev.restarts
        || new_term(&cur.last_term, &prev.last_term)
        || (trouble && new_term(&cur.terminated, &prev.terminated));
    if crashed {
        return Some(Trigger::Crash);
    }
    // A new waiting reason that triage calls trouble: CrashLoopBackOff, ImagePullBackOff, …
    (trouble && cur.waiting.is_some() && cur.waiting != prev.waiting).then_some(Trigger::BackOff)
}

/// What was last printed for a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Printed {
    pub cause: Cause,
    /// The rule of the top evidence line.
    pub rule: String,
    /// The restart count when printed.
    pub restarts: i32,
}

/// One container of a tracked pod.
#[derive(Debug, Clone, Default)]
pub(crate) struct ContainerEntry {
    pub fp: Fingerprint,
    pub init: bool,
    pub printed: Option<Printed>,
}

/// A tracked pod.
#[derive(Debug, Clone)]
pub(crate) struct PodEntry {
    pub uid: String,
    pub resource_version: String,
    pub deleting: bool,
    /// The trimmed Pod JSON (what [`crate::ingest::assemble_scanned`] reads), kept only while
    /// the pod is in trouble or has an open incident: healthy pods cost their fingerprints.
    pub object: Option<Value>,
    pub containers: Containers,
}

/// A pod's containers, by name: a pod has one to a few, so a vector sized to fit. (A `BTreeMap`
/// allocates a node for eleven entries: about 2.5 KiB per pod, most of a healthy pod's cost.)
#[derive(Debug, Clone, Default)]
pub(crate) struct Containers(Vec<(Box<str>, ContainerEntry)>);

impl Containers {
    pub(crate) fn get(&self, name: &str) -> Option<&ContainerEntry> {
        self.0.iter().find(|(n, _)| **n == *name).map(|(_, c)| c)
    }

    pub(crate) fn get_mut(&mut self, name: &str) -> Option<&mut ContainerEntry> {
        self.0
            .iter_mut()
            .find(|(n, _)| **n == *name)
            .map(|(_, c)| c)
    }

    /// The entry for `name`, and whether it existed before.
    fn entry(&mut self, name: &str, init: bool) -> (bool, &mut ContainerEntry) {
        match self.0.iter().position(|(n, _)| **n == *name) {
            Some(i) => (true, &mut self.0[i].1),
            None => {
                self.0.reserve_exact(1);
                self.0.push((
                    name.into(),
                    ContainerEntry {
                        init,
                        ..ContainerEntry::default()
                    },
                ));
                let last = self.0.len() - 1;
                (false, &mut self.0[last].1)
            }
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &ContainerEntry)> {
        self.0.iter().map(|(n, c)| (&**n, c))
    }

    fn values(&self) -> impl Iterator<Item = &ContainerEntry> {
        self.0.iter().map(|(_, c)| c)
    }
}

impl PodEntry {
    /// Whether the pod may need diagnosing: a container in trouble, reported (its incident
    /// may still change), or not running yet (stuck creating: the kubelet's events may soon
    /// say why). Running-and-ready and finished containers need only their fingerprints.
    fn needs_object(&self, now: i64) -> bool {
        self.containers.values().any(|c| {
            c.printed.is_some()
                || c.fp.in_trouble(now)
                || (!c.fp.healthy() && c.fp.terminated.is_none())
        })
    }
}

/// The top evidence rule of a diagnosis ("" when it rests on nothing).
pub(crate) fn top_rule(d: &Diagnosis) -> &str {
    d.evidence.first().map_or("", |e| e.rule.as_str())
}

/// An event, reduced to what ingest reads.
#[derive(Debug, Clone)]
struct KeptEvent {
    name: Box<str>,
    rv: Box<str>,
    value: Value,
}

/// Scans of fetched logs per container, under a byte budget.
#[derive(Debug, Default)]
pub(crate) struct LogCache {
    entries: HashMap<(PodKey, String), CachedLogs>,
    bytes: usize,
    seq: u64,
}

#[derive(Debug)]
struct CachedLogs {
    log_key: String,
    logs: Vec<ScannedLog>,
    bytes: usize,
    seq: u64,
}

impl LogCache {
    /// The scans fetched for this crash of the container, if still cached.
    pub(crate) fn get(
        &self,
        key: &PodKey,
        container: &str,
        log_key: &str,
    ) -> Option<&[ScannedLog]> {
        self.entries
            .get(&(key.clone(), container.to_string()))
            .filter(|c| c.log_key == log_key)
            .map(|c| c.logs.as_slice())
    }

    /// Cache `logs` for this crash, dropping the oldest entries beyond [`LOG_CACHE_BYTES`].
    pub(crate) fn put(
        &mut self,
        key: &PodKey,
        container: &str,
        log_key: String,
        logs: Vec<ScannedLog>,
    ) {
        self.remove(&(key.clone(), container.to_string()));
        let bytes: usize = logs.iter().map(ScannedLog::approx_bytes).sum::<usize>() + log_key.len();
        if bytes > LOG_CACHE_BYTES {
            return;
        }
        while self.bytes + bytes > LOG_CACHE_BYTES {
            let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, c)| c.seq)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            self.remove(&oldest);
        }
        self.seq += 1;
        self.bytes += bytes;
        self.entries.insert(
            (key.clone(), container.to_string()),
            CachedLogs {
                log_key,
                logs,
                bytes,
                seq: self.seq,
            },
        );
    }

    fn remove(&mut self, k: &(PodKey, String)) {
        if let Some(c) = self.entries.remove(k) {
            self.bytes -= c.bytes;
        }
    }

    fn forget_pod(&mut self, key: &PodKey) {
        let gone: Vec<_> = self
            .entries
            .keys()
            .filter(|(p, _)| p == key)
            .cloned()
            .collect();
        for k in gone {
            self.remove(&k);
        }
    }

    /// Bytes held.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }
}

/// Everything the watch loop knows.
#[derive(Debug, Default)]
pub(crate) struct Tracker {
    pub pods: HashMap<PodKey, PodEntry>,
    /// Pod → its most recent events.
    events: HashMap<PodKey, VecDeque<KeptEvent>>,
    /// Events kept about pods not in trouble (bounded by [`EVENTS_HEALTHY_TOTAL`]).
    healthy_events: usize,
    pod_relist: Option<HashSet<PodKey>>,
    event_relist: Option<HashSet<PodKey>>,
    /// `(namespace, event name)` → pod, so deletions and relists can find an event.
    event_owner: HashMap<PodKey, PodKey>,
    /// Node-local mode, once the pods are listed: events about pods not tracked here (the
    /// events watch cannot be narrowed to a node) are not kept.
    known_pods_only: bool,
    /// Scans of the logs fetched for the crashes at hand.
    pub logs: LogCache,
}

fn pod_key(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> PodKey {
    (
        meta.namespace.clone().unwrap_or_else(|| "default".into()),
        meta.name.clone().unwrap_or_default(),
    )
}

/// The Pod as JSON without what diagnosis never reads (managed fields, the last-applied
/// annotation): a pod in trouble is kept whole otherwise.
fn trimmed_pod(pod: &Pod) -> Value {
    let mut v = serde_json::to_value(pod).unwrap_or(Value::Null);
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
        if let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            a.remove("kubectl.kubernetes.io/last-applied-configuration");
        }
    }
    v
}

/// An event as JSON, with only the fields ingest reads.
fn trimmed_event(ev: &Event) -> Value {
    let o = &ev.involved_object;
    let mut v = json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": ev.metadata.name, "namespace": ev.metadata.namespace},
        "involvedObject": {"kind": o.kind, "namespace": o.namespace, "name": o.name,
            "uid": o.uid, "fieldPath": o.field_path},
        "reason": ev.reason,
        "message": ev.message,
        "type": ev.type_,
        "count": ev.count,
        "firstTimestamp": ev.first_timestamp,
        "lastTimestamp": ev.last_timestamp,
        "eventTime": ev.event_time,
    });
    if let Some(series) = &ev.series {
        v["series"] = json!({"count": series.count, "lastObservedTime": series.last_observed_time});
    }
    v
}

impl Tracker {
    /// Record a pod's new state and return the containers to diagnose.
    pub(crate) fn apply_pod(&mut self, pod: &Pod) -> (PodKey, Vec<(String, Trigger)>) {
        self.apply_pod_at(pod, now_secs())
    }

    pub(crate) fn apply_pod_at(&mut self, pod: &Pod, now: i64) -> (PodKey, Vec<(String, Trigger)>) {
        let key = pod_key(&pod.metadata);
        if let Some(set) = &mut self.pod_relist {
            set.insert(key.clone());
        }
        let uid = pod.metadata.uid.clone().unwrap_or_default();
        let rv = pod.metadata.resource_version.clone().unwrap_or_default();
        // Same name, new uid: a StatefulSet pod or a re-created pod is a different pod.
        if self.pods.get(&key).is_some_and(|e| e.uid != uid) {
            self.pods.remove(&key);
            self.logs.forget_pod(&key);
        }
        // Unchanged (a relist repeats every pod): nothing to look at.
        if !rv.is_empty()
            && self
                .pods
                .get(&key)
                .is_some_and(|e| e.resource_version == rv)
        {
            return (key, Vec::new());
        }
        // Events already kept count against the shared allowance while the pod is unknown or
        // healthy.
        let counted_before = self.pods.get(&key).is_none_or(|p| p.object.is_none());
        let entry = self.pods.entry(key.clone()).or_insert_with(|| PodEntry {
            uid: uid.clone(),
            resource_version: String::new(),
            deleting: false,
            object: None,
            containers: Containers::default(),
        });
        entry.resource_version = rv;
        entry.deleting = pod.metadata.deletion_timestamp.is_some();
        // A pod being deleted has its containers killed (exit 137/143): that is not a crash.
        let quiet = entry.deleting
            || pod
                .status
                .as_ref()
                .and_then(|s| s.phase.as_deref())
                .is_some_and(|p| p == "Succeeded");
        let failed_pod = pod.status.as_ref().is_some_and(|s| {
            s.phase.as_deref() == Some("Failed") || s.reason.as_deref() == Some("Evicted")
        });
        let mut jobs = Vec::new();
        let status = pod.status.as_ref();
        let lists = [
            (
                status.and_then(|s| s.init_container_statuses.as_ref()),
                true,
            ),
            (status.and_then(|s| s.container_statuses.as_ref()), false),
        ];
        for (list, init) in lists {
            for cs in list.into_iter().flatten() {
                let fp = Fingerprint::of(cs);
                let (existed, ce) = entry.containers.entry(&cs.name, init);
                let t = trigger(existed.then_some(&ce.fp), &fp, now);
                ce.fp = fp;
                if let (Some(t), false) = (t, quiet) {
                    jobs.push((cs.name.clone(), t));
                }
            }
        }
        entry.object = (failed_pod || entry.needs_object(now)).then(|| trimmed_pod(pod));
        let counted_after = entry.object.is_none();
        if counted_before != counted_after {
            let n = self.events.get(&key).map_or(0, VecDeque::len);
            self.healthy_events = if counted_after {
                self.healthy_events + n
            } else {
                self.healthy_events.saturating_sub(n)
            };
        }
        (key, jobs)
    }

    /// First-sight jobs for every container in trouble (start-up and `--once`).
    pub(crate) fn sweep(&self) -> Vec<(PodKey, String, Trigger)> {
        let now = now_secs();
        let mut out = Vec::new();
        for (key, p) in &self.pods {
            if p.deleting {
                continue;
            }
            for (name, c) in p.containers.iter() {
                if c.fp.in_trouble(now) {
                    out.push((key.clone(), name.to_string(), Trigger::FirstSight));
                }
            }
        }
        out.sort();
        out
    }

    /// Forget a deleted pod.
    pub(crate) fn delete_pod(&mut self, pod: &Pod) -> PodKey {
        let key = pod_key(&pod.metadata);
        self.forget(&key);
        key
    }

    fn forget(&mut self, key: &PodKey) {
        // A deleted pod needs no evidence (a new pod of the same name has a new uid).
        let counted = self.pods.get(key).is_none_or(|p| p.object.is_none());
        if let Some(q) = self.events.remove(key) {
            if counted {
                self.healthy_events = self.healthy_events.saturating_sub(q.len());
            }
            for k in q {
                self.event_owner
                    .remove(&(key.0.clone(), k.name.to_string()));
            }
        }
        self.pods.remove(key);
        self.logs.forget_pod(key);
    }

    /// A pod list/relist starts: pods not seen again before [`end_pod_relist`] are gone.
    pub(crate) fn begin_pod_relist(&mut self) {
        self.pod_relist = Some(HashSet::new());
    }

    /// The relist is complete; returns the pods that disappeared meanwhile.
    pub(crate) fn end_pod_relist(&mut self) -> Vec<PodKey> {
        let Some(seen) = self.pod_relist.take() else {
            return Vec::new();
        };
        let gone: Vec<PodKey> = self
            .pods
            .keys()
            .filter(|k| !seen.contains(*k))
            .cloned()
            .collect();
        for k in &gone {
            self.forget(k);
        }
        gone
    }

    /// Whether events about this pod are worth their memory beyond the shared allowance: it
    /// is in trouble, reported or starting. Events about pods not (or no longer) known share
    /// the allowance with healthy pods: a cluster's events outlive their pods by an hour.
    fn pod_needs_events(&self, pod: &PodKey) -> bool {
        self.pods.get(pod).is_some_and(|p| p.object.is_some())
    }

    /// Index an event; returns its pod when the event is new or changed (a relist repeats
    /// unchanged events: they must not re-trigger anything).
    pub(crate) fn apply_event(&mut self, ev: &Event) -> Option<PodKey> {
        let ek = pod_key(&ev.metadata);
        if let Some(set) = &mut self.event_relist {
            set.insert(ek.clone());
        }
        let obj = &ev.involved_object;
        if obj.kind.as_deref().is_some_and(|k| k != "Pod")
            || ev.reason.as_deref() == Some(OWN_EVENT_REASON)
        {
            return None;
        }
        let pod = (
            obj.namespace.clone().unwrap_or_else(|| ek.0.clone()),
            obj.name.clone()?,
        );
        if self.known_pods_only && !self.pods.contains_key(&pod) {
            return None;
        }
        let rv: Box<str> = ev.metadata.resource_version.as_deref().unwrap_or("").into();
        let kept = self.events.get(&pod);
        if let Some(old) = kept.and_then(|q| q.iter().find(|k| *k.name == *ek.1)) {
            if old.rv == rv && !rv.is_empty() {
                return None;
            }
        }
        let needed = self.pod_needs_events(&pod);
        if !needed {
            // A healthy or unknown pod: only what could explain a crash (warnings, the
            // kubelet's Killing), and only within the shared allowance.
            let useful =
                ev.type_.as_deref() == Some("Warning") || ev.reason.as_deref() == Some("Killing");
            if !useful || self.healthy_events >= EVENTS_HEALTHY_TOTAL {
                return None;
            }
        }
        let value = trimmed_event(ev);
        self.event_owner.insert(ek.clone(), pod.clone());
        let q = self.events.entry(pod.clone()).or_default();
        let before = q.len();
        q.retain(|k| *k.name != *ek.1);
        q.push_back(KeptEvent {
            name: ek.1.as_str().into(),
            rv,
            value,
        });
        let mut dropped = Vec::new();
        while q.len() > EVENTS_PER_POD {
            if let Some(old) = q.pop_front() {
                dropped.push(old.name);
            }
        }
        let after = q.len();
        for name in dropped {
            self.event_owner.remove(&(ek.0.clone(), name.to_string()));
        }
        if !needed {
            self.healthy_events = (self.healthy_events + after).saturating_sub(before);
        }
        Some(pod)
    }

    /// From now on keep events only about tracked pods, and drop those already kept about
    /// others: a node agent sees every event of the cluster but needs its node's only.
    pub(crate) fn keep_events_of_known_pods(&mut self) {
        self.known_pods_only = true;
        let pods = &self.pods;
        self.events.retain(|k, _| pods.contains_key(k));
        self.event_owner.retain(|_, k| pods.contains_key(k));
        self.recount_healthy_events();
    }

    fn recount_healthy_events(&mut self) {
        let pods = &self.pods;
        self.healthy_events = self
            .events
            .iter()
            .filter(|(k, _)| pods.get(*k).is_none_or(|p| p.object.is_none()))
            .map(|(_, q)| q.len())
            .sum();
    }

    /// Forget a deleted event.
    pub(crate) fn delete_event(&mut self, ev: &Event) {
        let ek = pod_key(&ev.metadata);
        self.remove_event(&ek);
    }

    fn remove_event(&mut self, ek: &PodKey) {
        if let Some(pod) = self.event_owner.remove(ek) {
            let healthy = !self.pod_needs_events(&pod);
            if let Some(q) = self.events.get_mut(&pod) {
                let before = q.len();
                q.retain(|k| *k.name != *ek.1);
                if healthy {
                    self.healthy_events = self.healthy_events.saturating_sub(before - q.len());
                }
                if q.is_empty() {
                    self.events.remove(&pod);
                }
            }
        }
    }

    /// An event list/relist starts.
    pub(crate) fn begin_event_relist(&mut self) {
        self.event_relist = Some(HashSet::new());
    }

    /// The event relist is complete: drop events that expired meanwhile.
    pub(crate) fn end_event_relist(&mut self) {
        let Some(seen) = self.event_relist.take() else {
            return;
        };
        let gone: Vec<PodKey> = self
            .event_owner
            .keys()
            .filter(|k| !seen.contains(*k))
            .cloned()
            .collect();
        for k in gone {
            self.remove_event(&k);
        }
        self.recount_healthy_events();
    }

    /// The events about this pod instance (events naming another uid are about a previous pod
    /// of the same name).
    pub(crate) fn events_for(&self, key: &PodKey) -> Vec<Value> {
        let uid = self.pods.get(key).map(|p| p.uid.as_str()).unwrap_or("");
        self.events
            .get(key)
            .into_iter()
            .flatten()
            .filter(|k| {
                let ev_uid = k
                    .value
                    .pointer("/involvedObject/uid")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                uid.is_empty() || ev_uid.is_empty() || ev_uid == uid
            })
            .map(|k| k.value.clone())
            .collect()
    }

    /// How many events are kept (all pods).
    pub(crate) fn event_count(&self) -> usize {
        self.events.values().map(VecDeque::len).sum()
    }

    /// Jobs caused by new events about `key`: open incidents are re-examined (a better cause
    /// may now be visible), and troubled containers never reported get a first look.
    pub(crate) fn event_jobs(&self, key: &PodKey) -> Vec<(String, Trigger)> {
        let Some(p) = self.pods.get(key) else {
            return Vec::new();
        };
        p.containers
            .iter()
            .filter_map(|(name, c)| match (&c.printed, c.fp.healthy()) {
                (Some(_), _) => Some((name.to_string(), Trigger::Events)),
                (None, false) => Some((name.to_string(), Trigger::FirstSight)),
                (None, true) => None,
            })
            .collect()
    }

    /// Whether `d` is news for this container: never printed, a different cause, or a new
    /// restart whose top evidence differs. Records it when it is.
    pub(crate) fn record_if_new(&mut self, key: &PodKey, container: &str, d: &Diagnosis) -> bool {
        let Some(c) = self
            .pods
            .get_mut(key)
            .and_then(|p| p.containers.get_mut(container))
        else {
            return false;
        };
        let rule = top_rule(d);
        let news = match &c.printed {
            None => true,
            Some(p) => p.cause != d.cause || (c.fp.restarts > p.restarts && p.rule != rule),
        };
        if news {
            c.printed = Some(Printed {
                cause: d.cause,
                rule: rule.to_string(),
                restarts: c.fp.restarts,
            });
        }
        news
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A new resourceVersion per object, as the API server gives each change.
    fn next_rv() -> String {
        static RV: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        RV.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            .to_string()
    }

    fn pod(uid: &str, statuses: Value) -> Pod {
        named_pod("api", uid, statuses)
    }

    fn named_pod(name: &str, uid: &str, statuses: Value) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": "shop", "uid": uid, "resourceVersion": next_rv(),
                "managedFields": [{"manager": "kubelet", "fieldsV1": {"f:status": {}}}]},
            "spec": {"containers": [{"name": "app", "image": "x"}]},
            "status": {"phase": "Running", "containerStatuses": statuses}
        }))
        .unwrap()
    }

    fn running(restarts: i32) -> Value {
        json!([{"name": "app", "image": "x", "imageID": "", "ready": true, "restartCount": restarts,
            "state": {"running": {"startedAt": "2024-01-01T00:00:00Z"}}}])
    }

    fn oom_loop(restarts: i32, id: &str) -> Value {
        json!([{"name": "app", "image": "x", "imageID": "", "ready": false, "restartCount": restarts,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled", "containerID": id}}}])
    }

    #[test]
    fn triggers() {
        let mut t = Tracker::default();
        let (_, jobs) = t.apply_pod(&pod("u1", running(0)));
        assert!(jobs.is_empty(), "a healthy pod is not suspicious");
        let (_, jobs) = t.apply_pod(&pod("u1", running(0)));
        assert!(jobs.is_empty());
        let (_, jobs) = t.apply_pod(&pod("u1", oom_loop(1, "c1")));
        assert_eq!(jobs, vec![("app".to_string(), Trigger::Crash)]);
        let (_, jobs) = t.apply_pod(&pod("u1", oom_loop(1, "c1")));
        assert!(jobs.is_empty(), "no change, no trigger");
        let (_, jobs) = t.apply_pod(&pod("u2", oom_loop(1, "c1")));
        assert_eq!(
            jobs,
            vec![("app".to_string(), Trigger::FirstSight)],
            "new uid"
        );
    }

    fn event_about(pod: &str, name: &str) -> Event {
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": "shop", "resourceVersion": "1"},
            "involvedObject": {"kind": "Pod", "namespace": "shop", "name": pod},
            "reason": "BackOff", "message": "Back-off restarting failed container", "type": "Warning"
        }))
        .unwrap()
    }

    #[test]
    fn node_mode_keeps_events_of_its_pods_only() {
        let mut t = Tracker::default();
        t.apply_event(&event_about("elsewhere", "e1"));
        t.apply_event(&event_about("api", "e2"));
        t.apply_pod(&pod("u1", running(0)));
        t.keep_events_of_known_pods();
        let api: PodKey = ("shop".into(), "api".into());
        assert_eq!(t.events_for(&api).len(), 1);
        assert!(t
            .events_for(&("shop".into(), "elsewhere".into()))
            .is_empty());
        assert_eq!(t.event_owner.len(), 1);
        assert_eq!(t.apply_event(&event_about("elsewhere", "e3")), None);
        assert_eq!(t.apply_event(&event_about("api", "e4")), Some(api.clone()));
        assert_eq!(t.events_for(&api).len(), 2);
    }

    #[test]
    fn relist_prunes() {
        let mut t = Tracker::default();
        t.apply_pod(&pod("u1", running(0)));
        t.begin_pod_relist();
        assert_eq!(t.end_pod_relist(), vec![("shop".into(), "api".into())]);
        assert!(t.pods.is_empty());
    }

    #[test]
    fn an_unchanged_resource_version_is_not_looked_at_again() {
        let mut t = Tracker::default();
        let p = pod("u1", running(0));
        t.apply_pod(&p);
        let mut same = pod("u1", oom_loop(1, "c1"));
        same.metadata.resource_version = p.metadata.resource_version.clone();
        let (_, jobs) = t.apply_pod(&same);
        assert!(jobs.is_empty(), "a relist repeating a version is skipped");
    }

    fn warning(pod: &str, name: &str, reason: &str) -> Event {
        let mut e = event_about(pod, name);
        e.reason = Some(reason.into());
        e.metadata.resource_version = Some(next_rv());
        e
    }

    #[test]
    fn healthy_pods_cost_a_fingerprint_and_troubled_ones_keep_their_object() {
        let mut t = Tracker::default();
        for i in 0..100 {
            t.apply_pod(&named_pod(&format!("ok-{i}"), &format!("u{i}"), running(0)));
        }
        t.apply_pod(&named_pod("bad", "ub", oom_loop(2, "c9")));
        let kept: Vec<&str> = t
            .pods
            .iter()
            .filter(|(_, p)| p.object.is_some())
            .map(|(k, _)| k.1.as_str())
            .collect();
        assert_eq!(kept, ["bad"], "only the pod in trouble keeps its object");
        let obj = t.pods[&("shop".to_string(), "bad".to_string())]
            .object
            .as_ref()
            .unwrap();
        assert!(obj.pointer("/metadata/managedFields").is_none(), "trimmed");
        // It recovers (and was never reported): the object goes.
        t.apply_pod(&named_pod("bad", "ub", running(2)));
        assert!(t.pods.values().all(|p| p.object.is_none()));
        // A restart less than 10 minutes ago is still trouble for triage: kept.
        let now = now_secs();
        let recent = json!([{"name": "app", "image": "x", "imageID": "", "ready": true, "restartCount": 1,
            "state": {"running": {"startedAt": "2024-01-01T00:00:00Z"}},
            "lastState": {"terminated": {"exitCode": 0, "reason": "Completed", "containerID": "c1"}}}]);
        let p = named_pod("recent", "ur", recent);
        let started = 1_704_067_200; // 2024-01-01T00:00:00Z
        t.apply_pod_at(&p, started + 60);
        assert!(t.pods[&("shop".to_string(), "recent".to_string())]
            .object
            .is_some());
        let mut p2 = p.clone();
        p2.metadata.resource_version = Some(next_rv());
        t.apply_pod_at(&p2, now.max(started + 3600));
        assert!(t.pods[&("shop".to_string(), "recent".to_string())]
            .object
            .is_none());
    }

    #[test]
    fn events_are_kept_for_pods_in_trouble_and_bounded_for_the_others() {
        let mut t = Tracker::default();
        t.apply_pod(&named_pod("ok", "u1", running(0)));
        t.apply_pod(&named_pod("bad", "u2", oom_loop(1, "c1")));
        // Normal events about a healthy pod are not kept; its warnings are, within bounds.
        let mut normal = warning("ok", "n1", "Started");
        normal.type_ = Some("Normal".into());
        assert_eq!(t.apply_event(&normal), None);
        assert!(t.apply_event(&warning("ok", "w1", "Unhealthy")).is_some());
        for i in 0..100 {
            t.apply_event(&warning("ok", &format!("w-{i}"), "Unhealthy"));
            t.apply_event(&warning("bad", &format!("b-{i}"), "BackOff"));
        }
        let ok = ("shop".to_string(), "ok".to_string());
        let bad = ("shop".to_string(), "bad".to_string());
        assert_eq!(t.events_for(&ok).len(), EVENTS_PER_POD);
        assert_eq!(
            t.events_for(&bad).len(),
            EVENTS_PER_POD,
            "the most recent ones"
        );
        assert!(t
            .events_for(&bad)
            .iter()
            .any(|e| e["metadata"]["name"] == "b-99"));
        assert_eq!(
            t.event_owner.len(),
            2 * EVENTS_PER_POD,
            "evicted ones are forgotten"
        );
        assert_eq!(t.healthy_events, EVENTS_PER_POD);
        // Thousands of healthy pods with warnings stay within the shared allowance.
        for i in 0..EVENTS_HEALTHY_TOTAL + 500 {
            let name = format!("ok-{i}");
            t.apply_pod(&named_pod(&name, &format!("v{i}"), running(0)));
            t.apply_event(&warning(&name, &format!("e-{i}"), "Unhealthy"));
        }
        assert!(
            t.event_count() <= EVENTS_HEALTHY_TOTAL + EVENTS_PER_POD,
            "{}",
            t.event_count()
        );
        // …while a pod in trouble still gets its events.
        assert!(t.apply_event(&warning("bad", "b-new", "BackOff")).is_some());
    }

    #[test]
    fn the_log_cache_stays_within_its_budget() {
        let set = crate::Engine::new();
        let mut cache = LogCache::default();
        let big = "x".repeat(200) + "\n";
        let log = |i: usize| {
            crate::ingest::ApiLog {
                namespace: "shop".into(),
                pod: format!("p{i}"),
                container: "app".into(),
                previous: true,
                text: big.repeat(40),
                source: None,
            }
            .scan(set.patterns())
        };
        let one = log(0).approx_bytes();
        let n = LOG_CACHE_BYTES / one + 10;
        for i in 0..n {
            cache.put(
                &("shop".into(), format!("p{i}")),
                "app",
                "k".into(),
                vec![log(i)],
            );
            assert!(cache.bytes() <= LOG_CACHE_BYTES);
        }
        let key = |i: usize| ("shop".to_string(), format!("p{i}"));
        assert!(
            cache.get(&key(0), "app", "k").is_none(),
            "the oldest went first"
        );
        assert!(cache.get(&key(n - 1), "app", "k").is_some());
        assert!(cache.get(&key(n - 1), "app", "other crash").is_none());
    }

    #[test]
    fn events_of_unknown_and_deleted_pods_are_bounded() {
        let mut t = Tracker::default();
        // Events about pods never seen (deleted before podmortem started): warnings only.
        let mut normal = warning("gone", "n1", "Scheduled");
        normal.type_ = Some("Normal".into());
        assert_eq!(t.apply_event(&normal), None);
        for i in 0..EVENTS_HEALTHY_TOTAL + 100 {
            t.apply_event(&warning(&format!("gone-{i}"), &format!("g-{i}"), "BackOff"));
        }
        assert_eq!(t.event_count(), EVENTS_HEALTHY_TOTAL);
        // A pod in trouble gets its events all the same; deleting it drops them.
        let bad = named_pod("bad", "u2", oom_loop(1, "c1"));
        t.apply_pod(&bad);
        assert!(t.apply_event(&warning("bad", "b-1", "BackOff")).is_some());
        assert_eq!(t.event_count(), EVENTS_HEALTHY_TOTAL + 1);
        t.delete_pod(&bad);
        assert_eq!(t.event_count(), EVENTS_HEALTHY_TOTAL);
        assert_eq!(t.event_owner.len(), EVENTS_HEALTHY_TOTAL);
    }
}
