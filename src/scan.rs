//! The log searcher: streams a container log through a [`PatternSet`] in bounded memory.
//!
//! Bytes are searched a buffer at a time. The keyword automaton runs over the whole buffer; only
//! the lines around a keyword occurrence are decoded (CRI/Docker framing removed) and confirmed
//! with the candidate rules' regexes. What survives is small: the last hit of each rule, and the
//! crash window (the last [`TAIL_LINES`] lines). Invalid UTF-8 never stops the scan: matching is
//! on bytes and text is decoded lossily for display only.

#[cfg(test)]
mod tests;

use std::collections::{HashMap, VecDeque};
use std::io::{self, Read};

use memchr::{memchr, memrchr};

use crate::incident::{
    clip, clip_around, LogHit, LogLine, LogScan, SourceKind, MAX_EVIDENCE_LEN, TAIL_LINES,
};
use crate::patterns::literals::count_newlines;
use crate::patterns::PatternSet;

/// Lines longer than this are cut: only their first `MAX_LINE` bytes are matched.
pub const MAX_LINE: usize = 1 << 20;

const BUF_SIZE: usize = 256 * 1024;

/// How log lines are framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One message per line (`kubectl logs`), maybe with a `--timestamps` prefix.
    Plain,
    /// CRI: `<RFC3339Nano> stdout|stderr P|F <text>`.
    Cri,
    /// Docker json-file: `{"log":"…\n","stream":"stdout","time":"…"}`.
    Docker,
}

impl LogFormat {
    /// Guess the framing from the first line of a log.
    pub fn sniff(first_line: &[u8]) -> LogFormat {
        if is_cri_line(first_line) {
            LogFormat::Cri
        } else if first_line.starts_with(b"{\"log\":")
            || (first_line.starts_with(b"{")
                && memchr::memmem::find(first_line, b"\"log\":").is_some()
                && memchr::memmem::find(first_line, b"\"stream\":").is_some())
        {
            LogFormat::Docker
        } else {
            LogFormat::Plain
        }
    }
}

/// Whether `line` looks like `2024-01-01T00:00:00.123Z stdout F text`.
pub fn is_cri_line(line: &[u8]) -> bool {
    let mut it = line.splitn(4, |&b| b == b' ');
    let (Some(ts), Some(stream), Some(tag)) = (it.next(), it.next(), it.next()) else {
        return false;
    };
    ts.len() >= 20
        && ts[..4].iter().all(u8::is_ascii_digit)
        && ts[4] == b'-'
        && ts[10] == b'T'
        && (stream == b"stdout" || stream == b"stderr")
        && matches!(tag.first(), Some(b'P') | Some(b'F'))
}

/// Whether a raw CRI line is a partial (`P`) fragment.
fn is_cri_partial(line: &[u8]) -> bool {
    // Cheap rejection first (runs around every candidate line): `<ts> stdout P …`.
    let Some(sp) = memchr(b' ', line) else {
        return false;
    };
    let rest = &line[sp + 1..];
    (rest.starts_with(b"stdout P") || rest.starts_with(b"stderr P"))
        && rest.get(8).is_none_or(|&b| b == b' ')
        && is_cri_line(line)
        && line.splitn(4, |&b| b == b' ').nth(2) == Some(b"P")
}

/// Decode one raw line: returns the message bytes and whether it is a CRI partial line.
fn decode(format: LogFormat, raw: &[u8]) -> (std::borrow::Cow<'_, [u8]>, bool) {
    use std::borrow::Cow;
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    match format {
        LogFormat::Plain => (Cow::Borrowed(raw), false),
        LogFormat::Cri => {
            if !is_cri_line(raw) {
                return (Cow::Borrowed(raw), false);
            }
            let mut it = raw.splitn(4, |&b| b == b' ');
            let (_, _, tag) = (it.next(), it.next(), it.next().unwrap_or(b"F"));
            let text = it.next().unwrap_or(b"");
            (Cow::Borrowed(text), tag.first() == Some(&b'P'))
        }
        LogFormat::Docker => {
            #[derive(serde::Deserialize)]
            struct Entry {
                log: String,
            }
            match serde_json::from_slice::<Entry>(raw) {
                Ok(e) => {
                    let partial = !e.log.ends_with('\n');
                    let mut b = e.log.into_bytes();
                    while b.last().is_some_and(|&c| c == b'\n' || c == b'\r') {
                        b.pop();
                    }
                    (Cow::Owned(b), partial)
                }
                Err(_) => (Cow::Borrowed(raw), false),
            }
        }
    }
}

