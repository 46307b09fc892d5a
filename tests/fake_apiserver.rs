//! Proves the fake apiserver in `tests/support/fake_apiserver.rs` is honest: a raw HTTP client
//! checks the wire contract (list → watch from RV, in-stream 410, 403, logs, tables, events),
//! and the machine's real `kubectl` (skipped with a notice when absent) must print what it
//! prints against a real cluster.

#[path = "support/fake_apiserver.rs"]
mod fake_apiserver;

use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use fake_apiserver::*;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::time::timeout;

const TABLE_ACCEPT: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

/// Sends one request on a fresh HTTP/1.1 connection (no kube, no kubectl).
async fn send(
    srv: &FakeApiServer,
    method: &str,
    path: &str,
    accept: Option<&str>,
    body: Option<Value>,
) -> hyper::Response<Incoming> {
    let addr = srv.url().trim_start_matches("http://").to_string();
    let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(conn);
    let mut req = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header("host", addr);
    if let Some(a) = accept {
        req = req.header("accept", a);
    }
    if body.is_some() {
        req = req.header("content-type", "application/json");
    }
    let body = body.map_or(Bytes::new(), |b| Bytes::from(b.to_string()));
    sender
        .send_request(req.body(Full::new(body)).unwrap())
        .await
        .unwrap()
}

/// Status, content type and body text of a non-streaming request.
async fn call(
    srv: &FakeApiServer,
    method: &str,
    path: &str,
    accept: Option<&str>,
    body: Option<Value>,
) -> (u16, String, String) {
    let resp = send(srv, method, path, accept, body).await;
    let code = resp.status().as_u16();
    let ctype = resp
        .headers()
        .get("content-type")
        .map_or("", |v| v.to_str().unwrap())
        .to_string();
    let bytes = timeout(Duration::from_secs(10), resp.into_body().collect())
        .await
        .unwrap()
        .unwrap()
        .to_bytes();
    (code, ctype, String::from_utf8(bytes.to_vec()).unwrap())
}

async fn get_json(srv: &FakeApiServer, path: &str) -> (u16, Value) {
    let (code, ctype, body) = call(srv, "GET", path, None, None).await;
    assert_eq!(ctype, "application/json", "{path}");
    (code, serde_json::from_str(&body).unwrap())
}

/// A watch response read one `\n`-terminated JSON line at a time.
struct WatchLines {
    body: Incoming,
    buf: Vec<u8>,
}

#[derive(Debug, PartialEq)]
enum Next {
    Line(Value),
    /// The chunked body ended cleanly.
    End,
    /// The connection broke mid-body.
    Aborted,
}

impl WatchLines {
    async fn open(srv: &FakeApiServer, path: &str) -> WatchLines {
        let resp = send(srv, "GET", path, None, None).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], "application/json");
        WatchLines {
            body: resp.into_body(),
            buf: vec![],
        }
    }

    async fn next(&mut self) -> Next {
        loop {
            if let Some(i) = self.buf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=i).collect();
                return Next::Line(
                    serde_json::from_slice(&line).expect("one JSON object per line"),
                );
            }
            match timeout(Duration::from_secs(10), self.body.frame())
                .await
                .expect("watch line within 10 s")
            {
                Some(Ok(f)) => self
                    .buf
                    .extend_from_slice(f.data_ref().map_or(&[][..], |d| &d[..])),
                Some(Err(_)) => return Next::Aborted,
                None => return Next::End,
            }
        }
    }

    async fn line(&mut self) -> Value {
        match self.next().await {
            Next::Line(v) => v,
            other => panic!("expected a watch line, got {other:?}"),
        }
    }
}

/// Seconds in an age like `40s` / `(40s`, asserted to be within 30 s after `at_least`
/// (ages are computed when the server answers; a loaded machine may be slow).
fn assert_age(cell: &str, at_least: i64) {
    let n: i64 = cell
        .trim_start_matches('(')
        .trim_end_matches('s')
        .parse()
        .unwrap_or_else(|_| panic!("age {cell:?}"));
    assert!(
        (at_least..at_least + 30).contains(&n),
        "age {cell:?}, expected about {at_least}s"
    );
}

