//! Small inputs that decompress or decode to a lot (issue 9, finding 7) are refused with an
//! error naming the file and the limit, in bounded memory, and the other inputs are still
//! analysed. Memory is measured in-process with a counting allocator (tests in this binary run
//! one at a time); the RSS figures of the same inputs through the binary are in BENCHMARKS.md
//! (`benches/amplification.sh`).

use std::io::Write;
use std::sync::Mutex;

use podmortem::{Engine, Input, Limits, Report};

#[path = "support/cli.rs"]
mod cli;

#[path = "support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::peak_during;

/// Tests of this binary measure one at a time: the allocator counts every thread.
static SERIAL: Mutex<()> = Mutex::new(());

const MIB: usize = 1 << 20;
const OOM_LOG: &str = "loading catalogue\njava.lang.OutOfMemoryError: Java heap space\n";

/// A gzip stream of `head`, `body` repeated `times`, then `tail`: members compressed once each
/// and concatenated (gzip readers read every member), so a bomb costs little to build.
fn gzip_repeat(head: &str, body: &str, times: usize, tail: &str) -> Vec<u8> {
    let member = |data: &[u8]| {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(data).unwrap();
        gz.finish().unwrap()
    };
    // One member of about 1 MiB of `body`.
    let per = (MIB / body.len()).max(1);
    let chunk = member(body.repeat(per).as_bytes());
    let mut out = member(head.as_bytes());
    let mut left = times;
    while left >= per {
        out.extend_from_slice(&chunk);
        left -= per;
    }
    out.extend(member(body.repeat(left).as_bytes()));
    out.extend(member(tail.as_bytes()));
    out
}

/// Analyse `inputs` (plus a small OOM log that must still be diagnosed); returns the report and
/// the peak bytes allocated meanwhile above what was live before.
fn analyze(engine: &Engine, inputs: Vec<(&str, Vec<u8>)>) -> (Report, usize) {
    let mut all: Vec<Input> = inputs
        .into_iter()
        .map(|(name, data)| Input::Bytes {
            name: name.into(),
            data,
        })
        .collect();
    all.push(Input::Bytes {
        name: "good.previous.log".into(),
        data: OOM_LOG.as_bytes().to_vec(),
    });
    let (report, peak) = peak_during(|| engine.analyze(&all));
    assert!(
        report.diagnoses.iter().any(|d| d.pod == "good"),
        "the other input is still analysed: {report:#?}"
    );
    (report, peak)
}

fn error_for<'r>(r: &'r Report, file: &str) -> &'r str {
    &r.errors
        .iter()
        .find(|e| e.file.starts_with(file))
        .unwrap_or_else(|| panic!("no error for {file}: {:?}", r.errors))
        .message
}

fn assert_bounded(peak: usize, what: &str) {
    assert!(
        peak <= 256 * MIB,
        "{what}: peak {} MiB allocated (limit 256)",
        peak / MIB
    );
}

#[test]
fn a_json_gz_bomb_is_refused_at_the_document_limit() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // ~150 KB that inflates to 150 MiB of JSON on one line.
    let bomb = gzip_repeat(
        r#"{"apiVersion":"v1","kind":"List","items":["#,
        "{},",
        50 * MIB,
        "{}]}\n",
    );
    assert!(bomb.len() < 400 << 10, "small input: {} bytes", bomb.len());
    let (r, peak) = analyze(&Engine::new(), vec![("pods.json.gz", bomb)]);
    let msg = error_for(&r, "pods.json.gz");
    assert!(
        msg.contains("larger than 64 MiB") && msg.contains("--max-document-size"),
        "{msg}"
    );
    assert_bounded(peak, "json.gz bomb");
}

#[test]
fn a_yaml_gz_bomb_is_refused_at_the_document_limit() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let bomb = gzip_repeat(
        "apiVersion: v1\nkind: List\nitems:\n",
        "- {}\n",
        20 * MIB,
        "",
    );
    assert!(bomb.len() < 400 << 10, "small input: {} bytes", bomb.len());
    let (r, peak) = analyze(&Engine::new(), vec![("pods.yaml.gz", bomb)]);
    let msg = error_for(&r, "pods.yaml.gz");
    assert!(
        msg.contains("document larger than 64 MiB (the limit, --max-document-size)"),
        "{msg}"
    );
    assert_bounded(peak, "yaml.gz bomb");
}

#[test]
fn a_document_of_many_tiny_values_is_refused_by_its_decoded_size() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // 16 MiB of text, under the text limit, but two million one-key objects in one field
    // would decode to more than a gigabyte of `serde_json::Value`s.
    let bomb = gzip_repeat(
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"spec\":{\"x\":[\n",
        "{\"a\":0},",
        2 * MIB,
        "{}]}}\n",
    );
    let (r, peak) = analyze(&Engine::new(), vec![("pod.json.gz", bomb)]);
    let msg = error_for(&r, "pod.json.gz");
    assert!(
        msg.contains("more than 64 MiB decoded (the limit, --max-document-size)")
            && msg.contains("--max-document-size"),
        "{msg}"
    );
    assert_bounded(peak, "value bomb");
}

