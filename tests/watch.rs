//! Live mode against the fake API server (tests/support): `--once`, live transitions, 410 Gone
//! and dropped watches, permissions, and silence for healthy pods. Most tests drive
//! `podmortem::live` with an in-memory sink for exact assertions; a few run the real binary.
#![cfg(feature = "live")]

#[path = "support/fake_apiserver.rs"]
mod fake_apiserver;

use std::time::{Duration, Instant};

use fake_apiserver::*;
use podmortem::live::{
    connect, ClientOptions, Connection, LogSource, MemorySink, Metrics, WatchError, WatchOptions,
    Watcher,
};
use podmortem::Cause;
use serde_json::Value;
use tempfile::TempDir;
use tokio::task::JoinHandle;

/// Generous: CI machines are loaded. Only the 2 s latency requirement is strict.
const WAIT: Duration = Duration::from_secs(10);

const OOM_LOG: &str = "starting api\nloading catalogue into memory\n\
java.lang.OutOfMemoryError: Java heap space\n\tat com.shop.Catalogue.load(Catalogue.java:42)\n";

struct Fixture {
    srv: FakeApiServer,
    _dir: TempDir,
    kubeconfig: std::path::PathBuf,
    conn: Connection,
}

async fn fixture() -> Fixture {
    let srv = FakeApiServer::start().await;
    let dir = TempDir::new().unwrap();
    let kubeconfig = srv.write_kubeconfig(dir.path());
    let conn = connect(&ClientOptions {
        kubeconfig: Some(kubeconfig.clone()),
        context: None,
    })
    .await
    .expect("client from the generated kubeconfig");
    Fixture {
        srv,
        _dir: dir,
        kubeconfig,
        conn,
    }
}

fn opts(ns: &str) -> WatchOptions {
    WatchOptions {
        namespace: Some(ns.to_string()),
        ..WatchOptions::default()
    }
}

/// A running `Watcher::run` with a stop switch.
struct Running {
    sink: MemorySink,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: JoinHandle<Result<podmortem::live::WatchSummary, WatchError>>,
}

impl Running {
    async fn start(conn: &Connection, opts: WatchOptions) -> Running {
        Running::start_with(Watcher::new(conn, opts)).await
    }

    async fn start_with(watcher: Watcher) -> Running {
        let sink = MemorySink::new();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let mut s = sink.clone();
        let task = tokio::spawn(async move {
            watcher
                .run(&mut s, async {
                    let _ = rx.await;
                })
                .await
        });
        assert!(sink.wait_ready(WAIT).await, "initial sync within {WAIT:?}");
        Running {
            sink,
            stop: Some(tx),
            task,
        }
    }

    /// Stops the watch as Ctrl-C would and checks it ended cleanly.
    async fn stop(mut self) -> MemorySink {
        let _ = self.stop.take().unwrap().send(());
        let r = tokio::time::timeout(WAIT, self.task)
            .await
            .expect("watch stops promptly")
            .unwrap();
        assert!(r.is_ok(), "{r:?}");
        self.sink
    }
}

fn ids(sink: &MemorySink) -> Vec<(String, String, Cause)> {
    sink.diagnoses()
        .iter()
        .map(|d| {
            (
                d.pod.clone(),
                d.container.clone().unwrap_or_default(),
                d.cause,
            )
        })
        .collect()
}

fn oom_pod(ns: &str, name: &str, restarts: u32) -> Value {
    pod_json(
        ns,
        name,
        [Ctr::new("app")
            .oom_killed()
            .crash_loop("20s")
            .restarts(restarts)],
    )
}

/// A fresh OOM kill: restart count up, lastState OOMKilled, running again.
fn oom_pod_with_id(ns: &str, name: &str, restarts: u32, id: &str) -> Value {
    let mut p = oom_pod(ns, name, restarts);
    p["status"]["containerStatuses"][0]["lastState"]["terminated"]["containerID"] =
        Value::from(format!("containerd://{id}"));
    p
}

fn image_pod(ns: &str, name: &str) -> Value {
    pod_json(
        ns,
        name,
        [Ctr::new("app")
            .image("registry.example.com/shop/api:does-not-exist")
            .err_image_pull()],
    )
}

fn healthy_pod(ns: &str, name: &str) -> Value {
    pod_json(ns, name, [Ctr::new("app")])
}

