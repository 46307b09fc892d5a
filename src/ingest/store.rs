//! Assembling artifacts from many files into one incident per container. Where a log belongs
//! when its path does not say is decided in `store/attach.rs`.

mod attach;

use std::collections::HashMap;

use super::artifact::{Artifact, ContainerRecord, LogItem, PodEvent, PodRecord, PodRow};
use crate::incident::{
    ContainerSpec, ContainerState, ContainerStatus, EventRecord, Incident, LogScan, Terminated,
};

#[derive(Debug, Default)]
struct Container {
    ids: Vec<String>,
    spec: ContainerSpec,
    status: Option<ContainerStatus>,
    events: Vec<EventRecord>,
    logs: Vec<LogScan>,
}

#[derive(Debug, Default)]
struct Pod {
    namespace: Option<String>,
    name: String,
    phase: Option<String>,
    reason: Option<String>,
    message: Option<String>,
    restart_policy: Option<String>,
    containers: Vec<(String, Container)>,
    events: Vec<EventRecord>,
    logs: Vec<LogScan>,
    row: Option<PodRow>,
    /// A pod record or table row shows the pod exists.
    exists: bool,
    /// It came from a listing of all pods of its namespace.
    listed: bool,
    /// No artifact named it: an unidentified paste, or a log named after its file.
    unidentified: bool,
    /// Merged into other pods.
    gone: bool,
}

impl Pod {
    fn container(&mut self, name: &str) -> &mut Container {
        if let Some(i) = self.containers.iter().position(|(n, _)| n == name) {
            return &mut self.containers[i].1;
        }
        self.containers
            .push((name.to_string(), Container::default()));
        &mut self.containers.last_mut().unwrap().1
    }

    /// Whether the pod shows any sign of trouble (used to pick among a workload's pods and to
    /// give unidentified pastes an owner): the same triage the engine applies to containers.
    fn troubled(&self) -> bool {
        let row_status = self.row.as_ref().map(status_from_row);
        self.containers
            .iter()
            .filter_map(|(_, c)| c.status.as_ref())
            .chain(row_status.as_ref())
            .any(|s| {
                crate::diagnose::triage::status_in_trouble(
                    s,
                    self.row.as_ref().and_then(|r| r.last_restart_secs),
                )
            })
    }

    /// Take in what an unidentified paste said (its containers, events and logs).
    fn absorb(&mut self, anon: &Pod) {
        self.phase = self.phase.take().or(anon.phase.clone());
        self.reason = self.reason.take().or(anon.reason.clone());
        self.message = self.message.take().or(anon.message.clone());
        self.events.extend(anon.events.iter().cloned());
        self.logs.extend(anon.logs.iter().cloned());
        let single = self.containers.len() == 1;
        for (name, c) in &anon.containers {
            let name = if name.is_empty() && single {
                self.containers[0].0.clone()
            } else {
                name.clone()
            };
            let into = self.container(&name);
            if into.status.is_none() {
                into.status = c.status.clone();
            }
            merge_spec(&mut into.spec, c.spec.clone());
            into.events.extend(c.events.iter().cloned());
            into.logs.extend(c.logs.iter().cloned());
        }
    }
}

/// Collects artifacts; [`Store::into_incidents`] assembles them.
#[derive(Debug, Default)]
pub(crate) struct Store {
    pods: Vec<Pod>,
    index: HashMap<String, Vec<usize>>,
    loose_logs: Vec<LogItem>,
    /// Where each event already added sits, to merge repeats in one lookup (a scan of the
    /// pod's events made 40 k events take 8 s).
    events: HashMap<EventKey, usize>,
}

/// An event's identity for de-duplication: pod index, container, reason, message.
type EventKey = (usize, Option<String>, String, String);

impl Store {
    fn pod_index(&mut self, namespace: Option<&str>, name: &str) -> usize {
        let cands = self.index.get(name).cloned().unwrap_or_default();
        let found = match namespace {
            Some(ns) => cands
                .iter()
                .copied()
                .find(|&i| self.pods[i].namespace.as_deref() == Some(ns))
                .or_else(|| {
                    cands
                        .iter()
                        .copied()
                        .find(|&i| self.pods[i].namespace.is_none())
                }),
            None => cands.first().copied(),
        };
        if let Some(i) = found {
            if self.pods[i].namespace.is_none() {
                self.pods[i].namespace = namespace.map(str::to_string);
            }
            return i;
        }
        self.pods.push(Pod {
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
            ..Default::default()
        });
        let i = self.pods.len() - 1;
        self.index.entry(name.to_string()).or_default().push(i);
        i
    }

