//! Pastes: what people put into a ticket rather than what `kubectl` exported whole.
//!
//! A paste is any text that is not a complete Kubernetes document: a `describe` excerpt that
//! starts at the container block (or holds only `State / Last State / Reason / Exit Code`), a
//! `containerStatuses` YAML fragment with broken indentation, `Events:` rows without their
//! header, a `get pods` row, a lone kubelet message, a shell prompt, and log lines — often all in
//! one file. Each line is classified by its content, never by the file name:
//!
//! - shell prompts (`$ kubectl logs api-7d9f -c app`) are dropped, and a `kubectl logs` prompt
//!   names the log's pod and container;
//! - table headers (`get events`, `describe`'s `Type Reason Age From Message`, `get pods`) may
//!   sit anywhere, and rows are also recognised without them;
//! - status keys (describe's `Last State: Terminated` or YAML's `lastState: terminated:`) build a
//!   container status once the text holds an anchor (`State`, `Last State`, `Exit Code`,
//!   `Restart Count`);
//! - a line (or a short paragraph wrapped by a mail client) that only an event-scoped rule
//!   recognises is a kubelet message: an event;
//! - everything else is log text, scanned by the pattern set with its line numbers intact.
//!
//! What carries no pod name belongs to the anonymous pod (name `""`), which the store joins to
//! the one pod in trouble or keeps as an unidentified incident.

mod rows;
mod status;
#[cfg(test)]
mod tests;

use std::sync::LazyLock;

use regex::Regex;

use super::artifact::{Artifact, ContainerRecord, PodEvent, PodRecord};
use super::text::{age_and_count, is_events_header, is_pods_header, Columns};
use crate::incident::{ContainerState, ContainerStatus, Location, SourceKind};
use crate::patterns::PatternSet;
pub(crate) use rows::{event_owner, DESCRIBE_ROW};
use rows::{event_row, lone_messages, loose_event, pod_row, table_pod_row, OLD_DESCRIBE_ROW};
pub(crate) use status::json_status_line;
use status::{flat_keys, has_status_anchor, key_line, key_of, StatusBuilder};

/// What a paste yields: artifacts, and the text left for the log scanner (consumed lines are
/// blanked so line numbers stay those of the file).
pub(crate) struct Paste {
    pub artifacts: Vec<Artifact>,
    pub log_text: String,
    /// Whether any log text is left.
    pub has_log: bool,
    /// The log's owner, from a `kubectl logs` prompt or a describe `Name:`.
    pub owner: Owner,
}

/// The pod (and container) a paste names.
#[derive(Debug, Default, Clone)]
pub(crate) struct Owner {
    pub namespace: Option<String>,
    pub pod: Option<String>,
    pub container: Option<String>,
    pub previous: bool,
}

/// kubectl's answer to `logs` for a container that never started:
/// `container "api" in pod "api-7d9f" is waiting to start: trying and failing to pull image`.
static WAITING_TO_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"container \\?"([a-z0-9][-a-z0-9]*)\\?" in pod \\?"([a-z0-9][-a-z0-9.]*)\\?" is waiting to start: (.+?)\s*$"#)
        .expect("valid regex")
});

/// The waiting reason behind kubectl's "is waiting to start: …" phrase.
fn waiting_reason(phrase: &str) -> Option<&str> {
    if phrase.contains("pull image") || phrase.contains("image can't be pulled") {
        return Some("ImagePullBackOff");
    }
    let word = phrase.trim_end_matches('.');
    (word.bytes().all(|b| b.is_ascii_alphanumeric()) && word.as_bytes()[0].is_ascii_uppercase())
        .then_some(word)
}

/// A shell prompt running a command (`$ kubectl …`, `user@host:~# k logs …`, `❯ oc get pods`).
/// Group 1 is the prompt, when there is one.
static PROMPT_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(\S*[$#❯>%]\s*)?(?:kubectl|k|oc|microk8s kubectl|k3s kubectl)\s+(\S.*)$")
        .expect("valid regex")
});

