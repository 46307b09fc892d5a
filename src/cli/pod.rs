//! `podmortem pod NAME…` (also `kubectl podmortem NAME`): diagnose named pods, or the pods of a
//! label selector, straight from the cluster, then exit.
//!
//! The evidence is what `watch --once` would use, fetched for these pods only: the Pod objects,
//! their events (field selector `involvedObject.name`/`uid`), and the current and previous logs
//! of the containers in trouble (`tailLines` and `limitBytes` bound each). The objects and logs
//! go through [`podmortem::ingest::assemble`], the path live mode uses, so a pod is read the way
//! batch mode reads its export; the engine and the renderers are the ones `analyze` uses.
//!
//! Exit status: 0 nothing failing (or diagnoses printed without `--exit-code`); 1 some evidence
//! could not be fetched (events, logs; the rest is still diagnosed) or another failure; 2 usage
//! errors and a cluster that cannot be used for the request (no kubeconfig, unreachable,
//! unauthorized, forbidden, pod or namespace not found); 3 with `--exit-code` when a diagnosis at
//! or above `--min-confidence` is printed (it outranks 1 and 2: the pipeline stops either way,
//! and the diagnosis is the reason worth its log).

use std::collections::BTreeSet;
use std::path::PathBuf;

use clap::Args;
use futures::{AsyncReadExt, StreamExt};
use k8s_openapi::api::core::v1::{Event, Namespace, Pod};
use kube::api::{ListParams, LogParams};
use kube::Api;
use podmortem::diagnose::command::{is_dns1123_label, is_dns1123_subdomain};
use podmortem::diagnose::restart_age;
use podmortem::incident::ContainerState;
use podmortem::ingest::{assemble, ApiLog};
use podmortem::live::{connect, ClientOptions, Connection, WatchError};
use podmortem::render::escape_control;
use podmortem::{Engine, Incident, InputError, Report};

use super::{emit, engine, render_report, ColorChoice, Format, PackArgs, RedactArgs};

/// Most bytes of one container log requested (`limitBytes`) and kept. `--tail-lines` already
/// bounds the lines; this bounds a tail of absurdly long lines (a dumped heap, a minified
/// payload) so one log cannot exhaust memory.
const LOG_LIMIT_BYTES: i64 = 8 << 20;
/// Concurrent event and log requests.
const CONCURRENCY: usize = 4;
/// Suggestions offered for an unknown pod name.
const MAX_SUGGESTIONS: usize = 3;

/// `podmortem pod`.
#[derive(Args, Debug)]
pub struct PodArgs {
    /// Pod names (`pod/NAME` also accepted).
    #[arg(
        value_name = "NAME",
        required_unless_present = "selector",
        conflicts_with = "selector"
    )]
    pub names: Vec<String>,
    /// The pods matching this label selector instead of names (e.g. `app=api`).
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,
    /// Namespace (default: the context's namespace, then `default`).
    #[arg(short = 'n', long, value_name = "NS")]
    pub namespace: Option<String>,
    /// Only this container (init containers included).
    #[arg(short = 'c', long, value_name = "CONTAINER")]
    pub container: Option<String>,
    /// Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then the
    /// in-cluster service account).
    #[arg(long, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use.
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", alias = "format", value_enum, default_value_t = Format::Text)]
    pub output: Format,
    /// Lines of each log to fetch (current and previous instance of a container in trouble).
    #[arg(long, value_name = "N", default_value_t = 200, value_parser = clap::value_parser!(i64).range(1..))]
    pub tail_lines: i64,
    /// Exit 3 when at least one diagnosis is printed (like `git diff --exit-code`): a deploy
    /// job fails with the reason in its log.
    #[arg(long)]
    pub exit_code: bool,
    /// Only report diagnoses at or above this confidence.
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    pub min_confidence: f64,
    /// Colour text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Show every evidence line and remediation step.
    #[arg(short, long)]
    pub verbose: bool,
    #[command(flatten)]
    pub redact: RedactArgs,
    #[command(flatten)]
    pub packs: PackArgs,
    /// Set when the command line was `podmortem NAME` (the bare-name shorthand): a name that
    /// is not found may then be a mistyped subcommand.
    #[arg(skip)]
    pub shorthand: bool,
}

