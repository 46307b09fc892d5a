//! What one input file yields before incidents are assembled.

use crate::incident::{ContainerSpec, ContainerStatus, EventRecord, LogScan};

/// A pod as described by `get pod -o json|yaml`, `describe pod` or a cluster dump.
#[derive(Debug, Clone, Default)]
pub(crate) struct PodRecord {
    pub namespace: Option<String>,
    pub name: String,
    pub phase: Option<String>,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub restart_policy: Option<String>,
    pub containers: Vec<ContainerRecord>,
    /// Read from a list of all pods (`get pods -o json|yaml`, a dump's pods.json): pods of
    /// that namespace absent from it no longer exist.
    pub listed: bool,
}

/// One container of a [`PodRecord`].
#[derive(Debug, Clone, Default)]
pub(crate) struct ContainerRecord {
    pub name: String,
    /// Runtime container ids (current and last instance), without the `docker://` scheme.
    pub ids: Vec<String>,
    pub spec: ContainerSpec,
    pub status: Option<ContainerStatus>,
}

/// A row of `kubectl get pods`.
#[derive(Debug, Clone)]
pub(crate) struct PodRow {
    pub namespace: Option<String>,
    pub name: String,
    pub ready: Option<(u32, u32)>,
    pub status: String,
    pub restarts: Option<u32>,
    /// `4 (23s ago)` → 23.
    pub last_restart_secs: Option<u64>,
    pub source: crate::incident::Location,
}

/// An event about a pod (other objects are dropped at parse time).
#[derive(Debug, Clone)]
pub(crate) struct PodEvent {
    pub namespace: Option<String>,
    pub pod: String,
    pub container: Option<String>,
    pub record: EventRecord,
}

/// A scanned log and what is known of its owner.
#[derive(Debug, Clone)]
pub(crate) struct LogItem {
    pub namespace: Option<String>,
    pub pod: Option<String>,
    pub container: Option<String>,
    /// The runtime container id from a Docker log path, matched against pod statuses.
    pub container_id: Option<String>,
    /// File stem used to attach logs that carry no identity.
    pub stem: String,
    pub scan: LogScan,
}

/// Anything an input yields.
#[derive(Debug, Clone)]
pub(crate) enum Artifact {
    Pod(PodRecord),
    Row(PodRow),
    Event(PodEvent),
    Log(LogItem),
}
