//! Built-in status rules: what the container status itself says, as a table of data.
//!
//! Each [`StatusRule`] is an id, a predicate over one status fact (a waiting reason, a
//! termination, the pod's own reason), the cause, detail, weight and explanation it yields.
//! Pattern packs handle free text; these rules read the structured fields kubelet writes, which
//! no regex over a message could see (an exit code, `OOMKilled` with no message at all). Status
//! *messages* (a waiting message, a termination message) are matched by the packs like log lines.
//!
//! For each termination (current and last state) the first matching terminated rule wins,
//! in table order: `OOMKilled` before exit codes, so a kill at the limit is never also read as a
//! crash.

use super::report::Evidence;
use super::signals::{Origin, Signal, LOG_FACTOR, STATUS_FACTOR};
use crate::cause::Cause;
use crate::incident::{
    clip_around, ContainerState, Incident, SourceKind, Terminated, MAX_EVIDENCE_LEN,
};
use crate::k8s::IMAGE_PULL_WAITING_REASONS;
use crate::patterns::PatternSet;

/// A built-in rule over the structured container status.
#[derive(Debug)]
pub(crate) struct StatusRule {
    /// The id shown as evidence's rule (`status.*`).
    pub id: &'static str,
    /// When it fires.
    pub when: When,
    /// The cause it points to.
    pub cause: Cause,
    /// A finer label.
    pub detail: Option<&'static str>,
    /// Its weight, before the ×1.5 of status evidence.
    pub weight: f64,
    /// One line: what the fact means.
    pub explain: &'static str,
}

/// The fact a status rule reads.
#[derive(Debug)]
pub(crate) enum When {
    /// The pod's own reason, when the pod carries no message that packs could read instead.
    PodReason(&'static str),
    /// The container waits with one of these reasons.
    Waiting(&'static [&'static str]),
    /// A termination (current or last state) for which the predicate holds.
    Terminated(fn(&Terminated, &Context) -> bool),
}

/// What a termination predicate may know besides the termination itself.
#[derive(Debug)]
pub(crate) struct Context {
    /// `restartPolicy` is `Always` (or unknown, which defaults to it).
    pub restart_always: bool,
    /// An init container (exit 0 is its job).
    pub init: bool,
    /// The container loops: `CrashLoopBackOff`, a restart, or a last state seen.
    pub looping: bool,
}

/// Exit codes that are kills (probe, eviction, shutdown: 137, 143) or a start failure whose
/// message says more (128): none is evidence of a crash by itself.
fn kill_or_start_failure(code: i32) -> bool {
    matches!(code, 128 | 137 | 143)
}

