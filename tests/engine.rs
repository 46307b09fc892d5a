//! The engine's precedence rules, one row each: a literal incident (status, events, log lines)
//! and what the diagnosis must say — cause, detail, confidence band, and the rule behind the
//! leading evidence. Both decision modes are checked: the hand-set rules and the default
//! (fused with the trained model).

use podmortem::incident::{
    ContainerState, ContainerStatus, EventRecord, Incident, Location, Terminated,
};
use podmortem::scan::LogScanner;
use podmortem::{Cause, Engine, Mode};

/// Confidence bands, as the renderers name them.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Band {
    /// ≥ 0.8
    High,
    /// 0.5 ≤ p < 0.8
    Medium,
    /// < 0.5
    Low,
}

fn band(p: f64) -> Band {
    if p >= 0.8 {
        Band::High
    } else if p >= 0.5 {
        Band::Medium
    } else {
        Band::Low
    }
}

fn terminated(reason: Option<&str>, code: Option<i32>) -> Terminated {
    Terminated {
        reason: reason.map(str::to_string),
        exit_code: code,
        ..Terminated::default()
    }
}

fn status(
    state: Option<ContainerState>,
    last: Option<Terminated>,
    restarts: u32,
) -> ContainerStatus {
    ContainerStatus {
        state,
        last_terminated: last,
        restart_count: Some(restarts),
        ready: Some(false),
        source: Location {
            file: "pod.json".into(),
            line: 0,
        },
    }
}

fn crashloop() -> Option<ContainerState> {
    Some(ContainerState::Waiting {
        reason: Some("CrashLoopBackOff".into()),
        message: Some("back-off 1m20s restarting failed container=app pod=api-1_shop(u)".into()),
    })
}

fn waiting(reason: &str) -> Option<ContainerState> {
    Some(ContainerState::Waiting {
        reason: Some(reason.into()),
        message: None,
    })
}

fn incident(st: ContainerStatus) -> Incident {
    Incident {
        namespace: Some("shop".into()),
        pod: "api-7d9f8b6c5d-x2k9p".into(),
        container: Some("app".into()),
        status: Some(st),
        pod_phase: Some("Running".into()),
        restart_policy: Some("Always".into()),
        ..Incident::default()
    }
}

fn with_log(mut i: Incident, engine: &Engine, lines: &[&str]) -> Incident {
    let text = lines.join("\n") + "\n";
    let scan = LogScanner::new(engine.patterns(), "app.previous.log", None)
        .previous(true)
        .scan_reader(text.as_bytes())
        .0;
    i.logs.push(scan);
    i
}

fn with_event(mut i: Incident, kind: &str, reason: &str, message: &str, count: u32) -> Incident {
    i.events.push(EventRecord {
        kind: Some(kind.into()),
        reason: reason.into(),
        message: message.into(),
        count,
        first_seen: None,
        last_seen: None,
        age: None,
        source: Location {
            file: "events.txt".into(),
            line: 1,
        },
    });
    i
}

struct Row {
    name: &'static str,
    incident: Incident,
    cause: Cause,
    detail: Option<&'static str>,
    band: Band,
    /// The rule of the first evidence line, when one must lead.
    lead: Option<&'static str>,
    /// Cause and band with the hand-set rules alone (`--mode rules`), which are less sure:
    /// the trained model recalibrates them.
    rules: (Cause, Band),
}

