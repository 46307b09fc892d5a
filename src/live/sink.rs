//! Where diagnoses go: a [`Sink`]. The CLI writes lines to stdout ([`WriterSink`]); tests and
//! benchmarks collect them in memory ([`MemorySink`]).

use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::diagnose::Diagnosis;
use crate::render::{diagnosis_json, diagnosis_text, TextOptions};

/// Receives what the watch loop produces.
pub trait Sink: Send {
    /// A diagnosis that is news (first for its container, new cause, or new evidence).
    /// An error stops the watch (e.g. stdout closed).
    fn diagnosis(&mut self, d: &Diagnosis) -> io::Result<()>;
    /// A transient problem being retried, or a warning (shown on stderr by the CLI).
    fn notice(&mut self, message: &str) {
        let _ = message;
    }
    /// The initial list is in (`pods` pods tracked); what was failing already is being
    /// diagnosed now, and every later diagnosis is a change seen live.
    fn ready(&mut self, pods: usize) {
        let _ = pods;
    }
}

/// Output format of a [`WriterSink`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// The compact text block of batch mode, followed by a blank line.
    Text,
    /// One `podmortem/v1` diagnosis object per line (the batch `diagnoses[]` element).
    Json,
}

/// One diagnosis as printed by `watch`: a JSON line, or a text block and a blank line.
pub fn render_line(d: &Diagnosis, format: OutputFormat, text: TextOptions) -> String {
    match format {
        OutputFormat::Json => {
            let mut s = diagnosis_json(d).to_string();
            s.push('\n');
            s
        }
        OutputFormat::Text => {
            let mut s = diagnosis_text(d, text);
            if !s.ends_with('\n') {
                s.push('\n');
            }
            s.push('\n');
            s
        }
    }
}

/// Writes diagnoses to `out` (flushed per diagnosis, so `| jq` sees them at once) and notices
/// to stderr prefixed `podmortem: `.
#[derive(Debug)]
pub struct WriterSink<W: Write + Send> {
    out: W,
    format: OutputFormat,
    text: TextOptions,
}

impl<W: Write + Send> WriterSink<W> {
    /// A sink writing `format` to `out`.
    pub fn new(out: W, format: OutputFormat) -> WriterSink<W> {
        WriterSink {
            out,
            format,
            text: TextOptions::default(),
        }
    }

    /// Colour and verbosity of text output.
    pub fn text_options(mut self, text: TextOptions) -> WriterSink<W> {
        self.text = text;
        self
    }

    /// The writer back.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write + Send> Sink for WriterSink<W> {
    fn diagnosis(&mut self, d: &Diagnosis) -> io::Result<()> {
        self.out
            .write_all(render_line(d, self.format, self.text).as_bytes())?;
        self.out.flush()
    }

    fn notice(&mut self, message: &str) {
        // Notices quote API error bodies and names: no terminal escapes.
        eprintln!("podmortem: {}", crate::render::escape_control(message));
    }
}

#[derive(Debug, Default)]
struct Memory {
    diagnoses: Vec<(Instant, Diagnosis)>,
    notices: Vec<String>,
}

/// Signals of a [`MemorySink`]: diagnoses so far, and whether the initial sync happened.
#[derive(Debug, Default, Clone, Copy)]
struct Progress {
    diagnoses: usize,
    ready: bool,
}

/// Collects diagnoses (with the instant each arrived) and notices in memory. Clones share the
/// same storage, so a test keeps one handle while the watch task owns another.
#[derive(Debug, Clone)]
pub struct MemorySink {
    mem: Arc<Mutex<Memory>>,
    progress: Arc<tokio::sync::watch::Sender<Progress>>,
}

impl Default for MemorySink {
    fn default() -> Self {
        MemorySink::new()
    }
}

impl MemorySink {
    /// An empty sink.
    pub fn new() -> MemorySink {
        MemorySink {
            mem: Arc::default(),
            progress: Arc::new(tokio::sync::watch::channel(Progress::default()).0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Memory> {
        self.mem.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The diagnoses received so far, in order.
    pub fn diagnoses(&self) -> Vec<Diagnosis> {
        self.lock()
            .diagnoses
            .iter()
            .map(|(_, d)| d.clone())
            .collect()
    }

    /// The diagnoses with their arrival instants.
    pub fn received(&self) -> Vec<(Instant, Diagnosis)> {
        self.lock().diagnoses.clone()
    }

    /// The notices received so far.
    pub fn notices(&self) -> Vec<String> {
        self.lock().notices.clone()
    }

    /// How many diagnoses arrived.
    pub fn len(&self) -> usize {
        self.progress.borrow().diagnoses
    }

    /// Whether none arrived.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Wait until at least `n` diagnoses arrived; false on timeout.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> bool {
        let mut rx = self.progress.subscribe();
        tokio::time::timeout(timeout, rx.wait_for(|p| p.diagnoses >= n))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Wait until the watch finished its initial sync ([`Sink::ready`]); false on timeout.
    pub async fn wait_ready(&self, timeout: Duration) -> bool {
        let mut rx = self.progress.subscribe();
        tokio::time::timeout(timeout, rx.wait_for(|p| p.ready))
            .await
            .is_ok_and(|r| r.is_ok())
    }
}

impl Sink for MemorySink {
    fn diagnosis(&mut self, d: &Diagnosis) -> io::Result<()> {
        let n = {
            let mut m = self.lock();
            m.diagnoses.push((Instant::now(), d.clone()));
            m.diagnoses.len()
        };
        self.progress.send_modify(|p| p.diagnoses = n);
        Ok(())
    }

    fn ready(&mut self, _pods: usize) {
        self.progress.send_modify(|p| p.ready = true);
    }

    fn notice(&mut self, message: &str) {
        self.lock().notices.push(message.to_string());
    }
}
