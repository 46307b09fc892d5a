//! The queue between the watch loop and the diagnosis tasks: pods waiting for a task, the
//! tasks in flight (one per pod, at most [`MAX_TASKS`]), and the snapshot of a pod each task
//! gets.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use tokio::task::JoinSet;

use super::fingerprint::Trigger;
use super::state::{PodKey, Tracker};
use super::work::{diagnose_pod, ContainerWork, Ctx, PodResult, PodWork};
use super::MAX_TASKS;

/// The pods waiting for a diagnosis task and the tasks running: one task per pod at a time
/// (a second trigger waits and merges with the next), at most [`MAX_TASKS`] in all.
#[derive(Default)]
pub(super) struct Pipeline {
    pub(super) tasks: JoinSet<PodResult>,
    /// Pods with a task in flight.
    pub(super) busy: HashMap<PodKey, tokio::task::Id>,
    queued: BTreeMap<PodKey, Vec<(String, Trigger)>>,
}

impl Pipeline {
    pub(super) fn queue(&mut self, jobs: Vec<(PodKey, String, Trigger)>) {
        for (key, c, t) in jobs {
            let v = self.queued.entry(key).or_default();
            match v.iter_mut().find(|(x, _)| *x == c) {
                // A first sight must pass triage; any other trigger need not.
                Some(slot) => slot.1 = slot.1.max(t),
                None => v.push((c, t)),
            }
        }
    }

    pub(super) fn pump(&mut self, st: &Tracker, ctx: &Arc<Ctx>) {
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
pub(super) fn group_by_pod(
    jobs: Vec<(PodKey, String, Trigger)>,
) -> BTreeMap<PodKey, Vec<(String, Trigger)>> {
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
pub(super) fn work_for(st: &Tracker, key: &PodKey, list: &[(String, Trigger)]) -> Option<PodWork> {
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
