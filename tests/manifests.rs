//! The deployment manifests (`deploy/cluster`, `deploy/node`), rendered by the machine's real
//! `kubectl kustomize` (skipped with a notice when kubectl is not installed) and checked on
//! the parsed YAML: what runs, with which flags (accepted by this very binary), under which
//! security context, probed how, and with which permissions.
#![cfg(feature = "live")]

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

#[path = "support/cli.rs"]
mod cli;

/// The rendered documents of a kustomization, or `None` when kubectl is not installed.
fn render(dir: &str) -> Option<Vec<Value>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let out = match Command::new("kubectl").arg("kustomize").arg(&path).output() {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("skipped: kubectl is not on PATH, cannot render {dir}");
            return None;
        }
        Err(e) => panic!("cannot run kubectl kustomize {dir}: {e}"),
    };
    assert!(
        out.status.success(),
        "kubectl kustomize {dir} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("UTF-8 YAML");
    let docs: Vec<Value> = serde_saphyr::from_multiple(&text)
        .unwrap_or_else(|e| panic!("kubectl kustomize {dir}: unparseable YAML: {e}"));
    Some(docs.into_iter().filter(|d| !d.is_null()).collect())
}

/// The one object of this kind and name.
fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    let found: Vec<&Value> = docs
        .iter()
        .filter(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .collect();
    assert_eq!(found.len(), 1, "exactly one {kind} {name}");
    found[0]
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap_or_else(|| panic!("not a string: {s}")))
        .collect()
}

/// The binary accepts these arguments: clap rejects an unknown flag before it sees `--help`.
fn assert_binary_accepts(args: &[&str]) {
    let r = cli::podmortem(args)
        .arg("--help")
        .env_remove("NODE_NAME")
        .run();
    assert_eq!(r.code, 0, "podmortem {args:?}: {}", r.stderr);
}

/// The hardening both workloads share, and the /healthz probes on the metrics port.
fn assert_hardened_and_probed(workload: &Value) {
    let pod = &workload["spec"]["template"]["spec"];
    let name = &workload["metadata"]["name"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true, "{name}");
    assert_eq!(
        pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault",
        "{name}"
    );
    let containers = pod["containers"].as_array().unwrap();
    assert_eq!(containers.len(), 1, "{name}");
    let c = &containers[0];
    let sc = &c["securityContext"];
    assert_eq!(sc["runAsNonRoot"], true, "{name}");
    assert_eq!(sc["readOnlyRootFilesystem"], true, "{name}");
    assert_eq!(sc["allowPrivilegeEscalation"], false, "{name}");
    assert_eq!(sc["capabilities"]["drop"], json!(["ALL"]), "{name}");
    assert!(sc["capabilities"]["add"].is_null(), "{name}");
    assert_eq!(sc["seccompProfile"]["type"], "RuntimeDefault", "{name}");
    assert!(sc["privileged"].is_null() || sc["privileged"] == false);
    // The probes reach the --metrics server: the named port is the one the args listen on.
    let args = strings(&c["args"]);
    let at = args
        .iter()
        .position(|a| *a == "--metrics")
        .expect("--metrics");
    // `:PORT` would listen on the loopback only: the kubelet's probes and Prometheus come
    // from outside the container.
    let addr = args[at + 1];
    assert!(addr.starts_with("0.0.0.0:"), "{name}: --metrics {addr}");
    let port: u64 = addr.rsplit(':').next().unwrap().parse().unwrap();
    let ports = c["ports"].as_array().unwrap();
    let metrics = ports.iter().find(|p| p["name"] == "metrics").unwrap();
    assert_eq!(metrics["containerPort"], port, "{name}");
    for probe in ["livenessProbe", "readinessProbe"] {
        let get = &c[probe]["httpGet"];
        assert_eq!(get["path"], "/healthz", "{name} {probe}");
        assert!(
            get["port"] == "metrics" || get["port"] == port,
            "{name} {probe}: {get}"
        );
    }
    assert_eq!(c["image"], "podmortem:0.1.0", "{name}: the kustomize image");
}

