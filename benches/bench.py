#!/usr/bin/env python3
"""Side-by-side benchmark: kforge vs `kubectl kustomize` (and kubernetes-validate), one run.

    python3 benches/bench.py [--quick] [--kubectl PATH] [--out FILE]

Generates repositories with ../shared/bench/gen_repo.py and a corpus with gen_corpus.py,
builds kforge in release mode, then for each configuration times both tools on the same
input in the same run (median wall time over several runs, peak RSS from wait4), checks
that kforge's output is byte-identical to kubectl's, and prints a Markdown table.
Timing lives here, never in tests.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "bench")
KFORGE = os.path.join(ROOT, "target", "release", "kforge")


def run(cmd, stdout=subprocess.DEVNULL):
    """Wall seconds and peak RSS (MiB) of one run; fails loudly on a non-zero exit."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode(errors="replace") if p.stderr else ""
    if p.returncode not in (0, 1):
        sys.exit(f"bench: {' '.join(cmd)} failed ({p.returncode}): {err[:500]}")
    return wall, usage.ru_maxrss / 1024


def measure(cmd, runs):
    samples = [run(cmd) for _ in range(runs)]
    walls = [s[0] for s in samples]
    return statistics.median(walls), min(walls), max(walls), max(s[1] for s in samples)


def output(cmd):
    return subprocess.run(cmd, capture_output=True, check=True).stdout


def gen_repo(base, n, k):
    out = os.path.join(base, f"repo-n{n}-k{k}")
    if not os.path.exists(out):
        subprocess.run([sys.executable, os.path.join(SHARED, "gen_repo.py"), out, "--n", str(n), "--k", str(k)],
                       check=True, stdout=subprocess.DEVNULL)
    return out


