//! A namespace `shop` in trouble, for tests that diagnose live pods: one pod per cause a
//! deploy commonly meets, a healthy pod, and the events and logs a real cluster would hold.
//!
//! ```ignore
//! #[path = "support/fake_apiserver.rs"]
//! mod fake_apiserver;
//! #[path = "support/scenario.rs"]
//! mod scenario;
//! let srv = fake_apiserver::FakeApiServer::start().await;
//! scenario::seed(&srv);
//! for case in scenario::CASES { /* case.pod is diagnosed as case.cause */ }
//! ```
#![allow(dead_code)]

use serde_json::{json, Value};

use super::fake_apiserver::*;

/// The namespace the scenario lives in.
pub const NS: &str = "shop";
/// The label every scenario pod carries (`-l team=shop` selects them all).
pub const TEAM: &str = "team=shop";

/// A failing pod of the scenario and the cause a diagnosis must name.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    pub pod: &'static str,
    pub container: &'static str,
    /// The cause id (`podmortem/v1` `cause`).
    pub cause: &'static str,
    /// A line the evidence must quote.
    pub evidence: &'static str,
}

/// Every failing pod of [`seed`], one per cause.
pub const CASES: &[Case] = &[
    Case {
        pod: "api-7d9f8-x2k",
        container: "app",
        cause: "oom_killed",
        evidence: "OOMKilled",
    },
    Case {
        pod: "cart-5c6d7b-q8w2e",
        container: "app",
        cause: "image_pull_error",
        evidence: "registry.example.com/shop/cart:v9",
    },
    Case {
        pod: "checkout-6f7a8c-z9x8c",
        container: "app",
        cause: "missing_secret_or_configmap",
        evidence: "secret \"db-creds\" not found",
    },
    Case {
        pod: "orders-84b6d-m3n4b",
        container: "app",
        cause: "dependency_unavailable",
        evidence: "dial tcp 10.0.0.5:5432: connect: connection refused",
    },
    Case {
        pod: "payments-59c7f-t5y6u",
        container: "app",
        cause: "liveness_probe_failed",
        evidence: "Liveness probe failed: HTTP probe failed with statuscode: 500",
    },
    Case {
        pod: "search-7b8c9-k1l2m",
        container: "app",
        cause: "config_error",
        evidence: "flag provided but not defined: -metrics-bind",
    },
];

/// The healthy pod of [`seed`].
pub const HEALTHY: &str = "web-6d5c4-h7j8k";

/// The Java heap dump of `api`'s last run, ending with the OOM kill.
pub const API_LOG: &str = "2026-11-25T09:52:58Z INFO starting api\n\
2026-11-25T09:53:01Z INFO loading catalogue into memory (2.1 GiB)\n\
2026-11-25T09:53:06Z WARN GC overhead 97%\n";

fn labelled(mut pod: Value) -> Value {
    pod["metadata"]["labels"]["team"] = json!("shop");
    pod
}

/// Fills `srv` with the scenario: the pods of [`CASES`] and [`HEALTHY`], their events and logs.
pub fn seed(srv: &FakeApiServer) {
    srv.add_namespace(NS);

    let api = labelled(pod_json(
        NS,
        "api-7d9f8-x2k",
        [Ctr::new("app").oom_killed().crash_loop("1m20s").restarts(4)],
    ));
    srv.set_pod(api.clone());
    srv.add_event(backoff_event(&api, "app", 9));
    srv.set_log(NS, "api-7d9f8-x2k", "app", true, API_LOG);

    let cart = labelled(pod_json(
        NS,
        "cart-5c6d7b-q8w2e",
        [Ctr::new("app")
            .image("registry.example.com/shop/cart:v9")
            .err_image_pull()],
    ));
    srv.set_pod(cart.clone());
    srv.add_event(event_json(
        &cart,
        Some("app"),
        "Warning",
        "Failed",
        "Failed to pull image \"registry.example.com/shop/cart:v9\": rpc error: code = NotFound \
         desc = failed to pull and unpack image \"registry.example.com/shop/cart:v9\": not found",
        3,
    ));

    let checkout = labelled(pod_json(
        NS,
        "checkout-6f7a8c-z9x8c",
        [Ctr::new("app").create_container_config_error("secret \"db-creds\" not found")],
    ));
    srv.set_pod(checkout.clone());
    srv.add_event(event_json(
        &checkout,
        Some("app"),
        "Warning",
        "Failed",
        "Error: secret \"db-creds\" not found",
        5,
    ));

    let orders = labelled(pod_json(
        NS,
        "orders-84b6d-m3n4b",
        [Ctr::new("app").crash_loop("40s").restarts(3)],
    ));
    srv.set_pod(orders.clone());
    srv.add_event(backoff_event(&orders, "app", 6));
    srv.set_log(
        NS,
        "orders-84b6d-m3n4b",
        "app",
        true,
        "time=\"2026-11-25T09:50:00Z\" level=info msg=\"orders service starting\"\n\
         time=\"2026-11-25T09:50:01Z\" level=error msg=\"cannot open database\" \
         err=\"dial tcp 10.0.0.5:5432: connect: connection refused\"\n\
         time=\"2026-11-25T09:50:01Z\" level=fatal msg=\"exiting\"\n",
    );

    // Killed by its liveness probe and running again, restarted 30 s ago.
    let mut payments = labelled(pod_json(
        NS,
        "payments-59c7f-t5y6u",
        [Ctr::new("app").restarts(5).last_terminated("Error", 137)],
    ));
    let status = &mut payments["status"]["containerStatuses"][0];
    status["state"]["running"]["startedAt"] = json!(rfc3339(now() - 30));
    status["ready"] = json!(false);
    srv.set_pod(payments.clone());
    srv.add_event(event_json(
        &payments,
        Some("app"),
        "Warning",
        "Unhealthy",
        "Liveness probe failed: HTTP probe failed with statuscode: 500",
        15,
    ));
    srv.add_event(event_json(
        &payments,
        Some("app"),
        "Normal",
        "Killing",
        "Container app failed liveness probe, will be restarted",
        5,
    ));
    srv.set_log(
        NS,
        "payments-59c7f-t5y6u",
        "app",
        true,
        "INFO payments listening on :8080\nWARN slow request /healthz 31s\n",
    );
    srv.set_log(
        NS,
        "payments-59c7f-t5y6u",
        "app",
        false,
        "INFO payments listening on :8080\n",
    );

    let search = labelled(pod_json(
        NS,
        "search-7b8c9-k1l2m",
        [Ctr::new("app")
            .last_terminated("Error", 2)
            .crash_loop("20s")
            .restarts(2)],
    ));
    srv.set_pod(search.clone());
    srv.add_event(backoff_event(&search, "app", 3));
    srv.set_log(
        NS,
        "search-7b8c9-k1l2m",
        "app",
        true,
        "flag provided but not defined: -metrics-bind\nUsage of /app/search:\n  -listen string\n    \
         address to listen on (default \":8080\")\n",
    );

    srv.set_pod(labelled(pod_json(NS, HEALTHY, [Ctr::new("nginx")])));
}

/// The case for `pod`.
pub fn case(pod: &str) -> &'static Case {
    CASES.iter().find(|c| c.pod == pod).expect("a scenario pod")
}