/// Why the pods could not be examined. Everything here exits 2, except [`PodError::Api`] (1).
#[derive(Debug, thiserror::Error)]
enum PodError {
    /// No usable kubeconfig, an unknown context: `connect` phrases it.
    #[error("{0}")]
    Config(String),
    #[error("cannot reach the Kubernetes API at {url}: {detail}\n  hint: is the cluster up, and does the kubeconfig point at it? (--context, --kubeconfig; `kubectl cluster-info` checks the same)")]
    Unreachable { url: String, detail: String },
    #[error("unauthorized: the Kubernetes API at {url} rejected the credentials (expired token or wrong user in the kubeconfig?): {detail}")]
    Unauthorized { url: String, detail: String },
    #[error("cannot {verb} {resource} in namespace \"{namespace}\": forbidden (RBAC: needs {verb} on {resource}){}", server_said(.detail))]
    Forbidden {
        verb: &'static str,
        resource: &'static str,
        namespace: String,
        detail: String,
    },
    #[error("namespace \"{0}\" not found (check -n/--namespace or the context's namespace)")]
    NamespaceNotFound(String),
    #[error("invalid label selector {selector:?}: {detail}")]
    BadSelector { selector: String, detail: String },
    /// Any other failure of a request that the command cannot do without.
    #[error("Kubernetes API error: {0}")]
    Api(String),
}

fn server_said(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!("\n  server said: {detail}")
    }
}

impl PodError {
    fn exit_status(&self) -> i32 {
        match self {
            PodError::Api(_) => 1,
            _ => 2,
        }
    }
}

/// A request that failed, phrased for its verb and resource.
fn classify(
    e: kube::Error,
    verb: &'static str,
    resource: &'static str,
    namespace: &str,
    url: &str,
) -> PodError {
    match e {
        kube::Error::Api(s) if s.code == 403 => PodError::Forbidden {
            verb,
            resource,
            namespace: namespace.to_string(),
            detail: s.message.clone(),
        },
        kube::Error::Api(s) if s.code == 401 => PodError::Unauthorized {
            url: url.to_string(),
            detail: s.message.clone(),
        },
        kube::Error::Api(s) => PodError::Api(format!(
            "{verb} {resource} in namespace \"{namespace}\": {} ({})",
            s.message, s.code
        )),
        e @ (kube::Error::HyperError(_) | kube::Error::Service(_)) => PodError::Unreachable {
            url: url.to_string(),
            detail: chain(&e),
        },
        e => PodError::Api(format!(
            "{verb} {resource} in namespace \"{namespace}\": {}",
            chain(&e)
        )),
    }
}

/// An error and its causes, innermost last, without repeating a message its wrapper quotes.
fn chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let t = s.to_string();
        if !parts.last().is_some_and(|p| p.contains(&t)) {
            parts.push(t);
        }
        cur = s.source();
    }
    parts.join(": ")
}

/// `pod/NAME` and `pods/NAME` (kubectl's resource/name form) name the pod NAME.
fn pod_name(arg: &str) -> &str {
    arg.strip_prefix("pod/")
        .or_else(|| arg.strip_prefix("pods/"))
        .unwrap_or(arg)
}

/// The names of the given pods most like `wanted`: first those it is a prefix of (a
/// Deployment's or ReplicaSet's name given for its pod), then those within a small edit
/// distance (a typo), best first.
fn suggestions<'a>(wanted: &str, names: &'a [String]) -> Vec<&'a str> {
    let mut prefixed: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| n.starts_with(wanted) && *n != wanted)
        .collect();
    prefixed.sort_by_key(|n| (n.len(), *n));
    if !prefixed.is_empty() {
        prefixed.truncate(MAX_SUGGESTIONS);
        return prefixed;
    }
    // A third of the name may be wrong, at least two characters: `api-7d9g` for `api-7d9f`,
    // not `web` for `api`.
    let budget = (wanted.chars().count() / 3).max(2);
    let mut close: Vec<(usize, &str)> = names
        .iter()
        .map(|n| (strsim::damerau_levenshtein(wanted, n), n.as_str()))
        .filter(|&(d, _)| d <= budget)
        .collect();
    close.sort();
    close
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, n)| n)
        .collect()
}