    pub(crate) fn add(&mut self, a: Artifact) {
        match a {
            Artifact::Pod(p) => self.add_pod(p),
            Artifact::Row(r) => {
                let i = self.pod_index(r.namespace.as_deref(), &r.name);
                self.pods[i].row = Some(r);
                self.pods[i].exists = true;
                self.pods[i].listed = true;
            }
            Artifact::Event(e) => self.add_event(e),
            Artifact::Log(l) => match &l.pod {
                Some(pod) => {
                    let i = self.pod_index(l.namespace.as_deref(), pod);
                    match &l.container {
                        Some(c) => self.pods[i].container(c).logs.push(l.scan),
                        None => self.pods[i].logs.push(l.scan),
                    }
                }
                None => self.loose_logs.push(l),
            },
        }
    }

    fn add_pod(&mut self, p: PodRecord) {
        let i = self.pod_index(p.namespace.as_deref(), &p.name);
        let pod = &mut self.pods[i];
        pod.exists = true;
        pod.listed |= p.listed;
        pod.phase = p.phase.or(pod.phase.take());
        pod.reason = p.reason.or(pod.reason.take());
        pod.message = p.message.or(pod.message.take());
        pod.restart_policy = p.restart_policy.or(pod.restart_policy.take());
        for ContainerRecord {
            name,
            ids,
            spec,
            status,
        } in p.containers
        {
            let c = pod.container(&name);
            for id in ids {
                if !c.ids.contains(&id) {
                    c.ids.push(id);
                }
            }
            merge_spec(&mut c.spec, spec);
            if status.is_some() {
                c.status = status;
            }
        }
    }

    fn add_event(&mut self, e: PodEvent) {
        let i = self.pod_index(e.namespace.as_deref(), &e.pod);
        let pod = &mut self.pods[i];
        let list = match &e.container {
            Some(c) => &mut pod.container(c).events,
            None => &mut pod.events,
        };
        // The same event often arrives twice (events.txt and describe): keep the larger count.
        let key = (
            i,
            e.container.clone(),
            e.record.reason.clone(),
            e.record.message.clone(),
        );
        if let Some(old) = self.events.get(&key).and_then(|&at| list.get_mut(at)) {
            old.count = old.count.max(e.record.count);
            if old.last_seen.is_none() {
                old.last_seen = e.record.last_seen;
            }
            if old.first_seen.is_none() {
                old.first_seen = e.record.first_seen;
            }
            return;
        }
        self.events.insert(key, list.len());
        list.push(e.record);
    }

    /// Attach logs that carry no identity by file name, then build incidents.
    pub(crate) fn into_incidents(mut self) -> Vec<Incident> {
        // Logs whose runtime id a pod status names go first, so their siblings can follow.
        let mut rest = Vec::new();
        for log in std::mem::take(&mut self.loose_logs) {
            if let Some(log) = self.attach_by_id(log) {
                rest.push(log);
            }
        }
        for log in rest {
            self.attach(log);
        }
        self.resolve_anonymous();
        // `kubectl get events` and `get pods` without -A name no namespace; when every pod
        // whose namespace is known shares one, the export is of that namespace.
        let mut namespaces: Vec<&String> = self
            .pods
            .iter()
            .filter_map(|p| p.namespace.as_ref())
            .collect();
        namespaces.sort();
        namespaces.dedup();
        if let [only] = namespaces.as_slice() {
            // Only pods known from kubectl tables qualify: a loose log keeps its own name.
            let only = (*only).clone();
            for p in &mut self.pods {
                let from_tables = p.row.is_some()
                    || !p.events.is_empty()
                    || p.containers.iter().any(|(_, c)| !c.events.is_empty());
                if p.namespace.is_none() && from_tables {
                    p.namespace = Some(only.clone());
                }
            }
        }
        // Pods seen only in events, in a namespace whose full pod list we have, are gone
        // (replaced by a rollout, deleted): history, not failing containers.
        let listed: std::collections::HashSet<Option<String>> = self
            .pods
            .iter()
            .filter(|p| p.listed)
            .map(|p| p.namespace.clone())
            .collect();
        let mut out = Vec::new();
        for pod in self.pods {
            if pod.gone {
                continue;
            }
            let only_events = !pod.exists
                && pod.logs.is_empty()
                && pod.containers.iter().all(|(_, c)| c.logs.is_empty());
            if only_events && listed.contains(&pod.namespace) {
                continue;
            }
            build(pod, &mut out);
        }
        out
    }
}

