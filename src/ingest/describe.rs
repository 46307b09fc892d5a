//! `kubectl describe pod` output, one pod or several: the pod's name, namespace, phase and
//! reason, each container's spec, state and last state, and the `Events:` table.

use super::artifact::{Artifact, ContainerRecord, PodEvent, PodRecord};
use super::fragments::DESCRIBE_ROW;
use super::objects;
use super::text::{age_and_count, Columns};
use crate::incident::{
    ContainerSpec, ContainerState, ContainerStatus, EventRecord, Location, Terminated,
};

/// Whether the text starts like `kubectl describe pod`.
pub(crate) fn is_describe(text: &str) -> bool {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    lines.next().is_some_and(|l| l.starts_with("Name:"))
        && text.lines().take(40).any(|l| l.starts_with("Namespace:"))
}
#[derive(Clone, Copy, PartialEq)]
enum Section {
    Top,
    Containers { init: bool },
    Events,
    Other,
}

#[derive(Clone, Copy, PartialEq)]
enum Block {
    None,
    State,
    LastState,
    Limits,
}

/// Keys `kubectl describe pod` prints at column 0.
fn is_top_key(line: &str) -> bool {
    const KEYS: &[&str] = &[
        "Name",
        "Namespace",
        "Priority",
        "Priority Class Name",
        "Runtime Class Name",
        "Service Account",
        "Node",
        "Start Time",
        "Labels",
        "Annotations",
        "Status",
        "Reason",
        "Message",
        "SeccompProfile",
        "IP",
        "IPs",
        "Controlled By",
        "NominatedNodeName",
        "Init Containers",
        "Containers",
        "Readiness Gates",
        "Conditions",
        "Volumes",
        "QoS Class",
        "Node-Selectors",
        "Tolerations",
        "Topology Spread Constraints",
        "Events",
        "Ephemeral Containers",
    ];
    line.split_once(':')
        .is_some_and(|(k, _)| KEYS.contains(&k.trim_end()))
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn key_value(line: &str) -> Option<(&str, &str)> {
    let t = line.trim_start();
    let (k, v) = t.split_once(':')?;
    if k.is_empty() || k.contains("  ") {
        return None;
    }
    Some((k.trim(), v.trim()))
}

struct DescribeState<'a> {
    file: &'a str,
    pod: Option<PodRecord>,
    events: Vec<PodEvent>,
    section: Section,
    block: Block,
    /// Which terminated record a `Message:` continuation extends.
    last_key: Option<&'static str>,
    event_cols: Option<Columns>,
}

/// Text pasted after a describe block (`and the logs:` and the container's log): the lines
/// `start..end` of the input, owned by the pod described before them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tail {
    pub start: usize,
    pub end: usize,
    pub namespace: Option<String>,
    pub pod: String,
    /// The pod's container when it has only one.
    pub container: Option<String>,
}

/// A line introducing a log pasted after a describe block: `Logs:`, `and the logs:`, `kubectl
/// logs output:`, or a `kubectl logs` prompt. A container's name (`fluentd-logs:`) is none.
fn is_log_intro(line: &str) -> bool {
    let t = line.trim();
    if super::fragments::is_logs_prompt(t) {
        return true;
    }
    let Some(body) = t.strip_suffix(':') else {
        return false;
    };
    let lower = body.to_ascii_lowercase();
    body.len() <= 60
        && lower.contains("log")
        && (body.contains(' ') || body.starts_with(|c: char| c.is_ascii_uppercase()))
        && !is_top_key(t)
        && !CONTAINER_KEYS.contains(&body)
        && !STATE_KEYS.contains(&body)
}

impl DescribeState<'_> {
    fn flush(&mut self, out: &mut Vec<Artifact>) {
        if let Some(p) = self.pod.take() {
            for mut e in self.events.drain(..) {
                e.namespace = p.namespace.clone();
                e.pod = p.name.clone();
                out.push(Artifact::Event(e));
            }
            out.push(Artifact::Pod(p));
        }
        self.events.clear();
    }

    fn container(&mut self) -> Option<&mut ContainerRecord> {
        self.pod.as_mut()?.containers.last_mut()
    }
}

fn status_mut(c: &mut ContainerRecord, loc: Location) -> &mut ContainerStatus {
    c.status.get_or_insert(ContainerStatus {
        state: None,
        last_terminated: None,
        restart_count: None,
        ready: None,
        source: loc,
    })
}