struct HitState {
    line: u64,
    text: Vec<u8>,
    count: u32,
    /// Captures of earlier matching lines that the last line may lack (a rule's alternatives
    /// capture different names: `Failed to bind to address …:8080` names the port, the
    /// `AddressInUseException` line after it does not).
    earlier: Vec<(String, String)>,
    /// How many earlier lines were searched for captures: bounded, so a rule matching a
    /// million lines costs a million keyword hits, not a million capture searches.
    capture_tries: u8,
}

/// Earlier lines searched for captures per rule and log.
const CAPTURE_TRIES: u8 = 4;

/// A streaming scanner for one log. Feed it bytes, then [`finish`](LogScanner::finish).
pub struct LogScanner<'a> {
    set: &'a PatternSet,
    format: Option<LogFormat>,
    source: String,
    previous: bool,
    restart: Option<u32>,
    lines: u64,
    bytes: u64,
    carry: Vec<u8>,
    skipping_long_line: bool,
    long_lines: u64,
    first_long_line: Option<u64>,
    hits: HashMap<usize, HitState>,
    tail: VecDeque<(u64, Vec<u8>)>,
    first: Option<Vec<u8>>,
}

impl<'a> LogScanner<'a> {
    /// A scanner for the log named `source`; `format` is sniffed from the first line when `None`.
    pub fn new(set: &'a PatternSet, source: impl Into<String>, format: Option<LogFormat>) -> Self {
        LogScanner {
            set,
            format,
            source: source.into(),
            previous: false,
            restart: None,
            lines: 0,
            bytes: 0,
            carry: Vec::new(),
            skipping_long_line: false,
            long_lines: 0,
            first_long_line: None,
            hits: HashMap::new(),
            tail: VecDeque::with_capacity(TAIL_LINES + 1),
            first: None,
        }
    }

    /// Mark the log as the previous (crashed) instance's.
    pub fn previous(mut self, yes: bool) -> Self {
        self.previous = yes;
        self
    }

    /// Record the restart number (from a CRI `N.log` path).
    pub fn restart(mut self, n: Option<u32>) -> Self {
        self.restart = n;
        self
    }

