//! A container's restart history as far as the input dates it: the terminations with their
//! times and reasons, the back-off delays between them, and the next scheduled restart.
//!
//! Only timestamps the input carries are used (`lastState.terminated`, the current state,
//! Events' timestamps). A restart the status counts but nothing dates stays a number in
//! [`Timeline::undated_restarts`]: renderers say so in words rather than draw a guess.

use super::backoff::Backoff;
use super::time::parse_time;
use crate::incident::{ContainerState, Incident, Terminated};

/// One termination of the container that the input dates.
#[derive(Debug, Clone, PartialEq)]
pub struct Termination {
    /// When the instance started (Unix seconds), when known.
    pub started_at: Option<i64>,
    /// When it ended (Unix seconds).
    pub finished_at: i64,
    /// The runtime's reason: `OOMKilled`, `Error`, `Completed`, `StartError`, …
    pub reason: Option<String>,
    /// The process exit code.
    pub exit_code: Option<i32>,
    /// `true` for the current state (terminated and not yet restarted), `false` for
    /// `lastState`.
    pub current: bool,
    /// Where the status was read (`file:line`).
    pub source: String,
}

/// A Kubernetes Event about the container that carries a date.
#[derive(Debug, Clone, PartialEq)]
pub struct DatedEvent {
    /// `BackOff`, `Killing`, `Unhealthy`, …
    pub reason: String,
    /// How many times it was seen.
    pub count: u32,
    /// When it was first seen (Unix seconds), when the input says and it is earlier.
    pub first_seen: Option<i64>,
    /// When it was last seen (Unix seconds).
    pub last_seen: i64,
    /// Where it was read.
    pub source: String,
}

/// What the input says about when the container stopped and restarted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timeline {
    /// Dated terminations, oldest first.
    pub terminations: Vec<Termination>,
    /// When the current instance started (Unix seconds): the end of the last back-off.
    pub running_since: Option<i64>,
    /// When the kubelet will restart the container (Unix seconds), from the back-off state.
    pub next_restart: Option<i64>,
    /// The delay before that restart, in seconds.
    pub next_delay_seconds: Option<u64>,
    /// Whether that delay is an estimate from the default schedule (not the kubelet's message).
    pub delay_estimated: bool,
    /// The status's restart count.
    pub restart_count: Option<u32>,
    /// Restarts the status counts whose termination the input does not date.
    pub undated_restarts: u32,
    /// Dated Events about restarts (`BackOff`, `Killing`, `Unhealthy`, `Started`, …), oldest
    /// first.
    pub events: Vec<DatedEvent>,
}

impl Timeline {
    /// Whether there is anything dated to draw.
    pub fn is_dated(&self) -> bool {
        !self.terminations.is_empty()
            || self.running_since.is_some()
            || self.next_restart.is_some()
            || !self.events.is_empty()
    }

    /// The back-off delays the input shows: seconds from a termination to the next start
    /// (of the following termination's instance, or of the running instance), paired with the
    /// index of the termination they follow.
    pub fn delays(&self) -> Vec<(usize, u64)> {
        let mut out = Vec::new();
        for (i, t) in self.terminations.iter().enumerate() {
            let next_start = match self.terminations.get(i + 1) {
                Some(n) => n.started_at,
                None => self.running_since,
            };
            if let Some(s) = next_start {
                if s >= t.finished_at {
                    out.push((i, (s - t.finished_at) as u64));
                }
            }
        }
        out
    }

    /// The earliest and latest dated instants, if any.
    pub fn span(&self) -> Option<(i64, i64)> {
        let times = self
            .terminations
            .iter()
            .flat_map(|t| [t.started_at, Some(t.finished_at)])
            .chain([self.running_since, self.next_restart])
            .chain(
                self.events
                    .iter()
                    .flat_map(|e| [e.first_seen, Some(e.last_seen)]),
            )
            .flatten();
        times.fold(None, |acc, t| match acc {
            None => Some((t, t)),
            Some((a, b)) => Some((a.min(t), b.max(t))),
        })
    }
}

/// Events that tell about restarts (the kubelet's reasons).
const RESTART_EVENTS: &[&str] = &[
    "BackOff",
    "Killing",
    "Unhealthy",
    "Started",
    "Created",
    "Failed",
    "OOMKilling",
    "Evicted",
];

fn termination(t: &Terminated, current: bool, source: String) -> Option<Termination> {
    let finished_at = t.finished_at.as_deref().and_then(parse_time)?;
    Some(Termination {
        started_at: t.started_at.as_deref().and_then(parse_time),
        finished_at,
        reason: t.reason.clone(),
        exit_code: t.exit_code,
        current,
        source,
    })
}

