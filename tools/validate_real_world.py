#!/usr/bin/env python3
"""Measure `kforge validate` on real repositories, before and after a change.

For every ROOT (a directory of a repository, optionally written LABEL=DIR):

1. find its kustomizations (kustomization.yaml / .yml / Kustomization), leaving out
   hidden directories and those named test, tests, testdata, fixtures, e2e, vendor,
   node_modules;
2. keep the top-level ones: included by no other kustomization under ROOT (through
   resources, bases or components) and not `kind: Component`;
3. render each with `kubectl kustomize DIR` (those whose tree uses helm charts or
   remote entries, and those kubectl refuses, are recorded as skipped);
4. run `BEFORE validate --whole --format json RENDERED` and the same with AFTER, and
   `AFTER validate --format json DIR` (the kustomization itself, so the repository index
   of the after binary takes part);
5. count error-level findings of rules KF1xx-KF4xx per rule and keep each remaining
   error of the after binary (object, rule, message, position) for review.

The report is one JSON file (--out); rendered files and raw kforge outputs are kept
beside it in --work (default: OUT's directory / rwv-work).

Standard library only. kubectl is taken from PATH (--kubectl to override): it must be
a kubectl with kustomize v5.8.1, as kforge's oracle is.

Example:
  python3 validate_real_world.py --before kforge-before --after kforge-after \
      --out result.json --commit manifests=$(git -C ... rev-parse HEAD) \
      manifests=/src/manifests kserve=/src/kserve/config
"""

import argparse
import collections
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import time

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
SKIPPED_DIRS = {"test", "tests", "testdata", "fixtures", "e2e", "vendor", "node_modules"}
RULE_COUNTED = re.compile(r"^KF[1-4]\d\d$")
REMOTE = re.compile(r"^(https?://|git@|ssh://|git::|github\.com/|gitlab\.com/|bitbucket\.org/)")
HELM_KEYS = {"helmcharts", "helmchartinflationgenerator", "helmglobals"}


# --- a small reader for the few kustomization fields we need ---------------------------

def _strip_comment(line):
    """The line without a trailing `# comment` (outside quotes)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


def _scalar(text):
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def read_kustomization(path):
    """Top-level fields of a kustomization file: {lowercased key: list of scalar items or
    a scalar}. Only block and flow sequences of scalars and plain scalars are read; a
    sequence of mappings gives the values of its items' first keys (enough to tell an
    entry is there)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = [_strip_comment(l) for l in f.read().replace("\t", "  ").splitlines()]
    fields = {}
    key = None
    flow = None
    for line in lines:
        if not line.strip() or line.strip() in ("---", "..."):
            continue
        if flow is not None:
            flow += " " + line.strip()
            if "]" in line:
                fields[key] = [_scalar(x) for x in flow.strip()[1:flow.rfind("]")].split(",") if x.strip()]
                flow = None
            continue
        indent = len(line) - len(line.lstrip(" "))
        body = line.strip()
        if indent == 0 and not body.startswith("-"):
            m = re.match(r"^(['\"]?)([^'\":]+)\1\s*:(?:\s+(.*))?$", body)
            if not m:
                key = None
                continue
            key = m.group(2).strip().lower()
            value = (m.group(3) or "").strip()
            if value.startswith("["):
                if "]" in value:
                    inner = value[1:value.rfind("]")]
                    fields[key] = [_scalar(x) for x in inner.split(",") if x.strip()]
                else:
                    flow = value
            elif value:
                fields[key] = _scalar(value)
            else:
                fields[key] = []
            continue
        if key is None:
            continue
        if body.startswith("- ") or body == "-":
            item = body[1:].strip()
            if not isinstance(fields.get(key), list):
                fields[key] = []
            if item:
                fields[key].append(_scalar(item.split(":", 1)[-1]) if re.match(r"^[\w.-]+\s*:\s", item) else _scalar(item))
    return fields


def kustomization_file(d):
    for n in KUSTOMIZATION_NAMES:
        p = os.path.join(d, n)
        if os.path.isfile(p):
            return p
    return None


# --- the repository's kustomizations --------------------------------------------------

