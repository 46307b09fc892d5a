//! Turning an incident into a sparse feature vector.
//!
//! Layout (all blocks in one index space of [`DIMS`]):
//! - `[0, NGRAM_BUCKETS)`: hashed unigrams and bigrams of the crash window (the last log lines),
//!   event and status messages, after masking numbers, hex ids, IPs, UUIDs, paths and
//!   timestamps; log-scaled counts, L2-normalised.
//! - `[NGRAM_BUCKETS, RULE_BLOCK)`: hashed facts — waiting and terminated reasons, the exit-code
//!   class, event reasons, restart-count bucket, built-in status facts.
//! - `[RULE_BLOCK, CAUSE_BLOCK)`: hashed ids of the pattern rules that fired.
//! - then per cause: the rule engine's score, its strongest status / event / log signal, and its
//!   probability. These are what let a user's new rule with a known cause count without
//!   retraining.

use crate::cause::Cause;
use crate::diagnose::scoring::{PerCause, UNKNOWN_SCORE};
use crate::diagnose::signals::Signal;
use crate::incident::{ContainerState, Incident, SourceKind};

/// Buckets for hashed n-grams.
pub const NGRAM_BUCKETS: usize = 4096;
/// Buckets for hashed symbols: the first half for status/event facts, the second for rule ids.
pub const SYMBOL_BUCKETS: usize = 1024;
/// First index of the rule-id symbol buckets.
pub const RULE_BLOCK: usize = NGRAM_BUCKETS + SYMBOL_BUCKETS / 2;
const CAUSES: usize = Cause::ALL.len();
/// Per-cause features: score, max status, max event, max log, probability.
pub const PER_CAUSE: usize = 5;
/// First index of the per-cause block.
pub const CAUSE_BLOCK: usize = NGRAM_BUCKETS + SYMBOL_BUCKETS;
/// Total dimensionality.
pub const DIMS: usize = CAUSE_BLOCK + CAUSES * PER_CAUSE;

/// A sparse vector: sorted unique indices with values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Features {
    /// Indices, ascending.
    pub idx: Vec<u32>,
    /// Values.
    pub val: Vec<f32>,
}

impl Features {
    /// Expand into a dense row (training).
    pub fn dense(&self) -> Vec<f32> {
        let mut d = vec![0.0; DIMS];
        for (&i, &v) in self.idx.iter().zip(&self.val) {
            d[i as usize] = v;
        }
        d
    }

    /// Drop every feature that comes from pattern rules (for the model-only ablation): the
    /// rule-id symbols and the per-cause block.
    pub fn without_rules(&self) -> Features {
        let mut out = Features::default();
        for (&i, &v) in self.idx.iter().zip(&self.val) {
            if (i as usize) < RULE_BLOCK {
                out.idx.push(i);
                out.val.push(v);
            }
        }
        out
    }
}

