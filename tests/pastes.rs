//! What people paste into a ticket: excerpts without headers, lone kubelet messages, wrapped
//! JSON logs, logs alone. One test per class of real-world input; every fixture is written here.

use podmortem::{Diagnosis, Engine, Input, Report};

fn analyze(files: &[(&str, &str)]) -> Report {
    let inputs: Vec<Input> = files
        .iter()
        .map(|(name, text)| Input::Bytes {
            name: name.to_string(),
            data: text.as_bytes().to_vec(),
        })
        .collect();
    Engine::new().analyze(&inputs)
}

fn top(files: &[(&str, &str)]) -> Diagnosis {
    let r = analyze(files);
    assert!(
        r.errors.is_empty(),
        "unexpected input errors: {:?}",
        r.errors
    );
    r.diagnoses
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no diagnosis for {files:?}"))
}

fn assert_cause(d: &Diagnosis, cause: &str, evidence: &str) {
    assert_eq!(d.cause.id(), cause, "{d:#?}");
    assert!(
        d.evidence.iter().any(|e| e.text.contains(evidence)),
        "evidence {evidence:?} missing: {:#?}",
        d.evidence
    );
}

#[test]
fn describe_excerpt_from_the_container_block_down() {
    let paste = "\
    State:          Waiting
      Reason:       CrashLoopBackOff
    Last State:     Terminated
      Reason:       OOMKilled
      Exit Code:    137
      Started:      Tue, 03 Mar 2026 10:01:12 +0000
      Finished:     Tue, 03 Mar 2026 10:02:40 +0000
    Ready:          False
    Restart Count:  9
    Limits:
      memory:  512Mi
";
    let d = top(&[("describe.txt", paste)]);
    assert_cause(&d, "oom_killed", "OOMKilled");
    assert!(d.confidence >= 0.8, "{}", d.confidence);
    assert_eq!(d.backoff.restart_count, Some(9));
}

#[test]
fn yaml_status_fragment_with_broken_indentation() {
    let paste = "\
lastState:
        terminated:
          exitCode: 137
          reason: OOMKilled
      state:
        waiting:
          reason: CrashLoopBackOff
";
    let d = top(&[("pod.yaml", paste)]);
    assert_cause(&d, "oom_killed", "OOMKilled");
}

#[test]
fn restart_loop_caught_while_the_container_is_up() {
    let paste = "\
    State:          Running
      Started:      Tue, 03 Mar 2026 10:05:00 +0000
    Last State:     Terminated
      Reason:       OOMKilled
      Exit Code:    137
    Ready:          True
    Restart Count:  4
";
    let d = top(&[("describe.txt", paste)]);
    assert_cause(&d, "oom_killed", "OOMKilled");
}

#[test]
fn one_clean_restart_long_ago_is_not_a_crash_loop() {
    let paste = "\
    State:          Running
      Started:      Tue, 03 Mar 2026 10:05:00 +0000
    Last State:     Terminated
      Reason:       Completed
      Exit Code:    0
    Ready:          True
    Restart Count:  1
";
    let r = analyze(&[("describe.txt", paste)]);
    assert!(
        r.diagnoses
            .iter()
            .all(|d| d.cause.id() != "exits_immediately" || d.confidence < 0.5),
        "{:#?}",
        r.diagnoses
    );
}

#[test]
fn lone_kubelet_messages_are_events() {
    let pull = "Failed to pull image \"registry.example.com/shop/cart:v9\": rpc error: code = NotFound desc = failed to pull and unpack image \"registry.example.com/shop/cart:v9\": failed to resolve reference \"registry.example.com/shop/cart:v9\": registry.example.com/shop/cart:v9: not found\n";
    assert_cause(
        &top(&[("events.txt", pull)]),
        "image_pull_error",
        "not found",
    );

    let probe = "Liveness probe failed: HTTP probe failed with statuscode: 404\n";
    assert_cause(
        &top(&[("notes.txt", probe)]),
        "liveness_probe_failed",
        "Liveness probe failed",
    );

    let start = "Error: failed to start container \"worker\": Error response from daemon: OCI runtime create failed: container_linux.go:380: starting container process caused: exec: \"/app/worker\": stat /app/worker: no such file or directory: unknown\n";
    assert_cause(&top(&[("-", start)]), "bad_command", "/app/worker");
}

