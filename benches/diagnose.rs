//! Per-incident cost: [`Engine::diagnose`] on a typical CrashLoopBackOff incident (pod status,
//! events, and the previous container's log scanned into hits and a crash window), and the whole
//! `analyze` of the same in-memory inputs (ingest + scan + diagnose).
//!
//! `cargo bench --no-default-features --features cli --bench diagnose`

#[path = "gen/corpus.rs"]
mod corpus;

use std::hint::black_box;

use corpus::{Corpus, Framing, Profile};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use podmortem::{ingest, Engine, Input};

const POD: &str = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"api-7d9f8c-x2x9k","namespace":"shop","uid":"6f1c2a9e-0d7b-4f0e-9a51-3c2d9e8b7a10"},
 "spec":{"containers":[{"name":"app","image":"shop/api:2.3.1","resources":{"limits":{"memory":"512Mi"}}}]},
 "status":{"phase":"Running","containerStatuses":[{"name":"app","restartCount":7,"ready":false,"image":"shop/api:2.3.1",
   "state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 5m0s restarting failed container=app pod=api-7d9f8c-x2x9k_shop(6f1c2a9e)"}},
   "lastState":{"terminated":{"reason":"OOMKilled","exitCode":137,"startedAt":"2025-03-01T10:02:11Z","finishedAt":"2025-03-01T10:04:52Z"}}}]}}"#;

const EVENTS: &str = r#"{"apiVersion":"v1","kind":"List","items":[
 {"apiVersion":"v1","kind":"Event","metadata":{"name":"api.1","namespace":"shop"},"involvedObject":{"kind":"Pod","name":"api-7d9f8c-x2x9k","namespace":"shop","fieldPath":"spec.containers{app}"},"reason":"BackOff","message":"Back-off restarting failed container app in pod api-7d9f8c-x2x9k_shop(6f1c2a9e)","type":"Warning","count":31,"firstTimestamp":"2025-03-01T09:40:00Z","lastTimestamp":"2025-03-01T10:05:00Z"},
 {"apiVersion":"v1","kind":"Event","metadata":{"name":"api.2","namespace":"shop"},"involvedObject":{"kind":"Pod","name":"api-7d9f8c-x2x9k","namespace":"shop","fieldPath":"spec.containers{app}"},"reason":"Killing","message":"Container app definition changed, will be restarted","type":"Normal","count":1,"firstTimestamp":"2025-03-01T09:30:00Z","lastTimestamp":"2025-03-01T09:30:00Z"}]}"#;

fn inputs() -> Vec<Input> {
    let corpus = Corpus::new(
        corpus::load_loghub(&corpus::default_noise_dir()),
        vec!["Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space".into()],
        Profile::Noise,
    );
    // About 2 000 lines of the crashed instance, ending with the OOM.
    let log = corpus.log(7, Framing::Plain, 300 << 10, true);
    vec![
        Input::Bytes {
            name: "pod.json".into(),
            data: POD.as_bytes().to_vec(),
        },
        Input::Bytes {
            name: "events.json".into(),
            data: EVENTS.as_bytes().to_vec(),
        },
        Input::Bytes {
            name: "api-7d9f8c-x2x9k.app.previous.log".into(),
            data: log,
        },
    ]
}

fn diagnose(c: &mut Criterion) {
    let engine = Engine::new();
    let inputs = inputs();
    let ingested = ingest(engine.patterns(), &inputs);
    let incident = ingested
        .incidents
        .iter()
        .find(|i| podmortem::diagnose::is_failing(i))
        .expect("a failing incident");
    let d = engine.diagnose(incident);
    eprintln!(
        "incident: {} -> {} ({:.2})",
        d.display_name(),
        d.cause.id(),
        d.confidence
    );
    let mut g = c.benchmark_group("incident");
    g.bench_function("diagnose", |b| {
        b.iter(|| black_box(engine.diagnose(incident)))
    });
    let bytes: usize = inputs
        .iter()
        .map(|i| match i {
            Input::Bytes { data, .. } => data.len(),
            _ => 0,
        })
        .sum();
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("analyze_in_memory", |b| {
        b.iter(|| black_box(engine.analyze(&inputs)))
    });
    g.finish();
}

criterion_group!(benches, diagnose);
criterion_main!(benches);
