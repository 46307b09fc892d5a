//! Command-line interface: flags are turned into a plan once, then each subcommand runs.

mod analyze;
mod eval_cmd;
mod patterns_cmd;
#[cfg(feature = "live")]
mod pod;
mod progress;
#[cfg(feature = "train")]
mod train_cmd;
#[cfg(feature = "live")]
mod watch;

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

/// Tells you why a Kubernetes container is stuck in BackOff.
///
/// podmortem reads exported artifacts (kubectl logs, CRI/Docker log files, events, pod
/// JSON/YAML, describe output, cluster-info dumps, tarballs) — or fetches them from a cluster
/// (`pod`, `watch`) — and prints, per failing container, the root cause, a confidence, the
/// evidence lines, the back-off state and the fix.
#[derive(Parser, Debug)]
#[command(name = "podmortem", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Diagnose exported artifacts: files, directories, archives, or - for stdin.
    #[command(after_help = "\
Examples:
  podmortem analyze ./namespace-dump/
  kubectl logs api-7d9f --previous > api.previous.log; kubectl describe pod api-7d9f > describe.txt
  podmortem analyze api.previous.log describe.txt
  kubectl get events -n shop -o json | podmortem analyze - --format json
  podmortem analyze ./namespace-dump/ -o html > postmortem.html

Exit status: 0 when every input was read, 1 when some inputs could not be read
(the others are still analysed), 2 on usage errors, and with --exit-code 3 when at
least one diagnosis at or above --min-confidence is printed.")]
    Analyze(AnalyzeArgs),
    /// Score the engine on labeled cases (accuracy, macro-F1, calibration).
    Eval(eval_cmd::EvalArgs),
    /// Train the classifier on a labeled corpus (CORPUS/train, calibrated on CORPUS/validation).
    #[cfg(feature = "train")]
    Train(train_cmd::TrainArgs),
    /// Inspect, test and export pattern packs.
    #[command(subcommand)]
    Patterns(PatternsCommand),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_help = "\
Examples:
  source <(podmortem completions bash)
  podmortem completions zsh > \"${fpath[1]}/_podmortem\"
  podmortem completions fish > ~/.config/fish/completions/podmortem.fish")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `podmortem man | man -l -`.
    Man,
    /// Follow a live cluster: diagnose containers as they start backing off.
    #[cfg(feature = "live")]
    #[command(after_help = "\
Examples:
  podmortem watch -n shop
  podmortem watch -A -o json | jq .cause
  podmortem watch --once -n shop            # diagnose what is failing now and exit
  podmortem watch --once -A --exit-code     # in CI: exit 3 when something is failing
  kubectl podmortem watch -n shop           # as a kubectl plugin (kubectl-podmortem on PATH)
  podmortem watch --node worker-3           # this node's pods, logs from /var/log/pods

Needs get/list/watch on pods, get on pods/log, list/watch on events (deploy/rbac.yaml, one
namespace; deploy/rbac-cluster.yaml for -A); --emit-events also needs create/get/patch on
events; --node needs no pods/log when the kubelet's log files are readable (deploy/node).

Exit status: 0 on Ctrl-C/SIGTERM or after --once, 1 when the cluster cannot be used
(no kubeconfig, unreachable, unauthorized, forbidden, namespace not found), 2 on usage
errors, and with --once --exit-code 3 when at least one diagnosis at or above
--min-confidence is printed.")]
    Watch(watch::WatchArgs),
    /// Diagnose pods by name (or -l selector) from the cluster, then exit.
    #[cfg(feature = "live")]
    #[command(after_help = "\
Examples:
  podmortem pod api-7d9f8-x2k -n shop
  podmortem pod -l app=api -n shop -o json
  kubectl podmortem pod api-7d9f8-x2k       # as a kubectl plugin (kubectl-podmortem on PATH)
  kubectl podmortem api-7d9f8-x2k           # shorthand: a pod name as the first argument
  kubectl podmortem -n shop api-7d9f8-x2k   # ... or -n, -l, -c, --context, --kubeconfig
  kubectl podmortem pod -l app=api --exit-code --min-confidence 0.8   # in a deploy job

Reads the pods, their events, and the current and previous logs (last --tail-lines
lines) of the containers in trouble: needs get/list on pods, list on events, get on
pods/log (deploy/rbac.yaml).

