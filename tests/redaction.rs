//! Secrets never leave: for several kinds of secret, a log with a real failure line carrying the
//! secret is analysed with the real binary; the diagnosis must stay right and no secret byte
//! sequence may appear in text, `-v` text, JSON or Markdown output. `--no-redact` shows them
//! (which also proves each case really puts the secret in front of the renderer).
//!
//! Inputs are generated here, in a temporary directory.

use std::path::Path;

use serde_json::Value;
use tempfile::TempDir;

#[path = "support/cli.rs"]
mod cli;

struct Case {
    /// The log file stem (the pod name of an unattached log).
    name: &'static str,
    log: &'static str,
    /// Byte sequences that must not appear in any output.
    secrets: &'static [&'static str],
    /// The expected cause.
    cause: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "url-userinfo",
        log: "starting api v1.4.2\npanic: failed to connect to `postgres://app:Sup3rS3cretPw@db.shop.svc:5432/shop`: dial tcp 10.96.0.12:5432: connect: connection refused\n",
        secrets: &["Sup3rS3cretPw"],
        cause: "dependency_unavailable",
    },
    Case {
        name: "aws-keys",
        log: "botocore.exceptions.ClientError: An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid. key=AKIAIOSFODNN7EXAMPLE aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
        secrets: &["AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG"],
        cause: "credentials_rejected",
    },
    Case {
        name: "key-value",
        log: "Error: ER_ACCESS_DENIED_ERROR: Access denied for user 'app'@'10.0.0.1' (using password: YES) with DB_PASSWORD=Hunter2Value\n",
        secrets: &["Hunter2Value"],
        cause: "credentials_rejected",
    },
    Case {
        name: "stripe-key",
        log: "stripe.error.AuthenticationError: Invalid API Key provided: sk_live_4eC39HqLyjWDarjtT1zdp7dcXYZ\n",
        secrets: &["sk_live_4eC39HqLyjWDarjtT1zdp7dcXYZ", "4eC39HqLyjWDarjtT1zdp7dc"],
        cause: "credentials_rejected",
    },
    Case {
        name: "json-password",
        log: "{\"level\":\"fatal\",\"msg\":\"redis: WRONGPASS invalid username-password pair or user is disabled\",\"redisPassword\":\"R3disS3cret\",\"addr\":\"cache:6379\"}\n",
        secrets: &["R3disS3cret"],
        cause: "credentials_rejected",
    },
];

/// Everything `podmortem ARGS…` run in `dir` without colour prints: stdout, then stderr.
fn run(dir: &Path, args: &[&str]) -> String {
    cli::podmortem(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .run()
        .output()
}

fn write_log(dir: &Path, name: &str, log: &str) -> String {
    let file = format!("{name}.previous.log");
    std::fs::write(dir.join(&file), log).unwrap();
    file
}

fn assert_clean(case: &str, format: &str, out: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(
            !out.contains(s),
            "{case}: secret {s:?} leaked in {format} output:\n{out}"
        );
    }
}

#[test]
fn secrets_appear_in_no_output_format_and_the_diagnosis_stays_right() {
    let dir = TempDir::new().unwrap();
    for case in CASES {
        let file = write_log(dir.path(), case.name, case.log);
        let json = run(dir.path(), &["analyze", "-o", "json", &file]);
        assert_clean(case.name, "json", &json, case.secrets);
        let v: Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
        assert_eq!(
            v["diagnoses"][0]["cause"], case.cause,
            "{}: {json}",
            case.name
        );
        assert!(
            v["redacted"].as_u64().unwrap() >= 1,
            "{}: the JSON says how many values were redacted: {json}",
            case.name
        );
        assert_eq!(v["redacted"], v["diagnoses"][0]["redacted"]);
        for (format, args) in [
            ("text", vec!["analyze", file.as_str()]),
            ("-v text", vec!["analyze", "-v", file.as_str()]),
            ("markdown", vec!["analyze", "-o", "markdown", file.as_str()]),
        ] {
            let out = run(dir.path(), &args);
            assert_clean(case.name, format, &out, case.secrets);
            assert!(
                // Markdown escapes the asterisks (`\*\*\*\*` renders as ****).
                (out.contains("****") || out.contains(r"\*\*\*\*"))
                    && out.contains("--no-redact shows them"),
                "{}: {format} output says that it redacted:\n{out}",
                case.name
            );
        }
        // The secret really was in the evidence: --no-redact shows it.
        let raw = run(dir.path(), &["analyze", "-v", "--no-redact", &file]);
        assert!(
            case.secrets.iter().all(|s| raw.contains(s)),
            "{}: --no-redact shows the raw evidence:\n{raw}",
            case.name
        );
        assert!(!raw.contains("--no-redact shows them"), "{raw}");
    }
}