/// A command line: with a prompt, or without one when its words read as a command rather than as
/// a sentence that starts with `kubectl` ("kubectl get pod shows the last state as OOMKilled").
fn prompt(line: &str) -> Option<regex::Captures<'_>> {
    let c = PROMPT_LINE.captures(line)?;
    (c.get(1).is_some() || command_words(&c[2])).then_some(c)
}

/// Whether a `kubectl` line's arguments are a command's: a verb, at most a few operands (type,
/// name, a container's command after `--`), flags and their values, no sentence punctuation.
fn command_words(args: &str) -> bool {
    let mut operands = 0;
    let mut after_flag = false;
    let mut quote: Option<char> = None;
    for tok in args.split_whitespace() {
        if let Some(q) = quote {
            if tok.contains(q) {
                quote = None;
            }
            continue;
        }
        if matches!(tok, "--" | "|" | "||" | "&&" | ";" | ">" | "2>&1") {
            break;
        }
        let opens = |t: &str| {
            ['\'', '"']
                .into_iter()
                .find(|&q| t.matches(q).count() % 2 == 1)
        };
        if tok.starts_with('-') {
            after_flag = !tok.contains('=');
            quote = opens(tok);
            continue;
        }
        if std::mem::take(&mut after_flag) {
            quote = opens(tok);
            continue;
        }
        if tok.ends_with([',', '.', ':', ';', '!', '?']) || tok.starts_with(['(', '"', '\'']) {
            return false;
        }
        operands += 1;
        if operands > 5 {
            return false;
        }
    }
    true
}

/// Whether `line` is a shell prompt running `kubectl logs` (or `k`, `oc` …).
pub(crate) fn is_logs_prompt(line: &str) -> bool {
    prompt(line).is_some_and(|c| c[2].split_whitespace().next() == Some("logs"))
}

/// Lower-case fields of a pod's YAML that hold a block, which a paste's `  app:` (a describe
/// container's name) must not be taken for.
const POD_FIELDS: &[&str] = &[
    "containers",
    "spec",
    "status",
    "metadata",
    "env",
    "ports",
    "command",
    "args",
    "labels",
    "annotations",
    "volumes",
    "requests",
    "resources",
    "exec",
    "lifecycle",
    "affinity",
    "tolerations",
    "conditions",
    "items",
];

/// A DNS-1123 name, as pods and containers have.
fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && s.as_bytes()[0].is_ascii_alphanumeric()
}

/// `kubectl logs POD [-c C] [-n NS] [-p]` → the log's owner.
fn prompt_owner(args: &str) -> Option<Owner> {
    let toks: Vec<&str> = args.split_whitespace().collect();
    let at = toks.iter().position(|t| *t == "logs")?;
    let mut o = Owner::default();
    let mut i = at + 1;
    while i < toks.len() {
        let t = toks[i];
        let value = |i: usize| toks.get(i + 1).map(|s| s.to_string());
        match t {
            "-c" | "--container" => {
                o.container = value(i);
                i += 1;
            }
            "-n" | "--namespace" => {
                o.namespace = value(i);
                i += 1;
            }
            "-p" | "--previous" | "--previous=true" => o.previous = true,
            "|" | ">" | "2>&1" => break,
            _ => {
                if let Some(v) = t.strip_prefix("--container=") {
                    o.container = Some(v.to_string());
                } else if let Some(v) = t.strip_prefix("--namespace=") {
                    o.namespace = Some(v.to_string());
                } else if !t.starts_with('-') && o.pod.is_none() {
                    let name = t.strip_prefix("pod/").unwrap_or(t);
                    if is_name(name) && !t.contains('/') || t.starts_with("pod/") {
                        o.pod = Some(name.to_string());
                    }
                }
            }
        }
        i += 1;
    }
    o.pod.as_ref()?;
    o.container = o.container.filter(|c| is_name(c));
    o.namespace = o.namespace.filter(|n| is_name(n));
    Some(o)
}

/// `kubectl logs --prefix` (and `-f` on several pods): `[pod/api-7d9f-x2k4p/app] message`.
static LOGS_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\[pod/([a-z0-9][-a-z0-9.]*)/([a-z0-9][-a-z0-9]*)\] ").expect("valid regex")
});