Exit status: 0 when nothing is failing (or diagnoses are printed without --exit-code),
1 when some evidence could not be fetched (events, logs: each is named on stderr, the
rest is still diagnosed) or on another failure, 2 on usage errors and when the cluster
cannot be used for the request (no kubeconfig, unreachable, unauthorized, forbidden,
pod or namespace not found), and with --exit-code 3 when at least one diagnosis at or
above --min-confidence is printed.")]
    Pod(pod::PodArgs),
}

/// Output format.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Compact human-readable text (coloured on a terminal).
    Text,
    /// The `podmortem/v1` JSON document.
    Json,
    /// A Markdown report (for tickets and postmortems).
    Markdown,
    /// One self-contained HTML page with a restart timeline per container (for postmortems).
    Html,
}

/// When to colour text output.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

#[derive(Args, Debug, Clone)]
pub struct PackArgs {
    /// Add or override pattern packs from DIR (*.yaml); a pack with the same name replaces the
    /// built-in one, a rule with the same id replaces the built-in rule. Repeatable.
    #[arg(long = "patterns", value_name = "DIR")]
    pub patterns: Vec<PathBuf>,
    /// Use this trained model instead of the built-in one (see `podmortem train`).
    #[arg(long, value_name = "FILE", conflicts_with = "rules_only")]
    pub model: Option<PathBuf>,
    /// Ignore the trained model: decide with the rule scores alone.
    #[arg(long)]
    pub rules_only: bool,
}

#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    /// Files, directories (walked), .gz/.tar/.tgz archives, or - for stdin.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<String>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Colour text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Show every evidence line and remediation step.
    #[arg(short, long)]
    pub verbose: bool,
    /// Only report diagnoses at or above this confidence.
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    pub min_confidence: f64,
    /// Exit 3 when at least one diagnosis is printed (like `git diff --exit-code`): a
    /// deploy job fails with the reason in its log.
    #[arg(long)]
    pub exit_code: bool,
    /// No progress line on stderr (it appears only on a terminal, after half a second).
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub redact: RedactArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
    #[command(flatten)]
    pub packs: PackArgs,
}

/// Bounds on what reading the input may cost (see `podmortem::Limits`).
#[derive(Args, Debug)]
pub struct LimitArgs {
    /// Largest JSON/YAML/describe document read [default: 64M] (logs stream and have no
    /// limit), and the most memory one JSON object may take decoded. SIZE like 64M, 1G.
    #[arg(long, value_name = "SIZE", value_parser = podmortem::Limits::parse_size)]
    pub max_document_size: Option<u64>,
    /// Most bytes decompressed from one input (a file or directory entry with every archive
    /// member in it) [default: 16G].
    #[arg(long, value_name = "SIZE", value_parser = podmortem::Limits::parse_size)]
    pub max_decompressed: Option<u64>,
    /// Most bytes decompressed in the whole run [default: 64G].
    #[arg(long, value_name = "SIZE", value_parser = podmortem::Limits::parse_size)]
    pub max_decompressed_total: Option<u64>,
}

impl LimitArgs {
    /// The library's defaults with the flags given applied.
    pub fn limits(&self) -> podmortem::Limits {
        let mut l = podmortem::Limits::default();
        if let Some(n) = self.max_document_size {
            l.max_document = n;
        }
        if let Some(n) = self.max_decompressed {
            l.max_decompressed = n;
        }
        if let Some(n) = self.max_decompressed_total {
            l.max_decompressed_total = n;
        }
        l
    }
}

/// Redaction of secrets in the output.
#[derive(Args, Debug, Clone)]
pub struct RedactArgs {
    /// Show secrets (passwords, tokens, keys) found in the evidence instead of `****`.
    #[arg(long, conflicts_with = "redact_rules")]
    pub no_redact: bool,
    /// Add redaction rules from FILE (YAML, the format of patterns/redact/secrets.yaml); a rule
    /// with the same id replaces the built-in one. Repeatable.
    #[arg(long = "redact-rules", value_name = "FILE")]
    pub redact_rules: Vec<PathBuf>,
}

