//! `meta.k8s.io/v1` Tables, the server-side printing kubectl asks for with
//! `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`: the columns and cells the real
//! apiserver prints for pods (NAME/READY/STATUS/RESTARTS/AGE, IP/NODE wide) and events.

use serde_json::{json, Value};

use super::fixtures::{human_age, now, parse_time};
use super::{convert_event, Store};

/// A `meta.k8s.io/v1` Table of pods or (core/v1-shaped or v1) events, as kubectl asks for.
pub(super) fn table(store: Store, items: &[Value], rv: Option<u64>) -> Value {
    let is_pod = store == Store::Pods;
    let cols: &[(&str, u8)] = if is_pod {
        &[
            ("Name", 0),
            ("Ready", 0),
            ("Status", 0),
            ("Restarts", 0),
            ("Age", 0),
            ("IP", 1),
            ("Node", 1),
        ]
    } else {
        &[
            ("Last Seen", 0),
            ("Type", 0),
            ("Reason", 0),
            ("Object", 0),
            ("Subobject", 1),
            ("Source", 1),
            ("Message", 0),
            ("First Seen", 1),
            ("Count", 1),
            ("Name", 1),
        ]
    };
    let defs: Vec<Value> = cols
        .iter()
        .map(|(n, p)| {
            let format = if *n == "Name" { "name" } else { "" };
            json!({"name": n, "type": "string", "format": format, "description": "", "priority": p})
        })
        .collect();
    let rows: Vec<Value> = items.iter().map(|o| {
        let cells = if is_pod { pod_cells(o) } else { event_cells(&convert_event(o, false)) };
        let object = json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o["metadata"]});
        json!({"cells": cells, "object": object})
    }).collect();
    let meta = rv.map_or(json!({}), |rv| json!({"resourceVersion": rv.to_string()}));
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta, "columnDefinitions": defs, "rows": rows})
}

/// kubectl's pod STATUS/READY/RESTARTS logic (printPod), minus rarely-seen cases.
fn pod_cells(pod: &Value) -> Vec<Value> {
    let st = &pod["status"];
    let statuses: Vec<&Value> = st["containerStatuses"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let mut reason = st["reason"]
        .as_str()
        .or(st["phase"].as_str())
        .unwrap_or("Pending")
        .to_string();
    let (mut restarts, mut last_restart, mut ready) = (0, None::<i64>, 0);
    for c in statuses.iter().rev() {
        restarts += c["restartCount"].as_i64().unwrap_or(0);
        if let Some(t) = c["lastState"]["terminated"]["finishedAt"]
            .as_str()
            .and_then(parse_time)
        {
            last_restart = last_restart.max(Some(t));
        }
        let state = &c["state"];
        if let Some(r) = state["waiting"]["reason"]
            .as_str()
            .filter(|r| !r.is_empty())
        {
            reason = r.to_string();
        } else if state["terminated"].is_object() {
            let t = &state["terminated"];
            reason = t["reason"]
                .as_str()
                .map(String::from)
                .unwrap_or_else(|| format!("ExitCode:{}", t["exitCode"].as_i64().unwrap_or(0)));
        } else if state["running"].is_object() && c["ready"] == true {
            ready += 1;
        }
    }
    if pod["metadata"]["deletionTimestamp"].is_string() {
        reason = "Terminating".into();
    }
    let total = pod["spec"]["containers"]
        .as_array()
        .map_or(statuses.len(), Vec::len);
    let restarts = match last_restart {
        Some(t) => format!("{restarts} ({} ago)", human_age(t)),
        None => restarts.to_string(),
    };
    let age = human_age(
        parse_time(pod["metadata"]["creationTimestamp"].as_str().unwrap_or("")).unwrap_or(now()),
    );
    let ip = st["podIP"].as_str().unwrap_or("<none>");
    let node = pod["spec"]["nodeName"].as_str().unwrap_or("<none>");
    vec![
        json!(pod["metadata"]["name"]),
        json!(format!("{ready}/{total}")),
        json!(reason),
        json!(restarts),
        json!(age),
        json!(ip),
        json!(node),
    ]
}

fn event_cells(ev: &Value) -> Vec<Value> {
    let t = |f: &str| ev[f].as_str().and_then(parse_time);
    let created = ev["metadata"]["creationTimestamp"]
        .as_str()
        .and_then(parse_time);
    let last = t("lastTimestamp")
        .or(t("eventTime"))
        .or(created)
        .map_or("<unknown>".into(), human_age);
    let first = t("firstTimestamp")
        .or(t("eventTime"))
        .or(created)
        .map_or("<unknown>".into(), human_age);
    let io = &ev["involvedObject"];
    let object = format!(
        "{}/{}",
        io["kind"].as_str().unwrap_or("").to_lowercase(),
        io["name"].as_str().unwrap_or("")
    );
    let src = &ev["source"];
    let source = match (src["component"].as_str(), src["host"].as_str()) {
        (Some(c), Some(h)) => format!("{c}, {h}"),
        (c, _) => c
            .or(ev["reportingComponent"].as_str())
            .unwrap_or("")
            .to_string(),
    };
    vec![
        json!(last),
        ev["type"].clone(),
        ev["reason"].clone(),
        json!(object),
        json!(io["fieldPath"].as_str().unwrap_or("")),
        json!(source),
        ev["message"].clone(),
        json!(first),
        json!(ev["count"].as_i64().unwrap_or(1)),
        ev["metadata"]["name"].clone(),
    ]
}
