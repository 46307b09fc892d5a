//! What the watch loop remembers between API events: the pods and their containers' last
//! observed state (to see *changes*), the events index, cached logs, and what was printed (to
//! deduplicate). Pure bookkeeping, no I/O, so the trigger and dedup rules are unit-tested here.

use std::collections::{BTreeMap, HashMap, HashSet};

use k8s_openapi::api::core::v1::{ContainerStatus, Event, Pod};
use serde_json::Value;

use crate::cause::Cause;
use crate::diagnose::Diagnosis;
use crate::ingest::ApiLog;

/// `(namespace, pod name)`.
pub(crate) type PodKey = (String, String);

/// Waiting reasons that mean the kubelet is backing off (the trigger list, plus the
/// image and hook variants the engine also knows).
pub(crate) const BACKOFF_REASONS: &[&str] = &[
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
    "InvalidImageName",
    "ErrImageNeverPull",
    "ImageInspectError",
    "RegistryUnavailable",
    "SignatureValidationFailed",
    "PreStartHookError",
    "PostStartHookError",
    "PreCreateHookError",
];

/// The reason podmortem's own `--emit-events` events carry. They are never evidence: feeding
/// our own verdict back into the engine would make it confirm itself.
pub(crate) const OWN_EVENT_REASON: &str = "PodmortemDiagnosis";

/// The parts of a container status whose change means something happened to the container.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Fingerprint {
    pub restarts: i32,
    /// Identity of `lastState.terminated` (container id, else finish time + reason).
    pub last_term: Option<String>,
    /// `state.waiting.reason`.
    pub waiting: Option<String>,
    /// Identity of a failed `state.terminated` (non-zero exit or OOMKilled).
    pub failed_term: Option<String>,
    /// Running and ready.
    pub healthy: bool,
}

impl Fingerprint {
    pub(crate) fn of(cs: &ContainerStatus) -> Fingerprint {
        let term_id = |t: &k8s_openapi::api::core::v1::ContainerStateTerminated| {
            t.container_id.clone().unwrap_or_else(|| {
                format!(
                    "{}/{}/{}",
                    t.finished_at
                        .as_ref()
                        .map(|x| x.0.to_string())
                        .unwrap_or_default(),
                    t.reason.as_deref().unwrap_or(""),
                    t.exit_code
                )
            })
        };
        let state = cs.state.as_ref();
        Fingerprint {
            restarts: cs.restart_count,
            last_term: cs
                .last_state
                .as_ref()
                .and_then(|s| s.terminated.as_ref())
                .map(term_id),
            waiting: state
                .and_then(|s| s.waiting.as_ref())
                .and_then(|w| w.reason.clone()),
            failed_term: state
                .and_then(|s| s.terminated.as_ref())
                .filter(|t| t.exit_code != 0 || t.reason.as_deref() == Some("OOMKilled"))
                .map(term_id),
            healthy: cs.ready && state.is_some_and(|s| s.running.is_some()),
        }
    }

    /// Whether this container might deserve a diagnosis on first sight (the engine's
    /// `is_failing` decides); running-and-ready containers that never restarted cannot.
    fn suspicious(&self) -> bool {
        !self.healthy || self.restarts > 0 || self.failed_term.is_some()
    }

    /// The key under which a fetched log stays valid: a new crash means a new previous log.
    pub(crate) fn log_key(&self) -> String {
        format!(
            "{}|{}|{}",
            self.restarts,
            self.last_term.as_deref().unwrap_or(""),
            self.failed_term.as_deref().unwrap_or("")
        )
    }
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

fn trigger(prev: Option<&Fingerprint>, cur: &Fingerprint) -> Option<Trigger> {
    let Some(prev) = prev else {
        return cur.suspicious().then_some(Trigger::FirstSight);
    };
    let crashed = cur.restarts > prev.restarts
        || (cur.last_term.is_some() && cur.last_term != prev.last_term)
        || (cur.failed_term.is_some() && cur.failed_term != prev.failed_term);
    if crashed {
        return Some(Trigger::Crash);
    }
    let backoff = cur
        .waiting
        .as_deref()
        .is_some_and(|r| BACKOFF_REASONS.contains(&r));
    (backoff && cur.waiting != prev.waiting).then_some(Trigger::BackOff)
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
    /// Logs fetched for the crash identified by the key.
    pub logs: Option<(String, Vec<ApiLog>)>,
}

/// A tracked pod.
#[derive(Debug, Clone)]
pub(crate) struct PodEntry {
    pub uid: String,
    /// The Pod as JSON, what [`crate::ingest::assemble`] reads.
    pub object: Value,
    pub containers: BTreeMap<String, ContainerEntry>,
}

/// The top evidence rule of a diagnosis ("" when it rests on nothing).
pub(crate) fn top_rule(d: &Diagnosis) -> &str {
    d.evidence.first().map_or("", |e| e.rule.as_str())
}

/// Everything the watch loop knows.
#[derive(Debug, Default)]
pub(crate) struct Tracker {
    pub pods: HashMap<PodKey, PodEntry>,
    /// Pod → event name → (resourceVersion, event JSON).
    events: HashMap<PodKey, BTreeMap<String, (String, Value)>>,
    pod_relist: Option<HashSet<PodKey>>,
    event_relist: Option<HashSet<PodKey>>,
    /// `(namespace, event name)` → pod, so deletions and relists can find an event.
    event_owner: HashMap<PodKey, PodKey>,
    /// Node-local mode, once the pods are listed: events about pods not tracked here (the
    /// events watch cannot be narrowed to a node) are not kept.
    known_pods_only: bool,
}

fn pod_key(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> PodKey {
    (
        meta.namespace.clone().unwrap_or_else(|| "default".into()),
        meta.name.clone().unwrap_or_default(),
    )
}

impl Tracker {
    /// Record a pod's new state and return the containers to diagnose.
    pub(crate) fn apply_pod(&mut self, pod: &Pod) -> (PodKey, Vec<(String, Trigger)>) {
        let key = pod_key(&pod.metadata);
        if let Some(set) = &mut self.pod_relist {
            set.insert(key.clone());
        }
        let uid = pod.metadata.uid.clone().unwrap_or_default();
        // Same name, new uid: a StatefulSet pod or a re-created pod is a different pod.
        if self.pods.get(&key).is_some_and(|e| e.uid != uid) {
            self.pods.remove(&key);
        }
        let object = serde_json::to_value(pod).unwrap_or(Value::Null);
        let entry = self.pods.entry(key.clone()).or_insert_with(|| PodEntry {
            uid: uid.clone(),
            object: Value::Null,
            containers: BTreeMap::new(),
        });
        entry.object = object;
        // A pod being deleted has its containers killed (exit 137/143): that is not a crash.
        let quiet = pod.metadata.deletion_timestamp.is_some()
            || pod
                .status
                .as_ref()
                .and_then(|s| s.phase.as_deref())
                .is_some_and(|p| p == "Succeeded");
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
                let c = entry.containers.entry(cs.name.clone());
                let (prev, ce) = match c {
                    std::collections::btree_map::Entry::Occupied(o) => {
                        let ce = o.into_mut();
                        (Some(ce.fp.clone()), ce)
                    }
                    std::collections::btree_map::Entry::Vacant(v) => (
                        None,
                        v.insert(ContainerEntry {
                            init,
                            ..ContainerEntry::default()
                        }),
                    ),
                };
                let t = trigger(prev.as_ref(), &fp);
                ce.fp = fp;
                if let (Some(t), false) = (t, quiet) {
                    jobs.push((cs.name.clone(), t));
                }
            }
        }
        (key, jobs)
    }

