//! Secrets never leave, as a property (issue 9): random secrets of every kind the redaction
//! rules cover are put inside realistic failure lines — in a crashed container's log (matched
//! lines and the crash window), an event message and a pod status message — and no renderer
//! (text, `-v` text, JSON, Markdown) nor any input error may show a single one of them.
//!
//! `PODMORTEM_FUZZ_CASES=N` runs more cases (see docs/fuzzing.md).

use proptest::prelude::*;

use podmortem::render::{to_json, to_markdown, to_text, TextOptions};
use podmortem::{Engine, Input};

#[path = "support/fuzz_config.rs"]
mod fuzz_config;
use fuzz_config::config;

fn engine() -> &'static Engine {
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    ENGINE.get_or_init(Engine::new)
}

fn unredacted() -> &'static Engine {
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    ENGINE.get_or_init(|| Engine::new().with_redaction(false))
}

/// A secret of one kind and the line that carries it (`{}` is where it goes).
fn secret() -> impl Strategy<Value = (String, &'static str)> {
    let pw = "[A-Za-z0-9][A-Za-z0-9_~*!.-]{9,23}";
    let b62 = |n: usize| {
        proptest::string::string_regex(&format!("[A-Za-z0-9]{{{n}}}")).expect("a valid regex")
    };
    prop_oneof![
        pw.prop_map(|s| (s, "panic: failed to connect to `postgres://app:{}@db.shop.svc:5432/shop`: dial tcp 10.96.0.12:5432: connect: connection refused")),
        pw.prop_map(|s| (s, "Error: ER_ACCESS_DENIED_ERROR: Access denied for user 'app'@'10.0.0.1' (using password: YES) with DB_PASSWORD={}")),
        pw.prop_map(|s| (s, "{\"level\":\"fatal\",\"msg\":\"redis: WRONGPASS invalid username-password pair\",\"redisPassword\":\"{}\",\"addr\":\"cache:6379\"}")),
        pw.prop_map(|s| (s, "config: client_secret: {} (loaded from /etc/app/config.yaml)")),
        pw.prop_map(|s| (s, "upstream returned 401 Unauthorized for GET /v1/orders Authorization: Bearer {}")),
        "AKIA[A-Z2-7]{16}".prop_map(|s| (s, "botocore.exceptions.ClientError: An error occurred (InvalidClientTokenId): The security token included in the request is invalid. key={}")),
        "[A-Za-z0-9/+]{40}".prop_map(|s| (s, "An error occurred (SignatureDoesNotMatch) when calling the ListBuckets operation aws_secret_access_key={}")),
        b62(36).prop_map(|s| (format!("ghp_{s}"), "remote: Invalid username or token. Password authentication is not supported: token {}")),
        b62(24).prop_map(|s| (format!("sk_live_{s}"), "stripe.error.AuthenticationError: Invalid API Key provided: {}")),
        (b62(20), b62(30), b62(43)).prop_map(|(a, b, c)| (format!("eyJ{a}.eyJ{b}.{c}"), "401 Unauthorized: invalid token {} for audience api")),
    ]
}

const POD: &str = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"api-7d9f8c-x2x9k","namespace":"shop"},
 "spec":{"containers":[{"name":"app","image":"shop/api:2.3.1"}]},
 "status":{"containerStatuses":[{"name":"app","restartCount":7,"ready":false,
   "state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 5m0s restarting failed container=app"}},
   "lastState":{"terminated":{"reason":"Error","exitCode":1,"message":"MESSAGE"}}}]}}"#;

const EVENTS: &str = r#"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Event",
 "involvedObject":{"kind":"Pod","name":"api-7d9f8c-x2x9k","namespace":"shop","fieldPath":"spec.containers{app}"},
 "reason":"Failed","type":"Warning","count":3,"message":"MESSAGE"}]}"#;

proptest! {
    #![proptest_config(config())]

    #[test]
    fn no_random_secret_survives_any_renderer(
        (secret, line) in secret(),
        noise in prop::collection::vec("[a-z ]{0,30}", 0..5),
        last in any::<bool>(),
    ) {
        // Wrapped in an error a rule knows, so that the line is shown as evidence.
        let line = format!(
            "{}; caused by: FATAL:  password authentication failed for user \"app\"",
            line.replace("{}", &secret)
        );
        let mut log: String = noise.iter().map(|n| format!("INFO {n}\n")).collect();
        log.push_str(&line);
        log.push('\n');
        if !last {
            log.push_str("shutting down\n");
        }
        let quoted = serde_json::to_string(&line).unwrap();
        let quoted = &quoted[1..quoted.len() - 1];
        let inputs = [
            Input::Bytes { name: "pod.json".into(), data: POD.replace("MESSAGE", quoted).into_bytes() },
            Input::Bytes { name: "events.json".into(), data: EVENTS.replace("MESSAGE", quoted).into_bytes() },
            Input::Bytes { name: "api-7d9f8c-x2x9k.app.previous.log".into(), data: log.into_bytes() },
        ];
        let report = engine().analyze(&inputs);
        prop_assert!(!report.diagnoses.is_empty());
        let outputs = [
            ("text -v", to_text(&report, TextOptions { color: false, verbose: true })),
            ("json", to_json(&report)),
            ("markdown", to_markdown(&report)),
            ("errors", format!("{:?}", report.errors)),
        ];
        for (format, out) in outputs {
            prop_assert!(!out.contains(&secret), "{} shows the secret {}:\n{}", format, secret, out);
        }
        // The secret was in front of the renderers: without redaction it shows.
        let raw = unredacted().analyze(&inputs);
        let shown = to_json(&raw).contains(&secret)
            || to_text(&raw, TextOptions { color: false, verbose: true }).contains(&secret);
        prop_assert!(shown, "the case never showed its secret {} to a renderer", secret);
    }
}
