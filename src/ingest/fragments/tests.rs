//! The paste reader's unit tests: describe excerpts and YAML or JSON status fragments, event
//! and pod rows with and without headers, prompts naming the log's owner, log lines left alone.

use super::*;
use crate::incident::EventRecord;

fn set() -> PatternSet {
    PatternSet::embedded()
}

fn status(p: &Paste) -> ContainerStatus {
    p.artifacts
        .iter()
        .find_map(|a| match a {
            Artifact::Pod(p) => p.containers.first().and_then(|c| c.status.clone()),
            _ => None,
        })
        .expect("a container status")
}

#[test]
fn describe_excerpt_without_header() {
    let text = "    State:          Waiting\n      Reason:       CrashLoopBackOff\n    Last State:     Terminated\n      Reason:       OOMKilled\n      Exit Code:    137\n    Ready:          False\n    Restart Count:  7\n";
    let p = paste(&set(), text, "paste.txt");
    let s = status(&p);
    assert!(
        matches!(s.state, Some(ContainerState::Waiting { reason: Some(ref r), .. }) if r == "CrashLoopBackOff")
    );
    let t = s.last_terminated.expect("last state");
    assert_eq!(t.reason.as_deref(), Some("OOMKilled"));
    assert_eq!(t.exit_code, Some(137));
    assert_eq!(s.restart_count, Some(7));
    assert!(!p.has_log);
}

#[test]
fn yaml_status_fragment_with_broken_indentation() {
    let text = "state:\n        waiting:\n          reason: CrashLoopBackOff\n          message: >-\n            back-off 5m0s restarting failed container=api\n      lastState:\n        terminated:\n          exitCode: 137\n          reason: OOMKilled\n";
    let s = status(&paste(&set(), text, "pod.yaml"));
    assert!(
        matches!(s.state, Some(ContainerState::Waiting { message: Some(ref m), .. }) if m.contains("back-off 5m0s"))
    );
    assert_eq!(
        s.last_terminated.and_then(|t| t.reason).as_deref(),
        Some("OOMKilled")
    );
}

#[test]
fn json_status_fragment() {
    let text = "\"lastState\": {\n  \"terminated\": {\n    \"exitCode\": 137,\n    \"reason\": \"OOMKilled\"\n  }\n},\n\"restartCount\": 5,\n";
    let s = status(&paste(&set(), text, "status.json"));
    let t = s.last_terminated.expect("last state");
    assert_eq!(t.reason.as_deref(), Some("OOMKilled"));
    assert_eq!(t.exit_code, Some(137));
    assert_eq!(s.restart_count, Some(5));
}

#[test]
fn headerless_event_rows_and_prompts() {
    let text = "$ kubectl describe pod api-1\n  Warning  Unhealthy  2m (x9 over 5m)  kubelet  Liveness probe failed: HTTP probe failed with statuscode: 500\n  Normal   Killing    2m               kubelet  Container api failed liveness probe, will be restarted\n";
    let p = paste(&set(), text, "events.txt");
    let events: Vec<&EventRecord> = p
        .artifacts
        .iter()
        .filter_map(|a| match a {
            Artifact::Event(e) => Some(&e.record),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].reason, "Unhealthy");
    assert_eq!(events[0].count, 9);
    assert!(events[1]
        .message
        .starts_with("Container api failed liveness"));
    assert!(!p.has_log);
}

#[test]
fn old_kubectl_event_tables() {
    let text = "  FirstSeen\tLastSeen\tCount\tFrom\t\t\tSubObjectPath\t\tType\t\tReason\t\tMessage\n  ---------\t--------\t-----\t----\t\t\t-------------\t\t--------\t------\t\t-------\n  3m\t\t3m\t\t1\t{default-scheduler }\t\t\t\tNormal\t\tScheduled\tSuccessfully assigned web-1 to node-2\n  2m\t\t1m\t\t4\t{kubelet node-2}\tspec.containers{web}\tWarning\t\tFailed\t\tFailed to pull image \"acme/web:v9\": not found\n";
    let p = paste(&set(), text, "events.txt");
    let failed = p
        .artifacts
        .iter()
        .find_map(|a| match a {
            Artifact::Event(e) if e.record.reason == "Failed" => Some(e),
            _ => None,
        })
        .expect("the Failed row");
    assert_eq!(failed.record.count, 4);
    assert_eq!(failed.container.as_deref(), Some("web"));
    assert!(failed.record.message.starts_with("Failed to pull image"));
    assert!(
        !p.has_log,
        "header or separator left as log: {}",
        p.log_text
    );

    let old_get = "LASTSEEN   FIRSTSEEN   COUNT     NAME          KIND      SUBOBJECT                 TYPE      REASON    SOURCE            MESSAGE\n1m         5m          6         api-1         Pod       spec.containers{api}      Warning   BackOff   kubelet, node-1   Back-off restarting failed container\n";
    let p = paste(&set(), old_get, "events.txt");
    assert!(p.artifacts.iter().any(
        |a| matches!(a, Artifact::Event(e) if e.pod == "api-1" && e.record.reason == "BackOff")
    ));
    assert!(!p.has_log);
}

