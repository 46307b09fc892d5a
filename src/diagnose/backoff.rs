//! The state of the kubelet's restart back-off timer.

use serde::Serialize;

use super::time::{format_duration, format_rfc3339, parse_go_duration, parse_time};
use crate::incident::{ContainerState, Incident};

/// Default kubelet schedule: 10 s doubling to a 300 s cap (KEP-4603/5593 let clusters tune it).
pub const INITIAL_DELAY_SECS: u64 = 10;
/// The default cap.
pub const MAX_DELAY_SECS: u64 = 300;
/// A container that runs this long without crashing has its back-off reset.
pub const RESET_AFTER_SECS: u64 = 600;

/// Where the back-off figures came from.
#[non_exhaustive]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Backoff {
    /// The waiting reason, e.g. `CrashLoopBackOff`, `ImagePullBackOff`.
    pub state: Option<String>,
    /// Restarts so far.
    pub restart_count: Option<u32>,
    /// The current delay before the next restart or pull, in seconds.
    pub current_delay_seconds: Option<u64>,
    /// The same, formatted (`2m40s`).
    pub current_delay: Option<String>,
    /// `kubelet` when read from a `back-off 2m40s restarting failed container` message,
    /// `default schedule` when estimated from the restart count.
    pub delay_source: Option<&'static str>,
    /// When the last instance finished (RFC 3339, UTC).
    pub last_finished: Option<String>,
    /// When the kubelet will try again (RFC 3339, UTC), if timestamps allow.
    pub next_restart: Option<String>,
    /// Seconds of healthy running after which the back-off resets (default schedule).
    pub reset_after_seconds: u64,
}

/// No kubelet back-off is longer than this; a longer "delay" in a message is not one.
const MAX_PLAUSIBLE_DELAY_SECS: f64 = 86_400.0;

/// Extract `2m40s` from `back-off 2m40s restarting failed container=…`.
pub(crate) fn delay_in_message(msg: &str) -> Option<u64> {
    let i = msg.find("back-off ")?;
    let rest = msg.get(i + "back-off ".len()..)?;
    let word = rest.split_whitespace().next()?;
    parse_go_duration(word)
        .filter(|s| (0.0..=MAX_PLAUSIBLE_DELAY_SECS).contains(s))
        .map(|s| s.round() as u64)
}

/// Compute the back-off state of an incident.
pub fn backoff(incident: &Incident) -> Backoff {
    let status = incident.status.as_ref();
    let (state, message) = match status.and_then(|s| s.state.as_ref()) {
        Some(ContainerState::Waiting { reason, message }) => (reason.clone(), message.clone()),
        _ => (None, None),
    };
    let restart_count = status.and_then(|s| s.restart_count);
    let from_message = message.as_deref().and_then(delay_in_message);
    let backing_off = state
        .as_deref()
        .is_some_and(|s| s.contains("BackOff") || s.starts_with("Err"));
    let (delay, source) = match from_message {
        Some(d) => (Some(d), Some("kubelet")),
        None if backing_off && state.as_deref() == Some("CrashLoopBackOff") => {
            // After n restarts the kubelet waits 10 s · 2^n, capped.
            let n = restart_count.unwrap_or(0).min(16);
            (
                Some((INITIAL_DELAY_SECS << n).min(MAX_DELAY_SECS)),
                Some("default schedule"),
            )
        }
        _ => (None, None),
    };
    let finished = status
        .and_then(|s| s.last_terminated.as_ref())
        .and_then(|t| t.finished_at.as_deref())
        .and_then(parse_time);
    let next = match (finished, delay) {
        (Some(f), Some(d)) if state.as_deref() == Some("CrashLoopBackOff") => i64::try_from(d)
            .ok()
            .and_then(|d| f.checked_add(d))
            .map(format_rfc3339),
        _ => None,
    };
    Backoff {
        state,
        restart_count,
        current_delay_seconds: delay,
        current_delay: delay.map(format_duration),
        delay_source: source,
        last_finished: finished.map(format_rfc3339),
        next_restart: next,
        reset_after_seconds: RESET_AFTER_SECS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_kubelet_delay() {
        assert_eq!(
            delay_in_message("back-off 2m40s restarting failed container=app pod=x_ns(uid)"),
            Some(160)
        );
        assert_eq!(
            delay_in_message("Back-off restarting failed container"),
            None
        );
        assert_eq!(delay_in_message("back-off 999999999999h restarting"), None);
        assert_eq!(delay_in_message("back-off é restarting"), None);
    }
}
