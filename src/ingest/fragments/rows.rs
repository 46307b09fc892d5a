//! A paste's rows and loose messages: describe `Events:` rows (current and pre-1.10 layouts)
//! and `get events` rows with or without their header, `get pods` rows with or without theirs,
//! and lone kubelet messages (a line, or a paragraph a mail client wrapped) that event rules
//! recognise.

use std::sync::LazyLock;

use regex::Regex;

use super::is_name;
use crate::incident::{EventRecord, Location, SourceKind};
use crate::ingest::artifact::{PodEvent, PodRow};
use crate::ingest::text::{kubectl_age_secs, Columns};
use crate::patterns::PatternSet;

/// A describe `Events:` row without its header: `Warning  BackOff  3m (x5 over 4m)  kubelet  msg`.
pub(crate) static DESCRIBE_ROW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*(Normal|Warning)\s+([A-Za-z][A-Za-z0-9]*)\s+((?:<unknown>|<invalid>|[0-9][0-9smhdy]*)(?:\s+\(x(\d+)\s+over\s+[0-9smhdy]+\))?)\s+(?:[a-z][-a-z0-9]*(?:,\s*\S+)?\s{2,})?(\S.*)$",
    )
    .expect("valid regex")
});

/// A row of kubectl's old `describe` events table (before 1.10):
/// `FirstSeen  LastSeen  Count  From  SubObjectPath  Type  Reason  Message`.
pub(super) static OLD_DESCRIBE_ROW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*(?:<invalid>|<unknown>|[0-9][0-9smhdy]*)\s+(?:<invalid>|<unknown>|[0-9][0-9smhdy]*)\s+(\d+)\s+(?:\{[^}]*\}|[a-z][-a-z0-9]*(?:,\s*\S+)?)\s+(?:(spec\.\S+)\s+)?(Normal|Warning)\s+([A-Za-z][A-Za-z0-9]*)\s+(\S.*)$",
    )
    .expect("valid regex")
});

/// A `get pods` row, with or without header: `[NS] NAME READY STATUS RESTARTS [(Xs ago)] AGE …`.
pub(super) fn pod_row(line: &str, file: &str, n: u64) -> Option<PodRow> {
    let toks: Vec<&str> = line.split_whitespace().collect();
    let ready_at = toks.iter().take(3).position(|t| {
        t.split_once('/').is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.is_empty()
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
        })
    })?;
    if ready_at == 0 {
        return None;
    }
    let name = toks[ready_at - 1];
    let namespace = (ready_at == 2).then(|| toks[0]);
    let status = *toks.get(ready_at + 1)?;
    let restarts: u32 = toks.get(ready_at + 2)?.parse().ok()?;
    let status_ok = status
        .split(':')
        .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'/'))
        && status.as_bytes()[0].is_ascii_uppercase();
    if !is_name(name) || !status_ok || namespace.is_some_and(|ns| !is_name(ns)) {
        return None;
    }
    let (a, b) = toks[ready_at].split_once('/')?;
    let last_restart_secs = toks
        .get(ready_at + 3)
        .and_then(|t| t.strip_prefix('('))
        .filter(|_| toks.get(ready_at + 4) == Some(&"ago)"))
        .and_then(kubectl_age_secs);
    Some(PodRow {
        namespace: namespace.map(str::to_string),
        name: name.to_string(),
        ready: Some((a.parse().ok()?, b.parse().ok()?)),
        status: status.to_string(),
        restarts: Some(restarts),
        last_restart_secs,
        source: Location::new(file, n),
    })
}

/// An event of a paste: no pod named yet (the store gives it the paste's owner), seen once,
/// kind and reason unknown until a row says them.
pub(super) fn loose_event(message: &str, source: Location) -> PodEvent {
    PodEvent {
        namespace: None,
        pod: String::new(),
        container: None,
        record: EventRecord {
            kind: None,
            reason: String::new(),
            message: message.trim_end().to_string(),
            count: 1,
            first_seen: None,
            last_seen: None,
            age: None,
            source,
        },
    }
}

/// Whose incident an event about object `kind/name` is: a pod's; a workload's (a ReplicaSet,
/// Job, StatefulSet … that fails to create its pods: `FailedCreate … failed calling webhook`)
/// when it warns, under `kind/name` (a label, no pod name); the anonymous pod's for a node's OOM kill (the
/// kernel killed a process of some container on it: the store joins it to the pod in trouble).
/// `None` for the rest (scaling, node conditions, …).
pub(crate) fn event_owner<'a>(
    kind: &str,
    name: &'a str,
    ty: &str,
    reason: &str,
) -> Option<std::borrow::Cow<'a, str>> {
    let kind = kind.split('.').next().unwrap_or(kind).to_ascii_lowercase();
    if !is_name(name) {
        return None;
    }
    match kind.as_str() {
        "pod" => Some(name.into()),
        "replicaset"
        | "deployment"
        | "job"
        | "cronjob"
        | "statefulset"
        | "daemonset"
        | "replicationcontroller"
            if ty == "Warning" =>
        {
            // `kind/name` as kubectl prints it: no pod is named, so the suggested commands
            // keep their `<pod>` placeholder (a slash is no pod name) instead of running
            // `kubectl delete pod` on a ReplicaSet's name.
            Some(format!("{kind}/{name}").into())
        }
        "node" if matches!(reason, "OOMKilling" | "SystemOOM") => Some("".into()),
        _ => None,
    }
}

