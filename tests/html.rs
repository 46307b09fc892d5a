//! `-o html`: the self-contained postmortem page. Parsed with a real HTML parser (scraper, on
//! html5ever) and, when `chromium` is installed, loaded in headless Chromium.

use std::path::Path;
use std::process::Command;

#[path = "support/cli.rs"]
mod cli;

use podmortem::render::to_html;
use podmortem::{Engine, Input};
use scraper::{Html, Selector};

const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "\"><img src=x onerror=alert(1)>";

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn bytes(name: &str, data: &str) -> Input {
    Input::Bytes {
        name: name.into(),
        data: data.as_bytes().to_vec(),
    }
}

/// All the text of the page (what a reader sees), scripts and styles excluded.
fn visible_text(doc: &Html) -> String {
    let body = doc.select(&sel("body")).next().unwrap();
    let mut out = String::new();
    for node in body.descendants() {
        if let Some(t) = node.value().as_text() {
            let parent = node
                .parent()
                .and_then(|p| p.value().as_element().map(|e| e.name()));
            if parent != Some("script") {
                out.push_str(t);
            }
        }
    }
    out
}

/// The page's structure is sound: only its own script, no event-handler attribute, no
/// element an attacker could have added, nothing loaded from outside the file.
fn assert_inert(doc: &Html) {
    let scripts: Vec<_> = doc.select(&sel("script")).collect();
    assert_eq!(scripts.len(), 1, "only the copy-button script");
    assert!(
        !scripts[0].inner_html().contains("alert"),
        "the page's script is its own"
    );
    for el in doc
        .root_element()
        .descendants()
        .filter_map(scraper::ElementRef::wrap)
    {
        for (name, value) in el.value().attrs() {
            assert!(
                !name.starts_with("on"),
                "<{} {name}={value:?}>: an event handler from the input",
                el.value().name()
            );
            if name == "href" {
                assert!(value.starts_with('#'), "href={value:?} leaves the page");
            }
            assert!(
                name != "src",
                "<{} src={value:?}>: nothing may be loaded",
                el.value().name()
            );
        }
        assert!(
            !matches!(
                el.value().name(),
                "img" | "iframe" | "link" | "object" | "embed"
            ),
            "<{}> in the page",
            el.value().name()
        );
    }
}

/// A pod whose name, events, status reason and logs carry markup. (A file name cannot hold
/// `/`, so the `<script>…</script>` pod name comes from pod JSON, the other from a file name.)
fn hostile_inputs() -> Vec<Input> {
    let pod = format!(
        r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":{name},"namespace":"shop"}},
"spec":{{"containers":[{{"name":"app","image":"shop/api:1"}}]}},
"status":{{"phase":"Running","containerStatuses":[{{"name":"app","ready":false,"restartCount":4,
"state":{{"waiting":{{"reason":"CrashLoopBackOff","message":"back-off 1m20s restarting failed container=app"}}}},
"lastState":{{"terminated":{{"reason":{reason},"exitCode":1,"startedAt":"2026-03-01T10:00:00Z","finishedAt":"2026-03-01T10:00:09Z"}}}}}}]}}}}"#,
        name = serde_json::to_string(SCRIPT).unwrap(),
        reason = serde_json::to_string(IMG).unwrap(),
    );
    let events = format!(
        r#"{{"apiVersion":"v1","kind":"EventList","items":[{{"kind":"Event","metadata":{{"name":"e1","namespace":"shop"}},
"involvedObject":{{"kind":"Pod","name":{name},"namespace":"shop","fieldPath":"spec.containers{{app}}"}},
"reason":"Unhealthy","type":"Warning","count":7,"lastTimestamp":"2026-03-01T10:00:08Z",
"message":{msg}}}]}}"#,
        name = serde_json::to_string(SCRIPT).unwrap(),
        msg = serde_json::to_string(&format!(
            "Liveness probe failed: Get \"http://10.1.2.3:8080/healthz\": {SCRIPT} {IMG}"
        ))
        .unwrap(),
    );
    vec![
        bytes("pod.json", &pod),
        bytes("events.json", &events),
        // A log no pod claims: its file name becomes the pod label.
        bytes(
            &format!("{IMG}.previous.log"),
            &format!(
                "starting\nException in thread \"main\" java.lang.OutOfMemoryError: Java heap space {SCRIPT} {IMG}\n"
            ),
        ),
    ]
}