/// `stern`: `api-7d9f8c6b5-x2k4p app message`. The first word must look like a pod a controller
/// named (a ReplicaSet's `-<hash>-<5 chars>`, a bare pod's `-<5 chars>`, a StatefulSet's `-0`),
/// so that a log line starting with two words is not taken for one.
static STERN_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([a-z0-9][-a-z0-9]*-(?:[bcdfghjklmnpqrstvwxz2456789]{6,10}-[bcdfghjklmnpqrstvwxz2456789]{5}|[bcdfghjklmnpqrstvwxz2456789]{5}|[0-9]{1,3})) ([a-z][-a-z0-9]{0,62}) \S")
        .expect("valid regex")
});

/// Strip the pod and container prefixes that `kubectl logs --prefix` and `stern` put before each
/// log line, so rules that anchor a message at the line's start see it there. When every
/// prefixed line names the same pod and container, they are the log's owner. Stern's shape is
/// only trusted when at least half of the text's lines have it and they agree on the container.
fn strip_log_prefixes(lines: &mut [&str]) -> Owner {
    let mut owners: Vec<(String, String)> = Vec::new();
    let mut any = false;
    for l in lines.iter_mut() {
        if let Some(c) = LOGS_PREFIX.captures(l) {
            owners.push((c[1].to_string(), c[2].to_string()));
            *l = &l[c.get(0).map_or(0, |m| m.end())..];
            any = true;
        }
    }
    if !any {
        let stern: Vec<(usize, String, String, usize)> = lines
            .iter()
            .enumerate()
            .filter_map(|(i, l)| {
                let c = STERN_PREFIX.captures(l)?;
                let end = c.get(2)?.end() + 1;
                Some((i, c[1].to_string(), c[2].to_string(), end))
            })
            .collect();
        let non_empty = lines.iter().filter(|l| !l.trim().is_empty()).count();
        let one_container = stern.windows(2).all(|w| w[0].2 == w[1].2);
        if !stern.is_empty() && stern.len() * 2 >= non_empty && one_container {
            for (i, pod, container, end) in stern {
                lines[i] = &lines[i][end..];
                owners.push((pod, container));
            }
        }
    }
    let mut o = Owner::default();
    if let Some((pod, container)) = owners.first() {
        if owners.iter().all(|x| x == &owners[0]) {
            o.pod = Some(pod.clone());
            o.container = Some(container.clone());
        }
    }
    o
}

/// Where an event row went: the paste's loose events or its artifacts (`get events` rows).
#[derive(Clone, Copy)]
enum RowAt {
    Events(usize),
    Artifacts(usize),
}

/// An event message a mail client or a terminal cut, rejoined with the line that follows its row:
/// only when the joined text is a kubelet message the row's own text was not (`Error: secr` +
/// `et "db" not found`; `Error: configmap` + `"app-config" not found`).
fn rewrapped(set: &PatternSet, message: &str, next: &str) -> Option<String> {
    let recognised = |t: &str| !set.matches(t.as_bytes(), SourceKind::Event).is_empty();
    if next.is_empty() || recognised(message) {
        return None;
    }
    ["", " "]
        .into_iter()
        .map(|sep| format!("{message}{sep}{next}"))
        .find(|j| recognised(j))
}

