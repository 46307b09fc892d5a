//! `podmortem pod NAME` / `kubectl podmortem NAME` against the fake API server over real HTTP:
//! one diagnosis per cause of the `shop` scenario, `-l` for several, the error messages
//! (unknown pod with "did you mean", forbidden, unreachable), exit codes 0/1/2/3, and the
//! kubectl plugin name, on PATH and through the real `kubectl` when it is installed.
#![cfg(feature = "live")]

#[path = "support/fake_apiserver.rs"]
mod fake_apiserver;
#[path = "support/scenario.rs"]
mod scenario;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use fake_apiserver::*;
use scenario::{case, CASES, HEALTHY, NS, TEAM};
use serde_json::Value;
use tempfile::TempDir;

/// Generous: the test binary is unoptimised and CI machines are loaded.
const WAIT: Duration = Duration::from_secs(60);

struct Cluster {
    srv: FakeApiServer,
    dir: TempDir,
    kubeconfig: PathBuf,
}

async fn cluster() -> Cluster {
    let srv = FakeApiServer::start().await;
    scenario::seed(&srv);
    let dir = TempDir::new().unwrap();
    let kubeconfig = srv.write_kubeconfig(dir.path());
    Cluster {
        srv,
        dir,
        kubeconfig,
    }
}

/// Runs `program args…` with only the given kubeconfig (and no ~/.kube/config) in sight.
async fn run_program(program: &Path, home: &Path, kubeconfig: &Path, args: &[&str]) -> Output {
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .env("KUBECONFIG", kubeconfig)
        .env("HOME", home)
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env("NO_COLOR", "1")
        .kill_on_drop(true);
    tokio::time::timeout(WAIT, cmd.output())
        .await
        .expect("podmortem exits")
        .unwrap()
}

async fn podmortem(c: &Cluster, args: &[&str]) -> Output {
    run_program(
        Path::new(env!("CARGO_BIN_EXE_podmortem")),
        c.dir.path(),
        &c.kubeconfig,
        args,
    )
    .await
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The `podmortem/v1` document printed by `-o json`.
fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("JSON on stdout ({e}): {}\n{}", stdout(o), stderr(o)))
}

/// `(pod, container, cause)` of each diagnosis.
fn causes(doc: &Value) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = doc["diagnoses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap_or_default().to_string();
            (s("pod"), s("container"), s("cause"))
        })
        .collect();
    v.sort();
    v
}