/// The ClusterRole bound to the workload's service account.
fn role_of<'a>(docs: &'a [Value], workload: &Value) -> &'a Value {
    let sa = workload["spec"]["template"]["spec"]["serviceAccountName"]
        .as_str()
        .expect("a dedicated service account");
    let ns = workload["metadata"]["namespace"].as_str().unwrap();
    find(docs, "ServiceAccount", sa);
    let binding = docs
        .iter()
        .find(|d| {
            d["kind"] == "ClusterRoleBinding"
                && d["subjects"]
                    .as_array()
                    .is_some_and(|s| s.iter().any(|s| s["name"] == sa && s["namespace"] == ns))
        })
        .unwrap_or_else(|| panic!("no ClusterRoleBinding for {ns}/{sa}"));
    assert_eq!(binding["roleRef"]["kind"], "ClusterRole");
    find(
        docs,
        "ClusterRole",
        binding["roleRef"]["name"].as_str().unwrap(),
    )
}

/// `(resource, verb)` pairs a role grants (core group only: podmortem needs nothing else).
fn grants(role: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for rule in role["rules"].as_array().unwrap() {
        assert_eq!(strings(&rule["apiGroups"]), vec![""], "{rule}");
        for r in strings(&rule["resources"]) {
            for v in strings(&rule["verbs"]) {
                out.push((r.to_string(), v.to_string()));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<_> = list
        .iter()
        .map(|(r, v)| (r.to_string(), v.to_string()))
        .collect();
    v.sort();
    v
}

fn rbac_file(path: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap();
    serde_saphyr::from_multiple(&text).unwrap()
}

/// Finding 22: applying deploy/rbac.yaml grants one namespace, never the cluster; the
/// cluster-wide role is a separate file one applies on purpose.
#[test]
fn default_rbac_is_namespaced_and_the_cluster_role_is_opt_in() {
    let docs = rbac_file("deploy/rbac.yaml");
    let kinds: Vec<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["Namespace", "ServiceAccount", "Role", "RoleBinding"],
        "no ClusterRole or ClusterRoleBinding by default"
    );
    let role = find(&docs, "Role", "podmortem");
    assert_eq!(
        grants(role),
        pairs(&[
            ("events", "list"),
            ("events", "watch"),
            ("pods", "get"),
            ("pods", "list"),
            ("pods", "watch"),
            ("pods/log", "get"),
        ])
    );
    let binding = find(&docs, "RoleBinding", "podmortem");
    assert_eq!(binding["roleRef"]["kind"], "Role");
    let cluster = rbac_file("deploy/rbac-cluster.yaml");
    let kinds: Vec<&str> = cluster
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["ClusterRole", "ClusterRoleBinding"]);
    // Read-only: nothing that writes.
    for (_, verb) in grants(find(&cluster, "ClusterRole", "podmortem")) {
        assert!(["get", "list", "watch"].contains(&verb.as_str()), "{verb}");
    }
}

#[test]
fn cluster_deployment_watches_all_namespaces_and_emits_events() {
    let Some(docs) = render("deploy/cluster") else {
        return;
    };
    let d = find(&docs, "Deployment", "podmortem");
    assert_eq!(d["spec"]["replicas"], 1);
    let c = &d["spec"]["template"]["spec"]["containers"][0];
    let args = strings(&c["args"]);
    assert_eq!(
        args,
        ["watch", "-A", "--metrics", "0.0.0.0:9464", "--emit-events"]
    );
    assert_binary_accepts(&args);
    assert_hardened_and_probed(d);

    // deploy/rbac-cluster.yaml's read-only ClusterRole, plus what --emit-events needs (create
    // an Event, read and patch it to count repeats), nothing else.
    let role = role_of(&docs, d);
    let base = rbac_file("deploy/rbac-cluster.yaml");
    let base = find(&base, "ClusterRole", "podmortem");
    let mut want = grants(base);
    for verb in ["create", "get", "patch"] {
        want.push(("events".into(), verb.into()));
    }
    want.sort();
    assert_eq!(grants(role), want);
    find(&docs, "Namespace", "podmortem");
    let svc = find(&docs, "Service", "podmortem");
    assert_eq!(svc["spec"]["ports"][0]["port"], 9464);
}

#[test]
fn node_daemonset_reads_its_node_logs_without_pods_log() {
    let Some(docs) = render("deploy/node") else {
        return;
    };
    let ds = find(&docs, "DaemonSet", "podmortem-node");
    let pod = &ds["spec"]["template"]["spec"];
    let c = &pod["containers"][0];
    let args = strings(&c["args"]);
    assert_eq!(
        args,
        [
            "watch",
            "--node",
            "$(NODE_NAME)",
            "--log-root",
            "/var/log/pods",
            "--metrics",
            "0.0.0.0:9464"
        ]
    );
    // The kubelet expands $(NODE_NAME) from the env below.
    let expanded: Vec<&str> = args
        .iter()
        .map(|a| if *a == "$(NODE_NAME)" { "node-a" } else { a })
        .collect();
    assert_binary_accepts(&expanded);
    assert_eq!(
        c["env"],
        json!([{"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}])
    );
    assert_hardened_and_probed(ds);

    // /var/log/pods from the host, read-only, where --log-root points.
    let vol = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["hostPath"].is_object())
        .expect("a hostPath volume");
    assert_eq!(vol["hostPath"]["path"], "/var/log/pods");
    let hostpaths = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["hostPath"].is_object())
        .count();
    assert_eq!(hostpaths, 1, "no other host path");
    let mounts = c["volumeMounts"].as_array().unwrap();
    assert_eq!(mounts.len(), 1);
    assert_eq!(mounts[0]["name"], vol["name"]);
    assert_eq!(mounts[0]["mountPath"], "/var/log/pods");
    assert_eq!(mounts[0]["readOnly"], true);
    assert!(pod["hostNetwork"].is_null() && pod["hostPID"].is_null());

    // Every node, tainted ones included.
    assert!(
        pod["tolerations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["operator"] == "Exists" && t["key"].is_null() && t["effect"].is_null()),
        "{}",
        pod["tolerations"]
    );
    let res = &c["resources"];
    assert_eq!(res["requests"]["cpu"], "20m");
    assert_eq!(res["requests"]["memory"], "32Mi");
    // Sized from benches/watch_load.rs (BENCHMARKS.md): 27-29 MiB peak measured, plus room for
    // every regex compiled.
    assert_eq!(res["limits"]["memory"], "96Mi");

    // Scraped on every node.
    let annotations = &ds["spec"]["template"]["metadata"]["annotations"];
    assert_eq!(annotations["prometheus.io/scrape"], "true");
    assert_eq!(annotations["prometheus.io/port"], "9464");
    let svc = find(&docs, "Service", "podmortem-node");
    assert_eq!(
        svc["metadata"]["annotations"]["prometheus.io/scrape"],
        "true"
    );
    assert_eq!(svc["spec"]["ports"][0]["port"], 9464);
    for (k, v) in ds["spec"]["template"]["metadata"]["labels"]
        .as_object()
        .unwrap()
    {
        let sel = &svc["spec"]["selector"];
        assert!(sel[k].is_null() || sel[k] == *v, "{sel}");
    }

    // Read-only on its pods and their events; no pods/log, no writes.
    let role = role_of(&docs, ds);
    assert_eq!(
        grants(role),
        pairs(&[
            ("events", "list"),
            ("events", "watch"),
            ("namespaces", "get"),
            ("pods", "get"),
            ("pods", "list"),
            ("pods", "watch"),
        ])
    );
}
