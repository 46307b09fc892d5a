//! The events half of the [`Tracker`]: which events about a pod are kept (bounded per pod, and
//! in total for pods not in trouble), trimmed to what ingest reads, pruned on relists, and
//! which containers new events send back to diagnosis.

use std::collections::{HashSet, VecDeque};

use k8s_openapi::api::core::v1::Event;
use serde_json::{json, Value};

use super::{
    pod_key, KeptEvent, PodKey, Tracker, EVENTS_HEALTHY_TOTAL, EVENTS_PER_POD, OWN_EVENT_REASON,
};
use crate::live::fingerprint::Trigger;

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
}
