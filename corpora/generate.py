#!/usr/bin/env python3
"""Synthetic labeled corpus generator for podmortem.

Builds small namespace exports (pods, events, container logs) of Kubernetes
workloads in BackOff, each labeled with the cause of the failure, in the same
on-disk formats `podmortem analyze` reads:

  * `kubectl logs [--previous] [--timestamps]` files named `<workload>.log` /
    `<workload>.previous.log`;
  * CRI log files `var/log/pods/<ns>_<pod>_<uid>/<container>/<N>.log` (and the
    flat `var/log/containers/<pod>_<ns>_<container>-<id>.log` layout);
  * Docker json-file logs `var/lib/docker/containers/<id>/<id>-json.log`;
  * `kubectl get events` tables (plain, `-o wide`, `-A`, `kubectl events`),
    core/v1 `events.json` and events.k8s.io/v1 lists;
  * `kubectl describe pod` text, `pods.json`, `pods.yaml`/`pod.yaml`, `pods.txt`;
  * `kubectl cluster-info dump --output-directory` layouts.

Python 3.11 standard library + PyYAML.  Deterministic: the same `--seed`
produces byte-identical output (every random choice flows from string seeds;
nothing depends on the clock, hash randomisation or directory order).

    python3 corpora/generate.py --seed 7            # writes corpora/{train,validation,test}
    python3 corpora/generate.py --seed 7 --out /tmp/c --scale 0.1

Message texts, log templates per ecosystem and name pools live in
`corpora/templates/`.  See corpora/README.md.
"""
from __future__ import annotations

import argparse
import base64
import datetime as _dt
import hashlib
import json
import os
import random
import re
import shutil
import sys
from collections import Counter, OrderedDict
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
TPL_DIR = HERE / "templates"
GENERATOR_VERSION = "1"

NS = 1_000_000_000
UTC = _dt.timezone.utc

# ---------------------------------------------------------------------------
# counts per cause (the corpus plan)
# ---------------------------------------------------------------------------
CAUSE_COUNTS = OrderedDict([
    ("oom_killed", 150),
    ("liveness_probe_failed", 140),
    ("missing_secret_or_configmap", 80),
    ("config_error", 90),
    ("image_pull_error", 160),
    ("bad_command", 80),
    ("exec_format_error", 72),
    ("permission_denied", 80),
    ("dependency_unavailable", 150),
    ("credentials_rejected", 80),
    ("rbac_forbidden", 75),
    ("port_in_use", 75),
    ("tls_error", 80),
    ("disk_full", 75),
    ("volume_mount_failed", 75),
    ("exits_immediately", 75),
    ("app_crash", 150),
    ("none", 90),
])
DETAILS = {
    "oom_killed": [("container_limit", 0.7), ("runtime_heap", 0.3)],
    "liveness_probe_failed": [("liveness", 0.72), ("startup", 0.28)],
    "image_pull_error": [("not_found", 0.3), ("unauthorized", 0.25), ("registry_unreachable", 0.2),
                         ("rate_limited", 0.12), ("invalid_reference", 0.13)],
    "dependency_unavailable": [("refused", 0.4), ("dns", 0.3), ("timeout", 0.3)],
}
SPLITS = [("train", 0.70), ("validation", 0.15), ("test", 0.15)]

sys.path.insert(0, str(Path(__file__).resolve().parent))
from causes import TAXONOMY  # noqa: E402  (the engine's own cause list, src/cause.rs)


def _check_plan():
    """The plan covers exactly the engine's causes, with details the engine knows."""
    planned = set(CAUSE_COUNTS) - {"none"}
    if planned != set(TAXONOMY):
        raise SystemExit("corpus plan and src/cause.rs disagree: missing %s, unknown %s"
                         % (sorted(set(TAXONOMY) - planned), sorted(planned - set(TAXONOMY))))
    for cause, weights in DETAILS.items():
        unknown = {d for d, _ in weights} - TAXONOMY[cause]
        if unknown:
            raise SystemExit("details %s of %s are not in src/cause.rs" % (sorted(unknown), cause))


_check_plan()


