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

    In a list of three or more variants, entries whose index % 4 == 3 are
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
        if hold and len(seq) >= 3:
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
PH_RE = re.compile(r"\{(=?[A-Za-z_][A-Za-z0-9_.]*)(?::([^{}]*))?\}")


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
            if line.startswith("~"):
                spec = line[1:].strip()
                if "-" in spec:
                    a, b = spec.split("-")
                    t += int(rng.uniform(float(a), float(b)) * NS)
                else:
                    t += int(float(spec) * NS)
                continue
            if line.startswith(">"):
                txt = expand(line[2:] if line.startswith("> ") else line[1:], c2, rng)
                if entries and entries[-1]["kind"] == "rec":
                    entries[-1]["cont"].append(txt)
                else:
                    entries.append({"kind": "raw", "t": t, "stream": "stderr", "text": txt})
                continue
            if line.startswith("|") or line.startswith(":"):
                stream = "stderr" if line[0] == "|" else "stdout"
                txt = line[2:] if len(line) > 1 and line[1] == " " else line[1:]
                step()
                entries.append({"kind": "raw", "t": t, "stream": stream, "text": expand(txt, c2, rng)})
                continue
            m = LINE_RE.match(line)
            if not m:
                raise ValueError("bad template line: %r" % line)
            level, logger, rest = m.group(1), m.group(2), m.group(3)
            msg, _, fpart = rest.partition(" || ")
            step()
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
    s = "%s, [%s.%06d #%d] %5s -- %s: %s" % (lvl[0], d.strftime("%Y-%m-%dT%H:%M:%S"), (t % NS) // 1000, sc.pid, lvl,
                                             rec["logger"] or "", rec["msg"])
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
    s = "%s\t%s\t%s\t%s" % (rfc3339_micro(t), lvl, "envoy main", rec["msg"])
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
        if e["kind"] == "raw":
            out.append((e["t"], e["stream"], e["text"]))
            continue
        t = e["t"]
        for k, (stream, text) in enumerate(fn(e, sc)):
            out.append((t + k * rng.randint(1_000, 60_000), stream, text))
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
    head = tabwrite(L, 0, 2)
    if not events:
        return head + tabwrite(["Events:\t<none>"], 0, 2)
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


class _Dumper(yaml.SafeDumper):
    pass


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
    for ln in (block or "").rstrip("\n").split("\n"):
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
        self.created_style = "colon" if self.minor >= 31 else ("space" if self.minor >= 20 else "bare")
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
                mounts.append({"mountPath": m[0], "name": expand(m[1], ctx, rng), "_kind": m[2] if len(m) > 2 else "emptyDir"})
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
            name = self.pick(self.N["workloads"][eco_id])
        name = self.unique(name)
        kind = kind or E.get("kind", "Deployment")
        if kind == "Deployment" and self.chance(0.04) and eco_id not in ("postgres", "mysql", "mongodb", "kafka", "elasticsearch"):
            kind = "StatefulSet"
        pod_name, rs_hash = self.pod_name_for(name, kind, 0 if kind != "StatefulSet" or self.chance(0.75) else rng.randint(1, 2))
        node = rng.choice(self.nodes)
        port = rng.choice(E.get("ports", [8080])) if E.get("ports") else None
        ctx = self.make_ctx(name, eco_id, pod_name, "", port, "")
        ctx["node"] = node["name"]
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
        first = starts[0] - rng.randint(1, 3) * NS
        if pull_policy == "Always":
            self.pod_ev(wl, "Pulling", 'Pulling image "%s"' % img, first - rng.randint(1, 4) * NS, starts[-1] - NS,
                        len(starts), cont=name, init=init)
            for s in starts[-min(len(starts), rng.randint(1, 3)):]:
                self.pod_ev(wl, "Pulled", self.pulled_msg(img), s - NS, cont=name, init=init)
        else:
            if self.chance(0.5):
                self.pod_ev(wl, "Pulled", 'Container image "%s" already present on machine' % img, first, starts[-1] - NS,
                            len(starts), cont=name, init=init)
            else:
                self.pod_ev(wl, "Pulling", 'Pulling image "%s"' % img, first - rng.randint(2, 20) * NS, cont=name, init=init)
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
            ents, _ = self.block(cont, self.eco_block(cont, "startup") or "I done", start)
            return render_entries(ents, cont["_style"], cont["_ctx"], self.rng)
        ents = []
        t = start
        if not tail_only:
            e, t = self.startup_entries(cont, start)
            ents += e
        n = self.rng.randint(3, 14)
        t_from = t if not tail_only else max(t, end - self.rng.randint(600, 7200) * NS)
        ents += self.noise_entries(cont, t_from, end - NS, n)
        ents.sort(key=lambda e: e["t"])
        lines = render_entries(ents, cont["_style"], cont["_ctx"], self.rng)
        return [ln for ln in lines if ln[0] < self.now]
