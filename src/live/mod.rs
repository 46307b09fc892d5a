//! Live mode (`podmortem watch`): follow pods and events of a cluster and diagnose containers
//! as they start backing off, with the same engine as batch mode.
//!
//! Compiled only with the `live` feature (kube-rs and tokio stay out of the library core).
//!
//! # How it works
//! Two kube-rs [`watcher()`](kube::runtime::watcher())s — pods and core/v1 events — feed one
//! loop. The watchers list, then watch from the list's resourceVersion; on a dropped
//! connection they resume from the last seen version, and on `410 Gone` they re-list. Every
//! object is compared with what the loop remembered (see `state.rs`), so a re-list re-delivers
//! nothing already reported and still catches what changed while disconnected.
//!
//! A container is (re)diagnosed when it crashes (restart count up, a new
//! `lastState.terminated` such as OOMKilled), enters a back-off waiting state
//! (CrashLoopBackOff, ImagePullBackOff, ErrImagePull, CreateContainerConfigError, …), or — for
//! an open incident — new events arrive about its pod. The evidence is the Pod object, the
//! pod's events (indexed from the events watch) and the previous instance's log (bounded tail),
//! assembled by [`crate::ingest::assemble_scanned`] exactly as batch mode reads files. A
//! diagnosis is printed when it is news for the container: the first one, a new cause, or a new
//! restart whose top evidence differs.
//!
//! **The loop never waits.** It only updates its state (`state.rs`) and hands each pod to be
//! diagnosed to a task (`work.rs`): one task per pod at a time, at most [`MAX_TASKS`] at once,
//! each request under [`WatchOptions::request_timeout`]. A log request that never answers
//! delays only its own pod, and `shutdown` is seen at once. Event writes (`--emit-events`,
//! `emit.rs`) are tasks too, aggregated per container and cause and rate-limited per pod.
//!
//! **Memory does not grow with healthy pods' objects**: per pod a compact fingerprint of each
//! container; the Pod object only while it is in trouble; events only for such pods (and a
//! bounded window of warnings about others); scans of fetched logs, not their text, within a
//! byte budget.
//!
//! **Node-local mode** ([`WatchOptions::node`], `watch --node`): the pods watch carries the field
//! selector `spec.nodeName=<node>`, events about other nodes' pods are not kept, and logs are
//! read from the kubelet's files under [`WatchOptions::log_root`] (see [`LogRoot`]); the API is
//! asked only for a container without files there. `podmortem_log_source_total` counts both.
//!
//! ```no_run
//! # async fn demo() -> Result<(), podmortem::live::WatchError> {
//! use podmortem::live::{connect, ClientOptions, MemorySink, WatchOptions, Watcher};
//! let conn = connect(&ClientOptions::default()).await?;
//! let opts = WatchOptions { namespace: Some("shop".into()), ..WatchOptions::default() };
//! let mut sink = MemorySink::new();
//! Watcher::new(&conn, opts).run(&mut sink, tokio::signal::ctrl_c().map(|_| ())).await?;
//! # Ok(()) }
//! # use futures::FutureExt;
//! ```

mod client;
mod emit;
mod error;
mod fingerprint;
mod logcache;
mod logfiles;
mod metrics;
mod pipeline;
mod preflight;
mod publish;
mod run;
mod sink;
mod state;
mod watcher;
mod work;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use kube::Client;

pub use client::{connect, ClientOptions, Connection};
pub use error::{chain as error_chain, WatchError};
pub use logfiles::{FileError, LogRoot};
pub use metrics::{serve_metrics, serve_metrics_with, LogSource, Metrics, ServeLimits, RECOVERY};
pub use run::run_watch;
pub use sink::{render_line, MemorySink, OutputFormat, Sink, WriterSink};
pub use watcher::default_engine;

use crate::Engine;

/// Pods whose evidence is gathered and diagnosed at once (each by its own task): bounds the
/// concurrent log requests and the raw log text in memory (each at most 1 MiB).
pub const MAX_TASKS: usize = 8;
/// Default deadline of one API request or log read.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// What to watch and how.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// The namespace; `None` watches all namespaces (`-A`).
    pub namespace: Option<String>,
    /// A label selector for pods (`-l app=api`).
    pub selector: Option<String>,
    /// Lines of log fetched per container (`--tail-lines`).
    pub tail_lines: i64,
    /// Write a Warning Event `PodmortemDiagnosis` on the pod for each printed diagnosis.
    pub emit_events: bool,
    /// Node-local mode (`--node`): only the pods scheduled on this node.
    pub node: Option<String>,
    /// Read container logs from the kubelet's files here (`--log-root`, e.g. `/var/log/pods`)
    /// and ask the API only for containers that have none.
    pub log_root: Option<PathBuf>,
    /// Deadline of each API request (lists at start, a log, an Event write) and of each log
    /// file read: past it the container is diagnosed without that log. Watches are long polls
    /// and have none (they resume on their own when the connection drops).
    pub request_timeout: Duration,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            namespace: Some("default".into()),
            selector: None,
            tail_lines: 200,
            emit_events: false,
            node: None,
            log_root: None,
            request_timeout: REQUEST_TIMEOUT,
        }
    }
}

/// Totals of a `once` or `run`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WatchSummary {
    /// Diagnoses delivered to the sink.
    pub printed: usize,
    /// Transient errors seen (and retried).
    pub errors: u64,
}

/// Follows a cluster and diagnoses backing-off containers. See the [module docs](self).
pub struct Watcher {
    client: Client,
    url: String,
    opts: WatchOptions,
    /// None: the process-wide built-in engine ([`default_engine`]).
    engine: Option<Arc<Engine>>,
    metrics: Arc<Metrics>,
    /// `opts.log_root` resolved; the error is reported once the run has a sink.
    log_root: Option<Result<LogRoot, FileError>>,
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watcher")
            .field("url", &self.url)
            .field("opts", &self.opts)
            .finish_non_exhaustive()
    }
}