/// Read a paste. `set` tells kubelet messages from log lines.
pub(crate) fn paste(set: &PatternSet, text: &str, file: &str) -> Paste {
    let mut lines: Vec<&str> = text.lines().collect();
    let mut consumed = vec![false; lines.len()];
    let mut artifacts = Vec::new();
    let mut events: Vec<PodEvent> = Vec::new();
    let mut owner = strip_log_prefixes(&mut lines);
    let anchored = has_status_anchor(text);
    let mut status = StatusBuilder::new(file);
    let mut event_cols: Option<Columns> = None;
    let mut pod_cols: Option<Columns> = None;
    let mut in_events_section = false;
    // The event row on the line before, which a wrapped message may continue.
    let mut last_row: Option<(RowAt, usize)> = None;
    for (i, &line) in lines.iter().enumerate() {
        let n = i as u64 + 1;
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(c) = prompt(line) {
            if let Some(o) = prompt_owner(&c[2]) {
                owner = o;
            }
            consumed[i] = true;
            continue;
        }
        if let Some(pod) = json_status_line(t) {
            let mut found = Vec::new();
            super::objects::collect(&pod, file, &mut found);
            for a in found {
                // The object reader wants a name; the paste's status belongs to the anonymous
                // pod, like every other status key of a paste.
                if let Artifact::Pod(mut p) = a {
                    p.name = String::new();
                    for c in p.containers.iter_mut() {
                        if let Some(st) = c.status.as_mut() {
                            st.source = Location::new(file.to_string(), n);
                        }
                    }
                    artifacts.push(Artifact::Pod(p));
                }
            }
            consumed[i] = true;
            continue;
        }
        if let Some(c) = WAITING_TO_START.captures(line) {
            if let Some(reason) = waiting_reason(&c[3]) {
                artifacts.push(Artifact::Pod(PodRecord {
                    name: c[2].to_string(),
                    containers: vec![ContainerRecord {
                        name: c[1].to_string(),
                        status: Some(ContainerStatus {
                            state: Some(ContainerState::Waiting {
                                reason: Some(reason.to_string()),
                                message: None,
                            }),
                            last_terminated: None,
                            restart_count: None,
                            ready: Some(false),
                            source: Location::new(file, n),
                        }),
                        ..Default::default()
                    }],
                    ..Default::default()
                }));
                consumed[i] = true;
                continue;
            }
        }
        if t == "Events:" || t == "Events:  <none>" {
            in_events_section = true;
            consumed[i] = true;
            continue;
        }
        if is_events_header(line) {
            event_cols = Some(Columns::parse(line));
            pod_cols = None;
            consumed[i] = true;
            continue;
        }
        if (t.starts_with("Type") || t.starts_with("FirstSeen"))
            && t.contains("Reason")
            && t.contains("Message")
        {
            in_events_section = true;
            consumed[i] = true;
            continue;
        }
        if is_pods_header(line) {
            pod_cols = Some(Columns::parse(line));
            event_cols = None;
            consumed[i] = true;
            continue;
        }
        if t.bytes().all(|b| matches!(b, b'-' | b' ' | b'\t')) {
            consumed[i] = true;
            continue;
        }
        if anchored && status.continuation(line, n) {
            consumed[i] = true;
            continue;
        }
        if let Some(c) = DESCRIBE_ROW.captures(line) {
            let (age, count) = age_and_count(&c[3]);
            let mut e = loose_event(&c[5], Location::new(file, n));
            e.record.kind = Some(c[1].to_string());
            e.record.reason = c[2].to_string();
            e.record.count = count;
            e.record.age = Some(age);
            events.push(e);
            last_row = Some((RowAt::Events(events.len() - 1), i));
            consumed[i] = true;
            continue;
        }
        if let Some(c) = OLD_DESCRIBE_ROW.captures(line) {
            let mut e = loose_event(&c[5], Location::new(file, n));
            e.container = c
                .get(2)
                .and_then(|p| super::objects::container_from_field_path(p.as_str()));
            e.record.kind = Some(c[3].to_string());
            e.record.reason = c[4].to_string();
            e.record.count = c[1].parse().unwrap_or(1);
            events.push(e);
            last_row = Some((RowAt::Events(events.len() - 1), i));
            consumed[i] = true;
            continue;
        }
        if let Some(row) = event_row(line, event_cols.as_ref(), file, n) {
            // Rows about other objects (Deployments, ReplicaSets, Nodes) are read and dropped.
            if let Some(e) = row {
                artifacts.push(Artifact::Event(e));
                last_row = Some((RowAt::Artifacts(artifacts.len() - 1), i));
            }
            consumed[i] = true;
            continue;
        }
        if let Some(row) = pod_row(line, file, n).or_else(|| {
            let c = pod_cols.as_ref()?;
            table_pod_row(c, line, file, n)
        }) {
            artifacts.push(Artifact::Row(row));
            consumed[i] = true;
            continue;
        }
        if anchored {
            if let Some(keys) = flat_keys(line) {
                let ind = line.len() - line.trim_start().len();
                for (k, v) in keys {
                    if let Some(key) = key_of(k) {
                        status.key(ind, key, v, n);
                    }
                }
                consumed[i] = true;
                continue;
            }
            if let Some((ind, k, v)) = key_line(line) {
                if let Some(key) = key_of(k) {
                    // YAML's keys are lower-case (`restartCount`), describe's capitalised.
                    status.yaml |= matches!(k, "state" | "lastState" | "restartCount");
                    if line.trim_start().starts_with("- ") {
                        status.list_item();
                    }
                    consumed[i] = status.key(ind, key, v, n);
                    continue;
                }
                // `  app:` (describe) or `- name: app` (YAML) names the next container.
                if v.is_empty() && ind > 0 && is_name(k) {
                    // A pod YAML's own fields (`  containers:`) are no container's name.
                    if !POD_FIELDS.contains(&k) {
                        status.pending_name = Some(k.to_string());
                    }
                    consumed[i] = true;
                    continue;
                }
                if k == "name" && is_name(v) {
                    // kubectl sorts keys: `name:` inside an item (after `image:`, `lastState:`)
                    // names that item's container; `- name:` starts the next one.
                    let inside = !line.trim_start().starts_with('-');
                    match status.pod.containers.last_mut() {
                        Some(c) if inside && c.name.is_empty() => c.name = v.to_string(),
                        Some(c) if inside && c.name == v => {}
                        _ => status.pending_name = Some(v.to_string()),
                    }
                    consumed[i] = true;
                    continue;
                }
            }
        }
        if in_events_section && line.starts_with(' ') && events.last().is_some() {
            // Without the columns, a deeper line after an event row continues its message.
            if let Some(e) = events.last_mut() {
                if e.record.source.line + 1 == n && !line.trim_start().starts_with(['{', '[']) {
                    e.record.message.push(' ');
                    e.record.message.push_str(t);
                    consumed[i] = true;
                    continue;
                }
            }
        }
        if let Some((at, row_line)) = last_row.take() {
            let message = match at {
                RowAt::Events(k) => events.get_mut(k).map(|e| &mut e.record.message),
                RowAt::Artifacts(k) => match artifacts.get_mut(k) {
                    Some(Artifact::Event(e)) => Some(&mut e.record.message),
                    _ => None,
                },
            };
            if let Some(m) = message.filter(|_| row_line + 1 == i) {
                if let Some(joined) = rewrapped(set, m, t) {
                    *m = joined;
                    consumed[i] = true;
                    continue;
                }
            }
        }
    }
    // Lone kubelet messages, one line or a paragraph wrapped by a mail client.
    let mut joined_logs = Vec::new();
    lone_messages(
        set,
        &lines,
        &mut consumed,
        file,
        &mut events,
        &mut joined_logs,
    );
    if status.seen && (!status.pod.containers.is_empty() || status.pod.reason.is_some()) {
        if status.pod.name.is_empty() {
            if let Some(p) = &owner.pod {
                status.pod.name = p.clone();
                status.pod.namespace = status.pod.namespace.or(owner.namespace.clone());
            }
        }
        for c in &mut status.pod.containers {
            if c.name.is_empty() {
                if let Some(name) = &owner.container {
                    c.name = name.clone();
                }
            }
        }
        for mut e in events.drain(..) {
            e.pod = status.pod.name.clone();
            e.namespace = status.pod.namespace.clone();
            artifacts.push(Artifact::Event(e));
        }
        artifacts.push(Artifact::Pod(status.pod));
    } else {
        for mut e in events.drain(..) {
            if let Some(p) = &owner.pod {
                e.pod = p.clone();
                e.namespace = owner.namespace.clone();
            }
            artifacts.push(Artifact::Event(e));
        }
    }
    let mut log_text = String::with_capacity(text.len());
    let mut has_log = false;
    for (i, line) in lines.iter().enumerate() {
        if let Some((_, text)) = joined_logs.iter().find(|(at, _)| *at == i) {
            log_text.push_str(text);
            has_log = true;
        } else if !consumed[i] {
            log_text.push_str(line);
            has_log |= !line.trim().is_empty();
        }
        log_text.push('\n');
    }
    Paste {
        artifacts,
        log_text,
        has_log,
        owner,
    }
}
