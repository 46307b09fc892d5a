//! A container as the watch loop remembers it: a compact [`Fingerprint`] of its status (what
//! triage and change detection need, no Pod object), and the [`Trigger`] rules that say when a
//! new status is a reason to diagnose it again. Whether a container is in trouble is
//! [`crate::diagnose::status_in_trouble`]'s call, the same triage batch mode uses.

use k8s_openapi::api::core::v1::{ContainerStateTerminated, ContainerStatus};

use crate::diagnose::status_in_trouble;
use crate::incident::{self, ContainerState, Location, Terminated};

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

pub(super) fn trigger(prev: Option<&Fingerprint>, cur: &Fingerprint, now: i64) -> Option<Trigger> {
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
