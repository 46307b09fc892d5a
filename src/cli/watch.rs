//! `podmortem watch` (also `kubectl podmortem watch`): the CLI glue around
//! [`podmortem::live`].

use std::io;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use podmortem::live::{
    connect, serve_metrics, ClientOptions, Metrics, OutputFormat, Sink, WatchError, WatchOptions,
    Watcher, WriterSink,
};
use podmortem::render::TextOptions;

use super::{engine, use_color, ColorChoice, PackArgs};

/// Output of `watch`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatchFormat {
    /// A compact text block per incident.
    Text,
    /// One JSON diagnosis object per line (the batch `diagnoses[]` schema).
    Json,
}

#[derive(Args, Debug)]
pub struct WatchArgs {
    /// Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then the
    /// in-cluster service account).
    #[arg(long, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use.
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Namespace to watch (default: the context's namespace, then `default`).
    #[arg(
        short = 'n',
        long,
        value_name = "NS",
        conflicts_with = "all_namespaces"
    )]
    pub namespace: Option<String>,
    /// Watch all namespaces.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// Node-local mode: only the pods on node NAME (default: $NODE_NAME), in all namespaces
    /// unless -n is given, with their logs read from the kubelet's files under --log-root
    /// (through the API only for a container that has none there).
    #[arg(long, value_name = "NAME", num_args = 0..=1, default_missing_value = "")]
    pub node: Option<String>,
    /// With --node: the directory the kubelet writes pod logs to.
    #[arg(long, value_name = "DIR", requires = "node")]
    pub log_root: Option<PathBuf>,
    /// Only pods matching this label selector (e.g. `app=api,tier!=cache`).
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", alias = "format", value_enum, default_value_t = WatchFormat::Text)]
    pub output: WatchFormat,
    /// Diagnose everything failing now and exit (no watching).
    #[arg(long)]
    pub once: bool,
    /// With --once: exit 3 when at least one diagnosis is printed (like `git diff
    /// --exit-code`), so a CI job fails with the reason in its log.
    #[arg(long, requires = "once")]
    pub exit_code: bool,
    /// Only print diagnoses at or above this confidence.
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    pub min_confidence: f64,
    /// Lines of each container's log to fetch.
    #[arg(long, value_name = "N", default_value_t = 200, value_parser = clap::value_parser!(i64).range(1..))]
    pub tail_lines: i64,
    /// Serve Prometheus metrics at /metrics and /healthz on ADDR: `:9464` is 127.0.0.1:9464;
    /// give `0.0.0.0:9464` to serve other hosts (a Prometheus or a kubelet probe).
    #[arg(long, value_name = "ADDR")]
    pub metrics: Option<String>,
    /// Write a Warning Event (reason PodmortemDiagnosis) on the pod per container and cause;
    /// a repeat counts on it (needs create/get/patch on events). At most 4 writes per pod,
    /// then one a minute.
    #[arg(long)]
    pub emit_events: bool,
    /// Colour text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Show every evidence line and remediation step.
    #[arg(short, long)]
    pub verbose: bool,
    // Redaction applies to printed diagnoses and to Events written with --emit-events.
    #[command(flatten)]
    pub redact: super::RedactArgs,
    #[command(flatten)]
    pub packs: PackArgs,
}

