//! Deterministic generator of realistic container logs for benchmarks (dev-only).
//!
//! Healthy traffic with rare incident lines, framed as CRI (`/var/log/pods/...`) or plain
//! (`kubectl logs [--timestamps]`) logs. Background lines come from the loghub samples in
//! `../shared/noise/loghub` when present (real production logs, https://github.com/logpai/loghub),
//! mixed with built-in Kubernetes application templates (nginx/envoy access logs, zap/pino JSON,
//! logback, klog, Python, Postgres, Redis, Java stack frames); without loghub only the templates
//! are used. Incident lines are the `log`/`any` rule examples of the pattern packs plus built-in
//! failure lines. The same seed and sources give the same bytes.

#![allow(dead_code)]

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// splitmix64: small, fast, deterministic.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5851_f42d_4c95_7f2d)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
    /// True with probability `1/n`.
    pub fn one_in(&mut self, n: u64) -> bool {
        n > 0 && self.below(n) == 0
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// How the log lines are framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `<RFC3339Nano> stdout|stderr F|P <msg>`.
    Cri,
    /// `kubectl logs --timestamps`: `<RFC3339Nano> <msg>`.
    PlainTimestamps,
    /// `kubectl logs`: the message only.
    Plain,
}

/// How often incident lines occur.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Healthy traffic; about one incident line per 200 000 lines, plus the crash burst at the
    /// end of crashed containers' logs.
    Noise,
    /// About 2% incident lines and 2% near misses (a rule keyword in a line the regex rejects).
    Incident,
}

impl Profile {
    fn incident_one_in(self) -> u64 {
        match self {
            Profile::Noise => 200_000,
            Profile::Incident => 50,
        }
    }
    fn near_miss_one_in(self) -> u64 {
        match self {
            Profile::Noise => 2_000,
            Profile::Incident => 50,
        }
    }
}

/// The default place of the loghub samples: `$PODMORTEM_NOISE_DIR`, else
/// `<repo>/../shared/noise/loghub`.
pub fn default_noise_dir() -> PathBuf {
    match std::env::var_os("PODMORTEM_NOISE_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/noise/loghub"),
    }
}

/// Every line of every `*.log` in `dir` (sorted by file name), or `None` when there are none.
pub fn load_loghub(dir: &Path) -> Option<Vec<Vec<u8>>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    files.sort();
    let mut lines = Vec::new();
    for f in files {
        let Ok(data) = std::fs::read(&f) else {
            continue;
        };
        for l in data.split(|&b| b == b'\n') {
            let l = l.strip_suffix(b"\r").unwrap_or(l);
            if !l.is_empty() && !l.contains(&0) {
                lines.push(l.to_vec());
            }
        }
    }
    (!lines.is_empty()).then_some(lines)
}

/// Realistic failure lines, used beside the packs' examples.
const BUILTIN_INCIDENTS: &[&str] = &[
    "Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space",
    "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
    "fatal error: runtime: out of memory",
    "Memory cgroup out of memory: Killed process 48213 (java) total-vm:6021480kB, anon-rss:1048120kB, file-rss:21400kB, shmem-rss:0kB, UID:1000 pgtables:2412kB oom_score_adj:936",
    "panic: runtime error: invalid memory address or nil pointer dereference",
    "Error: listen EADDRINUSE: address already in use :::8080",
    "psycopg2.OperationalError: could not connect to server: Connection refused\n\tIs the server running on host \"postgres\" (10.96.14.2) and accepting TCP/IP connections on port 5432?",
    "Error: Cannot find module '/app/server.js'",
    "exec /usr/local/bin/app: exec format error",
    "open /etc/config/app.yaml: no such file or directory",
    "Liveness probe failed: Get \"http://10.244.3.17:8080/healthz\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)",
    "Failed to pull image \"registry.example.com/shop/api:2.3.1\": rpc error: code = NotFound desc = failed to pull and unpack image \"registry.example.com/shop/api:2.3.1\": failed to resolve reference \"registry.example.com/shop/api:2.3.1\": registry.example.com/shop/api:2.3.1: not found",
    "Error: secret \"db-credentials\" not found",
];

