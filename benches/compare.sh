#!/usr/bin/env bash
# Side-by-side comparison on the same files, in one run: podmortem analyze (1 and N threads),
# rg -c -f and grep -E -i -c -f over the rules exported by `podmortem patterns export`, a naive
# RegexSet-per-line baseline (podmortem-naive), and cat > /dev/null as the I/O floor.
# Prints wall time (best of RUNS), CPU time, MB/s, the ratio to rg, and peak RSS (GNU time).
#
# usage: benches/compare.sh [DATA_DIR]
#   DATA_DIR         logs to search (default: bench-data/<size>, generated when missing)
# environment:
#   SIZE=1G          size to generate when DATA_DIR does not exist (100M ... 4G)
#   RUNS=3           runs per tool (the best wall time is kept; the highest RSS is shown)
#   SLOW_RUNS=1      runs for grep and the naive baseline (they are slow)
#   SKIP="grep naive"  tools to leave out (cat analyze1 analyzeN rg rg1 grep naive)
#   TIMEOUT=900      seconds before a tool is given up
#   THREADS=$(nproc) thread count of the parallel analyze run
#   PODMORTEM_BIN_DIR  use these podmortem, podmortem-gen, podmortem-naive binaries instead of
#                      building them
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZE=${SIZE:-1G}
RUNS=${RUNS:-3}
SLOW_RUNS=${SLOW_RUNS:-1}
SKIP=${SKIP:-}
TIMEOUT=${TIMEOUT:-900}
THREADS=${THREADS:-$(nproc)}
size_dir=$(echo "$SIZE" | tr 'A-Z' 'a-z' | sed 's/ib$//')
DATA=${1:-$ROOT/bench-data/$size_dir}

say() { printf '%s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
    command -v apt-get >/dev/null || return 1
    as_root apt-get update -qq >/dev/null && as_root apt-get install -y -qq "$@" >/dev/null
}

# --- tools -------------------------------------------------------------------------------------
if ! /usr/bin/time -f '' true 2>/dev/null; then
    say "installing GNU time"
    apt_install time || { say "GNU time (/usr/bin/time) is required"; exit 1; }
fi
if ! command -v rg >/dev/null; then
    say "installing ripgrep"
    apt_install ripgrep || cargo install ripgrep --locked || { say "ripgrep is required"; exit 1; }
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
if [ -n "${PODMORTEM_BIN_DIR:-}" ]; then
    BIN=$PODMORTEM_BIN_DIR
else
    say "building podmortem, podmortem-gen, podmortem-naive (release)"
    export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
    (cd "$ROOT" && cargo build --release --quiet --no-default-features --features cli,devtools --bins)
    # Private copies: a concurrent build must not swap a binary in the middle of the run.
    BIN=$WORK/bin
    mkdir -p "$BIN"
    cp "$CARGO_TARGET_DIR"/release/{podmortem,podmortem-gen,podmortem-naive} "$BIN"/
fi

if [ ! -d "$DATA" ]; then
    say "generating $SIZE of logs in $DATA"
    "$BIN/podmortem-gen" --size "$SIZE" --out "$DATA"
fi

# --- patterns ----------------------------------------------------------------------------------
"$BIN/podmortem" patterns export >"$WORK/rules.rust"
"$BIN/podmortem" patterns export --dialect ere >"$WORK/rules.ere"
# rg joins the patterns into one regex, where a capture name may occur once: drop the names.
sed -E 's/\(\?P?<[A-Za-z_][A-Za-z0-9_]*>/(?:/g' "$WORK/rules.rust" >"$WORK/rules.rg"
RULES=$(wc -l <"$WORK/rules.rust")

BYTES=$(find "$DATA" -type f -name '*.log' -printf '%s\n' | awk '{s+=$1} END {print s+0}')
FILES=$(find "$DATA" -type f -name '*.log' | wc -l)
MB=$(awk -v b="$BYTES" 'BEGIN {printf "%.1f", b / 1e6}')

# --- runs --------------------------------------------------------------------------------------
declare -A WALL CPU RSS NOTE
ORDER=()

# measure NAME RUNS CMD... : best wall, its CPU time, the highest RSS; output to $WORK/NAME.out
measure() {
    local name=$1 runs=$2
    shift 2
    case " $SKIP " in *" $name "*) return 0 ;; esac
    ORDER+=("$name")
    local best="" best_cpu="" max_rss=0 i
    for ((i = 0; i < runs; i++)); do
        local status=0
        /usr/bin/time -o "$WORK/time" -f '%e %U %S %M' timeout "$TIMEOUT" "$@" \
            >"$WORK/$name.out" 2>"$WORK/$name.err" || status=$?
        if [ "$status" = 124 ]; then
            NOTE[$name]="timed out after ${TIMEOUT}s"
            WALL[$name]=""
            return 0
        fi
        local line
        line=$(tail -1 "$WORK/time")
        read -r e u s m <<<"$line"
        if [ -z "$best" ] || awk -v a="$e" -v b="$best" 'BEGIN {exit !(a < b)}'; then
            best=$e
            best_cpu=$(awk -v u="$u" -v s="$s" 'BEGIN {printf "%.2f", u + s}')
        fi
        [ "$m" -gt "$max_rss" ] && max_rss=$m
    done
    WALL[$name]=$best
    CPU[$name]=$best_cpu
    RSS[$name]=$max_rss
}