fn crashy() -> Value {
    pod_json(
        "default",
        "crashy",
        [Ctr::new("app").crash_loop("40s").oom_killed().restarts(3)],
    )
}

#[tokio::test]
async fn list_then_watch_from_rv_sees_modified_deleted_and_bookmarks() {
    let srv = FakeApiServer::start().await;
    srv.set_pod(pod_json("default", "crashy", [Ctr::new("app")]));
    srv.set_pod(pod_json("other", "elsewhere", [Ctr::new("app")]));
    let (code, list) = get_json(&srv, "/api/v1/namespaces/default/pods?&limit=500").await;
    assert_eq!(code, 200);
    assert_eq!(list["kind"], "PodList");
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let rv: u64 = list["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(list["items"][0]["metadata"]["resourceVersion"], "1");

    // A change made between list and watch is replayed from history.
    srv.set_pod(crashy());
    let mut w = WatchLines::open(
        &srv,
        &format!("/api/v1/namespaces/default/pods?&watch=true&timeoutSeconds=290&allowWatchBookmarks=true&resourceVersion={rv}"),
    )
    .await;
    let ev = w.line().await;
    assert_eq!(ev["type"], "MODIFIED");
    assert_eq!(
        ev["object"]["status"]["containerStatuses"][0]["state"]["waiting"]["reason"],
        "CrashLoopBackOff"
    );
    let uid = uid_for("default", "crashy");
    assert_eq!(
        ev["object"]["status"]["containerStatuses"][0]["state"]["waiting"]["message"],
        format!("back-off 40s restarting failed container=app pod=crashy_default({uid})")
    );
    assert_eq!(
        ev["object"]["status"]["containerStatuses"][0]["lastState"]["terminated"]["reason"],
        "OOMKilled"
    );

    // Live changes; other namespaces are filtered out.
    srv.set_pod(pod_json(
        "other",
        "elsewhere",
        [Ctr::new("app").err_image_pull()],
    ));
    let rv2 = srv.set_pod(pod_json("default", "crashy", [Ctr::new("app").restarts(4)]));
    let ev = w.line().await;
    assert_eq!(
        (
            ev["type"].as_str(),
            ev["object"]["metadata"]["resourceVersion"].as_str()
        ),
        (Some("MODIFIED"), Some(&*rv2.to_string()))
    );
    srv.delete_pod("default", "crashy");
    assert_eq!(w.line().await["type"], "DELETED");
    srv.send_bookmarks();
    assert_eq!(
        w.line().await,
        json!({"type": "BOOKMARK", "object": {"kind": "Pod", "apiVersion": "v1", "metadata": {"resourceVersion": srv.resource_version().to_string()}}})
    );
    assert_eq!(srv.open_watches(), 1);
    srv.end_watch_connections();
    assert_eq!(w.next().await, Next::End);

    let log: Vec<String> = srv.requests().into_iter().map(|r| r.uri).collect();
    assert_eq!(log[0], "/api/v1/namespaces/default/pods?&limit=500");
    assert!(log[1].contains("watch=true"));
}

#[tokio::test]
async fn watch_from_expired_rv_gets_in_stream_410_then_close() {
    let srv = FakeApiServer::start().await;
    for i in 0..5 {
        srv.set_pod(pod_json("default", &format!("p{i}"), [Ctr::new("app")]));
    }
    srv.expire_resource_versions_before(4);
    let mut w = WatchLines::open(
        &srv,
        "/api/v1/namespaces/default/pods?watch=true&resourceVersion=2",
    )
    .await;
    assert_eq!(
        w.line().await,
        json!({"type": "ERROR", "object": {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "too old resource version: 2 (4)", "reason": "Expired", "code": 410}})
    );
    assert_eq!(w.next().await, Next::End);

    // From a still-valid RV the watch replays what came after it.
    let mut w = WatchLines::open(
        &srv,
        "/api/v1/namespaces/default/pods?watch=true&resourceVersion=4",
    )
    .await;
    assert_eq!(w.line().await["object"]["metadata"]["name"], "p4");
    // Without an RV a watch starts with the current state as ADDED.
    let mut w = WatchLines::open(&srv, "/api/v1/pods?watch=true").await;
    for i in 0..5 {
        let ev = w.line().await;
        assert_eq!(
            (
                ev["type"].as_str(),
                ev["object"]["metadata"]["name"].as_str()
            ),
            (Some("ADDED"), Some(&*format!("p{i}")))
        );
    }
}

#[tokio::test]
async fn timeouts_streaming_lists_and_dropped_connections() {
    let srv = FakeApiServer::start().await;
    srv.set_pod(crashy());
    let mut w = WatchLines::open(&srv, "/api/v1/namespaces/default/pods?watch=true&resourceVersion=1&timeoutSeconds=1&allowWatchBookmarks=true").await;
    assert_eq!(
        w.line().await["type"],
        "BOOKMARK",
        "a bookmark just before the timeout"
    );
    assert_eq!(w.next().await, Next::End);

    let mut w = WatchLines::open(&srv, "/api/v1/namespaces/default/pods?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true").await;
    assert_eq!(w.line().await["type"], "ADDED");
    let end = w.line().await;
    assert_eq!(
        end["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"],
        "true"
    );

    srv.drop_watch_connections();
    assert_eq!(w.next().await, Next::Aborted);
}

#[tokio::test]
async fn forbidden_mode_returns_403_status() {
    let srv = FakeApiServer::start().await;
    srv.set_pod(crashy());
    srv.deny("pods", "list");
    srv.deny("pods", "watch");
    srv.deny("pods/log", "*");
    let (code, body) = get_json(&srv, "/api/v1/namespaces/default/pods?limit=500").await;
    assert_eq!(code, 403);
    assert_eq!(
        body,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "pods is forbidden: User \"system:serviceaccount:default:podmortem\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"",
            "reason": "Forbidden", "details": {"kind": "pods"}, "code": 403})
    );
    let (code, body) = get_json(&srv, "/api/v1/pods?watch=true").await;
    assert_eq!(code, 403);
    assert!(body["message"]
        .as_str()
        .unwrap()
        .ends_with("cannot watch resource \"pods\" in API group \"\" at the cluster scope"));
    let (code, body) = get_json(
        &srv,
        "/api/v1/namespaces/default/pods/crashy/log?container=app",
    )
    .await;
    assert_eq!(code, 403);
    assert!(body["message"]
        .as_str()
        .unwrap()
        .starts_with("pods \"crashy\" is forbidden: User"));
    // get is still allowed
    assert_eq!(
        get_json(&srv, "/api/v1/namespaces/default/pods/crashy")
            .await
            .0,
        200
    );
    srv.allow_all();
    assert_eq!(
        get_json(&srv, "/api/v1/namespaces/default/pods").await.0,
        200
    );
}