/// Lines that contain a typical rule keyword but describe nothing wrong.
const NEAR_MISSES: &[&str] = &[
    "o.s.s.w.a.ExceptionTranslationFilter : Access is denied (user is anonymous); redirecting to authentication entry point",
    "GET /api/v1/orders 401 Unauthorized (token expired), client will refresh",
    "tls: using certificate /etc/tls/tls.crt valid until 2026-01-01T00:00:00Z",
    "loaded x509 root pool with 142 certificates",
    "signature verified for webhook delivery 7d1f0c3a",
    "cache: synced 42 secrets \"default\" in 12ms",
    "memory usage 312MiB of 1GiB (31%), no pressure",
    "probe handler registered: liveness=/healthz readiness=/readyz",
    "configmap \"app-config\" reloaded, 12 keys",
    "oom_score_adj set to 936 for pid 1",
    "retrying in 2s after temporary failure in name resolution for metrics.internal (attempt 1/5)",
];

const METHODS: &[&str] = &["GET", "GET", "GET", "POST", "PUT", "DELETE", "PATCH"];
const PATHS: &[&str] = &[
    "/api/v1/orders",
    "/api/v1/orders/{id}",
    "/api/v1/customers/{id}/cart",
    "/healthz",
    "/readyz",
    "/metrics",
    "/api/v2/catalog/items?page={n}&size=50",
    "/static/js/main.{hex}.js",
    "/graphql",
    "/api/v1/payments/{id}/capture",
];
const AGENTS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "kube-probe/1.30",
    "Prometheus/2.51.0",
    "Go-http-client/1.1",
    "okhttp/4.12.0",
    "python-requests/2.31.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
];
const STATUS: &[u16] = &[
    200, 200, 200, 200, 200, 200, 201, 204, 304, 302, 404, 400, 500,
];
const JAVA_CLASSES: &[&str] = &[
    "c.e.shop.orders.OrderController",
    "o.h.engine.jdbc.batch.internal.BatchingBatch",
    "o.s.web.servlet.DispatcherServlet",
    "c.z.hikari.pool.HikariPool",
    "o.a.k.clients.consumer.internals.ConsumerCoordinator",
    "c.e.shop.payments.PaymentService",
];
const GO_FILES: &[&str] = &[
    "server/handler.go",
    "internal/cache/lru.go",
    "pkg/worker/pool.go",
    "cmd/api/main.go",
    "internal/store/postgres.go",
];
const KLOG_MSGS: &[&str] = &[
    "Listing and watching *v1.ConfigMap from k8s.io/client-go/informers/factory.go:160",
    "Caches populated for *v1.Secret from k8s.io/client-go/informers/factory.go:160",
    "\"Successfully reconciled\" controller=\"deployment\" namespace=\"shop\" name=\"api\"",
    "Starting workers worker count=4",
    "lock is held by leader-7d9f and has not yet expired",
];
const PY_MSGS: &[&str] = &[
    "Task tasks.send_email[{uuid}] received",
    "Task tasks.send_email[{uuid}] succeeded in 0.0{n}s: None",
    "\"GET /api/items/{n} HTTP/1.1\" 200 {n}",
    "Connection pool is full, discarding connection: db.internal",
    "Scheduler: Sending due task refresh-cache (tasks.refresh_cache)",
];

fn hex(rng: &mut Rng, out: &mut Vec<u8>, n: usize) {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut x = rng.next_u64();
    for i in 0..n {
        if i % 16 == 15 {
            x = rng.next_u64();
        }
        out.push(H[(x & 15) as usize]);
        x >>= 4;
    }
}

fn uuid(rng: &mut Rng, out: &mut Vec<u8>) {
    for (i, n) in [8, 4, 4, 4, 12].iter().enumerate() {
        if i > 0 {
            out.push(b'-');
        }
        hex(rng, out, *n);
    }
}