impl RedactArgs {
    /// Apply to `engine`: off, the built-in rules, or the built-in rules plus the files'.
    pub fn apply(&self, engine: podmortem::Engine) -> anyhow::Result<podmortem::Engine> {
        use anyhow::Context;
        if self.no_redact {
            return Ok(engine.with_redaction(false));
        }
        let mut r = podmortem::redact::Redactor::embedded();
        for f in &self.redact_rules {
            let extra = podmortem::redact::Redactor::load_file(f)
                .with_context(|| "invalid redaction rules".to_string())?;
            r = r.extended(&extra);
        }
        Ok(engine.with_redactor(r))
    }
}

#[derive(Subcommand, Debug)]
enum PatternsCommand {
    /// Run every rule's examples and counter-examples (the built-in packs, or DIR's).
    Test {
        /// A directory of packs to test instead of the built-in ones.
        dir: Option<PathBuf>,
        /// Also run object-level rule fixtures: FIXTURES/<rule-id>/match* (the rule must fire
        /// on that artifact) and nomatch* (it must not), e.g. tests/rules.
        #[arg(long, value_name = "FIXTURES")]
        fixtures: Option<PathBuf>,
    },
    /// List the loaded packs and their rules.
    List {
        /// Show every rule, not only the packs.
        #[arg(short, long)]
        rules: bool,
        #[command(flatten)]
        packs: PackArgs,
    },
    /// Print the rule regexes, one per line (for `rg -f` / `grep -E -f` comparisons).
    Export {
        /// Regex dialect: `rust` (also ripgrep) or `ere` (POSIX extended, for grep -E -i).
        #[arg(long, value_enum, default_value_t = Dialect::Rust)]
        dialect: Dialect,
        #[command(flatten)]
        packs: PackArgs,
    },
}

/// Regex dialect for `patterns export`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// Rust regex syntax, group names dropped so that `rg -f` accepts the whole file.
    Rust,
    /// POSIX ERE: named groups and inline flags removed (use grep -E -i).
    Ere,
}

/// Whether to colour output on stdout.
pub fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && io::stdout().is_terminal()
        }
    }
}

/// Write to stdout; a closed pipe (`| head`) is not an error.
pub fn emit(s: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        r => r,
    }
}

/// The name to show in usage text: `kubectl podmortem` when run as the kubectl plugin
/// (kubectl runs `kubectl-podmortem` found on PATH; `-` in a plugin name is a space).
fn display_name(argv0: Option<std::ffi::OsString>) -> Option<&'static str> {
    let argv0 = argv0?;
    let stem = std::path::Path::new(&argv0)
        .file_stem()?
        .to_str()?
        .to_string();
    (stem == "kubectl-podmortem").then_some("kubectl podmortem")
}

/// Flags that, given first, mean `pod`: kubectl users write `kubectl podmortem -n shop api`.
/// None of them means anything before a subcommand, so nothing valid changes meaning.
const POD_SCOPE_FLAGS: &[&str] = &[
    "-n",
    "--namespace",
    "-l",
    "--selector",
    "-c",
    "--container",
    "--context",
    "--kubeconfig",
];

/// `kubectl podmortem NAME` means `kubectl podmortem pod NAME`: a first argument that is
/// neither a flag nor a subcommand is a pod name (and a first `-n`/`-l`/`-c`/`--context`/
/// `--kubeconfig` starts a `pod` command line too). Returns the arguments to parse and
/// whether the shorthand was used.
fn expand_shorthand(
    cmd: &clap::Command,
    mut args: Vec<std::ffi::OsString>,
) -> (Vec<std::ffi::OsString>, bool) {
    let Some(first) = args.get(1).and_then(|a| a.to_str()) else {
        return (args, false);
    };
    let bare_name =
        !first.starts_with('-') && first != "help" && cmd.find_subcommand(first).is_none();
    let scope_flag = POD_SCOPE_FLAGS.iter().any(|f| {
        first == *f
            || first
                .strip_prefix(f)
                .is_some_and(|rest| f.starts_with("--") && rest.starts_with('='))
    });
    let shorthand = (bare_name || scope_flag) && cmd.find_subcommand("pod").is_some();
    if shorthand {
        args.insert(1, "pod".into());
    }
    (args, shorthand)
}