#[test]
fn describe_event_rows_without_their_header() {
    let rows = "\
  Warning  Unhealthy  3m (x12 over 9m)  kubelet  Liveness probe failed: Get \"http://10.1.2.3:8080/healthz\": dial tcp 10.1.2.3:8080: connect: connection refused
  Normal   Killing    3m (x4 over 9m)   kubelet  Container api failed liveness probe, will be restarted
  Warning  BackOff    1m (x30 over 8m)  kubelet  Back-off restarting failed container
";
    let d = top(&[("events.txt", rows)]);
    // The probe's own "connection refused" is the probe failing, not a dependency.
    assert_cause(&d, "liveness_probe_failed", "failed liveness probe");
}

#[test]
fn a_message_wrapped_by_a_mail_client_is_joined() {
    let wrapped = "\
Error: failed to create containerd task: failed to create shim task: OCI
runtime create failed: runc create failed: unable to start container
process: exec: \"/usr/bin/run-report\": permission denied: unknown
";
    assert_cause(
        &top(&[("events.txt", wrapped)]),
        "bad_command",
        "run-report",
    );
}

#[test]
fn json_lines_broken_by_a_terminal_are_log_text() {
    let log = "\
{\"level\":\"info\",\"ts\":1767000000.1,\"msg\":\"starting reconciler\",\"controller\":
\"widgets\"}
{\"level\":\"info\",\"ts\":1767000000.2,\"msg\":\"cache synced\"}
panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x1a2b3c]

goroutine 88 [running]:
example.com/widgets/controller.(*Reconciler).Reconcile(0xc0001, {0x2, 0x3})
";
    let d = top(&[("manager.log", log)]);
    assert_cause(&d, "app_crash", "nil pointer dereference");
}

#[test]
fn logs_alone_with_a_decisive_signature() {
    let rbac = "E0303 10:00:01.123456       1 reflector.go:138] failed to list *v1.Pod: User \"system:serviceaccount:tools:scanner\" cannot list pods at the cluster scope\n";
    assert_cause(
        &top(&[("scanner.log", rbac)]),
        "rbac_forbidden",
        "at the cluster scope",
    );
    let api = "2026-03-03T10:00:00Z ERROR sync failed: HTTP status 403: Invalid access token for https://api.example.com/v2/orders\n";
    assert_cause(&top(&[("sync.log", api)]), "credentials_rejected", "403");
}

#[test]
fn unknown_flags_are_configuration_errors() {
    let log =
        "flag provided but not defined: -metrics-bind\nUsage of /manager:\n  -kubeconfig string\n";
    let d = top(&[("manager.previous.log", log)]);
    assert_cause(&d, "config_error", "flag provided but not defined");
}

#[test]
fn thin_evidence_gives_a_low_confidence_and_the_next_command() {
    let paste = "\
    State:          Waiting
      Reason:       CrashLoopBackOff
    Last State:     Terminated
      Reason:       Error
      Exit Code:    1
    Restart Count:  6
";
    let d = top(&[("describe.txt", paste)]);
    assert!(d.confidence < 0.5, "{d:#?}");
    assert!(
        d.remediation
            .iter()
            .any(|s| s.contains("kubectl logs") && s.contains("--previous")),
        "{:#?}",
        d.remediation
    );
}

#[test]
fn eviction_is_named_but_not_blamed_on_the_container() {
    let paste = "\
Status:       Failed
Reason:       Evicted
Message:      The node was low on resource: ephemeral-storage. Threshold quantity: 1073741824, available: 524288Ki.
";
    let r = analyze(&[("describe.txt", paste)]);
    let d = &r.diagnoses[0];
    assert_eq!(d.cause.id(), "unknown", "{d:#?}");
    assert_eq!(d.detail.as_deref(), Some("evicted"));
}

#[test]
fn unidentified_input_gets_placeholders_and_no_duplicate_evidence() {
    let log = "2026-03-03 10:00:00 FATAL could not start: listen tcp :8080: bind: address already in use\n";
    let d = top(&[("-", log)]);
    assert_eq!(d.cause.id(), "port_in_use");
    for step in d.remediation.iter().filter(|s| s.contains("kubectl")) {
        assert!(step.contains("<pod>"), "no placeholder: {step}");
        assert!(!step.contains(" - ") && !step.ends_with(" -"), "{step}");
    }
    let mut seen = std::collections::HashSet::new();
    for e in &d.evidence {
        assert!(
            seen.insert((e.source.clone(), e.text.clone())),
            "evidence listed twice: {e:?}"
        );
    }
}