/// The model's crash-window fallback prints the last lines even when no rule matched them.
#[test]
fn crash_window_lines_are_redacted_too() {
    let dir = TempDir::new().unwrap();
    let logs: [(&str, String, &[&str]); 2] = [
        (
            "window-a",
            "calling https://auth.shop.svc/v1/users with Authorization: Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJlX3NlY3JldA\n\
             fatal: could not read from 'https://ghp_0123456789abcdefghijklmnopqrstuvwxyzAB@github.com/shop/config.git/'\n\
             gitlab token glpat-0123456789abcdefghij slack xoxb-1234567890-abcdefghij google AIzaSyA-1234567890abcdefghijklmnopqrstu\n"
                .to_string(),
            &[
                "c2lnbmF0dXJlX3NlY3JldA",
                "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB",
                "glpat-0123456789abcdefghij",
                "xoxb-1234567890-abcdefghij",
                "AIzaSyA-1234567890abcdefghijklmnopqrstu",
            ],
        ),
        (
            "window-b",
            "loading key \"-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEA7bqZkq3bN0t8Ruf8Z4YqJw0W3mJ5yD4uY9bB1xq2kQpE\\n-----END RSA PRIVATE KEY-----\"\n\
             MIIEowIBAAKCAQEA7bqZkq3bN0t8Ruf8Z4YqJw0W3mJ5yD4uY9bB1xq2kQpE\n\
             exiting with token=tok_9f8e7d6c5b4a\n"
                .to_string(),
            &[
                "MIIEowIBAAKCAQEA7bqZkq3bN0t8Ruf8Z4YqJw0W3mJ5yD4uY9bB1xq2kQpE",
                "tok_9f8e7d6c5b4a",
            ],
        ),
    ];
    for (name, log, secrets) in &logs {
        let file = write_log(dir.path(), name, log);
        for args in [
            vec!["analyze", "-v", file.as_str()],
            vec!["analyze", "-o", "json", file.as_str()],
            vec!["analyze", "-o", "markdown", file.as_str()],
        ] {
            let out = run(dir.path(), &args);
            assert_clean(name, &args.join(" "), &out, secrets);
        }
        // When the model does fall back to the crash window, the raw lines are what it shows.
        let raw = run(dir.path(), &["analyze", "-o", "json", "--no-redact", &file]);
        let v: Value = serde_json::from_str(&raw).unwrap();
        let fallback = v["diagnoses"][0]["evidence"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["rule"] == "model.crash_window"));
        if fallback {
            assert!(secrets.iter().all(|s| raw.contains(s)), "{raw}");
        }
    }
}

