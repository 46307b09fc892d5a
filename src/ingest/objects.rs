//! Kubernetes objects in JSON or YAML: Pods, Events (core/v1 and events.k8s.io/v1), Lists.

use serde_json::Value;

use super::artifact::{Artifact, ContainerRecord, PodEvent, PodRecord};
use crate::incident::{
    ContainerSpec, ContainerState, ContainerStatus, EventRecord, Location, Terminated,
};

fn s(v: &Value, path: &[&str]) -> Option<String> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    match cur {
        Value::String(x) if !x.is_empty() => Some(x.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn n(v: &Value, path: &[&str]) -> Option<i64> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_i64()
        .or_else(|| cur.as_str().and_then(|x| x.parse().ok()))
}

/// Whether a JSON value is a Kubernetes object or list we understand (used by sniffing).
pub(crate) fn is_kube_object(v: &Value) -> bool {
    v.get("kind").is_some() || v.get("items").is_some() || v.get("apiVersion").is_some()
}

/// Turn one decoded document into artifacts. Unknown kinds are ignored: a cluster dump holds
/// Services, Nodes and Deployments we have no use for.
pub(crate) fn collect(v: &Value, file: &str, out: &mut Vec<Artifact>) {
    if let Some(items) = v.get("items").and_then(Value::as_array) {
        let list_kind = v.get("kind").and_then(Value::as_str).unwrap_or("");
        for item in items {
            collect_one(item, list_kind.strip_suffix("List"), file, out);
        }
        return;
    }
    if let Some(arr) = v.as_array() {
        for item in arr {
            collect(item, file, out);
        }
        return;
    }
    collect_one(v, None, file, out);
}

/// One item of a List whose own `kind` is unknown yet (the list's `kind` may come after its
/// `items`): read as [`collect`] reads it inside a list of kind `list_kind`.
pub(crate) fn collect_item(
    v: &Value,
    list_kind: Option<&str>,
    file: &str,
    out: &mut Vec<Artifact>,
) {
    collect_one(v, list_kind, file, out)
}

fn collect_one(v: &Value, list_kind: Option<&str>, file: &str, out: &mut Vec<Artifact>) {
    let kind = v
        .get("kind")
        .and_then(Value::as_str)
        .or(list_kind)
        .map(str::to_string)
        .unwrap_or_else(|| {
            if v.get("involvedObject").is_some() || v.get("regarding").is_some() {
                "Event".into()
            } else if v.pointer("/spec/containers").is_some() {
                "Pod".into()
            } else {
                String::new()
            }
        });
    match kind.as_str() {
        "Pod" => {
            if let Some(mut p) = pod(v, file) {
                p.listed = list_kind.is_some();
                out.push(Artifact::Pod(p));
            }
        }
        "Event" => {
            if let Some(e) = event(v, file) {
                out.push(Artifact::Event(e));
            }
        }
        "List" => collect(v, file, out),
        _ => {}
    }
}

fn terminated(t: &Value) -> Terminated {
    Terminated {
        reason: s(t, &["reason"]),
        // Out-of-range numbers are unknown, not wrapped (`4294967297` is no exit code 1).
        exit_code: n(t, &["exitCode"]).and_then(|x| i32::try_from(x).ok()),
        signal: n(t, &["signal"]).and_then(|x| i32::try_from(x).ok()),
        message: s(t, &["message"]),
        started_at: s(t, &["startedAt"]),
        finished_at: s(t, &["finishedAt"]),
    }
}

fn probe_summary(p: &Value) -> Option<String> {
    if p.is_null() {
        return None;
    }
    let mut parts = Vec::new();
    if let Some(h) = p.get("httpGet") {
        parts.push(format!(
            "http-get {}:{}{}",
            s(h, &["scheme"])
                .unwrap_or_else(|| "HTTP".into())
                .to_lowercase(),
            s(h, &["port"]).unwrap_or_default(),
            s(h, &["path"]).unwrap_or_default()
        ));
    } else if let Some(t) = p.get("tcpSocket") {
        parts.push(format!(
            "tcp-socket :{}",
            s(t, &["port"]).unwrap_or_default()
        ));
    } else if let Some(g) = p.get("grpc") {
        parts.push(format!("grpc :{}", s(g, &["port"]).unwrap_or_default()));
    } else if let Some(e) = p.get("exec") {
        let cmd: Vec<String> = e
            .get("command")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        parts.push(format!("exec [{}]", cmd.join(" ")));
    }
    for (k, label) in [
        ("initialDelaySeconds", "delay"),
        ("timeoutSeconds", "timeout"),
        ("periodSeconds", "period"),
        ("failureThreshold", "#failure"),
    ] {
        if let Some(x) = n(p, &[k]) {
            parts.push(format!(
                "{label}={x}{}",
                if k == "failureThreshold" { "" } else { "s" }
            ));
        }
    }
    Some(parts.join(" "))
}

fn pod(v: &Value, file: &str) -> Option<PodRecord> {
    let name = s(v, &["metadata", "name"])?;
    let loc = Location::new(format!("{file} (pod {name})"), 0);
    let mut rec = PodRecord {
        namespace: s(v, &["metadata", "namespace"]),
        name,
        phase: s(v, &["status", "phase"]),
        reason: s(v, &["status", "reason"]),
        message: s(v, &["status", "message"]),
        restart_policy: s(v, &["spec", "restartPolicy"]),
        containers: Vec::new(),
        listed: false,
    };
    for (spec_key, status_key, init) in [
        ("initContainers", "initContainerStatuses", true),
        ("containers", "containerStatuses", false),
    ] {
        let statuses: Vec<&Value> = v
            .pointer(&format!("/status/{status_key}"))
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        let specs: Vec<&Value> = v
            .pointer(&format!("/spec/{spec_key}"))
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        let mut names: Vec<String> = specs.iter().filter_map(|c| s(c, &["name"])).collect();
        for st in &statuses {
            if let Some(nm) = s(st, &["name"]) {
                if !names.contains(&nm) {
                    names.push(nm);
                }
            }
        }
        for cname in names {
            let spec = specs
                .iter()
                .find(|c| s(c, &["name"]).as_deref() == Some(&cname));
            let st = statuses
                .iter()
                .find(|c| s(c, &["name"]).as_deref() == Some(&cname));
            let mut cspec = ContainerSpec {
                init,
                ..Default::default()
            };
            if let Some(sp) = spec {
                cspec.image = s(sp, &["image"]);
                cspec.memory_limit = s(sp, &["resources", "limits", "memory"]);
                cspec.liveness_probe = sp.get("livenessProbe").and_then(probe_summary);
                cspec.startup_probe = sp.get("startupProbe").and_then(probe_summary);
            }
            let status = st.map(|st| {
                let state = st.get("state").and_then(|state| {
                    if let Some(w) = state.get("waiting") {
                        Some(ContainerState::Waiting {
                            reason: s(w, &["reason"]),
                            message: s(w, &["message"]),
                        })
                    } else if let Some(r) = state.get("running") {
                        Some(ContainerState::Running {
                            started_at: s(r, &["startedAt"]),
                        })
                    } else {
                        state
                            .get("terminated")
                            .map(|t| ContainerState::Terminated(terminated(t)))
                    }
                });
                if cspec.image.is_none() {
                    cspec.image = s(st, &["image"]);
                }
                ContainerStatus {
                    state,
                    last_terminated: st.pointer("/lastState/terminated").map(terminated),
                    // `-1` is unknown, not 4294967295 restarts.
                    restart_count: n(st, &["restartCount"]).and_then(|x| u32::try_from(x).ok()),
                    ready: st.get("ready").and_then(Value::as_bool),
                    source: loc.clone(),
                }
            });
            let ids = st
                .map(|st| {
                    [
                        s(st, &["containerID"]),
                        s(st, &["lastState", "terminated", "containerID"]),
                    ]
                    .into_iter()
                    .flatten()
                    .map(|id| strip_scheme(&id).to_string())
                    .collect()
                })
                .unwrap_or_default();
            rec.containers.push(ContainerRecord {
                name: cname,
                ids,
                spec: cspec,
                status,
            });
        }
    }
    Some(rec)
}

/// `docker://0d6f…` → `0d6f…`.
pub(crate) fn strip_scheme(id: &str) -> &str {
    id.split_once("://").map_or(id, |(_, rest)| rest)
}

/// `spec.containers{app}` → `app`.
pub(crate) fn container_from_field_path(fp: &str) -> Option<String> {
    let open = fp.find('{')?;
    let close = fp[open..].find('}')? + open;
    Some(fp[open + 1..close].to_string())
}

fn event(v: &Value, file: &str) -> Option<PodEvent> {
    let obj = v.get("involvedObject").or_else(|| v.get("regarding"))?;
    if s(obj, &["kind"]).as_deref().is_some_and(|k| k != "Pod") {
        return None;
    }
    let pod = s(obj, &["name"])?;
    let namespace = s(obj, &["namespace"]).or_else(|| s(v, &["metadata", "namespace"]));
    let container = s(obj, &["fieldPath"]).and_then(|fp| container_from_field_path(&fp));
    let count = n(v, &["series", "count"])
        .or_else(|| n(v, &["count"]))
        .or_else(|| n(v, &["deprecatedCount"]))
        .unwrap_or(1)
        .clamp(1, i64::from(u32::MAX)) as u32;
    let last_seen = s(v, &["series", "lastObservedTime"])
        .or_else(|| s(v, &["lastTimestamp"]))
        .or_else(|| s(v, &["deprecatedLastTimestamp"]))
        .or_else(|| s(v, &["eventTime"]))
        .or_else(|| s(v, &["metadata", "creationTimestamp"]));
    // events.k8s.io/v1: `eventTime` is the first occurrence of a series.
    let first_seen = s(v, &["firstTimestamp"])
        .or_else(|| s(v, &["deprecatedFirstTimestamp"]))
        .or_else(|| v.get("series").and_then(|_| s(v, &["eventTime"])));
    let message = s(v, &["message"])
        .or_else(|| s(v, &["note"]))
        .unwrap_or_default();
    let message = message
        .strip_prefix("(combined from similar events): ")
        .unwrap_or(&message)
        .to_string();
    Some(PodEvent {
        namespace,
        pod,
        container,
        record: EventRecord {
            kind: s(v, &["type"]),
            reason: s(v, &["reason"]).unwrap_or_default(),
            message,
            count,
            first_seen,
            last_seen,
            age: None,
            source: Location::new(
                format!(
                    "{file} (event {})",
                    s(v, &["metadata", "name"]).unwrap_or_else(|| "?".into())
                ),
                0,
            ),
        },
    })
}