#[test]
fn a_mixed_paste_with_a_pods_table_a_prompt_and_a_log() {
    let pods = "\
$ kubectl get pods -n billing
NAME                        READY   STATUS             RESTARTS      AGE
invoicer-6c9f7d8b5-q2w3e    0/1     CrashLoopBackOff   7 (40s ago)   14m
ledger-0                    1/1     Running            0             3d
";
    let log = "$ kubectl logs invoicer-6c9f7d8b5-q2w3e -n billing\nmkdir: cannot create directory '/var/lib/invoicer/spool': Permission denied\n";
    let d = top(&[("pods.txt", pods), ("container.log", log)]);
    assert_cause(&d, "permission_denied", "Permission denied");
    assert_eq!(d.pod, "invoicer-6c9f7d8b5-q2w3e");
}

#[test]
fn tls_failure_wrapped_in_a_configuration_exception_is_tls_error() {
    let log = "\
2026-03-03 10:00:01.000 ERROR 1 --- [main] o.s.boot.SpringApplication : Application run failed
org.springframework.beans.factory.BeanCreationException: Error creating bean with name 'ledgerClient': Invocation of init method failed; nested exception is java.lang.IllegalStateException: Invalid configuration: javax.net.ssl.SSLHandshakeException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target
";
    let d = top(&[("ledger.previous.log", log)]);
    assert_cause(&d, "tls_error", "PKIX path building failed");
}

/// `kubectl get pod -o jsonpath='{.status.containerStatuses[0]}'` prints one line of JSON: a
/// container status (or a list of them), not a structured log line.
#[test]
fn container_status_as_one_line_of_json() {
    let d = top(&[(
        "ticket.txt",
        r#"{"lastState":{"terminated":{"exitCode":0,"finishedAt":"2026-06-01T10:00:05Z","reason":"Completed","startedAt":"2026-06-01T10:00:04Z"}},"name":"app","ready":false,"restartCount":14,"state":{"waiting":{"message":"back-off 5m0s restarting failed container=app pod=app-1_default(x)","reason":"CrashLoopBackOff"}}}"#,
    )]);
    assert_cause(&d, "exits_immediately", "Reason: Completed, Exit Code: 0");
    assert_eq!(d.container.as_deref(), Some("app"));
    assert_eq!(d.backoff.restart_count, Some(14));

    let d = top(&[(
        "-",
        r#"[{"name":"web","state":{"waiting":{"reason":"CrashLoopBackOff"}},"lastState":{"terminated":{"exitCode":137,"reason":"OOMKilled"}},"restartCount":5}]"#,
    )]);
    assert_cause(&d, "oom_killed", "Reason: OOMKilled");

    // A JSON log line that merely has a `state` field is still a log line.
    let r = analyze(&[(
        "app.log",
        "{\"level\":\"info\",\"state\":{\"phase\":\"ready\"},\"restartCount\":3,\"msg\":\"hello\"}\n",
    )]);
    assert!(r.diagnoses.is_empty(), "{:#?}", r.diagnoses);
}

/// Copied from a web page's source, a paste keeps HTML escapes (`&quot;`): it is read as the
/// terminal showed it.
#[test]
fn html_escaped_paste_is_read_as_text() {
    let d = top(&[(
        "issue.txt",
        "  Warning  Failed  12s (x4 over 50s)  kubelet  Error: secret &quot;orders-db&quot; not found\n",
    )]);
    assert_cause(
        &d,
        "missing_secret_or_configmap",
        "secret \"orders-db\" not found",
    );
    // A log that only mentions an ampersand is not touched.
    let r = analyze(&[("app.log", "INFO saved R&amp;D report\n")]);
    assert!(r.diagnoses.is_empty(), "{:#?}", r.diagnoses);
}