#[tokio::test]
async fn logs_and_kubelet_errors() {
    let srv = FakeApiServer::start().await;
    srv.set_pod(crashy());
    srv.set_pod(pod_json(
        "default",
        "two",
        [Ctr::new("a"), Ctr::new("b"), Ctr::new("setup").init()],
    ));
    srv.set_pod(pod_json(
        "default",
        "pull",
        [Ctr::new("app").image("nginx:nope").image_pull_back_off()],
    ));
    srv.set_log(
        "default",
        "crashy",
        "app",
        true,
        "starting\nloading model\nKilled\n",
    );
    let base = "/api/v1/namespaces/default/pods";
    let (code, ctype, text) = call(
        &srv,
        "GET",
        &format!("{base}/crashy/log?&container=app&previous=true&tailLines=2"),
        None,
        None,
    )
    .await;
    assert_eq!(
        (code, ctype.as_str(), text.as_str()),
        (200, "text/plain", "loading model\nKilled\n")
    );
    // While crash-looping, the current log is the last terminated instance's.
    assert_eq!(
        call(&srv, "GET", &format!("{base}/crashy/log"), None, None)
            .await
            .2,
        "starting\nloading model\nKilled\n"
    );

    let msg = |(code, body): (u16, Value)| {
        (
            code,
            body["reason"].as_str().unwrap().to_string(),
            body["message"].as_str().unwrap().to_string(),
        )
    };
    assert_eq!(
        msg(get_json(&srv, &format!("{base}/two/log?container=a&previous=true")).await),
        (
            400,
            "BadRequest".into(),
            "previous terminated container \"a\" in pod \"two\" not found".into()
        )
    );
    assert_eq!(
        msg(get_json(&srv, &format!("{base}/two/log")).await).2,
        "a container name must be specified for pod two, choose one of: [a b] or one of the init containers: [setup]"
    );
    assert_eq!(
        msg(get_json(&srv, &format!("{base}/two/log?container=zz")).await).2,
        "container zz is not valid for pod two"
    );
    assert_eq!(
        msg(get_json(&srv, &format!("{base}/pull/log")).await).2,
        "container \"app\" in pod \"pull\" is waiting to start: trying and failing to pull image"
    );
    assert_eq!(
        msg(get_json(&srv, &format!("{base}/nope/log")).await),
        (404, "NotFound".into(), "pods \"nope\" not found".into())
    );
}