/// `; did you mean "a"?` / `; did you mean "a", "b" or "c"?`, or nothing.
fn did_you_mean(options: &[&str]) -> String {
    let quoted: Vec<String> = options.iter().map(|o| format!("\"{o}\"")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => format!("; did you mean {one}?"),
        [rest @ .., last] => format!("; did you mean {} or {last}?", rest.join(", ")),
    }
}

/// The subcommands a bare-name shorthand may have mistyped.
const SUBCOMMANDS: &[&str] = &[
    "analyze",
    "completions",
    "eval",
    "man",
    "patterns",
    "pod",
    "train",
    "watch",
];

/// `analyse` given as `podmortem analyse …` became `pod analyse`: say which subcommand it
/// looks like.
fn subcommand_hint(name: &str) -> Option<&'static str> {
    SUBCOMMANDS
        .iter()
        .copied()
        .filter(|s| strsim::damerau_levenshtein(name, s) <= 2)
        .min_by_key(|s| strsim::damerau_levenshtein(name, s))
}

pub fn run(args: PodArgs) -> anyhow::Result<i32> {
    if !(0.0..=1.0).contains(&args.min_confidence) {
        anyhow::bail!("--min-confidence must be between 0 and 1");
    }
    for n in &args.names {
        // Names go into URL paths: refuse what cannot be a pod before asking the server.
        if !is_dns1123_subdomain(pod_name(n)) {
            anyhow::bail!(
                "{:?} is not a pod name (lowercase letters, digits, '-' and '.')",
                escape_control(n)
            );
        }
    }
    if let Some(ns) = &args.namespace {
        if !is_dns1123_label(ns) {
            anyhow::bail!("-n: {:?} is not a namespace name", escape_control(ns));
        }
    }
    if let Some(c) = &args.container {
        if !is_dns1123_label(c) {
            anyhow::bail!("-c: {:?} is not a container name", escape_control(c));
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let code = rt.block_on(run_async(args));
    // Do not wait for an engine still compiling after a fatal error.
    rt.shutdown_background();
    code
}

/// What was gathered about the pods, before diagnosis.
struct Gathered {
    objects: Vec<serde_json::Value>,
    logs: Vec<ApiLog>,
    /// Evidence that could not be fetched (events, logs) and pods that do not exist; the rest
    /// is still diagnosed.
    errors: Vec<InputError>,
    /// A named pod, or the `-c` container in a pod, does not exist (exit 2).
    not_found: bool,
    /// How many pods were found.
    pods: usize,
}

async fn run_async(args: PodArgs) -> anyhow::Result<i32> {
    // Compile the pattern packs while the cluster answers.
    let (packs, redact) = (args.packs.clone(), args.redact.clone());
    let engine = tokio::task::spawn_blocking(move || engine(&packs).and_then(|e| redact.apply(e)));
    let conn = match connect(&ClientOptions {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
    })
    .await
    {
        Ok(c) => c,
        Err(WatchError::Config(m)) => return Ok(fail(&PodError::Config(m), None)),
        Err(e) => return Ok(fail(&PodError::Config(e.to_string()), None)),
    };
    let namespace = args
        .namespace
        .clone()
        .unwrap_or_else(|| conn.default_namespace.clone());
    // A bad --patterns directory is a usage error, as for `analyze` (exit 2 through `main`).
    // `connect` sent no request yet: nothing has been asked of the cluster in vain.
    let engine = engine.await.map_err(|e| anyhow::anyhow!("engine: {e}"))??;
    let gathered = match gather(&conn, &namespace, &args, &engine).await {
        Ok(g) => g,
        Err(e) => return Ok(fail(&e, engine.redactor())),
    };
    if gathered.pods == 0 && !gathered.not_found {
        // As `kubectl get pods -l …`: an empty selection is not an error.
        eprintln!(
            "podmortem: no pod matches -l {:?} in namespace \"{namespace}\"",
            escape_control(args.selector.as_deref().unwrap_or_default())
        );
        return Ok(0);
    }
    let report = diagnose(&engine, &gathered, &args);
    for e in &report.errors {
        // Each message names its pod or resource; `file` (`api:NS/POD…`) is for JSON.
        eprintln!("podmortem: {}", escape_control(&e.message));
    }
    if gathered.pods > 0 {
        let out = render_report(&report, args.output, args.color, args.verbose);
        emit(&out)?;
    }
    Ok(if args.exit_code && !report.diagnoses.is_empty() {
        3
    } else if gathered.not_found {
        2
    } else if report.errors.is_empty() {
        0
    } else {
        1
    })
}

/// Print a fatal error (each line escaped, secrets redacted) and return its exit status.
fn fail(e: &PodError, redactor: Option<&podmortem::redact::Redactor>) -> i32 {
    let mut msg = e.to_string();
    if let Some(r) = redactor {
        r.redact_in_place(&mut msg);
    }
    for line in msg.lines() {
        eprintln!("podmortem: {}", escape_control(line));
    }
    e.exit_status()
}

/// Fetch the pods, their events and the logs of their containers in trouble.
async fn gather(
    conn: &Connection,
    ns: &str,
    args: &PodArgs,
    engine: &Engine,
) -> Result<Gathered, PodError> {
    let url = conn.url.as_str();
    let pods_api: Api<Pod> = Api::namespaced(conn.client.clone(), ns);
    let mut errors = Vec::new();
    let mut not_found_any = false;
    let pods: Vec<Pod> = match &args.selector {
        Some(sel) => {
            let pods = list_pods(&pods_api, sel, ns, url).await?;
            // Matching nothing is no error, unless there is no such namespace to match in.
            if pods.is_empty() && namespace_missing(conn, ns).await {
                return Err(PodError::NamespaceNotFound(ns.to_string()));
            }
            pods
        }
        None => {
            let mut found = Vec::new();
            let mut not_found = Vec::new();
            let mut seen = BTreeSet::new();
            for arg in &args.names {
                let name = pod_name(arg);
                if !seen.insert(name) {
                    continue;
                }
                match pods_api.get(name).await {
                    Ok(p) => found.push(p),
                    Err(kube::Error::Api(s)) if s.code == 404 => not_found.push(name),
                    Err(e) => return Err(classify(e, "get", "pods", ns, url)),
                }
            }
            if !not_found.is_empty() {
                not_found_any = true;
                let names = pod_names(conn, &pods_api, ns).await?;
                for name in not_found {
                    let mut msg = format!("pod \"{name}\" not found in namespace \"{ns}\"");
                    msg.push_str(&did_you_mean(&suggestions(name, &names)));
                    if args.shorthand {
                        if let Some(s) = subcommand_hint(name) {
                            msg.push_str(&format!(" (or the subcommand `{s}`?)"));
                        }
                    }
                    errors.push(InputError::new(format!("api:{ns}/{name}"), msg));
                }
            }
            found
        }
    };
    if let Some(c) = &args.container {
        for p in &pods {
            let names = container_names(p);
            if !names.iter().any(|n| n == c) {
                not_found_any = true;
                let pod = p.metadata.name.clone().unwrap_or_default();
                errors.push(InputError::new(
                    format!("api:{ns}/{pod}"),
                    format!(
                        "container \"{c}\" not found in pod \"{pod}\" (its containers: {})",
                        names.join(", ")
                    ),
                ));
            }
        }
    }
    let events = fetch_events(conn, ns, &pods, &mut errors).await;
    let mut objects = Vec::new();
    for p in &pods {
        objects.push(serde_json::to_value(p).map_err(|e| PodError::Api(e.to_string()))?);
    }
    for e in events {
        objects.push(serde_json::to_value(&e).map_err(|e| PodError::Api(e.to_string()))?);
    }
    // Which containers are in trouble is decided on the status and events alone, by the
    // engine's own triage: only their logs are worth fetching.
    let incidents = timed(assemble(engine.patterns(), &objects, &[]), args);
    let wanted: Vec<LogWanted> = engine
        .diagnose_all(&incidents)
        .iter()
        .filter_map(|d| {
            let inc = incidents.iter().find(|i| {
                i.pod == d.pod
                    && i.container == d.container
                    && i.namespace.as_deref().is_none_or(|n| n == ns)
            })?;
            log_plan(inc)
        })
        .flatten()
        .collect();
    let logs = fetch_logs(&pods_api, ns, wanted, args.tail_lines, &mut errors).await;
    if let Some(r) = engine.redactor() {
        // A server's message may quote what it refused.
        for e in errors.iter_mut() {
            r.redact_in_place(&mut e.file);
            r.redact_in_place(&mut e.message);
        }
    }
    Ok(Gathered {
        objects,
        logs,
        errors,
        not_found: not_found_any,
        pods: pods.len(),
    })
}

/// Diagnose what was gathered, as `analyze` would have from an export of it.
fn diagnose(engine: &Engine, g: &Gathered, args: &PodArgs) -> Report {
    let incidents = timed(assemble(engine.patterns(), &g.objects, &g.logs), args);
    let mut diagnoses = engine.diagnose_all(&incidents);
    diagnoses.retain(|d| d.confidence >= args.min_confidence);
    Report::new(diagnoses, g.errors.clone(), incidents.len())
}

/// The incidents of `-c`'s container (all without it), with how long ago each container
/// restarted: live, the clock tells whether the kubelet has reset the back-off since (10
/// minutes of running), which an export cannot.
fn timed(incidents: Vec<Incident>, args: &PodArgs) -> Vec<Incident> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    incidents
        .into_iter()
        .filter(|i| {
            args.container
                .as_deref()
                .is_none_or(|c| i.container.as_deref() == Some(c))
        })
        .map(|mut i| {
            i.last_restart_secs = i.last_restart_secs.or_else(|| restart_age(&i, now));
            i
        })
        .collect()
}

/// All pods matching `selector`, following `continue` pages.
async fn list_pods(
    api: &Api<Pod>,
    selector: &str,
    ns: &str,
    url: &str,
) -> Result<Vec<Pod>, PodError> {
    let mut out = Vec::new();
    let mut lp = ListParams::default().labels(selector).limit(500);
    loop {
        let page = match api.list(&lp).await {
            Ok(p) => p,
            Err(kube::Error::Api(s)) if s.code == 400 => {
                return Err(PodError::BadSelector {
                    selector: selector.to_string(),
                    detail: s.message.clone(),
                })
            }
            Err(e) => return Err(classify(e, "list", "pods", ns, url)),
        };
        out.extend(page.items);
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(c) => lp = lp.continue_token(&c),
            None => return Ok(out),
        }
    }
}