#[test]
fn waiting_to_start_names_pod_container_and_reason() {
    let p = paste(
        &set(),
        "Error from server (BadRequest): container \"api\" in pod \"api-7d9f8-abcde\" is waiting to start: trying and failing to pull image\n",
        "logs.txt",
    );
    let pod = p
        .artifacts
        .iter()
        .find_map(|a| match a {
            Artifact::Pod(p) => Some(p),
            _ => None,
        })
        .expect("a pod");
    assert_eq!(pod.name, "api-7d9f8-abcde");
    assert_eq!(pod.containers[0].name, "api");
    assert!(matches!(
        pod.containers[0].status.as_ref().and_then(|s| s.state.clone()),
        Some(ContainerState::Waiting { reason: Some(ref r), .. }) if r == "ImagePullBackOff"
    ));
    assert!(waiting_reason("ContainerCreating").is_some());
    assert!(waiting_reason("the node is busy").is_none());
}

#[test]
fn kubectl_logs_prompt_names_the_owner() {
    let p = paste(
        &set(),
        "user@host:~$ kubectl logs web-5d8f7-abcde -c nginx -n shop --previous\nboom\n",
        "x.log",
    );
    assert_eq!(p.owner.pod.as_deref(), Some("web-5d8f7-abcde"));
    assert_eq!(p.owner.container.as_deref(), Some("nginx"));
    assert_eq!(p.owner.namespace.as_deref(), Some("shop"));
    assert!(p.owner.previous);
    assert!(p.has_log);
}

#[test]
fn pod_rows_without_header() {
    let row = pod_row(
        "web-5d8f7-abcde   0/1   CrashLoopBackOff   12 (3m ago)   1h",
        "f",
        1,
    )
    .expect("a row");
    assert_eq!(row.status, "CrashLoopBackOff");
    assert_eq!(row.restarts, Some(12));
    assert_eq!(row.last_restart_secs, Some(180));
    assert!(pod_row("2024-01-01 12:00:00 INFO 1/2 done", "f", 1).is_none());
}

#[test]
fn log_lines_stay_log() {
    let text = "2024-05-01T10:00:00Z INFO starting\nReason: unknown\npanic: boom\n";
    let p = paste(&set(), text, "app.log");
    assert!(p.artifacts.is_empty());
    assert_eq!(p.log_text.lines().count(), 3);
}

#[test]
fn log_prefixes_are_stripped_and_name_the_owner() {
    let mut lines = vec![
        "[pod/api-6d8f7c9b5-w2x4z/app] listening on :8080",
        "[pod/api-6d8f7c9b5-w2x4z/app] shutting down",
    ];
    let o = strip_log_prefixes(&mut lines);
    assert_eq!(lines, ["listening on :8080", "shutting down"]);
    assert_eq!(o.pod.as_deref(), Some("api-6d8f7c9b5-w2x4z"));
    assert_eq!(o.container.as_deref(), Some("app"));

    // Two pods: prefixes go, no single owner.
    let mut lines = vec!["api-6d8f7c9b5-w2x4z app ok", "api-6d8f7c9b5-k7m9q app ok"];
    let o = strip_log_prefixes(&mut lines);
    assert_eq!(lines, ["ok", "ok"]);
    assert!(o.pod.is_none());

    // Ordinary lines starting with two words are left alone.
    let mut lines = vec![
        "server started in 2s",
        "worker-1 main INFO tick",
        "done",
        "bye",
    ];
    let o = strip_log_prefixes(&mut lines);
    assert_eq!(lines[1], "worker-1 main INFO tick");
    assert!(o.pod.is_none());
}

#[test]
fn wrapped_event_message_is_rejoined() {
    let text =
        "  Warning  Failed  1m (x3 over 2m)  kubelet  Error: configmap\n\"web-conf\" not found\n";
    let p = paste(&set(), text, "events.txt");
    let msg = p
        .artifacts
        .iter()
        .find_map(|a| match a {
            Artifact::Event(e) => Some(e.record.message.clone()),
            _ => None,
        })
        .expect("an event");
    assert_eq!(msg, "Error: configmap \"web-conf\" not found");
    assert!(!p.has_log);

    // A log line after a row that is complete on its own stays log text.
    let text =
        "  Warning  BackOff  1m  kubelet  Back-off restarting failed container\npanic: boom\n";
    let p = paste(&set(), text, "events.txt");
    assert!(p.has_log);
}

#[test]
fn commands_and_sentences_that_start_with_kubectl() {
    for cmd in [
        "kubectl logs api-7d9f -c app --previous",
        "kubectl get pods -n shop -o wide",
        "kubectl get pod api-0 -o jsonpath='{range .status.containerStatuses[*]}{.name} {.lastState}{end}'",
        "kubectl exec -it api-0 -- sh -c 'cat /etc/app/config.yaml | head'",
        "kubectl create secret generic db --from-literal=password=x -n shop",
        "$ kubectl describe pod api-0 shows this:",
        "oc rollout restart deployment/api",
    ] {
        assert!(prompt(cmd).is_some(), "{cmd}");
    }
    for prose in [
        "kubectl get pod shows the last state as OOMKilled (exit code 137)",
        "kubectl describe says Reason: OOMKilled, Exit Code: 137",
        "kubectl events keeps showing \"Failed to pull image\"",
        "kubectl logs is empty.",
    ] {
        assert!(prompt(prose).is_none(), "{prose}");
    }
}
