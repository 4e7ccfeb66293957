#!/usr/bin/env python3
"""Compare `kforge build DIR` with `kubectl kustomize DIR` on real repositories.

Walks each ROOT, finds every directory holding a `kustomization.yaml`,
`kustomization.yml` or `Kustomization`, runs both tools on it (standard output
captured, a time limit per run) and puts each directory in one class:

  identical           kubectl builds it and kforge prints the same bytes
  differs             both build it, the outputs differ (first differing line of
                      each and its line number are recorded)
  refuses             kubectl builds it, kforge exits 2 (its error line is recorded)
  kforge-other-exit   kubectl builds it, kforge exits with some other non-zero code
  remote              kubectl fails and its error names a URL fetch, or the
                      kustomization lists an http(s)/git resource
  both-fail           both fail, nothing remote involved
  kubectl-fails-only  kubectl fails, kforge builds it
  timeout             either tool ran past the time limit

Writes every result to a JSON file and prints, per root, a table of counts and
then one line per directory that is not identical, with its cause.

Usage:

    tools/real_world.py [--kforge PATH] [--kubectl PATH] [--timeout S] [--jobs N]
                        [--out results.json] [--show-remote] ROOT [ROOT ...]

    # e.g., from the repository root, with the snapshots extracted under /tmp/rw/src:
    python3 tools/real_world.py --out /tmp/rw/results.json /tmp/rw/src/*

`--kforge` defaults to target/release/kforge of this repository, `--kubectl` to
the `kubectl` on PATH; the kubectl used must embed kustomize v5.8.1 (its
version is recorded in the JSON file and a warning is printed otherwise).
Standard library only.
"""

import argparse
import concurrent.futures
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import time

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
EXPECTED_KUSTOMIZE = "v5.8.1"

CLASSES = (
    "identical",
    "differs",
    "refuses",
    "kforge-other-exit",
    "both-fail",
    "kubectl-fails-only",
    "remote",
    "timeout",
)

# A list entry (or a `path:`) in a kustomization that points at a remote location.
REMOTE_ENTRY = re.compile(
    r"""^\s*(?:-\s*|path:\s*)['"]?(?:https?://|git::|git@|ssh://|"""
    r"""(?:github\.com|gitlab\.com|bitbucket\.org)/)""",
    re.MULTILINE,
)
# What kubectl says when it tried to fetch something remote.
REMOTE_ERROR = re.compile(
    r"https?://|git@|ssh://|github\.com/|gitlab\.com/|git clone|git fetch|"
    r"failed to run '[^']*git|no such host|dial tcp|remote (?:base|target)",
    re.IGNORECASE,
)


def find_kustomization_dirs(root):
    """Every directory under root (root included) holding a kustomization file."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        if any(name in filenames for name in KUSTOMIZATION_NAMES):
            found.append(dirpath)
    return sorted(found)


def kustomization_text(directory):
    for name in KUSTOMIZATION_NAMES:
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    return f.read()
            except OSError:
                return ""
    return ""


def run(cmd, timeout):
    """(exit code or None on timeout, stdout bytes, stderr text, seconds)."""
    start = time.monotonic()
    try:
        proc = subprocess.run(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=timeout,
            cwd="/",
        )
    except subprocess.TimeoutExpired:
        return None, b"", "", round(time.monotonic() - start, 2)
    return (
        proc.returncode,
        proc.stdout,
        proc.stderr.decode("utf-8", errors="replace"),
        round(time.monotonic() - start, 2),
    )


def error_line(stderr):
    """What went wrong, on one line: from the first `error...` line to the end (an
    error message can span lines, e.g. a plugin config quoted in it), else the last
    line; whitespace runs collapsed."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for i, line in enumerate(lines):
        if line.lower().startswith("error"):
            return re.sub(r"\s+", " ", " ".join(lines[i:]))
    return lines[-1] if lines else ""


def first_difference(ours, theirs):
    """(1-based line number, kforge line, kubectl line); '<EOF>' past the end."""
    a = ours.decode("utf-8", errors="replace").split("\n")
    b = theirs.decode("utf-8", errors="replace").split("\n")
    for i in range(max(len(a), len(b))):
        left = a[i] if i < len(a) else "<EOF>"
        right = b[i] if i < len(b) else "<EOF>"
        if left != right:
            return i + 1, left, right
    return None, "", ""


def compare(directory, kforge, kubectl, timeout):
    k_rc, k_out, k_err, k_s = run([kforge, "build", directory], timeout)
    c_rc, c_out, c_err, c_s = run([kubectl, "kustomize", directory], timeout)
    result = {
        "kforge_exit": k_rc,
        "kubectl_exit": c_rc,
        "kforge_seconds": k_s,
        "kubectl_seconds": c_s,
    }
    if k_rc is None or c_rc is None:
        result["status"] = "timeout"
        result["cause"] = "timed out: " + ", ".join(
            name for name, rc in (("kforge", k_rc), ("kubectl", c_rc)) if rc is None
        )
        return result
    if c_rc != 0:
        result["kubectl_error"] = error_line(c_err)
        if k_rc != 0:
            result["kforge_error"] = error_line(k_err)
        if REMOTE_ERROR.search(c_err) or REMOTE_ENTRY.search(kustomization_text(directory)):
            result["status"] = "remote"
        elif k_rc != 0:
            result["status"] = "both-fail"
        else:
            result["status"] = "kubectl-fails-only"
        result["cause"] = result["kubectl_error"]
        return result
    if k_rc == 0:
        if k_out == c_out:
            result["status"] = "identical"
            return result
        line, ours, theirs = first_difference(k_out, c_out)
        result.update(
            status="differs",
            line=line,
            kforge_line=ours,
            kubectl_line=theirs,
            cause=f"line {line}: kforge {ours!r} / kubectl {theirs!r}",
        )
        return result
    result["kforge_error"] = error_line(k_err)
    result["status"] = "refuses" if k_rc == 2 else "kforge-other-exit"
    result["cause"] = (
        result["kforge_error"] if k_rc == 2 else f"exit {k_rc}: {result['kforge_error']}"
    )
    return result