/// The namespace's pod names, for "did you mean". Without permission to list them there is
/// just no suggestion; with no pod at all, the namespace itself may not exist.
async fn pod_names(conn: &Connection, api: &Api<Pod>, ns: &str) -> Result<Vec<String>, PodError> {
    let mut names = Vec::new();
    let mut lp = ListParams::default().limit(500);
    loop {
        let Ok(page) = api.list_metadata(&lp).await else {
            return Ok(names);
        };
        names.extend(page.items.into_iter().filter_map(|p| p.metadata.name));
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(c) => lp = lp.continue_token(&c),
            None => break,
        }
    }
    if names.is_empty() && namespace_missing(conn, ns).await {
        return Err(PodError::NamespaceNotFound(ns.to_string()));
    }
    Ok(names)
}

/// Whether the API says the namespace does not exist (not when it cannot tell: the minimal
/// Role may not read namespaces).
async fn namespace_missing(conn: &Connection, ns: &str) -> bool {
    let nss: Api<Namespace> = Api::all(conn.client.clone());
    matches!(nss.get(ns).await, Err(kube::Error::Api(s)) if s.code == 404)
}

/// The names of a pod's containers and init containers, from its spec.
fn container_names(p: &Pod) -> Vec<String> {
    let Some(spec) = &p.spec else {
        return Vec::new();
    };
    spec.init_containers
        .iter()
        .flatten()
        .chain(&spec.containers)
        .map(|c| c.name.clone())
        .collect()
}

