//! kubectl's human-readable outputs: `describe pod`, `get events` and `get pods` tables.

use super::artifact::{Artifact, ContainerRecord, PodEvent, PodRecord};
use crate::incident::{
    ContainerSpec, ContainerState, ContainerStatus, EventRecord, Location, Terminated,
};

/// Column layout of a kubectl table, read from its header line.
pub(crate) struct Columns {
    cols: Vec<(String, usize)>,
}

impl Columns {
    /// Columns are separated by runs of two or more spaces (kubectl pads with three); names may
    /// hold single spaces (`LAST SEEN`).
    pub(crate) fn parse(header: &str) -> Columns {
        let mut cols = Vec::new();
        let b = header.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b' ' {
                i += 1;
                continue;
            }
            let start = i;
            while i < b.len() && !(b[i] == b' ' && (i + 1 >= b.len() || b[i + 1] == b' ')) {
                i += 1;
            }
            cols.push((header[start..i].trim().to_string(), start));
        }
        Columns { cols }
    }

    fn has(&self, name: &str) -> bool {
        self.cols.iter().any(|(n, _)| n == name)
    }

    pub(crate) fn get<'a>(&self, row: &'a str, name: &str) -> Option<&'a str> {
        let i = self.cols.iter().position(|(n, _)| n == name)?;
        let start = floor_boundary(row, self.cols[i].1);
        let end = match self.cols.get(i + 1) {
            Some(&(_, e)) => floor_boundary(row, e),
            None => row.len(),
        };
        row.get(start..end.max(start)).map(str::trim)
    }
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Whether `line` is the header of a `kubectl get events` table.
pub(crate) fn is_events_header(line: &str) -> bool {
    let c = Columns::parse(line);
    // kubectl before 1.14 printed `LASTSEEN FIRSTSEEN COUNT NAME KIND SUBOBJECT TYPE REASON …`.
    c.has("REASON")
        && c.has("MESSAGE")
        && (c.has("LAST SEEN") || c.has("OBJECT") || c.has("LASTSEEN"))
}

/// A headerless `get events` row (`--no-headers`, or a cut-off export):
/// `[NAMESPACE] LAST-SEEN TYPE REASON KIND/NAME MESSAGE`.
struct Row<'a> {
    namespace: Option<&'a str>,
    age: &'a str,
    kind: &'a str,
    reason: &'a str,
    object: &'a str,
    message: &'a str,
}

fn headerless_event(line: &str) -> Option<Row<'_>> {
    let mut f = line.split_whitespace();
    let mut first = f.next()?;
    let mut ns = None;
    let mut kind = f.next()?;
    if !matches!(kind, "Normal" | "Warning") {
        ns = Some(first);
        first = kind;
        kind = f.next()?;
        if !matches!(kind, "Normal" | "Warning") {
            return None;
        }
    }
    let reason = f.next()?;
    let object = f.next()?;
    let is_age = |a: &str| {
        a == "<unknown>"
            || (a.starts_with(|c: char| c.is_ascii_digit())
                && a.chars().all(|c| c.is_ascii_digit() || "smhdy".contains(c))
                && a.ends_with(|c: char| "smhdy".contains(c)))
    };
    if !object.contains('/') || !is_age(first) {
        return None;
    }
    // The message is the rest of the line, spacing preserved.
    let at = line.find(object)? + object.len();
    Some(Row {
        namespace: ns,
        age: first,
        kind,
        reason,
        object,
        message: line[at..].trim(),
    })
}

/// A headerless `get events` row: `Some(None)` when it is about another kind of object.
pub(crate) fn headerless_event_row(line: &str, file: &str, n: u64) -> Option<Option<PodEvent>> {
    let r = headerless_event(line)?;
    let Some(pod) = r
        .object
        .strip_prefix("pod/")
        .or_else(|| r.object.strip_prefix("Pod/"))
    else {
        return Some(None);
    };
    Some(Some(PodEvent {
        namespace: r.namespace.map(str::to_string),
        pod: pod.to_string(),
        container: None,
        record: EventRecord {
            kind: Some(r.kind.to_string()),
            reason: r.reason.to_string(),
            message: r.message.to_string(),
            count: 1,
            first_seen: None,
            last_seen: None,
            age: Some(r.age.to_string()),
            source: Location::new(file, n),
        },
    }))
}

