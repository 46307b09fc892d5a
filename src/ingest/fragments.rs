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

use std::sync::LazyLock;

use regex::Regex;

use super::artifact::{Artifact, ContainerRecord, PodEvent, PodRecord, PodRow};
use super::text::{age_and_count, is_events_header, is_pods_header, kubectl_age_secs, Columns};
use crate::incident::{
    ContainerState, ContainerStatus, EventRecord, Location, SourceKind, Terminated,
};
use crate::patterns::PatternSet;

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

/// A describe `Events:` row without its header: `Warning  BackOff  3m (x5 over 4m)  kubelet  msg`.
static DESCRIBE_ROW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*(Normal|Warning)\s+([A-Za-z][A-Za-z0-9]*)\s+((?:<unknown>|<invalid>|[0-9][0-9smhdy]*)(?:\s+\(x(\d+)\s+over\s+[0-9smhdy]+\))?)\s+(?:[a-z][-a-z0-9]*(?:,\s*\S+)?\s{2,})?(\S.*)$",
    )
    .expect("valid regex")
});

/// A row of kubectl's old `describe` events table (before 1.10):
/// `FirstSeen  LastSeen  Count  From  SubObjectPath  Type  Reason  Message`.
static OLD_DESCRIBE_ROW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*(?:<invalid>|<unknown>|[0-9][0-9smhdy]*)\s+(?:<invalid>|<unknown>|[0-9][0-9smhdy]*)\s+(\d+)\s+(?:\{[^}]*\}|[a-z][-a-z0-9]*(?:,\s*\S+)?)\s+(?:(spec\.\S+)\s+)?(Normal|Warning)\s+([A-Za-z][A-Za-z0-9]*)\s+(\S.*)$",
    )
    .expect("valid regex")
});

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
static PROMPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:\S*[$#❯>%]\s*)?(kubectl|k|oc|microk8s kubectl|k3s kubectl)\s+(\S.*)$")
        .expect("valid regex")
});

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

/// A `get pods` row, with or without header: `[NS] NAME READY STATUS RESTARTS [(Xs ago)] AGE …`.
fn pod_row(line: &str, file: &str, n: u64) -> Option<PodRow> {
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

/// Status keys, describe (`Last State`) and YAML (`lastState`) spellings folded together.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Key {
    State,
    LastState,
    Waiting,
    Running,
    Terminated,
    Reason,
    Message,
    ExitCode,
    Signal,
    Started,
    Finished,
    Ready,
    RestartCount,
    Image,
    Limits,
    Memory,
    Liveness,
    Startup,
    PodName,
    Namespace,
    PodStatus,
    /// Other fields of a container block or pod status, consumed without effect.
    Other,
}

fn key_of(k: &str) -> Option<Key> {
    Some(match k {
        "State" | "state" => Key::State,
        "Last State" | "lastState" => Key::LastState,
        "waiting" => Key::Waiting,
        "running" => Key::Running,
        "terminated" => Key::Terminated,
        "Reason" | "reason" => Key::Reason,
        "Message" | "message" => Key::Message,
        "Exit Code" | "exitCode" => Key::ExitCode,
        "Signal" | "signal" => Key::Signal,
        "Started" | "startedAt" => Key::Started,
        "Finished" | "finishedAt" => Key::Finished,
        "Ready" | "ready" => Key::Ready,
        "Restart Count" | "restartCount" => Key::RestartCount,
        "Image" | "image" => Key::Image,
        "Limits" | "limits" => Key::Limits,
        "memory" => Key::Memory,
        "Liveness" => Key::Liveness,
        "Startup" => Key::Startup,
        "Name" => Key::PodName,
        "Namespace" => Key::Namespace,
        "Status" | "phase" => Key::PodStatus,
        "Container ID"
        | "containerID"
        | "Image ID"
        | "imageID"
        | "Port"
        | "Ports"
        | "Host Port"
        | "Host Ports"
        | "Command"
        | "Args"
        | "Requests"
        | "requests"
        | "cpu"
        | "Readiness"
        | "Environment"
        | "Mounts"
        | "Environment Variables from"
        | "started"
        | "lastProbeTime"
        | "lastTransitionTime"
        | "resources"
        | "Priority"
        | "Node"
        | "Start Time"
        | "IP"
        | "IPs"
        | "Controlled By"
        | "QoS Class"
        | "Service Account"
        | "Labels"
        | "Annotations"
        | "Node-Selectors"
        | "Tolerations"
        | "Conditions"
        | "Volumes"
        | "Containers"
        | "Init Containers"
        | "containerStatuses" => Key::Other,
        _ => return None,
    })
}