fn fnv(data: &[u8], seed: u64) -> u64 {
    let mut h = 0xcbf29ce484222325u64 ^ seed;
    for &b in data {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// splitmix64's finaliser: spreads FNV hashes over the buckets.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d049bb133111eb);
    x ^ (x >> 31)
}

/// Hash of one token, masked: numbers, hex ids, UUID parts, IPs and timestamps become
/// placeholders, ASCII letters are lowercased. No allocation: this runs for every word of the
/// crash window.
fn token_hash(t: &str) -> u64 {
    let b = t.as_bytes();
    let placeholder: Option<&[u8]> = if !b.iter().any(u8::is_ascii_digit) {
        (b.len() > 40).then_some(b"<long>")
    } else if b.iter().all(u8::is_ascii_digit) {
        Some(b"<num>")
    } else if b.len() >= 6 && b.iter().all(u8::is_ascii_hexdigit) {
        Some(b"<hex>")
    } else {
        Some(b"<id>")
    };
    match placeholder {
        Some(p) => fnv(p, 1),
        None => {
            let mut h = 0xcbf29ce484222325u64 ^ 1;
            for &c in b {
                h ^= c.to_ascii_lowercase() as u64;
                h = h.wrapping_mul(0x100000001b3);
            }
            h
        }
    }
}

/// Token hashes of a line; paths (`/a/b…`) collapse to one `<path>` token.
pub(crate) fn token_hashes(line: &str, out: &mut Vec<u64>) {
    for chunk in line.split_whitespace() {
        let c = chunk.trim_matches(|ch: char| "\"'(),;[]{}<>".contains(ch));
        if c.starts_with('/') && c[1..].contains('/') {
            out.push(fnv(b"<path>", 1));
            continue;
        }
        for t in c.split(|ch: char| !ch.is_alphanumeric() && ch != '_') {
            if !t.is_empty() {
                out.push(token_hash(t));
            }
        }
    }
}

struct Builder {
    dense: std::collections::BTreeMap<u32, f32>,
}

impl Builder {
    fn set_max(&mut self, i: usize, v: f32) {
        let e = self.dense.entry(i as u32).or_insert(v);
        if v > *e {
            *e = v;
        }
    }
    fn symbol(&mut self, s: &str, v: f32) {
        let h = fnv(s.as_bytes(), 0x5bd1e995) as usize % (SYMBOL_BUCKETS / 2);
        self.set_max(NGRAM_BUCKETS + h, v);
    }
    fn rule_symbol(&mut self, s: &str, v: f32) {
        let h = fnv(s.as_bytes(), 0x5bd1e995) as usize % (SYMBOL_BUCKETS / 2);
        self.set_max(RULE_BLOCK + h, v);
    }
}

fn exit_class(code: i32) -> &'static str {
    match code {
        0 => "0",
        1 => "1",
        2 => "2",
        126 => "126",
        127 => "127",
        128 => "128",
        134 => "134",
        137 => "137",
        139 => "139",
        143 => "143",
        c if c > 128 => "signal",
        _ => "other",
    }
}