/// `:9464` means the loopback interface: metrics name pods and namespaces, so exposing them
/// on every interface must be asked for (`0.0.0.0:9464`, as the manifests in `deploy/` do).
fn metrics_addr(a: &str) -> String {
    if a.starts_with(':') {
        format!("127.0.0.1{a}")
    } else {
        a.to_string()
    }
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM (how Kubernetes stops a pod).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

pub fn run(args: WatchArgs) -> anyhow::Result<i32> {
    super::block_on_live(run_async(args))
}

async fn run_async(args: WatchArgs) -> anyhow::Result<i32> {
    if !(0.0..=1.0).contains(&args.min_confidence) {
        anyhow::bail!("--min-confidence must be between 0 and 1");
    }
    let exit_code = args.exit_code;
    // SIGTERM/Ctrl-C end the command whatever it is waiting for (start-up requests, a
    // diagnosis): dropping `watch` cancels it, and nothing it holds needs flushing.
    let result = tokio::select! {
        biased;
        _ = shutdown_signal() => Ok(0),
        r = watch(args) => r,
    };
    match result {
        Ok(printed) => Ok(if exit_code && printed > 0 { 3 } else { 0 }),
        Err(Failure::Watch(WatchError::Output(e))) if e.kind() == io::ErrorKind::BrokenPipe => {
            Ok(0)
        }
        Err(Failure::Watch(e)) => {
            // API error bodies are not ours to print raw on a terminal.
            eprintln!(
                "podmortem: {}",
                podmortem::render::escape_control(&e.to_string())
            );
            Ok(1)
        }
        // A bad --patterns directory is a usage error, as for `analyze`.
        Err(Failure::Usage(e)) => Err(e),
    }
}

enum Failure {
    Watch(WatchError),
    Usage(anyhow::Error),
}

impl From<WatchError> for Failure {
    fn from(e: WatchError) -> Failure {
        Failure::Watch(e)
    }
}

/// The kubelet's pod log directory, read by `--node` unless `--log-root` says otherwise.
const DEFAULT_LOG_ROOT: &str = "/var/log/pods";

/// `--node NAME`, or `--node` alone with the name from `$NODE_NAME` (what a DaemonSet sets
/// from the downward API).
fn node_name(arg: Option<&str>) -> Result<Option<String>, Failure> {
    let name = match arg {
        None => return Ok(None),
        Some("") => match std::env::var("NODE_NAME") {
            Ok(n) if !n.trim().is_empty() => n.trim().to_string(),
            _ => {
                return Err(Failure::Usage(anyhow::anyhow!(
                    "--node: no NAME given and $NODE_NAME is not set"
                )))
            }
        },
        Some(n) => n.to_string(),
    };
    // It goes into a field selector: a `,` or `=` would change what is selected.
    if name.contains([',', '=', '!']) || name.contains(char::is_whitespace) {
        return Err(Failure::Usage(anyhow::anyhow!(
            "--node: {name:?} is not a node name"
        )));
    }
    Ok(Some(name))
}

/// Watch (or diagnose once) and return how many diagnoses were printed.
async fn watch(args: WatchArgs) -> Result<usize, Failure> {
    let node = node_name(args.node.as_deref())?;
    let conn = connect(&ClientOptions {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
    })
    .await?;
    // A node's pods span every namespace: -n narrows it, the context's namespace does not.
    let namespace = if args.all_namespaces || (node.is_some() && args.namespace.is_none()) {
        None
    } else {
        Some(
            args.namespace
                .clone()
                .unwrap_or_else(|| conn.default_namespace.clone()),
        )
    };
    let opts = WatchOptions {
        namespace: namespace.clone(),
        selector: args.selector.clone(),
        tail_lines: args.tail_lines,
        emit_events: args.emit_events,
        node: node.clone(),
        log_root: node.as_ref().map(|_| {
            args.log_root
                .clone()
                .unwrap_or_else(|| PathBuf::from(DEFAULT_LOG_ROOT))
        }),
        ..WatchOptions::default()
    };
    // Compile the pattern packs while the cluster is checked: start-up errors come back
    // without waiting for it, and the happy path overlaps the two.
    let packs = args.packs;
    let redact = args.redact;
    let engine = tokio::task::spawn_blocking(move || engine(&packs).and_then(|e| redact.apply(e)));
    let metrics = Metrics::new();
    let watcher = Watcher::new(&conn, opts).with_metrics(metrics.clone());
    watcher.preflight(!args.once).await?;
    let engine = engine
        .await
        .map_err(|e| Failure::Usage(anyhow::anyhow!("engine: {e}")))?
        .map_err(Failure::Usage)?;
    let watcher = watcher.with_engine(engine);
    let _server = match &args.metrics {
        Some(addr) => {
            let addr = metrics_addr(addr);
            let listener = tokio::net::TcpListener::bind(&addr).await.map_err(|e| {
                Failure::Watch(WatchError::Config(format!(
                    "--metrics: cannot listen on {addr}: {e}"
                )))
            })?;
            let local = listener.local_addr().map_or(addr, |a| a.to_string());
            eprintln!("podmortem: metrics at http://{local}/metrics");
            Some(AbortOnDrop(tokio::spawn(serve_metrics(listener, metrics))))
        }
        None => None,
    };
    let format = match args.output {
        WatchFormat::Text => OutputFormat::Text,
        WatchFormat::Json => OutputFormat::Json,
    };
    let mut sink = AtLeast {
        inner: WriterSink::new(io::stdout(), format).text_options(TextOptions {
            color: use_color(args.color),
            verbose: args.verbose,
        }),
        min_confidence: args.min_confidence,
        printed: 0,
    };
    let mut scope = match &namespace {
        Some(ns) => format!("namespace \"{ns}\""),
        None => "all namespaces".to_string(),
    };
    if let Some(n) = &node {
        scope.push_str(&format!(" (node \"{n}\")"));
    }
    if args.once {
        // (Ctrl-C during a one-shot run also exits cleanly: see `run_async`.)
        watcher.once(&mut sink).await?;
        if sink.printed == 0 {
            // On stderr: stdout stays empty (or valid JSON lines) for scripts.
            eprintln!("podmortem: no container in BackOff or failing in {scope}");
        }
        return Ok(sink.printed);
    }
    let mut sink = Announce {
        inner: sink,
        scope,
        url: conn.url.clone(),
    };
    watcher.run(&mut sink, std::future::pending()).await?;
    Ok(sink.inner.printed)
}

/// Passes on the diagnoses at or above `--min-confidence` and counts them (for
/// `--exit-code`).
struct AtLeast<S> {
    inner: S,
    min_confidence: f64,
    printed: usize,
}

impl<S: Sink> Sink for AtLeast<S> {
    fn diagnosis(&mut self, d: &podmortem::Diagnosis) -> io::Result<()> {
        if d.confidence < self.min_confidence {
            return Ok(());
        }
        self.inner.diagnosis(d)?;
        self.printed += 1;
        Ok(())
    }
    fn notice(&mut self, message: &str) {
        self.inner.notice(message)
    }
    fn ready(&mut self, pods: usize) {
        self.inner.ready(pods)
    }
}

/// Says on stderr when the initial sync is done, so the user knows silence means health.
struct Announce<S> {
    inner: S,
    scope: String,
    url: String,
}

impl<S: Sink> Sink for Announce<S> {
    fn diagnosis(&mut self, d: &podmortem::Diagnosis) -> io::Result<()> {
        self.inner.diagnosis(d)
    }
    fn notice(&mut self, message: &str) {
        self.inner.notice(message)
    }
    fn ready(&mut self, pods: usize) {
        eprintln!(
            "podmortem: watching {pods} pod(s) and their events in {} on {} (Ctrl-C to stop)",
            self.scope, self.url
        );
    }
}

/// Stops the metrics server when `watch` returns.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::metrics_addr;

    #[test]
    fn a_bare_port_listens_on_the_loopback_only() {
        assert_eq!(metrics_addr(":9464"), "127.0.0.1:9464");
        assert_eq!(metrics_addr("0.0.0.0:9464"), "0.0.0.0:9464");
        assert_eq!(metrics_addr("[::1]:9464"), "[::1]:9464");
    }
}
