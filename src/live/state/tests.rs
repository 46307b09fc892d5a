//! The tracker's unit tests: triggers, relists, what is kept of healthy and troubled pods, and
//! the bounds on events.

use k8s_openapi::api::core::v1::Event;
use serde_json::json;

use super::*;

/// A new resourceVersion per object, as the API server gives each change.
fn next_rv() -> String {
    static RV: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    RV.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        .to_string()
}

fn pod(uid: &str, statuses: Value) -> Pod {
    named_pod("api", uid, statuses)
}

fn named_pod(name: &str, uid: &str, statuses: Value) -> Pod {
    serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": "shop", "uid": uid, "resourceVersion": next_rv(),
            "managedFields": [{"manager": "kubelet", "fieldsV1": {"f:status": {}}}]},
        "spec": {"containers": [{"name": "app", "image": "x"}]},
        "status": {"phase": "Running", "containerStatuses": statuses}
    }))
    .unwrap()
}

fn running(restarts: i32) -> Value {
    json!([{"name": "app", "image": "x", "imageID": "", "ready": true, "restartCount": restarts,
        "state": {"running": {"startedAt": "2024-01-01T00:00:00Z"}}}])
}

fn oom_loop(restarts: i32, id: &str) -> Value {
    json!([{"name": "app", "image": "x", "imageID": "", "ready": false, "restartCount": restarts,
        "state": {"waiting": {"reason": "CrashLoopBackOff"}},
        "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled", "containerID": id}}}])
}

#[test]
fn triggers() {
    let mut t = Tracker::default();
    let (_, jobs) = t.apply_pod(&pod("u1", running(0)));
    assert!(jobs.is_empty(), "a healthy pod is not suspicious");
    let (_, jobs) = t.apply_pod(&pod("u1", running(0)));
    assert!(jobs.is_empty());
    let (_, jobs) = t.apply_pod(&pod("u1", oom_loop(1, "c1")));
    assert_eq!(jobs, vec![("app".to_string(), Trigger::Crash)]);
    let (_, jobs) = t.apply_pod(&pod("u1", oom_loop(1, "c1")));
    assert!(jobs.is_empty(), "no change, no trigger");
    let (_, jobs) = t.apply_pod(&pod("u2", oom_loop(1, "c1")));
    assert_eq!(
        jobs,
        vec![("app".to_string(), Trigger::FirstSight)],
        "new uid"
    );
}

fn event_about(pod: &str, name: &str) -> Event {
    serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": "shop", "resourceVersion": "1"},
        "involvedObject": {"kind": "Pod", "namespace": "shop", "name": pod},
        "reason": "BackOff", "message": "Back-off restarting failed container", "type": "Warning"
    }))
    .unwrap()
}

#[test]
fn node_mode_keeps_events_of_its_pods_only() {
    let mut t = Tracker::default();
    t.apply_event(&event_about("elsewhere", "e1"));
    t.apply_event(&event_about("api", "e2"));
    t.apply_pod(&pod("u1", running(0)));
    t.keep_events_of_known_pods();
    let api: PodKey = ("shop".into(), "api".into());
    assert_eq!(t.events_for(&api).len(), 1);
    assert!(t
        .events_for(&("shop".into(), "elsewhere".into()))
        .is_empty());
    assert_eq!(t.event_owner.len(), 1);
    assert_eq!(t.apply_event(&event_about("elsewhere", "e3")), None);
    assert_eq!(t.apply_event(&event_about("api", "e4")), Some(api.clone()));
    assert_eq!(t.events_for(&api).len(), 2);
}

#[test]
fn relist_prunes() {
    let mut t = Tracker::default();
    t.apply_pod(&pod("u1", running(0)));
    t.begin_pod_relist();
    assert_eq!(t.end_pod_relist(), vec![("shop".into(), "api".into())]);
    assert!(t.pods.is_empty());
}

#[test]
fn an_unchanged_resource_version_is_not_looked_at_again() {
    let mut t = Tracker::default();
    let p = pod("u1", running(0));
    t.apply_pod(&p);
    let mut same = pod("u1", oom_loop(1, "c1"));
    same.metadata.resource_version = p.metadata.resource_version.clone();
    let (_, jobs) = t.apply_pod(&same);
    assert!(jobs.is_empty(), "a relist repeating a version is skipped");
}

fn warning(pod: &str, name: &str, reason: &str) -> Event {
    let mut e = event_about(pod, name);
    e.reason = Some(reason.into());
    e.metadata.resource_version = Some(next_rv());
    e
}

