//! What ingest produces and the engine consumes: one [`Incident`] per container.
//!
//! An incident holds *facts* (container status, events) and *pre-scanned logs* ([`LogScan`]):
//! logs are matched while they stream, so an incident stays small however large the input was.

use serde::Serialize;

/// Where a piece of evidence came from.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A container log line.
    Log,
    /// A Kubernetes Event.
    Event,
    /// A container status field (state, lastState, reason, exit code, message).
    Status,
}

impl SourceKind {
    /// `log`, `event` or `status`.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Log => "log",
            SourceKind::Event => "event",
            SourceKind::Status => "status",
        }
    }
}

/// A position in an input: `file:line` (line is 1-based, 0 when unknown).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Location {
    /// The file (or `archive.tgz!member`, or `-` for stdin, or `api` in live mode).
    pub file: String,
    /// 1-based line number; 0 when the format has no lines (JSON objects).
    pub line: u64,
}

impl Location {
    /// A new location.
    pub fn new(file: impl Into<String>, line: u64) -> Location {
        Location {
            file: file.into(),
            line,
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}", self.file, self.line)
        } else {
            f.write_str(&self.file)
        }
    }
}

/// A terminated container state (current or last).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Terminated {
    /// `OOMKilled`, `Error`, `Completed`, `StartError`, `ContainerCannotRun`, …
    pub reason: Option<String>,
    /// The process exit code.
    pub exit_code: Option<i32>,
    /// The signal, when the runtime reports one.
    pub signal: Option<i32>,
    /// The termination message (may hold the last log lines with `FallbackToLogsOnError`).
    pub message: Option<String>,
    /// RFC 3339 start time.
    pub started_at: Option<String>,
    /// RFC 3339 finish time.
    pub finished_at: Option<String>,
}

/// The current state of a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContainerState {
    /// Not running: `CrashLoopBackOff`, `ImagePullBackOff`, `CreateContainerConfigError`, …
    Waiting {
        /// The kubelet's reason.
        reason: Option<String>,
        /// The kubelet's message (e.g. `back-off 40s restarting failed container=…`).
        message: Option<String>,
    },
    /// Running since `started_at`.
    Running {
        /// RFC 3339 start time.
        started_at: Option<String>,
    },
    /// Terminated and not (yet) restarted.
    Terminated(Terminated),
}

/// What the pod status (or `describe`, or a `get pods` row) says about one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerStatus {
    /// Current state.
    pub state: Option<ContainerState>,
    /// The previous instance's termination (`lastState.terminated`).
    pub last_terminated: Option<Terminated>,
    /// Restart count.
    pub restart_count: Option<u32>,
    /// Readiness.
    pub ready: Option<bool>,
    /// Where the status was read.
    pub source: Location,
}

/// The parts of a container's spec that matter for diagnosis and remediation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerSpec {
    /// Image reference.
    pub image: Option<String>,
    /// Memory limit as written (`512Mi`).
    pub memory_limit: Option<String>,
    /// Liveness probe, as `describe` prints it or a JSON summary.
    pub liveness_probe: Option<String>,
    /// Startup probe.
    pub startup_probe: Option<String>,
    /// Whether this is an init container.
    pub init: bool,
}

/// A Kubernetes Event about the pod or one of its containers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// `Normal` or `Warning`.
    pub kind: Option<String>,
    /// `BackOff`, `Unhealthy`, `Killing`, `Failed`, `FailedMount`, …
    pub reason: String,
    /// The message.
    pub message: String,
    /// How many times it was seen (`count`, `series.count`, `(x12 over 4m)`).
    pub count: u32,
    /// When it was first seen (`firstTimestamp`): RFC 3339 when known.
    pub first_seen: Option<String>,
    /// When it was last seen: RFC 3339 when known.
    pub last_seen: Option<String>,
    /// Age as printed by kubectl (`4m56s`) when that is all there is.
    pub age: Option<String>,
    /// Where it was read.
    pub source: Location,
}

/// A log line (decoded: CRI/Docker framing removed), with its location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// 1-based line number in the source.
    pub line: u64,
    /// The text, lossily decoded and shortened to [`MAX_EVIDENCE_LEN`].
    pub text: String,
}