/// Kubernetes Secret names, user names, hosts and ports survive: the fix still names them.
#[test]
fn secret_names_users_and_hosts_stay() {
    let dir = TempDir::new().unwrap();
    let pod = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"api-1","namespace":"shop"},
      "spec":{"containers":[{"name":"app","image":"shop/api:1"}]},
      "status":{"containerStatuses":[{"name":"app","restartCount":0,"ready":false,
        "state":{"waiting":{"reason":"CreateContainerConfigError","message":"secret \"db-creds\" not found"}}}]}}"#;
    std::fs::write(dir.path().join("pod.json"), pod).unwrap();
    let out = run(dir.path(), &["analyze", "-v", "pod.json"]);
    assert!(out.contains("missing_secret_or_configmap"), "{out}");
    assert!(out.contains(r#"secret "db-creds" not found"#), "{out}");
    assert!(
        out.contains("$ kubectl get secret -n shop db-creds"),
        "{out}"
    );
    assert!(!out.contains("****"), "nothing to redact here:\n{out}");

    let file = write_log(
        dir.path(),
        "pg",
        "FATAL: password authentication failed for user \"app\" (postgres://app:pw0rd@db.shop.svc:5432/shop)\n",
    );
    let out = run(dir.path(), &["analyze", "-v", &file]);
    assert!(out.contains("credentials_rejected"), "{out}");
    assert!(
        out.contains("postgres://app:****@db.shop.svc:5432/shop"),
        "{out}"
    );
    assert!(out.contains("user \"app\""), "{out}");
    assert!(!out.contains("pw0rd"), "{out}");
}

/// The library: redaction is on by default and `Engine::with_redaction(false)` turns it off.
#[test]
fn library_engine_redacts_by_default() {
    use podmortem::{Engine, Input};
    let input = || {
        vec![Input::Bytes {
            name: "api.previous.log".into(),
            data: CASES[0].log.as_bytes().to_vec(),
        }]
    };
    let on = Engine::new().analyze(&input());
    let text = podmortem::render::to_json(&on);
    assert!(!text.contains("Sup3rS3cretPw"), "{text}");
    assert_eq!(on.diagnoses[0].cause.id(), "dependency_unavailable");
    assert!(on.redacted() >= 1);
    let off = Engine::new().with_redaction(false).analyze(&input());
    assert_eq!(off.redacted(), 0);
    assert_eq!(off.diagnoses[0].cause, on.diagnoses[0].cause);
    assert!(podmortem::render::to_json(&off).contains("Sup3rS3cretPw"));
}

/// Rules are data: `--redact-rules FILE` adds a company's own token format; a rule whose
/// examples fail is refused with the file and rule named.
#[test]
fn extra_rules_from_a_file() {
    let dir = TempDir::new().unwrap();
    let file = write_log(
        dir.path(),
        "acme",
        "stripe.error.AuthenticationError: Invalid API Key provided for tenant acme_tok_0123456789abcdef\n",
    );
    let out = run(dir.path(), &["analyze", "-v", &file]);
    assert!(
        out.contains("acme_tok_0123456789abcdef"),
        "not a built-in format:\n{out}"
    );
    std::fs::write(
        dir.path().join("acme.yaml"),
        "rules:\n  - id: acme_token\n    kind: token\n    regex: '\\b(?P<secret>acme_tok_[a-z0-9]{16})'\n    examples:\n      - in: 'x acme_tok_0123456789abcdef y'\n        out: 'x **** y'\n    counter_examples: ['acme_tok_']\n",
    )
    .unwrap();
    let out = run(
        dir.path(),
        &["analyze", "-v", "--redact-rules", "acme.yaml", &file],
    );
    assert!(out.contains("credentials_rejected"), "{out}");
    assert!(!out.contains("acme_tok_0123456789abcdef"), "{out}");
    assert!(out.contains("tenant ****"), "{out}");

    std::fs::write(
        dir.path().join("bad.yaml"),
        "rules:\n  - id: acme_token\n    kind: token\n    regex: '\\b(?P<secret>acme_tok_[a-z0-9]{16})'\n    examples:\n      - in: 'x acme_tok_0123 y'\n        out: 'x **** y'\n",
    )
    .unwrap();
    let r = cli::podmortem(["analyze", "--redact-rules", "bad.yaml", &file])
        .current_dir(dir.path())
        .run();
    assert_eq!(r.code, 2);
    let err = &r.stderr;
    assert!(err.contains("bad.yaml: rule acme_token: example"), "{err}");
}