    /// Stream everything from `reader`. An I/O error (e.g. a truncated gzip stream) stops the
    /// read; what was read so far is kept and the error is returned beside the scan.
    pub fn scan_reader<R: Read>(mut self, mut reader: R) -> (LogScan, Option<io::Error>) {
        let mut buf = vec![0u8; BUF_SIZE];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => return (self.finish(), None),
                Ok(n) => self.feed(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return (self.finish(), Some(e)),
            }
        }
    }

    /// Feed a chunk of bytes (any split; lines may straddle chunks).
    pub fn feed(&mut self, mut data: &[u8]) {
        self.bytes += data.len() as u64;
        if !self.carry.is_empty() || self.skipping_long_line {
            match memchr(b'\n', data) {
                None => {
                    self.push_carry(data);
                    return;
                }
                Some(nl) => {
                    self.push_carry(&data[..nl]);
                    let line = std::mem::take(&mut self.carry);
                    self.skipping_long_line = false;
                    self.one_line(&line);
                    data = &data[nl + 1..];
                }
            }
        }
        match memrchr(b'\n', data) {
            None => self.push_carry(data),
            Some(last) => {
                self.region(&data[..=last]);
                self.push_carry(&data[last + 1..]);
            }
        }
    }

    fn push_carry(&mut self, data: &[u8]) {
        if self.skipping_long_line {
            return;
        }
        let room = MAX_LINE.saturating_sub(self.carry.len());
        self.carry.extend_from_slice(&data[..data.len().min(room)]);
        if data.len() > room {
            self.skipping_long_line = true;
            self.long_lines += 1;
            self.first_long_line.get_or_insert(self.lines + 1);
        }
    }

    fn one_line(&mut self, raw: &[u8]) {
        self.ensure_format(raw);
        self.lines += 1;
        let line_no = self.lines;
        if self.set.find_keyword(raw, 0).is_some() {
            self.confirm(raw, line_no);
        }
        self.keep_tail(line_no, raw);
    }

    /// Process complete lines (`region` ends with `\n`).
    fn region(&mut self, region: &[u8]) {
        self.ensure_format(region);
        let base = self.lines;
        let (mut counted_pos, mut counted) = (0usize, 0u64);
        let mut pos = 0;
        while pos < region.len() {
            let Some(k) = self.set.find_keyword(region, pos) else {
                break;
            };
            let mut start = memrchr(b'\n', &region[..k]).map_or(0, |i| i + 1);
            let mut end = memchr(b'\n', &region[k..]).map_or(region.len(), |i| k + i);
            if self.format == Some(LogFormat::Cri) {
                // A CRI message split into `P` fragments is matched whole.
                while start > pos {
                    let prev = memrchr(b'\n', &region[..start - 1]).map_or(0, |i| i + 1);
                    if prev < pos || !is_cri_partial(&region[prev..start - 1]) {
                        break;
                    }
                    start = prev;
                }
                let mut last = memrchr(b'\n', &region[start..end]).map_or(start, |i| start + i + 1);
                while end < region.len() && is_cri_partial(&region[last..end]) {
                    last = end + 1;
                    end = memchr(b'\n', &region[last..]).map_or(region.len(), |i| last + i);
                }
            }
            counted += count_newlines(&region[counted_pos..start]);
            counted_pos = start;
            self.confirm(&region[start..end], base + counted + 1);
            pos = end + 1;
        }
        let n = counted + count_newlines(&region[counted_pos..]);
        // The crash window: the last TAIL_LINES lines of this region.
        let mut end = region.len() - 1;
        let mut spans = Vec::with_capacity(TAIL_LINES);
        while spans.len() < TAIL_LINES {
            match memrchr(b'\n', &region[..end]) {
                Some(p) => {
                    spans.push((p + 1, end));
                    end = p;
                }
                None => {
                    spans.push((0, end));
                    break;
                }
            }
        }
        let first_no = base + n - spans.len() as u64 + 1;
        for (i, &(s, e)) in spans.iter().rev().enumerate() {
            self.keep_tail(first_no + i as u64, &region[s..e]);
        }
        self.lines = base + n;
    }

    fn ensure_format(&mut self, data: &[u8]) {
        if self.format.is_none() {
            let first = &data[..memchr(b'\n', data).unwrap_or(data.len())];
            self.format = Some(LogFormat::sniff(first));
        }
    }

    fn keep_tail(&mut self, line_no: u64, raw: &[u8]) {
        if line_no == 1 {
            self.first = Some(raw[..raw.len().min(MAX_EVIDENCE_LEN)].to_vec());
        }
        let raw = &raw[..raw.len().min(4 * MAX_EVIDENCE_LEN)];
        // Reuse the oldest line's allocation: this runs for the last lines of every buffer.
        let mut text = if self.tail.len() == TAIL_LINES {
            self.tail.pop_front().map(|(_, t)| t).unwrap_or_default()
        } else {
            Vec::new()
        };
        text.clear();
        text.extend_from_slice(raw);
        self.tail.push_back((line_no, text));
    }

    fn confirm(&mut self, raw: &[u8], line_no: u64) {
        self.ensure_format(raw);
        let format = self.format.unwrap_or(LogFormat::Plain);
        let text = if memchr(b'\n', raw).is_some() {
            // Joined CRI fragments.
            let mut joined = Vec::with_capacity(raw.len());
            for piece in raw.split(|&b| b == b'\n') {
                joined.extend_from_slice(&decode(format, piece).0);
            }
            std::borrow::Cow::Owned(joined)
        } else {
            decode(format, raw).0
        };
        let hits = &mut self.hits;
        let set = self.set;
        set.for_each_match(&text, SourceKind::Log, |rule| {
            let h = hits.entry(rule).or_insert(HitState {
                line: 0,
                text: Vec::new(),
                count: 0,
                earlier: Vec::new(),
                capture_tries: 0,
            });
            if h.count > 0 && h.capture_tries < CAPTURE_TRIES {
                h.capture_tries += 1;
                for (k, v) in set.captures(rule, &h.text) {
                    match h.earlier.iter_mut().find(|(ek, _)| *ek == k) {
                        Some(e) => e.1 = v,
                        None => h.earlier.push((k, v)),
                    }
                }
            }
            h.count += 1;
            h.line = line_no;
            h.text.clear();
            h.text
                .extend_from_slice(&text[..text.len().min(4 * MAX_EVIDENCE_LEN)]);
        });
    }

    /// End of input: flush a final line without newline and return the scan.
    pub fn finish(mut self) -> LogScan {
        if !self.carry.is_empty() {
            let line = std::mem::take(&mut self.carry);
            self.ensure_format(&line);
            self.one_line(&line);
        }
        let format = self.format.unwrap_or(LogFormat::Plain);
        let total = self.lines;
        let mut hits: Vec<LogHit> = self
            .hits
            .into_iter()
            .map(|(rule, h)| LogHit {
                rule,
                weight: self.set.rule(rule).map_or(0.0, |r| r.weight),
                captures: {
                    let mut c = self.set.captures(rule, &h.text);
                    for (k, v) in h.earlier {
                        if !c.iter().any(|(ck, _)| *ck == k) {
                            c.push((k, v));
                        }
                    }
                    c
                },
                line: LogLine {
                    line: h.line,
                    text: match std::str::from_utf8(&h.text) {
                        Ok(t) => clip_around(t, self.set.span(rule, &h.text), MAX_EVIDENCE_LEN),
                        Err(_) => clip(&String::from_utf8_lossy(&h.text), MAX_EVIDENCE_LEN),
                    },
                },
                count: h.count,
                lines_from_end: total.saturating_sub(h.line),
            })
            .collect();
        hits.sort_by_key(|h| (h.line.line, h.rule));
        let mut tail: Vec<LogLine> = Vec::with_capacity(self.tail.len());
        let mut pending: Option<(u64, Vec<u8>)> = None;
        for (no, raw) in &self.tail {
            let (text, partial) = decode(format, raw);
            let entry = pending.get_or_insert_with(|| (*no, Vec::new()));
            entry.1.extend_from_slice(&text);
            if !partial {
                let (line, text) = pending.take().unwrap();
                tail.push(LogLine {
                    line,
                    text: clip(&String::from_utf8_lossy(&text), MAX_EVIDENCE_LEN),
                });
            }
        }
        if let Some((line, text)) = pending {
            tail.push(LogLine {
                line,
                text: clip(&String::from_utf8_lossy(&text), MAX_EVIDENCE_LEN),
            });
        }
        let first_line = self.first.as_deref().map(|raw| {
            let (text, _) = decode(format, raw);
            clip(&String::from_utf8_lossy(&text), MAX_EVIDENCE_LEN)
        });
        LogScan {
            long_lines: self.long_lines,
            first_long_line: self.first_long_line,
            first_line,
            source: self.source,
            previous: self.previous,
            restart: self.restart,
            lines: total,
            bytes: self.bytes,
            hits,
            tail,
        }
    }
}
