//! Event de-duplication while assembling incidents (issue 9, finding 21): ingesting an
//! EventList of N distinct events of one pod (the worst case for de-duplication: nothing
//! merges), 10 k and 40 k events. Before the fix every event was compared with all earlier
//! ones of its pod (quadratic); it is now one hash lookup each.
//!
//! `cargo bench --no-default-features --bench events`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use podmortem::{ingest, Input, PatternSet};

/// An EventList of `n` distinct Warning events on one pod's container.
fn events(n: usize) -> Vec<u8> {
    let mut items = Vec::with_capacity(n);
    for i in 0..n {
        items.push(format!(
            r#"{{"apiVersion":"v1","kind":"Event","metadata":{{"name":"api.{i}","namespace":"shop"}},"involvedObject":{{"kind":"Pod","name":"api-7d9f8c-x2x9k","namespace":"shop","fieldPath":"spec.containers{{app}}"}},"reason":"Unhealthy","message":"Readiness probe failed: Get \"http://10.1.{}.{}:8080/ready\": request {i} timed out","type":"Warning","count":1,"lastTimestamp":"2025-03-01T10:05:00Z"}}"#,
            i / 256 % 256,
            i % 256
        ));
    }
    format!(
        r#"{{"apiVersion":"v1","kind":"List","items":[{}]}}"#,
        items.join(",\n")
    )
    .into_bytes()
}

fn dedup(c: &mut Criterion) {
    let set = PatternSet::embedded();
    let mut g = c.benchmark_group("events");
    g.sample_size(10);
    for n in [10_000, 40_000] {
        let inputs = vec![Input::Bytes {
            name: "events.json".into(),
            data: events(n),
        }];
        let got = ingest(&set, &inputs);
        assert_eq!(got.incidents.len(), 1);
        assert_eq!(
            got.incidents[0].events.len(),
            n,
            "every distinct event is kept"
        );
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(format!("ingest {n} distinct events of one pod"), |b| {
            b.iter(|| black_box(ingest(&set, black_box(&inputs))))
        });
    }
    g.finish();
}

criterion_group!(benches, dedup);
criterion_main!(benches);
