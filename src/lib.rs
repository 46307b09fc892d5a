//! # podmortem
//!
//! podmortem tells you *why* a Kubernetes container is stuck in BackOff (CrashLoopBackOff,
//! ImagePullBackOff, CreateContainerConfigError …): the root cause from a stable taxonomy
//! ([`Cause`]), a confidence, the evidence lines that prove it, the state of the back-off timer,
//! and what to do.
//!
//! ## Brief overview
//! Data flows one way through small modules:
//!
//! 1. **ingest** ([`ingest()`]): artifacts — `kubectl logs`, CRI and Docker log files, events
//!    (JSON/YAML/tables), pods (JSON/YAML, `describe`, `get pods`), `cluster-info dump`, tarballs
//!    and gzip — are sniffed by content and assembled into one [`Incident`] per container.
//! 2. **patterns** ([`PatternSet`]): YAML [`PatternPack`]s compiled into one multi-keyword
//!    prefilter plus per-rule regex confirmation. Logs stream through it ([`scan::LogScanner`]) in
//!    bounded memory; only hits and the crash window (the last lines) are kept.
//! 3. **diagnose** ([`Engine`]): status facts, events and log hits become weighted signals; the
//!    trained, calibrated classifier ([`model`]) or a softmax over rule scores gives the
//!    [`Diagnosis`] with confidence, alternatives, [`Evidence`], [`Backoff`], the dated restart
//!    history ([`diagnose::Timeline`]) and remediation.
//!    [`Engine::diagnose`] is pure: it touches no file, socket or clock.
//! 4. **render** ([`render`]): text, JSON (`podmortem/v1`), Markdown, and a self-contained HTML
//!    page with a restart timeline per container ([`render::to_html`]).
//!
//! ## The surface
//! Most users need four items: [`Engine`] (built once; [`Engine::analyze`] reads inputs and
//! diagnoses, [`Engine::diagnose`] takes an [`Incident`] built elsewhere), [`Input`], and the
//! results [`Report`] / [`Diagnosis`] (serialisable: their serde form is the `podmortem/v1` JSON
//! document). The modules hold the rest: [`incident`] (the input model an embedder may fill
//! itself), [`patterns`] and [`redact`] (rule and redaction packs), [`scan`] (the streaming log
//! scanner), [`render`] (text, JSON, Markdown), [`model`] (loading a trained model), `eval`
//! (feature `eval`) and `live` (feature `live`: the watcher behind `podmortem watch`). Result
//! types and enums are `#[non_exhaustive]`: fields and causes may be added in minor versions.
//!
//! ## Example
//! ```
//! use podmortem::{Engine, Input};
//!
//! let engine = Engine::new();
//! let status = br#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"api-1","namespace":"shop"},
//!   "spec":{"containers":[{"name":"app","image":"shop/api:1"}]},
//!   "status":{"containerStatuses":[{"name":"app","restartCount":4,"ready":false,
//!     "state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 2m40s restarting failed container=app pod=api-1_shop(u)"}},
//!     "lastState":{"terminated":{"reason":"OOMKilled","exitCode":137}}}]}}"#;
//! let report = engine.analyze(&[Input::Bytes { name: "pod.json".into(), data: status.to_vec() }]);
//! let d = &report.diagnoses[0];
//! assert_eq!(d.cause.id(), "oom_killed");
//! assert!(d.confidence > 0.9);
//! assert_eq!(d.backoff.current_delay_seconds, Some(160));
//! ```
//!
//! The library builds without the CLI, kube or tokio: depend on it with
//! `default-features = false`.

#![deny(missing_docs)]

pub mod cause;
pub mod diagnose;
pub mod error;
#[cfg(feature = "eval")]
pub mod eval;
pub mod incident;
pub mod ingest;
mod k8s;
#[cfg(feature = "live")]
pub mod live;
pub mod model;
pub mod patterns;
pub mod redact;
pub mod render;
pub mod scan;

pub use cause::Cause;
pub use diagnose::{Alternative, Backoff, Diagnosis, Engine, Evidence, Mode, Report};
pub use error::{InputError, PackError};
pub use incident::{Incident, LogScan, SourceKind};
pub use ingest::{ingest, ingest_with_limits, Input, Limits};
pub use patterns::{PatternPack, PatternSet};
