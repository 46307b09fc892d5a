//! Integration tests for `podmortem analyze`: run the real binary on the artifacts in
//! `tests/fixtures/` and check the `podmortem/v1` JSON (cause, detail, confidence band, the
//! decisive evidence line, identity, back-off, remediation), the text and Markdown renderers,
//! colour handling, and `podmortem patterns test|list`.
//!
//! Layout of `tests/fixtures/`:
//! - `formats/`: one entry per input format (plain/`--timestamps`/CRI/Docker logs, events as
//!   JSON/YAML/tables, pods as JSON/YAML/describe/table, cluster-info dumps, bundles, gzip);
//! - `causes/`: one case per cause, each in a different ecosystem and artifact mix;
//! - `distractors/`: inputs that must *not* produce a given (or any) diagnosis;
//! - `bad/`: damaged inputs (see `tests/bad_input.rs`).
//!
//! Confidence bands: `>= 0.8` when a status fact or kubelet event settles the cause, `>= 0.7`
//! for kubelet events alone, `>= 0.5` when only application logs carry the evidence. They are
//! deliberately loose enough to survive recalibration and tight enough to catch a regression
//! that lets a distractor or the `unknown` hypothesis win.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use podmortem::Cause;
use serde_json::Value;

#[path = "support/cli.rs"]
mod cli;
use cli::{analyze_fixtures as analyze, fixtures, in_fixtures as podmortem, Run};

const STATUS_BAND: f64 = 0.8;
const EVENT_BAND: f64 = 0.7;
const LOG_BAND: f64 = 0.5;

fn run(args: &[&str]) -> Run {
    podmortem(args).run()
}

fn diagnoses(v: &Value) -> &Vec<Value> {
    v["diagnoses"].as_array().expect("diagnoses is an array")
}

/// One line per diagnosis, for failure messages.
fn summary(v: &Value) -> String {
    let mut s = String::new();
    for d in diagnoses(v) {
        s.push_str(&format!(
            "  {}/{}/{}  {} ({})  {}\n",
            d["namespace"].as_str().unwrap_or("-"),
            d["pod"].as_str().unwrap_or("-"),
            d["container"].as_str().unwrap_or("-"),
            d["cause"],
            d["detail"],
            d["confidence"]
        ));
        for e in d["evidence"].as_array().into_iter().flatten().take(4) {
            s.push_str(&format!(
                "      [{}] {} {}\n",
                e["kind"], e["rule"], e["text"]
            ));
        }
        for a in d["alternatives"].as_array().into_iter().flatten() {
            s.push_str(&format!("      alt {} {}\n", a["cause"], a["confidence"]));
        }
    }
    for e in v["errors"].as_array().into_iter().flatten() {
        s.push_str(&format!("  error {}: {}\n", e["file"], e["message"]));
    }
    s
}

/// The diagnosis of `namespace/pod/container` (`None` = must be null in the JSON).
fn find<'a>(v: &'a Value, ns: Option<&str>, pod: &str, container: Option<&str>) -> &'a Value {
    diagnoses(v)
        .iter()
        .find(|d| {
            d["pod"] == pod && d["namespace"].as_str() == ns && d["container"].as_str() == container
        })
        .unwrap_or_else(|| {
            panic!(
                "no diagnosis for {ns:?}/{pod}/{container:?}; got:\n{}",
                summary(v)
            )
        })
}

fn confidence(d: &Value) -> f64 {
    d["confidence"].as_f64().expect("confidence is a number")
}

fn alternative_causes(d: &Value) -> Vec<String> {
    d["alternatives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["cause"].as_str().unwrap().to_string())
        .collect()
}

/// What one fixture must yield.
struct Case<'a> {
    paths: &'a [&'a str],
    ns: Option<&'a str>,
    pod: &'a str,
    container: Option<&'a str>,
    cause: &'a str,
    /// `Some(x)`: detail must be x. `None`: not checked.
    detail: Option<&'a str>,
    min_confidence: f64,
    /// A fragment of the decisive line, found in some evidence `text`.
    evidence: &'a str,
    /// Fragments that must appear in the remediation (real names filled in).
    remediation: &'a [&'a str],
}

impl Case<'_> {
    fn check(&self) -> Value {
        let (v, _) = analyze(self.paths);
        let d = find(&v, self.ns, self.pod, self.container).clone();
        let ctx = || format!("{:?}:\n{}", self.paths, summary(&v));
        assert_eq!(d["cause"], self.cause, "wrong cause for {}", ctx());
        if let Some(detail) = self.detail {
            assert_eq!(d["detail"], detail, "wrong detail for {}", ctx());
        }
        assert!(
            confidence(&d) >= self.min_confidence,
            "confidence {} below the {} band for {}",
            d["confidence"],
            self.min_confidence,
            ctx()
        );
        let ev = d["evidence"].as_array().unwrap();
        assert!(
            ev.iter()
                .any(|e| e["text"].as_str().unwrap().contains(self.evidence)),
            "no evidence line contains {:?} for {}",
            self.evidence,
            ctx()
        );
        assert!(!ev.is_empty());
        let rem = d["remediation"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect::<Vec<_>>()
            .join("\n");
        for r in self.remediation {
            assert!(
                rem.contains(r),
                "remediation lacks {r:?} for {}:\n{rem}",
                ctx()
            );
        }
        d
    }
}

// ---------------------------------------------------------------------------------------------
// Input formats
// ---------------------------------------------------------------------------------------------

#[test]
fn format_plain_logs_with_previous_log() {
    // `kubectl logs checkout > checkout.log; kubectl logs checkout --previous > checkout.previous.log`
    let d = Case {
        paths: &["formats/plain-logs"],
        ns: None,
        pod: "checkout",
        container: None,
        cause: "dependency_unavailable",
        detail: Some("dns"),
        min_confidence: LOG_BAND,
        evidence: "getaddrinfo ENOTFOUND orders-db.shop.svc.cluster.local",
        remediation: &[],
    }
    .check();
    // The decisive line is in the previous instance's log.
    let top = &d["evidence"][0];
    assert!(
        top["source"]
            .as_str()
            .unwrap()
            .contains("checkout.previous.log"),
        "{top}"
    );
    assert_eq!(top["kind"], "log");
}

