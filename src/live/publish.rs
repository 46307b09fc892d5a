//! What comes out of a diagnosis task: its scans cached, unreadable logs reported, and each
//! diagnosis that is news delivered to the sink, counted in the metrics and (with
//! `--emit-events`) written as an Event; plus the per-run totals and warnings.

use std::future::Future;

use super::emit::{self, EventLedger, Written};
use super::error::{self, forbidden_message, Access};
use super::state::{PodKey, Tracker};
use super::work::{LogError, PodResult};
use super::{Sink, WatchError, WatchSummary, Watcher};
use crate::diagnose::Diagnosis;

/// Per-run mutable state that is not about the cluster.
#[derive(Default)]
pub(super) struct RunState {
    pub(super) summary: WatchSummary,
    /// Warnings already shown once (log or event permission denied).
    warned: std::collections::HashSet<&'static str>,
    /// `--emit-events` switched off after a 403.
    emit_disabled: bool,
}

impl Watcher {
    pub(super) fn transient(&self, run: &mut RunState, sink: &mut dyn Sink, what: String) {
        self.metrics.watch_error();
        run.summary.errors += 1;
        sink.notice(&format!("{what}; retrying with back-off"));
    }

    pub(super) fn update_health(&self, st: &Tracker, key: &PodKey) {
        if let Some(p) = st.pods.get(key) {
            for (name, c) in p.containers.iter() {
                if c.printed.is_some() {
                    self.metrics.health(&key.0, &key.1, name, c.fp.healthy());
                }
            }
        }
    }

    /// Take in a task's result: cache its scans, report unreadable logs, and return its
    /// diagnoses (none if the pod is gone or was replaced meanwhile).
    pub(super) fn absorb(
        &self,
        st: &mut Tracker,
        run: &mut RunState,
        sink: &mut dyn Sink,
        r: PodResult,
    ) -> Vec<(PodKey, String, Diagnosis)> {
        if st.pods.get(&r.key).is_none_or(|p| p.uid != r.uid) {
            return Vec::new();
        }
        for (c, log_key, scans) in r.fetched {
            st.logs.put(&r.key, &c, log_key, scans);
        }
        for (c, e) in r.errors {
            self.log_error(run, sink, &r.key, &c, e);
        }
        let key = r.key;
        r.diagnoses
            .into_iter()
            .map(|(c, d)| (key.clone(), c, d))
            .collect()
    }

    /// Deliver a diagnosis if it is news; with `--emit-events`, returns the Event write to run
    /// (when the pod's rate limit allows one).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn publish(
        &self,
        st: &mut Tracker,
        run: &mut RunState,
        sink: &mut dyn Sink,
        ledger: &mut EventLedger,
        key: &PodKey,
        c: &str,
        d: &Diagnosis,
    ) -> Result<Option<impl Future<Output = Written> + Send + 'static>, WatchError> {
        if !st.record_if_new(key, c, d) {
            return Ok(None);
        }
        // Metrics first: whoever sees the diagnosis can already scrape it.
        self.metrics.diagnosed(&key.0, &key.1, c, d.cause);
        let Some(p) = st.pods.get(key) else {
            return Ok(None);
        };
        let init = p.containers.get(c).is_some_and(|ce| {
            self.metrics.health(&key.0, &key.1, c, ce.fp.healthy());
            ce.init
        });
        sink.diagnosis(d)?;
        run.summary.printed += 1;
        if !self.opts.emit_events || run.emit_disabled {
            return Ok(None);
        }
        if !ledger.allow(key, std::time::Instant::now()) {
            self.metrics.event_suppressed();
            return Ok(None);
        }
        let name = emit::event_name(key, &p.uid, c, d);
        let event = emit::diagnosis_event(key, &name, &p.uid, c, init, d);
        let known = ledger.count(&name);
        Ok(Some(emit::write(
            self.client.clone(),
            key.clone(),
            name,
            known,
            event,
            self.opts.request_timeout,
        )))
    }

    /// Take in the outcome of an Event write.
    pub(super) fn emitted(
        &self,
        run: &mut RunState,
        sink: &mut dyn Sink,
        ledger: &mut EventLedger,
        key: &PodKey,
        w: Written,
    ) {
        match w {
            Written::Count(name, n) => ledger.wrote(name, n),
            Written::Forbidden(msg) => {
                if !run.emit_disabled {
                    run.emit_disabled = true;
                    let access = Access {
                        verb: "create",
                        resource: "events",
                        namespace: Some(&key.0),
                    };
                    let msg = forbidden_message(&msg, access);
                    sink.notice(&format!(
                        "{}; --emit-events is off from now on",
                        msg.lines().next().unwrap_or_default()
                    ));
                }
            }
            Written::Failed(why) => {
                self.metrics.watch_error();
                run.summary.errors += 1;
                sink.notice(&format!(
                    "cannot write an event on pod {}/{}: {why}",
                    key.0, key.1
                ));
            }
        }
    }

    fn log_error(
        &self,
        run: &mut RunState,
        sink: &mut dyn Sink,
        key: &PodKey,
        container: &str,
        e: LogError,
    ) {
        // The metric counts failed API requests; a file error is reported below all the same.
        if !matches!(e, LogError::File(_)) {
            self.metrics.watch_error();
        }
        run.summary.errors += 1;
        match e {
            LogError::File(e) => sink.notice(&format!(
                "cannot read the log of {}/{}/{container} from {e}; diagnosing without it",
                key.0, key.1
            )),
            LogError::Timeout(t) => sink.notice(&format!(
                "the log of {}/{}/{container} did not arrive within {}s; diagnosing without it",
                key.0,
                key.1,
                t.as_secs_f64()
            )),
            LogError::Api(kube::Error::Api(s)) if s.code == 403 => {
                if run.warned.insert("pods/log") {
                    let access = Access {
                        verb: "get",
                        resource: "pods/log",
                        namespace: Some(&key.0),
                    };
                    let msg = forbidden_message(&s.message, access);
                    let first = msg.lines().next().unwrap_or_default();
                    sink.notice(&format!("{first}; diagnosing without logs"));
                }
            }
            LogError::Api(e) => sink.notice(&format!(
                "cannot fetch the log of {}/{}/{container}: {}; diagnosing without it",
                key.0,
                key.1,
                error::chain(&e)
            )),
        }
    }
}