/// Each pod's events (`involvedObject.name` and `uid`, so a deleted pod's namesake's events
/// stay out). Without them the diagnosis leans on status and logs: said once, not fatal.
async fn fetch_events(
    conn: &Connection,
    ns: &str,
    pods: &[Pod],
    errors: &mut Vec<InputError>,
) -> Vec<Event> {
    let api: Api<Event> = Api::namespaced(conn.client.clone(), ns);
    let results: Vec<(String, Result<Vec<Event>, kube::Error>)> =
        futures::stream::iter(pods.iter().map(|p| {
            let name = p.metadata.name.clone().unwrap_or_default();
            let mut selector = format!("involvedObject.name={name}");
            if let Some(uid) = &p.metadata.uid {
                selector.push_str(&format!(",involvedObject.uid={uid}"));
            }
            let api = api.clone();
            async move {
                let r = api
                    .list(&ListParams::default().fields(&selector))
                    .await
                    .map(|l| l.items);
                (name, r)
            }
        }))
        .buffered(CONCURRENCY)
        .collect()
        .await;
    let mut out = Vec::new();
    let mut forbidden_said = false;
    for (pod, r) in results {
        match r {
            Ok(evs) => out.extend(evs),
            Err(kube::Error::Api(s)) if s.code == 403 => {
                if !std::mem::replace(&mut forbidden_said, true) {
                    errors.push(InputError::new(
                        format!("api:{ns}/events"),
                        format!("cannot list events in namespace \"{ns}\": forbidden (RBAC: needs list on events); diagnosing without events"),
                    ));
                }
            }
            Err(e) => errors.push(InputError::new(
                format!("api:{ns}/{pod}/events"),
                format!(
                    "cannot list the events of pod \"{pod}\": {}; diagnosing without them",
                    chain(&e)
                ),
            )),
        }
    }
    out
}