class Repo:
    def __init__(self, root):
        self.root = os.path.realpath(root)
        self.nodes = {}  # realpath dir -> dict
        for dirpath, dirnames, _ in os.walk(self.root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIPPED_DIRS)
            f = kustomization_file(dirpath)
            if f:
                try:
                    fields = read_kustomization(f)
                except OSError:
                    fields = {}
                self.nodes[os.path.realpath(dirpath)] = {"file": f, "fields": fields}
        for d, n in self.nodes.items():
            n["includes"] = []
            n["remote"] = []
            for field in ("resources", "bases", "components"):
                items = n["fields"].get(field)
                if not isinstance(items, list):
                    continue
                for entry in items:
                    if REMOTE.match(entry) or "?ref=" in entry or entry.endswith(".git"):
                        n["remote"].append(entry)
                        continue
                    target = os.path.realpath(os.path.join(d, entry))
                    if os.path.isdir(target):
                        n["includes"].append(target)
            n["helm"] = any(k in HELM_KEYS for k in n["fields"])
            n["component"] = str(n["fields"].get("kind", "")) == "Component"
        self.included = collections.defaultdict(list)
        for d, n in self.nodes.items():
            for t in n["includes"]:
                if t in self.nodes and t != d:
                    self.included[t].append(d)

    def top_level(self):
        return sorted(d for d, n in self.nodes.items() if not self.included[d] and not n["component"])

    def closure(self, d):
        """Every directory the kustomization at d reads (itself and what it includes, local
        directories with or without a kustomization of their own)."""
        seen, stack = set(), [d]
        while stack:
            x = stack.pop()
            if x in seen:
                continue
            seen.add(x)
            n = self.nodes.get(x)
            if n is None:
                f = kustomization_file(x)
                if not f:
                    continue
                n = {"fields": read_kustomization(f), "includes": [], "remote": [], "helm": False}
                for field in ("resources", "bases", "components"):
                    for entry in n["fields"].get(field) or []:
                        if isinstance(entry, str) and os.path.isdir(os.path.join(x, entry)):
                            n["includes"].append(os.path.realpath(os.path.join(x, entry)))
                        elif isinstance(entry, str) and (REMOTE.match(entry) or "?ref=" in entry):
                            n["remote"].append(entry)
                n["helm"] = any(k in HELM_KEYS for k in n["fields"])
                self.nodes[x] = n
            stack.extend(n["includes"])
        return seen

    def blockers(self, d):
        remote, helm = [], []
        for x in sorted(self.closure(d)):
            n = self.nodes.get(x) or {}
            remote += n.get("remote", [])
            if n.get("helm"):
                helm.append(os.path.relpath(x, self.root))
        return remote, helm


# --- running the tools ------------------------------------------------------------------

def run(cmd, timeout, cwd=None):
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=timeout, cwd=cwd)
        return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace"), time.monotonic() - t0
    except subprocess.TimeoutExpired:
        return None, b"", f"timed out after {timeout}s", time.monotonic() - t0


def validate(binary, args, raw_path, timeout, reuse=False):
    """Run `binary validate --format json ARGS` (or, with reuse, read the raw output a
    previous run kept at raw_path); return a summary with the counted errors, or
    {"failed": why}."""
    if reuse:
        with open(raw_path, "rb") as f:
            code, out, err, secs = 0, f.read(), "", 0.0
    else:
        code, out, err, secs = run([binary, "validate", "--format", "json"] + args, timeout)
        with open(raw_path, "wb") as f:
            f.write(out)
    if code is None or code not in (0, 1):
        return {"failed": (err.strip() or f"exit {code}")[-2000:], "seconds": round(secs, 1)}
    try:
        doc = json.loads(out)
    except ValueError as e:
        return {"failed": f"unreadable JSON ({e}); stderr: {err.strip()[-1000:]}", "seconds": round(secs, 1)}
    findings = [f for t in doc.get("targets", []) for f in t.get("findings", [])]
    notes = [n for t in doc.get("targets", []) for n in t.get("notes", [])]
    objects = sum(t.get("objects", 0) for t in doc.get("targets", []))
    errors = [f for f in findings if f.get("severity") == "error" and RULE_COUNTED.match(f.get("rule", ""))]
    return {
        "seconds": round(secs, 1),
        "objects": objects,
        "summary": doc.get("summary", {}),
        "errors": dict(sorted(collections.Counter(f["rule"] for f in errors).items())),
        "allErrors": dict(sorted(collections.Counter(f["rule"] for f in findings if f.get("severity") == "error").items())),
        "errorFindings": [
            {k: f.get(k) for k in ("rule", "object", "message", "file", "line", "column", "pointer")}
            for f in errors
        ],
        "notes": notes,
    }


def add(total, counts):
    for k, v in counts.items():
        total[k] = total.get(k, 0) + v


def safe_name(rel):
    rel = rel.strip("/")
    return "root" if rel in ("", ".") else re.sub(r"[^A-Za-z0-9._-]+", "__", rel)


