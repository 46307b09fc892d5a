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

mod errors;
mod fetch;
mod gather;
mod names;

use std::path::PathBuf;

use clap::Args;
use podmortem::diagnose::command::{is_dns1123_label, is_dns1123_subdomain};
use podmortem::diagnose::restart_age;
use podmortem::ingest::assemble;
use podmortem::live::{connect, ClientOptions, WatchError};
use podmortem::render::escape_control;
use podmortem::{Engine, Incident, Report};

use super::{emit, engine, render_report, ColorChoice, Format, PackArgs, RedactArgs};
use errors::PodError;
use gather::{gather, Gathered};
use names::pod_name;

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
    crate::cli::block_on_live(run_async(args))
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