/// One log to fetch.
#[derive(Debug, Clone)]
struct LogWanted {
    pod: String,
    container: String,
    previous: bool,
}

/// The logs worth reading for a container in trouble: the previous instance's when it has
/// crashed before (where the crash is), and the current instance's when one has run (the
/// kubelet serves the previous log as "current" while a container waits, so asking for both
/// then would only read it twice). An image that never ran has no log at all.
fn log_plan(inc: &Incident) -> Option<Vec<LogWanted>> {
    let st = inc.status.as_ref()?;
    let container = inc.container.clone()?;
    let mut out = Vec::new();
    if st.last_terminated.is_some() || st.restart_count.unwrap_or(0) > 0 {
        out.push(LogWanted {
            pod: inc.pod.clone(),
            container: container.clone(),
            previous: true,
        });
    }
    if matches!(
        st.state,
        Some(ContainerState::Running { .. }) | Some(ContainerState::Terminated(_))
    ) {
        out.push(LogWanted {
            pod: inc.pod.clone(),
            container,
            previous: false,
        });
    }
    Some(out)
}

/// Fetch the logs, bounded; failures become errors (the diagnosis goes on without the log).
async fn fetch_logs(
    api: &Api<Pod>,
    ns: &str,
    wanted: Vec<LogWanted>,
    tail_lines: i64,
    errors: &mut Vec<InputError>,
) -> Vec<ApiLog> {
    let results: Vec<(LogWanted, Result<Option<String>, kube::Error>)> =
        futures::stream::iter(wanted.into_iter().map(|w| async move {
            let lp = LogParams {
                container: Some(w.container.clone()),
                previous: w.previous,
                tail_lines: Some(tail_lines),
                limit_bytes: Some(LOG_LIMIT_BYTES),
                ..LogParams::default()
            };
            let r = match api.log_stream(&w.pod, &lp).await {
                Ok(body) => read_bounded(body)
                    .await
                    .map(Some)
                    .map_err(kube::Error::ReadEvents),
                // "previous terminated container … not found", "… is waiting to start": there
                // is no such log, which is not a failure.
                Err(kube::Error::Api(s)) if s.code == 400 => Ok(None),
                // The pod went away meanwhile.
                Err(kube::Error::Api(s)) if s.code == 404 => Ok(None),
                Err(e) => Err(e),
            };
            (w, r)
        }))
        .buffered(CONCURRENCY)
        .collect()
        .await;
    let mut logs = Vec::new();
    let mut forbidden_said = false;
    for (w, r) in results {
        let which = if w.previous { "previous" } else { "current" };
        match r {
            Ok(Some(text)) if !text.is_empty() => logs.push(ApiLog {
                namespace: ns.to_string(),
                pod: w.pod,
                container: w.container,
                previous: w.previous,
                text,
                source: None,
            }),
            Ok(_) => {}
            Err(kube::Error::Api(s)) if s.code == 403 => {
                if !std::mem::replace(&mut forbidden_said, true) {
                    errors.push(InputError::new(
                        format!("api:{ns}/{}/{}", w.pod, w.container),
                        format!("cannot get pods/log in namespace \"{ns}\": forbidden (RBAC: needs get on pods/log); diagnosing without logs"),
                    ));
                }
            }
            Err(e) => errors.push(InputError::new(
                format!("api:{ns}/{}/{}", w.pod, w.container),
                format!(
                    "cannot fetch the {which} log: {}; diagnosing without it",
                    chain(&e)
                ),
            )),
        }
    }
    logs
}

