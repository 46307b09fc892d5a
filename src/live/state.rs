//! What the watch loop remembers between API events, kept small: per pod a compact
//! [`Fingerprint`] of each container (what triage and change detection need), the trimmed Pod
//! object only while the pod is in trouble, events only for pods that may need them (bounded
//! per pod and in total, see `state/events.rs`), the scans of fetched logs under a byte budget
//! ([`LogCache`]), and what was printed (to deduplicate). Pure bookkeeping, no I/O, so the
//! trigger and dedup rules are unit-tested (`state/tests.rs`).

mod events;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet, VecDeque};

use k8s_openapi::api::core::v1::Pod;
use serde_json::Value;

use super::fingerprint::{now_secs, trigger, Fingerprint, Trigger};
use super::logcache::LogCache;
use crate::cause::Cause;
use crate::diagnose::Diagnosis;

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
