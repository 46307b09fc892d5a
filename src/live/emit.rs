//! `--emit-events`: one Warning Event per container and cause, aggregated the way the kubelet
//! does it (the repeat patches `count` and `lastTimestamp` of the existing Event instead of
//! creating another), and rate-limited per pod.
//!
//! The Event's name is derived from the pod's uid, the container and the cause, so a second
//! process (`watch --once` run by cron, a restarted agent) finds the Event the first one wrote
//! and counts on it instead of adding one.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use kube::api::{Patch, PatchParams, PostParams};
use kube::{Api, Client};

use super::state::{PodKey, OWN_EVENT_REASON};
use crate::diagnose::Diagnosis;

/// Kubernetes rejects longer event messages.
pub(crate) const MAX_EVENT_MESSAGE: usize = 1024;
/// Writes allowed at once per pod…
const BURST: f64 = 4.0;
/// …then one per this long (the kubelet's correlator allows a burst of 25, then one per 5
/// minutes per object; a diagnosis is rarer than a kubelet event).
const REFILL: Duration = Duration::from_secs(60);
/// Pods remembered by the limiter and event counts remembered; beyond, the oldest are forgotten
/// (a forgotten count is read back from the API).
const MAX_TRACKED: usize = 4096;

/// Per-pod token buckets and the counts of the Events written by this process.
#[derive(Debug, Default)]
pub(crate) struct EventLedger {
    buckets: HashMap<PodKey, (f64, Instant)>,
    /// Event name → its `count` as last written.
    counts: HashMap<String, i32>,
}

impl EventLedger {
    /// Whether a write about `pod` is allowed now (and spend a token if so).
    pub(crate) fn allow(&mut self, pod: &PodKey, now: Instant) -> bool {
        if self.buckets.len() >= MAX_TRACKED && !self.buckets.contains_key(pod) {
            // Full buckets are the default state: forgetting them changes nothing.
            self.buckets
                .retain(|_, (tokens, at)| refill(*tokens, *at, now) < BURST);
        }
        let (tokens, at) = self.buckets.entry(pod.clone()).or_insert((BURST, now));
        let t = refill(*tokens, *at, now);
        if t < 1.0 {
            return false;
        }
        *tokens = t - 1.0;
        *at = now;
        true
    }

    /// The count this process last wrote on `name`.
    pub(crate) fn count(&self, name: &str) -> Option<i32> {
        self.counts.get(name).copied()
    }

    /// Remember what was written.
    pub(crate) fn wrote(&mut self, name: String, count: i32) {
        if self.counts.len() >= MAX_TRACKED {
            self.counts.clear();
        }
        self.counts.insert(name, count);
    }
}

fn refill(tokens: f64, at: Instant, now: Instant) -> f64 {
    let gained = now.saturating_duration_since(at).as_secs_f64() / REFILL.as_secs_f64();
    (tokens + gained).min(BURST)
}

