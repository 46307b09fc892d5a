//! Load test of live mode at cluster scale (issue 10): the in-repo fake API server serving
//! 10,000 healthy pods over 10 nodes plus a handful of failing ones, and the real `podmortem`
//! binary watching it, twice: `watch -A` (logs through `pods/log`) and
//! `watch --node node-a --log-root DIR` (logs from CRI files; the API serves none).
//!
//! `cargo bench --bench watch_load` (`-- PODS` for another pod count). A plain `main`, not
//! criterion: it reports, per mode, the peak RSS of the watching process (`VmHWM`), the API
//! requests it made by kind, the failing containers it diagnosed, and the time from a pod's
//! change on the server to its diagnosis line on the process's stdout. It fails (exit 1) when a
//! target is missed: all failing containers diagnosed right, nothing about healthy pods or
//! other nodes, no log request for a healthy pod, at most 3 per failing container, zero
//! `pods/log` in node mode, peak RSS ≤ 64 MiB, every latency < 1 s.

#[path = "../tests/support/fake_apiserver.rs"]
mod fake_apiserver;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use fake_apiserver::*;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

const NODES: usize = 10;
const NAMESPACES: usize = 40;
const OOM_LOG: &str =
    "starting api\nloading catalogue\njava.lang.OutOfMemoryError: Java heap space\n";
const PORT_LOG: &str = "listen tcp :8080: bind: address already in use";
const MIB: f64 = 1024.0 * 1024.0;

fn node(i: usize) -> String {
    format!("node-{}", (b'a' + u8::try_from(i % NODES).unwrap()) as char)
}

fn on_node(mut pod: Value, node: &str) -> Value {
    pod["spec"]["nodeName"] = Value::from(node);
    pod
}

/// A failing pod, the cause it must get, and its previous log (None: it never ran).
struct Failing {
    pod: Value,
    ns: &'static str,
    name: &'static str,
    node: &'static str,
    cause: &'static str,
    log: Option<&'static str>,
}

fn failing() -> Vec<Failing> {
    let f = |ns, name, node, cause, ctr: Ctr, log| Failing {
        pod: on_node(pod_json(ns, name, [ctr]), node),
        ns,
        name,
        node,
        cause,
        log,
    };
    vec![
        f(
            "shop",
            "cart-oom",
            "node-a",
            "oom_killed",
            Ctr::new("app").oom_killed().crash_loop("40s").restarts(3),
            Some(OOM_LOG),
        ),
        // The cause is only in the previous instance's log.
        f(
            "shop",
            "api-port",
            "node-a",
            "port_in_use",
            Ctr::new("app").crash_loop("20s").restarts(2),
            Some(PORT_LOG),
        ),
        f(
            "shop",
            "web-pull",
            "node-a",
            "image_pull_error",
            Ctr::new("app")
                .image("registry.example.com/shop/web:nope")
                .err_image_pull(),
            None,
        ),
        f(
            "jobs",
            "worker-oom",
            "node-b",
            "oom_killed",
            Ctr::new("worker")
                .oom_killed()
                .crash_loop("20s")
                .restarts(1),
            Some(OOM_LOG),
        ),
        f(
            "jobs",
            "queue-port",
            "node-c",
            "port_in_use",
            Ctr::new("worker").crash_loop("10s").restarts(4),
            Some(PORT_LOG),
        ),
        f(
            "ops",
            "tool-pull",
            "node-d",
            "image_pull_error",
            Ctr::new("tool")
                .image("registry.example.com/ops/tool:gone")
                .image_pull_back_off(),
            None,
        ),
    ]
}