/// Expand `{id}`, `{n}`, `{hex}`, `{uuid}` placeholders.
fn expand(rng: &mut Rng, out: &mut Vec<u8>, t: &str) {
    let mut rest = t;
    while let Some(i) = rest.find('{') {
        out.extend_from_slice(&rest.as_bytes()[..i]);
        let after = &rest[i..];
        if let Some(r) = after.strip_prefix("{id}") {
            let _ = write!(out, "{}", rng.range(1000, 999_999));
            rest = r;
        } else if let Some(r) = after.strip_prefix("{n}") {
            let _ = write!(out, "{}", rng.range(1, 4000));
            rest = r;
        } else if let Some(r) = after.strip_prefix("{hex}") {
            hex(rng, out, 8);
            rest = r;
        } else if let Some(r) = after.strip_prefix("{uuid}") {
            uuid(rng, out);
            rest = r;
        } else {
            out.push(b'{');
            rest = &after[1..];
        }
    }
    out.extend_from_slice(rest.as_bytes());
}

fn ip(rng: &mut Rng, out: &mut Vec<u8>) {
    let _ = write!(
        out,
        "10.{}.{}.{}",
        rng.range(0, 255),
        rng.range(0, 255),
        rng.range(1, 254)
    );
}

/// One healthy application line from the built-in templates (no newline).
pub fn template_line(rng: &mut Rng, t: u64, out: &mut Vec<u8>) {
    let (secs, ms) = (t / 1000, t % 1000);
    let (h, m, s) = (secs / 3600 % 24, secs / 60 % 60, secs % 60);
    match rng.below(20) {
        0..=4 => {
            // nginx combined + timings
            ip(rng, out);
            let _ = write!(
                out,
                " - - [01/Mar/2025:{h:02}:{m:02}:{s:02} +0000] \"{} ",
                rng.pick(METHODS)
            );
            let p = *rng.pick(PATHS);
            expand(rng, out, p);
            let _ = write!(
                out,
                " HTTP/1.1\" {} {} \"-\" \"{}\" {}.{:03} {}.{:03} .",
                rng.pick(STATUS),
                rng.range(0, 60_000),
                rng.pick(AGENTS),
                rng.below(2),
                rng.below(1000),
                rng.below(2),
                rng.below(1000)
            );
        }
        5..=7 => {
            // zap JSON
            let _ = write!(
                out,
                "{{\"level\":\"info\",\"ts\":{}.{ms:03},\"caller\":\"{}:{}\",\"msg\":\"request completed\",\"method\":\"{}\",\"path\":\"",
                1_740_787_200 + secs,
                rng.pick(GO_FILES),
                rng.range(20, 400),
                rng.pick(METHODS),
            );
            let p = *rng.pick(PATHS);
            expand(rng, out, p);
            let _ = write!(
                out,
                "\",\"status\":{},\"duration\":0.00{},\"request_id\":\"",
                rng.pick(STATUS),
                rng.range(100, 9999)
            );
            uuid(rng, out);
            out.extend_from_slice(b"\"}");
        }
        8..=10 => {
            // logback (Spring Boot)
            let _ = write!(
                out,
                "2025-03-01 {h:02}:{m:02}:{s:02}.{ms:03}  {} 1 --- [nio-8080-exec-{}] {:<40} : ",
                if rng.one_in(10) { "WARN" } else { "INFO" },
                rng.range(1, 20),
                rng.pick(JAVA_CLASSES)
            );
            let _ = write!(
                out,
                "Fetched {} orders for customer {} in {} ms",
                rng.range(0, 80),
                rng.range(1000, 999_999),
                rng.range(1, 300)
            );
        }
        11 => {
            // Java stack frame (exceptions logged at WARN are common in healthy services)
            let _ = write!(
                out,
                "\tat {}.{}({}.java:{})",
                rng.pick(JAVA_CLASSES),
                rng.pick(&["invoke", "handle", "doFilter", "run", "call"]),
                rng.pick(&["Method", "Filter", "Service", "Thread"]),
                rng.range(20, 900)
            );
        }
        12..=13 => {
            // klog
            let _ = write!(
                out,
                "I0301 {h:02}:{m:02}:{s:02}.{ms:03}{:03}       1 {}] {}",
                rng.below(1000),
                rng.pick(&[
                    "reflector.go:359",
                    "controller.go:221",
                    "leaderelection.go:280"
                ]),
                rng.pick(KLOG_MSGS)
            );
        }
        14 => {
            // Python logging
            let _ = write!(
                out,
                "2025-03-01 {h:02}:{m:02}:{s:02},{ms:03} INFO [{}] ",
                rng.pick(&["celery.worker.strategy", "gunicorn.access", "app.views"])
            );
            let p = *rng.pick(PY_MSGS);
            expand(rng, out, p);
        }
        15 => {
            // pino JSON
            let _ = write!(
                out,
                "{{\"level\":30,\"time\":{}{ms:03},\"pid\":1,\"hostname\":\"web-7d9f8c-x2x9k\",\"reqId\":\"req-{}\",\"res\":{{\"statusCode\":{}}},\"responseTime\":{}.{},\"msg\":\"request completed\"}}",
                1_740_787_200 + secs,
                rng.range(1, 99_999),
                rng.pick(STATUS),
                rng.range(0, 200),
                rng.below(10)
            );
        }
        16 => {
            // envoy access log
            let _ = write!(
                out,
                "[2025-03-01T{h:02}:{m:02}:{s:02}.{ms:03}Z] \"POST /grpc.health.v1.Health/Check HTTP/2\" 200 - via_upstream - \"-\" 5 5 {} {} \"-\" \"grpc-go/1.62.1\" \"",
                rng.range(0, 9),
                rng.range(0, 9)
            );
            uuid(rng, out);
            out.extend_from_slice(b"\" \"orders.shop.svc:8080\" \"");
            ip(rng, out);
            out.extend_from_slice(b":8080\" outbound|8080||orders.shop.svc.cluster.local ");
            ip(rng, out);
            let _ = write!(
                out,
                ":{} 10.96.12.4:8080 - default",
                rng.range(30000, 60000)
            );
        }
        17 => {
            // Postgres
            let _ = write!(
                out,
                "2025-03-01 {h:02}:{m:02}:{s:02}.{ms:03} UTC [{}] LOG:  checkpoint complete: wrote {} buffers (0.{}%); 0 WAL file(s) added, 0 removed, 1 recycled; write={}.{:03} s, sync=0.004 s, total={}.{:03} s",
                rng.range(40, 90),
                rng.range(1, 4000),
                rng.below(10),
                rng.below(30),
                rng.below(1000),
                rng.below(30),
                rng.below(1000)
            );
        }
        18 => {
            // Redis
            let _ = write!(
                out,
                "1:M 01 Mar 2025 {h:02}:{m:02}:{s:02}.{ms:03} * {} changes in 300 seconds. Saving...",
                rng.range(1, 1000)
            );
        }
        _ => {
            // Go std log
            let _ = write!(
                out,
                "2025/03/01 {h:02}:{m:02}:{s:02} worker {}: processed batch {} ({} items) in {}.{}ms",
                rng.range(0, 15),
                rng.range(1000, 999_999),
                rng.range(1, 1024),
                rng.range(0, 500),
                rng.below(10)
            );
        }
    }
}

