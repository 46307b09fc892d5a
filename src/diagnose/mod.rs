//! From an [`Incident`](crate::Incident) to a [`Diagnosis`]: signals, scoring, confidence, back-off, remediation.
//!
//! # How the decision is made
//! Every piece of evidence is a *signal* for one cause with a weight: pattern rules carry a
//! weight (roughly the log-likelihood ratio the signature contributes), and built-in status facts
//! (`OOMKilled`, `ErrImagePull`, exit codes …) carry fixed ones. Weights are scaled by where the
//! evidence sits — status ×1.5, kubelet events ×1.25, logs ×1.0 — and log hits inside the crash
//! window (the last lines before the termination) count fully while older ones count 0.6×; the
//! last hit of a log counts 1.25×. Per cause, signals combine with diminishing returns (the
//! strongest counts fully, the next half, then a quarter …) so a hundred retried warnings never
//! outvote one decisive status fact.
//!
//! Confidence is a softmax over cause scores at temperature [`TEMPERATURE`], competing with an
//! `unknown` hypothesis of fixed score [`UNKNOWN_SCORE`]: with weak evidence, unknown wins and the
//! engine says so rather than guess. The trained model (see `model`) recalibrates this.
//!
//! # Where things are
//! - `report`: the result types ([`Diagnosis`], [`Evidence`], [`Report`]), the output contract;
//! - `triage`: the one answer to "is this container in trouble", for batch, live and the store;
//! - `signals`: evidence → weighted signals (source, position, retry and crash damping);
//! - `status`: the built-in status rules, as a table;
//! - `scoring`: [`PerCause`] scores and their softmax, shared with the model;
//! - `engine`: the [`Engine`] that ties them together;
//! - `backoff`, `timeline`, `remediation`, `command`, `time`: the timer, the dated restart
//!   history, the fix text, safe shell commands, timestamps.

mod backoff;
pub mod command;
mod engine;
mod fixtures;
mod remediation;
mod report;
pub(crate) mod scoring;
pub(crate) mod signals;
mod status;
pub(crate) mod time;
mod timeline;
pub(crate) mod triage;

pub use backoff::{backoff, Backoff};
pub use engine::{Engine, Mode};
pub use fixtures::FixtureReport;
pub use remediation::remediation;
pub use report::{Alternative, Diagnosis, Evidence, Report, SCHEMA};
pub use scoring::{PerCause, TEMPERATURE, UNKNOWN_SCORE};
pub use timeline::{timeline, DatedEvent, Termination, Timeline};
pub use triage::{is_failing, restart_age, status_in_trouble};
