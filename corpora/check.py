#!/usr/bin/env python3
"""Sanity checks for a generated corpus (stdlib + PyYAML).

    python3 corpora/check.py            # checks corpora/{train,validation,test}
    python3 corpora/check.py --root /tmp/c

Checks: every case has exactly one label and vice versa; case ids are unique across splits;
labels use known cause/detail ids; the labelled object is visible in the case; JSON/YAML
artifacts parse; CRI and Docker json-file lines are well formed and time-ordered per stream;
CrashLoopBackOff back-off delays match restart counts; no template leftovers; size limits.
Exit status 1 when a check fails.
"""
import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from causes import TAXONOMY  # noqa: E402  (the engine's own cause list, src/cause.rs)

# `none`: a healthy object that must get no confident diagnosis.
CAUSES = {**TAXONOMY, "none": set()}
CRI_RE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(?:Z|[+-]\d\d:\d\d)) (stdout|stderr) ([PF])(?::\S+)? (.*)$")
LEFTOVER_RE = re.compile(r"\{=[a-z]+|\x01|\x02")
BACKOFF_RE = re.compile(r"back-off (\S+) restarting failed container=(\S+) pod=")


def parse_label(p):
    out = {}
    for ln in p.read_text(encoding="utf-8").splitlines():
        m = re.match(r'^(\w+) = "(.*)"$', ln)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def go_dur(sec):
    if sec < 60:
        return "%ds" % sec
    return "%dm%ds" % divmod(sec, 60)


def iter_pods(doc):
    if isinstance(doc, dict):
        if doc.get("kind") == "Pod" or ("spec" in doc and "status" in doc and "metadata" in doc):
            yield doc
        for it in doc.get("items") or []:
            if isinstance(it, dict) and "spec" in it and "status" in it:
                yield it


def check_case(cdir, label, errs, stats):
    files = [p for p in cdir.rglob("*") if p.is_file()]
    if not files:
        errs.append("%s: no files" % cdir.name)
        return
    size = sum(p.stat().st_size for p in files)
    dump = any(p.name == "nodes.json" for p in files)
    stats["sizes"].append(size)
    if size > (48 if dump else 30) * 1024:
        errs.append("%s: %d bytes" % (cdir.name, size))
    obj = label.get("object", "")
    seen_obj = False
    for p in files:
        rel = str(p.relative_to(cdir))
        text = p.read_text(encoding="utf-8")
        if obj and (obj in rel or obj in text):
            seen_obj = True
        if LEFTOVER_RE.search(text):
            errs.append("%s/%s: template leftover %r" % (cdir.name, rel, LEFTOVER_RE.search(text).group(0)))
        docs = []
        if p.suffix == ".json":
            try:
                docs = [json.loads(text)]
            except ValueError as e:
                errs.append("%s/%s: bad JSON: %s" % (cdir.name, rel, e))
        elif p.suffix == ".yaml":
            try:
                docs = [yaml.safe_load(text)]
            except yaml.YAMLError as e:
                errs.append("%s/%s: bad YAML: %s" % (cdir.name, rel, e))
        elif rel.startswith("var/log/"):
            last = {}
            for i, ln in enumerate(text.splitlines(), 1):
                m = CRI_RE.match(ln)
                if not m:
                    errs.append("%s/%s:%d: bad CRI line" % (cdir.name, rel, i))
                    break
                ts = m.group(1)[:29]
                if ts < last.get(m.group(2), ""):
                    errs.append("%s/%s:%d: time goes backwards" % (cdir.name, rel, i))
                    break
                last[m.group(2)] = ts
        elif rel.startswith("var/lib/docker/"):
            for i, ln in enumerate(text.splitlines(), 1):
                try:
                    d = json.loads(ln)
                    assert set(d) >= {"log", "stream", "time"}
                except (ValueError, AssertionError):
                    errs.append("%s/%s:%d: bad docker json line" % (cdir.name, rel, i))
                    break
        for doc in docs:
            for pod in iter_pods(doc):
                for cs in (pod.get("status", {}).get("containerStatuses") or []) + \
                          (pod.get("status", {}).get("initContainerStatuses") or []):
                    w = (cs.get("state") or {}).get("waiting") or {}
                    if w.get("reason") == "CrashLoopBackOff":
                        m = BACKOFF_RE.search(w.get("message", ""))
                        r = cs.get("restartCount", 0)
                        want = go_dur(min(10 * 2 ** max(r - 1, 0), 300))
                        if not m or m.group(1) != want:
                            errs.append("%s/%s: back-off %s but restartCount %d" % (cdir.name, rel, m and m.group(1), r))
    if obj and not seen_obj:
        errs.append("%s: object %r not visible in any artifact" % (cdir.name, obj))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=str(Path(__file__).resolve().parent))
    args = ap.parse_args()
    root = Path(args.root)
    errs = []
    stats = {"sizes": []}
    ids = Counter()
    per = Counter()
    for split in ("train", "validation", "test"):
        cases = {p.name for p in (root / split / "cases").iterdir()} if (root / split / "cases").exists() else set()
        labels = {p.stem for p in (root / split / "labels").glob("*.toml")} if (root / split / "labels").exists() else set()
        for c in sorted(cases ^ labels):
            errs.append("%s/%s: case without label or label without case" % (split, c))
        for c in sorted(cases & labels):
            ids[c] += 1
            lab = parse_label(root / split / "labels" / ("%s.toml" % c))
            cause, det = lab.get("cause"), lab.get("detail")
            if cause not in CAUSES:
                errs.append("%s: unknown cause %r" % (c, cause))
            elif det and det not in CAUSES[cause]:
                errs.append("%s: unknown detail %r for %s" % (c, det, cause))
            # A ticket paste that names no pod is labeled with its cause alone.
            if bool(lab.get("object")) != bool(lab.get("namespace")):
                errs.append("%s: label has only one of object/namespace" % c)
            per[(split, cause)] += 1
            check_case(root / split / "cases" / c, lab, errs, stats)
    for c, n in ids.items():
        if n > 1:
            errs.append("%s appears in %d splits" % (c, n))
    sizes = stats["sizes"]
    print("cases: %d, total %.1f MiB, max case %.1f KiB" % (len(sizes), sum(sizes) / 1048576.0, max(sizes or [0]) / 1024.0))
    for e in errs[:60]:
        print("ERROR", e)
    if len(errs) > 60:
        print("... %d more" % (len(errs) - 60))
    print("%d passed, %d failed" % (len(sizes), len(errs)))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