say "warming the page cache"
find "$DATA" -type f -name '*.log' -print0 | xargs -0 cat >/dev/null

say "running (RUNS=$RUNS) on $FILES files, $MB MB, $RULES rules"
measure cat "$RUNS" sh -c "find '$DATA' -type f -name '*.log' -print0 | xargs -0 cat >/dev/null"
measure analyze1 "$RUNS" env RAYON_NUM_THREADS=1 "$BIN/podmortem" analyze --format json "$DATA"
measure analyzeN "$RUNS" env RAYON_NUM_THREADS="$THREADS" "$BIN/podmortem" analyze --format json "$DATA"
measure rg "$RUNS" rg --no-ignore -c -f "$WORK/rules.rg" "$DATA"
measure rg1 "$RUNS" rg --no-ignore -j1 -c -f "$WORK/rules.rg" "$DATA"
measure grep "$SLOW_RUNS" grep -r -E -i -c --exclude='.*' -f "$WORK/rules.ere" "$DATA"
measure naive "$SLOW_RUNS" "$BIN/podmortem-naive" -f "$WORK/rules.rust" "$DATA"

# --- report ------------------------------------------------------------------------------------
label() {
    case $1 in
    cat) echo "cat > /dev/null (I/O floor)" ;;
    analyze1) echo "podmortem analyze, 1 thread" ;;
    analyzeN) echo "podmortem analyze, $THREADS threads" ;;
    rg) echo "rg -c -f ($(nproc) threads)" ;;
    rg1) echo "rg -j1 -c -f" ;;
    grep) echo "grep -E -i -c -f" ;;
    naive) echo "naive RegexSet per line" ;;
    esac
}
matched() {
    local f=$WORK/$1.out
    case $1 in
    rg | rg1 | grep) awk -F: '{s += $NF} END {print s + 0}' "$f" ;;
    naive) tail -1 "$f" | awk '{print $1}' ;;
    analyze1 | analyzeN) grep -c '^      "backoff": {' "$f" | awk '{print $1 " diagnoses"}' ;;
    *) echo "-" ;;
    esac
}

echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB RAM; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "input:   $DATA: $FILES files, $MB MB; $RULES rules"
echo
printf '| %-34s | %8s | %8s | %9s | %7s | %7s | %9s | %-16s |\n' tool "wall s" "cpu s" "MB/s" "vs rg" "vs cat" "RSS MiB" matched
printf '|%s|%s|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..36})" ---------- ---------- ----------- --------- --------- ----------- ------------------
for name in "${ORDER[@]}"; do
    if [ -z "${WALL[$name]}" ]; then
        printf '| %-34s | %8s | %8s | %9s | %7s | %7s | %9s | %-16s |\n' "$(label "$name")" - - - - - - "${NOTE[$name]:-failed}"
        continue
    fi
    w=${WALL[$name]}
    rate=$(awk -v b="$BYTES" -v w="$w" 'BEGIN {if (w <= 0) print "-"; else if (b / 1e6 / w < 10) printf "%.2f", b / 1e6 / w; else printf "%.0f", b / 1e6 / w}')
    vs_rg=$(awk -v w="$w" -v r="${WALL[rg]:-}" 'BEGIN {if (r > 0) printf "%.2f", w / r; else print "-"}')
    vs_cat=$(awk -v w="$w" -v c="${WALL[cat]:-}" 'BEGIN {if (c > 0) printf "%.1f", w / c; else print "-"}')
    rss=$(awk -v k="${RSS[$name]}" 'BEGIN {printf "%.1f", k / 1024}')
    printf '| %-34s | %8s | %8s | %9s | %7s | %7s | %9s | %-16s |\n' "$(label "$name")" "$w" "${CPU[$name]}" "$rate" "$vs_rg" "$vs_cat" "$rss" "$(matched "$name")"
done
if [ -n "${WALL[analyze1]:-}" ] && [ -n "${WALL[analyzeN]:-}" ]; then
    echo
    awk -v a="${WALL[analyze1]}" -v b="${WALL[analyzeN]}" -v t="$THREADS" \
        'BEGIN {printf "analyze speed-up on %d threads: %.2fx\n", t, a / b}'
fi
