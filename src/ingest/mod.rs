//! Reading artifacts: format sniffing, decompression, archives, and per-container assembly.
//!
//! Every input is sniffed by content (not only by extension): gzip, tar, Kubernetes JSON/YAML
//! (single objects, Lists, `cluster-info dump` streams), `describe pod` text, `get events` and
//! `get pods` tables, CRI and Docker json-file logs, and plain logs. Files are processed in
//! parallel; logs stream through the pattern set without being held in memory. What each file
//! yields is then merged into one [`Incident`] per container.
//!
//! Input is hostile until proven otherwise, so reading it is bounded ([`Limits`]): document
//! size and decoded size, decompressed bytes per input and per run, archive nesting and member
//! names, line length; a breach is an [`InputError`] naming the file and the limit, and the
//! other inputs are still read.

mod api;
mod archive;
mod artifact;
mod bounded;
mod describe;
mod dump;
mod fragments;
mod identity;
mod limits;
mod objects;
mod progress;
mod sniff;
mod source;
mod store;
mod text;

use std::path::PathBuf;
use std::sync::atomic::AtomicU64;

use crate::error::InputError;
use crate::incident::Incident;
pub use crate::k8s::workload_of;
use crate::patterns::PatternSet;
pub use api::{assemble, assemble_scanned, ApiLog, ScannedLog};
pub use limits::Limits;
use limits::RunBudget;
pub use progress::{NoProgress, Progress};

/// An input to analyse.
#[derive(Debug, Clone)]
pub enum Input {
    /// A file or a directory (walked recursively).
    Path(PathBuf),
    /// Standard input, read like a file: sniffed, and streamed unless it is a paste.
    Stdin,
    /// Bytes in memory, with a name for messages.
    Bytes {
        /// The name shown in evidence and errors.
        name: String,
        /// The content.
        data: Vec<u8>,
    },
}

/// What ingest produced.
#[derive(Debug, Default)]
pub struct Ingested {
    /// One incident per container (and per unattached log).
    pub incidents: Vec<Incident>,
    /// Inputs that could not be (fully) read.
    pub errors: Vec<InputError>,
}

/// What every reader of one input gets: the patterns, the limits, and the decompression
/// budgets of the run and of this input.
pub(crate) struct Ctx<'a> {
    pub(crate) set: &'a PatternSet,
    pub(crate) limits: &'a Limits,
    run: &'a RunBudget,
    /// Decompressed bytes read from this input so far.
    input_used: AtomicU64,
}

impl<'a> Ctx<'a> {
    fn new(set: &'a PatternSet, limits: &'a Limits, run: &'a RunBudget) -> Ctx<'a> {
        Ctx {
            set,
            limits,
            run,
            input_used: AtomicU64::new(0),
        }
    }
}

/// Read every input and assemble incidents, with the default [`Limits`].
pub fn ingest(set: &PatternSet, inputs: &[Input]) -> Ingested {
    ingest_with(set, inputs, &Limits::default(), &NoProgress)
}

/// [`ingest`], telling `progress` how reading the files advances.
pub fn ingest_with_progress(
    set: &PatternSet,
    inputs: &[Input],
    progress: &dyn Progress,
) -> Ingested {
    ingest_with(set, inputs, &Limits::default(), progress)
}

/// Read every input and assemble incidents. An input that breaks a limit is reported in
/// [`Ingested::errors`] (naming it and the limit); the others are still read.
pub fn ingest_with_limits(set: &PatternSet, inputs: &[Input], limits: &Limits) -> Ingested {
    ingest_with(set, inputs, limits, &NoProgress)
}

/// [`ingest_with_limits`], telling `progress` how reading the files advances.
pub fn ingest_with(
    set: &PatternSet,
    inputs: &[Input],
    limits: &Limits,
    progress: &dyn Progress,
) -> Ingested {
    let (mut errors, results) = source::read_all(set, inputs, limits, progress);
    let mut store = store::Store::default();
    for (arts, errs) in results {
        errors.extend(errs);
        for a in arts {
            store.add(a);
        }
    }
    Ingested {
        incidents: store.into_incidents(),
        errors,
    }
}
