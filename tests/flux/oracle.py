#!/usr/bin/env python3
"""Record or check what the envsubst library Flux substitutes with gives for every case.

    oracle.py record           write tests/flux/expected/<case>.json for every case
    oracle.py record CASE...   record only the named cases
    oracle.py check            run the library again and fail on any difference from the
                               committed expected files (so they cannot drift)

A case is a directory tests/flux/cases/<case>/ with `input.txt` (the text substituted, as
bytes; a final newline is part of it) and, optionally, `vars.env` (the variables: one
`NAME=value` a line, the value up to the end of the line; blank lines and lines starting
with `#` are skipped; no file means no variables).

Beside the cases, `record` writes tests/flux/random.json: 500 short texts drawn (with a fixed
seed) from the characters the syntax is made of, with the library's answers; `check` runs
the library again on the texts kept there.

The library is drone/envsubst from Debian's golang-github-drone-envsubst-dev, run by
tests/flux/oracle/main.go with Debian's golang-go, offline:

    GOPATH=/usr/share/gocode GO111MODULE=off go run tests/flux/oracle/main.go

(`apt-get install -y golang-go golang-github-drone-envsubst-dev`; .ci/run installs both).
The expected file holds the library's result, what Flux's fork gives where the oracle can
say (see main.go), and strict mode's first unset variable; tests/flux_envsubst.rs compares
kforge's substitution with it.
"""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases")
EXPECTED = os.path.join(HERE, "expected")
RANDOM = os.path.join(HERE, "random.json")
RANDOM_VARS = {"a": "h\u00e9llo/w\u00f6rld", "b": "", "ab": "x[y]*z"}
PROGRAM = os.path.join(HERE, "oracle", "main.go")
GOPATH = "/usr/share/gocode"
LIBRARY = os.path.join(GOPATH, "src", "github.com", "drone", "envsubst")


def read_vars(path):
    out = {}
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f.read().split("\n"), 1):
            if not line.strip() or line.startswith("#"):
                continue
            if "=" not in line:
                sys.exit(f"oracle: {path}:{n}: expected NAME=value")
            name, value = line.split("=", 1)
            out[name] = value
    return out


def cases(names=None):
    found = sorted(d for d in os.listdir(CASES) if os.path.isdir(os.path.join(CASES, d)))
    if names:
        missing = [n for n in names if n not in found]
        if missing:
            sys.exit(f"oracle: no such case: {', '.join(missing)}")
        found = names
    out = []
    for name in found:
        d = os.path.join(CASES, name)
        with open(os.path.join(d, "input.txt"), "rb") as f:
            text = f.read().decode("utf-8")
        out.append({"name": name, "text": text, "vars": read_vars(os.path.join(d, "vars.env"))})
    return out


def run(batch):
    go = shutil.which("go")
    if not go or not os.path.isdir(LIBRARY):
        sys.exit("oracle: needs Go and drone/envsubst: "
                 "apt-get install -y golang-go golang-github-drone-envsubst-dev")
    env = dict(os.environ, GOPATH=GOPATH, GO111MODULE="off",
               GOCACHE=os.environ.get("GOCACHE") or os.path.join(tempfile.gettempdir(), "kforge-go-cache"))
    p = subprocess.run([go, "run", PROGRAM], input=json.dumps(batch).encode(), env=env,
                       capture_output=True)
    if p.returncode != 0:
        sys.exit("oracle: the Go program failed:\n" + p.stderr.decode(errors="replace"))
    return json.loads(p.stdout)


def random_texts(n=500, seed=22):
    """Short texts of the syntax's characters, most holding a `${`."""
    rng = random.Random(seed)
    alphabet = list("ab_1${}:/\\#%^,-=?+*[]! \u00e9\u20ac\n")
    out = []
    for _ in range(n):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24)))
        if rng.random() < 0.7:
            k = rng.randint(0, len(text))
            text = text[:k] + "${" + text[k:]
        out.append(text)
    return out


def run_random(texts):
    batch = [{"name": f"random-{i}", "text": t, "vars": RANDOM_VARS} for i, t in enumerate(texts)]
    return [dict(r, text=t) for r, t in zip(run(batch), texts)]


def rendered(result):
    return json.dumps(result, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def record(names):
    os.makedirs(EXPECTED, exist_ok=True)
    batch = cases(names or None)
    for r in run(batch):
        with open(os.path.join(EXPECTED, r["name"] + ".json"), "w", encoding="utf-8") as f:
            f.write(rendered(r))
    if not names:
        keep = {c["name"] + ".json" for c in batch}
        for stale in set(os.listdir(EXPECTED)) - keep:
            os.remove(os.path.join(EXPECTED, stale))
        with open(RANDOM, "w", encoding="utf-8") as f:
            f.write(rendered({"vars": RANDOM_VARS, "cases": run_random(random_texts())}))
    print(f"oracle: recorded {len(batch)} case(s) and the random texts")


def check():
    batch = cases()
    bad = []
    for r in run(batch):
        path = os.path.join(EXPECTED, r["name"] + ".json")
        want = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if want != rendered(r):
            bad.append(r["name"])
    extra = set(os.listdir(EXPECTED)) - {c["name"] + ".json" for c in batch}
    if extra:
        bad.extend(sorted(f"{e} (no case)" for e in extra))
    kept = json.load(open(RANDOM, encoding="utf-8"))
    texts = [c["text"] for c in kept["cases"]]
    if rendered({"vars": RANDOM_VARS, "cases": run_random(texts)}) != open(RANDOM, encoding="utf-8").read():
        bad.append("random.json")
    if bad:
        sys.exit("oracle: differs from the library: " + ", ".join(bad))
    print(f"oracle: {len(batch)} case(s) and {len(texts)} random texts match the library")


def main():
    args = sys.argv[1:]
    if args[:1] == ["record"]:
        record(args[1:])
    elif args == ["check"]:
        check()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