/// Build the timeline of an incident; `backoff` is its back-off state (the next restart).
pub fn timeline(incident: &Incident, backoff: &Backoff) -> Timeline {
    let status = incident.status.as_ref();
    let source = status.map(|s| s.source.to_string()).unwrap_or_default();
    let mut terminations: Vec<Termination> = Vec::new();
    let last = status
        .and_then(|s| s.last_terminated.as_ref())
        .and_then(|t| termination(t, false, source.clone()));
    let last_dated = last.is_some();
    terminations.extend(last);
    let mut running_since = None;
    match status.and_then(|s| s.state.as_ref()) {
        Some(ContainerState::Terminated(t)) => {
            terminations.extend(termination(t, true, source.clone()));
        }
        Some(ContainerState::Running { started_at }) => {
            running_since = started_at.as_deref().and_then(parse_time);
        }
        _ => {}
    }
    terminations.sort_by_key(|t| t.finished_at);
    let restart_count = backoff.restart_count;
    // `restartCount` counts terminations followed by a restart; `lastState` is the latest.
    let undated_restarts = restart_count
        .unwrap_or(0)
        .saturating_sub(u32::from(last_dated));
    let mut events: Vec<DatedEvent> = incident
        .events
        .iter()
        .filter(|e| RESTART_EVENTS.contains(&e.reason.as_str()))
        .filter_map(|e| {
            let last_seen = e.last_seen.as_deref().and_then(parse_time)?;
            Some(DatedEvent {
                reason: e.reason.clone(),
                count: e.count,
                first_seen: e
                    .first_seen
                    .as_deref()
                    .and_then(parse_time)
                    .filter(|&f| f < last_seen),
                last_seen,
                source: e.source.to_string(),
            })
        })
        .collect();
    events.sort_by_key(|e| e.last_seen);
    Timeline {
        terminations,
        running_since,
        next_restart: backoff.next_restart.as_deref().and_then(parse_time),
        next_delay_seconds: backoff.current_delay_seconds,
        delay_estimated: backoff.delay_source == Some("default schedule"),
        restart_count,
        undated_restarts,
        events,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::backoff;
    use crate::incident::{ContainerStatus, EventRecord, Location};

    fn status(state: ContainerState, last: Option<Terminated>, restarts: u32) -> ContainerStatus {
        ContainerStatus {
            state: Some(state),
            last_terminated: last,
            restart_count: Some(restarts),
            ready: Some(false),
            source: Location::new("pod.json", 0),
        }
    }

    fn oom(start: &str, end: &str) -> Terminated {
        Terminated {
            reason: Some("OOMKilled".into()),
            exit_code: Some(137),
            started_at: Some(start.into()),
            finished_at: Some(end.into()),
            ..Terminated::default()
        }
    }

    #[test]
    fn crash_loop_dates_the_last_termination_and_the_next_restart() {
        let incident = Incident {
            pod: "api".into(),
            status: Some(status(
                ContainerState::Waiting {
                    reason: Some("CrashLoopBackOff".into()),
                    message: Some("back-off 40s restarting failed container=app".into()),
                },
                Some(oom("2026-01-10T09:00:00Z", "2026-01-10T09:00:20Z")),
                3,
            )),
            ..Incident::default()
        };
        let t = timeline(&incident, &backoff(&incident));
        assert_eq!(t.terminations.len(), 1);
        assert_eq!(t.terminations[0].reason.as_deref(), Some("OOMKilled"));
        assert_eq!(t.undated_restarts, 2);
        assert_eq!(
            t.next_restart,
            parse_time("2026-01-10T09:01:00Z"),
            "finishedAt + the kubelet's 40s"
        );
        assert!(!t.delay_estimated);
        assert!(t.delays().is_empty(), "no restart has happened since");
    }

    #[test]
    fn a_running_instance_shows_the_delay_it_waited() {
        let incident = Incident {
            pod: "api".into(),
            status: Some(status(
                ContainerState::Running {
                    started_at: Some("2026-01-10T09:01:00Z".into()),
                },
                Some(oom("2026-01-10T09:00:00Z", "2026-01-10T09:00:20Z")),
                1,
            )),
            events: vec![EventRecord {
                kind: Some("Warning".into()),
                reason: "BackOff".into(),
                message: "Back-off restarting failed container".into(),
                count: 4,
                first_seen: Some("2026-01-09T23:59:00Z".into()),
                last_seen: Some("2026-01-10T09:00:50Z".into()),
                age: None,
                source: Location::new("events.json", 0),
            }],
            ..Incident::default()
        };
        let t = timeline(&incident, &backoff(&incident));
        assert_eq!(t.delays(), vec![(0, 40)]);
        assert_eq!(t.undated_restarts, 0);
        assert_eq!(t.events.len(), 1);
        assert_eq!(t.events[0].first_seen, parse_time("2026-01-09T23:59:00Z"));
        assert_eq!(
            t.span(),
            Some((
                parse_time("2026-01-09T23:59:00Z").unwrap(),
                parse_time("2026-01-10T09:01:00Z").unwrap()
            ))
        );
    }

    #[test]
    fn without_timestamps_nothing_is_dated() {
        let incident = Incident {
            pod: "api".into(),
            status: Some(status(
                ContainerState::Waiting {
                    reason: Some("CrashLoopBackOff".into()),
                    message: None,
                },
                Some(Terminated {
                    reason: Some("Error".into()),
                    exit_code: Some(1),
                    finished_at: Some("not a time".into()),
                    ..Terminated::default()
                }),
                5,
            )),
            ..Incident::default()
        };
        let t = timeline(&incident, &backoff(&incident));
        assert!(!t.is_dated());
        assert_eq!(t.undated_restarts, 5);
        assert_eq!(t.span(), None);
    }
}