def fmt(t):
    return f"{t * 1000:.0f} ms" if t < 1 else f"{t:.2f} s"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="skip the N=1000 kubectl runs (about 90 s each)")
    ap.add_argument("--kubectl", default=os.environ.get("KUBECTL") or shutil.which("kubectl"))
    ap.add_argument("--out", help="also write the table to this file")
    ap.add_argument("--only", choices=["features", "graph"],
                    help="run only this part: 'features' is the replacements/vars/configurations repository, "
                         "'graph' is kforge graph on 1,000 objects and on the template")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    work = tempfile.mkdtemp(prefix="kforge-bench-")
    rows = []
    print(f"kforge {output([KFORGE, '--version']).decode().strip()}; kubectl {args.kubectl}", file=sys.stderr)

    if args.only == "graph":
        graph_rows(work, rows)
        return finish(rows, args, work)

    # 0. kustomize's round-two fields at scale: vars, replacements, configurations and a
    #    builtin transformer plugin (benches/gen_features.py), N=1000 apps (4,001 objects).
    n = 1000
    repo = os.path.join(work, f"features-n{n}")
    subprocess.run([sys.executable, os.path.join(HERE, "gen_features.py"), repo, "--n", str(n)],
                   check=True, stdout=subprocess.DEVNULL)
    overlay = os.path.join(repo, "overlays", "prod")
    kf = measure([KFORGE, "build", overlay], 10)
    mine, theirs = output([KFORGE, "build", overlay]), output([args.kubectl, "kustomize", overlay])
    same = "yes" if mine == theirs else "**NO**"
    kc = measure([args.kubectl, "kustomize", overlay], 1)
    rows.append((f"build with vars, replacements, configurations, plugins: N={n} ({4 * n + 1} objects)",
                 f"{fmt(kf[0])} ({fmt(kf[1])}–{fmt(kf[2])}), {kf[3]:.0f} MiB",
                 f"{fmt(kc[0])}, {kc[3]:.0f} MiB", f"{kc[0] / kf[0]:.0f}x", same))
    if args.only == "features":
        return finish(rows, args, work)

    # 1. One overlay, growing object counts.
    for n, kubectl_runs in [(10, 5), (100, 5), (1000, 0 if args.quick else 1)]:
        repo = gen_repo(work, n, 3 if n < 1000 else 1)
        overlay = os.path.join(repo, "overlays", "env-000")
        kf = measure([KFORGE, "build", overlay], 10)
        if kubectl_runs:
            mine, theirs = output([KFORGE, "build", overlay]), output([args.kubectl, "kustomize", overlay])
            same = "yes" if mine == theirs else "**NO**"
            kc = measure([args.kubectl, "kustomize", overlay], kubectl_runs)
            ratio = f"{kc[0] / kf[0]:.0f}x"
            kc_s = f"{fmt(kc[0])} ({fmt(kc[1])}–{fmt(kc[2])}), {kc[3]:.0f} MiB"
        else:
            same, ratio, kc_s = "not run", "–", "not run (--quick)"
        rows.append((f"build, N={n} ({3 * n + 1} objects), one overlay",
                     f"{fmt(kf[0])} ({fmt(kf[1])}–{fmt(kf[2])}), {kf[3]:.0f} MiB", kc_s, ratio, same))

    # 2. Larger repositories, kforge only (kubectl grows quadratically: 86 s at N=1000).
    #    N=100,000 is 300,000 objects in 300,000 files (1.6 GB on disk, about 4 GiB of RSS).
    for n, runs in ((10000, 3),) if args.quick else ((10000, 3), (100000, 1)):
        repo = gen_repo(work, n, 1)
        kf = measure([KFORGE, "build", os.path.join(repo, "overlays", "env-000")], runs)
        rows.append((f"build, N={n} ({3 * n + 1} objects), one overlay",
                     f"{fmt(kf[0])} ({fmt(kf[1])}–{fmt(kf[2])}), {kf[3]:.0f} MiB", "–", "–", "–"))

    # 3. Every overlay of a repository with many environments, built and validated.
    repo = gen_repo(work, 20, 100)
    kf = measure([KFORGE, "check", repo, "--format", "json"], 5)
    overlays = sorted(os.listdir(os.path.join(repo, "overlays")))
    start = time.perf_counter()
    for o in overlays:
        output([args.kubectl, "kustomize", os.path.join(repo, "overlays", o)])
    kc_total = time.perf_counter() - start
    rows.append((f"check all {len(overlays)} overlays, N=20 (build + validate)",
                 f"{fmt(kf[0])} ({fmt(kf[1])}–{fmt(kf[2])}), {kf[3]:.0f} MiB",
                 f"{fmt(kc_total)} ({len(overlays)} builds, no validation)", f"{kc_total / kf[0]:.0f}x", "–"))

    # 4. Validation of a 10,000-object corpus.
    corpus = os.path.join(work, "corpus-10000.yaml")
    subprocess.run([sys.executable, os.path.join(SHARED, "gen_corpus.py"), "10000", "-o", corpus], check=True)
    kf = measure([KFORGE, "validate", corpus, "--format", "json"], 5)
    kv = shutil.which("kubernetes-validate")
    if kv:
        t = measure([kv, "--strict", "--kubernetes-version", "1.37.0", corpus], 1)
        kv_s, ratio = f"{fmt(t[0])}, {t[3]:.0f} MiB", f"{t[0] / kf[0]:.0f}x"
    else:
        kv_s, ratio = "not installed", "–"
    rows.append(("validate 10,000 objects (one file)",
                 f"{fmt(kf[0])} ({fmt(kf[1])}–{fmt(kf[2])}), {kf[3]:.0f} MiB", kv_s, ratio, "–"))

    # 5. kforge graph.
    graph_rows(work, rows)

    finish(rows, args, work)


def graph_rows(work, rows):
    """`kforge graph` (build, the reference rules, layout, writing) on a 1,000-object
    environment (issue 24's target: under 200 ms), collapsed (the default) and not, and on
    the template's prod environment."""
    repo = gen_repo(work, 333, 1)
    overlay = os.path.join(repo, "overlays", "env-000")
    cases = [(overlay, "1,000 objects (N=333)", f, extra)
             for f, extra in [("mermaid", []), ("svg", []), ("svg", ["--collapse", "0"]),
                              ("drawio", ["--collapse", "0"]), ("json", ["--collapse", "0"])]]
    cases.append((os.path.join(ROOT, "overlays", "prod"), "the template's prod (46 objects)", "svg", []))
    for path, what, f, extra in cases:
        kf = measure([KFORGE, "graph", path, "--format", f] + extra, 10)
        flags = " ".join(["--format", f] + extra)
        rows.append((f"graph, {what}, {flags}",
                     f"{fmt(kf[0])} ({fmt(kf[1])}–{fmt(kf[2])}), {kf[3]:.0f} MiB", "–", "–", "–"))


def finish(rows, args, work):
    table = ["| benchmark | kforge (median, min–max, peak RSS) | other tool | ratio | identical output |",
             "|---|---|---|---|---|"]
    table += [f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in rows]
    text = "\n".join(table) + "\n"
    print(text)
    if args.out:
        open(args.out, "w").write(text)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