/// A log body, lossily decoded (crashing programs print binary garbage) and at most
/// [`LOG_LIMIT_BYTES`] long even if the server ignores `limitBytes`.
async fn read_bounded(body: impl futures::AsyncBufRead) -> std::io::Result<String> {
    let mut buf = Vec::new();
    Box::pin(body)
        .take(LOG_LIMIT_BYTES as u64)
        .read_to_end(&mut buf)
        .await?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn suggestions_prefer_the_pods_a_name_is_the_prefix_of() {
        let pods = names(&["api-7d9f8-x2k", "web-1", "api-7d9f8-a1b", "cache-0"]);
        assert_eq!(
            suggestions("api-7d9f", &pods),
            vec!["api-7d9f8-a1b", "api-7d9f8-x2k"]
        );
        assert_eq!(
            did_you_mean(&suggestions("api-7d9f", &pods)),
            "; did you mean \"api-7d9f8-a1b\" or \"api-7d9f8-x2k\"?"
        );
    }

    #[test]
    fn suggestions_catch_typos_but_not_unrelated_names() {
        let pods = names(&["api-7d9f8-x2k", "web-1", "cache-0"]);
        assert_eq!(suggestions("api-7d9f8-x2j", &pods), vec!["api-7d9f8-x2k"]);
        assert_eq!(suggestions("cahce-0", &pods), vec!["cache-0"]);
        assert!(suggestions("payments", &pods).is_empty());
        assert_eq!(did_you_mean(&[]), "");
    }

    #[test]
    fn resource_slash_name_is_a_pod_name() {
        assert_eq!(pod_name("pod/api"), "api");
        assert_eq!(pod_name("pods/api"), "api");
        assert_eq!(pod_name("api"), "api");
    }

    #[test]
    fn a_mistyped_subcommand_is_named() {
        assert_eq!(subcommand_hint("analyse"), Some("analyze"));
        assert_eq!(subcommand_hint("wacth"), Some("watch"));
        assert_eq!(subcommand_hint("api-7d9f8-x2k"), None);
    }
}
