//! A paste's container status: the status keys (describe's `Last State: Terminated`, YAML's
//! `lastState: terminated:`, JSON's `"exitCode": 137,`) folded together, the [`StatusBuilder`]
//! that turns key lines into a pod record, and a status printed as one line of JSON.

use super::is_name;
use crate::incident::{ContainerState, ContainerStatus, Location, Terminated};
use crate::ingest::artifact::{ContainerRecord, PodRecord};

/// Status keys, describe (`Last State`) and YAML (`lastState`) spellings folded together.
#[derive(Clone, Copy, PartialEq, Debug)]
pub(super) enum Key {
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

pub(super) fn key_of(k: &str) -> Option<Key> {
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
pub(super) fn key_line(line: &str) -> Option<(usize, &str, &str)> {
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

/// Describe's keys flattened onto one line (`Last State: Terminated, Reason: Completed, Exit
/// Code: 0`), split at the commas or semicolons that precede a key; a value's own commas (a
/// date's `Tue, 01 Dec`) stay in it. `None` unless the line starts with a status key and holds
/// two at least.
pub(super) fn flat_keys(line: &str) -> Option<Vec<(&str, &str)>> {
    let t = line.trim();
    let mut keys: Vec<(&str, &str)> = Vec::new();
    let mut start = 0;
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    for (i, _) in t.match_indices([',', ';']) {
        if t[i + 1..].starts_with(' ') {
            cuts.push((start, i));
            start = i + 1;
        }
    }
    cuts.push((start, t.len()));
    let mut value_end: Option<(&str, usize, usize)> = None;
    for (a, b) in cuts {
        let seg = t[a..b].trim();
        let key = seg
            .split_once(':')
            .map(|(k, _)| k.trim())
            .filter(|k| matches!(key_of(k), Some(k) if k != Key::Other && k != Key::PodName));
        match (key, value_end.as_mut()) {
            (Some(k), _) => {
                if let Some((pk, vs, ve)) = value_end.take() {
                    keys.push((pk, t[vs..ve].trim()));
                }
                let vs = a + t[a..b].find(':')? + 1;
                value_end = Some((k, vs, b));
            }
            (None, Some((_, _, ve))) => *ve = b,
            (None, None) => return None,
        }
    }
    if let Some((pk, vs, ve)) = value_end {
        keys.push((pk, t[vs..ve].trim()));
    }
    (keys.len() >= 2).then_some(keys)
}

/// Whether the text has a container-status anchor, so `Reason:` lines are status, not log.
pub(super) fn has_status_anchor(text: &str) -> bool {
    text.lines().any(|l| {
        let flat = flat_keys(l).is_some_and(|keys| {
            keys.iter().any(|(k, _)| {
                matches!(
                    key_of(k),
                    Some(Key::LastState | Key::ExitCode | Key::RestartCount | Key::State)
                )
            })
        });
        flat || key_line(l).is_some_and(|(_, k, v)| match key_of(k) {
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
pub(super) struct StatusBuilder {
    file: String,
    pub(super) pod: PodRecord,
    ctx: Ctx,
    sub: Sub,
    in_limits: bool,
    /// A `Message:` whose continuation lines (deeper indented) are still coming.
    message_indent: Option<usize>,
    /// A name line (`  app:` or `- name: app`) waiting for its container block.
    pub(super) pending_name: Option<String>,
    pub(super) seen: bool,
    /// The keys are YAML's, which kubectl sorts: `restartCount` comes before `state` in the
    /// same container, whereas describe's `Restart Count` ends a container block.
    pub(super) yaml: bool,
}

impl StatusBuilder {
    /// A builder for the statuses of `file`'s anonymous pod, before any key line.
    pub(super) fn new(file: &str) -> StatusBuilder {
        StatusBuilder {
            file: file.to_string(),
            pod: PodRecord::default(),
            ctx: Ctx::None,
            sub: Sub::None,
            in_limits: false,
            message_indent: None,
            pending_name: None,
            seen: false,
            yaml: false,
        }
    }

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
                .is_some_and(|s| s.state.is_some() || (!self.yaml && s.restart_count.is_some()))
        });
        if stated || self.pending_name.is_some() && !self.pod.containers.is_empty() {
            self.pod.containers.push(ContainerRecord {
                name: self.pending_name.take().unwrap_or_default(),
                ..Default::default()
            });
        }
    }

    /// `- containerID: …`: a YAML list item starts the next container once the last one has a
    /// status.
    pub(super) fn list_item(&mut self) {
        if self
            .pod
            .containers
            .last()
            .is_some_and(|c| c.status.is_some())
        {
            self.pod.containers.push(ContainerRecord {
                name: self.pending_name.take().unwrap_or_default(),
                ..Default::default()
            });
            self.ctx = Ctx::None;
            self.sub = Sub::None;
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
    pub(super) fn key(&mut self, ind: usize, k: Key, v: &str, n: u64) -> bool {
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
    pub(super) fn continuation(&mut self, line: &str, n: u64) -> bool {
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