#[test]
fn format_plain_logs_with_timestamps() {
    Case {
        paths: &["formats/timestamps/catalog-admin.log"],
        ns: None,
        pod: "catalog-admin",
        container: None,
        cause: "config_error",
        detail: None,
        min_confidence: LOG_BAND,
        evidence: "ImproperlyConfigured: Set the DATABASE_URL environment variable",
        remediation: &["DATABASE_URL"],
    }
    .check();
}

#[test]
fn format_cri_pods_layout_gives_identity() {
    let d = Case {
        paths: &["formats/cri"],
        ns: Some("payments"),
        pod: "ledger-5f7c9d8b6-mx2qp",
        container: Some("ledger"),
        cause: "app_crash",
        detail: None,
        min_confidence: LOG_BAND,
        evidence: "[signal SIGSEGV: segmentation violation",
        remediation: &["kubectl logs -n payments ledger-5f7c9d8b6-mx2qp -c ledger --previous"],
    }
    .check();
    // Framing (timestamp, stream, tag) is stripped from evidence.
    for e in d["evidence"].as_array().unwrap() {
        let t = e["text"].as_str().unwrap();
        assert!(!t.contains("stderr F"), "CRI framing left in evidence: {t}");
    }
}

#[test]
fn format_cri_partial_lines_are_joined() {
    // 2.log splits the panic line into `P` + `F` records; the evidence must show it whole.
    let (v, _) = analyze(&["formats/cri"]);
    let d = find(
        &v,
        Some("payments"),
        "ledger-5f7c9d8b6-mx2qp",
        Some("ledger"),
    );
    let whole = "panic: runtime error: invalid memory address or nil pointer dereference";
    let from_latest = d["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["source"].as_str().unwrap().contains("2.log"))
        .map(|e| e["text"].as_str().unwrap())
        .collect::<Vec<_>>();
    assert!(
        from_latest.contains(&whole),
        "the P/F pair in 2.log was not joined into {whole:?}; evidence from 2.log: {from_latest:?}\n{}",
        summary(&v)
    );
}

#[test]
fn format_var_log_containers_symlink_name_gives_identity() {
    Case {
        paths: &["formats/var-log-containers"],
        ns: Some("catalog"),
        pod: "search-api-7b8d9c6f5-k2lmn",
        container: Some("search-api"),
        cause: "port_in_use",
        detail: None,
        min_confidence: LOG_BAND,
        evidence: "Failed to bind to address http://[::]:8080: address already in use",
        remediation: &["8080"],
    }
    .check();
}

#[test]
fn format_docker_json_file_log() {
    let (v, _) = analyze(&["formats/docker-json"]);
    assert_eq!(diagnoses(&v).len(), 1, "{}", summary(&v));
    let d = &diagnoses(&v)[0];
    assert_eq!(d["cause"], "permission_denied", "{}", summary(&v));
    assert!(confidence(d) >= LOG_BAND, "{}", summary(&v));
    let ev = d["evidence"].as_array().unwrap();
    // The JSON envelope is decoded: the evidence is the message, not `{"log":…}`.
    assert!(
        ev.iter().any(|e| e["text"]
            .as_str()
            .unwrap()
            .starts_with("nginx: [emerg] mkdir() \"/var/cache/nginx/client_temp\" failed (30: Read-only file system)")),
        "{}",
        summary(&v)
    );
    assert!(ev
        .iter()
        .all(|e| !e["text"].as_str().unwrap().contains("\"stream\"")));
}

#[test]
fn format_events_core_v1_json_list() {
    Case {
        paths: &["formats/events-json/events.json"],
        ns: Some("warehouse"),
        pod: "inventory-6d5f8c7b9-wq7zt",
        container: Some("inventory"),
        cause: "image_pull_error",
        detail: Some("not_found"),
        min_confidence: EVENT_BAND,
        evidence: "ghcr.io/acme/inventory:v2.3.1: not found",
        remediation: &["ghcr.io/acme/inventory:v2.3.1", "deployment/inventory"],
    }
    .check();
}

#[test]
fn format_events_from_stdin() {
    // `kubectl get events -o json | podmortem analyze - --format json`
    let data = std::fs::read(fixtures().join("formats/events-json/events.json")).unwrap();
    let r = podmortem(&["analyze", "-", "--format", "json"])
        .stdin(data)
        .run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let d = find(
        &v,
        Some("warehouse"),
        "inventory-6d5f8c7b9-wq7zt",
        Some("inventory"),
    );
    assert_eq!(d["cause"], "image_pull_error");
}

#[test]
fn format_events_k8s_io_v1_yaml_list() {
    let d = Case {
        paths: &["formats/events-v1-yaml/events.yaml"],
        ns: Some("web"),
        pod: "storefront-7f9c8d6b5-h4kzp",
        container: None,
        cause: "missing_secret_or_configmap",
        detail: None,
        min_confidence: EVENT_BAND,
        evidence: "configmap \"storefront-config\" not found",
        remediation: &[
            "storefront-config",
            "kubectl get configmap -n web storefront-config",
        ],
    }
    .check();
    // `deprecatedCount: 9` is the count.
    assert!(
        d["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["text"].as_str().unwrap().contains("x9")),
        "{d}"
    );
}

#[test]
fn format_events_table_default() {
    Case {
        paths: &["formats/events-table/events.txt"],
        ns: None,
        pod: "transcoder-5b7d8c9f4-n6xqz",
        container: None,
        cause: "image_pull_error",
        detail: Some("invalid_reference"),
        min_confidence: EVENT_BAND,
        evidence: "repository name (Media/transcoder) must be lowercase",
        remediation: &["registry.acme.io/Media/transcoder:1.4"],
    }
    .check();
}

#[test]
fn format_events_table_wide_gives_container_and_count() {
    let d = Case {
        paths: &["formats/events-table/events-wide.txt"],
        ns: None,
        pod: "report-builder-84c6d5f7b9-j8wrt",
        container: Some("report-builder"),
        cause: "image_pull_error",
        detail: Some("unauthorized"),
        min_confidence: EVENT_BAND,
        evidence: "401 Unauthorized",
        remediation: &["imagePullSecrets"],
    }
    .check();
    assert!(
        d["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["text"].as_str().unwrap().contains("x15")),
        "COUNT column not read: {d}"
    );
}

#[test]
fn format_events_table_all_namespaces() {
    Case {
        paths: &["formats/events-table/events-all.txt"],
        ns: Some("data"),
        pod: "mongodb-1",
        container: None,
        cause: "volume_mount_failed",
        detail: None,
        min_confidence: EVENT_BAND,
        evidence: "Multi-Attach error for volume \"pvc-4b9e2c1d-7a3f-4e8b-9c2d-1e0f3a4b5c6d\"",
        remediation: &["kubectl get pvc -n data"],
    }
    .check();
}

#[test]
fn format_describe_pod_with_event_counts() {
    let d = Case {
        paths: &["formats/describe/describe-catalog-web.txt"],
        ns: Some("catalog"),
        pod: "catalog-web-6b9f7d5c48-tq2mz",
        container: Some("web"),
        cause: "liveness_probe_failed",
        detail: Some("liveness"),
        min_confidence: STATUS_BAND,
        evidence: "Liveness probe failed: Get \"http://10.244.3.27:8000/healthz/\": context deadline exceeded",
        remediation: &["kubectl describe pod -n catalog catalog-web-6b9f7d5c48-tq2mz"],
    }
    .check();
    // `41s (x12 over 4m56s)` is understood as 12 occurrences (shown as `(x12)` in evidence).
    assert!(
        d["evidence"].as_array().unwrap().iter().any(|e| e["text"]
            .as_str()
            .unwrap()
            .contains("x12")
            && e["text"]
                .as_str()
                .unwrap()
                .contains("Liveness probe failed")),
        "{d}"
    );
    assert_eq!(d["backoff"]["restart_count"], 4);
}

#[test]
fn format_describe_two_pods_in_one_file() {
    let (v, r) = analyze(&["formats/describe/describe-sidekiq-pods.txt"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(diagnoses(&v).len(), 2, "{}", summary(&v));
    for pod in ["sidekiq-7c5f9d8b6-4kqzv", "sidekiq-7c5f9d8b6-wn8rx"] {
        let d = find(&v, Some("billing"), pod, Some("sidekiq"));
        assert_eq!(d["cause"], "bad_command", "{}", summary(&v));
        assert!(confidence(d) >= 0.7, "{}", summary(&v));
        assert!(d["evidence"][0]["text"].as_str().unwrap().contains("127"));
        // No waiting message in describe: the delay comes from the default schedule,
        // 10 s doubling per restart (6 restarts) capped at 300 s.
        assert_eq!(d["backoff"]["state"], "CrashLoopBackOff");
        assert_eq!(d["backoff"]["restart_count"], 6);
        assert_eq!(d["backoff"]["current_delay_seconds"], 300);
        assert_eq!(d["backoff"]["delay_source"], "default schedule");
    }
}

#[test]
fn format_describe_with_plain_log_starting_with_bracket() {
    // gunicorn (and Laravel, log4j `[main]` …) lines start with `[`: still a plain log, not JSON.
    let (v, r) = analyze(&["formats/describe"]);
    assert!(
        v["errors"].as_array().unwrap().is_empty() && r.code == 0,
        "a plain log starting with '[' was rejected:\n{}",
        summary(&v)
    );
    let d = find(
        &v,
        Some("catalog"),
        "catalog-web-6b9f7d5c48-tq2mz",
        Some("web"),
    );
    assert_eq!(d["cause"], "liveness_probe_failed");
}

#[test]
fn format_pod_json_single_pod() {
    let d = Case {
        paths: &["formats/pod-json/payments-api.json"],
        ns: Some("payments"),
        pod: "payments-api-85f6d9c7b4-r7t2w",
        container: Some("api"),
        cause: "missing_secret_or_configmap",
        detail: None,
        min_confidence: STATUS_BAND,
        evidence: "secret \"payments-db-credentials\" not found",
        remediation: &[
            "payments-db-credentials",
            "kubectl get secret -n payments payments-db-credentials",
            "kubectl delete pod -n payments payments-api-85f6d9c7b4-r7t2w",
        ],
    }
    .check();
    assert_eq!(d["backoff"]["state"], "CreateContainerConfigError");
}

#[test]
fn format_pods_yaml_list() {
    let (v, r) = analyze(&["formats/pods-yaml/pods.yaml"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        diagnoses(&v).len(),
        1,
        "the healthy pod got a diagnosis:\n{}",
        summary(&v)
    );
    let d = find(
        &v,
        Some("integrations"),
        "crm-sync-75c8b9d6f4-pq8lx",
        Some("crm-sync"),
    );
    assert_eq!(d["cause"], "exits_immediately", "{}", summary(&v));
    assert!(confidence(d) >= STATUS_BAND, "{}", summary(&v));
    assert!(d["evidence"][0]["text"]
        .as_str()
        .unwrap()
        .contains("Completed"));
    assert_eq!(d["backoff"]["current_delay_seconds"], 80);
    assert_eq!(d["backoff"]["delay_source"], "kubelet");
    assert_eq!(d["backoff"]["last_finished"], "2024-05-02T15:20:47Z");
    assert_eq!(d["backoff"]["next_restart"], "2024-05-02T15:22:07Z");
}

#[test]
fn format_pods_table_with_workload_log() {
    // `kubectl get pods > pods.txt; kubectl logs deploy/billing --previous > billing.log`
    let (v, r) = analyze(&["formats/pods-table"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        diagnoses(&v).len(),
        1,
        "Running/ready pods (one with an old restart) must get no diagnosis:\n{}",
        summary(&v)
    );
    let d = find(&v, None, "billing-7c8d9f6b5-tx4rp", None);
    assert_eq!(d["cause"], "credentials_rejected", "{}", summary(&v));
    assert!(confidence(d) >= LOG_BAND);
    assert!(d["evidence"].as_array().unwrap().iter().any(|e| e["text"]
        .as_str()
        .unwrap()
        .contains("Access denied for user 'billing'@'10.244.2.63' (using password: YES)")
        && e["source"].as_str().unwrap().contains("billing.log")));
    assert_eq!(d["backoff"]["restart_count"], 5);
}

#[test]
fn format_cluster_info_dump_directory_culprit_only() {
    let (v, r) = analyze(&["formats/cluster-info-dump-dir"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let ds = diagnoses(&v);
    assert_eq!(
        ds.len(),
        1,
        "healthy pods (frontend logs a refused connection, but is ready) must get no diagnosis:\n{}",
        summary(&v)
    );
    let d = &ds[0];
    assert_eq!(d["namespace"], "shop");
    assert_eq!(d["pod"], "shipping-5f8c7d9b6-vz4q8");
    assert_eq!(d["container"], "shipping");
    assert_eq!(d["cause"], "tls_error", "{}", summary(&v));
    assert!(confidence(d) >= LOG_BAND, "{}", summary(&v));
    assert!(d["evidence"].as_array().unwrap().iter().any(|e| e["text"]
        .as_str()
        .unwrap()
        .contains("PKIX path building failed")));
    assert_eq!(d["backoff"]["current_delay_seconds"], 160);
    // "failed authentication due to: SSL handshake failed" must not read as bad credentials.
    assert_ne!(d["cause"], "credentials_rejected");
}

#[test]
fn format_cluster_info_dump_single_stream() {
    let d = Case {
        paths: &["formats/cluster-info-dump-stream/cluster-info-dump.txt"],
        ns: Some("ops"),
        pod: "config-syncer-6f8b7c9d4-2hxkq",
        container: Some("manager"),
        cause: "rbac_forbidden",
        detail: None,
        min_confidence: LOG_BAND,
        evidence: "configmaps is forbidden: User \"system:serviceaccount:ops:config-syncer\" cannot list resource \"configmaps\"",
        remediation: &["system:serviceaccount:ops:config-syncer"],
    }
    .check();
    assert_eq!(d["backoff"]["current_delay_seconds"], 300);
    // Evidence from a log block names the file and the container.
    assert!(d["evidence"].as_array().unwrap().iter().any(|e| {
        let s = e["source"].as_str().unwrap();
        e["kind"] == "log" && s.contains("cluster-info-dump.txt")
    }));
}

/// Pack `formats/bundle/` into an archive in a temp dir: `gzip` selects `.tgz` or `.tar`.
fn make_bundle(dir: &Path, gzip: bool) -> PathBuf {
    let path = dir.join(if gzip { "bundle.tgz" } else { "bundle.tar" });
    let file = std::fs::File::create(&path).unwrap();
    let src = fixtures().join("formats/bundle");
    if gzip {
        let enc = flate2::write::GzEncoder::new(file, flate2::Compression::default());
        let mut b = tar::Builder::new(enc);
        b.append_dir_all(".", &src).unwrap();
        b.into_inner().unwrap().finish().unwrap();
    } else {
        let mut b = tar::Builder::new(file);
        b.append_dir_all(".", &src).unwrap();
        b.finish().unwrap();
    }
    path
}

#[test]
fn format_tar_gz_and_tar_bundles() {
    let tmp = tempfile::tempdir().unwrap();
    for gzip in [true, false] {
        let bundle = make_bundle(tmp.path(), gzip);
        let p = bundle.to_str().unwrap();
        let (v, r) = analyze(&[p]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let d = find(&v, Some("cache"), "redis-cache-0", Some("redis"));
        assert_eq!(d["cause"], "disk_full", "{p}:\n{}", summary(&v));
        assert!(confidence(d) >= LOG_BAND, "{}", summary(&v));
        let ev = d["evidence"].as_array().unwrap();
        let decisive = ev
            .iter()
            .find(|e| {
                e["text"]
                    .as_str()
                    .unwrap()
                    .contains("Error writing to the AOF file: No space left on device")
            })
            .unwrap_or_else(|| panic!("{}", summary(&v)));
        // `archive!member:line`
        let src = decisive["source"].as_str().unwrap();
        assert!(
            src.contains(p) && src.contains('!') && src.contains("redis-cache-0.previous.log"),
            "{src}"
        );
    }
}

#[test]
fn format_gzip_compressed_log() {
    let d = Case {
        paths: &["formats/gzip/api-gateway.previous.log.gz"],
        ns: None,
        pod: "api-gateway",
        container: None,
        cause: "tls_error",
        detail: None,
        min_confidence: LOG_BAND,
        evidence: "x509: certificate has expired or is not yet valid",
        remediation: &[],
    }
    .check();
    assert!(d["evidence"][0]["source"]
        .as_str()
        .unwrap()
        .contains("api-gateway.previous.log.gz"));
}

// ---------------------------------------------------------------------------------------------
// One case per cause
// ---------------------------------------------------------------------------------------------

#[test]
fn cause_oom_killed_wins_over_database_errors_in_the_log() {
    let d = Case {
        paths: &["causes/oom_killed"],
        ns: Some("orders"),
        pod: "orders-api-5d8f7b9c6-k9w4s",
        container: Some("api"),
        cause: "oom_killed",
        detail: Some("container_limit"),
        min_confidence: STATUS_BAND,
        evidence: "OOMKilled",
        remediation: &["512Mi", "deployment/orders-api", "-c api"],
    }
    .check();
    assert_eq!(d["evidence"][0]["kind"], "status");
    assert!(d["evidence"][0]["text"]
        .as_str()
        .unwrap()
        .contains("OOMKilled"));
    let b = &d["backoff"];
    assert_eq!(b["state"], "CrashLoopBackOff");
    assert_eq!(b["restart_count"], 4);
    assert_eq!(b["current_delay_seconds"], 160);
    assert_eq!(b["current_delay"], "2m40s");
    assert_eq!(b["delay_source"], "kubelet");
    assert_eq!(b["last_finished"], "2024-05-02T21:14:09Z");
    assert_eq!(b["next_restart"], "2024-05-02T21:16:49Z");
}

#[test]
fn cause_oom_killed_runtime_heap_beats_abort_exit_code() {
    // Node aborts (exit 134) after "JavaScript heap out of memory": the heap, not a crash.
    Case {
        paths: &["causes/oom_runtime_heap"],
        ns: Some("web"),
        pod: "ssr-renderer-7d4b9c8f6-wt5xh",
        container: Some("renderer"),
        cause: "oom_killed",
        detail: Some("runtime_heap"),
        min_confidence: LOG_BAND,
        evidence:
            "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
        remediation: &["max-old-space-size"],
    }
    .check();
}

#[test]
fn cause_liveness_probe_failed_not_oom_on_exit_137() {
    let d = Case {
        paths: &["formats/describe/describe-catalog-web.txt"],
        ns: Some("catalog"),
        pod: "catalog-web-6b9f7d5c48-tq2mz",
        container: Some("web"),
        cause: "liveness_probe_failed",
        detail: Some("liveness"),
        min_confidence: STATUS_BAND,
        evidence: "Container web failed liveness probe, will be restarted",
        remediation: &["liveness"],
    }
    .check();
    assert!(
        !alternative_causes(&d).contains(&"oom_killed".to_string()),
        "exit 137 without OOMKilled is not OOM evidence: {d}"
    );
    // Readiness failures are present but are not what restarts the container.
    assert!(d["evidence"][0]["text"]
        .as_str()
        .unwrap()
        .contains("iveness"));
}

#[test]
fn cause_liveness_probe_failed_startup_variant() {
    Case {
        paths: &["causes/startup_probe"],
        ns: Some("identity"),
        pod: "keycloak-0",
        container: Some("keycloak"),
        cause: "liveness_probe_failed",
        detail: Some("startup"),
        min_confidence: STATUS_BAND,
        evidence: "Container keycloak failed startup probe, will be restarted",
        remediation: &["startup", "keycloak-0"],
    }
    .check();
}

#[test]
fn cause_missing_secret_key() {
    Case {
        paths: &["causes/missing_secret_key"],
        ns: Some("notifications"),
        pod: "mailer-6c7d8e9f5b-qz8lm",
        container: Some("mailer"),
        cause: "missing_secret_or_configmap",
        detail: None,
        min_confidence: STATUS_BAND,
        evidence: "couldn't find key password in Secret notifications/mailer-smtp",
        remediation: &["mailer-smtp", "password", "-n notifications"],
    }
    .check();
}

#[test]
fn cause_config_error_rails() {
    Case {
        paths: &["causes/config_error"],
        ns: Some("retail"),
        pod: "shopfront-5c9d8b7f6-h2n4k",
        container: Some("rails"),
        cause: "config_error",
        detail: None,
        min_confidence: LOG_BAND,
        evidence: "Missing `secret_key_base` for 'production' environment",
        remediation: &["-c rails"],
    }
    .check();
}

#[test]
fn cause_image_pull_registry_unreachable() {
    Case {
        paths: &["causes/image_pull_registry_dns"],
        ns: Some("compliance"),
        pod: "audit-exporter-58b9c7d6f4-lx7vq",
        container: Some("exporter"),
        cause: "image_pull_error",
        detail: Some("registry_unreachable"),
        min_confidence: STATUS_BAND,
        evidence: "lookup registry.internal.acme.io on 10.96.0.10:53: no such host",
        remediation: &["registry.internal.acme.io/compliance/audit-exporter:1.3.0"],
    }
    .check();
}

#[test]
fn cause_bad_command_start_error() {
    Case {
        paths: &["causes/bad_command"],
        ns: Some("ml"),
        pod: "feature-api-6f7d8c9b5-p3k8n",
        container: Some("api"),
        cause: "bad_command",
        detail: None,
        min_confidence: STATUS_BAND,
        evidence: "exec: \"gunicorn\": executable file not found in $PATH",
        remediation: &["gunicorn"],
    }
    .check();
}

#[test]
fn cause_exec_format_error() {
    Case {
        paths: &["causes/exec_format_error"],
        ns: Some("edge"),
        pod: "telemetry-agent-9xk2p",
        container: Some("agent"),
        cause: "exec_format_error",
        detail: None,
        min_confidence: LOG_BAND,
        evidence: "exec /usr/local/bin/telemetry-agent: exec format error",
        remediation: &["architecture"],
    }
    .check();
}

#[test]
fn cause_permission_denied_laravel_storage() {
    Case {
        paths: &["causes/permission_denied"],
        ns: Some("support"),
        pod: "helpdesk-7f8e9d6c5b-w2xrt",
        container: Some("web"),
        cause: "permission_denied",
        detail: None,
        min_confidence: LOG_BAND,
        evidence: "Failed to open stream: Permission denied",
        remediation: &["securityContext"],
    }
    .check();
}

#[test]
fn run_as_non_root_is_named_outside_the_taxonomy_not_a_missing_secret() {
    // CreateContainerConfigError is usually a missing Secret; here the message says runAsNonRoot:
    // a policy the image cannot meet, which the README places outside the cause taxonomy.
    Case {
        paths: &["causes/permission_runasnonroot/wordpress.json"],
        ns: Some("cms"),
        pod: "wordpress-6b8c9d7f5-tn4vq",
        container: Some("wordpress"),
        cause: "unknown",
        detail: Some("run_as_non_root"),
        min_confidence: STATUS_BAND,
        evidence: "container has runAsNonRoot and image will run as root",
        remediation: &[],
    }
    .check();
}

#[test]
fn cause_dependency_unavailable_kafka() {
    Case {
        paths: &["causes/dependency_unavailable"],
        ns: Some("risk"),
        pod: "fraud-detector-84d9c6b7f5-mz6pq",
        container: Some("detector"),
        cause: "dependency_unavailable",
        detail: None,
        min_confidence: LOG_BAND,
        evidence: "could not be established. Broker may not be available",
        remediation: &["kubectl get svc,endpoints -n risk"],
    }
    .check();
}

#[test]
fn cause_credentials_rejected_postgres() {
    Case {
        paths: &["causes/credentials_rejected"],
        ns: Some("accounts"),
        pod: "accounts-api-7b6c5d4f9-x8r2j",
        container: Some("django"),
        cause: "credentials_rejected",
        detail: None,
        min_confidence: LOG_BAND,
        evidence: "password authentication failed for user \"accounts\"",
        remediation: &["accounts"],
    }
    .check();
}

#[test]
fn cause_rbac_forbidden_fabric8() {
    Case {
        paths: &["causes/rbac_forbidden"],
        ns: Some("batch"),
        pod: "job-scheduler-6d5c4b8f7-q9z3m",
        container: Some("scheduler"),
        cause: "rbac_forbidden",
        detail: None,
        min_confidence: LOG_BAND,
        evidence: "pods is forbidden: User \"system:serviceaccount:batch:job-scheduler\" cannot list resource \"pods\"",
        remediation: &["kubectl auth can-i list pods --as=system:serviceaccount:batch:job-scheduler"],
    }
    .check();
}

#[test]
fn cause_port_in_use_redis() {
    Case {
        paths: &["causes/port_in_use"],
        ns: Some("session"),
        pod: "redis-session-0",
        container: Some("redis"),
        cause: "port_in_use",
        detail: None,
        min_confidence: LOG_BAND,
        evidence:
            "Could not create server TCP listening socket *:6379: bind: Address already in use",
        remediation: &["6379"],
    }
    .check();
}

#[test]
fn cause_port_in_use_privileged_port_as_non_root() {
    // `bind() to 0.0.0.0:80 failed (13: Permission denied)` is a port problem, not file permissions.
    Case {
        paths: &["causes/port_privileged"],
        ns: None,
        pod: "docs-site-66b7c8d9f5-4tpkz",
        container: None,
        cause: "port_in_use",
        detail: None,
        min_confidence: LOG_BAND,
        evidence: "bind() to 0.0.0.0:80 failed (13: Permission denied)",
        remediation: &["80"],
    }
    .check();
}

#[test]
fn cause_tls_error_go_expired_certificate() {
    Case {
        paths: &["formats/gzip"],
        ns: None,
        pod: "api-gateway",
        container: None,
        cause: "tls_error",
        detail: None,
        min_confidence: LOG_BAND,
        evidence: "x509: certificate has expired or is not yet valid",
        remediation: &[],
    }
    .check();
}

#[test]
fn cause_disk_full_postgres() {
    Case {
        paths: &["causes/disk_full"],
        ns: Some("billing-data"),
        pod: "postgres-0",
        container: Some("postgres"),
        cause: "disk_full",
        detail: None,
        min_confidence: LOG_BAND,
        evidence: "could not extend file \"base/16384/24611\": No space left on device",
        remediation: &["df -h"],
    }
    .check();
}

#[test]
fn cause_volume_mount_failed_nfs_with_multiline_event() {
    let d = Case {
        paths: &["causes/volume_mount_failed"],
        ns: Some("media"),
        pod: "gallery-5d6e7f8a9b-cj4wn",
        container: Some("php"),
        cause: "volume_mount_failed",
        detail: None,
        min_confidence: EVENT_BAND,
        evidence: "MountVolume.SetUp failed for volume \"shared-uploads\"",
        remediation: &["shared-uploads"],
    }
    .check();
    // The event after the multi-line NFS message is still read.
    assert!(
        d["evidence"].as_array().unwrap().iter().any(|e| e["text"]
            .as_str()
            .unwrap()
            .contains("Unable to attach or mount volumes: unmounted volumes=[shared-uploads]")),
        "the event following a multi-line message was lost: {d}"
    );
}

#[test]
fn cause_exits_immediately_dotnet_migrator() {
    Case {
        paths: &["causes/exits_immediately"],
        ns: Some("warehouse"),
        pod: "inventory-migrator-7c6b5a4d3f-rq2st",
        container: Some("migrator"),
        cause: "exits_immediately",
        detail: None,
        min_confidence: STATUS_BAND,
        evidence: "Completed",
        remediation: &["Job"],
    }
    .check();
}

#[test]
fn cause_app_crash_dotnet_null_reference() {
    Case {
        paths: &["causes/app_crash"],
        ns: Some("fulfilment"),
        pod: "pick-planner-5b4c3d2e1f-l7v9x",
        container: Some("planner"),
        cause: "app_crash",
        detail: None,
        min_confidence: LOG_BAND,
        evidence: "Unhandled exception. System.NullReferenceException: Object reference not set to an instance of an object.",
        remediation: &["kubectl logs -n fulfilment pick-planner-5b4c3d2e1f-l7v9x -c planner --previous"],
    }
    .check();
}

#[test]
fn cause_in_init_container() {
    // Init:CrashLoopBackOff: the init container is diagnosed, the waiting main container is not.
    let (v, _) = analyze(&["causes/init_container"]);
    assert_eq!(diagnoses(&v).len(), 1, "{}", summary(&v));
    let d = find(
        &v,
        Some("cart"),
        "cart-api-7f6e5d4c3b-h8j2k",
        Some("wait-for-redis"),
    );
    assert_eq!(d["cause"], "dependency_unavailable", "{}", summary(&v));
    assert!(confidence(d) >= LOG_BAND, "{}", summary(&v));
    assert!(d["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["text"] == "nc: bad address 'redis-master'"));
    assert_eq!(d["backoff"]["current_delay_seconds"], 160);
    // The host the init container waits for is filled into the DNS check.
    assert!(
        d["remediation"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().contains("nslookup redis-master")),
        "{}",
        d["remediation"]
    );
}

// ---------------------------------------------------------------------------------------------
// Distractors
// ---------------------------------------------------------------------------------------------

#[test]
fn distractor_bare_exit_137_is_never_oom() {
    let (v, _) = analyze(&["distractors/bare_137"]);
    let d = find(
        &v,
        Some("search"),
        "indexer-7d8c9b6f5a-b5n2w",
        Some("indexer"),
    );
    assert_ne!(d["cause"], "oom_killed", "{}", summary(&v));
    assert!(
        !alternative_causes(d).contains(&"oom_killed".to_string()),
        "{}",
        summary(&v)
    );
}

#[test]
fn distractor_readiness_probe_only_gets_no_diagnosis() {
    let (v, r) = analyze(&["distractors/readiness_only"]);
    assert_eq!(r.code, 0);
    assert!(diagnoses(&v).is_empty(), "{}", summary(&v));
    let t = run(&["analyze", "distractors/readiness_only"]);
    assert_eq!(t.code, 0);
    assert!(t.stdout.contains("No container"), "{}", t.stdout);
}

#[test]
fn distractor_consequence_messages_do_not_outvote_the_cause() {
    // "Unable to attach or mount volumes … timed out" follows every FailedMount; the
    // configmap that is missing is the cause.
    let (v, _) = analyze(&["formats/events-v1-yaml"]);
    let d = find(&v, Some("web"), "storefront-7f9c8d6b5-h4kzp", None);
    assert_eq!(d["cause"], "missing_secret_or_configmap", "{}", summary(&v));
    // klog's "timed out waiting for cache to be synced" after RBAC denials is not a dependency.
    let (v, _) = analyze(&["formats/cluster-info-dump-stream"]);
    assert_eq!(
        diagnoses(&v)[0]["cause"],
        "rbac_forbidden",
        "{}",
        summary(&v)
    );
}

// ---------------------------------------------------------------------------------------------
// Whole-report properties
// ---------------------------------------------------------------------------------------------

const ALL_CASES: &[&str] = &[
    "causes/app_crash",
    "causes/bad_command",
    "causes/config_error",
    "causes/credentials_rejected",
    "causes/dependency_unavailable",
    "causes/disk_full",
    "causes/exec_format_error",
    "causes/exits_immediately",
    "causes/image_pull_registry_dns",
    "causes/init_container",
    "causes/missing_secret_key",
    "causes/oom_killed",
    "causes/oom_runtime_heap",
    "causes/permission_denied",
    "causes/permission_runasnonroot",
    "causes/port_in_use",
    "causes/rbac_forbidden",
    "causes/startup_probe",
    "causes/volume_mount_failed",
    "distractors/bare_137",
    "formats/cluster-info-dump-dir",
    "formats/docker-json",
    "formats/events-json",
    "formats/pod-json",
];

/// `analyze ALL_CASES`, run once per test binary.
fn all_cases() -> &'static (Value, Run) {
    static ALL: std::sync::OnceLock<(Value, Run)> = std::sync::OnceLock::new();
    ALL.get_or_init(|| analyze(ALL_CASES))
}

#[test]
fn json_contract_holds_for_every_diagnosis() {
    let (v, r) = all_cases();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let obj = v.as_object().unwrap();
    for k in ["schema", "diagnoses", "errors"] {
        assert!(obj.contains_key(k), "missing top-level {k}");
    }
    let causes: Vec<&str> = Cause::ALL.iter().map(|c| c.id()).collect();
    assert!(diagnoses(v).len() >= 20, "{}", summary(v));
    for d in diagnoses(v) {
        for k in [
            "namespace",
            "pod",
            "container",
            "cause",
            "detail",
            "confidence",
            "alternatives",
            "evidence",
            "backoff",
            "remediation",
        ] {
            assert!(d.get(k).is_some(), "diagnosis lacks {k}: {d}");
        }
        assert!(d["pod"].is_string());
        assert!(causes.contains(&d["cause"].as_str().unwrap()), "{d}");
        let c = confidence(d);
        assert!((0.0..=1.0).contains(&c), "{d}");
        let mut prev = c;
        for a in d["alternatives"].as_array().unwrap() {
            let ac = a["confidence"].as_f64().unwrap();
            assert!(causes.contains(&a["cause"].as_str().unwrap()));
            assert_ne!(a["cause"], d["cause"]);
            assert!(ac <= prev + 1e-9, "alternatives not sorted: {d}");
            prev = ac;
        }
        let total: f64 = c + d["alternatives"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["confidence"].as_f64().unwrap())
            .sum::<f64>();
        assert!(total <= 1.0 + 0.01, "probabilities sum past 1: {d}");
        for e in d["evidence"].as_array().unwrap() {
            for k in ["source", "kind", "text", "rule"] {
                assert!(e[k].is_string(), "evidence lacks {k}: {e}");
            }
            assert!(["log", "event", "status"].contains(&e["kind"].as_str().unwrap()));
        }
        if d["cause"] != "unknown" {
            assert!(!d["evidence"].as_array().unwrap().is_empty(), "{d}");
        }
        let rem = d["remediation"].as_array().unwrap();
        assert!(!rem.is_empty() && rem.iter().all(Value::is_string));
        assert!(d["backoff"].is_object());
    }
}

#[test]
fn diagnoses_are_sorted_most_confident_first() {
    let (v, _) = all_cases();
    let ds = diagnoses(v);
    // `unknown` (no verdict) goes last whatever its probability; the rest most-confident first.
    let first_unknown = ds
        .iter()
        .position(|d| d["cause"] == "unknown")
        .unwrap_or(ds.len());
    assert!(
        ds[first_unknown..].iter().all(|d| d["cause"] == "unknown"),
        "a known cause after an unknown:\n{}",
        summary(v)
    );
    let known: Vec<f64> = ds[..first_unknown].iter().map(confidence).collect();
    assert!(
        known.windows(2).all(|w| w[0] >= w[1]),
        "not sorted by confidence: {known:?}\n{}",
        summary(v)
    );
}

#[test]
fn each_fixture_is_read_without_errors() {
    for dir in ["formats", "causes", "distractors"] {
        let (v, r) = analyze(&[dir]);
        assert!(
            v["errors"].as_array().unwrap().is_empty() && r.code == 0,
            "{dir}: a well-formed fixture was reported as bad input:\n{}",
            summary(&v)
        );
    }
}

#[test]
fn min_confidence_filters() {
    let (v, _) = all_cases();
    let n_all = diagnoses(v).len();
    let r = run(&[
        "analyze",
        "--format",
        "json",
        "--min-confidence",
        "0.9",
        "causes",
        "distractors",
    ]);
    let w: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(diagnoses(&w).iter().all(|d| confidence(d) >= 0.9));
    assert!(diagnoses(&w).len() < n_all);
}

// ---------------------------------------------------------------------------------------------
// Text, Markdown, colour
// ---------------------------------------------------------------------------------------------

#[test]
fn text_output_names_cause_evidence_and_fix() {
    let r = run(&["analyze", "formats/pod-json/payments-api.json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let t = &r.stdout;
    assert!(
        t.contains("payments/payments-api-85f6d9c7b4-r7t2w/api"),
        "{t}"
    );
    assert!(t.contains("missing_secret_or_configmap"), "{t}");
    assert!(
        t.contains("secret \"payments-db-credentials\" not found"),
        "{t}"
    );
    assert!(
        t.contains("kubectl get secret -n payments payments-db-credentials"),
        "{t}"
    );
    assert!(!t.contains("\x1b["), "colour on a pipe: {t:?}");
    // Compact: one screen per incident.
    assert!(t.lines().count() <= 25, "{t}");
}

#[test]
fn text_output_oom_fix_mentions_limit_and_workload() {
    let r = run(&["analyze", "causes/oom_killed"]);
    let t = &r.stdout;
    assert!(t.contains("oom_killed"), "{t}");
    assert!(t.contains("512Mi"), "{t}");
    assert!(t.contains("2m40s"), "back-off delay not shown: {t}");
    let v = run(&["analyze", "--verbose", "causes/oom_killed"]);
    assert!(
        v.stdout
            .contains("kubectl delete pod -n orders orders-api-5d8f7b9c6-k9w4s"),
        "{}",
        v.stdout
    );
}

#[test]
fn markdown_report_renders() {
    let r = run(&[
        "analyze",
        "--format",
        "markdown",
        "causes/bad_command",
        "formats/pod-json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let m = &r.stdout;
    assert!(m.starts_with("# podmortem report"), "{m}");
    assert!(m.contains("| container | cause | confidence |"), "{m}");
    assert!(m.contains("`ml/feature-api-6f7d8c9b5-p3k8n/api`"), "{m}");
    assert!(m.contains("bad_command"), "{m}");
    assert!(m.contains("missing_secret_or_configmap"), "{m}");
    assert!(
        m.contains("```sh\nkubectl get secret -n payments payments-db-credentials\n```"),
        "{m}"
    );
    // Pipes inside evidence must not break the table.
    for line in m
        .lines()
        .filter(|l| l.starts_with("| log") || l.starts_with("| event") || l.starts_with("| status"))
    {
        let cells = line.replace("\\|", "").matches('|').count();
        assert_eq!(cells, 4, "broken table row: {line}");
    }
}

#[test]
fn markdown_lists_input_errors() {
    let r = run(&[
        "analyze",
        "--format",
        "markdown",
        "formats/pod-json",
        "bad/malformed.yaml",
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("bad/malformed.yaml"), "{}", r.stdout);
}

#[test]
fn no_color_and_color_choices() {
    let args = ["analyze", "--color", "auto", "causes/oom_killed"];
    let piped = run(&args);
    assert!(
        !piped.stdout.contains("\x1b["),
        "auto on a pipe must not colour"
    );
    let no_color = podmortem(&args).env("NO_COLOR", "1").run();
    assert!(!no_color.stdout.contains("\x1b["));
    let never = run(&["analyze", "--color", "never", "causes/oom_killed"]);
    assert!(!never.stdout.contains("\x1b["));
    let always = run(&["analyze", "--color", "always", "causes/oom_killed"]);
    assert!(
        always.stdout.contains("\x1b["),
        "--color always must colour"
    );
    // Colour never leaks into JSON.
    let json = run(&[
        "analyze",
        "--color",
        "always",
        "--format",
        "json",
        "causes/oom_killed",
    ]);
    assert!(!json.stdout.contains("\x1b["));
    serde_json::from_str::<Value>(&json.stdout).unwrap();
}

/// Run `podmortem ARGS` on a pseudo-terminal with util-linux `script`; `None` when unavailable.
fn run_on_tty(args: &str, no_color: Option<&str>) -> Option<String> {
    let cmd = format!("'{}' {args}", env!("CARGO_BIN_EXE_podmortem"));
    let mut c = Command::new("script");
    c.args(["-q", "-e", "-c", &cmd, "/dev/null"])
        .current_dir(fixtures())
        .env_remove("NO_COLOR")
        .stdin(Stdio::null());
    if let Some(v) = no_color {
        c.env("NO_COLOR", v);
    }
    let out = c.output().ok()?;
    let s = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.success() && s.contains("oom_killed")).then_some(s)
}

#[test]
fn no_color_is_honoured_on_a_terminal() {
    let Some(tty) = run_on_tty("analyze causes/oom_killed", None) else {
        eprintln!("skipped: util-linux `script` is not available to provide a terminal");
        return;
    };
    assert!(
        tty.contains("\x1b["),
        "auto on a terminal should colour: {tty:?}"
    );
    let plain = run_on_tty("analyze causes/oom_killed", Some("1")).unwrap();
    assert!(!plain.contains("\x1b["), "NO_COLOR=1 ignored: {plain:?}");
    // An empty NO_COLOR does not disable colour (no-color.org).
    let empty = run_on_tty("analyze causes/oom_killed", Some("")).unwrap();
    assert!(empty.contains("\x1b["), "{empty:?}");
}

// ---------------------------------------------------------------------------------------------
// Pattern packs
// ---------------------------------------------------------------------------------------------

#[test]
fn patterns_test_passes() {
    let r = run(&["patterns", "test"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(!r.stdout.contains("FAIL"), "{}", r.stdout);
}

#[test]
fn patterns_list_shows_packs_covering_every_cause() {
    let r = run(&["patterns", "list"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains(" rules"), "{}", r.stdout);
    assert!(r.stdout.contains("oom_killed"), "{}", r.stdout);
    let rules = run(&["patterns", "list", "--rules"]);
    // Every cause but `unknown` (no evidence names it) has rules.
    for cause in Cause::ALL
        .iter()
        .filter(|&&c| c != Cause::Unknown)
        .map(|c| c.id())
    {
        assert!(
            rules
                .stdout
                .lines()
                .any(|l| l.starts_with("    ") && l.contains(cause)),
            "no rule for {cause}"
        );
    }
}

#[test]
fn custom_pattern_dir_overrides_and_invalid_pack_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("local.yaml"),
        r#"pack: local
description: site-specific signatures
rules:
  - id: local.ledger.posting_snapshot
    cause: config_error
    scope: log
    keywords: ["posting without account snapshot"]
    regex: 'posting without account snapshot'
    weight: 9.0
    explain: The ledger runs without its account snapshot configured.
    examples:
      - '{"level":"warn","msg":"posting without account snapshot"}'
"#,
    )
    .unwrap();
    let dir = tmp.path().to_str().unwrap();
    let (v, r) = analyze(&["--patterns", dir, "formats/cri"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let d = find(
        &v,
        Some("payments"),
        "ledger-5f7c9d8b6-mx2qp",
        Some("ledger"),
    );
    assert!(
        d["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .chain(std::iter::once(d))
            .any(|e| e["rule"] == "local.ledger.posting_snapshot" || e["cause"] == "config_error"),
        "custom rule not applied: {}",
        summary(&v)
    );
    std::fs::write(
        tmp.path().join("broken.yaml"),
        "pack: broken\nrules:\n  - id: broken.rule\n    cause: app_crash\n    regex: '(unclosed'\n    explain: x\n    examples: ['(unclosed']\n",
    )
    .unwrap();
    let r = run(&["analyze", "--patterns", dir, "formats/cri"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("broken.yaml") && r.stderr.contains("broken.rule"),
        "the error must name file and rule: {}",
        r.stderr
    );
}