/// The table, in precedence order for terminations.
pub(crate) static STATUS_RULES: &[StatusRule] = &[
    StatusRule {
        id: "status.evicted",
        when: When::PodReason("Evicted"),
        cause: Cause::Unknown,
        detail: Some("evicted"),
        weight: 1.0,
        explain: "The kubelet evicted the pod (node pressure or a resource limit of the pod): not a failure of the container itself; its controller replaces it.",
    },
    StatusRule {
        id: "status.image_pull",
        when: When::Waiting(IMAGE_PULL_WAITING_REASONS),
        cause: Cause::ImagePullError,
        detail: None,
        weight: 4.0,
        explain: "The kubelet cannot pull the container image.",
    },
    StatusRule {
        id: "status.image_pull",
        when: When::Waiting(&["InvalidImageName"]),
        cause: Cause::ImagePullError,
        detail: Some("invalid_reference"),
        weight: 5.0,
        explain: "The kubelet cannot pull the container image.",
    },
    StatusRule {
        id: "status.image_pull",
        when: When::Waiting(&["ErrImageNeverPull"]),
        cause: Cause::ImagePullError,
        detail: Some("not_found"),
        weight: 5.0,
        explain: "The kubelet cannot pull the container image.",
    },
    StatusRule {
        id: "status.create_config_error",
        when: When::Waiting(&["CreateContainerConfigError"]),
        cause: Cause::MissingSecretOrConfigmap,
        detail: None,
        weight: 2.0,
        explain: "The kubelet cannot build the container's configuration (usually a missing Secret/ConfigMap or key).",
    },
    StatusRule {
        id: "status.oom_killed",
        when: When::Terminated(|t, _| t.reason.as_deref() == Some("OOMKilled")),
        cause: Cause::OomKilled,
        detail: Some("container_limit"),
        weight: 6.0,
        explain: "The container runtime reports OOMKilled: the kernel killed the container for exceeding its memory limit.",
    },
    StatusRule {
        id: "status.exit_zero",
        when: When::Terminated(|t, c| {
            // Exit 0 under `Always`, or a bare `Completed` (an excerpt without the code).
            let clean = match t.exit_code {
                Some(code) => code == 0 && c.restart_always,
                None => t.reason.as_deref() == Some("Completed"),
            };
            clean && !c.init && c.looping
        }),
        cause: Cause::ExitsImmediately,
        detail: None,
        weight: 4.0,
        explain: "The container exits with code 0, but restartPolicy Always restarts it: the main process does not stay in the foreground.",
    },
    StatusRule {
        id: "status.exit_127",
        when: When::Terminated(|t, _| t.exit_code == Some(127)),
        cause: Cause::BadCommand,
        detail: None,
        weight: 3.0,
        explain: "Exit code 127: the command was not found.",
    },
    StatusRule {
        id: "status.exit_126",
        when: When::Terminated(|t, _| t.exit_code == Some(126)),
        cause: Cause::BadCommand,
        detail: None,
        weight: 2.0,
        explain: "Exit code 126: the command is not executable.",
    },
    StatusRule {
        id: "status.exit_139",
        when: When::Terminated(|t, _| t.exit_code == Some(139)),
        cause: Cause::AppCrash,
        detail: Some("segfault"),
        weight: 2.5,
        explain: "Exit code 139: the process died of SIGSEGV (segmentation fault).",
    },
    StatusRule {
        id: "status.exit_134",
        when: When::Terminated(|t, _| t.exit_code == Some(134)),
        cause: Cause::AppCrash,
        detail: Some("abort"),
        weight: 1.5,
        explain: "Exit code 134: the process aborted (SIGABRT).",
    },
    StatusRule {
        id: "status.exit_error",
        when: When::Terminated(|t, _| {
            matches!(t.exit_code, Some(code) if code != 0 && !kill_or_start_failure(code))
                && matches!(t.reason.as_deref(), Some("Error") | Some("") | None)
        }),
        cause: Cause::AppCrash,
        detail: None,
        weight: 1.0,
        explain: "The application exits with an error code and nothing shown says why: the cause is in its previous log.",
    },
];

impl StatusRule {
    fn signal(&'static self, source: &str, text: String) -> Signal {
        Signal {
            evidence: Evidence {
                source: source.to_string(),
                kind: SourceKind::Status,
                text,
                rule: self.id.to_string(),
                cause: self.cause,
                weight: self.weight * STATUS_FACTOR,
            },
            origin: Origin::Status {
                id: self.id,
                explain: self.explain,
            },
            detail: self.detail.map(str::to_string),
            captures: Vec::new(),
        }
    }
}

fn terminated_text(prefix: &str, t: &Terminated) -> String {
    let mut s = format!("{prefix}: Terminated");
    if let Some(r) = &t.reason {
        s.push_str(&format!(", Reason: {r}"));
    }
    if let Some(c) = t.exit_code {
        s.push_str(&format!(", Exit Code: {c}"));
    }
    s
}