fn log_requests(srv: &FakeApiServer) -> Vec<String> {
    srv.requests()
        .into_iter()
        .map(|r| r.uri)
        .filter(|u| u.contains("/log?"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_cause_of_the_scenario_is_diagnosed_by_pod_name() {
    let c = cluster().await;
    for case in CASES {
        let out = podmortem(&c, &["pod", case.pod, "-n", NS, "-o", "json"]).await;
        assert_eq!(out.status.code(), Some(0), "{}: {}", case.pod, stderr(&out));
        let doc = json(&out);
        assert_eq!(
            causes(&doc),
            vec![(case.pod.into(), case.container.into(), case.cause.into())],
            "{}",
            case.pod
        );
        let d = &doc["diagnoses"][0];
        assert!(
            d["confidence"].as_f64().unwrap() >= 0.5,
            "{}: {d}",
            case.pod
        );
        let evidence = d["evidence"].to_string();
        assert!(
            evidence.contains(&case.evidence.replace('"', "\\\"")),
            "{}: evidence lacks {:?}: {evidence}",
            case.pod,
            case.evidence
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_output_names_the_cause_its_evidence_and_the_fix() {
    let c = cluster().await;
    let out = podmortem(&c, &["pod", "orders-84b6d-m3n4b", "-n", NS]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("shop/orders-84b6d-m3n4b/app  dependency_unavailable"),
        "{text}"
    );
    // The evidence comes from the previous instance's log, fetched through pods/log.
    assert!(
        text.contains("api:shop/orders-84b6d-m3n4b/app (previous)"),
        "{text}"
    );
    assert!(text.contains("fix:"), "{text}");
    assert!(text.contains("$ kubectl"), "{text}");
}

/// `pod -o html` writes the same self-contained page as `analyze -o html`: the cause in the
/// summary, the evidence fetched live, and no external resource.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_output_is_the_postmortem_page() {
    let c = cluster().await;
    let out = podmortem(&c, &["pod", "orders-84b6d-m3n4b", "-n", NS, "-o", "html"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let page = stdout(&out);
    assert!(
        page.starts_with("<!DOCTYPE html>"),
        "{}",
        &page[..page.len().min(200)]
    );
    assert!(page.contains("dependency_unavailable"), "{page}");
    assert!(
        page.contains("api:shop/orders-84b6d-m3n4b/app (previous)"),
        "{page}"
    );
    for attr in ["src=\"http", "href=\"http", "url(http"] {
        assert!(!page.contains(attr), "external resource: {attr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_logs_of_containers_in_trouble_are_fetched_and_bounded() {
    let c = cluster().await;
    let out = podmortem(
        &c,
        &[
            "pod",
            "api-7d9f8-x2k",
            "payments-59c7f-t5y6u",
            "cart-5c6d7b-q8w2e",
            HEALTHY,
            "-n",
            NS,
            "--tail-lines",
            "50",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut logs = log_requests(&c.srv);
    logs.sort();
    // Waiting in CrashLoopBackOff: the previous instance only (the kubelet would serve the
    // same text as "current"). Running again after a liveness kill: both. An image that
    // never ran and a healthy pod: none.
    let want = [
        ("api-7d9f8-x2k", true),
        ("payments-59c7f-t5y6u", true),
        ("payments-59c7f-t5y6u", false),
    ];
    assert_eq!(logs.len(), want.len(), "{logs:?}");
    for (uri, (pod, previous)) in logs.iter().zip(want) {
        assert!(
            uri.contains(&format!("/namespaces/shop/pods/{pod}/log?")),
            "{uri}"
        );
        assert!(uri.contains("container=app"), "{uri}");
        assert!(uri.contains("tailLines=50"), "{uri}");
        assert!(uri.contains("limitBytes="), "{uri}");
        assert_eq!(uri.contains("previous=true"), previous, "{uri}");
    }
    // Events are asked for per pod, by name and uid.
    let events: Vec<String> = c
        .srv
        .requests()
        .into_iter()
        .map(|r| r.uri)
        .filter(|u| u.contains("/events?"))
        .collect();
    assert_eq!(events.len(), 4, "{events:?}");
    assert!(
        events
            .iter()
            .all(|u| u.contains("involvedObject.name") && u.contains("involvedObject.uid")),
        "{events:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_label_selector_diagnoses_several_pods() {
    let c = cluster().await;
    let out = podmortem(&c, &["pod", "-l", TEAM, "-n", NS, "-o", "json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut want: Vec<(String, String, String)> = CASES
        .iter()
        .map(|c| (c.pod.into(), c.container.into(), c.cause.into()))
        .collect();
    want.sort();
    assert_eq!(causes(&json(&out)), want);

    let one = podmortem(
        &c,
        &[
            "pod",
            "-l",
            "app=search-7b8c9-k1l2m",
            "-n",
            NS,
            "-o",
            "json",
        ],
    )
    .await;
    assert_eq!(
        causes(&json(&one)),
        vec![(
            "search-7b8c9-k1l2m".into(),
            "app".into(),
            case("search-7b8c9-k1l2m").cause.into()
        )]
    );

    // As `kubectl get pods -l`: matching nothing is said, and is not an error.
    let none = podmortem(&c, &["pod", "-l", "app=nothing", "-n", NS]).await;
    assert_eq!(none.status.code(), Some(0));
    assert_eq!(stdout(&none), "");
    assert_eq!(
        stderr(&none).trim(),
        "podmortem: no pod matches -l \"app=nothing\" in namespace \"shop\""
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_pod_suggests_the_namespaces_pod_names() {
    let c = cluster().await;
    let out = podmortem(&c, &["pod", "api-7d9f", "-n", NS]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out).trim(),
        "podmortem: pod \"api-7d9f\" not found in namespace \"shop\"; did you mean \"api-7d9f8-x2k\"?"
    );
    // A typo in a full name.
    let out = podmortem(&c, &["pod", "cart-5c6d7b-q8w2r", "-n", NS]).await;
    assert_eq!(
        stderr(&out).trim(),
        "podmortem: pod \"cart-5c6d7b-q8w2r\" not found in namespace \"shop\"; did you mean \"cart-5c6d7b-q8w2e\"?"
    );
    // Nothing alike: no suggestion.
    let out = podmortem(&c, &["pod", "inventory", "-n", NS]).await;
    assert_eq!(
        stderr(&out).trim(),
        "podmortem: pod \"inventory\" not found in namespace \"shop\""
    );
    // One name found, one not: the found pod is still diagnosed, the exit status says 2.
    let out = podmortem(
        &c,
        &["pod", "api-7d9f8-x2k", "api-7d9f", "-n", NS, "-o", "json"],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        causes(&json(&out)),
        vec![("api-7d9f8-x2k".into(), "app".into(), "oom_killed".into())]
    );
    assert!(
        stderr(&out).contains("pod \"api-7d9f\" not found in namespace \"shop\""),
        "{}",
        stderr(&out)
    );
    // A namespace that does not exist is named as such.
    let out = podmortem(&c, &["pod", "api", "-n", "shopp"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim(),
        "podmortem: namespace \"shopp\" not found (check -n/--namespace or the context's namespace)"
    );
    let out = podmortem(&c, &["pod", "-l", TEAM, "-n", "shopp"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("podmortem: namespace \"shopp\" not found"),
        "{}",
        stderr(&out)
    );
    // -c names a container the pod does not have.
    let out = podmortem(&c, &["pod", "api-7d9f8-x2k", "-n", NS, "-c", "sidecar"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "container \"sidecar\" not found in pod \"api-7d9f8-x2k\" (its containers: app)"
        ),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_names_the_verb_and_the_resource() {
    let c = cluster().await;
    c.srv.deny("pods", "get");
    let out = podmortem(&c, &["pod", "api-7d9f8-x2k", "-n", NS]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    let mut lines = err.lines();
    assert_eq!(
        lines.next(),
        Some(
            "podmortem: cannot get pods in namespace \"shop\": forbidden (RBAC: needs get on pods)"
        )
    );
    // The server's own words name who was refused.
    assert!(lines.next().unwrap_or_default().contains(USER), "{err}");

    c.srv.allow_all();
    c.srv.deny("pods", "list");
    let out = podmortem(&c, &["pod", "-l", TEAM, "-n", NS]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with(
            "podmortem: cannot list pods in namespace \"shop\": forbidden (RBAC: needs list on pods)"
        ),
        "{}",
        stderr(&out)
    );

    // Without pods/log the diagnosis goes on from the status, says what is missing, exits 1.
    c.srv.allow_all();
    c.srv.deny("pods/log", "get");
    let out = podmortem(&c, &["pod", "api-7d9f8-x2k", "-n", NS, "-o", "json"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        causes(&json(&out)),
        vec![("api-7d9f8-x2k".into(), "app".into(), "oom_killed".into())]
    );
    assert_eq!(
        stderr(&out).trim(),
        "podmortem: cannot get pods/log in namespace \"shop\": forbidden (RBAC: needs get on pods/log); diagnosing without logs"
    );
    assert!(json(&out)["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("pods/log"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_api_names_the_server_and_a_hint() {
    let (server, port) = unreachable_server();
    let dir = TempDir::new().unwrap();
    let kc = write_kubeconfig_for(&dir.path().join("kubeconfig"), &server, "{}", None);
    let out = run_program(
        Path::new(env!("CARGO_BIN_EXE_podmortem")),
        dir.path(),
        &kc,
        &["pod", "api-7d9f8-x2k"],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!(
            "podmortem: cannot reach the Kubernetes API at http://127.0.0.1:{port}: "
        )),
        "{err}"
    );
    assert!(err.contains("hint: is the cluster up"), "{err}");
    assert!(err.contains("--context, --kubeconfig"), "{err}");

    // No kubeconfig at all: where it looked.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_podmortem"))
        .args(["pod", "api"])
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env("HOME", dir.path().join("nowhere"))
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim(),
        "podmortem: no kubeconfig found (looked at $KUBECONFIG, ~/.kube/config) and not running in a cluster"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_code_is_3_for_a_diagnosis_and_0_for_a_healthy_pod() {
    let c = cluster().await;
    let failing = podmortem(&c, &["pod", "api-7d9f8-x2k", "-n", NS, "--exit-code"]).await;
    assert_eq!(failing.status.code(), Some(3), "{}", stderr(&failing));
    assert!(
        stdout(&failing).contains("oom_killed"),
        "{}",
        stdout(&failing)
    );

    let healthy = podmortem(&c, &["pod", HEALTHY, "-n", NS, "--exit-code"]).await;
    assert_eq!(healthy.status.code(), Some(0), "{}", stderr(&healthy));
    assert_eq!(
        stdout(&healthy).trim(),
        "No container in BackOff or failing: 1 container(s) examined."
    );

    // Below --min-confidence nothing is printed, so nothing fails the job.
    let doc = json(&podmortem(&c, &["pod", "orders-84b6d-m3n4b", "-n", NS, "-o", "json"]).await);
    let conf = doc["diagnoses"][0]["confidence"].as_f64().unwrap();
    assert!(conf < 1.0, "{doc}");
    let above = format!("{:.3}", (conf + 1.0) / 2.0);
    let quiet = podmortem(
        &c,
        &[
            "pod",
            "orders-84b6d-m3n4b",
            "-n",
            NS,
            "--exit-code",
            "--min-confidence",
            &above,
        ],
    )
    .await;
    assert_eq!(quiet.status.code(), Some(0), "{}", stderr(&quiet));

    // Without --exit-code a diagnosis is a success.
    let plain = podmortem(&c, &["pod", "api-7d9f8-x2k", "-n", NS]).await;
    assert_eq!(plain.status.code(), Some(0));
    // A selector in a deploy job: several failing, one exit status.
    let job = podmortem(&c, &["pod", "-l", TEAM, "-n", NS, "--exit-code"]).await;
    assert_eq!(job.status.code(), Some(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_once_exit_code() {
    let c = cluster().await;
    let failing = podmortem(
        &c,
        &["watch", "--once", "-n", NS, "--exit-code", "-o", "json"],
    )
    .await;
    assert_eq!(failing.status.code(), Some(3), "{}", stderr(&failing));
    assert_eq!(stdout(&failing).lines().count(), CASES.len());

    // Only the healthy pod: nothing printed, exit 0.
    let healthy = podmortem(
        &c,
        &[
            "watch",
            "--once",
            "-n",
            NS,
            "-l",
            &format!("app={HEALTHY}"),
            "--exit-code",
        ],
    )
    .await;
    assert_eq!(healthy.status.code(), Some(0), "{}", stderr(&healthy));
    assert_eq!(stdout(&healthy), "");

    // The threshold decides: the same pod below it prints nothing and exits 0, at or above it
    // is printed and exits 3.
    let orders = [
        "watch",
        "--once",
        "-n",
        NS,
        "-l",
        "app=orders-84b6d-m3n4b",
        "-o",
        "json",
    ];
    let doc = podmortem(&c, &orders).await;
    let line: Value = serde_json::from_str(stdout(&doc).trim()).unwrap();
    let conf = line["confidence"].as_f64().unwrap();
    assert!(conf < 1.0, "{line}");
    for (min, code, lines) in [
        (format!("{:.3}", (conf + 1.0) / 2.0), 0, 0),
        (format!("{:.3}", conf - 0.001), 3, 1),
    ] {
        let mut args = orders.to_vec();
        args.extend(["--exit-code", "--min-confidence", &min]);
        let out = podmortem(&c, &args).await;
        assert_eq!(out.status.code(), Some(code), "{min}: {}", stderr(&out));
        assert_eq!(stdout(&out).lines().count(), lines, "{min}");
    }

    // Without --exit-code, --once exits 0 whatever it found; --exit-code needs --once.
    let plain = podmortem(&c, &["watch", "--once", "-n", NS]).await;
    assert_eq!(plain.status.code(), Some(0));
    let usage = podmortem(&c, &["watch", "-n", NS, "--exit-code"]).await;
    assert_eq!(usage.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_pod_name_is_shorthand_for_pod() {
    let c = cluster().await;
    let out = podmortem(&c, &["search-7b8c9-k1l2m", "-n", NS, "-o", "json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        causes(&json(&out)),
        vec![(
            "search-7b8c9-k1l2m".into(),
            "app".into(),
            "config_error".into()
        )]
    );
    // kubectl's habit: the namespace first.
    for first in [&["-n", NS][..], &["--namespace=shop"][..]] {
        let mut args = first.to_vec();
        args.extend(["search-7b8c9-k1l2m", "-o", "json"]);
        let out = podmortem(&c, &args).await;
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_eq!(causes(&json(&out))[0].2, "config_error", "{args:?}");
    }
    let out = podmortem(&c, &["-l", TEAM, "-n", NS, "--exit-code"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    // Subcommands and flags keep their meaning; a mistyped subcommand is pointed out.
    let help = podmortem(&c, &["--help"]).await;
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("Commands:"), "{}", stdout(&help));
    let version = podmortem(&c, &["--version"]).await;
    assert!(
        stdout(&version).starts_with("podmortem "),
        "{}",
        stdout(&version)
    );
    // A flag `pod` does not start with is still a usage error, not a pod name.
    let out = podmortem(&c, &["--bogus"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unexpected argument '--bogus'"),
        "{}",
        stderr(&out)
    );
    let out = podmortem(&c, &["analyse", "-n", NS]).await;
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim(),
        "podmortem: pod \"analyse\" not found in namespace \"shop\" (or the subcommand `analyze`?)"
    );
}

/// A directory holding `kubectl-podmortem`, a link to the test binary, as a user installs it.
fn plugin_dir() -> TempDir {
    let dir = TempDir::new().unwrap();
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_podmortem"),
        dir.path().join("kubectl-podmortem"),
    )
    .unwrap();
    dir
}

fn path_with(dir: &Path) -> std::ffi::OsString {
    let mut paths = vec![dir.to_path_buf()];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(paths).unwrap()
}

async fn run_on_path(c: &Cluster, plugins: &Path, program: &str, args: &[&str]) -> Output {
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .env("PATH", path_with(plugins))
        .env("KUBECONFIG", &c.kubeconfig)
        .env("HOME", c.dir.path())
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env("NO_COLOR", "1")
        .kill_on_drop(true);
    tokio::time::timeout(WAIT, cmd.output())
        .await
        .expect("exits")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_podmortem_on_path() {
    let c = cluster().await;
    let plugins = plugin_dir();
    for args in [
        &["pod", "api-7d9f8-x2k", "-n", NS, "-o", "json"][..],
        &["api-7d9f8-x2k", "-n", NS, "-o", "json"][..],
    ] {
        let out = run_on_path(&c, plugins.path(), "kubectl-podmortem", args).await;
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_eq!(
            causes(&json(&out)),
            vec![("api-7d9f8-x2k".into(), "app".into(), "oom_killed".into())],
            "{args:?}"
        );
    }
    // Its usage text names it as kubectl does.
    let help = run_on_path(&c, plugins.path(), "kubectl-podmortem", &["pod", "--help"]).await;
    assert!(
        stdout(&help).contains("Usage: kubectl podmortem pod"),
        "{}",
        stdout(&help)
    );
}

/// The real kubectl, or None (and a note on stderr: the test then checks nothing more).
fn kubectl() -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("kubectl"))
        .find(|p| p.is_file());
    if found.is_none() {
        eprintln!("SKIPPED: kubectl not found on PATH; `kubectl podmortem` was not run through it");
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_the_real_kubectl() {
    let Some(kubectl) = kubectl() else {
        return;
    };
    let c = cluster().await;
    let plugins = plugin_dir();
    let kubectl = kubectl.to_string_lossy().into_owned();
    let listed = run_on_path(&c, plugins.path(), &kubectl, &["plugin", "list"]).await;
    assert!(
        stdout(&listed).contains("kubectl-podmortem"),
        "{}\n{}",
        stdout(&listed),
        stderr(&listed)
    );
    for args in [
        &[
            "podmortem",
            "pod",
            "payments-59c7f-t5y6u",
            "-n",
            NS,
            "-o",
            "json",
        ][..],
        &["podmortem", "payments-59c7f-t5y6u", "-n", NS, "-o", "json"][..],
    ] {
        let out = run_on_path(&c, plugins.path(), &kubectl, args).await;
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_eq!(
            causes(&json(&out)),
            vec![(
                "payments-59c7f-t5y6u".into(),
                "app".into(),
                "liveness_probe_failed".into()
            )],
            "{args:?}"
        );
    }
    // The exit status reaches the caller through kubectl.
    let out = run_on_path(
        &c,
        plugins.path(),
        &kubectl,
        &["podmortem", "pod", "api-7d9f", "-n", NS],
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("did you mean \"api-7d9f8-x2k\"?"),
        "{}",
        stderr(&out)
    );
    let out = run_on_path(
        &c,
        plugins.path(),
        &kubectl,
        &["podmortem", "pod", "-l", TEAM, "-n", NS, "--exit-code"],
    )
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_in_logs_are_redacted_unless_asked() {
    let c = cluster().await;
    let pod = pod_json(NS, "ledger-0", [Ctr::new("app").crash_loop("10s")]);
    c.srv.set_pod(pod);
    c.srv.set_log(
        NS,
        "ledger-0",
        "app",
        true,
        "starting ledger\n\
         FATAL: postgres://ledger:s3cr3t-pw@db.shop.svc:5432/ledger: \
         dial tcp 10.0.0.7:5432: connect: connection refused\n",
    );
    for format in ["text", "json", "markdown"] {
        let out = podmortem(&c, &["pod", "ledger-0", "-n", NS, "-v", "-o", format]).await;
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let all = stdout(&out) + &stderr(&out);
        assert!(!all.contains("s3cr3t-pw"), "{format}: {all}");
        // Markdown escapes the asterisks.
        let masked = if format == "markdown" {
            r"\*\*\*\*"
        } else {
            "****"
        };
        assert!(
            all.contains(&format!("postgres://ledger:{masked}@db.shop.svc:5432")),
            "{format}: {all}"
        );
    }
    let out = podmortem(&c, &["pod", "ledger-0", "-n", NS, "-v", "--no-redact"]).await;
    assert!(
        stdout(&out).contains("ledger:s3cr3t-pw@db"),
        "{}",
        stdout(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_container_of_several_and_events_forbidden() {
    let c = cluster().await;
    let pod = pod_json(
        NS,
        "duo-0",
        [
            Ctr::new("app").oom_killed().crash_loop("20s").restarts(2),
            Ctr::new("proxy")
                .image("registry.example.com/shop/proxy:nope")
                .image_pull_back_off(),
        ],
    );
    c.srv.set_pod(pod);
    c.srv.set_log(NS, "duo-0", "app", true, "starting\n");
    let both = podmortem(&c, &["pod", "duo-0", "-n", NS, "-o", "json"]).await;
    assert_eq!(
        causes(&json(&both)),
        vec![
            ("duo-0".into(), "app".into(), "oom_killed".into()),
            ("duo-0".into(), "proxy".into(), "image_pull_error".into()),
        ]
    );
    c.srv.clear_requests();
    let proxy = podmortem(&c, &["pod", "duo-0", "-n", NS, "-c", "proxy", "-o", "json"]).await;
    assert_eq!(proxy.status.code(), Some(0), "{}", stderr(&proxy));
    assert_eq!(
        causes(&json(&proxy)),
        vec![("duo-0".into(), "proxy".into(), "image_pull_error".into())]
    );
    // The other container's log is not fetched.
    assert_eq!(log_requests(&c.srv), Vec::<String>::new());

    // Without events the status still speaks; what is missing is said, and the exit is 1.
    c.srv.deny("events", "list");
    let out = podmortem(&c, &["pod", "duo-0", "-n", NS, "-c", "app", "-o", "json"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        causes(&json(&out)),
        vec![("duo-0".into(), "app".into(), "oom_killed".into())]
    );
    assert_eq!(
        stderr(&out).trim(),
        "podmortem: cannot list events in namespace \"shop\": forbidden (RBAC: needs list on events); diagnosing without events"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_context_is_named_and_exits_2() {
    let c = cluster().await;
    let out = podmortem(&c, &["pod", "api-7d9f8-x2k", "-n", NS, "--context", "prod"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim(),
        format!(
            "podmortem: context \"prod\" not found in {}",
            c.kubeconfig.display()
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_exec_plugin_shows_its_program_and_status_only() {
    let c = cluster().await;
    let kubeconfig = write_kubeconfig_for(
        &c.dir.path().join("exec-kubeconfig"),
        &c.srv.url(),
        FAILING_EXEC_PLUGIN_USER,
        Some(NS),
    );
    let out = run_program(
        Path::new(env!("CARGO_BIN_EXE_podmortem")),
        c.dir.path(),
        &kubeconfig,
        &["pod", "api-7d9f8-x2k"],
    )
    .await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("exec credential plugin `sh` failed (exit status 7"),
        "{err}"
    );
    assert!(!err.contains("TOKEN"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminal_escapes_from_the_cluster_are_shown_escaped() {
    let c = cluster().await;
    let pod = pod_json(NS, "evil-0", [Ctr::new("app").crash_loop("10s")]);
    c.srv.set_pod(pod);
    c.srv.set_log(
        NS,
        "evil-0",
        "app",
        true,
        "panic: \x1b]0;owned\x07\x1b[2J runtime error: invalid memory address or nil pointer dereference\n",
    );
    let out = podmortem(&c, &["pod", "evil-0", "-n", NS, "-v"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("app_crash"), "{text}");
    assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text:?}");
    assert!(text.contains(r"\x1b]0;owned\x07"), "{text}");
}