#[test]
fn markup_from_logs_pod_names_and_events_is_text_only() {
    let report = Engine::new().analyze(&hostile_inputs());
    assert_eq!(report.diagnoses.len(), 2, "{:#?}", report.diagnoses);
    let html = to_html(&report);
    let doc = Html::parse_document(&html);
    assert_inert(&doc);
    let mut names: Vec<String> = doc
        .select(&sel("table.summary td code"))
        .map(|c| c.text().collect())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [IMG.to_string(), format!("shop/{SCRIPT}/app")],
        "pod names as text"
    );
    let text = visible_text(&doc);
    for (what, needle) in [
        ("log line", format!("Java heap space {SCRIPT} {IMG}")),
        ("event message", format!("healthz\": {SCRIPT} {IMG}")),
    ] {
        assert!(
            text.contains(&needle),
            "{what}: {needle:?} not shown as text"
        );
    }
    // The status reason labels the timeline mark, as an attribute value and as text.
    let mark = doc
        .select(&sel("svg.timeline circle.mark.termination"))
        .find(|m| m.value().attr("data-reason") == Some(IMG))
        .expect("the hostile reason's termination mark");
    assert!(mark.value().classes().any(|c| c == "r-other"));
    // In a browser an injected `<img src=x>` would be blocked by the CSP and say so on the
    // console; a script error would too.
    browser_check(&html, &marks_per_section(&doc));
    // The same through the binary, from a file named after the payload.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(format!("{IMG}.previous.log")),
        format!("panic: runtime error: invalid memory address or nil pointer dereference {SCRIPT}\ngoroutine 1 [running]:\n"),
    )
    .unwrap();
    let html = analyze_html(dir.path());
    let doc = Html::parse_document(&html);
    assert_inert(&doc);
    let text = visible_text(&doc);
    assert!(text.contains(IMG), "file-name pod label shown as text");
    assert!(
        text.contains(&format!("nil pointer dereference {SCRIPT}")),
        "log line shown as text"
    );
}

#[test]
fn the_content_security_policy_allows_exactly_the_pages_script() {
    use sha2::{Digest, Sha256};
    let html = to_html(&Engine::new().analyze(&hostile_inputs()));
    let doc = Html::parse_document(&html);
    let csp = doc
        .select(&sel("meta[http-equiv=Content-Security-Policy]"))
        .next()
        .expect("a CSP meta element")
        .value()
        .attr("content")
        .unwrap()
        .to_string();
    let script: String = doc.select(&sel("script")).next().unwrap().text().collect();
    let hash = base64(&Sha256::digest(script.as_bytes()));
    assert!(
        csp.contains(&format!("script-src 'sha256-{hash}'")),
        "CSP {csp:?} does not allow the script (sha256-{hash})"
    );
    assert!(csp.contains("default-src 'none'"), "{csp}");
}

fn base64(b: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in b.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn analyze_html(path: &Path) -> String {
    let html = cli::podmortem(["analyze", "-o", "html"])
        .arg(path)
        .run()
        .success()
        .stdout;
    assert!(!html.contains('\u{fffd}'), "not UTF-8: {html}");
    html
}

fn shop() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop-namespace")
}

/// How many termination marks each diagnosis's timeline draws, in page order.
fn marks_per_section(doc: &Html) -> Vec<usize> {
    doc.select(&sel("section.diagnosis"))
        .map(|s| {
            s.select(&sel("svg.timeline circle.mark.termination"))
                .count()
        })
        .collect()
}