fn container_of(pod: &Value) -> String {
    pod["spec"]["containers"][0]["name"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A CRI log file of the kubelet: `<root>/<ns>_<pod>_<uid>/<container>/<n>.log`.
fn write_cri(root: &Path, ns: &str, pod: &str, container: &str, n: u32, text: &str) {
    let dir = root
        .join(format!("{ns}_{pod}_{}", uid_for(ns, pod)))
        .join(container);
    std::fs::create_dir_all(&dir).unwrap();
    let body: String = text
        .lines()
        .map(|l| format!("2026-11-25T09:00:00.000000000Z stderr F {l}\n"))
        .collect();
    std::fs::write(dir.join(format!("{n}.log")), body).unwrap();
}

fn peak_rss(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Request kind: `list pods`, `watch events`, `get pods/log`, …
fn kind(r: &RecordedRequest) -> String {
    let path = r.uri.split('?').next().unwrap_or("");
    let watch = r.uri.contains("watch=true") || r.uri.contains("watch=1");
    let seg: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let res = match seg.as_slice() {
        [.., "pods", _, "log"] => "pods/log",
        [.., "pods"] | [.., "pods", _] => "pods",
        [.., "events"] | [.., "events", _] => "events",
        [.., "namespaces", _] | [.., "namespaces"] => "namespaces",
        _ => "other",
    };
    let named =
        matches!(seg.as_slice(), [.., "pods" | "events" | "namespaces", _]) || res == "pods/log";
    let verb = match (r.method.as_str(), watch, named) {
        ("GET", true, _) => "watch",
        ("GET", false, true) => "get",
        ("GET", false, false) => "list",
        ("POST", ..) => "create",
        ("PATCH", ..) => "patch",
        (m, ..) => m,
    };
    format!("{verb} {res}")
}

struct Outcome {
    peak_rss: u64,
    ready_after: Duration,
    diagnosed: Vec<(String, String)>,
    latencies: Vec<Duration>,
    requests: BTreeMap<String, usize>,
    log_requests: BTreeMap<String, usize>,
}

/// Run the binary with `args` against `srv` until the expected diagnoses are printed, then
/// time `changes` live pod changes, then stop it with SIGTERM.
async fn measure(
    srv: &FakeApiServer,
    kubeconfig: &Path,
    args: &[&str],
    expected: usize,
    changes: &[(Value, &str)],
) -> Outcome {
    srv.clear_requests();
    let t0 = Instant::now();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_podmortem"))
        .args(args)
        .args(["-o", "json", "--kubeconfig"])
        .arg(kubeconfig)
        .env_remove("KUBECONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("podmortem runs");
    let pid = child.id().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let ready_after = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(l) = stderr.next_line().await.unwrap() {
            if l.starts_with("podmortem: watching") {
                return t0.elapsed();
            }
            eprintln!("  (stderr) {l}");
        }
        panic!("podmortem exited before it was ready");
    })
    .await
    .expect("ready within 120 s");
    tokio::spawn(async move {
        while let Ok(Some(l)) = stderr.next_line().await {
            eprintln!("  (stderr) {l}");
        }
    });
    let mut diagnosed = Vec::new();
    let read_one = |v: Value| {
        (
            format!(
                "{}/{}",
                v["namespace"].as_str().unwrap_or(""),
                v["pod"].as_str().unwrap_or("")
            ),
            v["cause"].as_str().unwrap_or("").to_string(),
        )
    };
    while diagnosed.len() < expected {
        let line = tokio::time::timeout(Duration::from_secs(60), stdout.next_line())
            .await
            .expect("the failing pods are diagnosed within 60 s")
            .unwrap()
            .expect("podmortem exited early");
        diagnosed.push(read_one(serde_json::from_str(&line).unwrap()));
    }
    let mut latencies = Vec::new();
    for (pod, log) in changes {
        let (ns, name) = (
            pod["metadata"]["namespace"].as_str().unwrap(),
            pod["metadata"]["name"].as_str().unwrap(),
        );
        srv.set_log(ns, name, &container_of(pod), true, log);
        let want = format!("{ns}/{name}");
        let t = Instant::now();
        srv.set_pod(pod.clone());
        loop {
            let line = tokio::time::timeout(Duration::from_secs(30), stdout.next_line())
                .await
                .expect("the change is diagnosed")
                .unwrap()
                .expect("podmortem exited early");
            let got = read_one(serde_json::from_str(&line).unwrap());
            let hit = got.0 == want;
            diagnosed.push(got);
            if hit {
                latencies.push(t.elapsed());
                break;
            }
        }
    }
    // Let anything late (a wrong report) arrive before stopping.
    while let Ok(Ok(Some(line))) =
        tokio::time::timeout(Duration::from_millis(1500), stdout.next_line()).await
    {
        diagnosed.push(read_one(serde_json::from_str(&line).unwrap()));
    }
    let peak_rss = peak_rss(pid).unwrap_or(0);
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
    let mut requests = BTreeMap::new();
    let mut log_requests = BTreeMap::new();
    for r in srv.requests() {
        let k = kind(&r);
        if k == "get pods/log" {
            let path = r.uri.split('?').next().unwrap_or("");
            let seg: Vec<&str> = path.split('/').collect();
            let pod = format!("{}/{}", seg[4], seg[6]);
            *log_requests.entry(pod).or_insert(0) += 1;
        }
        *requests.entry(k).or_insert(0) += 1;
    }
    Outcome {
        peak_rss,
        ready_after,
        diagnosed,
        latencies,
        requests,
        log_requests,
    }
}

fn report(name: &str, o: &Outcome, want: &[(String, String)], node_mode: bool) -> bool {
    let mut ok = true;
    let mut check = |cond: bool, what: String| {
        println!("  [{}] {what}", if cond { "ok" } else { "FAIL" });
        ok &= cond;
    };
    println!("\n{name}");
    println!(
        "  ready (listed + synced) after {:.2} s",
        o.ready_after.as_secs_f64()
    );
    check(
        o.peak_rss as f64 / MIB <= 64.0,
        format!(
            "peak RSS {:.1} MiB (target <= 64 MiB)",
            o.peak_rss as f64 / MIB
        ),
    );
    let mut got = o.diagnosed.clone();
    got.sort();
    got.dedup();
    let mut want = want.to_vec();
    want.sort();
    check(got == want, format!("diagnosed {got:?}"));
    let healthy_logs: Vec<_> = o
        .log_requests
        .keys()
        .filter(|p| !want.iter().any(|(w, _)| w == *p))
        .collect();
    check(
        healthy_logs.is_empty(),
        format!("log requests for healthy pods: {healthy_logs:?}"),
    );
    let most = o.log_requests.values().copied().max().unwrap_or(0);
    check(
        most <= 3,
        format!("most log requests for one failing container: {most} (<= 3)"),
    );
    if node_mode {
        let n = o.requests.get("get pods/log").copied().unwrap_or(0);
        check(n == 0, format!("pods/log requests: {n} (node mode: 0)"));
    }
    let mut l = o.latencies.clone();
    l.sort();
    if let (Some(min), Some(max)) = (l.first(), l.last()) {
        let median = l[l.len() / 2];
        check(
            *max < Duration::from_secs(1),
            format!(
                "change -> printed diagnosis: n={} min {:.0} ms, median {:.0} ms, max {:.0} ms (< 1 s)",
                l.len(),
                min.as_secs_f64() * 1e3,
                median.as_secs_f64() * 1e3,
                max.as_secs_f64() * 1e3
            ),
        );
    }
    println!("  API requests by kind: {:?}", o.requests);
    println!("  log requests per failing container: {:?}", o.log_requests);
    ok
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let pods: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let srv = FakeApiServer::start().await;
    let dir = tempfile::TempDir::new().unwrap();
    let kubeconfig = srv.write_kubeconfig(dir.path());
    let log_root = dir.path().join("pods");
    std::fs::create_dir_all(&log_root).unwrap();
    let t = Instant::now();
    for i in 0..pods {
        let ns = format!("team-{}", i % NAMESPACES);
        let pod = on_node(
            pod_json(&ns, &format!("svc-{i}"), [Ctr::new("app")]),
            &node(i),
        );
        srv.set_pod(pod);
        // A normal start-up event per pod, as a real cluster has.
        if i % 4 == 0 {
            let p = on_node(
                pod_json(&ns, &format!("svc-{i}"), [Ctr::new("app")]),
                &node(i),
            );
            srv.add_event(event_json(
                &p,
                Some("app"),
                "Normal",
                "Started",
                "Started container app",
                1,
            ));
        }
    }
    let failing = failing();
    for f in &failing {
        srv.set_pod(f.pod.clone());
        let c = container_of(&f.pod);
        if let Some(log) = f.log {
            srv.set_log(f.ns, f.name, &c, true, log);
            if f.node == "node-a" {
                let restarts = f.pod["status"]["containerStatuses"][0]["restartCount"]
                    .as_u64()
                    .unwrap() as u32;
                // Waiting in CrashLoopBackOff: the newest file (`<restarts>.log`) is the
                // instance that died, the only place its cause appears; an older one started
                // fine.
                write_cri(&log_root, f.ns, f.name, &c, restarts, log);
                write_cri(&log_root, f.ns, f.name, &c, restarts - 1, "starting\nready");
            }
        }
    }
    println!(
        "fake API server: {pods} healthy pods over {NODES} nodes and {NAMESPACES} namespaces, {} failing, {} events (set up in {:.1} s)",
        failing.len(),
        srv.events().len(),
        t.elapsed().as_secs_f64()
    );
    // Live changes: healthy pods on node-a turning into OOM kills (the previous log holds it).
    let changes = |round: usize, root: Option<&Path>| -> Vec<(Value, &'static str)> {
        (0..10)
            .map(|k| {
                let i = (round * 10 + k) * NODES; // node-a
                let ns = format!("team-{}", i % NAMESPACES);
                let name = format!("svc-{i}");
                if let Some(root) = root {
                    write_cri(root, &ns, &name, "app", 0, "starting\nready");
                    write_cri(root, &ns, &name, "app", 1, OOM_LOG);
                }
                let pod = pod_json(
                    &ns,
                    &name,
                    [Ctr::new("app").oom_killed().crash_loop("10s").restarts(1)],
                );
                (on_node(pod, "node-a"), OOM_LOG)
            })
            .collect()
    };
    let expect = |f: &[&Failing], ch: &[(Value, &str)]| -> Vec<(String, String)> {
        f.iter()
            .map(|f| (format!("{}/{}", f.ns, f.name), f.cause.to_string()))
            .chain(ch.iter().map(|(p, _)| {
                (
                    format!(
                        "{}/{}",
                        p["metadata"]["namespace"].as_str().unwrap(),
                        p["metadata"]["name"].as_str().unwrap()
                    ),
                    "oom_killed".to_string(),
                )
            }))
            .collect()
    };

    let all = changes(0, None);
    let want_all = expect(&failing.iter().collect::<Vec<_>>(), &all);
    let o = measure(&srv, &kubeconfig, &["watch", "-A"], failing.len(), &all).await;
    let mut ok = report("watch -A", &o, &want_all, false);

    // The pods changed above recover: the node run starts from the same healthy cluster.
    for (p, _) in &all {
        let (ns, name) = (
            p["metadata"]["namespace"].as_str().unwrap(),
            p["metadata"]["name"].as_str().unwrap(),
        );
        srv.set_pod(on_node(pod_json(ns, name, [Ctr::new("app")]), "node-a"));
    }
    // Node mode: the API serves no logs at all.
    srv.deny("pods/log", "get");
    let on_a: Vec<&Failing> = failing.iter().filter(|f| f.node == "node-a").collect();
    let node_changes = changes(1, Some(&log_root));
    let want_node = expect(&on_a, &node_changes);
    let root = log_root.to_str().unwrap().to_string();
    let o = measure(
        &srv,
        &kubeconfig,
        &["watch", "--node", "node-a", "--log-root", &root],
        on_a.len(),
        &node_changes,
    )
    .await;
    ok &= report("watch --node node-a --log-root DIR", &o, &want_node, true);
    if !ok {
        std::process::exit(1);
    }
}