fn terminated_mut(c: &mut ContainerRecord, block: Block, loc: Location) -> Option<&mut Terminated> {
    let st = status_mut(c, loc);
    match block {
        Block::State => match st.state.as_mut()? {
            ContainerState::Terminated(t) => Some(t),
            _ => None,
        },
        Block::LastState => st.last_terminated.as_mut(),
        _ => None,
    }
}

/// Parse one or more `kubectl describe pod` outputs. Returns the stretches of other text pasted
/// after a describe block (a log, most often), for the paste reader.
pub(crate) fn describe(text: &str, file: &str, out: &mut Vec<Artifact>) -> Vec<Tail> {
    let mut st = DescribeState {
        file,
        pod: None,
        events: Vec::new(),
        section: Section::Top,
        block: Block::None,
        last_key: None,
        event_cols: None,
    };
    let mut tails: Vec<Tail> = Vec::new();
    let mut in_tail = false;
    let mut after_blank = false;
    for (i, line) in text.lines().enumerate() {
        let loc = Location::new(st.file, i as u64 + 1);
        if line.trim().is_empty() {
            after_blank = true;
            continue;
        }
        let blank_before = std::mem::replace(&mut after_blank, false);
        let ind = indent(line);
        if in_tail {
            // Another describe block ends the pasted text.
            if !line.starts_with("Name:") {
                if let Some(t) = tails.last_mut() {
                    t.end = i + 1;
                }
                continue;
            }
            in_tail = false;
        }
        if let Some(p) = st.pod.as_ref() {
            let in_message = st.last_key == Some("message") && !blank_before;
            // After the events, a paragraph kubectl did not print is the user's: a log.
            let after_events = st.section == Section::Events
                && blank_before
                && ind == 0
                && !line.starts_with("Name:")
                && !is_top_key(line)
                && !DESCRIBE_ROW.is_match(line)
                && !line.starts_with("----")
                && !(line.starts_with("Type") && line.contains("Reason"));
            if (!in_message && is_log_intro(line)) || after_events {
                let mut apps = p.containers.iter().filter(|c| !c.spec.init);
                let container = match (apps.next(), apps.next()) {
                    (Some(c), None) if !c.name.is_empty() => Some(c.name.clone()),
                    _ => None,
                };
                tails.push(Tail {
                    start: i,
                    end: i + 1,
                    namespace: p.namespace.clone(),
                    pod: p.name.clone(),
                    container,
                });
                in_tail = true;
                continue;
            }
        }
        if let Section::Containers { init } = st.section {
            match container_level(&st, line, ind) {
                Some(Level::Name) => {
                    start_container(&mut st, line, init);
                    st.last_key = None;
                    continue;
                }
                Some(Level::Key) => {
                    describe_container_line(&mut st, line, 4, loc);
                    continue;
                }
                Some(Level::Sub) => {
                    describe_container_line(&mut st, line, 6, loc);
                    continue;
                }
                None => {}
            }
        }
        let event_like = st.section == Section::Events && {
            let t = line.trim_start();
            t.starts_with("----")
                || (t.starts_with("Type") && t.contains("Reason") && t.contains("Message"))
                || DESCRIBE_ROW.is_match(line)
        };
        if ind == 0
            && matches!(st.section, Section::Containers { .. })
            && st.last_key == Some("message")
            && !is_top_key(line)
        {
            // kubectl prints the lines after the first of a multi-line termination message
            // (FallbackToLogsOnError) at column 0.
            describe_container_line(&mut st, line, 8, loc);
            continue;
        }
        if ind == 0 && st.section == Section::Events && !line.starts_with("Name:") && !event_like {
            // Multi-line event messages (NFS mount output, …) continue at column 0.
            if let Some(e) = st.events.last_mut() {
                e.record.message.push('\n');
                e.record.message.push_str(line.trim_end());
                continue;
            }
        }
        if ind == 0 && !event_like {
            st.block = Block::None;
            st.last_key = None;
            let Some((k, v)) = key_value(line) else {
                continue;
            };
            match k {
                "Name" => {
                    st.flush(out);
                    st.pod = Some(PodRecord {
                        name: v.to_string(),
                        ..Default::default()
                    });
                    st.section = Section::Top;
                }
                "Namespace" if st.section == Section::Top => {
                    if let Some(p) = st.pod.as_mut() {
                        p.namespace = Some(v.to_string());
                    }
                }
                "Status" if st.section == Section::Top => {
                    if let Some(p) = st.pod.as_mut() {
                        p.phase = Some(v.to_string());
                    }
                }
                "Reason" if st.section == Section::Top => {
                    if let Some(p) = st.pod.as_mut() {
                        p.reason = Some(v.to_string());
                    }
                }
                "Message" if st.section == Section::Top => {
                    if let Some(p) = st.pod.as_mut() {
                        p.message = Some(v.to_string());
                    }
                }
                "Containers" => st.section = Section::Containers { init: false },
                "Init Containers" => st.section = Section::Containers { init: true },
                "Events" => {
                    st.section = Section::Events;
                    st.event_cols = None;
                }
                _ => {
                    // Without indentation, an environment variable or a request is no
                    // section's end; only a key kubectl prints at column 0 is.
                    let in_containers = matches!(st.section, Section::Containers { .. });
                    if st.section != Section::Top && (!in_containers || is_top_key(line)) {
                        st.section = Section::Other;
                    }
                }
            }
            continue;
        }
        match st.section {
            Section::Containers { init } => {
                if ind == 2 && line.trim_end().ends_with(':') && !line.trim().contains(' ') {
                    start_container(&mut st, line, init);
                    continue;
                }
                describe_container_line(&mut st, line, ind, loc);
            }
            Section::Events => {
                let t = line.trim_start();
                if t.starts_with("Type") && t.contains("Reason") && t.contains("Message") {
                    st.event_cols = Some(Columns::parse(line));
                    continue;
                }
                if t.starts_with("----") {
                    continue;
                }
                // A row pasted with tabs, or without the header: kubectl's fields in order.
                if st.event_cols.is_none() || line.trim_start().contains('\t') {
                    if let Some(c) = DESCRIBE_ROW.captures(line) {
                        let (age, count) = age_and_count(&c[3]);
                        st.events.push(PodEvent {
                            namespace: None,
                            pod: String::new(),
                            container: None,
                            record: EventRecord {
                                kind: Some(c[1].to_string()),
                                reason: c[2].to_string(),
                                message: c[5].trim_end().to_string(),
                                count,
                                first_seen: None,
                                last_seen: None,
                                age: Some(age),
                                source: loc,
                            },
                        });
                    }
                    continue;
                }
                let Some(c) = &st.event_cols else { continue };
                let (age, count) = age_and_count(c.get(line, "Age").unwrap_or(""));
                st.events.push(PodEvent {
                    namespace: None,
                    pod: String::new(),
                    container: None,
                    record: EventRecord {
                        kind: c.get(line, "Type").map(str::to_string),
                        reason: c.get(line, "Reason").unwrap_or("").to_string(),
                        message: c.get(line, "Message").unwrap_or("").to_string(),
                        count,
                        first_seen: None,
                        last_seen: None,
                        age: Some(age),
                        source: loc,
                    },
                });
            }
            _ => {}
        }
    }
    st.flush(out);
    tails
}