/// One pattern rule matching one log line.
#[derive(Debug, Clone, PartialEq)]
pub struct LogHit {
    /// Index of the rule in the engine's [`PatternSet`](crate::patterns::PatternSet).
    pub rule: usize,
    /// The rule's weight (evidence strength).
    pub weight: f64,
    /// The line.
    pub line: LogLine,
    /// How many lines matched this rule in total (this hit is the last one).
    pub count: u32,
    /// Named captures of the rule's regex on this line.
    pub captures: Vec<(String, String)>,
    /// How many lines before the end of the log this hit sits (0 = the last line).
    pub lines_from_end: u64,
}

/// The result of streaming one container log through the pattern set.
///
/// Memory is bounded: at most the last hit per rule and the last [`TAIL_LINES`] lines are kept.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogScan {
    /// The log's name (file, archive member, or `api:pod/container`).
    pub source: String,
    /// Whether this is the previous (crashed) instance's log.
    pub previous: bool,
    /// Restart number from a CRI path (`…/app/3.log`), when known.
    pub restart: Option<u32>,
    /// Lines read.
    pub lines: u64,
    /// Bytes read.
    pub bytes: u64,
    /// The last hit of each rule that matched.
    pub hits: Vec<LogHit>,
    /// The crash window: the last lines of the log.
    pub tail: Vec<LogLine>,
    /// The first line (decoded, shortened): a container's instances share their start-up
    /// banner, which lets an unidentified log join its sibling.
    pub first_line: Option<String>,
    /// Lines longer than [`MAX_LINE`](crate::scan::MAX_LINE): only their start was searched.
    pub long_lines: u64,
    /// The first such line's number.
    pub first_long_line: Option<u64>,
}

/// How many lines of a log's end are kept as the crash window.
pub const TAIL_LINES: usize = 40;

/// Evidence text is cut to this many bytes (at a char boundary).
pub const MAX_EVIDENCE_LEN: usize = 400;

/// Everything known about one container: the unit the engine diagnoses.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Incident {
    /// Namespace, when an artifact revealed it.
    pub namespace: Option<String>,
    /// Pod name (or a file stem for logs nothing could attach).
    pub pod: String,
    /// Container name, when known.
    pub container: Option<String>,
    /// The container's status.
    pub status: Option<ContainerStatus>,
    /// Spec facts.
    pub spec: ContainerSpec,
    /// Pod phase (`Running`, `Pending`, …) and `status.reason` (`Evicted`, …).
    pub pod_phase: Option<String>,
    /// Pod-level reason, e.g. `Evicted`.
    pub pod_reason: Option<String>,
    /// Pod-level message, e.g. the eviction message.
    pub pod_message: Option<String>,
    /// The pod's restart policy (`Always` when unknown and owned by a controller).
    pub restart_policy: Option<String>,
    /// Seconds since the last restart, from `kubectl get pods` (`4 (23s ago)`).
    pub last_restart_secs: Option<u64>,
    /// No artifact named the pod (a paste, or a log named after its file): `pod` is only a
    /// label, and suggested commands use a `<pod>` placeholder.
    pub unidentified: bool,
    /// Events about this container or its pod.
    pub events: Vec<EventRecord>,
    /// Scanned logs of this container.
    pub logs: Vec<LogScan>,
}

impl Incident {
    /// `namespace/pod/container` with unknown parts left out.
    pub fn display_name(&self) -> String {
        qualified_name(
            self.namespace.as_deref(),
            &self.pod,
            self.container.as_deref(),
        )
    }
}

/// `namespace/pod/container` with unknown parts left out.
pub fn qualified_name(namespace: Option<&str>, pod: &str, container: Option<&str>) -> String {
    let mut s = String::new();
    if let Some(ns) = namespace {
        s.push_str(ns);
        s.push('/');
    }
    s.push_str(if pod.is_empty() {
        "<unidentified>"
    } else {
        pod
    });
    if let Some(c) = container {
        s.push('/');
        s.push_str(c);
    }
    s
}

