//! The `--metrics` Prometheus endpoint: a counter of diagnoses, a gauge of active incidents, a
//! counter of watch errors and one of container logs read by source, served as text exposition
//! format over plain HTTP, with `/healthz` for Kubernetes probes.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::cause::Cause;

/// An incident stops counting as active once its container has been running and ready this
/// long: the kubelet forgets a container's back-off after the same 10 minutes.
pub const RECOVERY: Duration = Duration::from_secs(600);

type ContainerKey = (String, String, String);

#[derive(Debug, Default)]
struct Inner {
    diagnoses: BTreeMap<(String, Cause), u64>,
    /// Container → (namespace, cause, running-and-ready since).
    incidents: HashMap<ContainerKey, (String, Cause, Option<SystemTime>)>,
    watch_errors: u64,
    /// Container logs read from the kubelet's files / through `pods/log`.
    log_sources: [u64; 2],
    /// What the watch loop holds: pods tracked, events kept, bytes of cached log scans.
    held: [u64; 3],
    /// `--emit-events` writes skipped by the per-pod rate limit.
    events_suppressed: u64,
}

/// Where a container log was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogSource {
    /// The kubelet's files under `--log-root` (`watch --node`).
    File,
    /// A `pods/log` request to the API server.
    Api,
}

impl LogSource {
    /// The `source` label value.
    pub fn id(self) -> &'static str {
        match self {
            LogSource::File => "file",
            LogSource::Api => "api",
        }
    }

    fn index(self) -> usize {
        match self {
            LogSource::File => 0,
            LogSource::Api => 1,
        }
    }
}