/// Where a line of the `Containers:` section belongs, told by its key rather than by its
/// indentation, which a paste may have halved, removed or turned into tabs.
#[derive(Clone, Copy, PartialEq)]
enum Level {
    /// `  app:`, a container's name.
    Name,
    /// `    State:  Waiting`, a key of the container.
    Key,
    /// `      Reason:  OOMKilled`, a key of its state or of its limits.
    Sub,
}

/// Keys of a container block.
const CONTAINER_KEYS: &[&str] = &[
    "Container ID",
    "Image",
    "Image ID",
    "Port",
    "Ports",
    "Host Port",
    "Host Ports",
    "Command",
    "Args",
    "State",
    "Last State",
    "Ready",
    "Restart Count",
    "Limits",
    "Requests",
    "Liveness",
    "Readiness",
    "Startup",
    "Environment",
    "Environment Variables from",
    "Mounts",
];

/// Keys of a `State:` or `Last State:` block.
const STATE_KEYS: &[&str] = &[
    "Reason",
    "Message",
    "Exit Code",
    "Signal",
    "Started",
    "Finished",
];

/// The level of a `Containers:` line when its key tells it (`None`: read it by indentation). The
/// deeper lines of a multi-line termination message are left to the indentation rules.
fn container_level(st: &DescribeState<'_>, line: &str, ind: usize) -> Option<Level> {
    if st.last_key == Some("message") && ind > 6 {
        return None;
    }
    let (k, v) = key_value(line)?;
    if CONTAINER_KEYS.contains(&k) {
        return Some(Level::Key);
    }
    let in_state = matches!(st.block, Block::State | Block::LastState);
    if (in_state && STATE_KEYS.contains(&k))
        || (st.block == Block::Limits && (k == "memory" || k == "cpu"))
    {
        return Some(Level::Sub);
    }
    let name = v.is_empty()
        && ind <= 2
        && line.trim_end().ends_with(':')
        && !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && k.as_bytes()[0].is_ascii_alphanumeric();
    name.then_some(Level::Name)
}