/// Cut `s` to about `max` bytes so that the byte range `span` (a rule's match) stays visible:
/// when the match ends past `max`, the text shown is a window ending just after it.
pub(crate) fn clip_around(s: &str, span: Option<(usize, usize)>, max: usize) -> String {
    let s = s.trim_end_matches(['\r', '\n']);
    let Some((start, end)) = span.filter(|&(_, e)| e > max && e <= s.len()) else {
        return clip(s, max);
    };
    let mut to = (end + 60).min(s.len());
    while !s.is_char_boundary(to) {
        to += 1;
    }
    let to = snap_back(s, to, end);
    let mut from = to.saturating_sub(max).min(start);
    while !s.is_char_boundary(from) {
        from -= 1;
    }
    let from = snap_forward(s, from, start);
    let body = clip(&s[from..to], max.max(end - from));
    let mut out = String::with_capacity(body.len() + 6);
    if from > 0 {
        out.push('…');
    }
    out.push_str(&body);
    if to < s.len() && !out.ends_with('…') {
        out.push('…');
    }
    out
}

/// Cut `s` to at most `max` bytes at a char boundary, marking the cut with `…`.
pub(crate) fn clip(s: &str, max: usize) -> String {
    let s = s.trim_end_matches(['\r', '\n']);
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let end = snap_back(s, end, max / 2);
    format!("{}…", &s[..end])
}

/// How far a cut may move to land on whitespace. Cutting inside a word would show half of it,
/// and half a token or key is a secret the redactor no longer recognises.
const SNAP: usize = 80;

/// A cut at or before `end` (a char boundary) and not before `floor` that falls just before
/// whitespace; `end` itself when there is none within [`SNAP`] bytes.
fn snap_back(s: &str, end: usize, floor: usize) -> usize {
    if end >= s.len() || s[end..].starts_with(char::is_whitespace) {
        return end;
    }
    let mut lo = end.saturating_sub(SNAP).max(floor);
    while lo < end && !s.is_char_boundary(lo) {
        lo += 1;
    }
    s.get(lo..end)
        .and_then(|w| w.rfind(char::is_whitespace))
        .map_or(end, |i| lo + i)
}

/// A cut at or after `from` (a char boundary) and not after `ceil` that falls just after
/// whitespace; `from` itself when there is none within [`SNAP`] bytes.
fn snap_forward(s: &str, from: usize, ceil: usize) -> usize {
    if from == 0 {
        return 0;
    }
    let mut hi = (from + SNAP).min(ceil).min(s.len());
    while hi > from && !s.is_char_boundary(hi) {
        hi -= 1;
    }
    match s.get(from..hi).and_then(|w| w.find(char::is_whitespace)) {
        Some(i) => {
            let at = from + i;
            at + s[at..].chars().next().map_or(0, char::len_utf8)
        }
        None => from,
    }
}

#[cfg(test)]
mod clip_tests {
    use super::*;

    /// A token crossing the cut is left out whole, never shown in part.
    #[test]
    fn cuts_land_between_words() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhcHAifQ.c2lnbmF0dXJlc2lnbmF0dXJl";
        let line = format!("{} token {jwt} tail", "word ".repeat(76));
        let cut = clip(&line, MAX_EVIDENCE_LEN);
        assert!(cut.ends_with("token…"), "{cut}");
        assert!(!cut.contains("eyJ"), "{cut}");
        // Around a match near the end: the window starts after whitespace.
        // (the window would start 27 bytes into the token).
        let line = format!(
            "{}{jwt} {}connection refused",
            "x ".repeat(300),
            "y ".repeat(171)
        );
        let at = line.find("connection refused").unwrap();
        let cut = clip_around(&line, Some((at, at + 18)), MAX_EVIDENCE_LEN);
        assert!(cut.ends_with("connection refused"), "{cut}");
        assert!(cut.starts_with("…y y"), "{cut}");
        assert!(!cut.contains("c2lnbmF0") && !cut.contains("eyJ"), "{cut}");
        // No whitespace near the cut: cut as before.
        let long = "a".repeat(1000);
        assert_eq!(clip(&long, 10), format!("{}…", "a".repeat(10)));
        assert_eq!(clip("é".repeat(300).as_str(), 11).chars().count(), 6);
    }
}