def git_head(path):
    try:
        p = subprocess.run(["git", "-C", path, "rev-parse", "HEAD"], capture_output=True, text=True)
        return p.stdout.strip() if p.returncode == 0 else None
    except OSError:
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", required=True, help="kforge binary before the change")
    ap.add_argument("--after", required=True, help="kforge binary after the change")
    ap.add_argument("--out", required=True, help="JSON report to write")
    ap.add_argument("--work", help="directory for rendered files and raw outputs")
    ap.add_argument("--kubectl", default="kubectl", help="kubectl with kustomize v5.8.1")
    ap.add_argument("--commit", action="append", default=[], metavar="LABEL=SHA",
                    help="the snapshot commit of a root (default: git rev-parse HEAD in it)")
    ap.add_argument("--select", action="append", default=[], metavar="LABEL=REGEX",
                    help="keep only the top-level kustomizations of LABEL whose directory (relative "
                         "to the root) matches REGEX")
    ap.add_argument("--no-dir", action="store_true", help="skip the after binary's run on the directories")
    ap.add_argument("--reuse-before", action="store_true",
                    help="read the before binary's result from a previous run's raw output in --work "
                         "when it is there and the rendered file is unchanged")
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("roots", nargs="+", metavar="ROOT", help="DIR or LABEL=DIR")
    a = ap.parse_args()

    kubectl = shutil.which(a.kubectl) or a.kubectl
    work = a.work or os.path.join(os.path.dirname(os.path.abspath(a.out)), "rwv-work")
    os.makedirs(work, exist_ok=True)
    commits = dict(c.split("=", 1) for c in a.commit)
    selects = dict(c.split("=", 1) for c in a.select)
    kv = run([kubectl, "version", "--client"], 60)[1].decode("utf-8", "replace").strip()

    report = {
        "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "before": os.path.abspath(a.before),
        "after": os.path.abspath(a.after),
        "kubectl": kv,
        "counted": "error-level findings of rules KF100-KF499",
        "repositories": [],
    }
    grand = {"before": {}, "after": {}, "afterDir": {}}
    for spec in a.roots:
        label, _, path = spec.rpartition("=")
        label = label or os.path.basename(os.path.normpath(path))
        repo = Repo(path)
        entry = {
            "label": label,
            "root": repo.root,
            "commit": commits.get(label) or git_head(path),
            "kustomizations": len(repo.nodes),
            "select": selects.get(label),
            "topLevel": [],
            "totals": {"before": {}, "after": {}, "afterDir": {}},
        }
        print(f"== {label}: {len(repo.nodes)} kustomizations, {len(repo.top_level())} top-level", file=sys.stderr)
        rdir = os.path.join(work, safe_name(label))
        os.makedirs(rdir, exist_ok=True)
        for d in repo.top_level():
            rel = os.path.relpath(d, repo.root)
            if label in selects and not re.search(selects[label], rel):
                continue
            item = {"dir": rel}
            entry["topLevel"].append(item)
            remote, helm = repo.blockers(d)
            if remote or helm:
                item["skipped"] = ("remote: " + ", ".join(sorted(set(remote)))) if remote else ("helm charts in " + ", ".join(helm))
                print(f"   skip {rel}: {item['skipped'][:120]}", file=sys.stderr)
                continue
            base = os.path.join(rdir, safe_name(rel))
            code, out, err, secs = run([kubectl, "kustomize", d], a.timeout)
            if code != 0:
                item["skipped"] = "kubectl kustomize failed: " + (err.strip().splitlines() or ["?"])[-1][:500]
                print(f"   skip {rel}: {item['skipped'][:160]}", file=sys.stderr)
                continue
            if not out.strip():
                item["skipped"] = "kubectl kustomize rendered nothing"
                continue
            rendered = base + ".yaml"
            unchanged = False
            if os.path.isfile(rendered):
                with open(rendered, "rb") as f:
                    unchanged = f.read() == out
            with open(rendered, "wb") as f:
                f.write(out)
            item["rendered"] = rendered
            if a.reuse_before and unchanged and os.path.isfile(base + ".before.json"):
                item["before"] = validate(a.before, ["--whole", rendered], base + ".before.json", a.timeout,
                                          reuse=True)
            else:
                item["before"] = validate(a.before, ["--whole", rendered], base + ".before.json", a.timeout)
            item["after"] = validate(a.after, ["--whole", rendered], base + ".after.json", a.timeout)
            if not a.no_dir:
                item["afterDir"] = validate(a.after, [d], base + ".after-dir.json", a.timeout)
            line = f"   {rel}:"
            for k in ("before", "after", "afterDir"):
                r = item.get(k)
                if r is None:
                    continue
                if "failed" in r:
                    line += f" {k}=FAILED"
                    continue
                add(entry["totals"][k], r["errors"])
                add(grand[k], r["errors"])
                line += f" {k}={sum(r['errors'].values())}"
            print(line, file=sys.stderr)
        entry["rendered"] = sum(1 for i in entry["topLevel"] if "rendered" in i)
        report["repositories"].append(entry)
    report["totals"] = grand
    with open(a.out, "w") as f:
        json.dump(report, f, indent=1, sort_keys=False)
        f.write("\n")
    # A short table on standard output.
    rules = sorted(set().union(*(set(r["totals"][k]) for r in report["repositories"] for k in grand)))
    print(f"{'repository':32} {'top':>4} {'built':>5}  before  after  afterDir")
    for r in report["repositories"]:
        t = r["totals"]
        print(f"{r['label']:32} {len(r['topLevel']):>4} {r['rendered']:>5}  {sum(t['before'].values()):>6} "
              f"{sum(t['after'].values()):>6} {sum(t['afterDir'].values()):>9}")
    print("per rule (before/after/afterDir): " + ", ".join(
        f"{k} {grand['before'].get(k, 0)}/{grand['after'].get(k, 0)}/{grand['afterDir'].get(k, 0)}" for k in rules))


if __name__ == "__main__":
    main()
