//! Latency of live mode: from the fake API server's state change to the diagnosis reaching
//! the sink, over real HTTP on loopback (watch event → evidence gathering incl. the previous
//! log → diagnosis).
//!
//! `cargo bench --bench watch_latency` (or `-- 50` for 50 runs). A plain `main`, not
//! criterion: each sample needs a live watch and a state change, not a closure to iterate.

#[path = "../tests/support/fake_apiserver.rs"]
mod fake_apiserver;

use std::time::{Duration, Instant};

use fake_apiserver::*;
use podmortem::live::{connect, ClientOptions, MemorySink, WatchOptions, Watcher};

const OOM_LOG: &str = "starting api\njava.lang.OutOfMemoryError: Java heap space\n";

fn stats(name: &str, mut v: Vec<Duration>) {
    v.sort();
    let pct = |p: f64| v[((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1];
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{name:<34} n={:<3} median {:>7.2} ms   p95 {:>7.2} ms   min {:>7.2} ms   max {:>7.2} ms",
        v.len(),
        ms(pct(0.5)),
        ms(pct(0.95)),
        ms(v[0]),
        ms(v[v.len() - 1])
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let runs: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(20);
    let srv = FakeApiServer::start().await;
    let dir = tempfile::TempDir::new().unwrap();
    let kubeconfig = srv.write_kubeconfig(dir.path());
    // Background pods, so the watch is not trivially empty.
    for i in 0..50 {
        srv.set_pod(pod_json("default", &format!("bg-{i}"), [Ctr::new("app")]));
    }
    let conn = connect(&ClientOptions {
        kubeconfig: Some(kubeconfig),
        context: None,
    })
    .await
    .unwrap();
    let sink = MemorySink::new();
    let mut task_sink = sink.clone();
    let watcher = Watcher::new(&conn, WatchOptions::default());
    let task =
        tokio::spawn(async move { watcher.run(&mut task_sink, std::future::pending()).await });
    assert!(sink.wait_ready(Duration::from_secs(30)).await);

    let mut oom = Vec::new();
    let mut pull = Vec::new();
    let mut n = 0;
    for i in 0..runs {
        // An OOM kill: the previous log is fetched before diagnosing.
        let name = format!("oom-{i}");
        srv.set_log("default", &name, "app", true, OOM_LOG);
        let healthy = pod_json("default", &name, [Ctr::new("app")]);
        srv.set_pod(healthy);
        let pod = pod_json(
            "default",
            &name,
            [Ctr::new("app").oom_killed().crash_loop("10s").restarts(1)],
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
        let t0 = Instant::now();
        srv.set_pod(pod);
        n += 1;
        assert!(sink.wait_for(n, Duration::from_secs(10)).await, "run {i}");
        oom.push(sink.received()[n - 1].0 - t0);

        // An image that cannot be pulled: no log to fetch.
        let name = format!("pull-{i}");
        let pod = pod_json(
            "default",
            &name,
            [Ctr::new("app").image("example.com/nope:1").err_image_pull()],
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
        let t0 = Instant::now();
        srv.set_pod(pod);
        n += 1;
        assert!(sink.wait_for(n, Duration::from_secs(10)).await, "run {i}");
        pull.push(sink.received()[n - 1].0 - t0);
    }
    println!("watch latency, state change in the fake API server -> diagnosis in the sink");
    stats("OOMKilled (+ previous log fetch)", oom);
    stats("ErrImagePull (new pod, no log)", pull);
    task.abort();
}