#[tokio::test]
async fn selectors_paging_tables_and_not_found() {
    let srv = FakeApiServer::start().await;
    let pod = crashy();
    srv.set_pod(pod.clone());
    srv.set_pod(pod_json("default", "web", [Ctr::new("nginx")]));
    srv.set_pod(pod_json(
        "default",
        "cfg",
        [Ctr::new("app").create_container_config_error("secret \"db-creds\" not found")],
    ));
    srv.add_event(backoff_event(&pod, "app", 5));
    srv.add_event(event_json(
        &pod,
        Some("app"),
        "Normal",
        "Pulled",
        "Container image \"x\" already present on machine",
        1,
    ));
    let web = pod_json("default", "web", []);
    srv.add_event(event_json(
        &web,
        None,
        "Normal",
        "Scheduled",
        "Successfully assigned default/web to node-1",
        1,
    ));

    let names = |v: &Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["metadata"]["name"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let (_, l) = get_json(
        &srv,
        "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb",
    )
    .await;
    assert_eq!(names(&l), ["web"]);
    let (_, l) = get_json(
        &srv,
        "/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Dcrashy",
    )
    .await;
    assert_eq!(names(&l), ["crashy"]);
    let uid = uid_for("default", "crashy");
    let (_, l) = get_json(&srv, &format!("/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dcrashy%2CinvolvedObject.namespace%3Ddefault%2CinvolvedObject.uid%3D{uid}&limit=500")).await;
    assert_eq!(l["items"].as_array().unwrap().len(), 2);
    assert_eq!(l["kind"], "EventList");
    assert_eq!(
        l["items"][0]["involvedObject"]["fieldPath"],
        "spec.containers{app}"
    );

    let (_, p1) = get_json(&srv, "/api/v1/pods?limit=2").await;
    assert_eq!(
        (names(&p1), &p1["metadata"]["remainingItemCount"]),
        (vec!["cfg".to_string(), "crashy".into()], &json!(1))
    );
    let token = p1["metadata"]["continue"].as_str().unwrap();
    let (_, p2) = get_json(&srv, &format!("/api/v1/pods?limit=2&continue={token}")).await;
    assert_eq!(names(&p2), ["web"]);
    assert!(p2["metadata"]["continue"].is_null());

    let (_, _, t) = call(
        &srv,
        "GET",
        "/api/v1/namespaces/default/pods",
        Some(TABLE_ACCEPT),
        None,
    )
    .await;
    let t: Value = serde_json::from_str(&t).unwrap();
    assert_eq!(t["kind"], "Table");
    let row = |i: usize| t["rows"][i]["cells"].as_array().unwrap()[..5].to_vec();
    assert_eq!(
        row(0),
        [
            json!("cfg"),
            json!("0/1"),
            json!("CreateContainerConfigError"),
            json!("0"),
            json!("60m")
        ]
    );
    assert_eq!(
        row(1)[..3],
        [json!("crashy"), json!("0/1"), json!("CrashLoopBackOff")]
    );
    let restarts = row(1)[3].as_str().unwrap().to_string();
    assert_age(
        restarts
            .strip_prefix("3 (")
            .and_then(|r| r.strip_suffix(" ago)"))
            .unwrap(),
        40,
    );
    assert_eq!(
        row(2),
        [
            json!("web"),
            json!("1/1"),
            json!("Running"),
            json!("0"),
            json!("60m")
        ]
    );

    let nf = |(code, v): (u16, Value)| (code, v["message"].as_str().unwrap().to_string());
    assert_eq!(
        nf(get_json(&srv, "/api/v1/namespaces/default/pods/nope").await),
        (404, "pods \"nope\" not found".into())
    );
    assert_eq!(
        nf(get_json(&srv, "/api/v1/namespaces/nope").await),
        (404, "namespaces \"nope\" not found".into())
    );
    assert_eq!(
        get_json(&srv, "/api/v1/namespaces/default").await.1["status"]["phase"],
        "Active"
    );
    assert_eq!(nf(get_json(&srv, "/api/v1/configmaps").await).0, 404);
    assert_eq!(
        get_json(&srv, "/apis/apps/v1/namespaces/default/deployments")
            .await
            .1["kind"],
        "DeploymentList"
    );
}

#[tokio::test]
async fn events_are_created_patched_and_viewed_in_both_apis() {
    let srv = FakeApiServer::start().await;
    let pod = crashy();
    srv.set_pod(pod.clone());
    let (_, groups) = get_json(&srv, "/apis").await;
    assert_eq!(groups["groups"][1]["name"], "events.k8s.io");

    let mut w = WatchLines::open(
        &srv,
        "/api/v1/namespaces/default/events?watch=true&resourceVersion=1",
    )
    .await;
    let (code, _, body) = call(
        &srv,
        "POST",
        "/api/v1/namespaces/default/events",
        None,
        Some(backoff_event(&pod, "app", 1)),
    )
    .await;
    assert_eq!(code, 201, "{body}");
    assert_eq!(w.line().await["type"], "ADDED");

    // What kube::runtime::events::Recorder sends: events.k8s.io/v1 create, then a merge patch.
    let v1 = json!({"apiVersion": "events.k8s.io/v1", "kind": "Event",
        "metadata": {"name": "crashy.podmortem1", "namespace": "default"},
        "regarding": {"kind": "Pod", "name": "crashy", "namespace": "default", "uid": pod["metadata"]["uid"]},
        "note": "diagnosed: OOMKilled", "reason": "Diagnosed", "type": "Warning", "action": "Diagnose",
        "reportingController": "podmortem", "reportingInstance": "podmortem-1", "eventTime": "2025-01-01T00:00:00.000000Z"});
    let (code, _, body) = call(
        &srv,
        "POST",
        "/apis/events.k8s.io/v1/namespaces/default/events",
        None,
        Some(v1),
    )
    .await;
    assert_eq!(code, 201, "{body}");
    let created: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (created["apiVersion"].as_str(), created["note"].as_str()),
        (Some("events.k8s.io/v1"), Some("diagnosed: OOMKilled"))
    );
    let core = w.line().await;
    assert_eq!(
        (core["type"].as_str(), core["object"]["message"].as_str()),
        (Some("ADDED"), Some("diagnosed: OOMKilled"))
    );
    assert_eq!(core["object"]["involvedObject"]["name"], "crashy");

    let patch = json!({"series": {"count": 2, "lastObservedTime": "2025-01-01T00:01:00.000000Z"}});
    let (code, _, _) = call(
        &srv,
        "PATCH",
        "/apis/events.k8s.io/v1/namespaces/default/events/crashy.podmortem1",
        None,
        Some(patch),
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(w.line().await["object"]["series"]["count"], 2);
    assert_eq!(srv.events().len(), 2);

    srv.serve_events_k8s_io(false);
    assert_eq!(
        get_json(&srv, "/apis").await.1["groups"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        get_json(&srv, "/apis/events.k8s.io/v1/namespaces/default/events")
            .await
            .0,
        404
    );
}

// ---- the real kubectl -------------------------------------------------------------------------

fn kubectl() -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("kubectl"))
        .find(|p| p.is_file());
    if found.is_none() {
        eprintln!("SKIPPED: kubectl not found on PATH; the kubectl checks of the fake apiserver did not run");
    }
    found
}