fn describe_container_line(st: &mut DescribeState<'_>, line: &str, ind: usize, loc: Location) {
    let block = st.block;
    let last_key = st.last_key;
    let Some(c) = st.container() else { return };
    let kv = key_value(line);
    if ind == 4 {
        let Some((k, v)) = kv else {
            return;
        };
        let mut new_block = Block::None;
        let mut new_key = None;
        match k {
            "Image" => c.spec.image = Some(v.to_string()).filter(|s| !s.is_empty()),
            "Container ID" if !v.is_empty() => c.ids.push(objects::strip_scheme(v).to_string()),
            "State" => {
                new_block = Block::State;
                let state = match v {
                    "Waiting" => Some(ContainerState::Waiting {
                        reason: None,
                        message: None,
                    }),
                    "Running" => Some(ContainerState::Running { started_at: None }),
                    "Terminated" => Some(ContainerState::Terminated(Terminated::default())),
                    _ => None,
                };
                let s = status_mut(c, loc);
                s.state = state;
            }
            "Last State" => {
                new_block = Block::LastState;
                let s = status_mut(c, loc);
                if v == "Terminated" {
                    s.last_terminated = Some(Terminated::default());
                }
            }
            "Ready" => status_mut(c, loc).ready = Some(v == "True"),
            "Restart Count" => status_mut(c, loc).restart_count = v.parse().ok(),
            "Limits" => new_block = Block::Limits,
            "Liveness" => c.spec.liveness_probe = Some(v.to_string()),
            "Startup" => c.spec.startup_probe = Some(v.to_string()),
            _ => {}
        }
        if k == "Message" {
            new_key = Some("message");
        }
        st.block = new_block;
        st.last_key = new_key;
        return;
    }
    // Deeper lines belong to the open block.
    match (block, kv) {
        (Block::Limits, Some(("memory", v))) => c.spec.memory_limit = Some(v.to_string()),
        (Block::State | Block::LastState, Some((k, v)))
            if matches!(
                k,
                "Reason" | "Message" | "Exit Code" | "Signal" | "Started" | "Finished"
            ) =>
        {
            if block == Block::State {
                let s = status_mut(c, loc.clone());
                if let Some(ContainerState::Waiting { reason, message }) = s.state.as_mut() {
                    match k {
                        "Reason" => *reason = Some(v.to_string()),
                        "Message" => *message = Some(v.to_string()),
                        _ => {}
                    }
                } else if let Some(ContainerState::Running { started_at }) = s.state.as_mut() {
                    if k == "Started" {
                        *started_at = Some(v.to_string());
                    }
                }
            }
            if let Some(t) = terminated_mut(c, block, loc) {
                match k {
                    "Reason" => t.reason = Some(v.to_string()),
                    "Message" => t.message = Some(v.to_string()),
                    "Exit Code" => t.exit_code = v.parse().ok(),
                    "Signal" => t.signal = v.parse().ok(),
                    "Started" => t.started_at = Some(v.to_string()),
                    "Finished" => t.finished_at = Some(v.to_string()),
                    _ => {}
                }
            }
            st.last_key = (k == "Message").then_some("message");
        }
        (Block::State | Block::LastState, _) if last_key == Some("message") => {
            // A multi-line message continues on deeper-indented lines.
            let extra = line.trim();
            let s = status_mut(c, loc.clone());
            if block == Block::State {
                if let Some(ContainerState::Waiting {
                    message: Some(m), ..
                }) = s.state.as_mut()
                {
                    m.push('\n');
                    m.push_str(extra);
                    return;
                }
            }
            if let Some(t) = terminated_mut(c, block, loc) {
                if let Some(m) = t.message.as_mut() {
                    m.push('\n');
                    m.push_str(extra);
                }
            }
        }
        _ => {}
    }
}

/// A container's name line (`  app:`) opens its record.
fn start_container(st: &mut DescribeState<'_>, line: &str, init: bool) {
    let name = line.trim().trim_end_matches(':').to_string();
    if let Some(p) = st.pod.as_mut() {
        p.containers.push(ContainerRecord {
            name,
            ids: Vec::new(),
            spec: ContainerSpec {
                init,
                ..Default::default()
            },
            status: None,
        });
    }
    st.block = Block::None;
}
