//! Triage: is this container in trouble? One answer for batch, live and the store.
//!
//! A container is in trouble when its status says so (a waiting reason such as
//! `CrashLoopBackOff`, a non-zero or OOM termination, restarts while not ready), when it is
//! running again between two crashes (restarts whose last termination was abnormal, or a restart
//! less than the back-off reset time ago), when a kubelet event says so, or — when nothing
//! describes its status at all, as with a pasted log or a lone kubelet message — when the
//! evidence holds a real failure signature.

use super::backoff::RESET_AFTER_SECS;
use super::signals::Signal;
use crate::incident::{ContainerState, ContainerStatus, Incident, SourceKind, Terminated};

/// A signal at least this strong (after source and position factors) shows a failure by
/// itself when no container status is known.
const DECISIVE_WEIGHT: f64 = 1.9;

/// Whether a termination was a failure (not a clean exit 0 / `Completed`).
fn abnormal(t: &Terminated) -> bool {
    t.reason.as_deref() == Some("OOMKilled")
        || match t.exit_code {
            Some(code) => code != 0,
            None => !matches!(t.reason.as_deref(), Some("Completed") | None),
        }
}

/// Whether a container status shows trouble. `last_restart_secs` is how long ago the last
/// restart was, when an export says (`get pods`' `4 (23s ago)`).
pub fn status_in_trouble(st: &ContainerStatus, last_restart_secs: Option<u64>) -> bool {
    let restarts = st.restart_count.unwrap_or(0);
    match &st.state {
        Some(ContainerState::Waiting { reason, .. }) => match reason.as_deref() {
            Some("ContainerCreating") | Some("PodInitializing") | None | Some("") => {
                st.last_terminated.is_some() || restarts > 0
            }
            // CrashLoopBackOff, ImagePullBackOff, CreateContainerConfigError, …
            Some(_) => true,
        },
        Some(ContainerState::Terminated(t)) => abnormal(t) || restarts > 0,
        // Running again after a crash: in trouble while the back-off has not reset (10 minutes
        // of healthy running). Without a clock, an abnormal last termination says it is a loop
        // caught between two restarts; a clean one long ago does not.
        Some(ContainerState::Running { .. }) => {
            restarts > 0
                && (st.ready == Some(false)
                    || match last_restart_secs {
                        Some(s) => s < RESET_AFTER_SECS,
                        None => st.last_terminated.as_ref().is_some_and(abnormal),
                    })
        }
        // An excerpt without the current state: a last state exists only after a restart. A
        // `get pods` row (`Completed`, `0` restarts) is the current termination: a clean one
        // with no restart is a finished Job pod, not trouble.
        None => {
            st.last_terminated
                .as_ref()
                .is_some_and(|t| st.restart_count != Some(0) || abnormal(t))
                || (restarts > 0 && st.ready != Some(true))
        }
    }
}

/// Warning events that by themselves show a container in trouble.
fn troubling_event(reason: &str, message: &str) -> bool {
    match reason {
        "BackOff" => {
            message.contains("restarting failed container") || message.contains("pulling image")
        }
        "Failed"
        | "FailedMount"
        | "FailedAttachVolume"
        | "FailedCreatePodSandBox"
        | "OOMKilling"
        | "Evicted"
        | "InspectFailed"
        | "ErrImageNeverPull"
        | "FailedPostStartHook" => true,
        "Killing" => {
            message.contains("failed liveness probe") || message.contains("failed startup probe")
        }
        "Unhealthy" => {
            message.starts_with("Liveness probe failed")
                || message.starts_with("Startup probe failed")
        }
        _ => false,
    }
}

/// Whether the incident's own facts (status, events, restarted logs) show a failing container.
///
/// Healthy containers — running and ready, or running with only readiness failures — are not.
/// This is the part of triage that needs no pattern set;
/// [`Engine::diagnose_all`](crate::Engine::diagnose_all) also accepts a decisive failure
/// signature when no status is known.
pub fn is_failing(incident: &Incident) -> bool {
    if matches!(incident.pod_reason.as_deref(), Some("Evicted"))
        || incident.pod_phase.as_deref() == Some("Failed")
    {
        return true;
    }
    let troubling_events = incident
        .events
        .iter()
        .any(|e| troubling_event(&e.reason, &e.message));
    match &incident.status {
        Some(st) => {
            if let Some(ContainerState::Terminated(t)) = &st.state {
                if incident.spec.init && t.exit_code == Some(0) {
                    return false;
                }
            }
            let quiet = match &st.state {
                // Running and never restarted: readiness or liveness warnings alone have not
                // restarted it (yet).
                Some(ContainerState::Running { .. }) => st.restart_count.unwrap_or(0) == 0,
                _ => false,
            };
            status_in_trouble(st, incident.last_restart_secs) || (troubling_events && !quiet)
        }
        None => {
            troubling_events
                || incident
                    .logs
                    .iter()
                    .any(|l| l.previous || l.restart.is_some_and(|r| r > 0))
        }
    }
}

/// Whether a container deserves a diagnosis: [`is_failing`], or — when its status is unknown
/// or says nothing either way — a decisive failure signature in its logs or events.
pub(crate) fn in_trouble(incident: &Incident, signals: &[Signal]) -> bool {
    if is_failing(incident) {
        return true;
    }
    // A pending pod (unschedulable, waiting for a volume) has not run: its warnings are the
    // scheduler's, not a container failure.
    let status_silent = match &incident.status {
        None => incident.pod_phase.as_deref() != Some("Pending"),
        // A `get pods` row saying only `Running` with no restarts is a healthy container.
        Some(st) => {
            incident.pod_phase.as_deref() != Some("Pending")
                && st.state.is_none()
                && st.last_terminated.is_none()
                && st.restart_count.is_none()
        }
    };
    status_silent
        && signals
            .iter()
            .any(|s| s.evidence.kind != SourceKind::Status && s.evidence.weight >= DECISIVE_WEIGHT)
}

/// Seconds since the container last (re)started, from its status timestamps and the time `now`
/// (Unix seconds): what a live watcher knows and an export does not.
pub fn restart_age(incident: &Incident, now: i64) -> Option<u64> {
    let st = incident.status.as_ref()?;
    let at = match &st.state {
        Some(ContainerState::Running {
            started_at: Some(s),
        }) => super::time::parse_time(s),
        _ => None,
    }
    .or_else(|| {
        st.last_terminated
            .as_ref()?
            .finished_at
            .as_deref()
            .and_then(super::time::parse_time)
    })?;
    u64::try_from(now.checked_sub(at)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::Location;

    /// A `get pods` row: its STATUS is read as a termination without a current state.
    fn row(reason: &str, restarts: u32) -> ContainerStatus {
        ContainerStatus {
            state: None,
            last_terminated: Some(Terminated {
                reason: Some(reason.to_string()),
                ..Default::default()
            }),
            restart_count: Some(restarts),
            ready: Some(false),
            source: Location::new("pods.txt", 2),
        }
    }

    #[test]
    fn a_finished_job_row_is_not_trouble_but_a_restarted_or_failed_one_is() {
        assert!(!status_in_trouble(&row("Completed", 0), None));
        assert!(status_in_trouble(&row("Completed", 3), None));
        assert!(status_in_trouble(&row("Error", 0), None));
        assert!(status_in_trouble(&row("OOMKilled", 0), None));
    }
}