fn seed_failing(srv: &FakeApiServer) {
    let crashy = oom_pod("default", "crashy", 3);
    srv.set_log("default", "crashy", "app", true, OOM_LOG);
    srv.set_pod(crashy.clone());
    srv.add_event(backoff_event(&crashy, "app", 4));
    let imagey = image_pod("default", "imagey");
    srv.set_pod(imagey.clone());
    srv.add_event(event_json(
        &imagey,
        Some("app"),
        "Warning",
        "Failed",
        "Failed to pull image \"registry.example.com/shop/api:does-not-exist\": not found",
        2,
    ));
    srv.set_pod(healthy_pod("default", "healthy"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_diagnoses_failing_pods_and_skips_healthy_ones() {
    let f = fixture().await;
    seed_failing(&f.srv);
    let mut sink = MemorySink::new();
    let summary = Watcher::new(&f.conn, opts("default"))
        .once(&mut sink)
        .await
        .unwrap();
    let mut got = ids(&sink);
    got.sort();
    assert_eq!(
        got,
        vec![
            ("crashy".into(), "app".into(), Cause::OomKilled),
            ("imagey".into(), "app".into(), Cause::ImagePullError),
        ]
    );
    assert_eq!(summary.printed, 2);
    let d = &sink.diagnoses()[0];
    assert_eq!(d.namespace.as_deref(), Some("default"));
    assert!(d.confidence > 0.5, "{d:?}");
    // Evidence gathering: the crashed container's previous log (bounded tail); nothing for the
    // image that never ran, nothing for the healthy pod.
    let logs: Vec<String> = f
        .srv
        .requests()
        .into_iter()
        .map(|r| r.uri)
        .filter(|u| u.contains("/log"))
        .collect();
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert!(logs[0].contains("/pods/crashy/log"), "{logs:?}");
    assert!(logs[0].contains("previous=true"), "{logs:?}");
    assert!(logs[0].contains("tailLines=200"), "{logs:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_binary_prints_one_json_object_per_line() {
    let f = fixture().await;
    seed_failing(&f.srv);
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_podmortem"))
        .args(["watch", "--once", "-o", "json", "--kubeconfig"])
        .arg(&f.kubeconfig)
        .env_remove("KUBECONFIG")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    let mut causes: Vec<(&str, &str)> = lines
        .iter()
        .map(|v| (v["pod"].as_str().unwrap(), v["cause"].as_str().unwrap()))
        .collect();
    causes.sort();
    assert_eq!(
        causes,
        vec![("crashy", "oom_killed"), ("imagey", "image_pull_error")]
    );
    // $KUBECONFIG works as for kubectl.
    let again = tokio::process::Command::new(env!("CARGO_BIN_EXE_podmortem"))
        .args(["watch", "--once", "--output", "json", "-n", "default"])
        .env("KUBECONFIG", &f.kubeconfig)
        .output()
        .await
        .unwrap();
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&again.stdout).lines().count(), 2);
    // The batch `diagnoses[]` schema.
    for key in [
        "namespace",
        "pod",
        "container",
        "cause",
        "confidence",
        "evidence",
        "explanation",
        "backoff",
        "remediation",
    ] {
        assert!(lines[0].get(key).is_some(), "missing {key}: {}", lines[0]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthy_pod_turning_into_an_oom_kill_is_reported() {
    let f = fixture().await;
    f.srv.set_pod(healthy_pod("default", "api"));
    f.srv.set_pod(healthy_pod("default", "web"));
    let run = Running::start(&f.conn, opts("default")).await;
    f.srv.set_log("default", "api", "app", true, OOM_LOG);
    // How fast is a benchmark's question (benches/watch_load.rs); here: it arrives from the watch.
    f.srv.set_pod(oom_pod("default", "api", 1));
    assert!(
        run.sink.wait_for(1, WAIT).await,
        "no diagnosis within {WAIT:?}"
    );
    let (_, d) = run.sink.received().remove(0);
    assert_eq!((d.pod.as_str(), d.cause), ("api", Cause::OomKilled));
    // Its BackOff event arriving later does not change the cause: not printed again.
    f.srv
        .add_event(backoff_event(&oom_pod("default", "api", 1), "app", 1));
    // Marker: a later incident proves the event was processed before it.
    f.srv.set_pod(image_pod("default", "web"));
    assert!(run.sink.wait_for(2, WAIT).await);
    let sink = run.stop().await;
    assert_eq!(
        ids(&sink),
        vec![
            ("api".into(), "app".into(), Cause::OomKilled),
            ("web".into(), "app".into(), Cause::ImagePullError),
        ]
    );
}

/// Pods `a` (an OOM crash loop) plus healthy `b`, `c`, `d`, watched, with `a` reported.
async fn outage_fixture() -> (Fixture, std::sync::Arc<Metrics>, Running) {
    let f = fixture().await;
    f.srv.set_log("default", "a", "app", true, OOM_LOG);
    f.srv.set_pod(oom_pod("default", "a", 2));
    for p in ["b", "c", "d"] {
        f.srv.set_pod(healthy_pod("default", p));
    }
    let metrics = Metrics::new();
    let run =
        Running::start_with(Watcher::new(&f.conn, opts("default")).with_metrics(metrics.clone()))
            .await;
    assert!(run.sink.wait_for(1, WAIT).await, "initial incident");
    (f, metrics, run)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gone_410_relists_and_loses_nothing_and_duplicates_nothing() {
    let (f, metrics, run) = outage_fixture().await;
    // Every resourceVersion we hold expires (etcd compaction) — first, so the resumed watch is
    // stale whenever it reconnects — then the connections drop and a change happens in the
    // gap. The watcher gets an in-stream 410 and re-lists: the change is reported once, the
    // unchanged incident of `a` is not re-printed.
    f.srv.clear_requests();
    f.srv
        .expire_resource_versions_before(f.srv.resource_version() + 1);
    f.srv.drop_watch_connections();
    f.srv.set_pod(image_pod("default", "b"));
    f.srv.set_pod(oom_pod("default", "a", 2)); // MODIFIED, nothing new
    assert!(run.sink.wait_for(2, WAIT).await, "change during the outage");
    let relisted =
        f.srv.requests().iter().any(|r| {
            r.uri.starts_with("/api/v1/namespaces/default/pods?") && !r.uri.contains("watch")
        });
    assert!(relisted, "the 410 forced a re-list: {:?}", f.srv.requests());
    // Marker: anything duplicated by the relist would have arrived before it.
    f.srv.set_pod(image_pod("default", "d"));
    assert!(run.sink.wait_for(3, WAIT).await);
    let sink = run.stop().await;
    assert_eq!(
        ids(&sink),
        vec![
            ("a".into(), "app".into(), Cause::OomKilled),
            ("b".into(), "app".into(), Cause::ImagePullError),
            ("d".into(), "app".into(), Cause::ImagePullError),
        ],
        "each incident exactly once"
    );
    assert!(metrics.watch_errors_total() >= 1, "the outage was counted");
    assert!(
        sink.notices()
            .iter()
            .any(|n| n.contains("410") && n.contains("retrying")),
        "{:?}",
        sink.notices()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_and_ended_watches_resume_without_loss_or_duplicates() {
    let (f, metrics, run) = outage_fixture().await;
    // A connection dropped mid-stream: resume from the last resourceVersion (no relist).
    f.srv.drop_watch_connections();
    f.srv.set_pod(oom_pod_with_id("default", "c", 1, "c-1"));
    assert!(run.sink.wait_for(2, WAIT).await, "change during the outage");
    // The server ends the watches cleanly (API server restart / timeout).
    f.srv.end_watch_connections();
    f.srv.set_pod(image_pod("default", "d"));
    assert!(run.sink.wait_for(3, WAIT).await, "change after the restart");
    f.srv.set_pod(image_pod("default", "b")); // marker
    assert!(run.sink.wait_for(4, WAIT).await);
    let sink = run.stop().await;
    assert_eq!(
        ids(&sink),
        vec![
            ("a".into(), "app".into(), Cause::OomKilled),
            ("c".into(), "app".into(), Cause::OomKilled),
            ("d".into(), "app".into(), Cause::ImagePullError),
            ("b".into(), "app".into(), Cause::ImagePullError),
        ],
        "each incident exactly once"
    );
    // kube-rs resumes a cut-off stream like a normal end: not even an error.
    let _ = metrics;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_restart_prints_only_when_the_cause_changes() {
    let f = fixture().await;
    f.srv.set_pod(oom_pod_with_id("default", "api", 1, "r1"));
    let run = Running::start(&f.conn, opts("default")).await;
    assert!(run.sink.wait_for(1, WAIT).await);
    // Another OOM kill: same cause, same top evidence → silent.
    f.srv.set_pod(oom_pod_with_id("default", "api", 2, "r2"));
    // Then the command goes missing (exit 127): a new cause → printed.
    let mut p = pod_json(
        "default",
        "api",
        [Ctr::new("app")
            .last_terminated("Error", 127)
            .crash_loop("40s")
            .restarts(3)],
    );
    p["status"]["containerStatuses"][0]["lastState"]["terminated"]["containerID"] =
        Value::from("containerd://r3");
    f.srv.set_pod(p);
    assert!(run.sink.wait_for(2, WAIT).await);
    let sink = run.stop().await;
    let got = ids(&sink);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].2, Cause::OomKilled);
    assert_ne!(got[1].2, Cause::OomKilled, "{got:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_names_the_missing_permission() {
    let f = fixture().await;
    f.srv.deny("pods", "list");
    let mut sink = MemorySink::new();
    let err = Watcher::new(&f.conn, opts("default"))
        .run(&mut sink, std::future::pending())
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, WatchError::Forbidden(_)), "{err:?}");
    assert!(
        msg.starts_with("forbidden: the service account default/podmortem cannot list pods in namespace \"default\" — grant get/list/watch on pods (see deploy/rbac.yaml)"),
        "{msg}"
    );

    let err = Watcher::new(&f.conn, opts("default"))
        .once(&mut sink)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("forbidden: the service account default/podmortem cannot list pods"),
        "{err}"
    );

    // Through the binary: message on stderr, exit status 1.
    f.srv.allow_all();
    f.srv.deny("events", "watch");
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_podmortem"))
        .args(["watch", "--kubeconfig"])
        .arg(&f.kubeconfig)
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr
            .contains("cannot watch events in namespace \"default\" — grant list/watch on events"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_forbidden_still_diagnoses() {
    let f = fixture().await;
    f.srv.deny("pods/log", "get");
    f.srv.set_log("default", "crashy", "app", true, OOM_LOG);
    f.srv.set_pod(oom_pod("default", "crashy", 2));
    let mut sink = MemorySink::new();
    Watcher::new(&f.conn, opts("default"))
        .once(&mut sink)
        .await
        .unwrap();
    assert_eq!(
        ids(&sink),
        vec![("crashy".into(), "app".into(), Cause::OomKilled)]
    );
    assert!(
        sink.notices()
            .iter()
            .any(|n| n.contains("cannot get pods/log") && n.contains("grant get on pods/log")),
        "{:?}",
        sink.notices()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthy_pods_print_nothing() {
    let f = fixture().await;
    f.srv.set_pod(healthy_pod("default", "web"));
    // Restarted long ago, running and ready now: history, not an incident.
    f.srv.set_pod(pod_json(
        "default",
        "old",
        [Ctr::new("app").restarts(2).oom_killed().running()],
    ));
    f.srv.set_pod(pod_json(
        "default",
        "sidecars",
        [
            Ctr::new("app"),
            Ctr::new("proxy"),
            Ctr::new("migrate").init(),
        ],
    ));
    let mut sink = MemorySink::new();
    Watcher::new(&f.conn, opts("default"))
        .once(&mut sink)
        .await
        .unwrap();
    assert!(sink.is_empty(), "{:?}", ids(&sink));

    let run = Running::start(&f.conn, opts("default")).await;
    // Updates that are not incidents: relabels, a normal event, a new healthy pod.
    let mut web = healthy_pod("default", "web");
    web["metadata"]["labels"]["version"] = Value::from("2");
    f.srv.set_pod(web.clone());
    f.srv.add_event(event_json(
        &web,
        Some("app"),
        "Normal",
        "Pulled",
        "Container image pulled",
        1,
    ));
    f.srv.set_pod(healthy_pod("default", "new"));
    f.srv.delete_pod("default", "old");
    // Marker: the first thing printed must be this.
    f.srv.set_pod(image_pod("default", "marker"));
    assert!(run.sink.wait_for(1, WAIT).await);
    let sink = run.stop().await;
    assert_eq!(
        ids(&sink),
        vec![("marker".into(), "app".into(), Cause::ImagePullError)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_containers_and_config_errors_are_diagnosed() {
    let f = fixture().await;
    f.srv.set_log(
        "default",
        "db",
        "migrate",
        true,
        "running migrations\nerror: relation exists\n",
    );
    f.srv.set_pod(pod_json(
        "default",
        "db",
        [
            Ctr::new("migrate").init().crash_loop("10s").restarts(2),
            Ctr::new("app").waiting("PodInitializing", ""),
        ],
    ));
    f.srv.set_pod(pod_json(
        "default",
        "cfg",
        [Ctr::new("app").create_container_config_error("secret \"db-creds\" not found")],
    ));
    let mut sink = MemorySink::new();
    Watcher::new(&f.conn, opts("default"))
        .once(&mut sink)
        .await
        .unwrap();
    let mut got = ids(&sink);
    got.sort();
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(
        (got[0].0.as_str(), got[0].2),
        ("cfg", Cause::MissingSecretOrConfigmap)
    );
    assert_eq!((got[1].0.as_str(), got[1].1.as_str()), ("db", "migrate"));
    assert!(f
        .srv
        .requests()
        .iter()
        .any(|r| r.uri.contains("/pods/db/log?") && r.uri.contains("container=migrate")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespace_not_found_is_a_clear_error() {
    let f = fixture().await;
    let mut sink = MemorySink::new();
    let err = Watcher::new(&f.conn, opts("nope"))
        .once(&mut sink)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "namespace \"nope\" not found (check -n/--namespace or the context's namespace)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_api_and_missing_kubeconfig() {
    let (server, port) = unreachable_server();
    let dir = TempDir::new().unwrap();
    let kc = write_kubeconfig_for(&dir.path().join("kubeconfig"), &server, "{}", None);
    let conn = connect(&ClientOptions {
        kubeconfig: Some(kc.clone()),
        context: None,
    })
    .await
    .unwrap();
    assert_eq!(conn.default_namespace, "default");
    let err = Watcher::new(&conn, opts("default"))
        .once(&mut MemorySink::new())
        .await
        .unwrap_err();
    assert!(
        err.to_string().starts_with(&format!(
            "cannot reach the Kubernetes API at http://127.0.0.1:{port}"
        )),
        "{err}"
    );
    let err = connect(&ClientOptions {
        kubeconfig: Some(kc),
        context: Some("missing".into()),
    })
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains("context \"missing\" not found"),
        "{err}"
    );

    // No kubeconfig anywhere and no cluster: the binary says where it looked.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_podmortem"))
        .args(["watch", "--once"])
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env("HOME", dir.path())
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "podmortem: no kubeconfig found (looked at $KUBECONFIG, ~/.kube/config) and not running in a cluster"
    );
}

async fn scrape(addr: std::net::SocketAddr) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_endpoint_and_emitted_events() {
    let f = fixture().await;
    f.srv.set_log("default", "crashy", "app", true, OOM_LOG);
    f.srv.set_pod(oom_pod("default", "crashy", 1));
    let metrics = Metrics::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(podmortem::live::serve_metrics(listener, metrics.clone()));
    let mut o = opts("default");
    o.emit_events = true;
    let run = Running::start_with(Watcher::new(&f.conn, o).with_metrics(metrics.clone())).await;
    assert!(run.sink.wait_for(1, WAIT).await);
    // The Warning event lands on the pod…
    let ours = own_events_soon(&f.srv).await;
    assert_eq!(ours.len(), 1);
    let ev = &ours[0];
    assert_eq!(ev["type"], "Warning");
    assert_eq!(ev["involvedObject"]["name"], "crashy");
    assert_eq!(ev["involvedObject"]["fieldPath"], "spec.containers{app}");
    assert_eq!(ev["involvedObject"]["uid"], uid_for("default", "crashy"));
    let msg = ev["message"].as_str().unwrap();
    assert!(
        msg.contains("oom_killed") && msg.contains("confidence"),
        "{msg}"
    );
    // …and, seen again through the events watch, is not evidence and prints nothing.
    f.srv.set_pod(image_pod("default", "marker"));
    assert!(run.sink.wait_for(2, WAIT).await);
    let body = scrape(addr).await;
    assert!(body.starts_with("HTTP/1.1 200 OK"), "{body}");
    assert!(
        body.contains("podmortem_diagnoses_total{namespace=\"default\",cause=\"oom_killed\"} 1"),
        "{body}"
    );
    assert!(
        body.contains(
            "podmortem_incidents_active{namespace=\"default\",cause=\"image_pull_error\"} 1"
        ),
        "{body}"
    );
    assert!(body.contains("podmortem_watch_errors_total 0"), "{body}");
    let sink = run.stop().await;
    assert_eq!(sink.len(), 2, "{:?}", ids(&sink));
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_namespaces_and_label_selector() {
    let f = fixture().await;
    f.srv.set_pod(image_pod("shop", "api"));
    f.srv.set_pod(image_pod("default", "web"));
    f.srv.set_pod(healthy_pod("kube-system", "dns"));
    let all = WatchOptions {
        namespace: None,
        ..WatchOptions::default()
    };
    let mut sink = MemorySink::new();
    Watcher::new(&f.conn, all.clone())
        .once(&mut sink)
        .await
        .unwrap();
    let mut got: Vec<_> = sink
        .diagnoses()
        .iter()
        .map(|d| format!("{}/{}", d.namespace.as_deref().unwrap(), d.pod))
        .collect();
    got.sort();
    assert_eq!(got, vec!["default/web", "shop/api"]);

    // -A -l app=api, live: only the selected pod, across namespaces.
    let selected = WatchOptions {
        selector: Some("app=api".into()),
        ..all
    };
    let run = Running::start(&f.conn, selected).await;
    assert!(run.sink.wait_for(1, WAIT).await);
    f.srv.set_pod(image_pod("kube-system", "dns")); // not selected
    f.srv.set_pod(image_pod("default", "api")); // selected, another namespace
    assert!(run.sink.wait_for(2, WAIT).await);
    let sink = run.stop().await;
    let got: Vec<_> = sink
        .diagnoses()
        .iter()
        .map(|d| format!("{}/{}", d.namespace.as_deref().unwrap(), d.pod))
        .collect();
    assert_eq!(got, vec!["shop/api", "default/api"]);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_watch_prints_text_serves_metrics_and_exits_0_on_ctrl_c() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let f = fixture().await;
    f.srv.set_log("default", "crashy", "app", true, OOM_LOG);
    f.srv.set_pod(oom_pod("default", "crashy", 2));
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_podmortem"))
        .args([
            "watch",
            "--color",
            "never",
            "--metrics",
            "127.0.0.1:0",
            "--kubeconfig",
        ])
        .arg(&f.kubeconfig)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let metrics_url = tokio::time::timeout(WAIT, async {
        while let Some(line) = stderr.next_line().await.unwrap() {
            if let Some(url) = line.strip_prefix("podmortem: metrics at http://") {
                return url.trim_end_matches("/metrics").to_string();
            }
        }
        panic!("no metrics address on stderr");
    })
    .await
    .unwrap();
    let first = tokio::time::timeout(WAIT, stdout.next_line())
        .await
        .expect("a diagnosis on stdout")
        .unwrap()
        .unwrap();
    assert!(
        first.starts_with("default/crashy/app  oom_killed"),
        "{first}"
    );
    // Live: an image pull failure appears as a second block.
    f.srv.set_pod(image_pod("default", "web"));
    let found = tokio::time::timeout(WAIT, async {
        while let Some(line) = stdout.next_line().await.unwrap() {
            if line.starts_with("default/web/app") {
                return true;
            }
        }
        false
    })
    .await
    .unwrap();
    assert!(found);
    let body = scrape(metrics_url.parse().unwrap()).await;
    assert!(
        body.contains(
            "podmortem_diagnoses_total{namespace=\"default\",cause=\"image_pull_error\"} 1"
        ),
        "{body}"
    );
    // Ctrl-C.
    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(WAIT, child.wait())
        .await
        .expect("exits promptly on SIGINT")
        .unwrap();
    assert_eq!(status.code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_arriving_later_complete_the_picture() {
    let f = fixture().await;
    // Stuck creating: nothing wrong is visible yet.
    let pod = pod_json(
        "default",
        "vol",
        [Ctr::new("app").waiting("ContainerCreating", "")],
    );
    f.srv.set_pod(pod.clone());
    let run = Running::start(&f.conn, opts("default")).await;
    // The kubelet reports why: now it is an incident.
    f.srv.add_event(event_json(
        &pod,
        None,
        "Warning",
        "FailedMount",
        "MountVolume.SetUp failed for volume \"creds\" : secret \"db-creds\" not found",
        3,
    ));
    assert!(
        run.sink.wait_for(1, WAIT).await,
        "diagnosed once the event arrives"
    );
    // The same event again (count bumped) changes nothing material.
    f.srv.add_event(event_json(
        &pod,
        None,
        "Warning",
        "FailedMount",
        "MountVolume.SetUp failed for volume \"creds\" : secret \"db-creds\" not found",
        4,
    ));
    f.srv.set_pod(image_pod("default", "marker"));
    assert!(run.sink.wait_for(2, WAIT).await);
    let sink = run.stop().await;
    let pods: Vec<String> = sink.diagnoses().iter().map(|d| d.pod.clone()).collect();
    assert_eq!(pods, vec!["vol", "marker"]);
}

/// Redaction covers live mode: printed diagnoses and the Events `--emit-events` writes (readable
/// by anyone with `get events`) carry `****`, never the password of a captured connection string.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emitted_events_and_printed_diagnoses_carry_no_secrets() {
    use podmortem::live::{render_line, OutputFormat};
    use podmortem::render::TextOptions;
    let f = fixture().await;
    let secret = "Pa55w0rdInEvent";
    f.srv.set_log(
        "default",
        "leaky",
        "app",
        true,
        &format!(
            "starting\norg.postgresql.util.PSQLException: Connection to postgres://app:{secret}@db.shop.svc:5432/shop refused. Check that the hostname and port are correct and that the postmaster is accepting TCP/IP connections.\n"
        ),
    );
    f.srv.set_pod(pod_json(
        "default",
        "leaky",
        [Ctr::new("app").crash_loop("20s")],
    ));
    let mut o = opts("default");
    o.emit_events = true;
    let run = Running::start(&f.conn, o).await;
    assert!(run.sink.wait_for(1, WAIT).await);
    let ours = own_events_soon(&f.srv).await;
    let sink = run.stop().await;
    let d = &sink.diagnoses()[0];
    assert_eq!(d.cause, Cause::DependencyUnavailable);
    assert!(d.redacted >= 1);
    for format in [OutputFormat::Json, OutputFormat::Text] {
        let line = render_line(
            d,
            format,
            TextOptions {
                color: false,
                verbose: true,
            },
        );
        assert!(!line.contains(secret) && line.contains("****"), "{line}");
    }
    assert_eq!(ours.len(), 1);
    let msg = ours[0]["message"].as_str().unwrap();
    assert!(msg.contains("dependency_unavailable"), "{msg}");
    assert!(
        !msg.contains(secret) && msg.contains("postgres://app:****@db.shop.svc:5432/shop"),
        "{msg}"
    );
}

// ---------------------------------------------------------------------------------------------
// Node-local mode (`watch --node NAME --log-root DIR`).

/// The pod, scheduled on `node`.
fn on_node(mut pod: Value, node: &str) -> Value {
    pod["spec"]["nodeName"] = Value::from(node);
    pod
}

/// Lines in the CRI format the kubelet writes.
fn cri(lines: &[&str]) -> String {
    lines
        .iter()
        .map(|l| format!("2026-12-02T18:00:00.000000000Z stderr F {l}\n"))
        .collect()
}

/// `root/<ns>_<pod>_<uid>/<container>/<file>` as the kubelet lays it out, gzipped for `.gz`.
fn write_kubelet_log(root: &std::path::Path, ns: &str, pod: &str, c: &str, file: &str, text: &str) {
    use std::io::Write;
    let dir = root
        .join(format!("{ns}_{pod}_{}", uid_for(ns, pod)))
        .join(c);
    std::fs::create_dir_all(&dir).unwrap();
    let f = std::fs::File::create(dir.join(file)).unwrap();
    if file.ends_with(".gz") {
        let mut gz = flate2::write::GzEncoder::new(f, flate2::Compression::default());
        gz.write_all(text.as_bytes()).unwrap();
        gz.finish().unwrap();
    } else {
        std::io::BufWriter::new(f)
            .write_all(text.as_bytes())
            .unwrap();
    }
}

fn node_opts(node: &str, log_root: &std::path::Path) -> WatchOptions {
    WatchOptions {
        namespace: None,
        node: Some(node.into()),
        log_root: Some(log_root.to_path_buf()),
        ..WatchOptions::default()
    }
}

fn log_requests(srv: &FakeApiServer) -> Vec<String> {
    srv.requests()
        .into_iter()
        .map(|r| r.uri)
        .filter(|u| u.contains("/log"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_mode_diagnoses_its_own_pods_from_the_kubelet_files() {
    let f = fixture().await;
    let logs = TempDir::new().unwrap();
    // node-a, "api": crashed 40 s ago and running again; the cause is only in the previous
    // instance's file (0.log), the current one (1.log) looks fine.
    let mut api = pod_json(
        "shop",
        "api",
        [Ctr::new("app").last_terminated("Error", 1).restarts(1)],
    );
    api["status"]["containerStatuses"][0]["state"]["running"]["startedAt"] =
        Value::from(rfc3339(now() - 35));
    f.srv.set_pod(on_node(api, "node-a"));
    write_kubelet_log(
        logs.path(),
        "shop",
        "api",
        "app",
        "0.log",
        &cri(&[
            "starting api",
            "loading catalogue into memory",
            "java.lang.OutOfMemoryError: Java heap space",
        ]),
    );
    write_kubelet_log(
        logs.path(),
        "shop",
        "api",
        "app",
        "1.log",
        &cri(&["starting api", "listening on :8080"]),
    );
    // node-a, "queue": backing off; the dead instance's log was rotated and compressed.
    f.srv.set_pod(on_node(
        pod_json(
            "jobs",
            "queue",
            [Ctr::new("worker").crash_loop("40s").restarts(2)],
        ),
        "node-a",
    ));
    write_kubelet_log(
        logs.path(),
        "jobs",
        "queue",
        "worker",
        "2.log.20261202-180000.gz",
        &cri(&[
            "worker starting",
            "listen tcp :8080: bind: address already in use",
        ]),
    );
    write_kubelet_log(logs.path(), "jobs", "queue", "worker", "2.log", "");
    f.srv
        .set_pod(on_node(healthy_pod("shop", "healthy"), "node-a"));
    // node-b: failing too, with a log in the API: not this agent's business.
    f.srv.set_log("shop", "web", "app", true, OOM_LOG);
    f.srv.set_pod(on_node(oom_pod("shop", "web", 2), "node-b"));

    let metrics = Metrics::new();
    let run = Running::start_with(
        Watcher::new(&f.conn, node_opts("node-a", logs.path())).with_metrics(metrics.clone()),
    )
    .await;
    assert!(
        run.sink.wait_for(2, WAIT).await,
        "{:?} {:?}",
        ids(&run.sink),
        run.sink.notices()
    );
    // Live: a change on node-b stays unseen; the marker on node-a (which follows it) is seen.
    f.srv
        .set_pod(on_node(image_pod("default", "web-2"), "node-b"));
    f.srv
        .set_pod(on_node(image_pod("default", "marker"), "node-a"));
    assert!(run.sink.wait_for(3, WAIT).await, "{:?}", ids(&run.sink));
    let sink = run.stop().await;
    let mut got = ids(&sink);
    got.sort();
    assert_eq!(
        got,
        vec![
            ("api".into(), "app".into(), Cause::OomKilled),
            ("marker".into(), "app".into(), Cause::ImagePullError),
            ("queue".into(), "worker".into(), Cause::PortInUse),
        ]
    );
    let api = sink
        .diagnoses()
        .into_iter()
        .find(|d| d.pod == "api")
        .unwrap();
    assert!(
        api.evidence
            .iter()
            .any(|e| e.source.contains("/app/0.log") && e.text.contains("OutOfMemoryError")),
        "{:?}",
        api.evidence
    );
    assert_eq!(
        log_requests(&f.srv),
        Vec::<String>::new(),
        "no pods/log request"
    );
    let pod_requests: Vec<String> = f
        .srv
        .requests()
        .into_iter()
        .map(|r| r.uri)
        .filter(|u| u.starts_with("/api/v1/pods"))
        .collect();
    assert!(!pod_requests.is_empty());
    for u in &pod_requests {
        assert!(u.contains("fieldSelector=spec.nodeName%3Dnode-a"), "{u}");
    }
    assert_eq!(metrics.log_source_total(LogSource::File), 2);
    assert_eq!(metrics.log_source_total(LogSource::Api), 0);
    assert!(sink.notices().is_empty(), "{:?}", sink.notices());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_mode_asks_the_api_only_for_containers_without_files() {
    let f = fixture().await;
    let logs = TempDir::new().unwrap();
    f.srv.set_log("shop", "api", "app", true, OOM_LOG);
    f.srv.set_pod(on_node(oom_pod("shop", "api", 2), "node-a"));
    let metrics = Metrics::new();
    let mut sink = MemorySink::new();
    Watcher::new(&f.conn, node_opts("node-a", logs.path()))
        .with_metrics(metrics.clone())
        .once(&mut sink)
        .await
        .unwrap();
    assert_eq!(
        ids(&sink),
        vec![("api".into(), "app".into(), Cause::OomKilled)]
    );
    let d = &sink.diagnoses()[0];
    assert!(
        d.evidence
            .iter()
            .any(|e| e.text.contains("OutOfMemoryError")),
        "{:?}",
        d.evidence
    );
    let logs_asked = log_requests(&f.srv);
    assert_eq!(logs_asked.len(), 1, "{logs_asked:?}");
    assert!(logs_asked[0].contains("/namespaces/shop/pods/api/log"));
    assert_eq!(metrics.log_source_total(LogSource::File), 0);
    assert_eq!(metrics.log_source_total(LogSource::Api), 1);

    // A log root that does not exist is said once; the API serves the logs.
    let mut sink = MemorySink::new();
    Watcher::new(&f.conn, node_opts("node-a", &logs.path().join("missing")))
        .once(&mut sink)
        .await
        .unwrap();
    assert_eq!(sink.len(), 1);
    let notices = sink.notices();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(
        notices[0].starts_with("--log-root ") && notices[0].contains("missing"),
        "{notices:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_node_mode_takes_the_node_from_node_name_and_spans_namespaces() {
    let f = fixture().await;
    let logs = TempDir::new().unwrap();
    f.srv.set_pod(on_node(
        pod_json("jobs", "queue", [Ctr::new("worker").crash_loop("40s")]),
        "node-a",
    ));
    write_kubelet_log(
        logs.path(),
        "jobs",
        "queue",
        "worker",
        "1.log",
        &cri(&["listen tcp :8080: bind: address already in use"]),
    );
    f.srv.set_pod(on_node(image_pod("shop", "web"), "node-b"));
    // `--node` alone, as a DaemonSet passes it with NODE_NAME from the downward API; the
    // kubeconfig's namespace ("default") does not narrow a node's pods.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_podmortem"))
        .args(["watch", "--once", "-o", "json", "--node", "--log-root"])
        .arg(logs.path())
        .arg("--kubeconfig")
        .arg(&f.kubeconfig)
        .env("NODE_NAME", "node-a")
        .env_remove("KUBECONFIG")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    assert_eq!(lines[0]["pod"], "queue");
    assert_eq!(lines[0]["cause"], "port_in_use");
    assert_eq!(log_requests(&f.srv), Vec::<String>::new());
}

// ---------------------------------------------------------------------------------------------
// A loop that cannot freeze, Events that aggregate, exec plugins that do not leak.

/// `a`, `b`, `c` crash-looping with their logs; `stuck` too, but its log requests never answer.
fn seed_with_a_hung_log(srv: &FakeApiServer) {
    for p in ["a", "b", "c", "stuck"] {
        srv.set_log("default", p, "app", true, OOM_LOG);
        srv.set_pod(oom_pod("default", p, 2));
    }
    srv.hang_log("default", "stuck");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_that_never_answers_delays_only_its_own_pod() {
    let f = fixture().await;
    seed_with_a_hung_log(&f.srv);
    f.srv.set_pod(healthy_pod("default", "later"));
    let mut o = opts("default");
    // Long enough that a loaded machine still diagnoses `later` before `stuck` gives up: the
    // test asserts an order (nothing waits for the hung request), not a speed.
    o.request_timeout = Duration::from_secs(5);
    let run = Running::start(&f.conn, o).await;
    // The three others, while `stuck`'s request hangs.
    assert!(run.sink.wait_for(3, WAIT).await, "{:?}", ids(&run.sink));
    let mut first: Vec<String> = ids(&run.sink).into_iter().map(|(p, ..)| p).collect();
    first.sort();
    assert_eq!(first, ["a", "b", "c"]);
    // A pod failing meanwhile is diagnosed all the same, before `stuck` gives up.
    f.srv.set_log("default", "later", "app", true, OOM_LOG);
    f.srv.set_pod(oom_pod("default", "later", 1));
    assert!(run.sink.wait_for(4, WAIT).await, "{:?}", ids(&run.sink));
    assert_eq!(ids(&run.sink)[3].0, "later");
    // `stuck` is diagnosed from its status once its request's deadline passes, and says so.
    assert!(run.sink.wait_for(5, WAIT).await, "{:?}", ids(&run.sink));
    let d = &run.sink.diagnoses()[4];
    assert_eq!((d.pod.as_str(), d.cause), ("stuck", Cause::OomKilled));
    assert!(
        run.sink
            .notices()
            .iter()
            .any(|n| n.contains("default/stuck/app did not arrive within 5s")),
        "{:?}",
        run.sink.notices()
    );
    // Stopping does not wait for the hung request (a second one is in flight now).
    f.srv.set_pod(oom_pod("default", "stuck", 3));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let t2 = Instant::now();
    run.stop().await;
    // Well before that request's 5 s deadline.
    assert!(t2.elapsed() < Duration::from_secs(3), "{:?}", t2.elapsed());
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_exits_on_sigterm_while_a_log_request_hangs() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let f = fixture().await;
    seed_with_a_hung_log(&f.srv);
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_podmortem"))
        .args(["watch", "-o", "json", "--kubeconfig"])
        .arg(&f.kubeconfig)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut pods = Vec::new();
    tokio::time::timeout(WAIT, async {
        while pods.len() < 3 {
            let line = stdout.next_line().await.unwrap().expect("a diagnosis");
            let v: Value = serde_json::from_str(&line).unwrap();
            pods.push(v["pod"].as_str().unwrap().to_string());
        }
    })
    .await
    .expect("the other pods are diagnosed");
    pods.sort();
    assert_eq!(pods, ["a", "b", "c"]);
    // `stuck`'s log request reaches the server and stays pending there. It may still be in
    // flight when the other three are printed, so wait for it rather than race it.
    tokio::time::timeout(WAIT, async {
        while !log_requests(&f.srv)
            .iter()
            .any(|u| u.contains("/pods/stuck/log"))
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the log request of `stuck` reaches the server");
    let pid = child.id().unwrap().to_string();
    let t0 = Instant::now();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    // The hung request's own deadline is 10 s: exiting well before it proves nothing waits for it.
    let status = tokio::time::timeout(Duration::from_secs(5), child.wait())
        .await
        .expect("exits within 5 s of SIGTERM, not after the 10 s request deadline")
        .unwrap();
    assert_eq!(status.code(), Some(0), "after {:?}", t0.elapsed());
}

/// Our Events in the fake server, once there is one (or WAIT has passed): they are written
/// after the diagnosis is printed.
async fn own_events_soon(srv: &FakeApiServer) -> Vec<Value> {
    let deadline = Instant::now() + WAIT;
    loop {
        let ours = own_events(srv);
        if !ours.is_empty() || Instant::now() > deadline {
            return ours;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Our Events in the fake server.
fn own_events(srv: &FakeApiServer) -> Vec<Value> {
    srv.events()
        .into_iter()
        .filter(|e| e["reason"] == "PodmortemDiagnosis")
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_once_runs_count_on_one_event() {
    let f = fixture().await;
    f.srv.set_log("default", "crashy", "app", true, OOM_LOG);
    f.srv.set_pod(oom_pod("default", "crashy", 3));
    let mut o = opts("default");
    o.emit_events = true;
    for run in 1..=4 {
        let mut sink = MemorySink::new();
        let summary = Watcher::new(&f.conn, o.clone())
            .once(&mut sink)
            .await
            .unwrap();
        assert_eq!(summary.printed, 1, "run {run}");
        assert!(sink.notices().is_empty(), "{:?}", sink.notices());
    }
    let ours = own_events(&f.srv);
    assert_eq!(ours.len(), 1, "{ours:#?}");
    assert_eq!(ours[0]["count"], 4);
    assert_eq!(
        ours[0]["involvedObject"]["fieldPath"],
        "spec.containers{app}"
    );
    assert!(ours[0]["message"].as_str().unwrap().contains("oom_killed"));
    assert!(ours[0]["lastTimestamp"].as_str() >= ours[0]["firstTimestamp"].as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alternating_cause_writes_two_events_and_is_rate_limited() {
    let f = fixture().await;
    f.srv.set_log("default", "flappy", "app", true, OOM_LOG);
    f.srv.set_pod(healthy_pod("default", "flappy"));
    let mut o = opts("default");
    o.emit_events = true;
    let metrics = Metrics::new();
    let run = Running::start_with(Watcher::new(&f.conn, o).with_metrics(metrics.clone())).await;
    // OOM kill, image pull failure, OOM kill, … 40 changes of cause.
    for i in 0..40u32 {
        let pod = if i % 2 == 0 {
            oom_pod_with_id("default", "flappy", i + 1, &format!("c{i}"))
        } else {
            image_pod("default", "flappy")
        };
        f.srv.set_pod(pod);
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    // Let the loop catch up (a marker pod is reported after the last change).
    f.srv.set_pod(image_pod("default", "marker"));
    let deadline = Instant::now() + WAIT;
    while !ids(&run.sink).iter().any(|(p, ..)| p == "marker") && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sink = run.stop().await;
    let printed = ids(&sink).iter().filter(|(p, ..)| p == "flappy").count();
    assert!(printed >= 4, "the cause did alternate: {printed} diagnoses");
    let flappy: Vec<Value> = own_events(&f.srv)
        .into_iter()
        .filter(|e| e["involvedObject"]["name"] == "flappy")
        .collect();
    // One Event per cause, counted; writes stop at the per-pod burst.
    assert!(flappy.len() <= 2, "{flappy:#?}");
    let writes: i64 = flappy.iter().map(|e| e["count"].as_i64().unwrap()).sum();
    assert!(writes <= 4, "{writes} writes for {printed} diagnoses");
    // The skipped writes are counted where an operator sees them.
    let suppressed = metrics.events_suppressed_total();
    assert!(
        suppressed > 0 && suppressed + 4 >= u64::try_from(printed).unwrap(),
        "{suppressed} suppressed of {printed}: all but the burst of 4"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_requests_are_bounded_in_lines_and_bytes() {
    let f = fixture().await;
    // One 3 MiB line before the crash: tailLines alone would download all of it.
    let huge = format!("{}\n{OOM_LOG}", "x".repeat(3 << 20));
    f.srv.set_log("default", "crashy", "app", true, &huge);
    f.srv.set_pod(oom_pod("default", "crashy", 1));
    let mut sink = MemorySink::new();
    Watcher::new(&f.conn, opts("default"))
        .once(&mut sink)
        .await
        .unwrap();
    assert_eq!(
        ids(&sink),
        [("crashy".into(), "app".into(), Cause::OomKilled)]
    );
    let logs = log_requests(&f.srv);
    assert!(!logs.is_empty());
    for uri in logs {
        assert!(
            uri.contains("tailLines=200") && uri.contains("limitBytes=1048576"),
            "{uri}"
        );
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_exec_plugin_shows_its_program_and_status_only() {
    let f = fixture().await;
    let dir = TempDir::new().unwrap();
    let kubeconfig = write_kubeconfig_for(
        &dir.path().join("kubeconfig"),
        &f.srv.url(),
        FAILING_EXEC_PLUGIN_USER,
        Some("default"),
    );
    for extra in [&["--once"][..], &[][..]] {
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_podmortem"))
            .arg("watch")
            .args(extra)
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .output()
            .await
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains("exec credential plugin `sh` failed (exit status 7"),
            "{stderr}"
        );
        assert!(!stderr.contains("TOKEN"), "{stderr}");
        assert!(!stderr.contains("-c"), "{stderr}");
    }
}