/// `kubectl describe` whose indentation a chat, a wiki or an editor changed: halved, removed, or
/// turned into tabs. The container block is read by its keys, not by its columns.
#[test]
fn describe_with_mangled_indentation() {
    let standard = "\
Name:         cart-7b9c6d5f4-m2n8v
Namespace:    shop
Status:       Running
Containers:
  cart:
    Image:          registry.example.com/cart:4.2
    State:          Waiting
      Reason:       CrashLoopBackOff
    Last State:     Terminated
      Reason:       OOMKilled
      Exit Code:    137
    Ready:          False
    Restart Count:  6
    Requests:
      memory:  128Mi
    Environment:
      JAVA_OPTS:  -Xmx900m
Conditions:
  Type              Status
  Ready             False
Events:
  Type     Reason   Age                From     Message
  ----     ------   ----               ----     -------
  Warning  BackOff  1m (x22 over 9m)   kubelet  Back-off restarting failed container cart in pod cart-7b9c6d5f4-m2n8v_shop(0a1b)
";
    let reindent = |f: &dyn Fn(usize, &str) -> String| -> String {
        standard
            .lines()
            .map(|l| {
                let body = l.trim_start_matches(' ');
                f(l.len() - body.len(), body) + "\n"
            })
            .collect()
    };
    let halved = reindent(&|n, b| " ".repeat(n / 2) + b);
    let flat = reindent(&|_, b| b.to_string());
    let tabs = reindent(&|n, b| "\t".repeat(n / 2) + b);
    for (what, text) in [("halved", halved), ("flat", flat), ("tabs", tabs)] {
        let d = top(&[("describe.txt", &text)]);
        assert_cause(&d, "oom_killed", "OOMKilled");
        assert!(d.confidence >= 0.8, "{what}: {}", d.confidence);
        assert_eq!(d.pod, "cart-7b9c6d5f4-m2n8v", "{what}");
        assert_eq!(d.container.as_deref(), Some("cart"), "{what}");
        assert_eq!(d.backoff.restart_count, Some(6), "{what}");
    }
}

/// A paste carried through mail or Markdown: a byte-order mark, `> ` quote markers, a table's
/// pipes, Windows line endings. Each is read as the terminal printed it.
#[test]
fn quoted_piped_and_bom_pastes_are_read_as_printed() {
    let describe = "\u{feff}Name:         cart-7b9c6d5f4-m2n8v\r\nNamespace:    shop\r\nContainers:\r\n  cart:\r\n    State:          Waiting\r\n      Reason:       CrashLoopBackOff\r\n    Last State:     Terminated\r\n      Reason:       OOMKilled\r\n      Exit Code:    137\r\n    Restart Count:  3\r\n";
    let d = top(&[("describe.txt", describe)]);
    assert_cause(&d, "oom_killed", "OOMKilled");
    assert_eq!(d.pod, "cart-7b9c6d5f4-m2n8v");

    let quoted: String = describe
        .trim_start_matches('\u{feff}')
        .lines()
        .map(|l| format!("> {l}\n"))
        .collect();
    let d = top(&[("reply.txt", &quoted)]);
    assert_cause(&d, "oom_killed", "OOMKilled");
    assert_eq!(d.container.as_deref(), Some("cart"));

    let events = "\
The events, as a table:

| Type | Reason | Age | From | Message |
| ---- | ------ | --- | ---- | ------- |
| Normal | Pulled | 2m (x4 over 3m) | kubelet | Container image \"registry.example.com/cart:4.2\" already present on machine |
| Warning | Failed | 2m (x4 over 3m) | kubelet | Error: configmap \"cart-flags\" not found |
";
    let d = top(&[("issue.md", events)]);
    assert_cause(
        &d,
        "missing_secret_or_configmap",
        "configmap \"cart-flags\" not found",
    );
    assert!(d.confidence >= 0.8, "{}", d.confidence);

    let pods = "\
| NAME | READY | STATUS | RESTARTS | AGE |
|---|---|---|---|---|
| cart-7b9c6d5f4-m2n8v | 0/1 | OOMKilled | 5 (12s ago) | 7m |
";
    let d = top(&[("issue.md", pods)]);
    assert_eq!(d.cause.id(), "oom_killed", "{d:#?}");
    assert_eq!(d.pod, "cart-7b9c6d5f4-m2n8v");
}