/// Whether `line` is the header of a `kubectl get pods` table.
pub(crate) fn is_pods_header(line: &str) -> bool {
    let c = Columns::parse(line);
    c.has("NAME") && c.has("READY") && c.has("STATUS") && c.has("RESTARTS")
}

/// Whether the text starts like `kubectl describe pod`.
pub(crate) fn is_describe(text: &str) -> bool {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    lines.next().is_some_and(|l| l.starts_with("Name:"))
        && text.lines().take(40).any(|l| l.starts_with("Namespace:"))
}

/// kubectl's short ages (`23s`, `4m56s`, `5d1h`, `2y`) in seconds.
pub(crate) fn kubectl_age_secs(s: &str) -> Option<u64> {
    let (mut total, mut num) = (0u64, String::new());
    for ch in s.trim().chars() {
        if ch.is_ascii_digit() {
            num.push(ch);
            continue;
        }
        let unit = match ch {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            'y' => 365 * 86400,
            _ => return None,
        };
        // Checked: an age like `99999999999999999999y` is input, not a reason to panic.
        total = total.checked_add(num.parse::<u64>().ok()?.checked_mul(unit)?)?;
        num.clear();
    }
    num.is_empty().then_some(total)
}

/// `14s (x2 over 28s)` → (`14s`, 2).
pub(crate) fn age_and_count(s: &str) -> (String, u32) {
    if let Some(i) = s.find("(x") {
        let rest = &s[i + 2..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        (
            s[..i].trim().to_string(),
            digits.parse().unwrap_or(1).max(1),
        )
    } else {
        (s.trim().to_string(), 1)
    }
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

/// Parse one or more `kubectl describe pod` outputs.
pub(crate) fn describe(text: &str, file: &str, out: &mut Vec<Artifact>) {
    let mut st = DescribeState {
        file,
        pod: None,
        events: Vec::new(),
        section: Section::Top,
        block: Block::None,
        last_key: None,
        event_cols: None,
    };
    for (i, line) in text.lines().enumerate() {
        let loc = Location::new(st.file, i as u64 + 1);
        if line.trim().is_empty() {
            continue;
        }
        let ind = indent(line);
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
        if ind == 0 && st.section == Section::Events && !line.starts_with("Name:") {
            // Multi-line event messages (NFS mount output, …) continue at column 0.
            if let Some(e) = st.events.last_mut() {
                e.record.message.push('\n');
                e.record.message.push_str(line.trim_end());
                continue;
            }
        }
        if ind == 0 {
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
                    if st.section != Section::Top {
                        st.section = Section::Other;
                    }
                }
            }
            continue;
        }
        match st.section {
            Section::Containers { init } => {
                if ind == 2 && line.trim_end().ends_with(':') && !line.trim().contains(' ') {
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
            "Container ID" if !v.is_empty() => {
                c.ids.push(super::objects::strip_scheme(v).to_string())
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_ages() {
        assert_eq!(kubectl_age_secs("23s"), Some(23));
        assert_eq!(kubectl_age_secs("4m56s"), Some(296));
        assert_eq!(kubectl_age_secs("5d1h"), Some(5 * 86400 + 3600));
        assert_eq!(kubectl_age_secs("soon"), None);
    }

    #[test]
    fn age_counts() {
        assert_eq!(age_and_count("14s (x2 over 28s)"), ("14s".into(), 2));
        assert_eq!(age_and_count("5m"), ("5m".into(), 1));
    }

    #[test]
    fn columns_with_spaces_in_names() {
        let h = "LAST SEEN   TYPE      REASON    OBJECT        MESSAGE";
        let c = Columns::parse(h);
        let names: Vec<_> = c.cols.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]);
        let row = "14s         Warning   Failed    pod/api-1     Error: ErrImagePull";
        assert_eq!(c.get(row, "OBJECT"), Some("pod/api-1"));
        assert_eq!(c.get(row, "MESSAGE"), Some("Error: ErrImagePull"));
    }
}
