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

    /// A watch or request failed and is being retried.
    pub(crate) fn watch_error(&self) {
        self.lock().watch_errors += 1;
    }

    /// A container log was read (or, for the API, requested) from `source`.
    pub(crate) fn log_read(&self, source: LogSource) {
        self.lock().log_sources[source.index()] += 1;
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
        s
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Serve `GET /metrics` on `listener` until the task is dropped, and `GET /healthz` (200 `ok`
/// while the process serves: what liveness and readiness probes ask). Any other path gets 404.
///
/// A hand-written HTTP/1.0 responder: one request per connection is all Prometheus needs, and
/// it keeps an HTTP server framework out of the dependency tree.
pub async fn serve_metrics(listener: TcpListener, metrics: Arc<Metrics>) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            continue;
        };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let mut buf = Vec::with_capacity(1024);
            let mut chunk = [0u8; 1024];
            // Read the request head only (bounded; bodies are not expected).
            let head = loop {
                let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk));
                match read.await {
                    Ok(Ok(0)) | Err(_) | Ok(Err(_)) => break None,
                    Ok(Ok(n)) => {
                        buf.extend_from_slice(&chunk[..n]);
                        if buf.windows(4).any(|w| w == b"\r\n\r\n") || buf.len() > 16 * 1024 {
                            break Some(String::from_utf8_lossy(&buf).into_owned());
                        }
                    }
                }
            };
            let Some(head) = head else { return };
            let mut parts = head.split_whitespace();
            let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let path = path.split('?').next().unwrap_or("");
            let (status, ctype, body) = match (method, path) {
                ("GET" | "HEAD", "/metrics") => (
                    "200 OK",
                    "text/plain; version=0.0.4; charset=utf-8",
                    metrics.render(),
                ),
                ("GET" | "HEAD", "/healthz") => {
                    ("200 OK", "text/plain; charset=utf-8", "ok\n".to_string())
                }
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
        });
    }
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
}