/// The signals of the incident's status: built-in rules over its fields, and pattern rules
/// over its messages.
pub(crate) fn status_signals(set: &PatternSet, incident: &Incident, sig: &mut Vec<Signal>) {
    let mut texts: Vec<(String, String)> = Vec::new();
    // `describe` prints an empty `Message:` line: no message.
    let pod_message = incident
        .pod_message
        .as_deref()
        .filter(|m| !m.trim().is_empty());
    if let Some(m) = pod_message {
        texts.push(("pod status".into(), m.to_string()));
    }
    if pod_message.is_none() {
        if let Some(reason) = incident.pod_reason.as_deref() {
            for r in STATUS_RULES {
                if matches!(r.when, When::PodReason(p) if p == reason) {
                    sig.push(r.signal("pod status", format!("Status: Failed, Reason: {reason}")));
                }
            }
        }
    }
    let Some(st) = &incident.status else {
        match_status_texts(set, &texts, sig);
        return;
    };
    let src = st.source.to_string();
    let waiting_reason = match &st.state {
        Some(ContainerState::Waiting { reason, message }) => {
            if let Some(m) = message {
                texts.push((src.clone(), m.clone()));
            }
            reason.as_deref()
        }
        _ => None,
    };
    if let Some(reason) = waiting_reason {
        for r in STATUS_RULES {
            if matches!(r.when, When::Waiting(set) if set.contains(&reason)) {
                sig.push(r.signal(&src, format!("State: Waiting, Reason: {reason}")));
            }
        }
    }
    let ctx = Context {
        restart_always: incident
            .restart_policy
            .as_deref()
            .is_none_or(|p| p == "Always"),
        init: incident.spec.init,
        // A last state exists only after a restart: an excerpt without the current state is a
        // loop.
        looping: waiting_reason == Some("CrashLoopBackOff")
            // … unless it says no restart: a `get pods` row `Completed 0` is the current state
            // of a finished Job pod, not a loop.
            || (st.state.is_none() && st.last_terminated.is_some() && st.restart_count != Some(0))
            || st.restart_count.unwrap_or(0) > 0,
    };
    let current = match &st.state {
        Some(ContainerState::Terminated(t)) => Some(t),
        _ => None,
    };
    for (label, t) in [
        ("State", current),
        ("Last State", st.last_terminated.as_ref()),
    ] {
        let Some(t) = t else { continue };
        if let Some(m) = &t.message {
            for line in m.lines().filter(|l| !l.trim().is_empty()) {
                texts.push((src.clone(), line.to_string()));
            }
        }
        let first = STATUS_RULES
            .iter()
            .find(|r| matches!(r.when, When::Terminated(pred) if pred(t, &ctx)));
        if let Some(r) = first {
            sig.push(r.signal(&src, terminated_text(label, t)));
        }
    }
    match_status_texts(set, &texts, sig);
}

/// Pattern rules over status messages (waiting, termination, pod): status-scoped rules at the
/// status factor, log rules at the log factor (a `FallbackToLogsOnError` message is log lines).
fn match_status_texts(set: &PatternSet, texts: &[(String, String)], sig: &mut Vec<Signal>) {
    // The last text that matches anything gets the crash window's last-hit bonus: a
    // FallbackToLogsOnError message is the log's last lines.
    let last_matching = texts
        .iter()
        .rposition(|(_, t)| !set.matches(t.as_bytes(), SourceKind::Log).is_empty());
    for (i, (src, text)) in texts.iter().enumerate() {
        let bonus = if Some(i) == last_matching { 1.25 } else { 1.0 };
        let mut fired = std::collections::HashSet::new();
        for kind in [SourceKind::Status, SourceKind::Log] {
            for m in set.matches(text.as_bytes(), kind) {
                if !fired.insert(m.rule) {
                    continue;
                }
                let Some(rule) = set.rule(m.rule) else {
                    continue;
                };
                let factor = if kind == SourceKind::Status {
                    STATUS_FACTOR
                } else {
                    LOG_FACTOR
                };
                sig.push(Signal::from_rule(
                    rule,
                    src.clone(),
                    SourceKind::Status,
                    clip_around(text, set.span(m.rule, text.as_bytes()), MAX_EVIDENCE_LEN),
                    rule.weight * factor * bonus,
                    m.captures,
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every id has one explanation, whatever row it is on: evidence shows the id, and the
    /// explanation must not depend on which row fired.
    #[test]
    fn rows_sharing_an_id_share_cause_and_explanation() {
        for a in STATUS_RULES {
            assert!(a.id.starts_with("status."), "{}", a.id);
            if let Some(d) = a.detail {
                assert!(a.cause.details().contains(&d), "{}: detail {d}", a.id);
            }
            for b in STATUS_RULES.iter().filter(|b| b.id == a.id) {
                assert_eq!(a.cause, b.cause, "{}", a.id);
                assert_eq!(a.explain, b.explain, "{}", a.id);
            }
        }
    }
}