#[test]
fn a_list_of_many_tiny_items_is_read_one_item_at_a_time() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // The same two million objects as the items of a List: each is read and dropped, so the
    // list costs no more than its text.
    let list = gzip_repeat(
        "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[\n",
        "{\"a\":0},",
        2 * MIB,
        "{}]}\n",
    );
    let (r, peak) = analyze(&Engine::new(), vec![("events.json.gz", list)]);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert!(
        peak <= 64 * MIB,
        "peak {} MiB for 16 MiB of items",
        peak / MIB
    );
}

#[test]
fn a_huge_line_in_a_dump_log_block_is_cut_and_the_rest_read() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dump = gzip_repeat(
        "==== START logs for container app of pod shop/api-1 ====\n",
        "a",
        64 * MIB,
        "\njava.lang.OutOfMemoryError: Java heap space\n==== END logs for container app of pod shop/api-1 ====\n",
    );
    let (r, peak) = analyze(&Engine::new(), vec![("cluster-info-dump.txt.gz", dump)]);
    assert!(
        r.diagnoses
            .iter()
            .any(|d| d.pod == "api-1" && d.cause.id() == "oom_killed"),
        "the line after the long one is still searched: {:?}",
        r.diagnoses
    );
    let msg = error_for(&r, "cluster-info-dump.txt");
    assert!(msg.contains("line 1 is longer than 1 MiB"), "{msg}");
    assert!(
        peak <= 32 * MIB,
        "peak {} MiB for a 64 MiB line",
        peak / MIB
    );
}

#[test]
fn decompression_budgets_per_input_and_per_run() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let big_log = || gzip_repeat("starting\n", "GET /healthz 200\n", 200_000, OOM_LOG);
    let mut limits = Limits::default();
    limits.max_decompressed = MIB as u64;
    let (r, _) = analyze(
        &Engine::new().with_limits(limits),
        vec![("api.previous.log.gz", big_log())],
    );
    let msg = error_for(&r, "api.previous.log.gz");
    assert!(
        msg.contains(
            "decompressed more than 1 MiB from this input (the limit, --max-decompressed)"
        ),
        "{msg}"
    );

    let mut limits = Limits::default();
    limits.max_decompressed_total = 5 * MIB as u64;
    let (r, _) = analyze(
        &Engine::new().with_limits(limits),
        vec![
            ("a.previous.log.gz", big_log()),
            ("b.previous.log.gz", big_log()),
        ],
    );
    assert!(
        r.errors.iter().all(|e| !e.file.starts_with("a.")),
        "{:?}",
        r.errors
    );
    let msg = error_for(&r, "b.previous.log.gz");
    assert!(
        msg.contains("in this run (the limit, --max-decompressed-total)"),
        "{msg}"
    );
}

#[test]
fn the_limits_are_flags_of_analyze() {
    let dir = tempfile::TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("api.previous.log.gz"),
        gzip_repeat("starting\n", "GET /healthz 200\n", 200_000, OOM_LOG),
    )
    .unwrap();
    std::fs::write(dir.path().join("good.previous.log"), OOM_LOG).unwrap();
    let run = |args: &[&str]| {
        cli::podmortem(["analyze"])
            .args(args)
            .args(["api.previous.log.gz", "good.previous.log"])
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .run()
    };
    let r = run(&["--max-decompressed", "1M"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("api.previous.log.gz: decompressed more than 1 MiB"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.contains("good"));
    // Raised, the same input is read whole.
    let r = run(&["--max-decompressed", "1G", "--max-document-size", "128M"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(&["--max-document-size", "lots"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not a size"), "{}", r.stderr);
}

/// `analyze -` gives what the same bytes give as a file: a paste (read whole) and a log
/// larger than a paste (streamed), compared through the JSON output.
#[test]
fn stdin_is_read_like_the_same_file() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut big = String::new();
    for i in 0..40_000 {
        big.push_str(&format!(
            "2026-11-20 10:00:{:02} INFO GET /api/orders/{i} 200\n",
            i % 60
        ));
    }
    big.push_str("java.lang.OutOfMemoryError: Java heap space\n\tat Orders.load(Orders.java:42)\n");
    assert!(big.len() > 1 << 20, "larger than a paste");
    let paste = "  Warning  Failed  1m  kubelet  Error: secret \"db-creds\" not found\n";
    for (name, text) in [("big.log", big.as_str()), ("paste.txt", paste)] {
        std::fs::write(dir.path().join(name), text).unwrap();
        let json = |args: &[&str], stdin: Option<&str>| {
            let mut cmd = cli::podmortem(["analyze", "-o", "json"])
                .args(args)
                .current_dir(dir.path());
            if let Some(data) = stdin {
                cmd = cmd.stdin(data);
            }
            let r = cmd.run();
            assert_eq!(r.code, 0, "{}", r.stderr);
            let mut v = r.json();
            // Only the input's name differs: `-` or the file's.
            let d = &mut v["diagnoses"][0];
            d["pod"] = "X".into();
            if let Some(ev) = d["evidence"].as_array_mut() {
                for e in ev {
                    let src = e["source"].as_str().unwrap().to_string();
                    e["source"] = src.replacen(name, "-", 1).into();
                }
            }
            v
        };
        let from_file = json(&[name], None);
        let from_stdin = json(&["-"], Some(text));
        assert!(
            from_file["diagnoses"][0]["cause"].is_string(),
            "{from_file}"
        );
        assert_eq!(from_stdin, from_file, "{name}");
    }
}