/// `kubectl logs --prefix` and `stern` put the pod and container before each line: the message
/// is matched without them (rules anchored at the start still fire) and they name the log's owner.
#[test]
fn log_lines_prefixed_with_their_pod() {
    let prefixed = "\
[pod/indexer-5c8d7f9b6-t4k7w/indexer] starting indexer v3.1
[pod/indexer-5c8d7f9b6-t4k7w/indexer] exec /opt/indexer/bin/indexer: exec format error
";
    let d = top(&[("logs.txt", prefixed)]);
    assert_cause(&d, "exec_format_error", "exec /opt/indexer/bin/indexer");
    assert!(d.confidence >= 0.8, "{}", d.confidence);
    assert_eq!(d.pod, "indexer-5c8d7f9b6-t4k7w");
    assert_eq!(d.container.as_deref(), Some("indexer"));

    let stern =
        "indexer-5c8d7f9b6-t4k7w indexer exec /opt/indexer/bin/indexer: exec format error\n";
    let d = top(&[("stern.txt", stern)]);
    assert_cause(&d, "exec_format_error", "exec format error");
    assert_eq!(d.pod, "indexer-5c8d7f9b6-t4k7w");

    // Two words at the start of an ordinary log line are not a stern prefix.
    let r = analyze(&[(
        "app.log",
        "worker pool started with 4 threads\nworker pool idle\n",
    )]);
    assert!(
        r.diagnoses
            .iter()
            .all(|d| d.pod.is_empty() || d.pod == "<unidentified>"),
        "{:#?}",
        r.diagnoses
    );
}

/// An event row whose message a mail client or a terminal cut: mid-word or at a space, the next
/// line completes it.
#[test]
fn event_row_with_its_message_wrapped_onto_the_next_line() {
    let midword =
        "  Warning  Failed  40s (x6 over 2m)  kubelet  Error: secr\net \"cart-db\" not found\n";
    let d = top(&[("events.txt", midword)]);
    assert_cause(
        &d,
        "missing_secret_or_configmap",
        "secret \"cart-db\" not found",
    );
    assert!(d.confidence >= 0.8, "{}", d.confidence);

    let at_space = "\
LAST SEEN   TYPE      REASON      OBJECT                       MESSAGE
30s         Warning   Unhealthy   pod/cart-7b9c6d5f4-m2n8v     Liveness probe
failed: HTTP probe failed with statuscode: 500
";
    let d = top(&[("events.txt", at_space)]);
    assert_cause(&d, "liveness_probe_failed", "Liveness probe failed");
    assert_eq!(d.pod, "cart-7b9c6d5f4-m2n8v");
}

/// A copied terminal keeps its colour codes (`stern`, coloured loggers): they are not part of the
/// message, and a rule anchored at the line's start still fires.
#[test]
fn terminal_colour_codes_are_not_part_of_the_message() {
    let log = "\x1b[36mindexer-5c8d7f9b6-t4k7w\x1b[0m \x1b[33mindexer\x1b[0m exec /opt/indexer/bin/indexer: exec format error\n";
    let d = top(&[("stern.txt", log)]);
    assert_cause(&d, "exec_format_error", "exec /opt/indexer/bin/indexer");
    assert!(d.confidence >= 0.8, "{}", d.confidence);
    assert_eq!(d.pod, "indexer-5c8d7f9b6-t4k7w");
    assert!(
        d.evidence.iter().all(|e| !e.text.contains('\x1b')),
        "{:#?}",
        d.evidence
    );
}

/// Through a mail client or a word processor, straight quotes become typographic ones; rules
/// written for kubectl's `"` still see the message.
#[test]
fn typographic_quotes_are_made_straight() {
    let paste = "It fails with:\n  Warning  Failed  1m (x7 over 3m)  kubelet  Error: secret \u{201c}cart-db\u{201d} not found\n";
    let d = top(&[("mail.txt", paste)]);
    assert_cause(
        &d,
        "missing_secret_or_configmap",
        "secret \"cart-db\" not found",
    );
    assert!(d.confidence >= 0.8, "{}", d.confidence);
}