#[test]
fn healthy_pods_cost_a_fingerprint_and_troubled_ones_keep_their_object() {
    let mut t = Tracker::default();
    for i in 0..100 {
        t.apply_pod(&named_pod(&format!("ok-{i}"), &format!("u{i}"), running(0)));
    }
    t.apply_pod(&named_pod("bad", "ub", oom_loop(2, "c9")));
    let kept: Vec<&str> = t
        .pods
        .iter()
        .filter(|(_, p)| p.object.is_some())
        .map(|(k, _)| k.1.as_str())
        .collect();
    assert_eq!(kept, ["bad"], "only the pod in trouble keeps its object");
    let obj = t.pods[&("shop".to_string(), "bad".to_string())]
        .object
        .as_ref()
        .unwrap();
    assert!(obj.pointer("/metadata/managedFields").is_none(), "trimmed");
    // It recovers (and was never reported): the object goes.
    t.apply_pod(&named_pod("bad", "ub", running(2)));
    assert!(t.pods.values().all(|p| p.object.is_none()));
    // A restart less than 10 minutes ago is still trouble for triage: kept.
    let now = now_secs();
    let recent = json!([{"name": "app", "image": "x", "imageID": "", "ready": true, "restartCount": 1,
        "state": {"running": {"startedAt": "2024-01-01T00:00:00Z"}},
        "lastState": {"terminated": {"exitCode": 0, "reason": "Completed", "containerID": "c1"}}}]);
    let p = named_pod("recent", "ur", recent);
    let started = 1_704_067_200; // 2024-01-01T00:00:00Z
    t.apply_pod_at(&p, started + 60);
    assert!(t.pods[&("shop".to_string(), "recent".to_string())]
        .object
        .is_some());
    let mut p2 = p.clone();
    p2.metadata.resource_version = Some(next_rv());
    t.apply_pod_at(&p2, now.max(started + 3600));
    assert!(t.pods[&("shop".to_string(), "recent".to_string())]
        .object
        .is_none());
}

#[test]
fn events_are_kept_for_pods_in_trouble_and_bounded_for_the_others() {
    let mut t = Tracker::default();
    t.apply_pod(&named_pod("ok", "u1", running(0)));
    t.apply_pod(&named_pod("bad", "u2", oom_loop(1, "c1")));
    // Normal events about a healthy pod are not kept; its warnings are, within bounds.
    let mut normal = warning("ok", "n1", "Started");
    normal.type_ = Some("Normal".into());
    assert_eq!(t.apply_event(&normal), None);
    assert!(t.apply_event(&warning("ok", "w1", "Unhealthy")).is_some());
    for i in 0..100 {
        t.apply_event(&warning("ok", &format!("w-{i}"), "Unhealthy"));
        t.apply_event(&warning("bad", &format!("b-{i}"), "BackOff"));
    }
    let ok = ("shop".to_string(), "ok".to_string());
    let bad = ("shop".to_string(), "bad".to_string());
    assert_eq!(t.events_for(&ok).len(), EVENTS_PER_POD);
    assert_eq!(
        t.events_for(&bad).len(),
        EVENTS_PER_POD,
        "the most recent ones"
    );
    assert!(t
        .events_for(&bad)
        .iter()
        .any(|e| e["metadata"]["name"] == "b-99"));
    assert_eq!(
        t.event_owner.len(),
        2 * EVENTS_PER_POD,
        "evicted ones are forgotten"
    );
    assert_eq!(t.healthy_events, EVENTS_PER_POD);
    // Thousands of healthy pods with warnings stay within the shared allowance.
    for i in 0..EVENTS_HEALTHY_TOTAL + 500 {
        let name = format!("ok-{i}");
        t.apply_pod(&named_pod(&name, &format!("v{i}"), running(0)));
        t.apply_event(&warning(&name, &format!("e-{i}"), "Unhealthy"));
    }
    assert!(
        t.event_count() <= EVENTS_HEALTHY_TOTAL + EVENTS_PER_POD,
        "{}",
        t.event_count()
    );
    // …while a pod in trouble still gets its events.
    assert!(t.apply_event(&warning("bad", "b-new", "BackOff")).is_some());
}

#[test]
fn events_of_unknown_and_deleted_pods_are_bounded() {
    let mut t = Tracker::default();
    // Events about pods never seen (deleted before podmortem started): warnings only.
    let mut normal = warning("gone", "n1", "Scheduled");
    normal.type_ = Some("Normal".into());
    assert_eq!(t.apply_event(&normal), None);
    for i in 0..EVENTS_HEALTHY_TOTAL + 100 {
        t.apply_event(&warning(&format!("gone-{i}"), &format!("g-{i}"), "BackOff"));
    }
    assert_eq!(t.event_count(), EVENTS_HEALTHY_TOTAL);
    // A pod in trouble gets its events all the same; deleting it drops them.
    let bad = named_pod("bad", "u2", oom_loop(1, "c1"));
    t.apply_pod(&bad);
    assert!(t.apply_event(&warning("bad", "b-1", "BackOff")).is_some());
    assert_eq!(t.event_count(), EVENTS_HEALTHY_TOTAL + 1);
    t.delete_pod(&bad);
    assert_eq!(t.event_count(), EVENTS_HEALTHY_TOTAL);
    assert_eq!(t.event_owner.len(), EVENTS_HEALTHY_TOTAL);
}
