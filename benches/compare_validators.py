#!/usr/bin/env python3
"""Run the broken-manifest corpus (tests/corpus/broken/, one defect per file) through kforge
and through `kubernetes-validate --strict` (PyPI) and count what each catches.

A file counts as caught by kforge when the rule it is named after reports a finding (as
tests/corpus.rs asserts), and by kubernetes-validate when it exits non-zero or prints an
error. Both run in this one script, on the same files, so the counts compare.

Usage: python3 benches/compare_validators.py [--kforge target/release/kforge] [--out FILE]
Needs: pip install kubernetes-validate==1.37.0 (the Kubernetes 1.37 JSON schemas).
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "tests", "corpus", "broken")
CATEGORY = {
    "KF0": "kforge annotations",
    "KF1": "schema and document shape",
    "KF2": "API-server semantics",
    "KF3": "cross-object references",
    "KF4": "GPU scheduling",
    "KF5": "policy",
}


def kforge_caught(binary, path, rule, config):
    out = subprocess.run(
        [binary, "validate", "--whole", "--config", config, "--crd-dir",
         os.path.join(ROOT, "ci", "schemas", "crds"), "--format", "json", path],
        capture_output=True, text=True)
    if out.returncode == 2:
        return False
    data = json.loads(out.stdout)
    return any(f["rule"] == rule for t in data["targets"] for f in t["findings"])


def kv_caught(path):
    out = subprocess.run(["kubernetes-validate", "--strict", "--quiet", "-k", "1.37.0", path],
                         capture_output=True, text=True)
    return out.returncode != 0 or "ERROR" in out.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kforge", default=os.path.join(ROOT, "target", "release", "kforge"))
    ap.add_argument("--out")
    args = ap.parse_args()
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as cfg:
        # every rule on, the ones off by default included
        cfg.write("rules: {KF503: error, KF511: error}\n")
    files = sorted(f for f in os.listdir(CORPUS) if f.endswith(".yaml"))
    per = collections.OrderedDict((v, [0, 0, 0]) for v in CATEGORY.values())
    rows = []
    for name in files:
        rule = name.split("-", 1)[0]
        path = os.path.join(CORPUS, name)
        k = kforge_caught(args.kforge, path, rule, cfg.name)
        v = kv_caught(path)
        cat = CATEGORY[rule[:3]]
        per[cat][0] += 1
        per[cat][1] += k
        per[cat][2] += v
        rows.append((name, k, v))
    os.unlink(cfg.name)
    total = [sum(x[i] for x in per.values()) for i in range(3)]
    lines = ["| defect category | files | kforge | kubernetes-validate --strict |",
             "|---|---:|---:|---:|"]
    for cat, (n, k, v) in per.items():
        if n:
            lines.append(f"| {cat} | {n} | {k} | {v} |")
    lines.append(f"| **all** | **{total[0]}** | **{total[1]}** | **{total[2]}** |")
    text = "\n".join(lines) + "\n"
    detail = "\n".join(f"{n}\tkforge={'yes' if k else 'no'}\tkubernetes-validate={'yes' if v else 'no'}"
                       for n, k, v in rows) + "\n"
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n" + detail)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