    /// First-sight jobs for every suspicious container (start-up and `--once`).
    pub(crate) fn sweep(&self) -> Vec<(PodKey, String, Trigger)> {
        let mut out = Vec::new();
        for (key, p) in &self.pods {
            if p.object
                .pointer("/metadata/deletionTimestamp")
                .is_some_and(|v| !v.is_null())
            {
                continue;
            }
            for (name, c) in &p.containers {
                if c.fp.suspicious() {
                    out.push((key.clone(), name.clone(), Trigger::FirstSight));
                }
            }
        }
        out.sort();
        out
    }

    /// Forget a deleted pod.
    pub(crate) fn delete_pod(&mut self, pod: &Pod) -> PodKey {
        let key = pod_key(&pod.metadata);
        self.pods.remove(&key);
        key
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
            self.pods.remove(k);
        }
        gone
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
        let rv = ev.metadata.resource_version.clone().unwrap_or_default();
        let value = serde_json::to_value(ev).ok()?;
        self.event_owner.insert(ek.clone(), pod.clone());
        let old = self
            .events
            .entry(pod.clone())
            .or_default()
            .insert(ek.1, (rv.clone(), value));
        match old {
            Some((old_rv, _)) if old_rv == rv && !rv.is_empty() => None,
            _ => Some(pod),
        }
    }

    /// From now on keep events only about tracked pods, and drop those already kept about
    /// others: a node agent sees every event of the cluster but needs its node's only.
    pub(crate) fn keep_events_of_known_pods(&mut self) {
        self.known_pods_only = true;
        let pods = &self.pods;
        self.events.retain(|k, _| pods.contains_key(k));
        self.event_owner.retain(|_, k| pods.contains_key(k));
    }

    /// Forget a deleted event.
    pub(crate) fn delete_event(&mut self, ev: &Event) {
        let ek = pod_key(&ev.metadata);
        self.remove_event(&ek);
    }

    fn remove_event(&mut self, ek: &PodKey) {
        if let Some(pod) = self.event_owner.remove(ek) {
            if let Some(m) = self.events.get_mut(&pod) {
                m.remove(&ek.1);
                if m.is_empty() {
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
    }

    /// The events about this pod instance (events naming another uid are about a previous pod
    /// of the same name).
    pub(crate) fn events_for(&self, key: &PodKey) -> Vec<Value> {
        let uid = self.pods.get(key).map(|p| p.uid.as_str()).unwrap_or("");
        self.events
            .get(key)
            .into_iter()
            .flat_map(|m| m.values())
            .filter(|(_, v)| {
                let ev_uid = v
                    .pointer("/involvedObject/uid")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                uid.is_empty() || ev_uid.is_empty() || ev_uid == uid
            })
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Jobs caused by new events about `key`: open incidents are re-examined (a better cause
    /// may now be visible), and troubled containers never reported get a first look.
    pub(crate) fn event_jobs(&self, key: &PodKey) -> Vec<(String, Trigger)> {
        let Some(p) = self.pods.get(key) else {
            return Vec::new();
        };
        p.containers
            .iter()
            .filter_map(|(name, c)| match (&c.printed, c.fp.healthy) {
                (Some(_), _) => Some((name.clone(), Trigger::Events)),
                (None, false) => Some((name.clone(), Trigger::FirstSight)),
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

    fn pod(uid: &str, statuses: Value) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": "api", "namespace": "shop", "uid": uid, "resourceVersion": "1"},
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
}