#[test]
fn shop_namespace_report_has_the_summary_and_one_timeline_per_diagnosis() {
    let html = analyze_html(&shop());
    let doc = Html::parse_document(&html);
    assert_inert(&doc);
    let rows: Vec<Vec<String>> = doc
        .select(&sel("table.summary tbody tr"))
        .map(|r| {
            r.select(&sel("td"))
                .map(|c| c.text().collect::<String>())
                .collect()
        })
        .collect();
    assert!(!rows.is_empty());
    // The confidence is the engine's (the trained model may move it): as `-o json` says.
    let json = cli::podmortem(["analyze", "-o", "json"])
        .arg(shop())
        .run()
        .json();
    let diagnoses = json["diagnoses"].as_array().unwrap();
    assert_eq!(rows.len(), diagnoses.len(), "one row per diagnosis");
    let confidence = diagnoses[0]["confidence"].as_f64().unwrap();
    assert!(confidence >= 0.8, "{confidence}");
    assert_eq!(
        rows[0],
        [
            "shop/cart-api-6d8f7b9c4d-x7k2p/app",
            "oom_killed (container_limit)",
            &format!("{confidence:.2} high"),
            "6",
            "CrashLoopBackOff, 5m0s (est.), next restart 2026-11-25T09:58:07Z"
        ]
    );
    let sections: Vec<_> = doc.select(&sel("section.diagnosis")).collect();
    assert_eq!(sections.len(), rows.len(), "one section per summary row");
    let cart = sections[0];
    assert_eq!(cart.select(&sel("svg.timeline")).count(), 1);
    // The describe output dates one termination (Last State: OOMKilled, Finished 09:53:07);
    // the five restarts before it carry no timestamp, and are said, not drawn.
    let marks: Vec<_> = cart.select(&sel("circle.mark.termination")).collect();
    assert_eq!(marks.len(), 1);
    assert_eq!(marks[0].value().attr("data-reason"), Some("OOMKilled"));
    assert!(marks[0].value().classes().any(|c| c == "r-oom"));
    let next: String = cart
        .select(&sel("circle.next-restart title"))
        .next()
        .expect("the next restart")
        .text()
        .collect();
    assert_eq!(next, "next restart 2026-11-25T09:58:07Z");
    let note: String = cart
        .select(&sel("p.timeline-note"))
        .next()
        .unwrap()
        .text()
        .collect();
    assert!(
        note.contains("6 restarts counted; 1 termination dated by the input. The 5 earlier restarts carry no timestamp"),
        "{note}"
    );
    // The evidence names its source, the fix has a copy button per command.
    let sources: Vec<String> = cart
        .select(&sel("table.evidence td code"))
        .map(|c| c.text().collect())
        .collect();
    assert!(
        sources
            .iter()
            .any(|s| s.ends_with("describe-cart-api-6d8f7b9c4d-x7k2p.txt:19")),
        "{sources:?}"
    );
    let commands: Vec<String> = cart
        .select(&sel("ul.fix li.cmd"))
        .map(|li| {
            assert_eq!(li.select(&sel("button.copy")).count(), 1);
            li.select(&sel("code")).next().unwrap().text().collect()
        })
        .collect();
    assert!(
        commands
            .iter()
            .any(|c| c == "kubectl top pod -n shop cart-api-6d8f7b9c4d-x7k2p --containers"),
        "{commands:?}"
    );
    // Every section has a timeline or says why it has none.
    for s in &sections {
        let svgs = s.select(&sel("svg.timeline")).count();
        let note: String = s
            .select(&sel("p.timeline-note"))
            .next()
            .unwrap()
            .text()
            .collect();
        assert!(
            svgs == 1 || (svgs == 0 && note.starts_with("No timeline")),
            "{note}"
        );
    }
    browser_check(&html, &marks_per_section(&doc));
}

#[test]
fn every_dated_termination_is_a_mark_with_the_delay_between() {
    // The previous instance was OOM-killed at 09:00:20; the kubelet restarted it 40 s later and
    // it failed again at 09:01:30 (current state, not restarted yet).
    let pod = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"api-7d9f8","namespace":"shop"},
"spec":{"containers":[{"name":"app","image":"shop/api:1","resources":{"limits":{"memory":"128Mi"}}}]},
"status":{"phase":"Running","containerStatuses":[{"name":"app","ready":false,"restartCount":1,
"state":{"terminated":{"reason":"Error","exitCode":1,"startedAt":"2026-03-01T09:01:00Z","finishedAt":"2026-03-01T09:01:30Z"}},
"lastState":{"terminated":{"reason":"OOMKilled","exitCode":137,"startedAt":"2026-03-01T09:00:00Z","finishedAt":"2026-03-01T09:00:20Z"}}}]}}"#;
    // The kubelet's BackOff event, three times between the two instances.
    let events = r#"{"apiVersion":"v1","kind":"Event","metadata":{"name":"api-7d9f8.1","namespace":"shop"},