/// A describe pasted first, then "and the logs:" and the container's log: the log is read too
/// (it holds the cause; the describe only the exit code), with or without the describe's
/// indentation, and belongs to the described pod.
#[test]
fn log_pasted_after_a_describe_block() {
    let describe = "\
Name:         ledger-6d8f7b9c5-p4k2z
Namespace:    finance
Status:       Running
Containers:
  ledger:
    Image:          registry.example.com/ledger:3.0
    State:          Waiting
      Reason:       CrashLoopBackOff
    Last State:     Terminated
      Reason:       Error
      Exit Code:    1
    Ready:          False
    Restart Count:  5
Events:
  Type     Reason   Age               From     Message
  ----     ------   ----              ----     -------
  Warning  BackOff  1m (x20 over 8m)  kubelet  Back-off restarting failed container ledger in pod ledger-6d8f7b9c5-p4k2z_finance(77aa)
";
    let log = "2026-03-02 08:11:09 ERROR ledger db: FATAL:  password authentication failed for user \"ledger_rw\"\n";
    let flat: String = describe
        .lines()
        .map(|l| l.trim_start().to_string() + "\n")
        .collect();
    for (what, d) in [("indented", describe), ("flat", flat.as_str())] {
        for sep in [
            "\nand the logs:\n",
            "\n$ kubectl logs ledger-6d8f7b9c5-p4k2z --previous\n",
            "\n",
        ] {
            let text = format!("{d}{sep}{log}");
            let r = top(&[("issue.txt", &text)]);
            assert_cause(&r, "credentials_rejected", "password authentication failed");
            assert!(r.confidence >= 0.8, "{what} {sep:?}: {}", r.confidence);
            assert_eq!(r.pod, "ledger-6d8f7b9c5-p4k2z", "{what} {sep:?}");
        }
    }
    // A healthy log after a describe of a healthy pod stays quiet.
    let healthy = "Name: api-0\nNamespace: default\nContainers:\n  api:\n    State: Running\n    Ready: True\n    Restart Count: 0\n\nLogs:\nINFO listening on :9000\n";
    let r = analyze(&[("issue.txt", healthy)]);
    assert!(
        r.diagnoses.iter().all(|d| d.confidence < 0.5),
        "{:#?}",
        r.diagnoses
    );
}