/// Everything needed to generate logs.
pub struct Corpus {
    /// Real background lines (loghub), if found.
    pub loghub: Option<Vec<Vec<u8>>>,
    /// Incident lines (single lines; embedded newlines split into several log lines).
    pub incidents: Vec<String>,
    pub profile: Profile,
}

impl Corpus {
    /// `incidents_from`: lines that should be diagnosed (e.g. the packs' examples); built-in
    /// failure lines are added.
    pub fn new(
        loghub: Option<Vec<Vec<u8>>>,
        incidents_from: Vec<String>,
        profile: Profile,
    ) -> Self {
        let mut incidents: Vec<String> = BUILTIN_INCIDENTS.iter().map(|s| s.to_string()).collect();
        incidents.extend(incidents_from);
        Corpus {
            loghub,
            incidents,
            profile,
        }
    }

    /// Which background was used, for the manifest.
    pub fn noise_source(&self) -> &'static str {
        if self.loghub.is_some() {
            "loghub (60%) + built-in templates (40%)"
        } else {
            "built-in templates"
        }
    }

    /// One message (no newline); `t` is milliseconds since the start of the log.
    pub fn message(&self, rng: &mut Rng, t: u64, out: &mut Vec<u8>) {
        if rng.one_in(self.profile.incident_one_in()) {
            out.extend_from_slice(rng.pick(&self.incidents).as_bytes());
        } else if rng.one_in(self.profile.near_miss_one_in()) {
            out.extend_from_slice(rng.pick(NEAR_MISSES).as_bytes());
        } else {
            match &self.loghub {
                Some(lines) if rng.below(10) < 6 => {
                    out.extend_from_slice(rng.pick(lines.as_slice()).as_slice())
                }
                _ => template_line(rng, t, out),
            }
        }
    }

    /// Write one container log of about `bytes` bytes. `crashed` logs end with a burst of
    /// incident lines among the last lines, as a container that died does.
    pub fn write_log<W: Write>(
        &self,
        rng: &mut Rng,
        framing: Framing,
        bytes: u64,
        crashed: bool,
        w: &mut W,
    ) -> io::Result<u64> {
        let mut written = 0u64;
        let mut t: u64 = rng.below(3_600_000);
        let mut msg = Vec::with_capacity(4096);
        let mut line = Vec::with_capacity(4096);
        let crash_at = if crashed {
            bytes.saturating_sub(rng.range(600, 3000))
        } else {
            u64::MAX
        };
        let mut crash_done = false;
        while written < bytes {
            msg.clear();
            t += rng.range(0, 40);
            if !crash_done && written >= crash_at {
                crash_done = true;
                let inc = rng.pick(&self.incidents).clone();
                for part in inc.split('\n') {
                    line.clear();
                    frame(rng, framing, t, part.as_bytes(), false, &mut line);
                    w.write_all(&line)?;
                    written += line.len() as u64;
                }
                continue;
            }
            self.message(rng, t, &mut msg);
            let stderr = rng.one_in(8);
            for part in msg.split(|&b| b == b'\n') {
                line.clear();
                // CRI splits long lines (over 16 KiB in kubelet; rarer and shorter here so the
                // partial path is exercised).
                if framing == Framing::Cri && part.len() > 200 && rng.one_in(500) {
                    let cut = part.len() / 2;
                    frame(rng, framing, t, &part[..cut], true, &mut line);
                    frame(rng, framing, t, &part[cut..], false, &mut line);
                } else {
                    frame_stream(framing, t, part, false, stderr, &mut line);
                }
                w.write_all(&line)?;
                written += line.len() as u64;
            }
        }
        Ok(written)
    }

    /// One log in memory.
    pub fn log(&self, seed: u64, framing: Framing, bytes: u64, crashed: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes as usize + 8192);
        self.write_log(&mut Rng::new(seed), framing, bytes, crashed, &mut out)
            .expect("writing to memory");
        out
    }
}

