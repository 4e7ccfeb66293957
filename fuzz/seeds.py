#!/usr/bin/env python3
"""Write the fuzz targets' seed corpora (fuzz/corpus/<target>/) from the test suite:
the differential cases (kustomizations, resources, patches), the rule fixtures and the
RFC 6902 conformance tests in ../shared/conformance. Deterministic; run before fuzzing.
Usage: python3 fuzz/seeds.py
"""
import hashlib
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CASES = os.path.join(ROOT, "tests", "kustomize", "cases")
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "rules")
CORPUS = os.path.join(ROOT, "tests", "corpus", "broken")
CONFORMANCE = os.path.join(ROOT, "..", "shared", "conformance", "json-patch-tests")


def write(target, text):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    data = text.encode("utf-8")
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def yaml_files(top):
    for dirpath, _, names in sorted(os.walk(top)):
        for n in sorted(names):
            if n.endswith((".yaml", ".yml")):
                yield os.path.join(dirpath, n)


def main():
    counts = {}

    def add(target, text):
        write(target, text)
        counts[target] = counts.get(target, 0) + 1

    for path in list(yaml_files(FIXTURES)) + list(yaml_files(CORPUS)):
        text = read(path)
        add("yaml", text)
        add("validate", text)
    for case in sorted(os.listdir(CASES)):
        d = os.path.join(CASES, case)
        k = os.path.join(d, "kustomization.yaml")
        if not os.path.isfile(k):
            continue
        others = [p for p in yaml_files(d) if p != k and os.path.dirname(p) == d]
        resources = "\n---\n".join(read(p) for p in others if "patch" not in os.path.basename(p))
        patches = [read(p) for p in others if "patch" in os.path.basename(p)]
        add("yaml", read(k))
        add("kustomization", read(k) + "\n---FILE---\n" + resources + "\n---FILE---\n" + (patches[0] if patches else ""))
        for p in patches:
            add("strategic_merge", resources + "\n---PATCH---\n" + p)
    if os.path.isdir(CONFORMANCE):
        for name in sorted(os.listdir(CONFORMANCE)):
            if not name.endswith(".json"):
                continue
            with open(os.path.join(CONFORMANCE, name)) as f:
                tests = json.load(f)
            for t in tests:
                if "doc" in t and "patch" in t:
                    add("json_patch", json.dumps(t["doc"]) + "\n---PATCH---\n" + json.dumps(t["patch"]))
    print("seeds: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