/// JSON log lines that name a Kubernetes kind (controller-runtime's `"kind":"Deployment"`) are a
/// log, not a Kubernetes object.
#[test]
fn json_log_lines_naming_a_kind_are_a_log() {
    let log = "\
{\"level\":\"error\",\"ts\":\"2026-03-02T08:11:09Z\",\"msg\":\"reconcile failed\",\"kind\":\"StatefulSet\",\"name\":\"queue\",\"error\":\"dial tcp 10.96.7.7:5672: connect: connection refused\"}
{\"level\":\"error\",\"ts\":\"2026-03-02T08:11:19Z\",\"msg\":\"giving up\",\"apiVersion\":\"apps/v1\",\"kind\":\"StatefulSet\",\"error\":\"dial tcp 10.96.7.7:5672: connect: connection refused\"}
";
    let d = top(&[("operator.log", log)]);
    assert_cause(&d, "dependency_unavailable", "connect: connection refused");
    assert!(d.confidence >= 0.5, "{}", d.confidence);
}

/// `get events` rows about a workload that cannot create its pods (a ReplicaSet's or a Job's
/// `FailedCreate`) are that workload's incident; a node's `OOMKilling` joins the pod in trouble.
#[test]
fn workload_and_node_event_rows() {
    let rs = "\
LAST SEEN   TYPE      REASON         OBJECT                          MESSAGE
1m          Warning   FailedCreate   replicaset/ledger-6d8f7b9c5     Error creating: Internal error occurred: failed calling webhook \"inject.mesh.example.io\": failed to call webhook: Post \"https://injector.mesh.svc:443/inject?timeout=10s\": x509: certificate signed by unknown authority
1m          Normal    ScalingReplicaSet   deployment/ledger           Scaled up replica set ledger-6d8f7b9c5 to 1
";
    let d = top(&[("events.txt", rs)]);
    assert_cause(&d, "tls_error", "failed calling webhook");
    assert!(d.confidence >= 0.8, "{}", d.confidence);
    assert_eq!(d.pod, "replicaset/ledger-6d8f7b9c5");
    // No pod exists to delete or read logs from: the commands keep their placeholder.
    let fix = d.remediation.join("\n");
    assert!(fix.contains("<pod>"), "{fix}");
    assert!(
        !fix.contains("pod ledger-6d8f7b9c5") && !fix.contains("logs ledger"),
        "{fix}"
    );
    let headerless = "finance   2m   Warning   FailedCreate   job/ledger-close   Error creating: Internal error occurred: failed calling webhook \"inject.mesh.example.io\": failed to call webhook: Post \"https://injector.mesh.svc:443/inject?timeout=10s\": x509: certificate has expired or is not yet valid\n";
    let d = top(&[("events.txt", headerless)]);
    assert_cause(&d, "tls_error", "failed calling webhook");
    assert_eq!(d.pod, "job/ledger-close");
    // Scaling and successful creations are no incident.
    let fine = "LAST SEEN   TYPE     REASON             OBJECT                      MESSAGE\n2m          Normal   SuccessfulCreate   replicaset/ledger-6d8f7b9c5   Created pod: ledger-6d8f7b9c5-p4k2z\n";
    assert!(analyze(&[("events.txt", fine)]).diagnoses.is_empty());

    let node = "\
NAME                      READY   STATUS             RESTARTS      AGE
ledger-6d8f7b9c5-p4k2z    0/1     CrashLoopBackOff   4 (30s ago)   9m

LAST SEEN   TYPE      REASON       OBJECT           MESSAGE
31s         Warning   OOMKilling   node/worker-3    Memory cgroup out of memory: Killed process 3310 (java) total-vm:4012100kB, anon-rss:1048576kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:2100kB oom_score_adj:984
";
    let d = top(&[("events.txt", node)]);
    assert_cause(&d, "oom_killed", "Killed process 3310 (java)");
    assert!(d.confidence >= 0.8, "{}", d.confidence);
    assert_eq!(d.pod, "ledger-6d8f7b9c5-p4k2z");
}

/// A sentence that starts with `kubectl` is prose holding the signal, not a command to drop.
#[test]
fn a_sentence_starting_with_kubectl_is_not_a_command() {
    let text =
        "kubectl get pod shows the last state as OOMKilled (exit code 137) after every deploy\n";
    let d = top(&[("issue.txt", text)]);
    assert_cause(&d, "oom_killed", "last state as OOMKilled");
    assert!(d.confidence >= 0.8, "{}", d.confidence);
    // A real command line is still dropped: only the log under it is read.
    let text = "kubectl logs api-0 -c app --previous\nINFO listening on :9000\n";
    let r = analyze(&[("issue.txt", text)]);
    assert!(
        r.diagnoses.iter().all(|d| d.confidence < 0.5),
        "{:#?}",
        r.diagnoses
    );
}

/// A pod's YAML cut to `spec` and `status` (no `apiVersion`/`kind`), keys sorted as kubectl
/// prints them: `name` after `lastState`, `restartCount` before `state`, two containers.
#[test]
fn partial_pod_yaml_with_sorted_keys() {
    let text = "\
spec:
  containers:
  - image: registry.example.com/ledger:3.0
    name: ledger
status:
  containerStatuses:
  - containerID: containerd://3c4d
    image: registry.example.com/ledger:3.0
    lastState:
      terminated:
        exitCode: 137
        reason: OOMKilled
    name: ledger
    ready: false
    restartCount: 9
    state:
      waiting:
        reason: CrashLoopBackOff
  - containerID: containerd://5e6f
    image: registry.example.com/proxy:1.2
    lastState: {}
    name: proxy
    ready: true
    restartCount: 0
    state:
      running:
        startedAt: \"2026-03-02T08:00:00Z\"
";
    let d = top(&[("pod.yaml.txt", text)]);
    assert_cause(&d, "oom_killed", "OOMKilled");
    assert!(d.confidence >= 0.8, "{}", d.confidence);
    assert_eq!(d.container.as_deref(), Some("ledger"));
    assert_eq!(d.backoff.restart_count, Some(9));
}

/// Describe's status keys flattened onto one line by a chat or a ticket form: each key is read.
#[test]
fn status_keys_flattened_onto_one_line() {
    let text = "Last State: Terminated, Reason: OOMKilled, Exit Code: 137, Started: Mon, 02 Mar 2026 08:01:00 +0000, Finished: Mon, 02 Mar 2026 08:09:30 +0000\nRestart Count: 6\n";
    let d = top(&[("issue.txt", text)]);
    assert_cause(&d, "oom_killed", "OOMKilled");
    assert!(d.confidence >= 0.8, "{}", d.confidence);
    let text = "State: Waiting; Reason: CrashLoopBackOff\nLast State: Terminated; Reason: Completed; Exit Code: 0\nRestart Count: 31\n";
    let d = top(&[("issue.txt", text)]);
    assert_cause(&d, "exits_immediately", "Exit Code: 0");
    assert!(d.confidence >= 0.5, "{}", d.confidence);
}