/// Live-mode counters, shared between the watch loop and the HTTP endpoint.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    /// Empty metrics.
    pub fn new() -> Arc<Metrics> {
        Arc::new(Metrics::default())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere must not take the endpoint down with it.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A diagnosis was printed for `namespace/pod/container`.
    pub(crate) fn diagnosed(&self, namespace: &str, pod: &str, container: &str, cause: Cause) {
        let mut m = self.lock();
        *m.diagnoses
            .entry((namespace.to_string(), cause))
            .or_default() += 1;
        m.incidents.insert(
            (namespace.into(), pod.into(), container.into()),
            (namespace.into(), cause, None),
        );
    }

    /// The container's health changed: `healthy` = running and ready.
    pub(crate) fn health(&self, namespace: &str, pod: &str, container: &str, healthy: bool) {
        let mut m = self.lock();
        let key = (
            namespace.to_string(),
            pod.to_string(),
            container.to_string(),
        );
        if let Some(entry) = m.incidents.get_mut(&key) {
            match (healthy, entry.2) {
                (true, None) => entry.2 = Some(SystemTime::now()),
                (false, Some(_)) => entry.2 = None,
                _ => {}
            }
        }
    }

    /// The pod is gone: its incidents end.
    pub(crate) fn pod_deleted(&self, namespace: &str, pod: &str) {
        self.lock()
            .incidents
            .retain(|(ns, p, _), _| !(ns == namespace && p == pod));
    }

    /// An Event write was skipped by the per-pod rate limit.
    pub(crate) fn event_suppressed(&self) {
        self.lock().events_suppressed += 1;
    }

    /// `podmortem_events_suppressed_total`.
    pub fn events_suppressed_total(&self) -> u64 {
        self.lock().events_suppressed
    }

    /// A watch or request failed and is being retried.
    pub(crate) fn watch_error(&self) {
        self.lock().watch_errors += 1;
    }

    /// A container log was read (or, for the API, requested) from `source`.
    pub(crate) fn log_read(&self, source: LogSource) {
        self.lock().log_sources[source.index()] += 1;
    }

    /// What the watch loop holds now (gauges `podmortem_tracked_pods`,
    /// `podmortem_kept_events`, `podmortem_log_cache_bytes`).
    pub(crate) fn held(&self, pods: usize, events: usize, log_bytes: usize) {
        let n = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
        self.lock().held = [n(pods), n(events), n(log_bytes)];
    }

    /// `podmortem_log_source_total{source}`.
    pub fn log_source_total(&self, source: LogSource) -> u64 {
        self.lock().log_sources[source.index()]
    }

    /// `podmortem_diagnoses_total{namespace, cause}`.
    pub fn diagnoses_total(&self, namespace: &str, cause: Cause) -> u64 {
        self.lock()
            .diagnoses
            .get(&(namespace.to_string(), cause))
            .copied()
            .unwrap_or(0)
    }

    /// `podmortem_watch_errors_total`.
    pub fn watch_errors_total(&self) -> u64 {
        self.lock().watch_errors
    }

    /// Active incidents per (namespace, cause).
    pub fn incidents_active(&self) -> BTreeMap<(String, Cause), u64> {
        let m = self.lock();
        let now = SystemTime::now();
        let mut out: BTreeMap<(String, Cause), u64> = BTreeMap::new();
        for (ns, cause, healthy_since) in m.incidents.values() {
            let recovered = healthy_since
                .is_some_and(|t| now.duration_since(t).unwrap_or_default() >= RECOVERY);
            if !recovered {
                *out.entry((ns.clone(), *cause)).or_default() += 1;
            }
        }
        out
    }

    /// The Prometheus text exposition (version 0.0.4).
    pub fn render(&self) -> String {
        let active = self.incidents_active();
        let m = self.lock();
        let mut s = String::new();
        s.push_str("# HELP podmortem_diagnoses_total Diagnoses printed, by namespace and cause.\n");
        s.push_str("# TYPE podmortem_diagnoses_total counter\n");
        for ((ns, cause), n) in &m.diagnoses {
            let _ = writeln!(
                s,
                "podmortem_diagnoses_total{{namespace=\"{}\",cause=\"{}\"}} {n}",
                escape(ns),
                cause.id()
            );
        }
        s.push_str(
            "# HELP podmortem_incidents_active Containers whose last diagnosis still stands (not recovered for 10 minutes), by namespace and cause.\n",
        );
        s.push_str("# TYPE podmortem_incidents_active gauge\n");
        // Series seen once stay at 0 rather than vanish, so alerts see the drop.
        let keys: BTreeSet<&(String, Cause)> = m.diagnoses.keys().chain(active.keys()).collect();
        for key in keys {
            let _ = writeln!(
                s,
                "podmortem_incidents_active{{namespace=\"{}\",cause=\"{}\"}} {}",
                escape(&key.0),
                key.1.id(),
                active.get(key).copied().unwrap_or(0)
            );
        }
        s.push_str("# HELP podmortem_watch_errors_total Failed watch or API requests (retried with back-off).\n");
        s.push_str("# TYPE podmortem_watch_errors_total counter\n");
        let _ = writeln!(s, "podmortem_watch_errors_total {}", m.watch_errors);
        s.push_str("# HELP podmortem_log_source_total Container logs read, by source (file: the kubelet's files under --log-root; api: pods/log requests).\n");
        s.push_str("# TYPE podmortem_log_source_total counter\n");
        for source in [LogSource::File, LogSource::Api] {
            let _ = writeln!(
                s,
                "podmortem_log_source_total{{source=\"{}\"}} {}",
                source.id(),
                m.log_sources[source.index()]
            );
        }
        s.push_str("# HELP podmortem_events_suppressed_total Event writes (--emit-events) skipped by the per-pod rate limit.\n");
        s.push_str("# TYPE podmortem_events_suppressed_total counter\n");
        let _ = writeln!(
            s,
            "podmortem_events_suppressed_total {}",
            m.events_suppressed
        );
        for (i, (name, help)) in [
            ("podmortem_tracked_pods", "Pods the watch follows (a compact fingerprint each; the object only while in trouble)."),
            ("podmortem_kept_events", "Events kept as evidence (pods in trouble, and a bounded window of warnings about others)."),
            ("podmortem_log_cache_bytes", "Bytes of log scans cached for the crashes at hand (bounded)."),
        ]
        .into_iter()
        .enumerate()
        {
            let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {}", m.held[i]);
        }
        s
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Limits of the metrics server: it must stay up, and cheap, whatever connects to it.
#[derive(Debug, Clone, Copy)]
pub struct ServeLimits {
    /// Connections served at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// Time from accepting a connection to having answered it: a client that sends its
    /// request slowly (one byte at a time) is cut off at this point, however it trickles.
    pub deadline: Duration,
}

impl Default for ServeLimits {
    fn default() -> Self {
        ServeLimits {
            max_connections: 16,
            deadline: Duration::from_secs(5),
        }
    }
}

/// Serve `GET /metrics` on `listener` until the task is dropped, and `GET /healthz` (200 `ok`
/// while the process serves: what liveness and readiness probes ask). Any other path gets 404.
/// With [`ServeLimits::default`]; see [`serve_metrics_with`].
pub async fn serve_metrics(listener: TcpListener, metrics: Arc<Metrics>) {
    serve_metrics_with(listener, metrics, ServeLimits::default()).await
}

/// [`serve_metrics`] with explicit limits.
///
/// A hand-written HTTP/1.0 responder: one request per connection is all Prometheus needs, and
/// it keeps an HTTP server framework out of the dependency tree. At most
/// `limits.max_connections` are served at once, each within `limits.deadline` from accept to
/// answer; a failing `accept` (out of file descriptors) is retried after a pause that doubles
/// up to a second instead of spinning.
pub async fn serve_metrics_with(listener: TcpListener, metrics: Arc<Metrics>, limits: ServeLimits) {
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let mut pause = Duration::from_millis(10);
    loop {
        // Wait for a free slot before accepting: excess clients queue in the kernel.
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return;
        };
        let mut stream = match listener.accept().await {
            Ok((stream, _)) => {
                pause = Duration::from_millis(10);
                stream
            }
            Err(_) => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(1));
                continue;
            }
        };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let _ = tokio::time::timeout(limits.deadline, answer(&mut stream, &metrics)).await;
        });
    }
}