fn merge_spec(into: &mut ContainerSpec, from: ContainerSpec) {
    into.image = from.image.or(into.image.take());
    into.memory_limit = from.memory_limit.or(into.memory_limit.take());
    into.liveness_probe = from.liveness_probe.or(into.liveness_probe.take());
    into.startup_probe = from.startup_probe.or(into.startup_probe.take());
    into.init |= from.init;
}

/// A pod-table row's STATUS as a container status, for pods nothing else describes.
fn status_from_row(row: &PodRow) -> ContainerStatus {
    let s = row.status.as_str();
    let (state, last) = match s {
        "Running" => (Some(ContainerState::Running { started_at: None }), None),
        "OOMKilled" | "Error" | "Completed" | "ContainerCannotRun" | "StartError" => (
            None,
            Some(Terminated {
                reason: Some(s.to_string()),
                ..Default::default()
            }),
        ),
        _ if s.starts_with("Init:") => (
            Some(ContainerState::Waiting {
                reason: Some(s.trim_start_matches("Init:").to_string()),
                message: None,
            }),
            None,
        ),
        _ => (
            Some(ContainerState::Waiting {
                reason: Some(s.to_string()),
                message: None,
            }),
            None,
        ),
    };
    ContainerStatus {
        state,
        last_terminated: last,
        restart_count: row.restarts,
        ready: row.ready.map(|(a, b)| a == b),
        source: row.source.clone(),
    }
}

fn build(pod: Pod, out: &mut Vec<Incident>) {
    let single = pod.containers.len() == 1;
    let base = Incident {
        namespace: pod.namespace.clone(),
        pod: pod.name.clone(),
        container: None,
        status: None,
        spec: ContainerSpec::default(),
        pod_phase: pod.phase.clone(),
        pod_reason: pod.reason.clone(),
        pod_message: pod.message.clone(),
        restart_policy: pod.restart_policy.clone(),
        last_restart_secs: pod.row.as_ref().and_then(|r| r.last_restart_secs),
        unidentified: pod.unidentified || pod.name.is_empty(),
        events: Vec::new(),
        logs: Vec::new(),
    };
    if pod.containers.is_empty() {
        out.push(Incident {
            status: pod.row.as_ref().map(status_from_row),
            events: pod.events,
            logs: pod.logs,
            ..base
        });
        return;
    }
    // Pod-level logs (attached by pod or workload name) belong to the only container, or to
    // the one that is failing when there are several.
    let failing: Vec<usize> = pod
        .containers
        .iter()
        .enumerate()
        .filter(|(_, (_, c))| {
            c.status.as_ref().is_some_and(|s| {
                crate::diagnose::triage::status_in_trouble(
                    s,
                    pod.row.as_ref().and_then(|r| r.last_restart_secs),
                )
            })
        })
        .map(|(i, _)| i)
        .collect();
    let log_owner = if single {
        Some(0)
    } else if failing.len() == 1 {
        Some(failing[0])
    } else {
        pod.containers.iter().position(|(_, c)| !c.spec.init)
    };
    for (i, (name, c)) in pod.containers.into_iter().enumerate() {
        let mut events = c.events;
        events.extend(pod.events.iter().cloned());
        let mut logs = c.logs;
        if Some(i) == log_owner {
            logs.extend(pod.logs.iter().cloned());
        }
        let status = c.status.or_else(|| {
            if single {
                pod.row.as_ref().map(status_from_row)
            } else {
                None
            }
        });
        out.push(Incident {
            container: Some(name).filter(|n| !n.is_empty()),
            status,
            spec: c.spec,
            events,
            logs,
            ..base.clone()
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::k8s::workload_of;

    #[test]
    fn workloads() {
        assert_eq!(workload_of("adservice-7b5ff9bbd7-r2s5r"), "adservice");
        assert_eq!(workload_of("redis-cart-68db7b6f97-l59zz"), "redis-cart");
        assert_eq!(workload_of("kafka-0"), "kafka");
        assert_eq!(workload_of("nightly-job-x7k2p"), "nightly-job");
        assert_eq!(workload_of("plain"), "plain");
    }
}
