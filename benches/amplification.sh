#!/usr/bin/env bash
# Peak RSS of `podmortem analyze` on small inputs that expand a lot (issue 9, findings 7 and
# 10), each next to a small log that must still be diagnosed. Figures go in BENCHMARKS.md.
#
#   benches/amplification.sh [PODMORTEM_BINARY]
#
# Builds the release binary when none is given. Needs python3 and GNU time (/usr/bin/time).
# Inputs are generated in a temporary directory (about 1.1 GB for the stdin case, removed on
# exit).
set -euo pipefail

cd "$(dirname "$0")/.."
BIN=${1:-}
if [[ -z "$BIN" ]]; then
    cargo build --release --quiet
    BIN="${CARGO_TARGET_DIR:-target}/release/podmortem"
fi
BIN=$(realpath "$BIN")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

python3 - <<'EOF'
import gzip, io

def gz_repeat(path, head, body, times, tail):
    """head + body*times + tail, as concatenated gzip members (1 MiB of body each)."""
    per = max(1, (1 << 20) // len(body))
    chunk = gzip.compress(body * per, 9)
    with open(path, "wb") as f:
        f.write(gzip.compress(head, 9))
        left = times
        while left >= per:
            f.write(chunk)
            left -= per
        f.write(gzip.compress(body * left, 9))
        f.write(gzip.compress(tail, 9))

MiB = 1 << 20
oom = b"loading catalogue\njava.lang.OutOfMemoryError: Java heap space\n"
open("good.previous.log", "wb").write(oom)
gz_repeat("json-bomb.json.gz", b'{"apiVersion":"v1","kind":"List","items":[', b"{},", 50 * MiB, b"{}]}\n")
gz_repeat("value-bomb.json.gz", b'{"apiVersion":"v1","kind":"Pod","spec":{"x":[\n', b'{"a":0},', 7 * MiB, b"{}]}}\n")
gz_repeat("tiny-items.json.gz", b'{"apiVersion":"v1","kind":"List","items":[\n', b'{"a":0},', 7 * MiB, b"{}]}\n")
gz_repeat("yaml-bomb.yaml.gz", b"apiVersion: v1\nkind: List\nitems:\n", b"- {}\n", 120 * MiB, b"")
gz_repeat("long-line-dump.txt.gz", b"==== START logs for container app of pod shop/api-1 ====\n", b"a", 1024 * MiB,
          b"\njava.lang.OutOfMemoryError: Java heap space\n==== END logs for container app of pod shop/api-1 ====\n")
import os
os.makedirs("four-yaml", exist_ok=True)
# Four documents just under the 64 MiB limit, parsed one at a time.
for i in range(4):
    items = b"".join(b"- kind: Pod\n  metadata: {name: p%d-%d, namespace: shop}\n" % (i, n) for n in range(20000))
    pad = b"# " + b"x" * 1022 + b"\n"
    body = b"apiVersion: v1\nkind: List\nitems:\n" + items
    body += pad * ((60 * MiB - len(body)) // len(pad))
    open(f"four-yaml/pods-{i}.yaml.gz", "wb").write(gzip.compress(body, 6))
# 1 GiB of plain log ending in an OOM, for stdin vs file.
line = b"2026-11-20T10:00:00.000Z INFO  [worker-3] GET /api/v1/orders/12345 200 12ms user=svc-frontend\n"
with open("big.log", "wb") as f:
    block = line * ((8 * MiB) // len(line))
    for _ in range(128):
        f.write(block)
    f.write(oom)
EOF

rss() { # label, then the command; prints label, exit code, peak RSS, and the first error line
    local label=$1; shift
    local rc=0
    /usr/bin/time -f "%M" -o time.out "$@" >out.txt 2>err.txt || rc=$?
    printf '| %-44s | %4s | %8.1f | %s |\n' "$label" "$rc" "$(tail -n1 time.out | awk '{print $1/1024}')" \
        "$(grep -m1 -o 'podmortem: .*' err.txt | cut -c1-110)"
}

echo "| input (next to good.previous.log)            |   rc |  RSS MiB | first error |"
echo "|----------------------------------------------|------|----------|-------------|"
for f in json-bomb.json.gz value-bomb.json.gz tiny-items.json.gz yaml-bomb.yaml.gz long-line-dump.txt.gz; do
    rss "$f ($(du -k "$f" | cut -f1) KB)" "$BIN" analyze "$f" good.previous.log
done
rss "four-yaml/ (4 x 60 MiB YAML)" "$BIN" analyze four-yaml good.previous.log
rss "big.log (1 GiB) as a file" "$BIN" analyze big.log
rss "big.log (1 GiB) piped: cat big.log | analyze -" sh -c "cat big.log | '$BIN' analyze -"