# ---------------------------------------------------------------------------
# time helpers
# ---------------------------------------------------------------------------
def dt_of(t: int) -> _dt.datetime:
    return _dt.datetime.fromtimestamp(t // NS, tz=UTC)


def rfc3339(t: int) -> str:
    return dt_of(t).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc3339_nano(t: int) -> str:
    return dt_of(t).strftime("%Y-%m-%dT%H:%M:%S") + ".%09dZ" % (t % NS)


def rfc3339_micro(t: int) -> str:
    return dt_of(t).strftime("%Y-%m-%dT%H:%M:%S") + ".%06dZ" % ((t % NS) // 1000)


def rfc3339_milli(t: int) -> str:
    return dt_of(t).strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % ((t % NS) // 1_000_000)


def rfc1123z(t: int) -> str:
    return dt_of(t).strftime("%a, %d %b %Y %H:%M:%S +0000")


def human_duration(d_ns: int) -> str:
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    seconds = d_ns // NS
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 120:
        return "%ds" % seconds
    minutes = seconds // 60
    if minutes < 10:
        s = seconds % 60
        return "%dm" % minutes if s == 0 else "%dm%ds" % (minutes, s)
    if minutes < 180:
        return "%dm" % minutes
    hours = seconds // 3600
    if hours < 8:
        m = minutes % 60
        return "%dh" % hours if m == 0 else "%dh%dm" % (hours, m)
    if hours < 48:
        return "%dh" % hours
    if hours < 24 * 8:
        h = hours % 24
        return "%dd" % (hours // 24) if h == 0 else "%dd%dh" % (hours // 24, h)
    if hours < 24 * 365 * 2:
        return "%dd" % (hours // 24)
    return "%dy" % (hours // 24 // 365)


def go_duration(sec: int) -> str:
    """time.Duration.String() for whole seconds (back-off delays)."""
    if sec < 60:
        return "%ds" % sec
    m, s = divmod(sec, 60)
    if m < 60:
        return "%dm%ds" % (m, s)
    h, m = divmod(m, 60)
    return "%dh%dm%ds" % (h, m, s)


def backoff_delay(k: int, cap: int = 300) -> int:
    """Delay (s) after the k-th restart (k>=1): 10, 20, 40, 80, 160, 300."""
    return min(10 * 2 ** (k - 1), cap)


# ---------------------------------------------------------------------------
# Go text/tabwriter (kubectl tables and describe output)
# ---------------------------------------------------------------------------
def tabwrite(lines, minwidth=0, padding=2):
    cells = [ln.split("\t") for ln in lines]
    out = []
    widths = []

    def write_lines(l0, l1):
        for i in range(l0, l1):
            line = cells[i]
            parts = []
            for j, c in enumerate(line):
                parts.append(c)
                if j < len(widths) and j < len(line) - 1:
                    parts.append(" " * (widths[j] - len(c)))
            out.append("".join(parts))

    def fmt(line0, line1):
        column = len(widths)
        this = line0
        while this < line1:
            line = cells[this]
            if column >= len(line) - 1:
                this += 1
                continue
            write_lines(line0, this)
            line0 = this
            width = minwidth
            while this < line1:
                line = cells[this]
                if column >= len(line) - 1:
                    break
                w = len(line[column]) + padding
                if w > width:
                    width = w
                this += 1
            widths.append(width)
            fmt(line0, this)
            widths.pop()
            line0 = this
        write_lines(line0, line1)

    fmt(0, len(cells))
    return "\n".join(out) + "\n"


def table(rows, header=None):
    """kubectl printers: tabwriter(minwidth 6, padding 3)."""
    lines = []
    if header:
        lines.append("\t".join(header))
    for r in rows:
        lines.append("\t".join(str(c) for c in r))
    return tabwrite(lines, minwidth=6, padding=3)


# ---------------------------------------------------------------------------
# template loading and the split-aware picker
# ---------------------------------------------------------------------------
def load_templates():
    t = {}
    for p in sorted(TPL_DIR.glob("*.yaml")):
        with open(p, encoding="utf-8") as fh:
            t[p.stem] = yaml.safe_load(fh)
    fails = {}
    for p in sorted((TPL_DIR / "failures").glob("*.yaml")):
        with open(p, encoding="utf-8") as fh:
            fails[p.stem] = yaml.safe_load(fh)
    t["failures"] = fails
    return t


class Picker:
    """Random choices that hold out part of every variant list.

    In a list of four or more variants, entries whose index % 4 == 3 are
    reserved for validation/test: train never sees them, validation/test
    draw them half of the time.  This makes the held-out splits measure
    generalisation to unseen phrasings, app names and namespaces.
    """

    def __init__(self, rng: random.Random, split: str):
        self.rng = rng
        self.split = split

    def pick(self, seq, hold=True):
        seq = list(seq)
        if not seq:
            raise ValueError("empty choice")
        if hold and len(seq) >= 4:
            train = [x for i, x in enumerate(seq) if i % 4 != 3]
            held = [x for i, x in enumerate(seq) if i % 4 == 3]
            if self.split == "train":
                return self.rng.choice(train)
            if self.rng.random() < 0.5:
                return self.rng.choice(held)
        return self.rng.choice(seq)

    def weighted(self, pairs):
        total = sum(w for _, w in pairs)
        x = self.rng.random() * total
        for v, w in pairs:
            x -= w
            if x < 0:
                return v
        return pairs[-1][0]


# ---------------------------------------------------------------------------
# small random helpers
# ---------------------------------------------------------------------------
K8S_ALNUM = "bcdfghjklmnpqrstvwxz2456789"


def rhex(rng, n):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def ralnum(rng, n, alphabet=K8S_ALNUM):
    return "".join(rng.choice(alphabet) for _ in range(n))


def ruuid(rng):
    h = rhex(rng, 32)
    h = h[:12] + "4" + h[13:16] + rng.choice("89ab") + h[17:]
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


def camel(name):
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[-_]", name) if p)


def snake(name):
    return name.replace("-", "_")


# ---------------------------------------------------------------------------
# log template DSL
#
#   I @logger message || k=v k2="v 2"   record (levels T D I W E F); @logger optional
#   > text                               continuation of the previous record (stack trace)
#   | text                               raw line written by the runtime on stderr
#   : text                               raw line on stdout
#   ~ 2.5                                pause (seconds) ; "~ 3-20" random pause
#   %repeat 2-4 ... %end                 repeat a block ({attempt} counts from 1)
#   {key} from the case context, {=int:1-9} {=hex:8} {=ip} {=pick:a|b} {=uuid}
#   {=float:0.1-2.5} {=alnum:5} {=ms} random values
# ---------------------------------------------------------------------------
TIME_GENS = ("clf", "iso", "epoch", "epoch_ms", "hms", "date", "nginxts", "rfc1123", "pyts", "nano")
TIME_MARK = re.compile("\x01(\\w+)\x02")


def time_gen(g, t):
    d = dt_of(t)
    return {"clf": lambda: d.strftime("%d/%b/%Y:%H:%M:%S +0000"), "iso": lambda: rfc3339_milli(t),
            "nano": lambda: rfc3339_nano(t), "epoch": lambda: "%.3f" % (t / NS), "epoch_ms": lambda: str(t // 1_000_000),
            "hms": lambda: d.strftime("%H:%M:%S"), "date": lambda: d.strftime("%Y-%m-%d"),
            "nginxts": lambda: d.strftime("%Y/%m/%d %H:%M:%S"), "rfc1123": lambda: d.strftime("%a, %d %b %Y %H:%M:%S GMT"),
            "pyts": lambda: d.strftime("%Y-%m-%d %H:%M:%S") + ",%03d" % ((t % NS) // 1_000_000)}[g]()


def resolve_times(text, t):
    if "\x01" not in text:
        return text
    return TIME_MARK.sub(lambda m: time_gen(m.group(1), t), text)


PH_RE = re.compile(r"(?<![$%])\{(=?[A-Za-z_][A-Za-z0-9_.]*)(?::([^{}]*))?\}")


def expand(s: str, ctx: dict, rng: random.Random) -> str:
    def rep(m):
        key, arg = m.group(1), m.group(2)
        if key.startswith("="):
            g = key[1:]
            if g == "int":
                a, b = arg.split("-")
                return str(rng.randint(int(a), int(b)))
            if g == "float":
                a, b = arg.split("-")
                return "%.*f" % (len(b.split(".")[1]) if "." in b else 2, rng.uniform(float(a), float(b)))
            if g == "hex":
                return rhex(rng, int(arg))
            if g == "alnum":
                return ralnum(rng, int(arg), "abcdefghijklmnopqrstuvwxyz0123456789")
            if g == "ip":
                return "10.%d.%d.%d" % (rng.choice([0, 1, 2, 8, 16, 20, 42, 244]), rng.randint(0, 255), rng.randint(2, 254))
            if g == "pick":
                return rng.choice(arg.split("|"))
            if g == "uuid":
                return ruuid(rng)
            if g == "ms":
                return str(rng.choice([rng.randint(1, 40), rng.randint(20, 300), rng.randint(100, 1800)]))
            if g == "pid":
                return str(rng.randint(7, 480))
            if g == "lit":
                return arg.replace("[", "{").replace("]", "}")
            if g in TIME_GENS:
                # resolved when the entry is rendered at its final (absolute) time
                return "\x01%s\x02" % g
            t = ctx.get("_t")
            if t is not None and g in TIME_GENS:
                d = dt_of(t)
                if g == "clf":
                    return d.strftime("%d/%b/%Y:%H:%M:%S +0000")
                if g == "iso":
                    return rfc3339_milli(t)
                if g == "nano":
                    return rfc3339_nano(t)
                if g == "epoch":
                    return "%.3f" % (t / NS)
                if g == "epoch_ms":
                    return str(t // 1_000_000)
                if g == "hms":
                    return d.strftime("%H:%M:%S")
                if g == "date":
                    return d.strftime("%Y-%m-%d")
                if g == "nginxts":
                    return d.strftime("%Y/%m/%d %H:%M:%S")
                if g == "rfc1123":
                    return d.strftime("%a, %d %b %Y %H:%M:%S GMT")
                if g == "pyts":
                    return d.strftime("%Y-%m-%d %H:%M:%S") + ",%03d" % ((t % NS) // 1_000_000)
            raise KeyError("unknown generator %s" % g)
        if arg is not None:
            # JSON-ish text like {"a":1} never matches; "{key:x}" is not supported
            return m.group(0)
        if key not in ctx:
            raise KeyError("template placeholder {%s} not in context" % key)
        return str(ctx[key])

    return PH_RE.sub(rep, s)


def parse_fields(s: str):
    out = []
    i = 0
    s = s.strip()
    while i < len(s):
        m = re.match(r'([A-Za-z_][\w.\-/]*)=("(?:[^"\\]|\\.)*"|\S*)\s*', s[i:])
        if not m:
            break
        k, v = m.group(1), m.group(2)
        if v.startswith('"'):
            v = v[1:-1].replace('\\"', '"')
        out.append((k, v))
        i += m.end()
    return out


LINE_RE = re.compile(r"^([TDIWEF])(?:\s+@(\S+))?\s(.*)$")


def run_block(block: str, ctx: dict, rng: random.Random, t0: int, thread=None):
    """Evaluate a DSL block into records starting at t0.  Returns (entries, t_end)."""
    lines = block.rstrip("\n").split("\n") if block else []
    entries = []
    t = t0

    def step():
        nonlocal t
        t += rng.choice([rng.randint(50_000, 3_000_000), rng.randint(1_000_000, 90_000_000),
                         rng.randint(5_000_000, 400_000_000)])

    def exec_lines(lines, attempt):
        nonlocal t
        i = 0
        while i < len(lines):
            raw = lines[i]
            if raw.startswith("%repeat"):
                spec = raw.split()[1]
                a, _, b = spec.partition("-")
                n = rng.randint(int(a), int(b or a))
                depth, j = 1, i + 1
                while j < len(lines):
                    if lines[j].startswith("%repeat"):
                        depth += 1
                    elif lines[j].startswith("%end"):
                        depth -= 1
                        if depth == 0:
                            break
                    j += 1
                body = lines[i + 1:j]
                for k in range(1, n + 1):
                    exec_lines(body, k)
                i = j + 1
                continue
            line = raw
            i += 1
            if not line.strip():
                continue
            c2 = dict(ctx)
            c2["attempt"] = attempt
            c2["_t"] = t
            if line.startswith("~"):
                spec = line[1:].strip()
                if "-" in spec:
                    a, b = spec.split("-")
                    t += int(rng.uniform(float(a), float(b)) * NS)
                else:
                    t += int(float(spec) * NS)
                continue
            if line.startswith(">"):
                txt = expand(line[2:] if line.startswith("> ") else line[1:], c2, rng).replace("\\t", "\t")
                if entries and entries[-1]["kind"] == "rec":
                    entries[-1]["cont"].append(txt)
                else:
                    entries.append({"kind": "raw", "t": t, "stream": "stderr", "text": txt})
                continue
            if line.startswith("|") or line.startswith(":"):
                stream = "stderr" if line[0] == "|" else "stdout"
                txt = line[2:] if len(line) > 1 and line[1] == " " else line[1:]
                step()
                c2["_t"] = t
                entries.append({"kind": "raw", "t": t, "stream": stream, "text": expand(txt, c2, rng).replace("\\t", "\t")})
                continue
            m = LINE_RE.match(line)
            if not m:
                raise ValueError("bad template line: %r" % line)
            level, logger, rest = m.group(1), m.group(2), m.group(3)
            msg, _, fpart = rest.partition(" || ")
            step()
            c2["_t"] = t
            fields = parse_fields(expand(fpart, c2, rng)) if fpart else []
            entries.append({"kind": "rec", "t": t, "level": level,
                            "logger": expand(logger, c2, rng) if logger else None,
                            "msg": expand(msg, c2, rng), "fields": fields, "cont": [],
                            "thread": thread})

    exec_lines(lines, 1)
    return entries, t


# ---------------------------------------------------------------------------
# log styles: record -> [(stream, text)]
# ---------------------------------------------------------------------------
LV_WORD = {"T": "TRACE", "D": "DEBUG", "I": "INFO", "W": "WARN", "E": "ERROR", "F": "FATAL"}
LV_PY = {"T": "DEBUG", "D": "DEBUG", "I": "INFO", "W": "WARNING", "E": "ERROR", "F": "CRITICAL"}
LV_LOWER = {"T": "trace", "D": "debug", "I": "info", "W": "warn", "E": "error", "F": "fatal"}


def _fields_text(fields):
    out = []
    for k, v in fields:
        if v == "" or re.search(r'[\s"=]', v):
            out.append('%s="%s"' % (k, v.replace('"', '\\"')))
        else:
            out.append("%s=%s" % (k, v))
    return " ".join(out)


def _jdump(d):
    return json.dumps(d, ensure_ascii=False, separators=(",", ":"))


def _fval(v):
    if re.fullmatch(r"-?\d{1,15}", v):
        return int(v)
    if re.fullmatch(r"-?\d+\.\d+", v):
        return float(v)
    if v in ("true", "false"):
        return v == "true"
    return v


class StyleCtx:
    def __init__(self, ctx, rng):
        self.ctx = ctx
        self.rng = rng
        self.pid = ctx.get("pid", 1)


def _plain_with_cont(first, rec, stream="stdout"):
    out = [(stream, first)]
    for c in rec["cont"]:
        out.append((stream, c))
    return out


def st_spring(rec, sc, boot3=False):
    t = rec["t"]
    d = dt_of(t)
    lvl = {"F": "ERROR"}.get(rec["level"], LV_WORD[rec["level"]])
    thread = rec["thread"] or "main"
    logger = rec["logger"] or sc.ctx.get("jvm_main_logger", "c.e.Application")
    msg = rec["msg"]
    if rec["fields"]:
        msg += " " + _fields_text(rec["fields"])
    if boot3:
        first = "%s  %5s 1 --- [%s] [%15s] %-40s : %s" % (rfc3339_milli(t), lvl, sc.ctx["workload"], thread[-15:], logger[-40:], msg)
    else:
        first = "%s.%03d %5s 1 --- [%15s] %-40s : %s" % (d.strftime("%Y-%m-%d %H:%M:%S"), (t % NS) // 1_000_000, lvl, thread[-15:], logger[-40:], msg)
    return _plain_with_cont(first, rec)


def st_logback_json(rec, sc):
    t = rec["t"]
    lvl = {"F": "ERROR"}.get(rec["level"], LV_WORD[rec["level"]])
    d = OrderedDict()
    d["@timestamp"] = dt_of(t).strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % ((t % NS) // 1_000_000)
    d["@version"] = "1"
    d["message"] = rec["msg"]
    d["logger_name"] = rec["logger"] or sc.ctx.get("jvm_main_logger", "com.example.Application")
    d["thread_name"] = rec["thread"] or "main"
    d["level"] = lvl
    d["level_value"] = {"TRACE": 5000, "DEBUG": 10000, "INFO": 20000, "WARN": 30000, "ERROR": 40000}[lvl]
    for k, v in rec["fields"]:
        d[k] = _fval(v)
    if rec["cont"]:
        d["stack_trace"] = "\n".join(rec["cont"]) + "\n"
    return [("stdout", _jdump(d))]


def st_log4j(rec, sc):
    t = rec["t"]
    d = dt_of(t)
    lvl = LV_WORD[rec["level"]]
    first = "%s,%03d %-5s [%s] %s - %s" % (d.strftime("%Y-%m-%d %H:%M:%S"), (t % NS) // 1_000_000, lvl,
                                           rec["thread"] or "main", rec["logger"] or "com.example.Main", rec["msg"])
    return _plain_with_cont(first, rec)


def st_kafka(rec, sc):
    t = rec["t"]
    d = dt_of(t)
    lvl = LV_WORD[rec["level"]]
    first = "[%s,%03d] %s %s (%s)" % (d.strftime("%Y-%m-%d %H:%M:%S"), (t % NS) // 1_000_000, lvl, rec["msg"],
                                      rec["logger"] or "kafka.server.KafkaServer")
    return _plain_with_cont(first, rec)


def st_pylog(rec, sc):
    t = rec["t"]
    d = dt_of(t)
    first = "%s,%03d %s [%s] %s" % (d.strftime("%Y-%m-%d %H:%M:%S"), (t % NS) // 1_000_000, LV_PY[rec["level"]],
                                    rec["logger"] or "app", rec["msg"])
    if rec["fields"]:
        first += " " + _fields_text(rec["fields"])
    return _plain_with_cont(first, rec, "stderr")


def st_pybasic(rec, sc):
    first = "%s:%s:%s" % (LV_PY[rec["level"]], rec["logger"] or "root", rec["msg"])
    return _plain_with_cont(first, rec, "stderr")


def st_gunicorn(rec, sc):
    t = rec["t"]
    d = dt_of(t)
    pid = sc.ctx.get("worker_pid", 1) if (rec["logger"] or "").startswith("worker") else 1
    if rec["logger"] and rec["logger"] not in ("gunicorn.error", "worker"):
        first = "%s,%03d %s [%s] %s" % (d.strftime("%Y-%m-%d %H:%M:%S"), (t % NS) // 1_000_000, LV_PY[rec["level"]],
                                        rec["logger"], rec["msg"])
    else:
        first = "[%s +0000] [%s] [%s] %s" % (d.strftime("%Y-%m-%d %H:%M:%S"), pid, LV_PY[rec["level"]], rec["msg"])
    return _plain_with_cont(first, rec, "stderr")


def st_uvicorn(rec, sc):
    lvl = LV_PY[rec["level"]] + ":"
    first = "%-9s %s" % (lvl, rec["msg"])
    return _plain_with_cont(first, rec, "stderr")


def st_pyjson(rec, sc):
    t = rec["t"]
    d = OrderedDict()
    d["asctime"] = dt_of(t).strftime("%Y-%m-%d %H:%M:%S") + ",%03d" % ((t % NS) // 1_000_000)
    d["name"] = rec["logger"] or "app"
    d["levelname"] = LV_PY[rec["level"]]
    d["message"] = rec["msg"]
    for k, v in rec["fields"]:
        d[k] = _fval(v)
    if rec["cont"]:
        d["exc_info"] = "\n".join(rec["cont"])
    return [("stderr", json.dumps(d, ensure_ascii=False))]


def st_zap(rec, sc):
    t = rec["t"]
    d = OrderedDict()
    d["level"] = {"T": "debug", "D": "debug", "I": "info", "W": "warn", "E": "error", "F": "fatal"}[rec["level"]]
    d["ts"] = round(t / NS, 4)
    d["caller"] = rec["logger"] or "cmd/main.go:%d" % (40 + len(rec["msg"]) % 90)
    d["msg"] = rec["msg"]
    for k, v in rec["fields"]:
        d[k] = _fval(v)
    if rec["cont"]:
        d["stacktrace"] = "\n".join(rec["cont"])
    return [("stderr", _jdump(d))]


def st_slog_json(rec, sc):
    t = rec["t"]
    d = OrderedDict()
    d["time"] = rfc3339_nano(t).replace("Z", "Z")
    d["level"] = {"T": "DEBUG", "D": "DEBUG", "I": "INFO", "W": "WARN", "E": "ERROR", "F": "ERROR"}[rec["level"]]
    d["msg"] = rec["msg"]
    for k, v in rec["fields"]:
        d[k] = _fval(v)
    out = [("stdout", _jdump(d))]
    for c in rec["cont"]:
        out.append(("stderr", c))
    return out


def st_slog_text(rec, sc):
    t = rec["t"]
    lvl = {"T": "DEBUG", "D": "DEBUG", "I": "INFO", "W": "WARN", "E": "ERROR", "F": "ERROR"}[rec["level"]]
    fields = [("time", rfc3339_milli(t)), ("level", lvl), ("msg", rec["msg"])] + rec["fields"]
    return _plain_with_cont(_fields_text(fields), rec, "stderr")


def st_logrus(rec, sc):
    t = rec["t"]
    lvl = {"T": "trace", "D": "debug", "I": "info", "W": "warning", "E": "error", "F": "fatal"}[rec["level"]]
    fields = [("time", rfc3339(t)), ("level", lvl), ("msg", rec["msg"])] + rec["fields"]
    s = _fields_text(fields).replace('time=%s' % rfc3339(t), 'time="%s"' % rfc3339(t), 1)
    return _plain_with_cont(s, rec, "stderr")


def st_gostd(rec, sc):
    t = rec["t"]
    s = dt_of(t).strftime("%Y/%m/%d %H:%M:%S") + " " + rec["msg"]
    if rec["fields"]:
        s += " " + _fields_text(rec["fields"])
    return _plain_with_cont(s, rec, "stderr")


def st_klog(rec, sc):
    t = rec["t"]
    d = dt_of(t)
    lvl = {"T": "I", "D": "I", "I": "I", "W": "W", "E": "E", "F": "F"}[rec["level"]]
    caller = rec["logger"] or "main.go:%d" % (30 + len(rec["msg"]) % 120)
    body = rec["msg"]
    if rec["fields"]:
        body = '"%s" %s' % (body, " ".join('%s="%s"' % (k, v) for k, v in rec["fields"]))
    s = "%s%s %s.%06d %7d %s] %s" % (lvl, d.strftime("%m%d"), d.strftime("%H:%M:%S"), (t % NS) // 1000,
                                      sc.pid, caller, body)
    return _plain_with_cont(s, rec, "stderr")


def st_zap_console(rec, sc):
    t = rec["t"]
    lvl = {"T": "DEBUG", "D": "DEBUG", "I": "INFO", "W": "WARN", "E": "ERROR", "F": "FATAL"}[rec["level"]]
    s = "%s\t%s\t%s\t%s" % (rfc3339(t), lvl, rec["logger"] or "setup", rec["msg"])
    if rec["fields"]:
        s += "\t" + json.dumps(OrderedDict((k, _fval(v)) for k, v in rec["fields"]))
    return _plain_with_cont(s, rec, "stderr")


def st_ctrl_json(rec, sc):
    t = rec["t"]
    d = OrderedDict()
    d["level"] = {"T": "debug", "D": "debug", "I": "info", "W": "warn", "E": "error", "F": "error"}[rec["level"]]
    d["ts"] = rfc3339_milli(t)
    d["logger"] = rec["logger"] or "setup"
    d["msg"] = rec["msg"]
    for k, v in rec["fields"]:
        d[k] = _fval(v)
    if rec["cont"]:
        d["stacktrace"] = "\n".join(rec["cont"])
    return [("stderr", _jdump(d))]


def st_pino(rec, sc):
    t = rec["t"]
    d = OrderedDict()
    d["level"] = {"T": 10, "D": 20, "I": 30, "W": 40, "E": 50, "F": 60}[rec["level"]]
    d["time"] = t // 1_000_000
    d["pid"] = sc.pid
    d["hostname"] = sc.ctx["pod"]
    for k, v in rec["fields"]:
        d[k] = _fval(v)
    if rec["cont"]:
        first = rec["cont"][0]
        etype = first.split(":")[0] if ":" in first else "Error"
        d["err"] = OrderedDict([("type", etype), ("message", first.split(": ", 1)[-1]),
                                ("stack", "\n".join(rec["cont"]))])
    d["msg"] = rec["msg"]
    return [("stdout", _jdump(d))]


def st_winston(rec, sc):
    t = rec["t"]
    d = OrderedDict()
    d["level"] = {"T": "debug", "D": "debug", "I": "info", "W": "warn", "E": "error", "F": "error"}[rec["level"]]
    d["message"] = rec["msg"]
    for k, v in rec["fields"]:
        d[k] = _fval(v)
    if rec["cont"]:
        d["stack"] = "\n".join(rec["cont"])
    d["service"] = sc.ctx["workload"]
    d["timestamp"] = rfc3339_milli(t)
    return [("stdout", _jdump(d))]


def st_nodeconsole(rec, sc):
    msg = rec["msg"]
    if rec["fields"]:
        msg += " " + _fields_text(rec["fields"])
    if rec["level"] in "EFW":
        stream = "stderr"
    else:
        stream = "stdout"
    return _plain_with_cont(msg, rec, stream)


def st_rails(rec, sc):
    t = rec["t"]
    d = dt_of(t)
    lvl = {"T": "DEBUG", "D": "DEBUG", "I": "INFO", "W": "WARN", "E": "ERROR", "F": "FATAL"}[rec["level"]]
    lg = rec["logger"] or ""
    if lg.startswith("["):
        s = "%s, [%s.%06d #%d] %5s -- : %s %s" % (lvl[0], d.strftime("%Y-%m-%dT%H:%M:%S"), (t % NS) // 1000, sc.pid, lvl, lg, rec["msg"])
    else:
        s = "%s, [%s.%06d #%d] %5s -- %s: %s" % (lvl[0], d.strftime("%Y-%m-%dT%H:%M:%S"), (t % NS) // 1000, sc.pid, lvl, lg, rec["msg"])
    return _plain_with_cont(s, rec)


def st_dotnet(rec, sc):
    lvl = {"T": "trce", "D": "dbug", "I": "info", "W": "warn", "E": "fail", "F": "crit"}[rec["level"]]
    cat = rec["logger"] or "Program[0]"
    if "[" not in cat:
        cat += "[0]"
    out = [("stdout", "%s: %s" % (lvl, cat)), ("stdout", "      " + rec["msg"])]
    for c in rec["cont"]:
        out.append(("stdout", c if c.startswith(" ") else "      " + c))
    return out


def st_dotnet_json(rec, sc):
    cat = rec["logger"] or "Program[0]"
    m = re.match(r"(.*)\[(\d+)\]$", cat)
    eid = int(m.group(2)) if m else 0
    cat = m.group(1) if m else cat
    d = OrderedDict()
    d["Timestamp"] = rfc3339_micro(rec["t"])
    d["EventId"] = eid
    d["LogLevel"] = {"T": "Trace", "D": "Debug", "I": "Information", "W": "Warning", "E": "Error", "F": "Critical"}[rec["level"]]
    d["Category"] = cat
    d["Message"] = rec["msg"]
    if rec["cont"]:
        d["Exception"] = "\n".join(c.strip() if i == 0 else c for i, c in enumerate(rec["cont"]))
    d["State"] = OrderedDict([("Message", rec["msg"])] + [(k, _fval(v)) for k, v in rec["fields"]])
    return [("stdout", _jdump(d))]


def st_php(rec, sc):
    t = rec["t"]
    d = dt_of(t)
    if rec["logger"] == "fpm":
        lvl = {"T": "DEBUG", "D": "DEBUG", "I": "NOTICE", "W": "WARNING", "E": "ERROR", "F": "ALERT"}[rec["level"]]
        s = "[%s] %s: %s" % (d.strftime("%d-%b-%Y %H:%M:%S"), lvl, rec["msg"])
        return _plain_with_cont(s, rec, "stderr")
    lvl = {"T": "DEBUG", "D": "DEBUG", "I": "INFO", "W": "WARNING", "E": "ERROR", "F": "CRITICAL"}[rec["level"]]
    s = "[%s] %s.%s: %s" % (d.strftime("%Y-%m-%d %H:%M:%S"), rec["logger"] or "production", lvl, rec["msg"])
    return _plain_with_cont(s, rec, "stderr")


def st_nginx(rec, sc):
    t = rec["t"]
    d = dt_of(t)
    if rec["logger"] == "access":
        return [("stdout", rec["msg"])]
    lvl = {"T": "debug", "D": "debug", "I": "notice", "W": "warn", "E": "error", "F": "emerg"}[rec["level"]]
    if rec["logger"] in ("emerg", "alert", "crit", "info"):
        lvl = rec["logger"]
    s = "%s [%s] 1#1: %s" % (d.strftime("%Y/%m/%d %H:%M:%S"), lvl, rec["msg"])
    return _plain_with_cont(s, rec, "stderr")


def st_postgres(rec, sc):
    t = rec["t"]
    d = dt_of(t)
    lvl = {"T": "DEBUG", "D": "DEBUG", "I": "LOG", "W": "WARNING", "E": "ERROR", "F": "FATAL"}[rec["level"]]
    if rec["logger"] and rec["logger"].isupper():
        lvl = rec["logger"]
    pid = sc.ctx.get("pg_pid", 1) if lvl not in ("LOG",) or rec["level"] != "I" else 1
    s = "%s.%03d UTC [%s] %s:  %s" % (d.strftime("%Y-%m-%d %H:%M:%S"), (t % NS) // 1_000_000, pid, lvl, rec["msg"])
    out = [("stderr", s)]
    for c in rec["cont"]:
        m = re.match(r"^(DETAIL|HINT|STATEMENT|CONTEXT):\s+(.*)$", c)
        if m:
            out.append(("stderr", "%s.%03d UTC [%s] %s:  %s" % (d.strftime("%Y-%m-%d %H:%M:%S"), (t % NS) // 1_000_000, pid, m.group(1), m.group(2))))
        else:
            out.append(("stderr", c))
    return out


def st_mysql(rec, sc):
    t = rec["t"]
    lg = rec["logger"] or "MY-010000"
    code, _, sub = lg.partition("/")
    lvl = {"T": "Note", "D": "Note", "I": "System" if code in ("MY-010116", "MY-010931", "MY-011323", "MY-013169", "MY-013576", "MY-013577", "MY-010910") else "Note",
           "W": "Warning", "E": "ERROR", "F": "ERROR"}[rec["level"]]
    s = "%s %d [%s] [%s] [%s] %s" % (rfc3339_micro(t), 0 if rec["level"] != "E" else rec["t"] % 9, lvl, code, sub or "Server", rec["msg"])
    return _plain_with_cont(s, rec, "stderr")


def st_mariadb(rec, sc):
    t = rec["t"]
    d = dt_of(t)
    lvl = {"T": "Note", "D": "Note", "I": "Note", "W": "Warning", "E": "ERROR", "F": "ERROR"}[rec["level"]]
    sub = rec["logger"]
    if sub and "/" in sub:
        sub = sub.split("/", 1)[1]
    prefix = (sub + ": ") if sub and sub not in ("Server",) and not sub.startswith("MY-") else ""
    s = "%s 0 [%s] %s%s" % (d.strftime("%Y-%m-%d %H:%M:%S"), lvl, prefix, rec["msg"])
    return _plain_with_cont(s, rec, "stderr")


def st_mongo(rec, sc):
    t = rec["t"]
    lg = rec["logger"] or "CONTROL:20698:main"
    parts = lg.split(":")
    c, mid, ctxname = (parts + ["0", "main"])[:3]
    d = OrderedDict()
    d["t"] = {"$date": dt_of(t).strftime("%Y-%m-%dT%H:%M:%S") + ".%03d+00:00" % ((t % NS) // 1_000_000)}
    d["s"] = {"T": "D1", "D": "D1", "I": "I", "W": "W", "E": "E", "F": "F"}[rec["level"]]
    d["c"] = c
    d["id"] = int(mid)
    d["ctx"] = ctxname
    d["msg"] = rec["msg"]
    if rec["fields"] or rec["cont"]:
        attr = OrderedDict((k, _fval(v)) for k, v in rec["fields"])
        if rec["cont"]:
            attr["error"] = " ".join(rec["cont"])
        d["attr"] = attr
    return [("stdout", _jdump(d))]


def st_redis(rec, sc):
    t = rec["t"]
    d = dt_of(t)
    ch = {"T": ".", "D": ".", "I": "*", "W": "#", "E": "#", "F": "#"}[rec["level"]]
    role = rec["logger"] or "M"
    s = "1:%s %s.%03d %s %s" % (role, d.strftime("%d %b %Y %H:%M:%S"), (t % NS) // 1_000_000, ch, rec["msg"])
    return _plain_with_cont(s, rec)


def st_rabbit(rec, sc):
    t = rec["t"]
    d = dt_of(t)
    lvl = {"T": "debug", "D": "debug", "I": "info", "W": "warning", "E": "error", "F": "critical"}[rec["level"]]
    proc = rec["logger"] or "<0.%d.0>" % (200 + (rec["t"] // 7919) % 700)
    s = "%s.%06d+00:00 [%s] %s %s" % (d.strftime("%Y-%m-%d %H:%M:%S"), (t % NS) // 1000, lvl, proc, rec["msg"])
    out = [("stdout", s)]
    for c in rec["cont"]:
        out.append(("stdout", "%s.%06d+00:00 [%s] %s %s" % (d.strftime("%Y-%m-%d %H:%M:%S"), (t % NS) // 1000, lvl, proc, c)))
    return out


def st_es(rec, sc):
    t = rec["t"]
    d = OrderedDict()
    d["@timestamp"] = rfc3339_milli(t)
    d["log.level"] = {"T": "TRACE", "D": "DEBUG", "I": "INFO", "W": "WARN", "E": "ERROR", "F": "ERROR"}[rec["level"]]
    d["message"] = rec["msg"]
    d["ecs.version"] = "1.2.0"
    d["service.name"] = "ES_ECS"
    d["event.dataset"] = "elasticsearch.server"
    d["process.thread.name"] = rec["thread"] or "main"
    d["log.logger"] = rec["logger"] or "org.elasticsearch.node.Node"
    d["elasticsearch.node.name"] = sc.ctx["pod"]
    d["elasticsearch.cluster.name"] = sc.ctx.get("es_cluster", "logging")
    if rec["cont"]:
        first = rec["cont"][0]
        d["error.type"] = first.split(":")[0].strip()
        d["error.message"] = first.split(": ", 1)[-1]
        d["error.stack_trace"] = "\n".join(rec["cont"])
    return [("stdout", _jdump(d))]


def st_rust(rec, sc):
    t = rec["t"]
    lvl = {"T": "TRACE", "D": "DEBUG", "I": "INFO", "W": "WARN", "E": "ERROR", "F": "ERROR"}[rec["level"]]
    s = "%s %5s %s: %s" % (rfc3339_micro(t), lvl, rec["logger"] or snake(sc.ctx["workload"]), rec["msg"])
    if rec["fields"]:
        s += " " + _fields_text(rec["fields"])
    return _plain_with_cont(s, rec)


def st_envoy(rec, sc):
    t = rec["t"]
    if rec["logger"] == "access":
        return [("stdout", rec["msg"])]
    lvl = {"T": "trace", "D": "debug", "I": "info", "W": "warning", "E": "error", "F": "critical"}[rec["level"]]
    if rec["logger"]:
        s = "%s\t%s\t%s\t%s" % (rfc3339_micro(t), lvl, rec["logger"], rec["msg"])
    else:
        s = "%s\t%s\t%s" % (rfc3339_micro(t), lvl, rec["msg"])
    return _plain_with_cont(s, rec, "stderr")


def st_fluentbit(rec, sc):
    t = rec["t"]
    d = dt_of(t)
    lvl = {"T": "trace", "D": "debug", "I": " info", "W": " warn", "E": "error", "F": "error"}[rec["level"]]
    s = "[%s] [%s] %s" % (d.strftime("%Y/%m/%d %H:%M:%S"), lvl, rec["msg"])
    return _plain_with_cont(s, rec, "stderr")


def st_plain(rec, sc):
    msg = rec["msg"]
    if rec["fields"]:
        msg += " " + _fields_text(rec["fields"])
    return _plain_with_cont(msg, rec, "stdout" if rec["level"] in "TDI" else "stderr")


STYLES = {
    "spring": st_spring, "spring3": lambda r, s: st_spring(r, s, True), "logback_json": st_logback_json,
    "log4j": st_log4j, "kafka": st_kafka, "pylog": st_pylog, "pybasic": st_pybasic, "gunicorn": st_gunicorn,
    "uvicorn": st_uvicorn, "pyjson": st_pyjson, "zap": st_zap, "slog_json": st_slog_json, "slog_text": st_slog_text,
    "logrus": st_logrus, "gostd": st_gostd, "klog": st_klog, "zap_console": st_zap_console, "ctrl_json": st_ctrl_json,
    "pino": st_pino, "winston": st_winston, "nodeconsole": st_nodeconsole, "rails": st_rails, "dotnet": st_dotnet,
    "dotnet_json": st_dotnet_json, "php": st_php, "nginx": st_nginx, "postgres": st_postgres, "mysql": st_mysql,
    "mariadb": st_mariadb, "mongo": st_mongo, "redis": st_redis, "rabbit": st_rabbit, "es": st_es, "rust": st_rust,
    "envoy": st_envoy, "fluentbit": st_fluentbit, "plain": st_plain,
}


def render_entries(entries, style, ctx, rng):
    """-> list of (t_ns, stream, text)."""
    sc = StyleCtx(ctx, rng)
    fn = STYLES[style]
    out = []
    for e in entries:
        t = e["t"]
        if e["kind"] == "raw":
            out.append((t, e["stream"], resolve_times(e["text"], t)))
            continue
        e = dict(e, msg=resolve_times(e["msg"], t), cont=[resolve_times(c, t) for c in e["cont"]],
                 fields=[(k, resolve_times(v, t)) for k, v in e["fields"]])
        off = 0
        for k, (stream, text) in enumerate(fn(e, sc)):
            if k:
                off += rng.randint(1_000, 60_000)
            out.append((t + off, stream, text))
    return out


# ---------------------------------------------------------------------------
# Kubernetes objects (API-shaped dicts) and their renderings
# ---------------------------------------------------------------------------
def q_mem_mb(q: str) -> int:
    m = re.fullmatch(r"(\d+)(Mi|Gi|M|G)", q)
    if not m:
        return 512
    v = int(m.group(1))
    return v * 1024 if m.group(2) in ("Gi", "G") else v


class Event:
    __slots__ = ("kind", "obj", "uid", "api", "field_path", "reason", "type", "message", "count", "first", "last",
                 "component", "host", "series", "ns")

    def __init__(self, **kw):
        for k in self.__slots__:
            setattr(self, k, kw.get(k))


def ev_sort_key(e):
    return (e.last, e.first, e.obj, e.reason)


# ---- kubectl get pods -------------------------------------------------------
def pod_table_row(pod, now, wide=False):
    st = pod["status"]
    spec = pod["spec"]
    reason = st.get("reason") or st.get("phase", "Pending")
    restarts = 0
    last_restart = None
    initializing = False
    n_init = len(spec.get("initContainers", []))
    for i, cs in enumerate(st.get("initContainerStatuses", [])):
        restarts += cs.get("restartCount", 0)
        lt = cs.get("lastState", {}).get("terminated")
        if lt:
            last_restart = max(last_restart or 0, lt["_finished"])
        s = cs.get("state", {})
        if "terminated" in s and s["terminated"]["exitCode"] == 0:
            continue
        if "terminated" in s:
            r = s["terminated"].get("reason")
            reason = "Init:" + r if r else "Init:ExitCode:%d" % s["terminated"]["exitCode"]
            initializing = True
        elif "waiting" in s and s["waiting"].get("reason") and s["waiting"]["reason"] != "PodInitializing":
            reason = "Init:" + s["waiting"]["reason"]
            initializing = True
        else:
            reason = "Init:%d/%d" % (i, n_init)
            initializing = True
        break
    ready = 0
    total = len(spec["containers"])
    if not initializing:
        restarts = 0
        last_restart = None
        has_running = False
        for cs in reversed(st.get("containerStatuses", [])):
            restarts += cs.get("restartCount", 0)
            lt = cs.get("lastState", {}).get("terminated")
            if lt:
                last_restart = max(last_restart or 0, lt["_finished"])
            s = cs.get("state", {})
            if "waiting" in s and s["waiting"].get("reason"):
                reason = s["waiting"]["reason"]
            elif "terminated" in s and s["terminated"].get("reason"):
                reason = s["terminated"]["reason"]
            elif "terminated" in s:
                reason = "ExitCode:%d" % s["terminated"]["exitCode"]
            elif cs.get("ready") and "running" in s:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running"
    if pod["metadata"].get("deletionTimestamp"):
        reason = "Terminating"
    rs = str(restarts)
    if restarts and last_restart:
        rs = "%d (%s ago)" % (restarts, human_duration(now - last_restart))
    age = human_duration(now - pod["metadata"]["_created"])
    row = [pod["metadata"]["name"], "%d/%d" % (ready, total), reason, rs, age]
    if wide:
        row += [st.get("podIP") or "<none>", spec.get("nodeName") or "<none>", "<none>", "<none>"]
    return row


def render_pods_txt(pods, now, wide=False, show_ns=False):
    header = ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    if wide:
        header += ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]
    rows = [pod_table_row(p, now, wide) for p in pods]
    if show_ns:
        header = ["NAMESPACE"] + header
        rows = [[p["metadata"]["namespace"]] + r for p, r in zip(pods, rows)]
    return table(rows, header)


# ---- kubectl describe pod ---------------------------------------------------
def _probe_str(p):
    attrs = "delay=%ds timeout=%ds period=%ds #success=%d #failure=%d" % (
        p.get("initialDelaySeconds", 0), p.get("timeoutSeconds", 1), p.get("periodSeconds", 10),
        p.get("successThreshold", 1), p.get("failureThreshold", 3))
    if "httpGet" in p:
        h = p["httpGet"]
        return "http-get %s://%s:%s%s %s" % (h.get("scheme", "HTTP").lower(), h.get("host", ""), h["port"], h.get("path", "/"), attrs)
    if "tcpSocket" in p:
        return "tcp-socket %s:%s %s" % (p["tcpSocket"].get("host", ""), p["tcpSocket"]["port"], attrs)
    if "exec" in p:
        return "exec [%s] %s" % (" ".join(p["exec"]["command"]), attrs)
    if "grpc" in p:
        return "grpc <pod>:%d %s %s" % (p["grpc"]["port"], p["grpc"].get("service", ""), attrs)
    return attrs


def _describe_state(name, state, L):
    if "running" in state:
        L.append("    %s:\tRunning" % name)
        L.append("      Started:\t%s" % rfc1123z(state["running"]["_started"]))
    elif "terminated" in state:
        t = state["terminated"]
        L.append("    %s:\tTerminated" % name)
        if t.get("reason"):
            L.append("      Reason:\t%s" % t["reason"])
        if t.get("message"):
            L.append("      Message:\t%s" % t["message"])
        L.append("      Exit Code:\t%d" % t["exitCode"])
        L.append("      Started:\t%s" % rfc1123z(t["_started"]))
        L.append("      Finished:\t%s" % rfc1123z(t["_finished"]))
    else:
        L.append("    %s:\tWaiting" % name)
        w = state.get("waiting") or {}
        if w.get("reason"):
            L.append("      Reason:\t%s" % w["reason"])


def _describe_containers(label, conts, statuses, pod, L, style):
    smap = {s["name"]: s for s in statuses}
    L.append("%s:" % label)
    for c in conts:
        s = smap.get(c["name"])
        L.append("  %s:" % c["name"])
        if s is not None:
            L.append("    Container ID:\t%s" % s.get("containerID", ""))
        L.append("    Image:\t%s" % c["image"])
        if s is not None:
            L.append("    Image ID:\t%s" % s.get("imageID", ""))
        ports = c.get("ports", [])
        if style["port_names"]:
            pstr = ", ".join("%d/%s (%s)" % (p["containerPort"], p.get("protocol", "TCP"), p["name"]) if p.get("name")
                             else "%d/%s" % (p["containerPort"], p.get("protocol", "TCP")) for p in ports)
        else:
            pstr = ", ".join("%d/%s" % (p["containerPort"], p.get("protocol", "TCP")) for p in ports)
        hstr = ", ".join("%d/%s" % (p.get("hostPort", 0), p.get("protocol", "TCP")) for p in ports)
        if "," in pstr:
            L.append("    Ports:\t%s" % pstr)
        else:
            L.append("    Port:\t%s" % (pstr or "<none>"))
        if "," in hstr:
            L.append("    Host Ports:\t%s" % hstr)
        else:
            L.append("    Host Port:\t%s" % (hstr or "<none>"))
        if c.get("command"):
            L.append("    Command:")
            for a in c["command"]:
                for part in a.split("\n"):
                    L.append("      %s" % part)
        if c.get("args"):
            L.append("    Args:")
            for a in c["args"]:
                for part in a.split("\n"):
                    L.append("      %s" % part)
        if s is not None:
            _describe_state("State", s.get("state", {}), L)
            if s.get("lastState", {}).get("terminated"):
                _describe_state("Last State", s["lastState"], L)
            L.append("    Ready:\t%s" % ("True" if s.get("ready") else "False"))
            L.append("    Restart Count:\t%d" % s.get("restartCount", 0))
        res = c.get("resources", {})
        if res.get("limits"):
            L.append("    Limits:")
            for k in sorted(res["limits"]):
                L.append("      %s:\t%s" % (k, res["limits"][k]))
        if res.get("requests"):
            L.append("    Requests:")
            for k in sorted(res["requests"]):
                L.append("      %s:\t%s" % (k, res["requests"][k]))
        for key, lab in (("livenessProbe", "Liveness"), ("readinessProbe", "Readiness"), ("startupProbe", "Startup")):
            if c.get(key):
                L.append("    %s:\t%s" % (lab, _probe_str(c[key])))
        if c.get("envFrom"):
            L.append("    Environment Variables from:")
            for e in c["envFrom"]:
                if "configMapRef" in e:
                    L.append("      %s\tConfigMap\tOptional: false" % e["configMapRef"]["name"])
                else:
                    L.append("      %s\tSecret\tOptional: false" % e["secretRef"]["name"])
        env = c.get("env", [])
        L.append("    Environment:%s" % ("" if env else "\t<none>"))
        for e in env:
            vf = e.get("valueFrom")
            if not vf:
                for i, part in enumerate(str(e.get("value", "")).split("\n")):
                    L.append("      %s:\t%s" % (e["name"], part) if i == 0 else "      \t%s" % part)
            elif "secretKeyRef" in vf:
                L.append("      %s:\t<set to the key '%s' in secret '%s'>\tOptional: false" % (
                    e["name"], vf["secretKeyRef"]["key"], vf["secretKeyRef"]["name"]))
            elif "configMapKeyRef" in vf:
                L.append("      %s:\t<set to the key '%s' of config map '%s'>\tOptional: false" % (
                    e["name"], vf["configMapKeyRef"]["key"], vf["configMapKeyRef"]["name"]))
            elif "fieldRef" in vf:
                fp = vf["fieldRef"]["fieldPath"]
                val = {"metadata.name": pod["metadata"]["name"], "metadata.namespace": pod["metadata"]["namespace"],
                       "status.podIP": "", "spec.nodeName": ""}.get(fp, "")
                L.append("      %s:\t%s (v1:%s)" % (e["name"], val, fp))
            elif "resourceFieldRef" in vf:
                L.append("      %s:\t%s (limits.memory)" % (e["name"], "node allocatable"))
        mounts = sorted(c.get("volumeMounts", []), key=lambda m: m["mountPath"])
        L.append("    Mounts:%s" % ("" if mounts else "\t<none>"))
        for m in mounts:
            flags = ["ro" if m.get("readOnly") else "rw"]
            if m.get("subPath"):
                flags.append('path="%s"' % m["subPath"])
            L.append("      %s from %s (%s)" % (m["mountPath"], m["name"], ",".join(flags)))


def _describe_volumes(vols, L):
    if not vols:
        L.append("Volumes:\t<none>")
        return
    L.append("Volumes:")
    for v in vols:
        L.append("  %s:" % v["name"])
        if "projected" in v:
            L.append("    Type:\tProjected (a volume that contains injected data from multiple sources)")
            L.append("    TokenExpirationSeconds:\t3607")
            L.append("    ConfigMapName:\tkube-root-ca.crt")
            L.append("    ConfigMapOptional:\t<nil>")
            L.append("    DownwardAPI:\ttrue")
        elif "secret" in v:
            L.append("    Type:\tSecret (a volume populated by a Secret)")
            L.append("    SecretName:\t%s" % v["secret"]["secretName"])
            L.append("    Optional:\tfalse")
        elif "configMap" in v:
            L.append("    Type:\tConfigMap (a volume populated by a ConfigMap)")
            L.append("    Name:\t%s" % v["configMap"]["name"])
            L.append("    Optional:\tfalse")
        elif "persistentVolumeClaim" in v:
            L.append("    Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)")
            L.append("    ClaimName:\t%s" % v["persistentVolumeClaim"]["claimName"])
            L.append("    ReadOnly:\tfalse")
        elif "emptyDir" in v:
            L.append("    Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)")
            L.append("    Medium:\t%s" % v["emptyDir"].get("medium", ""))
            L.append("    SizeLimit:\t%s" % v["emptyDir"].get("sizeLimit", "<unset>"))
        elif "hostPath" in v:
            L.append("    Type:\tHostPath (bare host directory volume)")
            L.append("    Path:\t%s" % v["hostPath"]["path"])
            L.append("    HostPathType:\t%s" % v["hostPath"].get("type", ""))
        elif "nfs" in v:
            L.append("    Type:\tNFS (an NFS mount that lasts the lifetime of a pod)")
            L.append("    Server:\t%s" % v["nfs"]["server"])
            L.append("    Path:\t%s" % v["nfs"]["path"])
            L.append("    ReadOnly:\tfalse")
        elif "csi" in v:
            L.append("    Type:\tCSI (a Container Storage Interface (CSI) volume source)")
            L.append("    Driver:\t%s" % v["csi"]["driver"])
            L.append("    FSType:\t")
            L.append("    ReadOnly:\tfalse")
            L.append("    VolumeAttributes:\t%s" % v["csi"].get("_attrs", ""))


def _event_interval(e, now):
    first = human_duration(now - e.first)
    if (e.count or 1) > 1:
        return "%s (x%d over %s)" % (human_duration(now - e.last), e.count, first)
    return first


def render_describe(pod, events, now, style):
    md, spec, st = pod["metadata"], pod["spec"], pod["status"]
    L = []
    L.append("Name:\t%s" % md["name"])
    L.append("Namespace:\t%s" % md["namespace"])
    L.append("Priority:\t%d" % spec.get("priority", 0))
    if spec.get("priorityClassName"):
        L.append("Priority Class Name:\t%s" % spec["priorityClassName"])
    if style["sa_line"]:
        L.append("Service Account:\t%s" % spec.get("serviceAccountName", "default"))
    if spec.get("nodeName"):
        L.append("Node:\t%s/%s" % (spec["nodeName"], st.get("hostIP", "")))
    else:
        L.append("Node:\t<none>")
    if st.get("_start"):
        L.append("Start Time:\t%s" % rfc1123z(st["_start"]))
    labels = md.get("labels", {})
    keys = sorted(labels)
    if keys:
        L.append("Labels:\t%s=%s" % (keys[0], labels[keys[0]]))
        for k in keys[1:]:
            L.append("\t%s=%s" % (k, labels[k]))
    else:
        L.append("Labels:\t<none>")
    ann = md.get("annotations", {})
    akeys = sorted(ann)
    if akeys:
        L.append("Annotations:\t%s: %s" % (akeys[0], ann[akeys[0]]))
        for k in akeys[1:]:
            L.append("\t%s: %s" % (k, ann[k]))
    else:
        L.append("Annotations:\t<none>")
    if md.get("deletionTimestamp"):
        L.append("Status:\tTerminating (lasts %s)" % human_duration(now - md["_deleted"]))
        L.append("Termination Grace Period:\t%ds" % spec.get("terminationGracePeriodSeconds", 30))
    else:
        L.append("Status:\t%s" % st.get("phase", "Pending"))
    if st.get("reason"):
        L.append("Reason:\t%s" % st["reason"])
    if st.get("message"):
        L.append("Message:\t%s" % st["message"])
    L.append("IP:\t%s" % st.get("podIP", ""))
    if st.get("podIP"):
        L.append("IPs:")
        L.append("  IP:\t%s" % st["podIP"])
    else:
        L.append("IPs:\t<none>")
    owners = md.get("ownerReferences", [])
    if owners:
        L.append("Controlled By:\t%s/%s" % (owners[0]["kind"], owners[0]["name"]))
    if spec.get("initContainers"):
        _describe_containers("Init Containers", spec["initContainers"], st.get("initContainerStatuses", []), pod, L, style)
    _describe_containers("Containers", spec["containers"], st.get("containerStatuses", []), pod, L, style)
    if st.get("conditions"):
        L.append("Conditions:")
        L.append("  Type\tStatus")
        for c in st["conditions"]:
            L.append("  %s \t%s " % (c["type"], c["status"]))
    _describe_volumes(spec.get("volumes", []), L)
    L.append("QoS Class:\t%s" % st.get("qosClass", "BestEffort"))
    ns_sel = spec.get("nodeSelector", {})
    if ns_sel:
        ks = sorted(ns_sel)
        L.append("Node-Selectors:\t%s=%s" % (ks[0], ns_sel[ks[0]]))
        for k in ks[1:]:
            L.append("\t%s=%s" % (k, ns_sel[k]))
    else:
        L.append("Node-Selectors:\t<none>")
    tol = ["node.kubernetes.io/not-ready:NoExecute op=Exists for 300s",
           "node.kubernetes.io/unreachable:NoExecute op=Exists for 300s"]
    L.append("Tolerations:\t%s" % tol[0])
    L.append("\t%s" % tol[1])
    if not events:
        L.append("Events:\t<none>")
        return tabwrite(L, 0, 2)
    head = tabwrite(L, 0, 2)
    E = ["Events:", "  Type\tReason\tAge\tFrom\tMessage", "  ----\t------\t----\t----\t-------"]
    for e in sorted(events, key=ev_sort_key):
        E.append("  %s\t%s\t%s\t%s\t%s" % (e.type, e.reason, _event_interval(e, now), e.component, e.message.strip()))
    return head + tabwrite(E, 0, 2)


# ---- JSON / YAML ------------------------------------------------------------
def strip_private(o):
    """Drop our bookkeeping keys (prefixed with _) and order keys like kubectl (sorted)."""
    if isinstance(o, dict):
        return {k: strip_private(v) for k, v in sorted(o.items()) if not k.startswith("_")}
    if isinstance(o, list):
        return [strip_private(x) for x in o]
    return o


def pod_api(pod, with_kind=True):
    p = strip_private(pod)
    if not with_kind:
        p.pop("apiVersion", None)
        p.pop("kind", None)
    return p


def render_pods_json(pods, indent=4, list_kind="List", with_kind=True):
    doc = {"apiVersion": "v1", "items": [pod_api(p, with_kind) for p in pods], "kind": list_kind,
           "metadata": {"resourceVersion": ""}}
    return json.dumps(doc, indent=indent, ensure_ascii=False, sort_keys=True) + "\n"


class _Emitter(yaml.emitter.Emitter):
    """kubectl (go-yaml) quotes with double quotes where PyYAML would use single quotes."""

    def choose_scalar_style(self):
        style = super().choose_scalar_style()
        return '"' if style == "'" else style


class _Dumper(_Emitter, yaml.serializer.Serializer, yaml.representer.SafeRepresenter, yaml.resolver.Resolver):
    def __init__(self, stream, default_style=None, default_flow_style=False, canonical=None, indent=None, width=None,
                 allow_unicode=None, line_break=None, encoding=None, explicit_start=None, explicit_end=None,
                 version=None, tags=None, sort_keys=True):
        _Emitter.__init__(self, stream, canonical=canonical, indent=indent, width=width, allow_unicode=allow_unicode,
                          line_break=line_break)
        yaml.serializer.Serializer.__init__(self, encoding=encoding, explicit_start=explicit_start,
                                            explicit_end=explicit_end, version=version, tags=tags)
        yaml.representer.SafeRepresenter.__init__(self, default_style=default_style,
                                                  default_flow_style=default_flow_style, sort_keys=sort_keys)
        yaml.resolver.Resolver.__init__(self)


def _str_rep(dumper, data):
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str_rep)


def render_yaml(doc):
    return yaml.dump(doc, Dumper=_Dumper, default_flow_style=False, sort_keys=True, width=1_000_000, allow_unicode=True)


# ---- events -------------------------------------------------------------------
def event_core(e, ns, now):
    name = "%s.%x" % (e.obj, e.first)
    d = {
        "apiVersion": "v1", "kind": "Event",
        "involvedObject": {"apiVersion": e.api, "kind": e.kind, "name": e.obj, "namespace": e.ns or ns,
                           "resourceVersion": str(100000 + (e.first // NS) % 900000), "uid": e.uid},
        "message": e.message, "reason": e.reason, "type": e.type,
        "metadata": {"creationTimestamp": rfc3339(e.first), "name": name, "namespace": e.ns or ns,
                     "resourceVersion": str(200000 + (e.last // NS) % 800000),
                     "uid": str(ruuid(random.Random(name)))},
        "source": {"component": e.component}, "reportingComponent": e.component,
        "reportingInstance": e.host or "",
    }
    if e.kind == "Node":
        d["involvedObject"].pop("namespace")
    if e.field_path:
        d["involvedObject"]["fieldPath"] = e.field_path
    if e.host:
        d["source"]["host"] = e.host
    if e.series:
        d["eventTime"] = rfc3339_micro(e.first)
        d["firstTimestamp"] = None
        d["lastTimestamp"] = None
        d["action"] = e.series
        d["source"] = {}
        d["reportingComponent"] = e.component
        if (e.count or 1) > 1:
            d["series"] = {"count": e.count, "lastObservedTime": rfc3339_micro(e.last)}
    else:
        d["count"] = e.count or 1
        d["eventTime"] = None
        d["firstTimestamp"] = rfc3339(e.first)
        d["lastTimestamp"] = rfc3339(e.last)
    return d


def event_v1(e, ns, now):
    c = event_core(e, ns, now)
    d = {"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": c["metadata"], "note": e.message,
         "reason": e.reason, "regarding": c["involvedObject"], "type": e.type,
         "reportingController": e.component, "reportingInstance": e.host or ""}
    if e.series:
        d["eventTime"] = rfc3339_micro(e.first)
        d["action"] = e.series
        if (e.count or 1) > 1:
            d["series"] = {"count": e.count, "lastObservedTime": rfc3339_micro(e.last)}
    else:
        d["eventTime"] = None
        d["deprecatedCount"] = e.count or 1
        d["deprecatedFirstTimestamp"] = rfc3339(e.first)
        d["deprecatedLastTimestamp"] = rfc3339(e.last)
        d["deprecatedSource"] = {"component": e.component}
        if e.host:
            d["deprecatedSource"]["host"] = e.host
    return d


def render_events_json(events, ns, now, fmt="core", indent=4):
    if fmt == "core":
        items = [event_core(e, ns, now) for e in events]
        doc = {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}
    else:
        items = [event_v1(e, ns, now) for e in events]
        doc = {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}
    return json.dumps(doc, indent=indent, ensure_ascii=False, sort_keys=True) + "\n"


def render_events_table(events, ns, now, style):
    """style: get | wide | all | kevents"""
    if style == "kevents":
        rows = []
        for e in sorted(events, key=ev_sort_key):
            ls = human_duration(now - e.last)
            if (e.count or 1) > 1:
                ls = "%s (x%d over %s)" % (ls, e.count, human_duration(now - e.first))
            rows.append([ls, e.type, e.reason, "%s/%s" % (e.kind, e.obj), e.message.strip()])
        return table(rows, ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"])
    rows = []
    for e in events:
        target = "%s/%s" % (e.kind.lower(), e.obj)
        ls = human_duration(now - e.last) if not e.series or (e.count or 1) > 1 else human_duration(now - e.first)
        if style == "wide":
            src = e.component + (", %s" % e.host if e.host else "")
            rows.append([ls, e.type, e.reason, target, e.field_path or "", src, e.message.strip(),
                         human_duration(now - e.first), str(e.count or 1), "%s.%x" % (e.obj, e.first)])
        else:
            r = [ls, e.type, e.reason, target, e.message.strip()]
            if style == "all":
                r = [e.ns or ns] + r
            rows.append(r)
    if style == "wide":
        header = ["LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE", "FIRST SEEN", "COUNT", "NAME"]
    else:
        header = ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
        if style == "all":
            header = ["NAMESPACE"] + header
    return table(rows, header)


# ---- logs ---------------------------------------------------------------------
def split_partial(rng, text, max_len):
    """containerd-style split of a long line into P chunks + final F chunk."""
    if len(text) <= max_len:
        return [("F", text)]
    parts = []
    i = 0
    while len(text) - i > max_len:
        cut = rng.randint(max_len // 2, max_len)
        parts.append(("P", text[i:i + cut]))
        i += cut
    parts.append(("F", text[i:]))
    return parts


def render_cri(lines, rng, partial_max=None, offset=False):
    out = []
    for t, stream, text in lines:
        chunks = split_partial(rng, text, partial_max) if partial_max else [("F", text)]
        for k, (tag, chunk) in enumerate(chunks):
            ts = rfc3339_nano(t + k * 1000)
            if offset:
                ts = ts[:-1] + "+00:00"
            out.append("%s %s %s %s" % (ts, stream, tag, chunk))
    return "\n".join(out) + ("\n" if out else "")


def render_docker(lines, rng, attrs=None, partial_max=None):
    out = []
    for t, stream, text in lines:
        chunks = split_partial(rng, text, partial_max) if partial_max else [("F", text)]
        for k, (tag, chunk) in enumerate(chunks):
            d = OrderedDict()
            d["log"] = chunk + ("\n" if tag == "F" else "")
            d["stream"] = stream
            if attrs:
                d["attrs"] = attrs
            d["time"] = rfc3339_nano(t + k * 1000)
            out.append(json.dumps(d, ensure_ascii=False, separators=(",", ":")))
    return "\n".join(out) + ("\n" if out else "")


def render_plain(lines, timestamps=False):
    if timestamps:
        return "".join("%s %s\n" % (rfc3339_nano(t), text) for t, _, text in lines)
    return "".join("%s\n" % text for _, _, text in lines)


# ---------------------------------------------------------------------------
# case assembly
# ---------------------------------------------------------------------------
def parse_pool(block):
    """Split a DSL block into entries (a record line plus its '>' continuations)."""
    out = []
    lines = (block or "").rstrip("\n").split("\n")
    if any(ln.strip() == "---" for ln in lines):
        cur = []
        for ln in lines + ["---"]:
            if ln.strip() == "---":
                if cur:
                    out.append("\n".join(cur))
                cur = []
            elif ln.strip():
                cur.append(ln)
        return out
    for ln in lines:
        if not ln.strip():
            continue
        if ln.startswith(">") and out:
            out[-1] += "\n" + ln
        else:
            out.append(ln)
    return out


DEP_PORTS = {"postgres": 5432, "mysql": 3306, "mongodb": 27017, "redis": 6379, "kafka": 9092, "rabbitmq": 5672,
             "elasticsearch": 9200, "http": 8080, "grpc": 50051, "vault": 8200, "smtp": 587, "s3": 443, "ldap": 636,
             "nats": 4222, "memcached": 11211, "etcd": 2379, "zookeeper": 2181, "apiserver": 443}
DEP_ECO = {"postgres": "postgres", "mysql": "mysql", "mongodb": "mongodb", "redis": "redis", "kafka": "kafka",
           "rabbitmq": "rabbitmq", "elasticsearch": "elasticsearch"}


DEP_ENV = {
    "postgres": [("DATABASE_URL", "postgres://{dep_user}@{dep_host}:{dep_port}/{dep_name}"), ("DB_HOST", "{dep_host}"),
                 ("SPRING_DATASOURCE_URL", "jdbc:postgresql://{dep_host}:{dep_port}/{dep_name}"), ("PGHOST", "{dep_host}")],
    "mysql": [("DATABASE_URL", "mysql://{dep_user}@{dep_host}:{dep_port}/{dep_name}"), ("DB_HOST", "{dep_host}"),
              ("SPRING_DATASOURCE_URL", "jdbc:mysql://{dep_host}:{dep_port}/{dep_name}"), ("MYSQL_HOST", "{dep_host}")],
    "mongodb": [("MONGODB_URI", "mongodb://{dep_host}:{dep_port}/{dep_name}"), ("MONGO_URL", "mongodb://{dep_host}:{dep_port}")],
    "redis": [("REDIS_URL", "redis://{dep_host}:{dep_port}/0"), ("REDIS_HOST", "{dep_host}"), ("REDIS_ADDR", "{dep_host}:{dep_port}")],
    "kafka": [("KAFKA_BOOTSTRAP_SERVERS", "{dep_host}:{dep_port}"), ("KAFKA_BROKERS", "{dep_host}:{dep_port}")],
    "rabbitmq": [("AMQP_URL", "amqp://{dep_user}@{dep_host}:{dep_port}/"), ("RABBITMQ_HOST", "{dep_host}"),
                 ("CELERY_BROKER_URL", "amqp://{dep_user}@{dep_host}:{dep_port}//")],
    "elasticsearch": [("ELASTICSEARCH_URL", "http://{dep_host}:{dep_port}"), ("ES_HOSTS", "{dep_host}:{dep_port}")],
    "http": [("UPSTREAM_URL", "http://{dep_host}:{dep_port}"), ("API_BASE_URL", "http://{dep_host}:{dep_port}/api")],
    "grpc": [("UPSTREAM_ADDR", "{dep_host}:{dep_port}"), ("GRPC_TARGET", "dns:///{dep_host}:{dep_port}")],
    "s3": [("S3_ENDPOINT", "https://{dep_host}"), ("AWS_S3_ENDPOINT", "https://{dep_host}")],
    "vault": [("VAULT_ADDR", "https://{dep_host}:8200")],
    "nats": [("NATS_URL", "nats://{dep_host}:4222")],
    "zookeeper": [("KAFKA_ZOOKEEPER_CONNECT", "{dep_host}:2181"), ("KAFKA_CFG_ZOOKEEPER_CONNECT", "{dep_host}:2181")],
    "smtp": [("SMTP_HOST", "{dep_host}")],
    "ldap": [("LDAP_URL", "ldaps://{dep_host}:636")],
    "memcached": [("MEMCACHED_SERVERS", "{dep_host}:11211")],
    "etcd": [("ETCD_ENDPOINTS", "http://{dep_host}:2379")],
}
ECO_WEIGHT = {"jvm": 3.0, "python": 3.0, "go": 2.5, "node": 3.0, "ruby": 1.0, "dotnet": 1.5, "php": 1.2, "nginx": 1.2,
              "postgres": 1.5, "mysql": 1.0, "mongodb": 1.0, "redis": 1.2, "kafka": 1.0, "rabbitmq": 0.8,
              "elasticsearch": 0.8, "operator": 1.5, "rust": 0.8, "kubectl": 0.6, "shell": 1.0}


def pick_eco(case, ecos):
    seen = []
    for e in ecos:
        if e not in seen:
            seen.append(e)
    return case.pk.weighted([(e, ECO_WEIGHT.get(e, 1.0)) for e in seen])


def set_dep_env(cont, ctx, rng, replace=False):
    """Point one env var of the container at its backend (host names matter for DNS diagnoses)."""
    opts = DEP_ENV.get(ctx.get("dep_kind"))
    if not opts:
        return
    env = cont.setdefault("env", [])
    if cont.get("_dep_env"):
        env[:] = [e for e in env if e["name"] != cont["_dep_env"]]
    elif replace:
        return
    eco = cont.get("_eco") or ""
    opts = [o for o in opts if not o[0].startswith("SPRING_") or eco == "jvm"]
    opts = [o for o in opts if not o[0].startswith("CELERY_") or eco == "python"]
    name, val = rng.choice(opts)
    env[:] = [e for e in env if e["name"] != name]
    env.append({"name": name, "value": expand(val, ctx, rng)})
    cont["_dep_env"] = name


class Case:
    def __init__(self, T, cause, detail, split, cid, seed_str, max_healthy=8):
        self.T = T
        self.N = T["names"]
        self.E = T["ecosystems"]
        self.K = T["kubelet"]
        self.cause = cause
        self.detail = detail
        self.split = split
        self.cid = cid
        self.rng = random.Random(seed_str)
        self.pk = Picker(self.rng, split)
        self.max_healthy = max_healthy
        self.pods = []
        self.logs = {}
        self.events = []
        self.workloads = []
        self.used_names = set()
        self.signals = set()
        self.extra_events_ns = []
        self.label = None
        self.notes = []
        self.variant_id = ""
        self.force_fallback_msg = False
        self.setup_cluster()

    # ---- randomness shortcuts ------------------------------------------------
    def r(self):
        return self.rng.random()

    def pick(self, seq, hold=True):
        return self.pk.pick(seq, hold)

    def chance(self, p):
        return self.rng.random() < p

    # ---- cluster ---------------------------------------------------------------
    def setup_cluster(self):
        rng = self.rng
        N = self.N
        self.runtime = self.pk.weighted([("containerd", 0.78), ("cri-o", 0.08), ("docker", 0.14)])
        if self.runtime == "docker":
            self.minor = rng.randint(19, 23)
        else:
            self.minor = rng.choice([24, 25, 26, 27, 27, 28, 28, 29, 29, 30, 30, 31, 31, 32, 33])
        start = _dt.datetime(2025, 1, 6, tzinfo=UTC).timestamp()
        end = _dt.datetime(2026, 6, 28, tzinfo=UTC).timestamp()
        self.now = int(rng.uniform(start, end)) * NS + rng.randint(0, NS - 1)
        scheme = self.pick(N["node_schemes"])
        n_nodes = rng.randint(2, 6)
        self.nodes = []
        base_ip = rng.choice(["10.0.%d" % rng.randint(0, 40), "192.168.%d" % rng.randint(0, 9), "172.31.%d" % rng.randint(0, 60),
                              "10.128.%d" % rng.randint(0, 15)])
        pool = rhex(rng, 8)
        for i in range(n_nodes):
            ipl = rng.randint(4, 250)
            ip = "%s.%d" % (base_ip, ipl)
            name = scheme.format(i=i + 1, i0=i, ip=ip.replace(".", "-"), pool=pool, x=ralnum(rng, 4, "abcdefghijklmnopqrstuvwxyz0123456789"),
                                 region=rng.choice(["eu-west-1", "us-east-2", "ap-southeast-1", "us-west-2"]))
            self.nodes.append({"name": name, "ip": ip, "arch": "amd64"})
        if self.chance(0.25):
            for n in self.nodes[len(self.nodes) // 2:]:
                n["arch"] = "arm64"
        self.pod_cidr = rng.choice(["10.244", "10.42", "10.1", "172.16", "100.64", "10.96"])
        if self.pod_cidr == "10.96":
            self.pod_cidr = "10.100"
        self.svc_prefix = rng.choice(["10.96", "10.43", "10.100", "172.20"])
        self.dns_ip = self.svc_prefix + ".0.10"
        self.registry = self.pick(N["registries"])
        self.team = self.pick(N["teams"])
        self.cluster_name = self.pick(N["clusters"])
        self.created_style = "colon" if self.minor >= 31 else "space"
        self.backoff_pod_suffix = self.minor >= 26
        self.pull_size = self.minor >= 28
        self.ready_to_start_cond = self.minor >= 29
        self.port_names_describe = self.minor >= 30 and self.chance(0.6)

    def rand_pod_ip(self):
        return "%s.%d.%d" % (self.pod_cidr, self.rng.randint(0, 7), self.rng.randint(2, 254))

    def rand_svc_ip(self):
        return "%s.%d.%d" % (self.svc_prefix, self.rng.randint(0, 255), self.rng.randint(1, 254))

    def unique(self, name):
        base = name
        k = 2
        while name in self.used_names:
            name = "%s-%d" % (base, k)
            k += 1
        self.used_names.add(name)
        return name

    def container_id(self):
        h = rhex(self.rng, 64)
        return {"containerd": "containerd://", "cri-o": "cri-o://", "docker": "docker://"}[self.runtime] + h

    def image_id(self, image):
        repo = image.split("@")[0]
        if ":" in repo.rsplit("/", 1)[-1]:
            repo = repo.rsplit(":", 1)[0]
        if "/" not in repo:
            repo = "docker.io/library/" + repo
        elif "." not in repo.split("/")[0] and ":" not in repo.split("/")[0] and repo.split("/")[0] != "localhost":
            repo = "docker.io/" + repo
        sha = "sha256:" + rhex(self.rng, 64)
        if self.runtime == "docker":
            return "docker-pullable://%s@%s" % (repo.replace("docker.io/library/", "").replace("docker.io/", ""), sha)
        return "%s@%s" % (repo, sha)

    # ---- names / context -------------------------------------------------------------
    def choose_dep(self, kind=None, eco=None):
        if kind is None:
            deps = (self.E.get(eco, {}) or {}).get("deps") or ["postgres", "redis", "http"]
            kind = self.pick(deps, hold=False)
        host = self.pick(self.N["dep_hosts"][kind])
        fq = self.rng.random()
        dep_ns = self.ns if self.chance(0.6) else self.pick(self.N["dep_namespaces"], hold=False)
        if fq < 0.25:
            full = "%s.%s.svc.cluster.local" % (host.split(".")[0], dep_ns)
        elif fq < 0.35:
            full = "%s.%s.svc" % (host.split(".")[0], dep_ns)
        elif fq < 0.42 and dep_ns != self.ns:
            full = "%s.%s" % (host.split(".")[0], dep_ns)
        else:
            full = host
        return {
            "dep_kind": kind, "dep_host": full, "dep_short": host.split(".")[0], "dep_port": DEP_PORTS.get(kind, 8080),
            "dep_ip": self.rand_svc_ip(), "dep_user": self.pick(self.N["db_users"]), "dep_name": self.pick(self.N["db_names"]),
            "dep_ns": dep_ns,
        }

    def make_ctx(self, wl_name, eco_id, pod_name, cont_name, port, image):
        rng = self.rng
        ctx = {
            "workload": wl_name, "App": camel(wl_name), "app_snake": snake(wl_name), "namespace": self.ns,
            "pod": pod_name, "container": cont_name, "port": port, "image": image, "registry": self.registry,
            "team": self.team, "dns_ip": self.dns_ip, "pid": 1, "worker_pid": rng.randint(7, 60),
            "pg_pid": rng.randint(30, 400), "node": "", "pod_ip": "", "cluster": self.cluster_name,
            "es_cluster": self.pick(self.N["es_clusters"], hold=False),
            "semver": "%d.%d.%d" % (rng.randint(0, 4), rng.randint(0, 30), rng.randint(0, 20)),
            "java_ver": rng.choice(["17.0.12", "21.0.4", "21.0.6", "17.0.10", "11.0.24"]),
            "py_ver": rng.choice(["3.11", "3.12", "3.10", "3.13"]),
            "node_ver": rng.choice(["18.20.4", "20.17.0", "20.11.1", "22.9.0", "22.12.0"]),
            "go_ver": rng.choice(["1.22.5", "1.23.2", "1.21.13", "1.24.1"]),
            "jvm_main_logger": "c.%s.%s.%sApplication" % (rng.choice(["e", "a", "s"]), rng.choice(["shop", "core", "svc"]), camel(wl_name)),
            "module": snake(wl_name).split("_")[0],
            "sa": wl_name if self.chance(0.6) else "default",
            "secret": "", "configmap": "%s-config" % wl_name, "mem_limit": "512Mi", "mem_limit_mb": 512,
            "heap_mb": 384, "svc_ip": self.rand_svc_ip(),
            "api_ip": self.svc_prefix + ".0.1",
            "user_id": rng.randint(1000, 99999), "req_id": rhex(rng, 16),
            "goroutine": rng.randint(1, 400), "data_dir": "/data",
        }
        ctx.update(self.choose_dep(eco=eco_id))
        return ctx

    # ---- workloads -------------------------------------------------------------------
    def pod_name_for(self, name, kind, idx=0):
        rng = self.rng
        if kind == "StatefulSet":
            return "%s-%d" % (name, idx), None
        if kind == "DaemonSet":
            return "%s-%s" % (name, ralnum(rng, 5)), None
        if kind == "Job":
            return "%s-%s" % (name, ralnum(rng, 5)), None
        h = ralnum(rng, rng.choice([9, 10, 10, 10]))
        return "%s-%s-%s" % (name, h, ralnum(rng, 5)), h

    def new_container(self, eco_id, ctx, role="main", name=None):
        E = self.E[eco_id]
        rng = self.rng
        img_tpl = self.pick(E["images"], hold=False)
        image = expand(img_tpl, ctx, rng)
        ctx["image"] = image
        cname = name or expand(self.pick(E.get("containers", ["app"]), hold=False), ctx, rng)
        ports = []
        port = ctx["port"]
        if port:
            ports.append({"containerPort": port, "name": E.get("port_name", "http"), "protocol": "TCP"})
        for extra in E.get("extra_ports", []) or []:
            if self.chance(0.5):
                ports.append({"containerPort": extra[0], "name": extra[1], "protocol": "TCP"})
        c = {"name": cname, "image": image,
             "imagePullPolicy": self.pk.weighted([("IfNotPresent", 0.75), ("Always", 0.25)]) if ":latest" not in image else "Always",
             "ports": ports, "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
             "resources": {}}
        if not ports:
            del c["ports"]
        mem = self.pick(E.get("mem", ["256Mi", "512Mi"]), hold=False)
        cpu = self.pick(E.get("cpu", ["100m", "250m", "500m"]), hold=False)
        rs = self.r()
        if rs < 0.55:
            c["resources"] = {"limits": {"memory": mem, "cpu": cpu}, "requests": {"memory": mem, "cpu": cpu}}
            if self.chance(0.6):
                c["resources"]["requests"]["cpu"] = rng.choice(["50m", "100m", "200m"])
                c["resources"]["requests"]["memory"] = "%dMi" % max(64, q_mem_mb(mem) // 2)
        elif rs < 0.85:
            c["resources"] = {"limits": {"memory": mem}, "requests": {"cpu": cpu, "memory": mem}}
        elif rs < 0.95:
            c["resources"] = {"requests": {"cpu": cpu, "memory": "%dMi" % max(64, q_mem_mb(mem) // 2)}}
        ctx["mem_limit"] = mem
        ctx["mem_limit_mb"] = q_mem_mb(mem)
        ctx["heap_mb"] = int(q_mem_mb(mem) * rng.choice([0.5, 0.7, 0.75, 0.8]))
        # env
        env = []
        for ln in (E.get("env") or "").strip().split("\n"):
            if not ln.strip() or self.chance(0.3):
                continue
            k, _, v = ln.partition("=")
            v = expand(v, ctx, rng)
            if v.startswith("secret:"):
                _, sname, skey = v.split(":", 2)
                env.append({"name": k, "valueFrom": {"secretKeyRef": {"key": skey, "name": sname}}})
            elif v.startswith("cm:"):
                _, cmn, ckey = v.split(":", 2)
                env.append({"name": k, "valueFrom": {"configMapKeyRef": {"key": ckey, "name": cmn}}})
            elif v.startswith("field:"):
                env.append({"name": k, "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": v[6:]}}})
            else:
                env.append({"name": k, "value": v})
        if env:
            c["env"] = env
        c["_eco"] = eco_id
        if role == "main" and E.get("deps") and self.chance(0.8):
            set_dep_env(c, ctx, rng)
        if E.get("command") and self.chance(0.55):
            cmd = self.pick(E["command"], hold=False)
            if isinstance(cmd, dict):
                if cmd.get("command"):
                    c["command"] = [expand(x, ctx, rng) for x in cmd["command"]]
                if cmd.get("args"):
                    c["args"] = [expand(x, ctx, rng) for x in cmd["args"]]
        # probes
        if role == "main" and E.get("probe") and port:
            pr = E["probe"]
            kind = pr.get("kind", "http")
            if kind == "http":
                lp = {"httpGet": {"path": pr.get("liveness", "/healthz"), "port": port, "scheme": "HTTP"}}
                rp = {"httpGet": {"path": pr.get("readiness", pr.get("liveness", "/healthz")), "port": port, "scheme": "HTTP"}}
            elif kind == "tcp":
                lp = {"tcpSocket": {"port": port}}
                rp = {"tcpSocket": {"port": port}}
            elif kind == "exec":
                lp = {"exec": {"command": expand(pr["command"], ctx, rng).split(" ")}}
                rp = {"exec": {"command": expand(pr.get("readiness_command", pr["command"]), ctx, rng).split(" ")}}
            else:
                lp = {"grpc": {"port": port}}
                rp = {"grpc": {"port": port}}
            if self.chance(0.7):
                c["livenessProbe"] = dict(lp, initialDelaySeconds=rng.choice([0, 5, 10, 15, 20, 30, 60]),
                                          periodSeconds=rng.choice([5, 10, 10, 15, 20]),
                                          timeoutSeconds=rng.choice([1, 1, 2, 3, 5]), successThreshold=1,
                                          failureThreshold=rng.choice([3, 3, 3, 5, 6]))
            if self.chance(0.75):
                c["readinessProbe"] = dict(rp, initialDelaySeconds=rng.choice([0, 3, 5, 10]),
                                           periodSeconds=rng.choice([5, 10]), timeoutSeconds=1, successThreshold=1,
                                           failureThreshold=3)
        mounts = []
        for m in E.get("mounts", []) or []:
            if self.chance(0.7):
                mounts.append({"mountPath": expand(m[0], ctx, rng), "name": expand(m[1], ctx, rng), "_kind": m[2] if len(m) > 2 else "emptyDir"})
        c["_mounts"] = mounts
        c["_eco"] = eco_id
        c["_style"] = self.pick(E["styles"], hold=False)
        c["_ctx"] = ctx
        c["_role"] = role
        return c

    def add_workload(self, eco_id, name=None, role="healthy", kind=None):
        E = self.E[eco_id]
        rng = self.rng
        if name is None:
            for _ in range(6):
                name = self.pick(self.N["workloads"][eco_id])
                if name not in self.used_names:
                    break
        name = self.unique(name)
        kind = kind or E.get("kind", "Deployment")
        if kind == "Deployment" and self.chance(0.04) and eco_id not in ("postgres", "mysql", "mongodb", "kafka", "elasticsearch"):
            kind = "StatefulSet"
        pod_name, rs_hash = self.pod_name_for(name, kind, 0 if kind != "StatefulSet" or self.chance(0.75) else rng.randint(1, 2))
        node = rng.choice(self.nodes)
        port = rng.choice(E.get("ports", [8080])) if E.get("ports") else None
        ctx = self.make_ctx(name, eco_id, pod_name, "", port, "")
        ctx["node"] = node["name"]
        ctx["node_ip"] = node["ip"]
        ctx["pod_ip"] = self.rand_pod_ip()
        main = self.new_container(eco_id, ctx)
        ctx["container"] = main["name"]
        wl = {"name": name, "eco": eco_id, "kind": kind, "pod_name": pod_name, "rs_hash": rs_hash, "node": node,
              "pod_ip": ctx["pod_ip"], "uid": ruuid(rng), "containers": [main], "init": [], "role": role,
              "ctx": ctx, "sa": ctx["sa"]}
        # sidecars and init containers (decorations)
        if eco_id in self.T["ecosystems"]["_app_ecos"]:
            if self.chance(0.22):
                self.add_sidecar(wl)
            if self.chance(0.18):
                self.add_init(wl)
        self.workloads.append(wl)
        return wl

    def add_sidecar(self, wl, eco_id=None):
        side_ecos = self.E["_sidecars"]
        eco_id = eco_id or self.pick(side_ecos, hold=False)
        if any(c["_eco"] == eco_id for c in wl["containers"]):
            return None
        ctx = dict(wl["ctx"])
        E = self.E[eco_id]
        ctx["port"] = self.rng.choice(E.get("ports", [0])) if E.get("ports") else None
        c = self.new_container(eco_id, ctx, role="sidecar")
        ctx["container"] = c["name"]
        wl["containers"].append(c)
        return c

    def add_init(self, wl, eco_id=None, name=None, same_image=False):
        if eco_id is None:
            eco_id = self.pick(self.E["_inits"], hold=False)
        ctx = dict(wl["ctx"])
        ctx["port"] = None
        if same_image:
            c = self.new_container(wl["eco"], ctx, role="init", name=name or self.pick(["migrate", "db-migrate", "init-schema", "migrations"], hold=False))
            c["image"] = wl["containers"][0]["image"]
            c.pop("ports", None)
            c["_ctx"]["image"] = c["image"]
            mc = self.E[wl["eco"]].get("migrate_cmd")
            if mc:
                c["command"] = [expand(x, ctx, self.rng) for x in mc]
                c.pop("args", None)
            set_dep_env(c, ctx, self.rng)
        else:
            c = self.new_container(eco_id, ctx, role="init", name=name)
        ctx["container"] = c["name"]
        c.pop("livenessProbe", None)
        c.pop("readinessProbe", None)
        wl["init"].append(c)
        return c

    # ---- pod objects -----------------------------------------------------------------
    def build_pod(self, wl, created):
        rng = self.rng
        name = wl["name"]
        labels = {}
        lstyle = rng.random()
        if lstyle < 0.5:
            labels["app"] = name
        else:
            labels["app.kubernetes.io/name"] = name
            if self.chance(0.6):
                labels["app.kubernetes.io/instance"] = name
            if self.chance(0.3):
                labels["app.kubernetes.io/part-of"] = self.ns
        owners = []
        gen = None
        if wl["kind"] == "Deployment":
            labels["pod-template-hash"] = wl["rs_hash"]
            owners.append({"apiVersion": "apps/v1", "blockOwnerDeletion": True, "controller": True, "kind": "ReplicaSet",
                           "name": "%s-%s" % (name, wl["rs_hash"]), "uid": ruuid(rng)})
            gen = "%s-%s-" % (name, wl["rs_hash"])
        elif wl["kind"] == "StatefulSet":
            labels["apps.kubernetes.io/pod-index"] = wl["pod_name"].rsplit("-", 1)[1]
            labels["controller-revision-hash"] = "%s-%s" % (name, ralnum(rng, 10))
            labels["statefulset.kubernetes.io/pod-name"] = wl["pod_name"]
            owners.append({"apiVersion": "apps/v1", "blockOwnerDeletion": True, "controller": True, "kind": "StatefulSet",
                           "name": name, "uid": ruuid(rng)})
            gen = name + "-"
        elif wl["kind"] == "DaemonSet":
            labels["controller-revision-hash"] = ralnum(rng, 10)
            labels["pod-template-generation"] = str(rng.randint(1, 9))
            owners.append({"apiVersion": "apps/v1", "blockOwnerDeletion": True, "controller": True, "kind": "DaemonSet",
                           "name": name, "uid": ruuid(rng)})
            gen = name + "-"
        elif wl["kind"] == "Job":
            labels["batch.kubernetes.io/job-name"] = name
            labels["job-name"] = name
            owners.append({"apiVersion": "batch/v1", "blockOwnerDeletion": True, "controller": True, "kind": "Job",
                           "name": name, "uid": ruuid(rng)})
            gen = name + "-"
        ann = {}
        if self.chance(0.15):
            ann["kubectl.kubernetes.io/restartedAt"] = rfc3339(created - rng.randint(60, 86400 * 3) * NS)
        if any(c["_eco"] == "istio" for c in wl["containers"]):
            ann["sidecar.istio.io/status"] = '{"initContainers":["istio-init"],"containers":["istio-proxy"],"volumes":["istio-envoy","istio-data","istio-podinfo","istio-token","istiod-ca-cert"],"imagePullSecrets":null,"revision":"default"}'
        if self.chance(0.12) and wl["eco"] in self.E["_app_ecos"]:
            ann["prometheus.io/scrape"] = "true"
            ann["prometheus.io/port"] = str(wl["ctx"]["port"] or 9090)
        api_vol = "kube-api-access-%s" % ralnum(rng, 5, "abcdefghijklmnopqrstuvwxyz0123456789")
        vols = []
        seen_vols = set()
        all_conts = wl["init"] + wl["containers"]
        for c in all_conts:
            ms = []
            for m in c.pop("_mounts", []):
                ms.append({"mountPath": m["mountPath"], "name": m["name"]})
                if m["name"] not in seen_vols:
                    seen_vols.add(m["name"])
                    vols.append(self.volume_for(m, wl))
            for m in c.pop("_extra_mounts", []):
                ms.append(m)
            ms.append({"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": api_vol, "readOnly": True})
            c["volumeMounts"] = ms
        for v in wl.get("_extra_volumes", []):
            if v["name"] not in seen_vols:
                vols.insert(0, v)
                seen_vols.add(v["name"])
        vols.append({"name": api_vol, "projected": {"defaultMode": 420, "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}},
            {"downwardAPI": {"items": [{"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}, "path": "namespace"}]}}]}})
        spec = {
            "containers": [self.clean_container(c) for c in wl["containers"]],
            "dnsPolicy": "ClusterFirst", "enableServiceLinks": True, "nodeName": wl["node"]["name"],
            "preemptionPolicy": "PreemptLowerPriority", "priority": 0,
            "restartPolicy": wl.get("restart_policy", "Always"), "schedulerName": "default-scheduler",
            "securityContext": wl.get("pod_security", {}), "serviceAccount": wl["sa"], "serviceAccountName": wl["sa"],
            "terminationGracePeriodSeconds": wl.get("grace", 30),
            "tolerations": [{"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
                            {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300}],
            "volumes": vols,
        }
        if wl["init"]:
            spec["initContainers"] = [self.clean_container(c) for c in wl["init"]]
        if wl.get("host_network"):
            spec["hostNetwork"] = True
            spec["dnsPolicy"] = "ClusterFirstWithHostNet"
        if wl.get("node_selector"):
            spec["nodeSelector"] = wl["node_selector"]
        if wl["kind"] == "StatefulSet":
            spec["hostname"] = wl["pod_name"]
            spec["subdomain"] = wl["name"] + ("-headless" if self.chance(0.5) else "")
        md = {"creationTimestamp": rfc3339(created), "generateName": gen, "labels": labels, "name": wl["pod_name"],
              "namespace": self.ns, "ownerReferences": owners, "resourceVersion": str(rng.randint(10000, 99999999)),
              "uid": wl["uid"], "_created": created}
        if ann:
            md["annotations"] = ann
        if gen is None:
            md.pop("generateName")
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": spec,
               "status": {"hostIP": wl["node"]["ip"], "hostIPs": [{"ip": wl["node"]["ip"]}], "phase": "Running",
                          "podIP": wl["pod_ip"], "podIPs": [{"ip": wl["pod_ip"]}], "qosClass": self.qos(wl),
                          "startTime": rfc3339(created), "_start": created}}
        if wl.get("host_network"):
            pod["status"]["podIP"] = wl["node"]["ip"]
            pod["status"]["podIPs"] = [{"ip": wl["node"]["ip"]}]
        wl["pod"] = pod
        self.pods.append(pod)
        return pod

    def clean_container(self, c):
        return c  # private keys are stripped at render time

    def volume_for(self, m, wl):
        kind = m.get("_kind", "emptyDir")
        name = m["name"]
        if kind == "pvc":
            return {"name": name, "persistentVolumeClaim": {"claimName": "%s-%s" % (name, wl["pod_name"]) if wl["kind"] == "StatefulSet" else name}}
        if kind == "secret":
            return {"name": name, "secret": {"defaultMode": 420, "secretName": name}}
        if kind == "configMap":
            return {"name": name, "configMap": {"defaultMode": 420, "name": name}}
        if kind == "hostPath":
            return {"name": name, "hostPath": {"path": m["mountPath"], "type": ""}}
        return {"name": name, "emptyDir": {}}

    def qos(self, wl):
        conts = wl["containers"] + wl["init"]
        if all(c.get("resources", {}).get("limits", {}).get("memory") and c.get("resources", {}).get("limits", {}).get("cpu")
               and c["resources"]["limits"] == c["resources"].get("requests") for c in conts):
            return "Guaranteed"
        if any(c.get("resources") for c in conts):
            return "Burstable"
        return "BestEffort"

    # ---- statuses --------------------------------------------------------------------
    def cstatus(self, c, state, last=None, restarts=0, ready=False, started=None, cid=True):
        s = {"name": c["name"], "image": c["image"], "imageID": self.image_id(c["image"]) if cid else "",
             "ready": ready, "restartCount": restarts, "state": state, "lastState": last or {}}
        if cid:
            s["containerID"] = self.container_id()
        if started is not None:
            s["started"] = started
        return s

    @staticmethod
    def st_running(t):
        return {"running": {"startedAt": rfc3339(t), "_started": t}}

    def st_term(self, reason, code, t0, t1, message=None, cid=None):
        d = {"exitCode": code, "finishedAt": rfc3339(t1), "startedAt": rfc3339(t0), "_started": t0, "_finished": t1}
        if reason:
            d["reason"] = reason
        if message:
            d["message"] = message
        d["containerID"] = cid or self.container_id()
        return {"terminated": d}

    @staticmethod
    def st_wait(reason, message=None):
        d = {"reason": reason}
        if message:
            d["message"] = message
        return {"waiting": d}

    def set_conditions(self, pod, created, initialized=True, ready=False, scheduled=True, started_t=None,
                       unready=None, sched_msg=None, init_unready=None):
        t_sched = created + self.rng.randint(0, 2) * NS
        st = started_t or created + self.rng.randint(1, 5) * NS
        conds = []
        if not scheduled:
            conds.append({"lastProbeTime": None, "lastTransitionTime": rfc3339(created), "message": sched_msg,
                          "reason": "Unschedulable", "status": "False", "type": "PodScheduled"})
            pod["status"]["conditions"] = conds
            return
        if self.ready_to_start_cond:
            conds.append({"lastProbeTime": None, "lastTransitionTime": rfc3339(st), "status": "True" if started_t is not False else "False",
                          "type": "PodReadyToStartContainers"})
        c = {"lastProbeTime": None, "lastTransitionTime": rfc3339(st), "status": "True" if initialized else "False",
             "type": "Initialized"}
        if not initialized:
            c["reason"] = "ContainersNotInitialized"
            c["message"] = "containers with incomplete status: [%s]" % " ".join(init_unready or [])
        conds.append(c)
        for typ in ("Ready", "ContainersReady"):
            c = {"lastProbeTime": None, "lastTransitionTime": rfc3339(st + self.rng.randint(2, 40) * NS),
                 "status": "True" if ready else "False", "type": typ}
            if not ready:
                c["reason"] = "ContainersNotReady" if typ == "ContainersReady" or initialized else "ContainersNotInitialized"
                if typ == "Ready" and not initialized:
                    c["reason"] = "ContainersNotInitialized"
                c["message"] = "containers with unready status: [%s]" % " ".join(unready or [])
            conds.append(c)
        conds.append({"lastProbeTime": None, "lastTransitionTime": rfc3339(t_sched), "status": "True", "type": "PodScheduled"})
        pod["status"]["conditions"] = conds

    # ---- events ------------------------------------------------------------------------
    def ev(self, kind, obj, reason, message, first, last=None, count=1, typ="Normal", component="kubelet", host=None,
           field_path=None, uid=None, api="v1", series=None, ns=None):
        e = Event(kind=kind, obj=obj, uid=uid or ruuid(self.rng), api=api, field_path=field_path, reason=reason, type=typ,
                  message=message, count=count, first=first, last=last or first, component=component, host=host,
                  series=series, ns=ns)
        self.events.append(e)
        return e

    def pod_ev(self, wl, reason, message, first, last=None, count=1, typ="Normal", component="kubelet", cont=None, init=False):
        fp = None
        if cont is not None:
            fp = "spec.%s{%s}" % ("initContainers" if init else "containers", cont)
        host = wl["node"]["name"] if component == "kubelet" else None
        return self.ev("Pod", wl["pod_name"], reason, message, first, last, count, typ, component, host, fp, wl["uid"])

    def created_msg(self, cname):
        if self.created_style == "colon":
            return "Created container: %s" % cname
        if self.created_style == "space":
            return "Created container %s" % cname
        return "Created container"

    def backoff_msg(self, wl, cname):
        if self.backoff_pod_suffix:
            return "Back-off restarting failed container %s in pod %s_%s(%s)" % (cname, wl["pod_name"], self.ns, wl["uid"])
        return "Back-off restarting failed container"

    def pulled_msg(self, image):
        rng = self.rng
        secs = rng.uniform(0.3, 40)
        if rng.random() < 0.4:
            d = "%dms" % int(secs * 100) if secs < 1 else "%.3fs" % secs
        else:
            d = "%.3fs" % secs if secs >= 1 else "%dms" % int(secs * 1000)
        if self.minor >= 28:
            msg = 'Successfully pulled image "%s" in %s (%s including waiting)' % (image, d, d)
            if self.pull_size:
                msg += ". Image size: %d bytes." % rng.randint(5_000_000, 900_000_000)
            return msg
        return 'Successfully pulled image "%s" in %s' % (image, d)

    def lifecycle_events(self, wl, created, starts, cont, init=False, pull_policy="IfNotPresent", started=True,
                         fail_msgs=None):
        """Scheduled / Pulling / Pulled / Created / Started for a container whose attempts start at `starts`."""
        rng = self.rng
        img = cont["image"]
        name = cont["name"]
        if not starts:
            return
        floor = created + rng.randint(1000, 2500) * 1_000_000
        first = max(floor + NS // 2, starts[0] - rng.randint(1, 3) * NS)
        if pull_policy == "Always":
            self.pod_ev(wl, "Pulling", 'Pulling image "%s"' % img, max(floor, first - rng.randint(1, 4) * NS), starts[-1] - NS,
                        len(starts), cont=name, init=init)
            for s in starts[-min(len(starts), rng.randint(1, 3)):]:
                self.pod_ev(wl, "Pulled", self.pulled_msg(img), s - NS, cont=name, init=init)
        else:
            if self.chance(0.5):
                self.pod_ev(wl, "Pulled", 'Container image "%s" already present on machine' % img, first, starts[-1] - NS,
                            len(starts), cont=name, init=init)
            else:
                self.pod_ev(wl, "Pulling", 'Pulling image "%s"' % img, max(floor, first - rng.randint(2, 20) * NS), cont=name, init=init)
                self.pod_ev(wl, "Pulled", self.pulled_msg(img), first, cont=name, init=init)
                if len(starts) > 1:
                    self.pod_ev(wl, "Pulled", 'Container image "%s" already present on machine' % img, starts[1] - NS,
                                starts[-1] - NS, len(starts) - 1, cont=name, init=init)
        self.pod_ev(wl, "Created", self.created_msg(name), starts[0], starts[-1], len(starts), cont=name, init=init)
        if started:
            self.pod_ev(wl, "Started", "Started container %s" % name, starts[0] + rng.randint(50, 900) * 1_000_000,
                        starts[-1] + rng.randint(50, 900) * 1_000_000, len(starts), cont=name, init=init)
        if fail_msgs:
            for msg in fail_msgs:
                self.pod_ev(wl, "Failed", msg, starts[0] + 200_000_000, starts[-1] + 200_000_000, len(starts), "Warning",
                            cont=name, init=init)

    def sched_events(self, wl, created):
        rng = self.rng
        new_style = self.minor >= 22
        self.pod_ev(wl, "Scheduled", "Successfully assigned %s/%s to %s" % (self.ns, wl["pod_name"], wl["node"]["name"]),
                    created + rng.randint(0, 900) * 1_000_000, component="default-scheduler").series = "Binding" if new_style else None
        if wl["kind"] == "Deployment":
            rs = "%s-%s" % (wl["name"], wl["rs_hash"])
            self.ev("ReplicaSet", rs, "SuccessfulCreate", "Created pod: %s" % wl["pod_name"], created,
                    component="replicaset-controller", api="apps/v1")
            if self.chance(0.7):
                self.ev("Deployment", wl["name"], "ScalingReplicaSet",
                        "Scaled up replica set %s to %d" % (rs, rng.choice([1, 1, 1, 2, 3])) + (" from 0" if self.minor >= 27 and self.chance(0.5) else ""),
                        created - rng.randint(0, 2) * NS, component="deployment-controller", api="apps/v1")
        elif wl["kind"] == "StatefulSet":
            self.ev("StatefulSet", wl["name"], "SuccessfulCreate",
                    "create Pod %s in StatefulSet %s successful" % (wl["pod_name"], wl["name"]), created,
                    component="statefulset-controller", api="apps/v1")
        elif wl["kind"] == "Job":
            self.ev("Job", wl["name"], "SuccessfulCreate", "Created pod: %s" % wl["pod_name"], created,
                    component="job-controller", api="batch/v1")
        elif wl["kind"] == "DaemonSet":
            self.ev("DaemonSet", wl["name"], "SuccessfulCreate", "Created pod: %s" % wl["pod_name"], created,
                    component="daemonset-controller", api="apps/v1")

    # ---- logs ------------------------------------------------------------------------
    def set_logs(self, wl, cont, runs, current=None, previous=None, error=None, prev_error=None):
        """runs: {attempt: [(t, stream, text)]}."""
        self.logs[(wl["pod_name"], cont["name"])] = {"runs": runs, "current": current, "previous": previous,
                                                     "error": error, "prev_error": prev_error, "wl": wl, "cont": cont}

    def block(self, cont, text, t0, thread=None):
        ents, t1 = run_block(text or "", cont["_ctx"], self.rng, t0, thread)
        return ents, t1

    def eco_block(self, cont, key):
        return (self.E[cont["_eco"]] or {}).get(key) or ""

    def noise_entries(self, cont, t0, t1, n, key="noise", warn_p=0.12):
        pool = parse_pool(self.eco_block(cont, key))
        warn = parse_pool(self.eco_block(cont, "warn"))
        ents = []
        if not pool or n <= 0:
            return ents
        span = max(t1 - t0, NS)
        times = sorted(t0 + int(self.rng.random() * span) for _ in range(n))
        for t in times:
            src = warn if warn and self.rng.random() < warn_p else pool
            e, _ = self.block(cont, self.rng.choice(src), t, thread=self.noise_thread(cont))
            ents.extend(e)
        return ents

    def noise_thread(self, cont):
        port = cont["_ctx"].get("port") or 8080
        return "http-nio-%s-exec-%d" % (port, self.rng.randint(1, 10))

    def startup_entries(self, cont, t0, frac=1.0):
        text = self.eco_block(cont, "startup")
        lines = text.rstrip("\n").split("\n") if text else []
        if frac < 1.0 and lines:
            # cut at an entry boundary
            keep = max(1, int(len(lines) * frac))
            while keep < len(lines) and lines[keep].startswith(">"):
                keep += 1
            lines = lines[:keep]
        return self.block(cont, "\n".join(lines), t0, thread="main")

    def healthy_run_lines(self, cont, start, end, tail_only=False):
        if cont["_role"] == "init":
            ents, _ = self.block(cont, self.eco_block(cont, "migrate") or self.eco_block(cont, "startup") or "I done", start)
            return render_entries(ents, cont["_style"], cont["_ctx"], self.rng)
        ents = []
        t = start
        if not tail_only:
            e, t = self.startup_entries(cont, start)
            ents += e
        n = self.rng.randint(2, 10)
        t_from = t if not tail_only else max(t, end - self.rng.randint(600, 7200) * NS)
        ents += self.noise_entries(cont, t_from, end - NS, n)
        ents.sort(key=lambda e: e["t"])
        lines = render_entries(ents, cont["_style"], cont["_ctx"], self.rng)
        return [ln for ln in lines if ln[0] < self.now]

    # ---- healthy pods ----------------------------------------------------------------
    def make_healthy(self, wl, age=None, restarts_old=False):
        rng = self.rng
        if restarts_old and age is None:
            age = int(rng.uniform(1.1, 30) * 86400 * NS)
        if age is None:
            age = int(self.pk.weighted([(rng.uniform(40, 3600), 0.25), (rng.uniform(3600, 86400), 0.3),
                                        (rng.uniform(86400, 86400 * 40), 0.45)]) * NS)
        created = self.now - age
        pod = self.build_pod(wl, created)
        t = created + rng.randint(1, 4) * NS
        init_st = []
        for c in wl["init"]:
            lines = self.healthy_run_lines(c, t, t + rng.randint(1, 20) * NS)
            t1 = (lines[-1][0] if lines else t) + rng.randint(50, 800) * 1_000_000
            init_st.append(self.cstatus(c, self.st_term("Completed", 0, t, t1), ready=True, started=False))
            self.set_logs(wl, c, {0: lines}, current=0)
            if created > self.now - 3600 * NS:
                self.lifecycle_events(wl, created, [t], c, init=True, pull_policy=c["imagePullPolicy"])
            t = t1 + rng.randint(1, 3) * NS
        if init_st:
            pod["status"]["initContainerStatuses"] = init_st
        cst = []
        for c in wl["containers"]:
            restarts = 0
            last = None
            runs = {}
            start = t + rng.randint(0, 2) * NS
            prev = None
            if restarts_old and c is wl["containers"][0]:
                restarts = rng.choice([1, 1, 1, 2, 3])
                # the last restart happened long ago (well past the 10 min back-off reset)
                ft = created + int((self.now - created) * rng.uniform(0.05, 0.6))
                reason, code, msg = self.pick(self.K["old_restart_reasons"], hold=False)
                st0 = created + rng.randint(2, 30) * NS
                ft = max(ft, st0 + 60 * NS)
                last = self.st_term(reason, code, st0, ft)
                prev_lines = self.healthy_run_lines(c, st0, ft)
                if msg:
                    e, _ = self.block(c, msg, ft - NS)
                    prev_lines += render_entries(e, c["_style"], c["_ctx"], rng)
                runs[restarts - 1] = [ln for ln in prev_lines if ln[0] <= ft]
                prev = restarts - 1
                start = ft + rng.randint(1, 12) * NS
            tail = (self.now - start) > 8 * 3600 * NS and self.chance(0.5)
            runs[restarts] = self.healthy_run_lines(c, start, self.now, tail_only=tail)
            cst.append(self.cstatus(c, self.st_running(start), last, restarts, ready=True, started=True))
            self.set_logs(wl, c, runs, current=restarts, previous=prev)
            if created > self.now - 3600 * NS:
                self.lifecycle_events(wl, created, [start], c, pull_policy=c["imagePullPolicy"])
        pod["status"]["containerStatuses"] = cst
        self.set_conditions(pod, created, ready=True)
        if created > self.now - 3600 * NS:
            self.sched_events(wl, created)
            if wl["containers"][0].get("readinessProbe") and self.chance(0.25):
                # a few readiness failures while warming up: normal noise
                t0 = t + rng.randint(2, 10) * NS
                msg = expand(self.pick(self.K["readiness_warmup"], hold=False), dict(wl["ctx"], probe_port=wl["ctx"]["port"] or 8080), rng)
                self.pod_ev(wl, "Unhealthy", "Readiness probe failed: " + msg, t0, t0 + rng.randint(5, 30) * NS,
                            rng.randint(1, 4), "Warning", cont=wl["containers"][0]["name"])
        return pod

    # ---- crash loops ---------------------------------------------------------------
    def pick_restarts(self):
        return self.pk.weighted([(1, 0.06), (2, 0.1), (3, 0.14), (4, 0.15), (5, 0.15), (6, 0.12), (7, 0.09),
                                 (8, 0.07), (9, 0.04), (10, 0.03), (12, 0.02), (15, 0.015), (21, 0.01)])

    def crashloop(self, wl, cont, run_fn, R=None, mode=None, init=False, start_event_ok=True, fail_msgs=None,
                  fallback=False):
        """Simulate a container restarting R times.  run_fn(attempt, partial_ns) -> dict with
        lines (relative ns), dur, exit, reason, message."""
        rng = self.rng
        if R is None:
            R = self.pick_restarts()
        first = run_fn(0, None)
        if mode is None:
            # a container that dies within seconds is rarely caught running
            p_run = 0.15 if first["dur"] > 20 * NS else (0.06 if first["dur"] > 5 * NS else 0.02)
            mode = self.pk.weighted([("waiting", 0.87 - p_run), ("running", p_run), ("terminated", 0.13)])
        if mode in ("running", "terminated") and R < 2:
            R = 2
        n_dead = R if mode == "running" else R + 1
        runs = [first] + [run_fn(k, None) for k in range(1, n_dead)]
        cur = None
        if mode == "running":
            v_max = max(int(runs[-1]["dur"] * 0.8), NS)
            v = rng.randint(min(NS // 2, v_max), v_max)
            cur = run_fn(R, v)
        gaps = [0] + [int(rng.uniform(0.2, 1.8) * NS)] + [backoff_delay(k - 1) * NS + rng.randint(0, 1500) * 1_000_000 for k in range(2, R + 1)]
        if mode == "waiting":
            tail = int(backoff_delay(R) * rng.uniform(0.05, 0.95) * NS)
        elif mode == "terminated":
            tail = rng.randint(300, 4000) * 1_000_000
        else:
            tail = cur["dur"]
        pre = rng.randint(1, 6) * NS + (rng.randint(1, 35) * NS if self.chance(0.4) else 0)
        init_time = 0
        if not init and wl["init"]:
            init_time = rng.randint(2, 25) * NS * len(wl["init"])
        total = pre + init_time + sum(r["dur"] for r in runs) + sum(gaps[1:n_dead]) + tail
        if mode == "running":
            total += gaps[R] if R < len(gaps) else 0
        created = self.now - total
        wl["_created"] = created
        starts, fins = [], []
        t = created + pre + init_time
        for k, r in enumerate(runs):
            if k > 0:
                t += gaps[k]
            starts.append(t)
            t += r["dur"]
            fins.append(t)
        cur_start = None
        if mode == "running":
            cur_start = self.now - cur["dur"]
        # logs
        log_runs = {}
        for k, r in enumerate(runs):
            log_runs[k] = self.render_run(cont, r, starts[k])
        if cur is not None:
            log_runs[R] = self.render_run(cont, cur, cur_start)
        # statuses
        def term(k):
            r = runs[k]
            msg = r.get("message")
            if fallback and not msg and log_runs[k]:
                msg = fallback_message(log_runs[k])
            return self.st_term(r["reason"], r["exit"], starts[k], fins[k], msg)

        if mode == "waiting":
            last = term(R)
            bo = backoff_delay(R)
            state = self.st_wait("CrashLoopBackOff", "back-off %s restarting failed container=%s pod=%s_%s(%s)" % (
                go_duration(bo), cont["name"], wl["pod_name"], self.ns, wl["uid"]))
            cs = self.cstatus(cont, state, last, R, ready=False, started=False)
            cs["containerID"] = last["terminated"]["containerID"]
            cur_idx, prev_idx = R, R
        elif mode == "running":
            last = term(R - 1)
            cs = self.cstatus(cont, self.st_running(cur_start), last, R, ready=False, started=True)
            cur_idx, prev_idx = R, R - 1
        else:
            last = term(R - 1)
            st = term(R)
            cs = self.cstatus(cont, st, last, R, ready=False, started=False)
            cs["containerID"] = st["terminated"]["containerID"]
            cur_idx, prev_idx = R, R - 1
        self.set_logs(wl, cont, log_runs, current=cur_idx, previous=prev_idx)
        # events
        all_starts = starts + ([cur_start] if cur_start else [])
        self.lifecycle_events(wl, created, all_starts, cont, init=init, pull_policy=cont["imagePullPolicy"],
                              started=start_event_ok, fail_msgs=fail_msgs)
        bo_first = fins[1] + rng.randint(200, 1500) * 1_000_000 if len(fins) > 1 else fins[0] + NS
        if mode == "waiting":
            bo_last = self.now - rng.randint(0, 9) * NS
        else:
            bo_last = (all_starts[-1] if mode == "running" else fins[-1]) - rng.randint(1, 3) * NS
        if len(fins) > 1 or mode == "waiting":
            waited = sum(backoff_delay(k) for k in range(1, R)) + backoff_delay(R) * (0.5 if mode == "waiting" else 0)
            cnt = max(1, int(waited / rng.uniform(9, 14)) + R - 1)
            self.pod_ev(wl, "BackOff", self.backoff_msg(wl, cont["name"]), bo_first, max(bo_first, bo_last), cnt,
                        "Warning", cont=cont["name"], init=init)
        return {"created": created, "starts": starts, "fins": fins, "R": R, "mode": mode, "cs": cs,
                "cur_start": cur_start, "runs": runs}

    def render_run(self, cont, run, base):
        ents = [dict(e, t=e["t"] + base) for e in run.get("ents", [])]
        ents.sort(key=lambda x: x["t"])
        lines = render_entries(ents, cont["_style"], cont["_ctx"], self.rng)
        end = base + run["dur"]
        return [x for x in lines if x[0] <= end]

    def finish_crash_pod(self, wl, crash, cont, init=False, sidecar=False):
        """Build the pod object around a crash-looping container."""
        rng = self.rng
        created = crash["created"]
        pod = self.build_pod(wl, created)
        t = created + rng.randint(1, 5) * NS
        if init:
            init_st = []
            before = True
            for c in wl["init"]:
                if c is cont:
                    init_st.append(crash["cs"])
                    before = False
                    continue
                if before:
                    t1 = t + rng.randint(1, 15) * NS
                    init_st.append(self.cstatus(c, self.st_term("Completed", 0, t, t1), ready=True, started=False))
                    self.set_logs(wl, c, {0: self.healthy_run_lines(c, t, t1)}, current=0)
                    t = t1
                else:
                    init_st.append(self.cstatus(c, self.st_wait("PodInitializing"), ready=False, started=False, cid=False))
            pod["status"]["initContainerStatuses"] = init_st
            pod["status"]["containerStatuses"] = [self.cstatus(c, self.st_wait("PodInitializing"), ready=False, started=False, cid=False)
                                                  for c in wl["containers"]]
            pod["status"]["phase"] = "Pending"
            for c in wl["containers"]:
                self.logs[(wl["pod_name"], c["name"])] = {
                    "runs": {}, "current": None, "previous": None, "wl": wl, "cont": c,
                    "error": 'container "%s" in pod "%s" is waiting to start: PodInitializing' % (c["name"], wl["pod_name"]),
                    "prev_error": None}
            self.set_conditions(pod, created, initialized=False, ready=False, init_unready=[cont["name"]],
                                unready=[c["name"] for c in wl["containers"]])
        else:
            if wl["init"]:
                st = []
                for c in wl["init"]:
                    t1 = t + rng.randint(1, 12) * NS
                    st.append(self.cstatus(c, self.st_term("Completed", 0, t, t1), ready=True, started=False))
                    self.set_logs(wl, c, {0: self.healthy_run_lines(c, t, t1)}, current=0)
                    if created > self.now - 3600 * NS:
                        self.lifecycle_events(wl, created, [t], c, init=True, pull_policy=c["imagePullPolicy"])
                    t = t1
                pod["status"]["initContainerStatuses"] = st
            cst = []
            unready = []
            for c in wl["containers"]:
                if c is cont:
                    cst.append(crash["cs"])
                    unready.append(c["name"])
                    continue
                start = t + rng.randint(0, 2) * NS
                self.set_logs(wl, c, {0: self.healthy_run_lines(c, start, self.now)}, current=0)
                cst.append(self.cstatus(c, self.st_running(start), None, 0, ready=True, started=True))
                if created > self.now - 3600 * NS:
                    self.lifecycle_events(wl, created, [start], c, pull_policy=c["imagePullPolicy"])
            pod["status"]["containerStatuses"] = cst
            self.set_conditions(pod, created, ready=False, unready=unready)
        if created > self.now - 3600 * NS:
            self.sched_events(wl, created)
        return pod

    # ---- generic log-crash run ---------------------------------------------------------
    def crash_run_fn(self, cont, variant, default_at="mid", pre_extra=None, cause=None):
        rng = self.rng
        exits = variant.get("exit", [1])
        if not isinstance(exits, list):
            exits = [exits]
        exit_code = rng.choice(exits)
        reason = variant.get("reason") or ("Completed" if exit_code == 0 else "Error")
        at = variant.get("at", default_at)
        if cont["_role"] == "init":
            at = "none"
        distract = self.chance(0.35)
        style_ok = variant.get("styles")
        if style_ok:
            cont["_style"] = rng.choice(style_ok)

        def fn(attempt, partial):
            t = 0
            ents = []
            if at == "none":
                pass
            elif at == "early":
                e, t = self.startup_entries(cont, 0, frac=rng.uniform(0.0, 0.35))
                ents += e
            elif at == "mid":
                e, t = self.startup_entries(cont, 0, frac=rng.uniform(0.35, 0.85))
                ents += e
            else:
                e, t = self.startup_entries(cont, 0)
                ents += e
                n = rng.randint(0, 6)
                dur_noise = rng.randint(2, 90) * NS
                ents += self.noise_entries(cont, t, t + dur_noise, n)
                t += dur_noise
            if distract and at != "none":
                e, t = self.distractor_entries(cont, t)
                ents += e
            if pre_extra:
                e, t = self.block(cont, pre_extra, t + rng.randint(1, 400) * 1_000_000)
                ents += e
            fail_t0 = t + rng.randint(5, 900) * 1_000_000
            if partial is not None and fail_t0 > partial:
                ents = [x for x in ents if x["t"] < partial]
                return {"ents": ents, "dur": partial, "exit": exit_code, "reason": reason}
            e, t = self.block(cont, variant["log"], fail_t0, thread="main")
            ents += e
            ents.sort(key=lambda x: x["t"])
            dur = (ents[-1]["t"] if ents else t) + rng.randint(20, 600) * 1_000_000
            if partial is not None:
                ents = [x for x in ents if x["t"] < partial]
                dur = partial
            return {"ents": ents, "dur": max(dur, 200_000_000), "exit": exit_code, "reason": reason,
                    "message": None}
        return fn

    def distractor_entries(self, cont, t):
        pool = parse_pool(self.eco_block(cont, "retry")) + parse_pool(self.eco_block(cont, "warn"))
        if not pool:
            return [], t
        src = self.rng.choice(pool)
        e, t2 = self.block(cont, src, t + self.rng.randint(10, 2000) * 1_000_000)
        return e, t2


def fallback_message(lines):
    """terminationMessagePolicy: FallbackToLogsOnError -> last 80 lines / 2 KiB."""
    tail = [x for _, _, x in lines][-80:]
    msg = "\n".join(tail)
    if len(msg) > 2048:
        msg = msg[-2048:]
    return msg


# ---------------------------------------------------------------------------
# cause builders
# ---------------------------------------------------------------------------
def pick_variant(case, tpl, detail=None, ecos=None):
    """tpl: {eco: [variant, ...]} -> (eco, variant, variant_id)"""
    keys = [e for e, vs in tpl.items() if (ecos is None or e in ecos) and
            any(detail is None or v.get("detail") == detail for v in vs)]
    if not keys:
        raise ValueError("no variants for detail %s" % detail)
    # weight ecosystems by sqrt(#variants) so rich ecosystems are seen more often
    pairs = []
    for e in keys:
        n = sum(1 for v in tpl[e] if detail is None or v.get("detail") == detail)
        pairs.append((e, (n ** 0.5) * ECO_WEIGHT.get(e, 1.0)))
    eco = case.pk.weighted(pairs)
    vs = [(i, v) for i, v in enumerate(tpl[eco]) if detail is None or v.get("detail") == detail]
    i, v = case.pick(vs)
    return eco, v, "%s#%d" % (eco, i)


def apply_spec(case, wl, cont, v):
    rng = case.rng
    ctx = cont["_ctx"]
    if v.get("dep"):
        d = case.choose_dep(kind=v["dep"])
        ctx.update(d)
        wl["ctx"].update(d)
        set_dep_env(cont, ctx, rng, replace=not case.chance(0.5))
    for k, val in (v.get("ctx") or {}).items():
        ctx[k] = expand(str(rng.choice(val) if isinstance(val, list) else val), ctx, rng)
    spec = v.get("spec") or {}
    if spec.get("command"):
        cont["command"] = [expand(x, ctx, rng) for x in spec["command"]]
        cont.pop("args", None)
    if spec.get("args"):
        cont["args"] = [expand(x, ctx, rng) for x in spec["args"]]
    for ln in spec.get("env", []) or []:
        k, _, val = ln.partition("=")
        env = [e for e in cont.get("env", []) if e["name"] != k]
        env.append({"name": k, "value": expand(val, ctx, rng)})
        cont["env"] = env
    if spec.get("arm_node"):
        arm = [n for n in case.nodes if n["arch"] == "arm64"]
        if not arm:
            case.nodes[-1]["arch"] = "arm64"
            arm = [case.nodes[-1]]
        node = case.rng.choice(arm)
        wl["node"] = node
        ctx["node"] = node["name"]
        if case.chance(0.4):
            wl["node_selector"] = {"kubernetes.io/arch": "arm64"}
    if spec.get("host_network"):
        wl["host_network"] = True
        ports = cont.get("ports") or []
        for p in ports:
            p["hostPort"] = p["containerPort"]
    if spec.get("run_as_user") is not None:
        cont["securityContext"] = {"runAsUser": spec["run_as_user"], "runAsNonRoot": True, "allowPrivilegeEscalation": False}
    if spec.get("read_only_root"):
        cont.setdefault("securityContext", {})["readOnlyRootFilesystem"] = True
    for m in spec.get("mounts", []) or []:
        path, name, kind = expand(m[0], ctx, rng), expand(m[1], ctx, rng), (m[2] if len(m) > 2 else "emptyDir")
        cont.setdefault("_mounts", [])
        if not any(x["mountPath"] == path for x in cont["_mounts"]):
            cont["_mounts"].append({"mountPath": path, "name": name, "_kind": kind})
    if spec.get("port_clash_sidecar"):
        side = case.add_sidecar(wl, "exporter")
        if side is not None:
            side["ports"] = [{"containerPort": ctx["port"], "name": "metrics", "protocol": "TCP"}]
            side["_ctx"]["port"] = ctx["port"]


def choose_role(case, eco, v):
    role = v.get("role") or case.E[eco].get("role") or "main"
    return role


def host_for_aux(case, eco):
    """Pick an app ecosystem to host a sidecar/init culprit."""
    return pick_eco(case, case.E["_app_ecos"])


INIT_OK = ("dependency_unavailable", "credentials_rejected", "config_error", "tls_error")


def make_culprit(case, eco, v, tpl_name=None):
    role = choose_role(case, eco, v)
    if (role == "main" and tpl_name in INIT_OK and eco in case.E["_app_ecos"] and eco not in ("nginx", "operator")
            and case.chance(0.15)):
        role = "init"
    if role == "sidecar":
        wl = case.add_workload(host_for_aux(case, eco), role="culprit")
        cont = case.add_sidecar(wl, eco)
        if cont is None:
            cont = [c for c in wl["containers"] if c["_eco"] == eco][0]
    elif role == "init":
        if eco in case.E["_inits"]:
            wl = case.add_workload(host_for_aux(case, eco), role="culprit")
            cont = case.add_init(wl, eco)
        else:
            wl = case.add_workload(eco, role="culprit")
            cont = case.add_init(wl, same_image=True)
    else:
        wl = case.add_workload(eco, role="culprit", kind=v.get("kind"))
        cont = wl["containers"][0]
    return wl, cont, role


def build_logcrash(case, tpl_name, detail=None, default_at="mid", ecos=None):
    tpl = case.T["failures"][tpl_name]
    eco, v, vid = pick_variant(case, tpl, detail, ecos)
    case.variant_id = "%s:%s" % (tpl_name, vid)
    wl, cont, role = make_culprit(case, eco, v, tpl_name)
    apply_spec(case, wl, cont, v)
    fallback = case.mode == "status" or (case.chance(0.12) and not v.get("no_fallback"))
    if fallback:
        cont["terminationMessagePolicy"] = "FallbackToLogsOnError"
    fn = case.crash_run_fn(cont, v, v.get("at", default_at))
    fail_msgs = None
    crash = case.crashloop(wl, cont, fn, init=(role == "init"), fallback=fallback)
    case.finish_crash_pod(wl, crash, cont, init=(role == "init"))
    case.signals.add("logs")
    if fallback:
        case.signals.add("status")
    if v.get("status_signal") or tpl_name == "exits_immediately":
        case.signals.add("status")
    for s in v.get("signals", []) or []:
        case.signals.add(s)
    if v.get("server_log") and v.get("dep"):
        add_dependency_workload(case, wl, cont, v)
    return wl, cont


def add_dependency_workload(case, wl, cont, v):
    """Add the (healthy) datastore the culprit talks to, with companion log lines."""
    ctx = cont["_ctx"]
    eco = DEP_ECO.get(ctx["dep_kind"])
    if not eco or ctx["dep_ns"] != case.ns:
        return
    name = ctx["dep_short"]
    if name in case.used_names or not re.fullmatch(r"[a-z0-9-]+", name):
        return
    dep = case.add_workload(eco, name=name, role="dependency")
    case.make_healthy(dep)
    key = (dep["pod_name"], dep["containers"][0]["name"])
    if key in case.logs and v.get("server_log"):
        info = case.logs[key]
        cur = info["current"]
        lines = info["runs"].get(cur, [])
        c0 = dep["containers"][0]
        c0["_ctx"].update({k: ctx[k] for k in ("dep_user", "dep_name")})
        c0["_ctx"]["client_ip"] = wl["pod_ip"]
        t = case.now - case.rng.randint(60, 900) * NS
        ents = []
        for k in range(case.rng.randint(2, 5)):
            e, t = case.block(c0, v["server_log"], t + case.rng.randint(10, 60) * NS)
            ents += e
        extra = render_entries(ents, c0["_style"], c0["_ctx"], case.rng)
        info["runs"][cur] = sorted(lines + [x for x in extra if x[0] < case.now], key=lambda x: x[0])


def build_oom(case):
    if case.detail == "runtime_heap":
        return build_logcrash(case, "oom_runtime_heap", default_at="late")
    rng = case.rng
    K = case.K["oom"]
    variant = case.pk.weighted([(k, w) for k, w in K["variants"].items()])
    case.variant_id = "oom:" + variant
    if variant == "sidecar":
        wl = case.add_workload(pick_eco(case, case.E["_app_ecos"]), role="culprit")
        cont = case.add_sidecar(wl, case.pick(K["sidecar_ecos"], hold=False)) or wl["containers"][-1]
    else:
        eco = case.pick(K["ecos"], hold=False)
        wl = case.add_workload(eco, role="culprit")
        cont = wl["containers"][0]
    ctx = cont["_ctx"]
    eco = cont["_eco"]
    mem = case.pick(K["limits"].get(eco, K["limits"]["default"]), hold=False)
    cont["resources"] = {"limits": {"memory": mem}, "requests": {"memory": mem, "cpu": rng.choice(["100m", "250m", "500m"])}}
    if case.chance(0.5):
        cont["resources"]["limits"]["cpu"] = rng.choice(["500m", "1", "2"])
    ctx["mem_limit"] = mem
    ctx["mem_limit_mb"] = q_mem_mb(mem)
    hint_env = K["env_hints"].get(eco)
    if hint_env and case.chance(0.5):
        k, _, val = case.pick(hint_env, hold=False).partition("=")
        ctx["heap_mb"] = int(q_mem_mb(mem) * rng.choice([0.9, 1.0, 1.25, 1.5, 2.0]))
        cont["env"] = [e for e in cont.get("env", []) if e["name"] != k] + [{"name": k, "value": expand(val, ctx, rng)}]
    wrapper = variant == "wrapper_killed"
    if wrapper:
        cont["command"] = ["/bin/sh", "-c"]
        cont["args"] = [expand(case.pick(K["wrapper_cmds"].get(eco, K["wrapper_cmds"]["default"]), hold=False), ctx, rng)]
        ctx["cmd"] = cont["args"][0]
    hint = case.E[eco].get("oom_hint") if case.chance(0.55) else None
    distract = case.chance(0.4)
    if variant == "init_sandbox":
        return build_oom_sandbox(case, wl, cont)

    def fn(attempt, partial):
        e, t = case.startup_entries(cont, 0)
        ents = list(e)
        if distract:
            d, t = case.distractor_entries(cont, t)
            ents += d
        dur = int(rng.choice([rng.uniform(15, 90), rng.uniform(60, 300), rng.uniform(200, 540)]) * NS)
        ents += case.noise_entries(cont, t, t + dur, rng.randint(3, 16), warn_p=0.15)
        t = t + dur
        if hint:
            h, t = case.block(cont, case.pick(parse_pool(hint), hold=False), t - rng.randint(2, 30) * NS)
            ents += h
        ents.sort(key=lambda x: x["t"])
        end = max(t, ents[-1]["t"] if ents else 0) + rng.randint(50, 3000) * 1_000_000
        if wrapper:
            line = expand(case.pick(K["wrapper_lines"], hold=False), ctx, rng)
            ents.append({"kind": "raw", "t": end - 1_000_000, "stream": "stderr", "text": line})
        if partial is not None:
            ents = [x for x in ents if x["t"] < partial]
            end = partial
        return {"ents": ents, "dur": end, "exit": 137, "reason": "OOMKilled", "message": None}

    crash = case.crashloop(wl, cont, fn)
    case.finish_crash_pod(wl, crash, cont)
    case.signals.add("status")
    if wrapper:
        case.signals.add("logs")
    if variant == "npd_event" or (variant != "sidecar" and case.chance(0.2)):
        proc = K["procs"].get(eco, K["procs"]["default"])
        proc = expand(proc, ctx, rng)
        fins = crash["fins"]
        mb = q_mem_mb(mem)
        msg = ("Memory cgroup out of memory: Killed process %d (%s) total-vm:%dkB, anon-rss:%dkB, file-rss:%dkB, "
               "shmem-rss:%dkB, UID:%d pgtables:%dkB oom_score_adj:%d") % (
            rng.randint(2000, 400000), proc[:15], mb * 1024 * rng.randint(2, 6) + rng.randint(0, 99999),
            mb * 1024 - rng.randint(0, 9000), rng.randint(1000, 60000), rng.randint(0, 300),
            rng.choice([0, 999, 1000, 1001, 101]), rng.randint(600, 4000), rng.choice([984, 999, 1000, -997, 936]))
        e = case.ev("Node", wl["node"]["name"], "OOMKilling", msg, fins[0], fins[-1], len(fins), "Warning",
                    "kernel-monitor", wl["node"]["name"], uid=wl["node"]["name"], ns="default")
        e.field_path = None
        case.extra_events_ns.append(e)
        case.signals.add("events_all")
    return wl, cont


def build_oom_sandbox(case, wl, cont):
    """runc: the container init process is OOM-killed before exec (limit far too low)."""
    rng = case.rng
    mem = rng.choice(["4Mi", "6Mi", "8Mi", "10Mi", "12Mi"])
    cont["resources"] = {"limits": {"memory": mem}, "requests": {"memory": mem}}
    msg = expand(case.pick(case.K["oom"]["sandbox_msgs"]), cont["_ctx"], rng)

    def fn(attempt, partial):
        d = rng.randint(50, 400) * 1_000_000
        return {"ents": [], "dur": d if partial is None else partial, "exit": 128, "reason": "StartError", "message": msg}

    crash = case.crashloop(wl, cont, fn, mode="waiting", start_event_ok=False, fail_msgs=["Error: " + msg])
    case.finish_crash_pod(wl, crash, cont)
    case.signals.update(["status", "events"])
    return wl, cont


PROBE_OUT = {
    "postgres": "127.0.0.1:5432 - no response",
    "mysql": "mysqladmin: connect to server at '127.0.0.1' failed\nerror: 'Can't connect to MySQL server on '127.0.0.1:3306' (111)'\nCheck that mysqld is running and that the port is 3306.",
    "redis": "Could not connect to Redis at 127.0.0.1:6379: Connection refused",
    "mongodb": "MongoNetworkError: connect ECONNREFUSED 127.0.0.1:27017",
    "rabbitmq": "Error: unable to perform an operation on node 'rabbit@localhost'. Please see diagnostics information and suggestions below.",
}


def build_liveness(case):
    rng = case.rng
    det = case.detail
    KL = case.K["liveness"]
    mech_list = KL[det]
    i, mech = case.pick(list(enumerate(mech_list)))
    case.variant_id = "liveness:%s#%d" % (det, i)
    ecos = [e for e in KL["ecos_by_probe"][mech["probe"]]]
    eco = pick_eco(case, ecos)
    wl = case.add_workload(eco, role="culprit")
    cont = wl["containers"][0]
    ctx = cont["_ctx"]
    port = ctx["port"] or 8080
    if not ctx["port"]:
        ctx["port"] = port
        cont["ports"] = [{"containerPort": port, "name": "http", "protocol": "TCP"}]
    E = case.E[eco]
    path = (E.get("probe") or {}).get("liveness", "/healthz")
    probe_port = port
    if mech.get("port_mismatch"):
        probe_port = rng.choice([p for p in [8080, 8081, 80, 9090, 3000, 8000, 5000, port + 1, 8443] if p != port])
    if mech.get("wrong_path"):
        path = case.pick(KL["wrong_paths"], hold=False)
        if path == (E.get("probe") or {}).get("liveness"):
            path = "/health/live"
    ctx["probe_port"] = probe_port
    ctx["probe_path"] = path
    kind = mech["probe"]
    if kind == "http":
        pr = {"httpGet": {"path": path, "port": probe_port, "scheme": "HTTP"}}
    elif kind == "tcp":
        pr = {"tcpSocket": {"port": probe_port}}
    elif kind == "exec":
        cmdline = expand((E.get("probe") or {}).get("command", "cat /tmp/healthy"), ctx, rng)
        pr = {"exec": {"command": cmdline.split(" ")}}
        ctx["probe_cmd"] = cmdline
        ctx["probe_out"] = PROBE_OUT.get(eco, "")
    else:
        pr = {"grpc": {"port": probe_port}}
    if det == "startup":
        period = rng.choice([5, 10, 10])
        thr = rng.choice([3, 5, 6, 10, 12])
        delay = rng.choice([0, 0, 5, 10])
        cont["startupProbe"] = dict(pr, initialDelaySeconds=delay, periodSeconds=period, timeoutSeconds=rng.choice([1, 1, 3]),
                                    successThreshold=1, failureThreshold=thr)
        if case.chance(0.6):
            cont["livenessProbe"] = dict(pr, initialDelaySeconds=0, periodSeconds=10, timeoutSeconds=1, successThreshold=1,
                                         failureThreshold=3)
        kill_after = delay + period * thr
        probe_word = "Startup"
    else:
        period = rng.choice([5, 10, 10, 15, 20])
        thr = rng.choice([1, 3, 3, 3, 5])
        delay = rng.choice([0, 5, 10, 15, 30])
        timeout = rng.choice([1, 1, 1, 2, 5])
        cont["livenessProbe"] = dict(pr, initialDelaySeconds=delay, periodSeconds=period, timeoutSeconds=timeout,
                                     successThreshold=1, failureThreshold=thr)
        kill_after = delay + period * thr
        probe_word = "Liveness"
    if mech.get("also_readiness") and "readinessProbe" not in cont:
        cont["readinessProbe"] = dict(pr, initialDelaySeconds=0, periodSeconds=10, timeoutSeconds=1, successThreshold=1, failureThreshold=3)
    msg_tpl = case.pick(mech["messages"])
    exit_choice = case.pk.weighted([(143, 0.55), (137, 0.4), (0, 0.05 if case.mode == "full" else 0.0)])
    hang_before = mech.get("healthy_for")

    def fn(attempt, partial):
        if det == "startup":
            slow = case.E[eco].get("slow") or ""
            e, t = case.block(cont, slow, 0, thread="main") if slow else case.startup_entries(cont, 0, frac=0.5)
            ents = [x for x in e]
        else:
            e, t = case.startup_entries(cont, 0)
            ents = list(e)
            extra = 0
            if hang_before:
                extra = rng.randint(30, 1800) * NS
            ents += case.noise_entries(cont, t, t + kill_after * NS + extra, rng.randint(2, 10))
            key = mech.get("logs")
            if key:
                blk = case.E[eco].get(key)
                if blk:
                    pool = parse_pool(blk)
                    tt = t + extra
                    for _ in range(rng.randint(1, 3)):
                        h, tt = case.block(cont, rng.choice(pool), tt + rng.randint(1, 9) * NS)
                        ents += h
        t_kill = max(kill_after * NS + rng.randint(0, period) * NS, (max((x["t"] for x in ents), default=0)) + NS)
        if hang_before and det != "startup":
            t_kill += rng.randint(30, 600) * NS
        ents = [x for x in ents if x["t"] < t_kill]
        if exit_choice in (143, 0):
            sd, t_end = case.block(cont, case.E[eco].get("shutdown") or "", t_kill + rng.randint(5, 200) * 1_000_000)
            ents += sd
            end = t_end + rng.randint(100, 2000) * 1_000_000
        else:
            sd, _ = case.block(cont, (case.E[eco].get("shutdown") or "").split("\n")[0], t_kill + rng.randint(5, 200) * 1_000_000)
            ents += sd if case.chance(0.5) else []
            end = t_kill + wl.get("grace", 30) * NS + rng.randint(0, 900) * 1_000_000
        ents.sort(key=lambda x: x["t"])
        res = {"ents": ents, "dur": end, "exit": exit_choice, "reason": "Completed" if exit_choice == 0 else "Error",
               "message": None, "t_kill": t_kill}
        if partial is not None:
            res["ents"] = [x for x in ents if x["t"] < partial]
            res["dur"] = partial
        return res

    crash = case.crashloop(wl, cont, fn)
    case.finish_crash_pod(wl, crash, cont)
    # probe events
    starts = crash["starts"]
    killed = len(starts)
    first = starts[0] + (delay + period) * NS
    last = starts[-1] + crash["runs"][-1]["t_kill"] - rng.randint(0, 2) * NS
    if crash["cur_start"]:
        last = max(last, min(case.now - NS, crash["cur_start"] + (delay + period) * NS))
    msg = expand(msg_tpl, ctx, rng)
    case.pod_ev(wl, "Unhealthy", "%s probe failed: %s" % (probe_word, msg), first, last, thr * killed + rng.randint(0, thr),
                "Warning", cont=cont["name"])
    case.pod_ev(wl, "Killing", "Container %s failed %s probe, will be restarted" % (cont["name"], probe_word.lower()),
                starts[0] + crash["runs"][0]["t_kill"], starts[-1] + crash["runs"][-1]["t_kill"], killed, cont=cont["name"])
    if cont.get("readinessProbe") and case.chance(0.5):
        case.pod_ev(wl, "Unhealthy", "Readiness probe failed: %s" % msg, first - rng.randint(0, 5) * NS, last,
                    rng.randint(killed, killed * 4), "Warning", cont=cont["name"])
    case.signals.add("events")
    if mech.get("log_signal"):
        case.signals.add("logs")
    return wl, cont


def waiting_pod(case, wl, cont, reason, message, age, role="main", others_start=True, creating=False):
    """A pod whose container cannot be created/started: no restarts."""
    rng = case.rng
    created = case.now - age
    pod = case.build_pod(wl, created)
    t = created + rng.randint(1, 5) * NS
    st = pod["status"]
    st["phase"] = "Pending"
    waiting = case.cstatus(cont, case.st_wait(reason, message), None, 0, ready=False, started=False, cid=False)
    init_blocked = False
    if wl["init"]:
        ist = []
        for c in wl["init"]:
            if c is cont:
                ist.append(waiting)
                init_blocked = True
                continue
            if init_blocked or creating:
                ist.append(case.cstatus(c, case.st_wait("PodInitializing" if init_blocked else "ContainerCreating"), ready=False, started=False, cid=False))
                continue
            t1 = t + rng.randint(1, 10) * NS
            ist.append(case.cstatus(c, case.st_term("Completed", 0, t, t1), ready=True, started=False))
            case.set_logs(wl, c, {0: case.healthy_run_lines(c, t, t1)}, current=0)
            t = t1
        st["initContainerStatuses"] = ist
    cst = []
    unready = []
    for c in wl["containers"]:
        if c is cont:
            cst.append(waiting)
            unready.append(c["name"])
        elif init_blocked:
            cst.append(case.cstatus(c, case.st_wait("PodInitializing"), ready=False, started=False, cid=False))
            unready.append(c["name"])
        elif creating or not others_start:
            cst.append(case.cstatus(c, case.st_wait("ContainerCreating"), ready=False, started=False, cid=False))
            unready.append(c["name"])
        else:
            start = t + rng.randint(0, 3) * NS
            cst.append(case.cstatus(c, case.st_running(start), None, 0, ready=True, started=True))
            case.set_logs(wl, c, {0: case.healthy_run_lines(c, start, case.now)}, current=0)
            case.lifecycle_events(wl, created, [start], c, pull_policy=c["imagePullPolicy"])
            st["phase"] = "Running"
    st["containerStatuses"] = cst
    if creating:
        st.pop("podIP", None)
        st.pop("podIPs", None)
        st["phase"] = "Pending"
    if init_blocked:
        case.set_conditions(pod, created, initialized=False, ready=False, init_unready=[cont["name"]],
                            unready=unready, started_t=False if creating else None)
    else:
        case.set_conditions(pod, created, initialized=not creating or not wl["init"], ready=False, unready=unready,
                            started_t=False if creating else None)
    for c in wl["containers"] + wl["init"]:
        key = (wl["pod_name"], c["name"])
        if key not in case.logs:
            w = [x for x in (st.get("containerStatuses", []) + st.get("initContainerStatuses", [])) if x["name"] == c["name"]]
            r = (w[0]["state"].get("waiting") or {}).get("reason", "ContainerCreating") if w else "ContainerCreating"
            if r == "ImagePullBackOff":
                err = 'container "%s" in pod "%s" is waiting to start: trying and failing to pull image' % (c["name"], wl["pod_name"])
            elif r == "ErrImagePull":
                err = 'container "%s" in pod "%s" is waiting to start: image can\'t be pulled' % (c["name"], wl["pod_name"])
            else:
                err = 'container "%s" in pod "%s" is waiting to start: %s' % (c["name"], wl["pod_name"], r)
            case.logs[key] = {"runs": {}, "current": None, "previous": None, "wl": wl, "cont": c, "error": err,
                              "prev_error": 'previous terminated container "%s" in pod "%s" not found' % (c["name"], wl["pod_name"])}
    if created > case.now - 3600 * NS:
        case.sched_events(wl, created)
    return pod, created


def waiting_age(case):
    return int(case.pk.weighted([(case.rng.uniform(45, 600), 0.5), (case.rng.uniform(600, 3600), 0.3),
                                 (case.rng.uniform(3600, 86400 * 2), 0.2)]) * NS)


def retry_count(age_ns, period=12.0, cap_period=300.0):
    """Approximate number of kubelet retries (exponential back-off, capped at 5 min) in age."""
    s = age_ns / NS
    n, t, d = 0, 0.0, period
    while t < s:
        n += 1
        t += d
        d = min(d * 2, cap_period)
    return max(1, n)


def pick_role_for_waiting(case, allow_init=True, allow_side=True):
    return case.pk.weighted([("main", 0.8), ("init", 0.1 if allow_init else 0), ("sidecar", 0.1 if allow_side else 0)])


def make_waiting_culprit(case, role, ecos=None):
    eco = pick_eco(case, ecos or case.E["_app_ecos"] + case.E["_db_ecos"])
    wl = case.add_workload(eco, role="culprit")
    if role == "init":
        cont = wl["init"][0] if wl["init"] else case.add_init(wl)
    elif role == "sidecar":
        cont = case.add_sidecar(wl) or wl["containers"][0]
        if cont is wl["containers"][0]:
            role = "main"
    else:
        cont = wl["containers"][0]
    return wl, cont, role


def build_missing_secret(case):
    rng = case.rng
    KS = case.K["missing_secret"]
    i, v = case.pick(list(enumerate(KS["variants"])))
    case.variant_id = "missing_secret:%s" % v["id"]
    role = pick_role_for_waiting(case, allow_side=False) if v["kind"] != "volume" else "main"
    wl, cont, role = make_waiting_culprit(case, role)
    ctx = cont["_ctx"]
    sname = expand(case.pick(KS["secret_names"]), ctx, rng)
    cmname = expand(case.pick(KS["configmap_names"]), ctx, rng)
    key = case.pick(KS["keys"])
    env_name = key.upper().replace("-", "_").replace(".", "_")
    ctx.update({"secret": sname, "configmap": cmname, "key": key, "vol": ""})
    env = cont.setdefault("env", [])
    kind = v["kind"]
    if kind == "env_secret":
        env.append({"name": env_name, "valueFrom": {"secretKeyRef": {"key": key, "name": sname}}})
    elif kind == "env_cm":
        env.append({"name": env_name, "valueFrom": {"configMapKeyRef": {"key": key, "name": cmname}}})
    elif kind == "envfrom_secret":
        cont["envFrom"] = [{"secretRef": {"name": sname}}]
    elif kind == "envfrom_cm":
        cont["envFrom"] = [{"configMapRef": {"name": cmname}}]
    elif kind == "volume":
        vname = case.pick(KS["volume_names"], hold=False)
        ctx["vol"] = vname
        src = v["source"]
        if src == "secret":
            vol = {"name": vname, "secret": {"defaultMode": 420, "secretName": sname}}
        else:
            vol = {"name": vname, "configMap": {"defaultMode": 420, "name": cmname}}
            if v.get("items"):
                vol["configMap"]["items"] = [{"key": key, "path": key}]
        wl.setdefault("_extra_volumes", []).append(vol)
        cont.setdefault("_extra_mounts", []).append({"mountPath": expand(case.pick(KS["mount_paths"], hold=False), ctx, rng),
                                                      "name": vname, "readOnly": True})
    if not env:
        cont.pop("env", None)
    msg = expand(v["message"], ctx, rng)
    age = waiting_age(case)
    created = case.now - age
    if kind == "volume":
        pod, created = waiting_pod(case, wl, cont, "ContainerCreating", None, age, role, creating=True)
        n = retry_count(age, 2.0, 128.0)
        first = created + rng.randint(1, 3) * NS
        case.pod_ev(wl, "FailedMount", "MountVolume.SetUp failed for volume \"%s\" : %s" % (ctx["vol"], msg), first,
                    case.now - rng.randint(1, 100) * NS, n, "Warning")
        if age > 125 * NS:
            unattached = " ".join(sorted([ctx["vol"]] + [v2["name"] for v2 in pod["spec"]["volumes"] if v2["name"] != ctx["vol"]]))
            m2 = "Unable to attach or mount volumes: unmounted volumes=[%s], unattached volumes=[%s]" % (ctx["vol"], unattached)
            m2 += ", failed to process volumes=[]: timed out waiting for the condition" if case.minor >= 22 else ": timed out waiting for the condition"
            case.pod_ev(wl, "FailedMount", m2, created + 122 * NS, case.now - rng.randint(1, 110) * NS,
                        max(1, int(age / NS // 130)), "Warning")
    else:
        pod, created = waiting_pod(case, wl, cont, "CreateContainerConfigError", msg, age, role)
        n = retry_count(age)
        t0 = created + rng.randint(2, 6) * NS
        last = case.now - rng.randint(1, 20) * NS
        case.pod_ev(wl, "Pulled", 'Container image "%s" already present on machine' % cont["image"], t0,
                    last, n, cont=cont["name"], init=(role == "init"))
        case.pod_ev(wl, "Failed", "Error: %s" % msg, t0 + NS // 5, last + NS // 5, n, "Warning",
                    cont=cont["name"], init=(role == "init"))
    case.signals.update(["status", "events"] if kind != "volume" else ["events"])
    return wl, cont


def build_image_pull(case):
    rng = case.rng
    det = case.detail
    KI = case.K["image_pull"]
    rt = case.runtime
    vs = [(i, v) for i, v in enumerate(KI[det]) if v.get("runtime", "any") in ("any", rt)]
    i, v = case.pick(vs)
    case.variant_id = "image_pull:%s#%d" % (det, i)
    role = pick_role_for_waiting(case)
    wl, cont, role = make_waiting_culprit(case, role)
    ctx = cont["_ctx"]
    img = expand(case.pick(v["images"]) if v.get("images") else case.pick(KI["images"][det]), ctx, rng)
    cont["image"] = img
    ctx["img"] = img
    ref = normalize_ref(img)
    ctx["ref"] = ref
    host = ref.split("/")[0]
    ctx["reg_host"] = host
    ctx["reg_name"] = host.split(":")[0]
    ctx["reg_port"] = host.split(":")[1] if ":" in host else "443"
    last = ref.rsplit("/", 1)[-1]
    repo = ref.split("/", 1)[1]
    if ":" in last:
        repo = repo.rsplit(":", 1)[0]
        ctx["tag"] = last.rsplit(":", 1)[1]
    else:
        ctx["tag"] = "latest"
    ctx["repo_path"] = repo
    ctx["repo_enc"] = repo.replace("/", "%2F")
    ctx["node_dns"] = case.pick(KI["node_dns"], hold=False)
    ctx["reg_ip"] = "10.%d.%d.%d" % (rng.randint(0, 250), rng.randint(0, 250), rng.randint(2, 250))
    pull_err = expand(case.pick(v["messages"]), ctx, rng)
    age = waiting_age(case)
    if det == "unauthorized" and case.chance(0.6):
        wl["_pull_secret"] = case.pick(KI["pull_secrets"], hold=False)
    if det == "invalid_reference":
        reason = "InvalidImageName"
        wmsg = pull_err
    else:
        reason = case.pk.weighted([("ImagePullBackOff", 0.65), ("ErrImagePull", 0.35)])
        if reason == "ErrImagePull":
            wmsg = pull_err
        else:
            wmsg = 'Back-off pulling image "%s"' % img
            if case.minor >= 30:
                wmsg += ": ErrImagePull: " + pull_err
    pod, created = waiting_pod(case, wl, cont, reason, wmsg, age, role)
    if wl.get("_pull_secret"):
        pod["spec"]["imagePullSecrets"] = [{"name": wl["_pull_secret"]}]
    init = role == "init"
    n = retry_count(age, 15.0, 300.0)
    t0 = created + rng.randint(1, 4) * NS
    last = case.now - rng.randint(1, 60) * NS
    if wl.get("_pull_secret") and case.chance(0.6):
        case.pod_ev(wl, "FailedToRetrieveImagePullSecret",
                    "Unable to retrieve some image pull secrets (%s); attempting to pull the image may not succeed." % wl["_pull_secret"],
                    t0, last, n, "Warning")
    if det == "invalid_reference":
        case.pod_ev(wl, "InspectFailed", pull_err, t0, last, n, "Warning", cont=cont["name"], init=init)
        case.pod_ev(wl, "Failed", "Error: InvalidImageName", t0, last, n, "Warning", cont=cont["name"], init=init)
    else:
        case.pod_ev(wl, "Pulling", 'Pulling image "%s"' % img, t0, last, n, cont=cont["name"], init=init)
        fmsg = 'Failed to pull image "%s": %s' % (img, pull_err)
        case.pod_ev(wl, "Failed", fmsg, t0 + rng.randint(1, 30) * NS, last + NS, n, "Warning", cont=cont["name"], init=init)
        case.pod_ev(wl, "Failed", "Error: ErrImagePull", t0 + rng.randint(1, 30) * NS, last + NS, n, "Warning",
                    cont=cont["name"], init=init)
        m = max(1, int(age / NS / rng.uniform(12, 20)))
        case.pod_ev(wl, "BackOff", 'Back-off pulling image "%s"' % img, t0 + 20 * NS, case.now - rng.randint(0, 12) * NS,
                    m, cont=cont["name"], init=init)
        case.pod_ev(wl, "Failed", "Error: ImagePullBackOff", t0 + 20 * NS, case.now - rng.randint(0, 12) * NS, m, "Warning",
                    cont=cont["name"], init=init)
    case.signals.add("events")
    if reason in ("ErrImagePull", "InvalidImageName") or case.minor >= 30:
        case.signals.add("status")
    return wl, cont


def normalize_ref(img):
    s = img.strip()
    first = s.split("/")[0]
    if "/" not in s:
        s = "docker.io/library/" + s
    elif not ("." in first or ":" in first or first == "localhost"):
        s = "docker.io/" + s
    if ":" not in s.rsplit("/", 1)[-1] and "@" not in s:
        s += ":latest"
    return s


def build_start_error(case, cause):
    """Runtime refuses to start the process (exec not found / permission denied): StartError exit 128."""
    rng = case.rng
    KB = case.K["start_error"][cause]
    i, v = case.pick(list(enumerate(KB)))
    case.variant_id = "start_error:%s#%d" % (cause, i)
    rt = case.runtime
    role = pick_role_for_waiting(case, allow_side=False)
    wl, cont, role = make_waiting_culprit(case, role, case.E["_app_ecos"])
    ctx = cont["_ctx"]
    cmd = expand(case.pick(v["commands"]), ctx, rng)
    parts = cmd.split(" ")
    cont["command"] = parts[:1]
    if len(parts) > 1:
        cont["args"] = parts[1:]
    else:
        cont.pop("args", None)
    ctx["exe"] = parts[0]
    if rt == "cri-o":
        msg = expand(case.pick(v["crio"]), ctx, rng)
        age = waiting_age(case)
        pod, created = waiting_pod(case, wl, cont, "CreateContainerError", msg, age, role)
        n = retry_count(age)
        t0 = created + rng.randint(1, 4) * NS
        last = case.now - NS * rng.randint(1, 9)
        case.pod_ev(wl, "Pulled", 'Container image "%s" already present on machine' % cont["image"], t0, last, n,
                    cont=cont["name"], init=(role == "init"))
        case.pod_ev(wl, "Failed", "Error: " + msg, t0 + NS // 5, last + NS // 5, n, "Warning",
                    cont=cont["name"], init=(role == "init"))
        case.signals.update(["status", "events"])
        return wl, cont
    key = "docker" if rt == "docker" else "containerd"
    msg = expand(case.pick(v[key]), ctx, rng)
    reason = "ContainerCannotRun" if rt == "docker" else "StartError"
    code = 127 if rt == "docker" and "not found" in msg else (126 if rt == "docker" else 128)

    def fn(attempt, partial):
        d = rng.randint(30, 400) * 1_000_000
        return {"ents": [], "dur": d if partial is None else partial, "exit": code, "reason": reason, "message": msg}

    mode = case.pk.weighted([("waiting", 0.85), ("terminated", 0.15)])
    fm = ["Error: " + msg] if rt != "docker" else ["Error: failed to start container \"%s\": Error response from daemon: %s" % (cont["name"], msg)]
    crash = case.crashloop(wl, cont, fn, mode=mode, init=(role == "init"), start_event_ok=False, fail_msgs=fm)
    if mode == "waiting" and case.chance(0.25):
        crash["cs"]["state"] = case.st_wait("RunContainerError", msg)
    case.finish_crash_pod(wl, crash, cont, init=(role == "init"))
    case.signals.update(["status", "events"])
    return wl, cont


def build_volume(case):
    rng = case.rng
    KV = case.K["volume"]
    i, v = case.pick(list(enumerate(KV["variants"])))
    case.variant_id = "volume:%s" % v["id"]
    eco = case.pick(v.get("ecos") or (case.E["_db_ecos"] + case.E["_app_ecos"]), hold=False)
    wl = case.add_workload(eco, role="culprit", kind="StatefulSet" if v.get("sts") and eco in case.E["_db_ecos"] else None)
    cont = wl["containers"][0]
    ctx = cont["_ctx"]
    vname = expand(case.pick(v.get("volume_names") or KV["volume_names"], hold=False), ctx, rng)
    ctx["vol"] = vname
    ctx["pvc"] = "%s-%s" % (vname, wl["pod_name"]) if wl["kind"] == "StatefulSet" else "%s-%s" % (wl["name"], vname)
    ctx["pv"] = "pvc-" + ruuid(rng)
    ctx["pod_uid"] = wl["uid"]
    ctx["vol_id"] = expand(case.pick(KV["vol_ids"], hold=False), ctx, rng)
    ctx["nfs_server"] = "%s.%d.%d.%d" % (rng.choice(["10", "172"]), rng.randint(0, 31), rng.randint(0, 255), rng.randint(2, 250))
    ctx["other_node"] = rng.choice([n["name"] for n in case.nodes if n["name"] != wl["node"]["name"]] or [wl["node"]["name"]])
    ctx["other_pod"] = "%s-%s-%s" % (wl["name"], ralnum(rng, 10), ralnum(rng, 5))
    ctx["driver"] = case.pick(KV["drivers"], hold=False)
    mpath = expand(case.pick(v.get("mount_paths") or ["/data", "/var/lib/data", "/srv/media", "/uploads"], hold=False), ctx, rng)
    src = v["source"]
    if src == "pvc":
        vol = {"name": vname, "persistentVolumeClaim": {"claimName": ctx["pvc"]}}
    elif src == "nfs":
        vol = {"name": vname, "nfs": {"server": ctx["nfs_server"], "path": expand(case.pick(KV["nfs_paths"], hold=False), ctx, rng)}}
        ctx["nfs_path"] = vol["nfs"]["path"]
    elif src == "hostPath":
        hp = expand(case.pick(v["host_paths"], hold=False), ctx, rng)
        ctx["host_path"] = hp
        vol = {"name": vname, "hostPath": {"path": hp, "type": v.get("hp_type", "Directory")}}
        mpath = hp
    elif src == "csi":
        vol = {"name": vname, "csi": {"driver": ctx["driver"], "readOnly": True, "volumeAttributes": {"secretProviderClass": vname}}}
    else:
        vol = {"name": vname, "emptyDir": {}}
    wl.setdefault("_extra_volumes", []).append(vol)
    cont.setdefault("_extra_mounts", []).append({"mountPath": mpath, "name": vname})
    age = waiting_age(case)
    if v.get("subpath"):
        cont["_extra_mounts"][-1]["subPath"] = expand(case.pick(["config.yaml", "data", "conf/app.ini", "{workload}"], hold=False), ctx, rng)
        ctx["subpath"] = cont["_extra_mounts"][-1]["subPath"]
        msg = expand(case.pick(v["messages"]), ctx, rng)
        pod, created = waiting_pod(case, wl, cont, v.get("waiting_reason", "CreateContainerConfigError"), msg, age)
        n = retry_count(age)
        case.pod_ev(wl, "Failed", "Error: " + msg, created + 3 * NS, case.now - rng.randint(1, 20) * NS, n, "Warning", cont=cont["name"])
        case.signals.update(["status", "events"])
        return wl, cont
    pod, created = waiting_pod(case, wl, cont, "ContainerCreating", None, age, creating=True)
    first = created + rng.randint(1, 20) * NS
    last = case.now - rng.randint(1, 100) * NS
    for ev in v["events"]:
        n = max(1, int(age / NS // ev.get("every", 130))) if ev.get("every") else retry_count(age, 2.0, 128.0)
        if ev.get("once"):
            n = 1
        msg = expand(case.pick(ev["messages"]), ctx, rng)
        comp = ev.get("component", "kubelet")
        e = case.pod_ev(wl, ev["reason"], msg, first + (ev.get("after", 0) * NS), max(last, first + ev.get("after", 0) * NS), n, ev.get("type", "Warning"),
                        component=comp)
        if comp != "kubelet":
            e.host = None
        if age < ev.get("after", 0) * NS:
            case.events.remove(e)
    if src == "pvc" and case.chance(0.6):
        case.ev("PersistentVolumeClaim", ctx["pvc"], "ProvisioningSucceeded" if case.chance(0.5) else "ExternalProvisioning",
                "Successfully provisioned volume %s using %s" % (ctx["pv"], ctx["driver"]), created - rng.randint(60, 86400) * NS,
                component=ctx["driver"] + "_" + ralnum(rng, 6, "abcdef0123456789"))
    case.signals.add("events")
    return wl, cont


def build_none(case):
    rng = case.rng
    KN = case.K["none"]
    sub = case.pk.weighted([(k, w) for k, w in KN["weights"].items()])
    case.variant_id = "none:" + sub
    if sub == "healthy":
        wl = case.add_workload(pick_eco(case, case.E["_app_ecos"] + case.E["_db_ecos"]), role="culprit")
        case.make_healthy(wl)
        key = (wl["pod_name"], wl["containers"][0]["name"])
        info = case.logs[key]
        c0 = wl["containers"][0]
        pool = parse_pool(case.eco_block(c0, "warn")) + parse_pool(case.eco_block(c0, "retry"))
        if pool:
            ents = []
            t = case.now - rng.randint(120, 3000) * NS
            for _ in range(rng.randint(1, 4)):
                e, t = case.block(c0, rng.choice(pool), t + rng.randint(5, 120) * NS)
                ents += e
            extra = [x for x in render_entries(ents, c0["_style"], c0["_ctx"], rng) if x[0] < case.now]
            info["runs"][info["current"]] = sorted(info["runs"][info["current"]] + extra, key=lambda x: x[0])
        case.signals.update(["logs", "status"])
        return wl, c0
    if sub == "old_restart":
        wl = case.add_workload(pick_eco(case, case.E["_app_ecos"] + case.E["_db_ecos"]), role="culprit")
        case.make_healthy(wl, age=int(rng.uniform(1.2, 30) * 86400 * NS), restarts_old=True)
        case.signals.update(["logs", "status"])
        return wl, wl["containers"][0]
    if sub == "readiness":
        eco = pick_eco(case, case.E["_app_ecos"])
        wl = case.add_workload(eco, role="culprit")
        c0 = make_unready(case, wl)
        case.signals.update(["logs", "events", "status"])
        return wl, c0
    if sub == "pending":
        eco = pick_eco(case, case.E["_app_ecos"] + case.E["_db_ecos"])
        wl = case.add_workload(eco, role="culprit")
        age = int(rng.uniform(30, 7200) * NS)
        created = case.now - age
        pod = case.build_pod(wl, created)
        pod["spec"].pop("nodeName")
        st = pod["status"]
        for k in ("hostIP", "hostIPs", "podIP", "podIPs", "startTime", "_start"):
            st.pop(k, None)
        st["phase"] = "Pending"
        n_nodes = len(case.nodes)
        msg = expand(case.pick(KN["sched_msgs"]), {"n": n_nodes, "a": max(1, n_nodes - 1), "b": 1, "pvc": "data-" + wl["pod_name"],
                                                  "taint": case.pick(KN["taints"], hold=False)}, rng)
        case.set_conditions(pod, created, scheduled=False, sched_msg=msg)
        for c in wl["containers"] + wl["init"]:
            case.logs[(wl["pod_name"], c["name"])] = {"runs": {}, "current": None, "previous": None, "wl": wl, "cont": c,
                                                      "error": None, "prev_error": None}
        e = case.ev("Pod", wl["pod_name"], "FailedScheduling", msg, created + NS, case.now - rng.randint(5, 200) * NS,
                    max(1, int(age / NS / rng.uniform(30, 300))), "Warning", "default-scheduler", uid=wl["uid"])
        if case.minor >= 22:
            e.series = "Scheduling"
        if wl["kind"] == "Deployment":
            case.ev("ReplicaSet", "%s-%s" % (wl["name"], wl["rs_hash"]), "SuccessfulCreate", "Created pod: %s" % wl["pod_name"],
                    created, component="replicaset-controller", api="apps/v1")
        case.signals.update(["events", "status"])
        return wl, wl["containers"][0]
    if sub == "scaled_zero":
        eco = pick_eco(case, case.E["_app_ecos"])
        wl = case.add_workload(eco, role="culprit", kind="Deployment")
        c0 = wl["containers"][0]
        t_scale = case.now - rng.randint(3, 1800) * NS
        rs = "%s-%s" % (wl["name"], wl["rs_hash"])
        frm = rng.choice([1, 1, 2, 3])
        case.ev("Deployment", wl["name"], "ScalingReplicaSet",
                "Scaled down replica set %s to 0" % rs + (" from %d" % frm if case.minor >= 27 else ""), t_scale,
                component="deployment-controller", api="apps/v1")
        case.ev("ReplicaSet", rs, "SuccessfulDelete", "Deleted pod: %s" % wl["pod_name"], t_scale + NS,
                component="replicaset-controller", api="apps/v1")
        case.pod_ev(wl, "Killing", "Stopping container %s" % c0["name"], t_scale + NS, cont=c0["name"])
        terminating = (case.now - t_scale) < 40 * NS or case.chance(0.25)
        if terminating:
            age = int(rng.uniform(3600, 86400 * 9) * NS)
            pod = case.make_healthy(wl, age=age)
            pod["metadata"]["deletionTimestamp"] = rfc3339(t_scale + 30 * NS)
            pod["metadata"]["deletionGracePeriodSeconds"] = 30
            pod["metadata"]["_deleted"] = t_scale + 30 * NS
            info = case.logs[(wl["pod_name"], c0["name"])]
            e, _ = case.block(c0, case.E[eco].get("shutdown") or "", t_scale + 2 * NS)
            info["runs"][info["current"]] += [x for x in render_entries(e, c0["_style"], c0["_ctx"], rng) if x[0] < case.now]
        else:
            case.workloads.remove(wl)
        case.signals.update(["events"])
        return wl, c0
    if sub == "job_completed":
        eco = case.pick(["python", "go", "node", "jvm", "ruby", "php", "dotnet"], hold=False)
        name = case.unique(expand(case.pick(KN["job_names"]), {}, rng))
        wl = case.add_workload(eco, name=name, role="culprit", kind="Job")
        wl["restart_policy"] = rng.choice(["Never", "OnFailure"])
        c0 = wl["containers"][0]
        c0.pop("livenessProbe", None)
        c0.pop("readinessProbe", None)
        c0.pop("ports", None)
        age = int(rng.uniform(120, 86400 * 2) * NS)
        created = case.now - age
        pod = case.build_pod(wl, created)
        tpl = case.T["failures"]["exits_immediately"]
        keys = [k for k in tpl if k == eco] or list(tpl)
        v = case.pick(tpl[case.pick(keys, hold=False)])
        fn = case.crash_run_fn(c0, v, v.get("at", "late"))
        r = fn(0, None)
        start = created + rng.randint(2, 9) * NS
        fin = start + r["dur"]
        case.set_logs(wl, c0, {0: case.render_run(c0, r, start)}, current=0)
        pod["status"]["phase"] = "Succeeded"
        pod["status"]["containerStatuses"] = [case.cstatus(c0, case.st_term("Completed", 0, start, fin), None, 0, ready=False, started=False)]
        for c in wl["containers"][1:]:
            pod["status"]["containerStatuses"].append(case.cstatus(c, case.st_term("Completed", 0, start, fin + NS), None, 0, ready=False, started=False))
            case.set_logs(wl, c, {0: case.healthy_run_lines(c, start, fin)}, current=0)
        case.set_conditions(pod, created, ready=False, unready=[])
        for c in pod["status"]["conditions"]:
            if c["type"] in ("Ready", "ContainersReady"):
                c["reason"] = "PodCompleted"
                c.pop("message", None)
        if created > case.now - 3600 * NS:
            case.sched_events(wl, created)
            case.lifecycle_events(wl, created, [start], c0, pull_policy=c0["imagePullPolicy"])
        if fin > case.now - 3600 * NS:
            case.ev("Job", name, "Completed", "Job completed", fin + NS, component="job-controller", api="batch/v1")
        case.signals.update(["logs", "events", "status"])
        return wl, c0
    raise ValueError(sub)


def make_unready(case, wl):
    """A pod whose readiness probe keeps failing (Running, 0/1 ready, no restarts)."""
    rng = case.rng
    KN = case.K["none"]
    eco = wl["eco"]
    c0 = wl["containers"][0]

    ctx = c0["_ctx"]
    port = ctx["port"] or 8080
    i, v = case.pick(list(enumerate(KN["readiness"])))
    rp = v.get("probe_port_delta")
    probe_port = port + rp if rp else port
    ctx["probe_port"] = probe_port
    path = v.get("path") or (case.E[eco].get("probe") or {}).get("readiness", "/ready")
    ctx["probe_path"] = path
    c0["readinessProbe"] = {"httpGet": {"path": path, "port": probe_port, "scheme": "HTTP"}, "initialDelaySeconds": 5,
                            "periodSeconds": rng.choice([5, 10]), "timeoutSeconds": 1, "successThreshold": 1,
                            "failureThreshold": 3}
    age = int(rng.uniform(90, 3000) * NS)
    created = case.now - age
    pod = case.build_pod(wl, created)
    start = created + rng.randint(2, 8) * NS
    cst = [case.cstatus(c0, case.st_running(start), None, 0, ready=False, started=True)]
    runs = {0: case.healthy_run_lines(c0, start, case.now)}
    blk = v.get("log")
    if blk:
        e, _ = case.block(c0, blk, start + rng.randint(5, 60) * NS)
        runs[0] = sorted(runs[0] + [x for x in render_entries(e, c0["_style"], ctx, rng) if x[0] < case.now], key=lambda x: x[0])
    case.set_logs(wl, c0, runs, current=0)
    for c in wl["containers"][1:]:
        cst.append(case.cstatus(c, case.st_running(start), None, 0, ready=True, started=True))
        case.set_logs(wl, c, {0: case.healthy_run_lines(c, start, case.now)}, current=0)
    pod["status"]["containerStatuses"] = cst
    if wl["init"]:
        pod["status"]["initContainerStatuses"] = [case.cstatus(c, case.st_term("Completed", 0, created + NS, start - NS), ready=True, started=False) for c in wl["init"]]
    case.set_conditions(pod, created, ready=False, unready=[c0["name"]])
    case.lifecycle_events(wl, created, [start], c0, pull_policy=c0["imagePullPolicy"])
    case.sched_events(wl, created)
    n = max(1, int(age / NS / c0["readinessProbe"]["periodSeconds"]) - 1)
    case.pod_ev(wl, "Unhealthy", "Readiness probe failed: " + expand(case.pick(v["messages"]), ctx, rng),
                start + 5 * NS, case.now - rng.randint(0, 9) * NS, n, "Warning", cont=c0["name"])
    return c0


BUILDERS = {
    "oom_killed": build_oom,
    "liveness_probe_failed": build_liveness,
    "missing_secret_or_configmap": build_missing_secret,
    "image_pull_error": build_image_pull,
    "volume_mount_failed": build_volume,
    "none": build_none,
}
LOGCRASH = {
    "config_error": ("config_error", "early"),
    "exec_format_error": ("exec_format_error", "none"),
    "dependency_unavailable": ("dependency_unavailable", "mid"),
    "credentials_rejected": ("credentials_rejected", "mid"),
    "rbac_forbidden": ("rbac_forbidden", "mid"),
    "port_in_use": ("port_in_use", "mid"),
    "tls_error": ("tls_error", "mid"),
    "disk_full": ("disk_full", "late"),
    "exits_immediately": ("exits_immediately", "late"),
    "app_crash": ("app_crash", "mid"),
}


def run_builder(case):
    c = case.cause
    if c in BUILDERS:
        return BUILDERS[c](case)
    if c == "bad_command":
        if case.chance(0.5):
            return build_start_error(case, "bad_command")
        return build_logcrash(case, "bad_command", default_at="none")
    if c == "permission_denied":
        # An entrypoint without the execute bit (`exec: "x": permission denied`) is
        # bad_command ("not executable"), so permission_denied comes from the app's own logs.
        return build_logcrash(case, "permission_denied", default_at="mid")
    tpl, at = LOGCRASH[c]
    det = case.detail if c == "dependency_unavailable" else None
    return build_logcrash(case, tpl, det, default_at=at)


def add_neighbours(case, culprit_wl):
    rng = case.rng
    n = case.pk.weighted([(1, 0.2), (2, 0.22), (3, 0.2), (4, 0.14), (5, 0.1), (6, 0.07), (7, 0.04), (8, 0.03)])
    n = min(n, max(1, case.max_healthy))
    ecos = case.E["_app_ecos"] * 3 + case.E["_db_ecos"]
    for _ in range(n):
        eco = case.pick(ecos, hold=False)
        try:
            wl = case.add_workload(eco)
        except KeyError:
            continue
        if case.chance(0.1) and eco in case.E["_app_ecos"] and (wl["containers"][0].get("ctx_port") or wl["ctx"].get("port")):
            make_unready(case, wl)  # collateral: a neighbour that is not ready (no restarts)
        else:
            case.make_healthy(wl, restarts_old=case.chance(0.08))
    # namespace-level noise events
    if case.chance(0.25) and len(case.workloads) > 1:
        w = rng.choice(case.workloads)
        case.ev("HorizontalPodAutoscaler", w["name"], rng.choice(["FailedGetResourceMetric", "FailedComputeMetricsReplicas"]),
                expand(case.pick(case.K["hpa_msgs"], hold=False), {}, rng), case.now - rng.randint(600, 3500) * NS,
                case.now - rng.randint(1, 300) * NS, rng.randint(3, 200), "Warning", "horizontal-pod-autoscaler",
                api="autoscaling/v2")
    if case.chance(0.12):
        w = rng.choice(case.workloads)
        case.ev("Ingress", w["name"], "Sync", "Scheduled for sync", case.now - rng.randint(60, 3500) * NS,
                component="nginx-ingress-controller", api="networking.k8s.io/v1")


MODES = [("full", 0.42), ("logs", 0.2), ("events", 0.19), ("status", 0.19)]
# Share of cases rendered as a ticket paste (excerpts, bare messages, log tails) instead of an export.
PASTE_SHARE = 0.25


def valid_modes(case):
    ok = ["full"]
    s = case.signals
    if "logs" in s:
        ok.append("logs")
    if "events" in s or "events_all" in s:
        ok.append("events")
    if "status" in s:
        ok.append("status")
    return ok


def build_case(T, spec):
    max_h = 8
    for attempt in range(6):
        seed_str = spec["seed_str"] + ("" if attempt == 0 else "#retry%d" % attempt)
        case = Case(T, spec["cause"], spec["detail"], spec["split"], spec["id"], seed_str, max_healthy=max_h)
        case.lean = attempt >= 3
        case.mode = case.pk.weighted(MODES)
        case.dump = case.mode == "full" and case.chance(0.07)
        if case.dump:
            case.max_healthy = 1
        case.ns = case.pick(case.N["namespaces"])
        wl, cont = run_builder(case)
        case.culprit = wl
        case.culprit_cont = cont
        add_neighbours(case, wl)
        vm = valid_modes(case)
        if case.mode not in vm:
            case.mode = case.pk.weighted([(m, w) for m, w in MODES if m in vm])
        files, fmts = render_case(case)
        size = sum(len(v.encode("utf-8")) for v in files.values())
        limit = (48 if getattr(case, "dump", False) else 24) * 1024
        if size <= limit or attempt == 5:
            case.files = files
            case.formats = fmts
            case.size = size
            case.label = OrderedDict([("cause", case.cause)])
            if case.detail:
                case.label["detail"] = case.detail
            if not case.anonymous:
                # A paste that names no pod is judged on its cause alone (no object).
                case.label["object"] = wl["name"]
                case.label["namespace"] = case.ns
            return case
        max_h = max(1, max_h // 2 if attempt < 2 else 1)
    raise RuntimeError("unreachable")


# ---------------------------------------------------------------------------
# rendering a case to files
# ---------------------------------------------------------------------------
def live_events(case):
    cutoff = case.now - 3600 * NS
    evs = [e for e in case.events if e.last >= cutoff and e.first <= case.now]
    for e in evs:
        e.last = min(e.last, case.now - 1)
        e.first = min(e.first, e.last)
    return evs


def cid_hex(cid):
    return cid.split("://", 1)[1] if cid and "://" in cid else cid


def container_ids(pod, cname):
    for cs in pod["status"].get("containerStatuses", []) + pod["status"].get("initContainerStatuses", []):
        if cs["name"] == cname:
            cur = cs.get("containerID")
            lt = (cs.get("lastState") or {}).get("terminated")
            prev = lt.get("containerID") if lt else None
            return cid_hex(cur), cid_hex(prev)
    return None, None


def choose_log_container(case, wl):
    if wl is case.culprit and case.culprit_cont is not None:
        return case.culprit_cont
    return wl["containers"][0]


def render_logs(case, fmt, files, dump_ns=None):
    rng = case.rng
    pods_by_name = {p["metadata"]["name"]: p for p in case.pods}
    if fmt in ("plain", "plain_ts"):
        ts = fmt == "plain_ts"
        for wl in case.workloads:
            if wl["pod_name"] not in pods_by_name:
                continue
            c = choose_log_container(case, wl)
            info = case.logs.get((wl["pod_name"], c["name"]))
            if info is None:
                continue
            name = wl["name"]
            if info["current"] is not None:
                files["%s.log" % name] = render_plain(info["runs"].get(info["current"], []), ts)
            elif info.get("error"):
                files["%s.log" % name] = "Error from server (BadRequest): %s\n" % info["error"]
            if info["previous"] is not None and (case.chance(0.85) or (case.mode == "logs" and info["previous"] != info["current"])):
                files["%s.previous.log" % name] = render_plain(info["runs"].get(info["previous"], []), ts)
            elif info["previous"] is None and info.get("prev_error") and wl is case.culprit and case.chance(0.3):
                files["%s.previous.log" % name] = "Error from server (BadRequest): %s\n" % info["prev_error"]
        return
    partial = rng.randint(300, 1200) if rng.random() < 0.15 else None
    offset = fmt == "cri" and case.chance(0.05)
    attrs_on = fmt == "docker" and (case.mode == "logs" or case.chance(0.3))
    for (podname, cname), info in case.logs.items():
        pod = pods_by_name.get(podname)
        if pod is None or info["current"] is None:
            continue
        uid = pod["metadata"]["uid"]
        cur_id, prev_id = container_ids(pod, cname)
        attempts = [info["current"]]
        if info["previous"] is not None and info["previous"] != info["current"]:
            attempts.insert(0, info["previous"])
        elif info["previous"] is not None and case.chance(0.5) and info["current"] - 1 in info["runs"]:
            attempts.insert(0, info["current"] - 1)
        for a in attempts:
            lines = info["runs"].get(a, [])
            if not lines and case.chance(0.5):
                continue
            if fmt == "cri":
                base = "var/log/pods/%s_%s_%s/%s" % (case.ns, podname, uid, cname)
                text = render_cri(lines, rng, partial, offset)
                if a == info["current"] and len(lines) > 30 and case.chance(0.15):
                    k = len(lines) // 2
                    stamp = dt_of(lines[k][0]).strftime("%Y%m%d-%H%M%S")
                    files["%s/%d.log.%s" % (base, a, stamp)] = render_cri(lines[:k], rng, partial, offset)
                    text = render_cri(lines[k:], rng, partial, offset)
                files["%s/%d.log" % (base, a)] = text
            else:
                if a == info["current"]:
                    cid = cur_id if info["previous"] != info["current"] else (cur_id or prev_id)
                elif a == info["previous"]:
                    cid = prev_id
                else:
                    cid = rhex(rng, 64)
                if not cid:
                    cid = rhex(rng, 64)
                if fmt == "cri_flat":
                    files["var/log/containers/%s_%s_%s-%s.log" % (podname, case.ns, cname, cid)] = render_cri(lines, rng, partial)
                else:
                    attrs = None
                    if attrs_on:
                        attrs = OrderedDict([("io.kubernetes.container.name", cname), ("io.kubernetes.pod.name", podname),
                                             ("io.kubernetes.pod.namespace", case.ns)])
                    files["var/lib/docker/containers/%s/%s-json.log" % (cid, cid)] = render_docker(lines, rng, attrs, partial)


def node_objects(case):
    items = []
    used = {p["spec"].get("nodeName") for p in case.pods}
    for n in [n for n in case.nodes if n["name"] in used] or case.nodes[:1]:
        rt = {"containerd": "containerd://1.7.%d" % case.rng.randint(2, 25), "cri-o": "cri-o://1.%d.%d" % (case.minor, case.rng.randint(0, 5)),
              "docker": "docker://20.10.%d" % case.rng.randint(7, 24)}[case.runtime]
        items.append(OrderedDict([
            ("metadata", OrderedDict([("name", n["name"]), ("uid", ruuid(case.rng)), ("resourceVersion", str(case.rng.randint(100000, 9999999))),
                                      ("creationTimestamp", rfc3339(case.now - case.rng.randint(5, 400) * 86400 * NS)),
                                      ("labels", OrderedDict([("beta.kubernetes.io/arch", n["arch"]), ("beta.kubernetes.io/os", "linux"),
                                                              ("kubernetes.io/arch", n["arch"]), ("kubernetes.io/hostname", n["name"]),
                                                              ("kubernetes.io/os", "linux")]))])),
            ("spec", OrderedDict([("podCIDR", "%s.%d.0/24" % (case.pod_cidr, case.rng.randint(0, 7)))])),
            ("status", OrderedDict([
                ("capacity", OrderedDict([("cpu", str(case.rng.choice([2, 4, 8, 16]))), ("memory", "%dKi" % case.rng.choice([8129120, 16283588, 32765544])), ("pods", "110")])),
                ("conditions", [OrderedDict([("type", "Ready"), ("status", "True"), ("lastHeartbeatTime", rfc3339(case.now - 20 * NS)),
                                             ("lastTransitionTime", rfc3339(case.now - 86400 * 3 * NS)), ("reason", "KubeletReady"),
                                             ("message", "kubelet is posting ready status")])]),
                ("addresses", [OrderedDict([("type", "InternalIP"), ("address", n["ip"])]), OrderedDict([("type", "Hostname"), ("address", n["name"])])]),
                ("nodeInfo", OrderedDict([("architecture", n["arch"]), ("containerRuntimeVersion", rt),
                                          ("kernelVersion", case.rng.choice(["5.15.0-1057-aws", "6.1.0-21-cloud-amd64", "5.10.217-205.860.amzn2.x86_64", "6.8.0-1012-gcp"])),
                                          ("kubeProxyVersion", "v1.%d.%d" % (case.minor, case.rng.randint(0, 12))),
                                          ("kubeletVersion", "v1.%d.%d" % (case.minor, case.rng.randint(0, 12))),
                                          ("operatingSystem", "linux"),
                                          ("osImage", case.rng.choice(["Ubuntu 22.04.4 LTS", "Bottlerocket OS 1.20.3 (aws-k8s-1.29)", "Container-Optimized OS from Google", "Debian GNU/Linux 12 (bookworm)"]))]))]))]))
    return items


STRUCT_ORDER = ["apiVersion", "kind", "metadata", "spec", "status", "name", "generateName", "namespace", "uid",
                "resourceVersion", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
                "annotations", "ownerReferences", "volumes", "initContainers", "containers", "image", "command", "args",
                "ports", "env", "envFrom", "resources", "volumeMounts", "livenessProbe", "readinessProbe", "startupProbe",
                "terminationMessagePath", "terminationMessagePolicy", "imagePullPolicy", "securityContext", "restartPolicy",
                "terminationGracePeriodSeconds", "dnsPolicy", "serviceAccountName", "serviceAccount", "nodeName",
                "hostNetwork", "schedulerName", "tolerations", "priority", "enableServiceLinks", "preemptionPolicy",
                "phase", "conditions", "message", "reason", "hostIP", "hostIPs", "podIP", "podIPs", "startTime",
                "initContainerStatuses", "containerStatuses", "qosClass", "state", "lastState", "ready", "restartCount",
                "imageID", "containerID", "started"]
_ORDER_IDX = {k: i for i, k in enumerate(STRUCT_ORDER)}


def go_struct_order(o):
    if isinstance(o, dict):
        keys = sorted(o, key=lambda k: (_ORDER_IDX.get(k, 999), k))
        return OrderedDict((k, go_struct_order(o[k])) for k in keys)
    if isinstance(o, list):
        return [go_struct_order(x) for x in o]
    return o


def render_cluster_dump(case, files):
    rng = case.rng
    ns = case.ns
    files["nodes.json"] = json.dumps(OrderedDict([("kind", "NodeList"), ("apiVersion", "v1"),
                                                  ("metadata", {"resourceVersion": str(rng.randint(10**6, 10**8))}),
                                                  ("items", node_objects(case))]), indent=4) + "\n"
    pods = [go_struct_order(pod_api(p, with_kind=False)) for p in case.pods]
    files["%s/pods.json" % ns] = json.dumps(OrderedDict([("kind", "PodList"), ("apiVersion", "v1"),
                                                         ("metadata", {"resourceVersion": str(rng.randint(10**6, 10**8))}),
                                                         ("items", pods)]), indent=4) + "\n"
    evs = sorted(live_events(case), key=lambda e: (e.obj, e.first))
    items = []
    for e in evs:
        if e.ns and e.ns != ns:
            continue
        d = event_core(e, ns, case.now)
        d.pop("apiVersion")
        d.pop("kind")
        items.append(go_struct_order(d))
    files["%s/events.json" % ns] = json.dumps(OrderedDict([("kind", "EventList"), ("apiVersion", "v1"),
                                                           ("metadata", {"resourceVersion": str(rng.randint(10**6, 10**8))}),
                                                           ("items", items)]), indent=4) + "\n"
    deps = []
    for wl in case.workloads:
        if wl["kind"] != "Deployment":
            continue
        ready = 1 if wl["role"] != "culprit" else 0
        gen = rng.randint(1, 30)
        deps.append(OrderedDict([("metadata", OrderedDict([("name", wl["name"]), ("namespace", ns), ("generation", gen)])),
                                 ("spec", OrderedDict([("replicas", 1)])),
                                 ("status", OrderedDict([("observedGeneration", gen), ("replicas", 1), ("updatedReplicas", 1),
                                                         ("readyReplicas", ready) if ready else ("unavailableReplicas", 1),
                                                         ("availableReplicas", ready)]))]))
    for kind, fname, its in (("DeploymentList", "deployments.json", deps), ("ServiceList", "services.json", []),
                             ("DaemonSetList", "daemonsets.json", []), ("ReplicationControllerList", "replication-controllers.json", []),
                             ("ReplicaSetList", "replicasets.json", [])):
        files["%s/%s" % (ns, fname)] = json.dumps(OrderedDict([("kind", kind), ("apiVersion", "apps/v1" if kind.startswith(("Deploy", "Daemon", "ReplicaSet")) else "v1"),
                                                                ("metadata", {"resourceVersion": str(rng.randint(10**6, 10**8))}),
                                                                ("items", its)]), indent=4) + "\n"
    pods_by_name = {p["metadata"]["name"]: p for p in case.pods}
    for p in case.pods:
        pn = p["metadata"]["name"]
        out = []
        for c in p["spec"].get("initContainers", []) + p["spec"]["containers"]:
            info = case.logs.get((pn, c["name"]))
            out.append("==== START logs for container %s of pod %s/%s ====" % (c["name"], ns, pn))
            if info and info["current"] is not None:
                for _, _, x in info["runs"].get(info["current"], []):
                    out.append(x)
            elif info and info.get("error"):
                out.append("Request log error: %s" % info["error"])
            elif p["status"].get("phase") == "Pending" and not p["spec"].get("nodeName"):
                out.append('Request log error: container "%s" in pod "%s" is waiting to start: ContainerCreating' % (c["name"], pn))
            out.append("==== END logs for container %s of pod %s/%s ====" % (c["name"], ns, pn))
        files["%s/%s/logs.txt" % (ns, pn)] = "\n".join(out) + "\n"
    if rng.random() < 0.5:
        files["kube-system/events.json"] = json.dumps(OrderedDict([("kind", "EventList"), ("apiVersion", "v1"),
                                                                   ("metadata", {"resourceVersion": str(rng.randint(10**6, 10**8))}),
                                                                   ("items", [])]), indent=4) + "\n"
        files["kube-system/pods.json"] = json.dumps(OrderedDict([("kind", "PodList"), ("apiVersion", "v1"),
                                                                 ("metadata", {"resourceVersion": str(rng.randint(10**6, 10**8))}),
                                                                 ("items", [])]), indent=4) + "\n"


def render_case(case):
    rng = random.Random(case.rng.random())
    case.rng = rng  # rendering draws from a fresh stream so retries stay deterministic
    case.pk.rng = rng
    files = OrderedDict()
    fm = []
    mode = case.mode
    case.anonymous = False
    if PASTE_SHARE and not getattr(case, "dump", False) and rng.random() < PASTE_SHARE:
        files, fm, identified = render_paste(case)
        if files:
            case.anonymous = not identified
            return files, fm
    has_events_all = "events_all" in case.signals and "events" not in case.signals
    if mode == "full" and getattr(case, "dump", False):
        render_cluster_dump(case, files)
        return files, ["cluster_dump"]
    # events format
    ev_fmt = case.pk.weighted([("get", 0.36), ("wide", 0.1), ("kevents", 0.12), ("all", 0.07), ("json", 0.25), ("v1", 0.1)])
    if getattr(case, "lean", False) and ev_fmt in ("json", "v1", "wide"):
        ev_fmt = "get"
    if case.extra_events_ns and (mode == "events" and has_events_all):
        ev_fmt = "all"
    pods_fmt = case.pk.weighted([("describe_each", 0.36), ("describe_all", 0.1), ("pods_json", 0.3), ("pods_yaml", 0.09),
                                 ("pod_yaml", 0.15)])
    if getattr(case, "lean", False) and pods_fmt in ("pods_json", "pods_yaml"):
        pods_fmt = "pod_yaml"
    logs_fmt = case.pk.weighted([("plain", 0.36), ("plain_ts", 0.15), ("cri", 0.28), ("cri_flat", 0.09), ("docker", 0.12)])
    if case.runtime == "docker" and rng.random() < 0.6:
        logs_fmt = "docker"
    if case.runtime != "docker" and logs_fmt == "docker":
        logs_fmt = "cri"
    evs = live_events(case)
    if ev_fmt == "all":
        evs = evs + [e for e in case.extra_events_ns if e.last >= case.now - 3600 * NS]
    pods = case.pods
    now = case.now
    want_pods = mode in ("full", "status")
    want_events = mode in ("full", "events")
    want_logs = mode in ("full", "logs")
    describe_events = mode == "full"
    if want_pods:
        if pods_fmt in ("describe_each", "describe_all"):
            style = {"sa_line": case.minor >= 20, "port_names": case.port_names_describe}
            docs = []
            for p in pods:
                pe = [e for e in evs if e.kind == "Pod" and e.obj == p["metadata"]["name"]] if describe_events else []
                docs.append((p["metadata"]["name"], render_describe(p, pe, now, style)))
            if pods_fmt == "describe_each":
                for n, d in docs:
                    files["describe-%s.txt" % n] = d
            else:
                files["describe-pods.txt"] = "\n\n".join(d for _, d in docs)
            fm.append(pods_fmt)
        elif pods_fmt == "pods_json":
            files["pods.json"] = render_pods_json(pods, indent=rng.choice([4, 4, 2]))
            fm.append("pods_json")
        elif pods_fmt == "pods_yaml":
            files["pods.yaml"] = render_yaml({"apiVersion": "v1", "items": [pod_api(p) for p in pods], "kind": "List",
                                              "metadata": {"resourceVersion": ""}})
            fm.append("pods_yaml")
        else:
            files["pod.yaml"] = render_yaml(pod_api(case.culprit.get("pod") or pods[0]))
            fm.append("pod_yaml")
        if pods_fmt == "pod_yaml" or rng.random() < 0.85:
            files["pods.txt"] = render_pods_txt(pods, now, wide=rng.random() < 0.2)
            fm.append("pods_txt")
    if want_events and (not describe_events or pods_fmt not in ("describe_each", "describe_all") or rng.random() < 0.8
                        or mode == "events" or case.culprit.get("pod") is None):
        if ev_fmt in ("json", "v1"):
            order = sorted(evs, key=lambda e: ("%s.%x" % (e.obj, e.first)))
            files["events.json"] = render_events_json(order, case.ns, now, "core" if ev_fmt == "json" else "v1",
                                                      indent=rng.choice([4, 4, 2]))
            fm.append("events_json" if ev_fmt == "json" else "events_v1_json")
        else:
            if ev_fmt in ("kevents",) or rng.random() < 0.5:
                order = sorted(evs, key=ev_sort_key)
            else:
                order = sorted(evs, key=lambda e: ("%s.%x" % (e.obj, e.first)))
            files["events.txt"] = render_events_table(order, case.ns, now, ev_fmt)
            fm.append("events_txt_" + ev_fmt)
    if want_logs:
        render_logs(case, logs_fmt, files)
        if any(k.endswith(".log") or "/var/" in k or k.startswith("var/") for k in files):
            fm.append("logs_" + logs_fmt)
    if mode == "events" and not any(k.startswith("events") for k in files):
        files["events.txt"] = render_events_table(sorted(evs, key=ev_sort_key), case.ns, now, "get")
        fm.append("events_txt_get")
    return files, fm


def _healthy_pod(p):
    sts = p["status"].get("containerStatuses", [])
    return bool(sts) and all(c.get("ready") and not c.get("restartCount") for c in sts)


def render_paste(case):
    """What someone pastes into a ticket about the culprit: a describe excerpt without its header,
    event rows without theirs or bare kubelet messages, the last screen of a log, a prompt or a
    pods table; only the evidence the case's mode shows.  Returns (files, formats, identified)."""
    rng, now, mode = case.rng, case.now, case.mode
    wl = case.culprit
    pname = wl["pod_name"]
    pod = next((p for p in case.pods if p["metadata"]["name"] == pname), None)
    cont = choose_log_container(case, wl)
    evs = sorted((e for e in live_events(case) if e.kind == "Pod" and e.obj == pname), key=ev_sort_key)
    parts = OrderedDict()
    fm = ["paste"]
    identified = False

    def add(name, text):
        parts[name] = parts.get(name, "") + text

    one_file = case.chance(0.3)
    if mode in ("full", "status") and pod is not None:
        d = render_describe(pod, [], now, {"sa_line": True, "port_names": False}).splitlines()
        head = next((i for i, l in enumerate(d) if l.strip() == "%s:" % cont["name"]), None)
        if head is not None:
            st = next((i for i in range(head, len(d)) if d[i].lstrip().startswith("State:")), head)
            rc = next((i for i in range(st, len(d)) if d[i].lstrip().startswith("Restart Count:")), len(d) - 1)
            start = head if case.chance(0.4) else st
            end = min(len(d) - 1, rc + (rng.randint(0, 4) if case.chance(0.5) else 0))
            lines = d[start:end + 1]
            if case.chance(0.3):
                lines = [l[4:] if l.startswith("    ") else l.lstrip() for l in lines]
            add("paste.txt" if one_file else "describe.txt", "\n".join(lines) + "\n")
            fm.append("paste_describe")
    if mode in ("full", "events") and evs:
        style = case.pk.weighted([("rows", 0.45), ("bare", 0.35), ("get", 0.2)])
        warn = [e for e in evs if e.type == "Warning"] or evs
        if style == "rows":
            rows = ["  %s\t%s\t%s\t%s\t%s" % (e.type, e.reason, _event_interval(e, now), e.component, e.message.strip())
                    for e in evs]
            text = tabwrite(rows, 0, 2)
        elif style == "bare":
            text = "".join("%s\n" % e.message.strip() for e in warn[-rng.randint(1, 3):])
        else:
            text = render_events_table(evs, case.ns, now, "get").split("\n", 1)[1]
            identified = True
        add("paste.txt" if one_file else "events.txt", text)
        fm.append("paste_events_" + style)
    if mode in ("full", "logs"):
        info = case.logs.get((pname, cont["name"]))
        run = None
        if info:
            run = info["previous"] if info["previous"] is not None else info["current"]
        if run is not None:
            lines = render_plain(info["runs"].get(run, []), False).splitlines()
            lines = lines[-rng.randint(3, 30):]
            if case.chance(0.2):
                # a terminal or an issue tracker wraps a long line in two
                long = [i for i, l in enumerate(lines) if len(l) > 60]
                if long:
                    i = rng.choice(long)
                    cut = rng.randint(30, len(lines[i]) - 10)
                    lines[i:i + 1] = [lines[i][:cut], lines[i][cut:]]
            text = "\n".join(lines) + "\n"
            if case.chance(0.3):
                text = "$ kubectl logs %s%s\n" % (pname, " --previous" if info["previous"] is not None else "") + text
                identified = True
            add("paste.txt" if one_file else "container.log", text)
            fm.append("paste_logs")
    if case.chance(0.4) and pod is not None:
        pods = [p for p in case.pods if p is pod or _healthy_pod(p)]
        text = render_pods_txt(pods, now)
        if case.chance(0.5):
            text = "$ kubectl get pods -n %s\n" % case.ns + text
        add("pods.txt", text)
        fm.append("paste_pods")
        identified = True
    return parts, fm, identified


# ---------------------------------------------------------------------------
# plan, splits, output
# ---------------------------------------------------------------------------
def apportion(n, weights, rng):
    total = sum(w for _, w in weights)
    raw = [(k, n * w / total) for k, w in weights]
    base = {k: int(x) for k, x in raw}
    rest = n - sum(base.values())
    order = sorted(raw, key=lambda kv: -(kv[1] - int(kv[1])))
    for k, _ in order[:rest]:
        base[k] += 1
    out = []
    for k, _ in weights:
        out += [k] * base[k]
    return out


def make_plan(seed, scale=1.0):
    plan = []
    for cause, n in CAUSE_COUNTS.items():
        n = max(8, int(round(n * scale)))
        rng = random.Random("%s:plan:%s" % (seed, cause))
        dets = apportion(n, DETAILS[cause], rng) if cause in DETAILS else [None] * n
        groups = OrderedDict()
        for i, d in enumerate(dets):
            groups.setdefault(d, []).append(i)
        for d, idxs in groups.items():
            rng.shuffle(idxs)
            k = len(idxs)
            n_tr = int(round(k * SPLITS[0][1]))
            n_va = int(round(k * SPLITS[1][1]))
            for j, i in enumerate(idxs):
                split = "train" if j < n_tr else ("validation" if j < n_tr + n_va else "test")
                plan.append({"cause": cause, "detail": d, "index": i, "split": split,
                             "seed_str": "%s:%s:%d" % (seed, cause, i)})
    rng = random.Random("%s:ids" % seed)
    order = list(range(len(plan)))
    rng.shuffle(order)
    for num, k in enumerate(order, 1):
        plan[k]["id"] = "case-%04d" % num
    plan.sort(key=lambda s: s["id"])
    return plan


def toml_label(label):
    return "".join('%s = "%s"\n' % (k, v) for k, v in label.items())


def write_case(out, case):
    base = out / case.split
    cdir = base / "cases" / case.cid
    for rel, text in case.files.items():
        p = cdir / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        with open(p, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    (base / "labels").mkdir(parents=True, exist_ok=True)
    with open(base / "labels" / ("%s.toml" % case.cid), "w", encoding="utf-8", newline="\n") as fh:
        fh.write(toml_label(case.label))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", default="7")
    ap.add_argument("--out", default=str(HERE))
    ap.add_argument("--scale", type=float, default=1.0, help="multiply per-cause counts (for quick tries)")
    ap.add_argument("--only", default=None, help="comma list of causes to generate (debugging)")
    args = ap.parse_args(argv)
    T = load_templates()
    out = Path(args.out)
    for s, _ in SPLITS:
        if (out / s).exists():
            shutil.rmtree(out / s)
    plan = make_plan(args.seed, args.scale)
    if args.only:
        keep = set(args.only.split(","))
        plan = [p for p in plan if p["cause"] in keep]
    manifest = []
    for spec in plan:
        try:
            case = build_case(T, spec)
        except Exception as exc:  # surface the failing case id
            raise RuntimeError("case %s (%s/%s) failed: %s" % (spec["id"], spec["cause"], spec["seed_str"], exc)) from exc
        write_case(out, case)
        manifest.append({"id": case.cid, "split": case.split, "cause": case.cause, "detail": case.detail or "",
                         "object": case.label.get("object", ""), "namespace": case.ns, "evidence": case.mode,
                         "formats": ",".join(case.formats), "ecosystem": case.culprit["eco"],
                         "container": case.culprit_cont["_role"] if case.culprit_cont else "", "variant": case.variant_id,
                         "files": len(case.files), "bytes": case.size})
    cols = ["id", "split", "cause", "detail", "object", "namespace", "evidence", "formats", "ecosystem", "container",
            "variant", "files", "bytes"]
    with open(out / "manifest.tsv", "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\t".join(cols) + "\n")
        for m in manifest:
            fh.write("\t".join(str(m[c]) for c in cols) + "\n")
    stats = summarize(manifest)
    with open(out / "stats.json", "w", encoding="utf-8", newline="\n") as fh:
        json.dump(stats, fh, indent=2, sort_keys=True)
        fh.write("\n")
    readme = out / "README.md"
    if readme.exists():
        update_readme(readme, stats)
    print(render_stats_md(stats))
    return 0


def summarize(manifest):
    by = {}
    for m in manifest:
        key = m["cause"] + ((":" + m["detail"]) if m["detail"] else "")
        d = by.setdefault(key, {"train": 0, "validation": 0, "test": 0})
        d[m["split"]] += 1
    fm = Counter()
    ev = Counter()
    eco = Counter()
    role = Counter()
    for m in manifest:
        for f in m["formats"].split(","):
            if f:
                fm[f] += 1
        ev[m["evidence"]] += 1
        eco[m["ecosystem"]] += 1
        role[m["container"]] += 1
    return {"by_cause": by, "formats": dict(fm), "evidence": dict(ev), "ecosystems": dict(eco), "culprit_container": dict(role),
            "cases": len(manifest), "bytes": sum(m["bytes"] for m in manifest),
            "max_case_bytes": max((m["bytes"] for m in manifest), default=0)}


def render_stats_md(stats):
    L = ["| cause (detail) | train | validation | test | total |", "|---|---:|---:|---:|---:|"]
    tot = Counter()
    causes = {}
    for key in sorted(stats["by_cause"]):
        d = stats["by_cause"][key]
        L.append("| %s | %d | %d | %d | %d |" % (key, d["train"], d["validation"], d["test"], sum(d.values())))
        for s in d:
            tot[s] += d[s]
    L.append("| **all** | %d | %d | %d | %d |" % (tot["train"], tot["validation"], tot["test"], sum(tot.values())))
    L.append("")
    L.append("Evidence available per case: " + ", ".join("%s %d" % (k, v) for k, v in sorted(stats["evidence"].items())))
    L.append("")
    L.append("| artifact format | cases |")
    L.append("|---|---:|")
    for k, v in sorted(stats["formats"].items(), key=lambda kv: (-kv[1], kv[0])):
        L.append("| %s | %d |" % (k, v))
    L.append("")
    L.append("Culprit ecosystems: " + ", ".join("%s %d" % (k, v) for k, v in sorted(stats["ecosystems"].items(), key=lambda kv: (-kv[1], kv[0]))))
    L.append("")
    L.append("Culprit container role: " + ", ".join("%s %d" % (k or "-", v) for k, v in sorted(stats["culprit_container"].items())))
    L.append("")
    L.append("Total: %d cases, %.1f MiB of artifacts (largest case %.1f KiB)." % (
        stats["cases"], stats["bytes"] / 1048576.0, stats["max_case_bytes"] / 1024.0))
    return "\n".join(L) + "\n"


def update_readme(path, stats):
    text = path.read_text(encoding="utf-8")
    a, b = "<!-- stats:begin -->", "<!-- stats:end -->"
    if a in text and b in text:
        head, rest = text.split(a, 1)
        _, tail = rest.split(b, 1)
        text = head + a + "\n" + render_stats_md(stats) + b + tail
        path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