/// A `get events` row, under its header or alone (`--no-headers`, a cut-off export): `None`
/// when the line is no row, `Some(None)` for a row about another kind of object.
pub(super) fn event_row(
    line: &str,
    cols: Option<&Columns>,
    file: &str,
    n: u64,
) -> Option<Option<PodEvent>> {
    let Some(c) = cols else {
        return crate::ingest::text::headerless_event_row(line, file, n);
    };
    let reason = c.get(line, "REASON").filter(|r| !r.is_empty())?;
    let kind = c.get(line, "TYPE").unwrap_or("");
    let owner = match c.get(line, "OBJECT") {
        Some(object) => {
            let (k, name) = object.split_once('/')?;
            event_owner(k, name, kind, reason)
        }
        // Old kubectl: separate NAME and KIND columns.
        None => {
            let k = c.get(line, "KIND")?;
            let name = c.get(line, "NAME").filter(|n| is_name(n))?;
            event_owner(k, name, kind, reason)
        }
    };
    let Some(pod) = owner else {
        return Some(None);
    };
    Some(Some(PodEvent {
        namespace: c
            .get(line, "NAMESPACE")
            .filter(|_| !pod.is_empty())
            .map(str::to_string),
        pod: pod.to_string(),
        container: c
            .get(line, "SUBOBJECT")
            .and_then(crate::ingest::objects::container_from_field_path),
        record: EventRecord {
            kind: c.get(line, "TYPE").map(str::to_string),
            reason: reason.to_string(),
            message: c.get(line, "MESSAGE").unwrap_or("").to_string(),
            count: c
                .get(line, "COUNT")
                .and_then(|x| x.parse().ok())
                .unwrap_or(1),
            first_seen: None,
            last_seen: None,
            age: c.get(line, "LAST SEEN").map(str::to_string),
            source: Location::new(file, n),
        },
    }))
}

pub(super) fn table_pod_row(c: &Columns, line: &str, file: &str, n: u64) -> Option<PodRow> {
    let name = c.get(line, "NAME").filter(|n| is_name(n))?;
    let restarts_cell = c.get(line, "RESTARTS").unwrap_or("");
    Some(PodRow {
        namespace: c.get(line, "NAMESPACE").map(str::to_string),
        name: name.to_string(),
        ready: c.get(line, "READY").and_then(|r| {
            let (a, b) = r.split_once('/')?;
            Some((a.parse().ok()?, b.parse().ok()?))
        }),
        status: c.get(line, "STATUS").unwrap_or("").to_string(),
        restarts: restarts_cell
            .split_whitespace()
            .next()
            .and_then(|r| r.parse().ok()),
        last_restart_secs: restarts_cell
            .split_once('(')
            .and_then(|(_, r)| r.strip_suffix(" ago)"))
            .and_then(kubectl_age_secs),
        source: Location::new(file, n),
    })
}

/// Whether an event-scoped rule recognises `text`: a kubelet message (`Liveness probe failed:
/// … connection refused` is the probe's failure, whatever log rules also see in it).
fn kubelet_message(set: &PatternSet, text: &str) -> bool {
    let mut event = false;
    set.for_each_match(text.as_bytes(), SourceKind::Event, |r| {
        event |= set
            .rule(r)
            .is_some_and(|rule| rule.scope == crate::patterns::Scope::Event);
    });
    event
}

/// Lines no parser took that event rules recognise become events. A short paragraph whose
/// lines match nothing alone but whose joined text does is a line wrapped by a terminal or a
/// mail client: a kubelet message becomes an event, a log line replaces its first piece in
/// `joined` (the other pieces are blanked).
pub(super) fn lone_messages(
    set: &PatternSet,
    lines: &[&str],
    consumed: &mut [bool],
    file: &str,
    events: &mut Vec<PodEvent>,
    joined_logs: &mut Vec<(usize, String)>,
) {
    let event =
        |message: String, n: usize| loose_event(&message, Location::new(file, n as u64 + 1));
    let matches_any = |t: &str| {
        !set.matches(t.as_bytes(), SourceKind::Event).is_empty()
            || !set.matches(t.as_bytes(), SourceKind::Log).is_empty()
    };
    let mut i = 0;
    while i < lines.len() {
        let t = lines[i].trim();
        if consumed[i] || t.is_empty() {
            i += 1;
            continue;
        }
        if kubelet_message(set, t) {
            events.push(event(t.to_string(), i));
            consumed[i] = true;
            i += 1;
            continue;
        }
        // Up to three lines, none recognised alone, joined as a wrap would have cut them: at a
        // space (mail clients) or mid-word (terminals).
        let mut j = i;
        while j < lines.len()
            && j - i < 3
            && !consumed[j]
            && !lines[j].trim().is_empty()
            && !matches_any(lines[j].trim())
        {
            j += 1;
        }
        let mut k = j;
        while k >= i + 2 {
            let pieces: Vec<&str> = lines[i..k].iter().map(|l| l.trim()).collect();
            let found = [" ", ""]
                .into_iter()
                .map(|sep| pieces.join(sep))
                .find(|t| matches_any(t));
            if let Some(text) = found {
                if kubelet_message(set, &text) {
                    events.push(event(text, i));
                    for c in consumed.iter_mut().take(k).skip(i) {
                        *c = true;
                    }
                } else {
                    joined_logs.push((i, text));
                    for c in consumed.iter_mut().take(k).skip(i + 1) {
                        *c = true;
                    }
                    consumed[i] = true;
                }
                break;
            }
            k -= 1;
        }
        i = if k >= i + 2 { k } else { i + 1 };
    }
}