fn kubectl_cmd(
    bin: &Path,
    srv: &FakeApiServer,
    home: &Path,
    args: &[&str],
) -> tokio::process::Command {
    let kubeconfig = srv.write_kubeconfig(home);
    let mut cmd = tokio::process::Command::new(bin);
    cmd.arg("--kubeconfig")
        .arg(kubeconfig)
        .arg("--cache-dir")
        .arg(home.join("cache"))
        .args(args);
    cmd.env("HOME", home)
        .env_remove("KUBECONFIG")
        .kill_on_drop(true);
    cmd
}

async fn kubectl_run(
    bin: &Path,
    srv: &FakeApiServer,
    home: &Path,
    args: &[&str],
) -> (bool, String, String) {
    let out = timeout(
        Duration::from_secs(60),
        kubectl_cmd(bin, srv, home, args).output(),
    )
    .await
    .expect("kubectl within 60 s")
    .unwrap();
    let s = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (out.status.success(), s(out.stdout), s(out.stderr))
}

async fn demo_cluster() -> FakeApiServer {
    let srv = FakeApiServer::start().await;
    let pod = crashy();
    srv.set_pod(pod.clone());
    srv.set_pod(pod_json("default", "web", [Ctr::new("nginx")]));
    srv.set_pod(pod_json(
        "default",
        "pull",
        [Ctr::new("app").image("nginx:nope").err_image_pull()],
    ));
    srv.add_event(backoff_event(&pod, "app", 5));
    srv.set_log(
        "default",
        "crashy",
        "app",
        true,
        "starting\nloading model\nKilled\n",
    );
    srv
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_get_pods_prints_real_columns() {
    let Some(bin) = kubectl() else { return };
    let srv = demo_cluster().await;
    let home = tempfile::tempdir().unwrap();
    let (ok, out, err) =
        kubectl_run(&bin, &srv, home.path(), &["get", "pods", "-n", "default"]).await;
    eprintln!("$ kubectl get pods -n default\n{out}{err}");
    assert!(ok, "{err}");
    let rows: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows[0], ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    assert_eq!(rows[1][..4], ["crashy", "0/1", "CrashLoopBackOff", "3"]);
    assert_age(rows[1][4], 40);
    assert_eq!(rows[1][5..], ["ago)", "60m"]);
    assert_eq!(rows[2], ["pull", "0/1", "ErrImagePull", "0", "60m"]);
    assert_eq!(rows[3], ["web", "1/1", "Running", "0", "60m"]);
    // The dispatcher read the fake's /version and ran kubectl 1.33.
    assert!(srv.requests().iter().any(|r| r.uri.starts_with("/version")));
    let reqs = srv.requests();
    assert_eq!(
        reqs[0].user_agent.as_deref(),
        Some("kubectl-dispatcher/v1.0 (linux/amd64)")
    );
    assert!(
        reqs[1]
            .user_agent
            .as_deref()
            .unwrap()
            .starts_with("kubectl/v1.33."),
        "{:?}",
        reqs[1]
    );
    let list = reqs
        .iter()
        .find(|r| r.uri == "/api/v1/namespaces/default/pods?limit=500")
        .unwrap();
    assert!(list
        .accept
        .as_deref()
        .unwrap()
        .starts_with("application/json;as=Table;v=v1;g=meta.k8s.io"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_get_events_watch_shows_a_new_event() {
    let Some(bin) = kubectl() else { return };
    let srv = demo_cluster().await;
    let home = tempfile::tempdir().unwrap();
    let mut child = kubectl_cmd(&bin, &srv, home.path(), &["get", "events", "-w"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = vec![];
    let result = timeout(Duration::from_secs(60), async {
        while srv.open_watches() == 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // the watch is open: an event added now can only arrive through it
        let web = pod_json("default", "web", []);
        srv.add_event(event_json(
            &web,
            Some("nginx"),
            "Warning",
            "Unhealthy",
            "Readiness probe failed: HTTP probe failed with statuscode: 503",
            1,
        ));
        while let Some(l) = lines.next_line().await.unwrap() {
            seen.push(l.clone());
            if l.contains("Unhealthy") {
                return;
            }
        }
    })
    .await;
    child.kill().await.unwrap();
    eprintln!("$ kubectl get events -w\n{}", seen.join("\n"));
    result.expect("the new event within 60 s");
    let words = |l: &str| l.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(words(&seen[0]), "LAST SEEN TYPE REASON OBJECT MESSAGE");
    let uid = uid_for("default", "crashy");
    let backoff = format!("Warning BackOff pod/crashy Back-off restarting failed container app in pod crashy_default({uid})");
    let (age, rest) = seen[1].trim().split_once(' ').unwrap();
    assert_age(age, 30);
    assert_eq!(words(rest), backoff);
    assert_eq!(
        seen.len(),
        3,
        "one header, one listed event, one watched event"
    );
    let (age, rest) = seen[2].trim().split_once(' ').unwrap();
    assert_age(age, 30);
    assert_eq!(
        words(rest),
        "Warning Unhealthy pod/web Readiness probe failed: HTTP probe failed with statuscode: 503"
    );
    assert!(srv
        .requests()
        .iter()
        .any(|r| r.uri.contains("/events?") && r.uri.contains("watch=true")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_logs_previous() {
    let Some(bin) = kubectl() else { return };
    let srv = demo_cluster().await;
    srv.set_pod(pod_json("default", "fresh", [Ctr::new("app")]));
    let home = tempfile::tempdir().unwrap();
    let (ok, out, err) = kubectl_run(
        &bin,
        &srv,
        home.path(),
        &["logs", "--previous", "crashy", "-c", "app", "--tail=2"],
    )
    .await;
    eprintln!("$ kubectl logs --previous crashy -c app --tail=2\n{out}{err}");
    assert!(ok, "{err}");
    assert_eq!(out, "loading model\nKilled\n");
    assert!(srv.requests().iter().any(|r| r.uri
        == "/api/v1/namespaces/default/pods/crashy/log?container=app&previous=true&tailLines=2"));

    let (ok, out, err) = kubectl_run(
        &bin,
        &srv,
        home.path(),
        &["logs", "--previous", "fresh", "-c", "app"],
    )
    .await;
    eprintln!("$ kubectl logs --previous fresh -c app\n{out}{err}");
    assert!(!ok);
    assert_eq!(err.trim(), "Error from server (BadRequest): previous terminated container \"app\" in pod \"fresh\" not found");
}