/// `  Last State:     Terminated` → (indent, `Last State`, `Terminated`); list dashes count as
/// indentation (`- name: app`).
/// JSON spellings (`"exitCode": 137,`, `"terminated": {`) read as YAML ones.
fn key_line(line: &str) -> Option<(usize, &str, &str)> {
    let body = line.trim_start_matches([' ', '\t', '-']);
    let ind = line.len() - body.len();
    let (k, v) = body.split_once(':')?;
    let k = k
        .strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .unwrap_or(k);
    if k.is_empty() || k.len() > 30 || k.contains("  ") || k.ends_with(' ') || k.contains('"') {
        return None;
    }
    let v = v.trim().trim_end_matches(',').trim_end_matches('{').trim();
    Some((ind, k, v.trim_matches(['"', '\''])))
}

/// Whether the text has a container-status anchor, so `Reason:` lines are status, not log.
fn has_status_anchor(text: &str) -> bool {
    text.lines().any(|l| {
        key_line(l).is_some_and(|(_, k, v)| match key_of(k) {
            Some(Key::LastState | Key::ExitCode | Key::RestartCount) => true,
            Some(Key::State) => v.is_empty() || matches!(v, "Waiting" | "Running" | "Terminated"),
            Some(Key::Terminated | Key::Waiting) => v.is_empty(),
            // A pod-level excerpt: `Status: Failed` / `Reason: Evicted`.
            Some(Key::Reason) => v == "Evicted",
            _ => false,
        })
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    None,
    Current,
    Last,
}

#[derive(Clone, Copy, PartialEq)]
enum Sub {
    None,
    Waiting,
    Running,
    Terminated,
}

/// Builds container statuses from status key lines.
struct StatusBuilder {
    file: String,
    pod: PodRecord,
    ctx: Ctx,
    sub: Sub,
    in_limits: bool,
    /// A `Message:` whose continuation lines (deeper indented) are still coming.
    message_indent: Option<usize>,
    /// A name line (`  app:` or `- name: app`) waiting for its container block.
    pending_name: Option<String>,
    seen: bool,
}

impl StatusBuilder {
    fn container(&mut self, n: u64) -> &mut ContainerRecord {
        if self.pod.containers.is_empty() {
            self.pod.containers.push(ContainerRecord {
                name: self.pending_name.take().unwrap_or_default(),
                ..Default::default()
            });
        }
        let file = self.file.clone();
        let c = self.pod.containers.last_mut().expect("just pushed");
        c.status.get_or_insert(ContainerStatus {
            state: None,
            last_terminated: None,
            restart_count: None,
            ready: None,
            source: Location::new(file, n),
        });
        c
    }

    /// A second `State:` starts the next container.
    fn next_container_if_stated(&mut self) {
        let stated = self.pod.containers.last().is_some_and(|c| {
            c.status
                .as_ref()
                .is_some_and(|s| s.state.is_some() || s.restart_count.is_some())
        });
        if stated || self.pending_name.is_some() && !self.pod.containers.is_empty() {
            self.pod.containers.push(ContainerRecord {
                name: self.pending_name.take().unwrap_or_default(),
                ..Default::default()
            });
        }
    }

    fn terminated(&mut self, n: u64) -> Option<&mut Terminated> {
        let ctx = self.ctx;
        let st = self.container(n).status.as_mut()?;
        match ctx {
            Ctx::Last => st.last_terminated.as_mut(),
            _ => match st.state.as_mut()? {
                ContainerState::Terminated(t) => Some(t),
                _ => None,
            },
        }
    }

    fn set_state(&mut self, sub: Sub, n: u64) {
        self.sub = sub;
        let ctx = self.ctx;
        let st = self.container(n).status.as_mut().expect("status exists");
        if ctx == Ctx::Last {
            if sub == Sub::Terminated {
                st.last_terminated.get_or_insert_with(Terminated::default);
            }
            return;
        }
        st.state = match sub {
            Sub::Waiting => Some(ContainerState::Waiting {
                reason: None,
                message: None,
            }),
            Sub::Running => Some(ContainerState::Running { started_at: None }),
            Sub::Terminated => Some(ContainerState::Terminated(Terminated::default())),
            Sub::None => st.state.take(),
        };
    }

    /// Feed one key line; returns whether it was used.
    fn key(&mut self, ind: usize, k: Key, v: &str, n: u64) -> bool {
        self.message_indent = None;
        if k != Key::Memory {
            self.in_limits = k == Key::Limits;
        }
        match k {
            Key::PodName => {
                if ind == 0 && is_name(v) {
                    self.pod.name = v.to_string();
                }
            }
            Key::Namespace => {
                if is_name(v) {
                    self.pod.namespace = Some(v.to_string());
                }
            }
            Key::PodStatus => {
                if ind == 0 || self.ctx == Ctx::None {
                    if !v.is_empty() {
                        self.pod.phase = Some(v.to_string());
                    }
                    self.ctx = Ctx::None;
                    self.sub = Sub::None;
                }
            }
            Key::State => {
                self.next_container_if_stated();
                self.ctx = Ctx::Current;
                self.sub = Sub::None;
                match v {
                    "Waiting" => self.set_state(Sub::Waiting, n),
                    "Running" => self.set_state(Sub::Running, n),
                    "Terminated" => self.set_state(Sub::Terminated, n),
                    _ => {
                        self.container(n);
                    }
                }
            }
            Key::LastState => {
                self.ctx = Ctx::Last;
                self.sub = Sub::None;
                self.container(n);
                if v == "Terminated" {
                    self.set_state(Sub::Terminated, n);
                }
            }
            Key::Waiting | Key::Running | Key::Terminated => {
                if self.ctx == Ctx::None {
                    self.ctx = Ctx::Current;
                }
                let sub = match k {
                    Key::Waiting => Sub::Waiting,
                    Key::Running => Sub::Running,
                    _ => Sub::Terminated,
                };
                self.set_state(sub, n);
            }
            Key::Reason | Key::Message => {
                let is_msg = k == Key::Message;
                let v = if matches!(v, ">-" | ">" | "|" | "|-") {
                    ""
                } else {
                    v
                };
                if is_msg {
                    self.message_indent = Some(ind);
                }
                match (self.ctx, self.sub) {
                    (Ctx::Current, Sub::Waiting) => {
                        let st = self.container(n).status.as_mut().expect("status");
                        if let Some(ContainerState::Waiting { reason, message }) = st.state.as_mut()
                        {
                            *(if is_msg { message } else { reason }) = Some(v.to_string());
                        }
                    }
                    (Ctx::Current | Ctx::Last, Sub::Terminated) => {
                        if let Some(t) = self.terminated(n) {
                            *(if is_msg {
                                &mut t.message
                            } else {
                                &mut t.reason
                            }) = Some(v.to_string());
                        }
                    }
                    (Ctx::None, _) => {
                        let slot = if is_msg {
                            &mut self.pod.message
                        } else {
                            &mut self.pod.reason
                        };
                        *slot = Some(v.to_string());
                    }
                    _ => {}
                }
            }
            Key::ExitCode | Key::Signal | Key::Started | Key::Finished => {
                if self.sub == Sub::Running && k == Key::Started {
                    let st = self.container(n).status.as_mut().expect("status");
                    if let Some(ContainerState::Running { started_at }) = st.state.as_mut() {
                        *started_at = Some(v.to_string());
                    }
                } else if let Some(t) = self.terminated(n) {
                    match k {
                        Key::ExitCode => t.exit_code = v.parse().ok(),
                        Key::Signal => t.signal = v.parse().ok(),
                        Key::Started => t.started_at = Some(v.to_string()),
                        _ => t.finished_at = Some(v.to_string()),
                    }
                }
            }
            Key::Ready => {
                if matches!(v, "True" | "true" | "False" | "false") {
                    self.container(n).status.as_mut().expect("status").ready =
                        Some(v.eq_ignore_ascii_case("true"));
                }
                self.ctx = Ctx::None;
                self.sub = Sub::None;
            }
            Key::RestartCount => {
                if let Ok(r) = v.parse() {
                    self.container(n)
                        .status
                        .as_mut()
                        .expect("status")
                        .restart_count = Some(r);
                }
                self.ctx = Ctx::None;
                self.sub = Sub::None;
            }
            Key::Image => {
                if !v.is_empty() {
                    self.container(n).spec.image = Some(v.to_string());
                }
            }
            Key::Limits => {}
            Key::Memory => {
                if self.in_limits && !v.is_empty() {
                    self.container(n).spec.memory_limit = Some(v.to_string());
                }
            }
            Key::Liveness => self.container(n).spec.liveness_probe = Some(v.to_string()),
            Key::Startup => self.container(n).spec.startup_probe = Some(v.to_string()),
            Key::Other => {}
        }
        self.seen = true;
        true
    }

    /// A deeper-indented line continuing a `Message:`.
    fn continuation(&mut self, line: &str, n: u64) -> bool {
        let Some(mi) = self.message_indent else {
            return false;
        };
        let body = line.trim_start();
        if line.len() - body.len() <= mi || body.is_empty() {
            return false;
        }
        let (ctx, sub) = (self.ctx, self.sub);
        // YAML folds lines with a space; describe continues a message on a new line.
        let sep = if self.file.ends_with(".yaml") {
            ' '
        } else {
            '\n'
        };
        let slot: Option<&mut Option<String>> = match (ctx, sub) {
            (Ctx::Current, Sub::Waiting) => {
                let st = self.container(n).status.as_mut().expect("status");
                match st.state.as_mut() {
                    Some(ContainerState::Waiting { message, .. }) => Some(message),
                    _ => None,
                }
            }
            (_, Sub::Terminated) => self.terminated(n).map(|t| &mut t.message),
            (Ctx::None, _) => Some(&mut self.pod.message),
            _ => None,
        };
        let Some(slot) = slot else { return false };
        let m = slot.get_or_insert_with(String::new);
        if !m.is_empty() {
            m.push(sep);
        }
        m.push_str(body.trim_end());
        true
    }
}

/// Read a paste. `set` tells kubelet messages from log lines.
pub(crate) fn paste(set: &PatternSet, text: &str, file: &str) -> Paste {
    let lines: Vec<&str> = text.lines().collect();
    let mut consumed = vec![false; lines.len()];
    let mut artifacts = Vec::new();
    let mut events: Vec<PodEvent> = Vec::new();
    let mut owner = Owner::default();
    let anchored = has_status_anchor(text);
    let mut status = StatusBuilder {
        file: file.to_string(),
        pod: PodRecord::default(),
        ctx: Ctx::None,
        sub: Sub::None,
        in_limits: false,
        message_indent: None,
        pending_name: None,
        seen: false,
    };
    let mut event_cols: Option<Columns> = None;
    let mut pod_cols: Option<Columns> = None;
    let mut in_events_section = false;
    for (i, &line) in lines.iter().enumerate() {
        let n = i as u64 + 1;
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(c) = PROMPT.captures(line) {
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
            consumed[i] = true;
            continue;
        }
        if let Some(row) = event_row(line, event_cols.as_ref(), file, n) {
            // Rows about other objects (Deployments, ReplicaSets, Nodes) are read and dropped.
            if let Some(e) = row {
                artifacts.push(Artifact::Event(e));
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
            if let Some((ind, k, v)) = key_line(line) {
                if let Some(key) = key_of(k) {
                    consumed[i] = status.key(ind, key, v, n);
                    continue;
                }
                // `  app:` (describe) or `- name: app` (YAML) names the next container.
                if v.is_empty() && ind > 0 && is_name(k) {
                    status.pending_name = Some(k.to_string());
                    consumed[i] = true;
                    continue;
                }
                if k == "name" && is_name(v) {
                    status.pending_name = Some(v.to_string());
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

/// An event of a paste: no pod named yet (the store gives it the paste's owner), seen once,
/// kind and reason unknown until a row says them.
/// A container status (or a pod `status`) printed as one line of JSON — what `kubectl get pod
/// -o jsonpath='{.status.containerStatuses[0]}'` prints — as a Pod object of the anonymous pod.
pub(crate) fn json_status_line(t: &str) -> Option<serde_json::Value> {
    use serde_json::{json, Value};
    if !(t.starts_with('{') || t.starts_with('[')) || !(t.ends_with('}') || t.ends_with(']')) {
        return None;
    }
    let v: Value = serde_json::from_str(t).ok()?;
    let is_container_status = |c: &Value| {
        c.get("lastState").is_some()
            || (c.get("state").is_some_and(Value::is_object)
                && (c.get("restartCount").is_some() || c.get("containerID").is_some()))
    };
    let statuses: Vec<Value> = match &v {
        Value::Array(items) if !items.is_empty() && items.iter().all(is_container_status) => {
            items.clone()
        }
        Value::Object(_) if is_container_status(&v) => vec![v.clone()],
        Value::Object(o) => {
            let status = o.get("status").unwrap_or(&v);
            let list = status.get("containerStatuses")?.as_array()?;
            if !list.iter().all(is_container_status) {
                return None;
            }
            let mut status = status.clone();
            if let Some(s) = status.as_object_mut() {
                s.retain(|k, _| {
                    matches!(
                        k.as_str(),
                        "phase"
                            | "reason"
                            | "message"
                            | "containerStatuses"
                            | "initContainerStatuses"
                    )
                });
            }
            return Some(json!({"kind": "Pod", "metadata": {"name": "-"}, "status": status}));
        }
        _ => return None,
    };
    Some(
        json!({"kind": "Pod", "metadata": {"name": "-"}, "status": {"containerStatuses": statuses}}),
    )
}

fn loose_event(message: &str, source: Location) -> PodEvent {
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

/// A `get events` row, under its header or alone (`--no-headers`, a cut-off export): `None`
/// when the line is no row, `Some(None)` for a row about another kind of object.
fn event_row(line: &str, cols: Option<&Columns>, file: &str, n: u64) -> Option<Option<PodEvent>> {
    let Some(c) = cols else {
        return super::text::headerless_event_row(line, file, n);
    };
    let reason = c.get(line, "REASON").filter(|r| !r.is_empty())?;
    let pod = match c.get(line, "OBJECT") {
        Some(object) => {
            if !object.contains('/') {
                return None;
            }
            object
                .strip_prefix("pod/")
                .or_else(|| object.strip_prefix("Pod/"))
        }
        // Old kubectl: separate NAME and KIND columns.
        None => {
            let kind = c.get(line, "KIND")?;
            let name = c.get(line, "NAME").filter(|n| is_name(n))?;
            (kind == "Pod").then_some(name)
        }
    };
    let Some(pod) = pod else {
        return Some(None);
    };
    Some(Some(PodEvent {
        namespace: c.get(line, "NAMESPACE").map(str::to_string),
        pod: pod.to_string(),
        container: c
            .get(line, "SUBOBJECT")
            .and_then(super::objects::container_from_field_path),
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

fn table_pod_row(c: &Columns, line: &str, file: &str, n: u64) -> Option<PodRow> {
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
fn lone_messages(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> PatternSet {
        PatternSet::embedded()
    }

    fn status(p: &Paste) -> ContainerStatus {
        p.artifacts
            .iter()
            .find_map(|a| match a {
                Artifact::Pod(p) => p.containers.first().and_then(|c| c.status.clone()),
                _ => None,
            })
            .expect("a container status")
    }

    #[test]
    fn describe_excerpt_without_header() {
        let text = "    State:          Waiting\n      Reason:       CrashLoopBackOff\n    Last State:     Terminated\n      Reason:       OOMKilled\n      Exit Code:    137\n    Ready:          False\n    Restart Count:  7\n";
        let p = paste(&set(), text, "paste.txt");
        let s = status(&p);
        assert!(
            matches!(s.state, Some(ContainerState::Waiting { reason: Some(ref r), .. }) if r == "CrashLoopBackOff")
        );
        let t = s.last_terminated.expect("last state");
        assert_eq!(t.reason.as_deref(), Some("OOMKilled"));
        assert_eq!(t.exit_code, Some(137));
        assert_eq!(s.restart_count, Some(7));
        assert!(!p.has_log);
    }

    #[test]
    fn yaml_status_fragment_with_broken_indentation() {
        let text = "state:\n        waiting:\n          reason: CrashLoopBackOff\n          message: >-\n            back-off 5m0s restarting failed container=api\n      lastState:\n        terminated:\n          exitCode: 137\n          reason: OOMKilled\n";
        let s = status(&paste(&set(), text, "pod.yaml"));
        assert!(
            matches!(s.state, Some(ContainerState::Waiting { message: Some(ref m), .. }) if m.contains("back-off 5m0s"))
        );
        assert_eq!(
            s.last_terminated.and_then(|t| t.reason).as_deref(),
            Some("OOMKilled")
        );
    }

    #[test]
    fn json_status_fragment() {
        let text = "\"lastState\": {\n  \"terminated\": {\n    \"exitCode\": 137,\n    \"reason\": \"OOMKilled\"\n  }\n},\n\"restartCount\": 5,\n";
        let s = status(&paste(&set(), text, "status.json"));
        let t = s.last_terminated.expect("last state");
        assert_eq!(t.reason.as_deref(), Some("OOMKilled"));
        assert_eq!(t.exit_code, Some(137));
        assert_eq!(s.restart_count, Some(5));
    }

    #[test]
    fn headerless_event_rows_and_prompts() {
        let text = "$ kubectl describe pod api-1\n  Warning  Unhealthy  2m (x9 over 5m)  kubelet  Liveness probe failed: HTTP probe failed with statuscode: 500\n  Normal   Killing    2m               kubelet  Container api failed liveness probe, will be restarted\n";
        let p = paste(&set(), text, "events.txt");
        let events: Vec<&EventRecord> = p
            .artifacts
            .iter()
            .filter_map(|a| match a {
                Artifact::Event(e) => Some(&e.record),
                _ => None,
            })
            .collect();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].reason, "Unhealthy");
        assert_eq!(events[0].count, 9);
        assert!(events[1]
            .message
            .starts_with("Container api failed liveness"));
        assert!(!p.has_log);
    }

    #[test]
    fn old_kubectl_event_tables() {
        let text = "  FirstSeen\tLastSeen\tCount\tFrom\t\t\tSubObjectPath\t\tType\t\tReason\t\tMessage\n  ---------\t--------\t-----\t----\t\t\t-------------\t\t--------\t------\t\t-------\n  3m\t\t3m\t\t1\t{default-scheduler }\t\t\t\tNormal\t\tScheduled\tSuccessfully assigned web-1 to node-2\n  2m\t\t1m\t\t4\t{kubelet node-2}\tspec.containers{web}\tWarning\t\tFailed\t\tFailed to pull image \"acme/web:v9\": not found\n";
        let p = paste(&set(), text, "events.txt");
        let failed = p
            .artifacts
            .iter()
            .find_map(|a| match a {
                Artifact::Event(e) if e.record.reason == "Failed" => Some(e),
                _ => None,
            })
            .expect("the Failed row");
        assert_eq!(failed.record.count, 4);
        assert_eq!(failed.container.as_deref(), Some("web"));
        assert!(failed.record.message.starts_with("Failed to pull image"));
        assert!(
            !p.has_log,
            "header or separator left as log: {}",
            p.log_text
        );

        let old_get = "LASTSEEN   FIRSTSEEN   COUNT     NAME          KIND      SUBOBJECT                 TYPE      REASON    SOURCE            MESSAGE\n1m         5m          6         api-1         Pod       spec.containers{api}      Warning   BackOff   kubelet, node-1   Back-off restarting failed container\n";
        let p = paste(&set(), old_get, "events.txt");
        assert!(p.artifacts.iter().any(
            |a| matches!(a, Artifact::Event(e) if e.pod == "api-1" && e.record.reason == "BackOff")
        ));
        assert!(!p.has_log);
    }

    #[test]
    fn waiting_to_start_names_pod_container_and_reason() {
        let p = paste(
            &set(),
            "Error from server (BadRequest): container \"api\" in pod \"api-7d9f8-abcde\" is waiting to start: trying and failing to pull image\n",
            "logs.txt",
        );
        let pod = p
            .artifacts
            .iter()
            .find_map(|a| match a {
                Artifact::Pod(p) => Some(p),
                _ => None,
            })
            .expect("a pod");
        assert_eq!(pod.name, "api-7d9f8-abcde");
        assert_eq!(pod.containers[0].name, "api");
        assert!(matches!(
            pod.containers[0].status.as_ref().and_then(|s| s.state.clone()),
            Some(ContainerState::Waiting { reason: Some(ref r), .. }) if r == "ImagePullBackOff"
        ));
        assert!(waiting_reason("ContainerCreating").is_some());
        assert!(waiting_reason("the node is busy").is_none());
    }

    #[test]
    fn kubectl_logs_prompt_names_the_owner() {
        let p = paste(
            &set(),
            "user@host:~$ kubectl logs web-5d8f7-abcde -c nginx -n shop --previous\nboom\n",
            "x.log",
        );
        assert_eq!(p.owner.pod.as_deref(), Some("web-5d8f7-abcde"));
        assert_eq!(p.owner.container.as_deref(), Some("nginx"));
        assert_eq!(p.owner.namespace.as_deref(), Some("shop"));
        assert!(p.owner.previous);
        assert!(p.has_log);
    }

    #[test]
    fn pod_rows_without_header() {
        let row = pod_row(
            "web-5d8f7-abcde   0/1   CrashLoopBackOff   12 (3m ago)   1h",
            "f",
            1,
        )
        .expect("a row");
        assert_eq!(row.status, "CrashLoopBackOff");
        assert_eq!(row.restarts, Some(12));
        assert_eq!(row.last_restart_secs, Some(180));
        assert!(pod_row("2024-01-01 12:00:00 INFO 1/2 done", "f", 1).is_none());
    }

    #[test]
    fn log_lines_stay_log() {
        let text = "2024-05-01T10:00:00Z INFO starting\nReason: unknown\npanic: boom\n";
        let p = paste(&set(), text, "app.log");
        assert!(p.artifacts.is_empty());
        assert_eq!(p.log_text.lines().count(), 3);
    }
}