fn rows(engine: &Engine) -> Vec<Row> {
    let oom_137 = incident(status(
        crashloop(),
        Some(terminated(Some("OOMKilled"), Some(137))),
        5,
    ));
    let bare_137 = incident(status(
        crashloop(),
        Some(terminated(Some("Error"), Some(137))),
        5,
    ));
    let exit0 = incident(status(
        crashloop(),
        Some(terminated(Some("Completed"), Some(0))),
        4,
    ));
    let exit1 = incident(status(
        crashloop(),
        Some(terminated(Some("Error"), Some(1))),
        3,
    ));
    vec![
        Row {
            name: "OOMKilled in the status wins",
            incident: oom_137,
            cause: Cause::OomKilled,
            detail: Some("container_limit"),
            band: Band::High,
            lead: Some("status.oom_killed"),
            rules: (Cause::OomKilled, Band::High),
        },
        Row {
            name: "a bare 137 is a kill, not an OOM and not a crash: unknown",
            incident: bare_137,
            cause: Cause::Unknown,
            detail: None,
            band: Band::Low,
            lead: None,
            rules: (Cause::Unknown, Band::High),
        },
        Row {
            name: "a bare 137 with a liveness kill event is the probe",
            incident: with_event(
                incident(status(
                    crashloop(),
                    Some(terminated(Some("Error"), Some(137))),
                    5,
                )),
                "Normal",
                "Killing",
                "Container app failed liveness probe, will be restarted",
                5,
            ),
            cause: Cause::LivenessProbeFailed,
            detail: None,
            band: Band::High,
            lead: None,
            rules: (Cause::LivenessProbeFailed, Band::High),
        },
        Row {
            name: "exit 0 under restartPolicy Always loops",
            incident: exit0,
            cause: Cause::ExitsImmediately,
            detail: None,
            band: Band::High,
            lead: Some("status.exit_zero"),
            rules: (Cause::ExitsImmediately, Band::High),
        },
        Row {
            name: "exit 127 is a command not found",
            incident: incident(status(
                crashloop(),
                Some(terminated(Some("Error"), Some(127))),
                3,
            )),
            cause: Cause::BadCommand,
            detail: None,
            band: Band::High,
            lead: Some("status.exit_127"),
            rules: (Cause::BadCommand, Band::Medium),
        },
        Row {
            name: "a bare error exit says app_crash, thinly, until the log is read",
            incident: exit1.clone(),
            cause: Cause::AppCrash,
            detail: None,
            band: Band::Low,
            lead: Some("status.exit_error"),
            rules: (Cause::Unknown, Band::Medium),
        },
        Row {
            name: "a specific log signature outranks the bare exit code",
            incident: with_log(
                exit1.clone(),
                engine,
                &[
                    "starting api v1.4.2",
                    "Error: connect ECONNREFUSED 10.96.12.7:5432",
                ],
            ),
            cause: Cause::DependencyUnavailable,
            detail: None,
            band: Band::High,
            lead: None,
            rules: (Cause::DependencyUnavailable, Band::Medium),
        },
        Row {
            name: "a retried connection error followed by a fatal config error: the config error",
            incident: with_log(
                exit1.clone(),
                engine,
                &[
                    "dial tcp 10.96.0.15:6379: connect: connection refused, retrying in 2s",
                    "FATAL: required environment variable DATABASE_URL is not set",
                ],
            ),
            cause: Cause::ConfigError,
            detail: None,
            band: Band::High,
            lead: None,
            rules: (Cause::ConfigError, Band::High),
        },
        Row {
            name: "image pull waiting reasons",
            incident: incident(status(waiting("ImagePullBackOff"), None, 0)),
            cause: Cause::ImagePullError,
            detail: None,
            band: Band::High,
            lead: Some("status.image_pull"),
            rules: (Cause::ImagePullError, Band::High),
        },
        Row {
            name: "an invalid image reference says so in its detail",
            incident: incident(status(waiting("InvalidImageName"), None, 0)),
            cause: Cause::ImagePullError,
            detail: Some("invalid_reference"),
            band: Band::High,
            lead: Some("status.image_pull"),
            rules: (Cause::ImagePullError, Band::High),
        },
        Row {
            name: "CreateContainerConfigError with its message names the missing secret",
            incident: incident(status(
                Some(ContainerState::Waiting {
                    reason: Some("CreateContainerConfigError".into()),
                    message: Some("secret \"api-db\" not found".into()),
                }),
                None,
                0,
            )),
            cause: Cause::MissingSecretOrConfigmap,
            detail: None,
            band: Band::High,
            lead: None,
            rules: (Cause::MissingSecretOrConfigmap, Band::High),
        },
    ]
}

#[test]
fn precedence_table_rules_mode() {
    let engine = Engine::new().with_mode(Mode::Rules);
    check(&engine, rows(&engine));
}

#[test]
fn precedence_table_default_mode() {
    let engine = Engine::new();
    check(&engine, rows(&engine));
}

fn check(engine: &Engine, rows: Vec<Row>) {
    let mut wrong = Vec::new();
    for mut row in rows {
        if engine.mode() == Mode::Rules {
            (row.cause, row.band) = row.rules;
            if row.cause == Cause::Unknown {
                row.lead = None;
            }
        }
        let d = engine.diagnose(&row.incident);
        let lead = d.evidence.first().map(|e| e.rule.as_str());
        let ok = d.cause == row.cause
            && (row.detail.is_none() || d.detail.as_deref() == row.detail)
            && band(d.confidence) == row.band
            && (row.lead.is_none() || lead == row.lead);
        if !ok {
            wrong.push(format!(
                "{}: got {} {:?} {:.3} lead {:?}; want {} {:?} {:?} lead {:?}",
                row.name,
                d.cause,
                d.detail,
                d.confidence,
                lead,
                row.cause,
                row.detail,
                row.band,
                row.lead
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{:?} mode:\n{}",
        engine.mode(),
        wrong.join("\n")
    );
}

/// An init container that exits 0 did its job; `diagnose_all` does not report it, while the
/// same exit in the app container under `Always` is a loop. And `OnFailure` never loops on 0.
#[test]
fn exit_zero_depends_on_the_container_and_policy() {
    let engine = Engine::new();
    let rows = {
        let mut init = incident(status(
            Some(ContainerState::Terminated(terminated(
                Some("Completed"),
                Some(0),
            ))),
            None,
            0,
        ));
        init.spec.init = true;
        let app = incident(status(
            crashloop(),
            Some(terminated(Some("Completed"), Some(0))),
            4,
        ));
        let mut on_failure = incident(status(
            Some(ContainerState::Terminated(terminated(
                Some("Completed"),
                Some(0),
            ))),
            None,
            0,
        ));
        on_failure.restart_policy = Some("OnFailure".into());
        vec![(init, 0), (app, 1), (on_failure, 0)]
    };
    for (i, expected) in rows {
        let out = engine.diagnose_all(std::slice::from_ref(&i));
        assert_eq!(out.len(), expected, "{i:?}: {out:?}");
        if expected == 1 {
            assert_eq!(out[0].cause, Cause::ExitsImmediately);
        }
    }
}

/// Unknown means unknown: its confidence and the shown alternatives never add past 1, and a
/// thin diagnosis is never high.
#[test]
fn confidences_are_coherent() {
    let engine = Engine::new();
    for row in rows(&engine) {
        let d = engine.diagnose(&row.incident);
        let total: f64 = d.confidence + d.alternatives.iter().map(|a| a.confidence).sum::<f64>();
        assert!(total <= 1.0 + 1e-6, "{}: {total}", row.name);
        assert!(
            d.alternatives.iter().all(|a| a.cause != d.cause),
            "{}",
            row.name
        );
    }
}