fn frame(rng: &mut Rng, framing: Framing, t: u64, msg: &[u8], partial: bool, out: &mut Vec<u8>) {
    let stderr = rng.one_in(8);
    frame_stream(framing, t, msg, partial, stderr, out)
}

fn frame_stream(
    framing: Framing,
    t: u64,
    msg: &[u8],
    partial: bool,
    stderr: bool,
    out: &mut Vec<u8>,
) {
    let ts = |out: &mut Vec<u8>| {
        let (secs, ms) = (t / 1000, t % 1000);
        let day = 1 + secs / 86_400 % 28;
        let _ = write!(
            out,
            "2025-03-{day:02}T{:02}:{:02}:{:02}.{ms:03}{:06}Z ",
            secs / 3600 % 24,
            secs / 60 % 60,
            secs % 60,
            (t.wrapping_mul(2_654_435_761)) % 1_000_000
        );
    };
    match framing {
        Framing::Cri => {
            ts(out);
            out.extend_from_slice(if stderr { b"stderr " } else { b"stdout " });
            out.extend_from_slice(if partial { b"P " } else { b"F " });
        }
        Framing::PlainTimestamps => ts(out),
        Framing::Plain => {}
    }
    out.extend_from_slice(msg);
    out.push(b'\n');
}

const NAMESPACES: &[&str] = &["shop", "payments", "search", "auth", "ingest", "platform"];
const DEPLOYS: &[&str] = &[
    "api", "web", "worker", "orders", "cart", "checkout", "indexer", "gateway", "billing", "mailer",
];
const CONTAINERS: &[&str] = &["app", "app", "app", "sidecar", "envoy", "worker"];