def tool_versions(kforge, kubectl):
    info = {"kforge": os.path.abspath(kforge) if os.path.exists(kforge) else kforge}
    try:
        info["kforge_mtime"] = datetime.datetime.fromtimestamp(
            os.stat(kforge).st_mtime, datetime.timezone.utc
        ).isoformat(timespec="seconds")
    except OSError:
        pass
    info["kubectl"] = shutil.which(kubectl) or kubectl
    try:
        out = subprocess.run(
            [kubectl, "version", "--client"], capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        out = ""
    match = re.search(r"Kustomize Version:\s*(\S+)", out)
    info["kustomize_version"] = match.group(1) if match else None
    match = re.search(r"Client Version:\s*(\S+)", out)
    info["kubectl_version"] = match.group(1) if match else None
    return info


def print_summary(roots, results, show_remote):
    header = ["root"] + list(CLASSES) + ["total", "identical/built"]
    rows = []
    for root in roots:
        entries = results[root]
        counts = {c: sum(1 for e in entries if e["status"] == c) for c in CLASSES}
        built = counts["identical"] + counts["differs"] + counts["refuses"] + counts[
            "kforge-other-exit"
        ]
        share = f"{counts['identical']}/{built}" if built else "-"
        rows.append(
            [os.path.basename(os.path.normpath(root)) or root]
            + [str(counts[c]) for c in CLASSES]
            + [str(len(entries)), share]
        )
    if len(roots) > 1:
        total = ["TOTAL"]
        for i in range(1, len(header) - 1):
            total.append(str(sum(int(r[i]) for r in rows)))
        built = sum(
            int(total[1 + CLASSES.index(c)])
            for c in ("identical", "differs", "refuses", "kforge-other-exit")
        )
        total.append(f"{total[1]}/{built}" if built else "-")
        rows.append(total)
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) for i in range(len(header))]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    for r in rows:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)))
    print()
    print("Not identical (identical/built counts only directories kubectl builds):")
    for root in roots:
        for e in results[root]:
            if e["status"] == "identical":
                continue
            if e["status"] == "remote" and not show_remote:
                continue
            cause = e.get("cause", "")
            if len(cause) > 300:
                cause = cause[:297] + "..."
            name = os.path.basename(os.path.normpath(root))
            print(f"  [{e['status']}] {name}: {e['dir']}\n      {cause}")
    hidden = sum(1 for r in roots for e in results[r] if e["status"] == "remote")
    if hidden and not show_remote:
        print(f"  ({hidden} remote directories not listed; --show-remote lists them)")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("roots", nargs="+", metavar="ROOT")
    parser.add_argument(
        "--kforge", default=os.path.join(here, "..", "target", "release", "kforge")
    )
    parser.add_argument("--kubectl", default="kubectl")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per run")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", default="real-world-results.json")
    parser.add_argument("--show-remote", action="store_true")
    args = parser.parse_args()

    if not os.access(args.kforge, os.X_OK):
        sys.exit(f"error: no kforge binary at {args.kforge}")
    tools = tool_versions(args.kforge, args.kubectl)
    if tools["kustomize_version"] != EXPECTED_KUSTOMIZE:
        print(
            f"warning: {tools['kubectl']} embeds kustomize {tools['kustomize_version']}, "
            f"not {EXPECTED_KUSTOMIZE}",
            file=sys.stderr,
        )

    roots = [os.path.abspath(r) for r in args.roots]
    jobs = []
    for root in roots:
        for directory in find_kustomization_dirs(root):
            jobs.append((root, directory))
    print(f"{len(jobs)} kustomization directories under {len(roots)} roots", file=sys.stderr)

    results = {root: [] for root in roots}
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = {
            pool.submit(compare, directory, args.kforge, args.kubectl, args.timeout): (
                root,
                directory,
            )
            for root, directory in jobs
        }
        for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
            root, directory = futures[future]
            entry = {"dir": os.path.relpath(directory, root) or "."}
            entry.update(future.result())
            results[root].append(entry)
            if done % 25 == 0:
                print(f"  {done}/{len(jobs)}", file=sys.stderr)
    for root in roots:
        results[root].sort(key=lambda e: e["dir"])

    report = {
        "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - started, 1),
        "tools": tools,
        "timeout_seconds": args.timeout,
        "roots": results,
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=1)
        f.write("\n")
    print_summary(roots, results, args.show_remote)
    print(f"\nresults: {args.out}")


if __name__ == "__main__":
    main()
