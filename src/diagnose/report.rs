//! The result types: what a diagnosis says and what it rests on.
//!
//! These are the engine's output contract: the JSON document (`podmortem/v1`) is their serde
//! form, and every renderer reads them.

use serde::Serialize;

use super::backoff::Backoff;
use super::timeline::Timeline;
use crate::cause::Cause;
use crate::incident::SourceKind;

/// One line of evidence behind a diagnosis.
#[non_exhaustive]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Evidence {
    /// `file:line` (or `file (pod x)` for JSON objects).
    pub source: String,
    /// `log`, `event` or `status`.
    pub kind: SourceKind,
    /// The line or message.
    pub text: String,
    /// The rule (pattern id, or `status.*` for built-in status facts).
    pub rule: String,
    /// The cause this evidence points to.
    pub cause: Cause,
    /// Its effective weight after source and position factors.
    #[serde(skip)]
    pub weight: f64,
}

/// A runner-up cause.
#[non_exhaustive]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Alternative {
    /// The cause.
    pub cause: Cause,
    /// Its probability.
    pub confidence: f64,
}

/// The engine's verdict on one container.
#[non_exhaustive]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Diagnosis {
    /// Namespace, when known.
    pub namespace: Option<String>,
    /// Pod (or file stem for unattached logs).
    pub pod: String,
    /// Container, when known.
    pub container: Option<String>,
    /// The most likely cause.
    pub cause: Cause,
    /// A finer label (`not_found`, `container_limit`, `startup`, …).
    pub detail: Option<String>,
    /// Probability of `cause`, in [0, 1].
    pub confidence: f64,
    /// Other causes, most likely first.
    pub alternatives: Vec<Alternative>,
    /// What the diagnosis rests on: the cause's own evidence first.
    pub evidence: Vec<Evidence>,
    /// The back-off timer.
    pub backoff: Backoff,
    /// The restart history the input dates (for the HTML report's timeline).
    #[serde(skip)]
    pub timeline: Timeline,
    /// One line: what the top evidence means.
    pub explanation: String,
    /// What to do.
    pub remediation: Vec<String>,
    /// The raw (pre-softmax) score of `cause`; used to order diagnoses.
    #[serde(skip)]
    pub score: f64,
    /// Whether a container status was seen (the pod exists in the export).
    #[serde(skip)]
    pub has_status: bool,
    /// How many secret values were replaced by `****` in this diagnosis's texts (0 when
    /// redaction is off).
    pub redacted: usize,
}

impl Diagnosis {
    /// The order of a report, used by batch and live alike: named causes first, most
    /// confident first; `unknown` (however sure we are that we do not know) last. Ties go to
    /// containers whose status was seen, then to the stronger evidence, then by name.
    pub fn report_order(a: &Diagnosis, b: &Diagnosis) -> std::cmp::Ordering {
        let known = |d: &Diagnosis| d.cause != Cause::Unknown;
        known(b)
            .cmp(&known(a))
            .then(b.confidence.total_cmp(&a.confidence))
            .then(b.has_status.cmp(&a.has_status))
            .then(b.score.total_cmp(&a.score))
            .then(a.display_name().cmp(&b.display_name()))
    }

    /// `namespace/pod/container` with unknown parts left out.
    pub fn display_name(&self) -> String {
        crate::incident::qualified_name(
            self.namespace.as_deref(),
            &self.pod,
            self.container.as_deref(),
        )
    }
}

/// The JSON schema id of a serialised [`Report`]; bumped only on incompatible changes.
pub const SCHEMA: &str = "podmortem/v1";

/// The result of analysing a set of inputs.
///
/// Its serde form is the `podmortem/v1` document:
/// `{"schema":"podmortem/v1","diagnoses":[…],"errors":[…],"redacted":N}`.
#[non_exhaustive]
#[derive(Debug, Default)]
pub struct Report {
    /// One diagnosis per failing container, most confident first.
    pub diagnoses: Vec<Diagnosis>,
    /// Inputs that could not be (fully) read.
    pub errors: Vec<crate::error::InputError>,
    /// How many incidents (containers) were assembled, failing or not.
    pub incidents: usize,
}

impl Serialize for Report {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Document<'a> {
            schema: &'static str,
            diagnoses: &'a [Diagnosis],
            errors: &'a [crate::error::InputError],
            redacted: usize,
        }
        Document {
            schema: SCHEMA,
            diagnoses: &self.diagnoses,
            errors: &self.errors,
            redacted: self.redacted(),
        }
        .serialize(s)
    }
}

impl Report {
    /// A report of `diagnoses` (most confident first), the inputs that could not be read, and
    /// how many incidents were assembled.
    pub fn new(
        diagnoses: Vec<Diagnosis>,
        errors: Vec<crate::error::InputError>,
        incidents: usize,
    ) -> Report {
        Report {
            diagnoses,
            errors,
            incidents,
        }
    }

    /// How many secret values were redacted across all diagnoses.
    pub fn redacted(&self) -> usize {
        self.diagnoses.iter().map(|d| d.redacted).sum()
    }
}