/// One file of a generated tree.
#[derive(Debug, Clone)]
pub struct FileSpec {
    pub path: PathBuf,
    pub framing: Framing,
    pub bytes: u64,
    pub crashed: bool,
    pub seed: u64,
}

/// Plan `files` log files totalling about `total` bytes under `root`: three quarters CRI files
/// in the kubelet layout, one quarter `kubectl logs` output (half with `--timestamps`); sizes
/// vary from a quarter to twice the mean; a quarter of the containers crashed.
pub fn plan(root: &Path, total: u64, files: usize, seed: u64) -> Vec<FileSpec> {
    let mut rng = Rng::new(seed);
    let weights: Vec<f64> = (0..files).map(|_| 0.25 + 1.75 * rng.f64()).collect();
    let sum: f64 = weights.iter().sum();
    let mut out = Vec::with_capacity(files);
    for (i, w) in weights.iter().enumerate() {
        let ns = *rng.pick(NAMESPACES);
        let dep = *rng.pick(DEPLOYS);
        let mut pod = format!("{dep}-");
        let mut b = Vec::new();
        hex(&mut rng, &mut b, 10);
        pod.push_str(std::str::from_utf8(&b).unwrap());
        pod.push_str(&format!("-{:05}", i));
        let container = *rng.pick(CONTAINERS);
        let bytes = (total as f64 * w / sum) as u64;
        let crashed = rng.one_in(4);
        let file_seed = rng.next_u64();
        let (path, framing) = if i % 4 != 3 {
            let mut uid = Vec::new();
            uuid(&mut rng, &mut uid);
            let uid = String::from_utf8(uid).unwrap();
            let restart = rng.below(6);
            (
                root.join(format!(
                    "var/log/pods/{ns}_{pod}_{uid}/{container}/{restart}.log"
                )),
                Framing::Cri,
            )
        } else {
            let framing = if rng.one_in(2) {
                Framing::PlainTimestamps
            } else {
                Framing::Plain
            };
            let prev = if crashed { ".previous" } else { "" };
            (
                root.join(format!("kubectl-logs/{ns}/{pod}.{container}{prev}.log")),
                framing,
            )
        };
        out.push(FileSpec {
            path,
            framing,
            bytes,
            crashed,
            seed: file_seed,
        });
    }
    out
}

/// Parse `100M`, `1G`, `4GiB`, `512k`, `12345` into bytes (binary units).
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let lower = s.to_ascii_lowercase();
    let t = lower
        .trim_end_matches("ib")
        .trim_end_matches('b')
        .trim_end_matches('i');
    let (num, mul) = match t.chars().last()? {
        'k' => (&t[..t.len() - 1], 1u64 << 10),
        'm' => (&t[..t.len() - 1], 1 << 20),
        'g' => (&t[..t.len() - 1], 1 << 30),
        _ => (t, 1),
    };
    let v: f64 = num.trim().parse().ok()?;
    Some((v * mul as f64) as u64)
}
