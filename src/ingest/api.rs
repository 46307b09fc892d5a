//! Objects and logs already in memory (live mode, the `pod` command): container logs fetched
//! from the API, scanned once and kept as scans, and assembled with Pods and Events into
//! incidents through the same parsing as files.

use super::artifact::{Artifact, LogItem};
use super::{objects, store};
use crate::incident::{Incident, LogScan};
use crate::patterns::PatternSet;
use crate::scan::LogScanner;

/// A container log fetched from the API (live mode) or held in memory.
#[derive(Debug, Clone)]
pub struct ApiLog {
    /// Namespace.
    pub namespace: String,
    /// Pod name.
    pub pod: String,
    /// Container name.
    pub container: String,
    /// Whether this is the previous (crashed) instance's log.
    pub previous: bool,
    /// The log text.
    pub text: String,
    /// Where the text was read, shown as its evidence source (e.g. the kubelet's file under
    /// `/var/log/pods`); `None` names it `api:<namespace>/<pod>/<container>`.
    pub source: Option<String>,
}

/// A container log already scanned: what live mode keeps between diagnoses instead of the
/// raw text (a scan is the hits and the crash window, a few KiB, whatever the log's size).
#[derive(Debug, Clone)]
pub struct ScannedLog {
    /// Namespace.
    pub namespace: String,
    /// Pod name.
    pub pod: String,
    /// Container name.
    pub container: String,
    /// The scan.
    pub scan: LogScan,
}

impl ScannedLog {
    /// Roughly how many bytes of memory the scan holds (its texts), for cache budgets.
    pub fn approx_bytes(&self) -> usize {
        let s = &self.scan;
        std::mem::size_of::<Self>()
            + self.namespace.len()
            + self.pod.len()
            + self.container.len()
            + s.source.len()
            + s.first_line.as_ref().map_or(0, String::len)
            + s.hits
                .iter()
                .map(|h| {
                    std::mem::size_of_val(h)
                        + h.line.text.len()
                        + h.captures
                            .iter()
                            .map(|(k, v)| k.len() + v.len())
                            .sum::<usize>()
                })
                .sum::<usize>()
            + s.tail
                .iter()
                .map(|l| std::mem::size_of_val(l) + l.text.len())
                .sum::<usize>()
    }
}

impl ApiLog {
    /// Scan the text with `set`, as [`assemble`] does, keeping only the scan.
    pub fn scan(&self, set: &PatternSet) -> ScannedLog {
        let previous = if self.previous { " (previous)" } else { "" };
        let source = match &self.source {
            Some(s) => format!("{s}{previous}"),
            None => format!(
                "api:{}/{}/{}{previous}",
                self.namespace, self.pod, self.container
            ),
        };
        let mut scanner = LogScanner::new(set, source, None).previous(self.previous);
        scanner.feed(self.text.as_bytes());
        ScannedLog {
            namespace: self.namespace.clone(),
            pod: self.pod.clone(),
            container: self.container.clone(),
            scan: scanner.finish(),
        }
    }
}

/// Assemble incidents from Kubernetes objects already in memory — Pods and Events (core/v1 or
/// events.k8s.io/v1) as JSON values, in any order — plus container logs. Live mode uses this
/// with objects from the API server; it goes through the same parsing as files.
pub fn assemble(set: &PatternSet, objects: &[serde_json::Value], logs: &[ApiLog]) -> Vec<Incident> {
    let scanned: Vec<ScannedLog> = logs.iter().map(|l| l.scan(set)).collect();
    assemble_scanned(objects, &scanned)
}

/// [`assemble`] with logs scanned beforehand ([`ApiLog::scan`]).
pub fn assemble_scanned(objects: &[serde_json::Value], logs: &[ScannedLog]) -> Vec<Incident> {
    let mut store = store::Store::default();
    let mut arts = Vec::new();
    for o in objects {
        objects::collect(o, "api", &mut arts);
    }
    for l in logs {
        arts.push(Artifact::Log(LogItem {
            namespace: Some(l.namespace.clone()),
            pod: Some(l.pod.clone()),
            container: Some(l.container.clone()),
            container_id: None,
            stem: l.container.clone(),
            scan: l.scan.clone(),
        }));
    }
    for a in arts {
        store.add(a);
    }
    store.into_incidents()
}