/// Parse the command line, naming the program as the user invoked it.
fn parse() -> Cli {
    let mut cmd = Cli::command();
    if let Some(name) = display_name(std::env::args_os().next()) {
        cmd = cmd.name(name).bin_name(name);
    }
    let (args, shorthand) = expand_shorthand(&cmd, std::env::args_os().collect());
    let matches = cmd.get_matches_from(args);
    #[cfg_attr(not(feature = "live"), allow(unused_mut))]
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    #[cfg(feature = "live")]
    if let Command::Pod(args) = &mut cli.command {
        args.shorthand = shorthand;
    }
    #[cfg(not(feature = "live"))]
    let _ = shorthand;
    cli
}

/// The report in `format`: the one dispatch on [`Format`] for commands that print a report.
pub fn render_report(
    report: &podmortem::Report,
    format: Format,
    color: ColorChoice,
    verbose: bool,
) -> String {
    use podmortem::render::{to_html, to_json, to_markdown, to_text, TextOptions};
    match format {
        Format::Text => to_text(
            report,
            TextOptions {
                color: use_color(color),
                verbose,
            },
        ),
        Format::Json => to_json(report) + "\n",
        Format::Markdown => to_markdown(report),
        Format::Html => to_html(report),
    }
}

/// Parse flags, run, and map the outcome to an exit status.
pub fn main() -> i32 {
    let cli = parse();
    let result = match cli.command {
        Command::Analyze(args) => analyze::run(args),
        Command::Eval(args) => eval_cmd::run_eval(args),
        #[cfg(feature = "train")]
        Command::Train(args) => train_cmd::run(args),
        Command::Patterns(cmd) => match cmd {
            PatternsCommand::Test { dir, fixtures } => patterns_cmd::test(dir, fixtures),
            PatternsCommand::List { rules, packs } => patterns_cmd::list(rules, &packs),
            PatternsCommand::Export { dialect, packs } => patterns_cmd::export(dialect, &packs),
        },
        #[cfg(feature = "live")]
        Command::Watch(args) => watch::run(args),
        #[cfg(feature = "live")]
        Command::Pod(args) => pod::run(args),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "podmortem", &mut out);
            emit(&String::from_utf8_lossy(&out))
                .map(|_| 0)
                .map_err(Into::into)
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut out)
                .map_err(anyhow::Error::from)
                .and_then(|_| emit(&String::from_utf8_lossy(&out)).map_err(Into::into))
                .map(|_| 0)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            if let Some(io) = e.downcast_ref::<io::Error>() {
                if io.kind() == io::ErrorKind::BrokenPipe {
                    return 0;
                }
            }
            eprintln!("podmortem: {e:#}");
            2
        }
    }
}

/// Build the engine from the built-in packs plus `--patterns` directories.
/// Runs a live command (`watch`, `pod`) on a small runtime: two workers are plenty for API calls,
/// and the engine compiles on a blocking thread meanwhile.
#[cfg(feature = "live")]
fn block_on_live(
    fut: impl std::future::Future<Output = anyhow::Result<i32>>,
) -> anyhow::Result<i32> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let code = rt.block_on(fut);
    // Do not wait for an engine still compiling after a fatal start-up error.
    rt.shutdown_background();
    code
}

pub fn engine(packs: &PackArgs) -> anyhow::Result<podmortem::Engine> {
    let engine = patterns_engine(packs)?;
    if packs.rules_only {
        return Ok(engine.with_model(None));
    }
    match &packs.model {
        Some(path) => Ok(engine.with_model(Some(podmortem::model::Model::load(path)?))),
        None => Ok(engine),
    }
}

fn patterns_engine(packs: &PackArgs) -> anyhow::Result<podmortem::Engine> {
    use anyhow::Context;
    if packs.patterns.is_empty() {
        return Ok(podmortem::Engine::new());
    }
    let mut extra = Vec::new();
    for dir in &packs.patterns {
        extra.extend(
            podmortem::patterns::load_dir(dir)
                .with_context(|| format!("cannot load pattern packs from {}", dir.display()))?,
        );
    }
    let merged = podmortem::patterns::merge_packs(podmortem::patterns::embedded_packs(), extra);
    let set = podmortem::PatternSet::new(&merged).context("invalid pattern pack")?;
    Ok(podmortem::Engine::with_patterns(set))
}
