"""The cause taxonomy, read from its one source of truth: `src/cause.rs`.

The generator and the checker both import this module instead of keeping their own lists, so
a cause or detail added to (or renamed in) the engine cannot drift away from the corpus.

    TAXONOMY: {cause_id: set(detail ids)}   # every cause but `unknown`
"""
import re
from pathlib import Path

CAUSE_RS = Path(__file__).resolve().parent.parent / "src" / "cause.rs"


def _fn_body(src, name):
    m = re.search(r"pub fn %s\(self\)[^{]*\{(.*?)\n    \}" % name, src, re.S)
    if not m:
        raise SystemExit("%s: no `fn %s` found (did cause.rs change shape?)" % (CAUSE_RS, name))
    return m.group(1)


def load(path=CAUSE_RS):
    src = Path(path).read_text(encoding="utf-8")
    ids = dict(re.findall(r'Cause::(\w+) => "([a-z_]+)"', _fn_body(src, "id")))
    if len(ids) < 10:
        raise SystemExit("%s: found only %d cause ids" % (path, len(ids)))
    details = {cid: set() for cid in ids.values()}
    for variant, body in re.findall(r"Cause::(\w+) => &\[(.*?)\]", _fn_body(src, "details"), re.S):
        details[ids[variant]] = set(re.findall(r'"([a-z_]+)"', body))
    details.pop("unknown", None)
    return details


TAXONOMY = load()
