//! A container's log inside a `cluster-info dump` cannot forge objects (issue 9, finding 4):
//! a healthy pod's log that prints a fake `==== END logs` marker followed by Pod and Event JSON
//! for `kube-system/coredns` yields no coredns diagnosis, and the real objects around it are
//! still read.

use podmortem::{Engine, Input, Report};
use serde_json::json;

fn pod(ns: &str, name: &str, container: &str, status: serde_json::Value) -> String {
    serde_json::to_string_pretty(&json!({
        "kind": "PodList", "apiVersion": "v1",
        "items": [{
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"containers": [{"name": container, "image": "registry.example/app:1"}]},
            "status": {"phase": "Running", "containerStatuses": [status]}
        }]
    }))
    .unwrap()
}

fn healthy(container: &str) -> serde_json::Value {
    json!({"name": container, "restartCount": 0, "ready": true,
           "state": {"running": {"startedAt": "2026-11-20T10:00:00Z"}}})
}

fn oom(container: &str) -> serde_json::Value {
    json!({"name": container, "restartCount": 7, "ready": false,
           "state": {"waiting": {"reason": "CrashLoopBackOff",
               "message": "back-off 5m0s restarting failed container"}},
           "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137,
               "finishedAt": "2026-11-20T10:04:00Z"}}})
}

/// What an attacker's log prints: the end of its own block, then a failing coredns.
fn forged_objects() -> String {
    let event = serde_json::to_string_pretty(&json!({
        "kind": "EventList", "apiVersion": "v1",
        "items": [{"kind": "Event", "type": "Warning", "reason": "BackOff", "count": 40,
            "message": "Back-off restarting failed container coredns in pod coredns-5d78c9869d-abcde",
            "involvedObject": {"kind": "Pod", "namespace": "kube-system",
                "name": "coredns-5d78c9869d-abcde", "fieldPath": "spec.containers{coredns}"}}]
    }))
    .unwrap();
    format!(
        "{}\n{}\n",
        pod(
            "kube-system",
            "coredns-5d78c9869d-abcde",
            "coredns",
            oom("coredns")
        ),
        event
    )
}

const WEB_START: &str = "==== START logs for container web of pod shop/web-1 ====\n";
const WEB_END: &str = "==== END logs for container web of pod shop/web-1 ====\n";

fn analyze(name: &str, text: String) -> Report {
    Engine::new().analyze(&[Input::Bytes {
        name: name.into(),
        data: text.into_bytes(),
    }])
}

fn names(r: &Report) -> Vec<String> {
    r.diagnoses.iter().map(|d| d.display_name()).collect()
}

/// The dump around the attacker's log: a healthy `shop/web-1`, and a real OOM-killed
/// `shop/api-2` whose objects and log come after the attacker's block.
fn dump(web_log: &str) -> String {
    format!(
        "{}\n{}\n{WEB_START}{web_log}{WEB_END}{}\n",
        pod("shop", "web-1", "web", healthy("web")),
        pod("shop", "api-2", "api", oom("api")),
        "==== START logs for container api of pod shop/api-2 ====\nstarting\n==== END logs for container api of pod shop/api-2 ====",
    )
}

fn assert_only_the_real_failure(r: &Report) {
    assert!(
        !names(r).iter().any(|n| n.contains("coredns")),
        "a log forged a coredns diagnosis: {:?}",
        names(r)
    );
    assert_eq!(names(r), vec!["shop/api-2/api".to_string()], "{r:#?}");
    assert_eq!(r.diagnoses[0].cause.id(), "oom_killed");
}

#[test]
fn a_fake_end_marker_and_json_in_a_log_forge_nothing() {
    let log = format!("GET /healthz 200\n{WEB_END}{}", forged_objects());
    let r = analyze("cluster-info-dump.txt", dump(&log));
    assert_only_the_real_failure(&r);
    let e = r
        .errors
        .iter()
        .find(|e| e.message.contains("fake end-of-log marker"))
        .expect("the forgery is reported");
    assert!(
        e.file.starts_with("cluster-info-dump.txt:") && e.message.contains("shop/web-1/web"),
        "{e}"
    );
}

#[test]
fn a_fake_end_then_a_fake_block_forge_nothing() {
    // The forged objects, then a fake coredns log block, then a fake START of the log's own
    // block so that the real END closes something.
    let log = format!(
        "{WEB_END}{}==== START logs for container coredns of pod kube-system/coredns-5d78c9869d-abcde ====\n\
         [FATAL] plugin/loop: Loop (127.0.0.1:53 -> :53) detected for zone \".\"\n\
         ==== END logs for container coredns of pod kube-system/coredns-5d78c9869d-abcde ====\n{WEB_START}still fine\n",
        forged_objects()
    );
    let r = analyze("cluster-info-dump.txt", dump(&log));
    assert_only_the_real_failure(&r);
}

#[test]
fn markers_of_other_blocks_inside_a_log_are_log_lines() {
    // A START (or an END for another container) inside a block does not end it: the JSON
    // after it is the log's text.
    let log = format!(
        "==== END logs for container coredns of pod kube-system/coredns-5d78c9869d-abcde ====\n\
         ==== START logs for container coredns of pod kube-system/coredns-5d78c9869d-abcde ====\n{}",
        forged_objects()
    );
    let r = analyze("cluster-info-dump.txt", dump(&log));
    assert_only_the_real_failure(&r);
    assert!(r.errors.is_empty(), "nothing to report: {:?}", r.errors);
}

#[test]
fn nothing_in_a_logs_txt_is_read_as_an_object() {
    let text = format!("{WEB_START}GET /healthz 200\n{WEB_END}{}", forged_objects());
    let r = analyze("dump/shop/web-1/logs.txt", text);
    assert!(r.diagnoses.is_empty(), "{:?}", names(&r));
}

#[test]
fn a_real_dump_still_reads_every_block_and_object() {
    let r = analyze("cluster-info-dump.txt", dump("GET /healthz 200\n"));
    assert_only_the_real_failure(&r);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
}
