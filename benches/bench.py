#!/usr/bin/env python3
"""Side-by-side benchmark: kforge vs `kubectl kustomize` (and kubernetes-validate), one run.

    python3 benches/bench.py [--quick] [--kubectl PATH] [--out FILE] [--only PART]

Generates repositories with ../shared/bench/gen_repo.py (`--smp --base-generator`),
benches/gen_features.py and benches/gen_platform.py, and a corpus with gen_corpus.py,
builds kforge in release mode, then for each configuration times both tools on the same
input in the same run (median wall time over several runs; peak RSS through GNU time, which
unlike a child of this script does not count the script's own pages), checks
that kforge's output is byte-identical to kubectl's, and prints a Markdown table. Start-up
(`--version`, a one-object build) is reported on rows of its own, and the largest build
with its peak memory per object. Three fixed loads timed at the start and the end (the CPU,
process start, fresh memory) say how fast the shared machine was during the run. Timing
lives here, never in tests.
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


GNU_TIME = "/usr/bin/time"


def run_with_peak(cmd):
    """`run` through GNU time when there is one: the peak RSS it reports is the program's
    own. A child forked from this script also counts this script's resident pages (Linux
    keeps the high-water mark of the image an `exec` replaces), about 7 MiB more; GNU
    time's own image is a few hundred KiB. Its start adds well under a millisecond."""
    if not os.access(GNU_TIME, os.X_OK):
        return run(cmd)
    start = time.perf_counter()
    p = subprocess.run([GNU_TIME, "-f", "%M", *cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    err = p.stderr.decode(errors="replace").strip().splitlines()
    if p.returncode not in (0, 1) or not err or not err[-1].isdigit():
        sys.exit(f"bench: {' '.join(cmd)} failed ({p.returncode}): {' '.join(err)[:500]}")
    return wall, int(err[-1]) / 1024


def measure(cmd, runs):
    """Median, min and max wall time of `runs` runs, and the peak RSS: of one more run when
    the runs are short, of the one run (through GNU time) when it is long."""
    if runs == 1:
        wall, rss = run_with_peak(cmd)
        return wall, wall, wall, rss
    walls = [run(cmd)[0] for _ in range(runs)]
    return statistics.median(walls), min(walls), max(walls), run_with_peak(cmd)[1]


def output(cmd):
    return subprocess.run(cmd, capture_output=True, check=True).stdout


def gen_repo(base, n, k, smp=True):
    out = os.path.join(base, f"repo-n{n}-k{k}{'-smp' if smp else ''}")
    if not os.path.exists(out):
        flags = ["--smp", "--base-generator"] if smp else []
        subprocess.run([sys.executable, os.path.join(SHARED, "gen_repo.py"), out, "--n", str(n), "--k", str(k)]
                       + flags, check=True, stdout=subprocess.DEVNULL)
    return out


def fmt(t):
    return f"{t * 1000:.1f} ms" if t < 0.1 else f"{t * 1000:.0f} ms" if t < 1 else f"{t:.2f} s"


def timing(m):
    """A measurement as the table shows it: median (min–max), peak RSS."""
    spread = f" ({fmt(m[1])}–{fmt(m[2])})" if m[1] != m[2] else " (one run)"
    return f"{fmt(m[0])}{spread}, {m[3]:.0f} MiB"


def versus(rows, label, mine, theirs, kf_runs, kc_runs):
    """Time kforge and kubectl on the same build, check the bytes, add a row."""
    kf = measure(mine, kf_runs)
    same = "yes" if output(mine) == output(theirs) else "**NO**"
    kc = measure(theirs, kc_runs)
    rows.append((label, timing(kf), f"kubectl kustomize {timing(kc)}", f"{kc[0] / kf[0]:.0f}x", same))


def machine():
    """How fast this machine is at the moment, as three fixed loads beside the benchmarks
    (they vary by up to twice on a shared VM, so a slow spell shows in them too): the CPU
    (SHA-256 of 16 MiB in this process), process start (`true`) and fresh memory (`dd`),
    medians of 15."""
    # In a process of its own: the bench's own memory (which every child it forks starts
    # with, and so counts in its peak RSS) stays as it was.
    cpu = float(output([sys.executable, "-c", (
        "import hashlib, statistics, time\n"
        "data = bytes(16 << 20)\n"
        "def once():\n"
        "    start = time.perf_counter()\n"
        "    hashlib.sha256(data).digest()\n"
        "    return time.perf_counter() - start\n"
        "print(statistics.median(once() for _ in range(15)))\n")]))
    true = shutil.which("true") or "/bin/true"
    spawn = [run([true])[0] for _ in range(15)]
    # A process writing 64 MiB it has just mapped: the first touch of fresh pages, which
    # this VM's host backs page by page.
    fresh = [run(["dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"])[0] for _ in range(15)]
    return (f"SHA-256 of 16 MiB {fmt(cpu)}, `true` {fmt(statistics.median(spawn))}, "
            f"`dd` through 64 MiB of fresh memory {fmt(statistics.median(fresh))}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="skip the N=1000 kubectl runs (about 90 s each) and N=100,000")
    ap.add_argument("--kubectl", default=os.environ.get("KUBECTL") or shutil.which("kubectl"))
    ap.add_argument("--out", help="also write the table to this file")
    ap.add_argument("--only", choices=["features", "startup", "platform", "graph"],
                    help="run only this part: 'features' is the replacements/vars/configurations repository, "
                         "'startup' the start-up rows, 'platform' the ML platform repository, "
                         "'graph' kforge graph on 1,000 objects and on the template")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], cwd=ROOT, check=True)
    work = tempfile.mkdtemp(prefix="kforge-bench-")
    rows = []
    args.machine_before = machine()
    print(f"kforge {output([KFORGE, '--version']).decode().strip()}; kubectl {args.kubectl}", file=sys.stderr)

    if args.only == "graph":
        graph_rows(work, rows)
        return finish(rows, args, work)

    # 0. Start-up: what every invocation pays (process start, tables), beside kubectl's.
    if args.only in (None, "startup"):
        rows.append(("start-up: `--version`", timing(measure([KFORGE, "--version"], 30)),
                     f"`kubectl version --client` {timing(measure([args.kubectl, 'version', '--client'], 10))}",
                     "–", "–"))
        one = os.path.join(work, "one")
        os.makedirs(one)
        with open(os.path.join(one, "kustomization.yaml"), "w") as f:
            f.write("resources:\n- configmap.yaml\n")
        with open(os.path.join(one, "configmap.yaml"), "w") as f:
            f.write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\ndata:\n  k: v\n")
        versus(rows, "start-up: build of one object", [KFORGE, "build", one], [args.kubectl, "kustomize", one], 30, 10)
        if args.only == "startup":
            return finish(rows, args, work)

    # 1. kustomize's round-two fields at scale: vars, replacements, configurations and a
    #    builtin transformer plugin (benches/gen_features.py), N=1000 apps (4,001 objects).
    if args.only in (None, "features"):
        n = 1000
        repo = os.path.join(work, f"features-n{n}")
        subprocess.run([sys.executable, os.path.join(HERE, "gen_features.py"), repo, "--n", str(n)],
                       check=True, stdout=subprocess.DEVNULL)
        overlay = os.path.join(repo, "overlays", "prod")
        versus(rows, f"build with vars, replacements, configurations, plugins: N={n} ({4 * n + 1} objects)",
               [KFORGE, "build", overlay], [args.kubectl, "kustomize", overlay], 10, 1)
        if args.only == "features":
            return finish(rows, args, work)

    # 2. The shape of an ML platform (benches/gen_platform.py): 100 apps in 10 teams, each
    #    app a base and an overlay with components, six kustomizations from files to the
    #    environment (216 kustomizations, 435 objects).
    if args.only in (None, "platform"):
        repo = os.path.join(work, "platform")
        subprocess.run([sys.executable, os.path.join(HERE, "gen_platform.py"), repo, "--apps", "100"],
                       check=True, stdout=subprocess.DEVNULL)
        env = os.path.join(repo, "envs", "prod-eu")
        versus(rows, "build of an ML platform: 100 apps, 10 teams, 216 kustomizations six deep, components (435 objects)",
               [KFORGE, "build", env], [args.kubectl, "kustomize", env], 10, 3)
        if args.only == "platform":
            return finish(rows, args, work)

    # 3. One overlay (namespace, prefix, labels, annotations, images, replicas, generators
    #    merged into a base generator, JSON and strategic-merge patches), growing counts.
    for n, kubectl_runs in [(10, 5), (100, 5), (300, 3), (1000, 0 if args.quick else 1)]:
        repo = gen_repo(work, n, 1)
        overlay = os.path.join(repo, "overlays", "env-000")
        label = f"build, N={n} ({3 * n + 1} objects), one overlay"
        if kubectl_runs:
            versus(rows, label, [KFORGE, "build", overlay], [args.kubectl, "kustomize", overlay], 10, kubectl_runs)
        else:
            rows.append((label, timing(measure([KFORGE, "build", overlay], 10)), "not run (--quick)", "–", "not run"))

    # 4. Larger repositories, kforge only (kubectl grows quadratically). N=100,000 is 300,000
    #    objects in 300,000 files (1.6 GB on disk): its row gives the peak memory per object.
    for n, runs in ((10000, 3),) if args.quick else ((10000, 3), (100000, 1)):
        repo = gen_repo(work, n, 1)
        kf = measure([KFORGE, "build", os.path.join(repo, "overlays", "env-000")], runs)
        objects = 3 * n + 1
        rows.append((f"build, N={n} ({objects} objects), one overlay",
                     f"{timing(kf)} ({kf[3] * 1024 / objects:.1f} KiB per object)", "–", "–", "–"))
        shutil.rmtree(repo, ignore_errors=True)

    # 5. Every overlay of a repository with many environments, built and validated.
    repo = gen_repo(work, 20, 100, smp=False)
    kf = measure([KFORGE, "check", repo, "--format", "json"], 5)
    overlays = sorted(os.listdir(os.path.join(repo, "overlays")))
    start = time.perf_counter()
    for o in overlays:
        output([args.kubectl, "kustomize", os.path.join(repo, "overlays", o)])
    kc_total = time.perf_counter() - start
    rows.append((f"check all {len(overlays)} overlays, N=20 (build + validate)", timing(kf),
                 f"{fmt(kc_total)} ({len(overlays)} builds, no validation)", f"{kc_total / kf[0]:.0f}x", "–"))

    # 6. Validation of a 10,000-object corpus.
    corpus = os.path.join(work, "corpus-10000.yaml")
    subprocess.run([sys.executable, os.path.join(SHARED, "gen_corpus.py"), "10000", "-o", corpus], check=True)
    kf = measure([KFORGE, "validate", corpus, "--format", "json"], 5)
    kv = shutil.which("kubernetes-validate")
    if kv:
        t = measure([kv, "--strict", "--kubernetes-version", "1.37.0", corpus], 1)
        kv_s, ratio = f"kubernetes-validate --strict {timing(t)}", f"{t[0] / kf[0]:.0f}x"
    else:
        kv_s, ratio = "not installed", "–"
    rows.append(("validate 10,000 objects (one file)", timing(kf), kv_s, ratio, "–"))

    # 7. kforge graph.
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
    load = os.getloadavg()
    table = [f"Load average at the end: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} (1, 5, 15 min). "
             f"The machine at the start: {args.machine_before}; at the end: {machine()} "
             "(on a quiet machine of this kind about 12 ms, 1.2 ms and 30 ms).", "",
             "| benchmark | kforge (median, min–max, peak RSS) | other tool | ratio | identical output |",
             "|---|---|---|---|---|"]
    table += [f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in rows]
    text = "\n".join(table) + "\n"
    print(text)
    if args.out:
        open(args.out, "w").write(text)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