/// Compute the features of an incident from its signals and the rule engine's scores/probs.
pub(crate) fn featurize(
    incident: &Incident,
    signals: &[Signal],
    scores: &PerCause<f64>,
    probs: &PerCause<f64>,
) -> Features {
    let mut b = Builder {
        dense: Default::default(),
    };
    // n-grams: counted in a flat table; the touched buckets, sorted, make the sums and the
    // output order the same on every run.
    let mut counts = vec![0f32; NGRAM_BUCKETS];
    let mut touched: Vec<u32> = Vec::new();
    let mut toks: Vec<u64> = Vec::new();
    let mut text_lines: Vec<&str> = Vec::new();
    for log in &incident.logs {
        for l in &log.tail {
            text_lines.push(&l.text);
        }
    }
    for e in &incident.events {
        if e.kind.as_deref() != Some("Normal") || e.reason == "Killing" {
            text_lines.push(&e.message);
        }
    }
    let mut status_msgs = Vec::new();
    if let Some(st) = &incident.status {
        if let Some(ContainerState::Waiting {
            message: Some(m), ..
        }) = &st.state
        {
            status_msgs.push(m.as_str());
        }
        if let Some(Some(m)) = st.last_terminated.as_ref().map(|t| t.message.as_ref()) {
            status_msgs.push(m.as_str());
        }
    }
    text_lines.extend(status_msgs);
    let mut bump = |h: u64| {
        let i = (mix(h) % NGRAM_BUCKETS as u64) as usize;
        if counts[i] == 0.0 {
            touched.push(i as u32);
        }
        counts[i] += 1.0;
    };
    for line in text_lines {
        toks.clear();
        token_hashes(line, &mut toks);
        for (k, &t) in toks.iter().enumerate() {
            bump(t);
            if let Some(&next) = toks.get(k + 1) {
                bump(t.rotate_left(21) ^ next ^ 0x9e3779b97f4a7c15);
            }
        }
    }
    touched.sort_unstable();
    let norm: f32 = touched
        .iter()
        .map(|&i| (1.0 + counts[i as usize]).ln().powi(2))
        .sum::<f32>()
        .sqrt();
    // N-gram indices all precede the symbol and cause blocks: they go straight to the output.
    let mut f = Features::default();
    if norm > 0.0 {
        for &i in &touched {
            f.idx.push(i);
            f.val.push((1.0 + counts[i as usize]).ln() / norm);
        }
    }
    // symbols
    for s in signals {
        if s.is_status_rule() {
            // Built-in status facts are not pattern rules: they stay in the model-only view.
            b.symbol(&s.evidence.rule, 1.0);
        } else {
            b.rule_symbol(&s.evidence.rule, (s.evidence.weight / 5.0) as f32);
        }
    }
    b.symbol(&format!("logs={}", incident.logs.len().min(3)), 1.0);
    if incident.logs.iter().any(|l| l.previous) {
        b.symbol("previous_log", 1.0);
    }
    if incident.spec.init {
        b.symbol("init_container", 1.0);
    }
    match &incident.status {
        None => b.symbol("no_status", 1.0),
        Some(st) => {
            match &st.state {
                Some(ContainerState::Waiting { reason, .. }) => {
                    b.symbol(&format!("waiting={}", reason.as_deref().unwrap_or("")), 1.0)
                }
                Some(ContainerState::Running { .. }) => b.symbol("running", 1.0),
                Some(ContainerState::Terminated(t)) => {
                    b.symbol(&format!("term={}", t.reason.as_deref().unwrap_or("")), 1.0);
                    if let Some(c) = t.exit_code {
                        b.symbol(&format!("exit={}", exit_class(c)), 1.0);
                    }
                }
                None => {}
            }
            if let Some(t) = &st.last_terminated {
                b.symbol(&format!("last={}", t.reason.as_deref().unwrap_or("")), 1.0);
                if let Some(c) = t.exit_code {
                    b.symbol(&format!("exit={}", exit_class(c)), 1.0);
                }
            }
            let r = st.restart_count.unwrap_or(0);
            let bucket = match r {
                0 => "0",
                1..=2 => "1-2",
                3..=5 => "3-5",
                _ => "6+",
            };
            b.symbol(&format!("restarts={bucket}"), 1.0);
            if st.ready == Some(true) {
                b.symbol("ready", 1.0);
            }
        }
    }
    for e in &incident.events {
        b.symbol(
            &format!("event={}/{}", e.kind.as_deref().unwrap_or(""), e.reason),
            1.0,
        );
        if e.message.starts_with("Liveness probe failed") {
            b.symbol("probe=liveness", 1.0);
        }
        if e.message.starts_with("Startup probe failed") {
            b.symbol("probe=startup", 1.0);
        }
        if e.message.starts_with("Readiness probe failed") {
            b.symbol("probe=readiness", 1.0);
        }
    }
    // per-cause block
    for c in Cause::ALL {
        let base = CAUSE_BLOCK + c.index() * PER_CAUSE;
        let s = scores[c];
        if s.is_finite() && c != Cause::Unknown {
            b.set_max(base, (s / 10.0) as f32);
        }
        if c == Cause::Unknown {
            b.set_max(base, (UNKNOWN_SCORE / 10.0) as f32);
        }
        b.set_max(base + 4, probs[c] as f32);
    }
    for s in signals {
        let base = CAUSE_BLOCK + s.evidence.cause.index() * PER_CAUSE;
        let k = match s.evidence.kind {
            SourceKind::Status => 1,
            SourceKind::Event => 2,
            SourceKind::Log => 3,
        };
        b.set_max(base + k, (s.evidence.weight / 10.0) as f32);
    }
    for (i, v) in b.dense {
        if v != 0.0 && v.is_finite() {
            f.idx.push(i);
            f.val.push(v);
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_ids() {
        let mut a = Vec::new();
        token_hashes(
            "2026-01-10T09:11:41Z dial tcp 10.0.0.12:5432: connect: connection refused /var/lib/app/data 4f0c2b1e",
            &mut a,
        );
        let mut b = Vec::new();
        token_hashes(
            "2026-03-02T10:00:00Z Dial TCP 10.9.8.7:6543: connect: Connection refused /srv/other/path 9a8b7c6d",
            &mut b,
        );
        assert_eq!(a, b, "numbers, hex ids, paths and case are masked");
        assert!(a.contains(&token_hash("connection")));
    }
}