"involvedObject":{"kind":"Pod","name":"api-7d9f8","namespace":"shop","fieldPath":"spec.containers{app}"},
"reason":"BackOff","type":"Warning","count":3,"firstTimestamp":"2026-03-01T09:00:21Z",
"lastTimestamp":"2026-03-01T09:00:58Z","message":"Back-off restarting failed container app in pod api-7d9f8_shop"}"#;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod.json"), pod).unwrap();
    std::fs::write(dir.path().join("events.json"), events).unwrap();
    let html = analyze_html(dir.path());
    let doc = Html::parse_document(&html);
    assert_inert(&doc);
    let section = doc.select(&sel("section.diagnosis")).next().unwrap();
    let reasons: Vec<&str> = section
        .select(&sel("circle.mark.termination"))
        .map(|m| m.value().attr("data-reason").unwrap())
        .collect();
    assert_eq!(reasons, ["OOMKilled", "Error"], "oldest first");
    let labels: Vec<String> = section
        .select(&sel("svg.timeline text"))
        .map(|t| t.text().collect())
        .collect();
    assert!(labels.iter().any(|l| l == "back-off 40s"), "{labels:?}");
    assert!(labels.iter().any(|l| l == "BackOff ×3"), "{labels:?}");
    let span: String = section
        .select(&sel("line.event-span title"))
        .next()
        .expect("the event's first-to-last span")
        .text()
        .collect();
    assert!(
        span.starts_with(
            "event BackOff ×3, first seen 2026-03-01T09:00:21Z, last seen 2026-03-01T09:00:58Z"
        ),
        "{span}"
    );
    let note: String = section
        .select(&sel("p.timeline-note"))
        .next()
        .unwrap()
        .text()
        .collect();
    assert_eq!(
        note,
        "1 restart counted; 2 terminations dated by the input."
    );
    browser_check(&html, &marks_per_section(&doc));
}

#[test]
fn a_container_without_timestamps_gets_words_not_a_drawing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("describe.txt"),
        "Name: api-7d9f8\nNamespace: shop\nContainers:\n  app:\n    State:          Waiting\n      Reason:       CrashLoopBackOff\n    Last State:     Terminated\n      Reason:       Error\n      Exit Code:    1\n    Restart Count:  3\n",
    )
    .unwrap();
    let html = analyze_html(dir.path());
    let doc = Html::parse_document(&html);
    let section = doc.select(&sel("section.diagnosis")).next().unwrap();
    assert_eq!(section.select(&sel("svg")).count(), 0);
    let note: String = section
        .select(&sel("p.timeline-note"))
        .next()
        .unwrap()
        .text()
        .collect();
    assert!(
        note.starts_with("No timeline: the input carries no timestamps"),
        "{note}"
    );
    assert!(note.contains("3 restarts counted"), "{note}");
}

/// Load the page in headless Chromium when it is installed: no console error (a CSP
/// violation is one), and the DOM it builds has the same marks per diagnosis.
fn browser_check(html: &str, marks: &[usize]) {
    let Some(chromium) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    else {
        eprintln!("chromium not found: parsed HTML only");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, html).unwrap();
    // `timeout` bounds a browser that would hang instead of exiting after the load.
    let out = Command::new("timeout")
        .args(["120", chromium])
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let console: Vec<&str> = stderr.lines().filter(|l| l.contains("CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:#?}");
    let dom = Html::parse_document(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(marks_per_section(&dom), marks, "marks in Chromium's DOM");
    eprintln!("checked in {chromium} (headless): no console message, same marks");
}

#[test]
fn secrets_are_redacted_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("api-7d9f8.previous.log"),
        "starting\nError: connect ECONNREFUSED 10.0.0.5:5432 while opening postgres://app:S3cretPass@db:5432/shop\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)\nNode.js v20.11.0\n",
    )
    .unwrap();
    let html = analyze_html(dir.path());
    assert!(!html.contains("S3cretPass"), "the password left the report");
    let doc = Html::parse_document(&html);
    let text = visible_text(&doc);
    assert!(text.contains("postgres://app:****@db:5432/shop"), "{text}");
    let note: String = doc
        .select(&sel("p.redaction"))
        .next()
        .expect("the redaction note")
        .text()
        .collect();
    assert_eq!(
        note,
        "note: secrets redacted (1 value); --no-redact shows them"
    );
}