/// Read one request head (bounded) and answer it.
async fn answer(stream: &mut tokio::net::TcpStream, metrics: &Metrics) {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if buf.windows(4).any(|w| w == b"\r\n\r\n") || buf.len() > 16 * 1024 {
                    break;
                }
            }
        }
    }
    let head = String::from_utf8_lossy(&buf);
    let mut parts = head.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = path.split('?').next().unwrap_or("");
    let (status, ctype, body) = match (method, path) {
        ("GET" | "HEAD", "/metrics") => (
            "200 OK",
            "text/plain; version=0.0.4; charset=utf-8",
            metrics.render(),
        ),
        ("GET" | "HEAD", "/healthz") => ("200 OK", "text/plain; charset=utf-8", "ok\n".to_string()),
        ("GET" | "HEAD", "/") => (
            "200 OK",
            "text/plain; charset=utf-8",
            "podmortem: metrics at /metrics\n".to_string(),
        ),
        _ => (
            "404 Not Found",
            "text/plain; charset=utf-8",
            "not found\n".to_string(),
        ),
    };
    let mut resp = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    if method != "HEAD" {
        resp.push_str(&body);
    }
    let _ = stream.write_all(resp.as_bytes()).await;
    let _ = stream.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition() {
        let m = Metrics::default();
        m.diagnosed("shop", "api-1", "app", Cause::OomKilled);
        m.diagnosed("shop", "api-1", "app", Cause::OomKilled);
        m.diagnosed("shop", "web-1", "app", Cause::ImagePullError);
        m.pod_deleted("shop", "web-1");
        m.watch_error();
        let text = m.render();
        assert!(
            text.contains("podmortem_diagnoses_total{namespace=\"shop\",cause=\"oom_killed\"} 2")
        );
        assert!(
            text.contains("podmortem_incidents_active{namespace=\"shop\",cause=\"oom_killed\"} 1")
        );
        assert!(text.contains(
            "podmortem_incidents_active{namespace=\"shop\",cause=\"image_pull_error\"} 0"
        ));
        assert!(text.contains("podmortem_watch_errors_total 1"));
        assert!(text.contains("podmortem_log_source_total{source=\"file\"} 0"));
        m.log_read(LogSource::Api);
        assert!(m
            .render()
            .contains("podmortem_log_source_total{source=\"api\"} 1"));
        m.health("shop", "api-1", "app", true);
        assert_eq!(
            m.incidents_active().values().sum::<u64>(),
            1,
            "recovery takes 10 minutes"
        );
    }

    /// One request on a fresh connection; the whole response.
    async fn get(addr: std::net::SocketAddr, path: &str) -> String {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn serves_healthz_metrics_and_404() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(serve_metrics(listener, Metrics::new()));
        let health = get(addr, "/healthz").await;
        assert!(health.starts_with("HTTP/1.1 200 OK"), "{health}");
        assert!(health.ends_with("\r\n\r\nok\n"), "{health}");
        let metrics = get(addr, "/metrics").await;
        assert!(metrics.contains("podmortem_log_source_total"), "{metrics}");
        assert!(get(addr, "/nope").await.starts_with("HTTP/1.1 404"));
        server.abort();
    }

    #[tokio::test]
    async fn a_slow_client_is_cut_off_and_the_cap_holds() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let limits = ServeLimits {
            max_connections: 2,
            deadline: Duration::from_millis(400),
        };
        let server = tokio::spawn(serve_metrics_with(listener, Metrics::new(), limits));
        // Two clients trickle a byte every 100 ms: each read would reset a per-read timeout.
        let mut slow = Vec::new();
        for _ in 0..2 {
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            s.write_all(b"G").await.unwrap();
            slow.push(s);
        }
        let trickle = tokio::spawn(async move {
            let started = std::time::Instant::now();
            let mut cut = 0;
            for s in &mut slow {
                let mut closed = false;
                for _ in 0..30 {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    if s.write_all(b"E").await.is_err() {
                        closed = true;
                        break;
                    }
                    let mut b = [0u8; 1];
                    if let Ok(Ok(0)) =
                        tokio::time::timeout(Duration::from_millis(1), s.read(&mut b)).await
                    {
                        closed = true;
                        break;
                    }
                }
                cut += usize::from(closed);
            }
            (cut, started.elapsed())
        });
        // Meanwhile the cap holds a third client back, until a slot frees: it is answered
        // after the deadline, not never.
        let t0 = std::time::Instant::now();
        let health = tokio::time::timeout(Duration::from_secs(3), get(addr, "/healthz"))
            .await
            .expect("answered once a slot frees");
        assert!(health.starts_with("HTTP/1.1 200 OK"), "{health}");
        assert!(
            t0.elapsed() >= Duration::from_millis(300),
            "{:?}",
            t0.elapsed()
        );
        let (cut, took) = trickle.await.unwrap();
        assert_eq!(cut, 2, "both trickling clients were cut off");
        assert!(took < Duration::from_secs(2), "{took:?}");
        server.abort();
    }
}