/// The Event's name: the pod name (shortened to fit) and a hash of pod uid, container and cause.
pub(crate) fn event_name(key: &PodKey, uid: &str, container: &str, d: &Diagnosis) -> String {
    // FNV-1a: stable across processes and releases (std's hasher is not).
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [uid, container, d.cause.id()] {
        for b in part.bytes().chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    let pod: String = key.1.chars().take(200).collect();
    format!("{pod}.podmortem.{h:016x}")
}

/// What a write did.
pub(crate) enum Written {
    /// The Event now has this count.
    Count(String, i32),
    /// `create`/`patch` on events is forbidden (the message names the permission).
    Forbidden(String),
    Failed(String),
}

/// Write the Event: patch `count`/`lastTimestamp` if it exists (`known` = the count this
/// process last wrote, skipping the read), else create it with count 1.
pub(crate) async fn write(
    client: Client,
    key: PodKey,
    name: String,
    known: Option<i32>,
    event: Event,
    timeout: Duration,
) -> Written {
    let api: Api<Event> = Api::namespaced(client, &key.0);
    let work = async {
        let existing = match known {
            Some(n) => Some(n),
            None => match api.get_opt(&name).await? {
                Some(ev) => Some(ev.count.unwrap_or(1)),
                None => None,
            },
        };
        if let Some(n) = existing {
            let count = n.saturating_add(1);
            let patch = serde_json::json!({
                "count": count,
                "lastTimestamp": event.last_timestamp,
                "message": event.message,
            });
            match api
                .patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
            {
                Ok(_) => return Ok(count),
                // Expired (events live an hour) or deleted: write it anew.
                Err(kube::Error::Api(s)) if s.code == 404 => {}
                Err(e) => return Err(e),
            }
        }
        match api.create(&PostParams::default(), &event).await {
            Ok(_) => Ok(1),
            // Another writer created it meanwhile: count on theirs.
            Err(kube::Error::Api(s)) if s.code == 409 => {
                let n = api.get(&name).await?.count.unwrap_or(1).saturating_add(1);
                let patch = serde_json::json!({"count": n, "lastTimestamp": event.last_timestamp});
                api.patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
                    .await?;
                Ok(n)
            }
            Err(e) => Err(e),
        }
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(Ok(n)) => Written::Count(name, n),
        Ok(Err(kube::Error::Api(s))) if s.code == 403 => Written::Forbidden(s.message.clone()),
        Ok(Err(e)) => Written::Failed(super::error::chain(&e)),
        Err(_) => Written::Failed(format!("no answer within {}s", timeout.as_secs())),
    }
}

/// The core/v1 Event `--emit-events` writes (count 1; repeats are patched).
pub(crate) fn diagnosis_event(
    key: &PodKey,
    name: &str,
    uid: &str,
    container: &str,
    init: bool,
    d: &Diagnosis,
) -> Event {
    let now = Time(k8s_openapi::jiff::Timestamp::now());
    let cause = match &d.detail {
        Some(x) => format!("{} ({x})", d.cause.id()),
        None => d.cause.id().to_string(),
    };
    let mut message = format!(
        "podmortem: {cause}, confidence {:.2}: {}",
        d.confidence, d.explanation
    );
    if let Some(fix) = d.remediation.first() {
        message.push_str(" Fix: ");
        message.push_str(fix);
    }
    // `kubectl get events` prints messages to terminals: no control characters from the input.
    let message = crate::render::escape_control(&message);
    let message = crate::incident::clip(&message, MAX_EVENT_MESSAGE - 4);
    let field = if init { "initContainers" } else { "containers" };
    let instance = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "podmortem".into());
    Event {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            namespace: Some(key.0.clone()),
            ..ObjectMeta::default()
        },
        involved_object: ObjectReference {
            api_version: Some("v1".into()),
            kind: Some("Pod".into()),
            name: Some(key.1.clone()),
            namespace: Some(key.0.clone()),
            uid: (!uid.is_empty()).then(|| uid.to_string()),
            field_path: Some(format!("spec.{field}{{{container}}}")),
            ..ObjectReference::default()
        },
        reason: Some(OWN_EVENT_REASON.into()),
        message: Some(message),
        type_: Some("Warning".into()),
        action: Some("Diagnose".into()),
        count: Some(1),
        first_timestamp: Some(now.clone()),
        last_timestamp: Some(now),
        source: Some(EventSource {
            component: Some("podmortem".into()),
            host: None,
        }),
        reporting_component: Some("podmortem".into()),
        reporting_instance: Some(instance),
        ..Event::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Engine, Incident};

    fn diag() -> Diagnosis {
        Engine::new().diagnose(&Incident {
            namespace: Some("shop".into()),
            pod: "api".into(),
            container: Some("app".into()),
            ..Incident::default()
        })
    }

    #[test]
    fn emitted_event_shape() {
        let d = diag();
        let key = ("shop".to_string(), "api".to_string());
        let name = event_name(&key, "u-1", "init", &d);
        let ev = diagnosis_event(&key, &name, "u-1", "init", true, &d);
        assert_eq!(ev.reason.as_deref(), Some(OWN_EVENT_REASON));
        assert_eq!(ev.type_.as_deref(), Some("Warning"));
        assert_eq!(
            ev.involved_object.field_path.as_deref(),
            Some("spec.initContainers{init}")
        );
        assert!(ev.message.unwrap().len() <= MAX_EVENT_MESSAGE);
        assert!(name.starts_with("api.podmortem."), "{name}");
        assert_eq!(name, event_name(&key, "u-1", "init", &d), "stable");
        assert_ne!(
            name,
            event_name(&key, "u-2", "init", &d),
            "per pod instance"
        );
        assert_ne!(name, event_name(&key, "u-1", "app", &d), "per container");
        let long = ("shop".to_string(), "p".repeat(253));
        assert!(event_name(&long, "u", "c", &d).len() <= 253);
    }

    #[test]
    fn rate_limit_per_pod() {
        let mut l = EventLedger::default();
        let (a, b) = (
            ("ns".to_string(), "a".to_string()),
            ("ns".to_string(), "b".to_string()),
        );
        let t0 = Instant::now();
        let allowed = (0..100).filter(|_| l.allow(&a, t0)).count();
        assert_eq!(allowed, BURST as usize, "a burst, then nothing");
        assert!(l.allow(&b, t0), "another pod has its own budget");
        assert!(l.allow(&a, t0 + REFILL), "one more after the refill period");
        assert!(!l.allow(&a, t0 + REFILL));
    }
}
