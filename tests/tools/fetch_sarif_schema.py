#!/usr/bin/env python3
"""Install the SARIF 2.1.0 JSON schema the SARIF test validates kforge's output against.

The schema (OASIS SARIF 2.1.0, the rtm.5 text GitHub code scanning accepts) ships in the
npm package @microsoft/jest-sarif as lib/schemas/sarif-2.1.0-rtm.5.json. This script
fetches the pinned package with `npm pack` once, checks the schema's sha256 and writes it
to target/tools/sarif/sarif-schema-2.1.0.json (printed on stdout). Idempotent. The schema
is not committed: it is OASIS's text, fetched by the ordinary npm client.
"""
import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile

PACKAGE = "@microsoft/jest-sarif@1.0.0-beta.0"
MEMBER = "package/lib/schemas/sarif-2.1.0-rtm.5.json"
SHA256 = "2d99159ae54a3eea97f81781cff48780548657c35949f4b7f25e99a2ba4de4f8"
DEST = os.path.join(os.path.dirname(__file__), "..", "..", "target", "tools", "sarif",
                    "sarif-schema-2.1.0.json")


def schema_bytes():
    """The schema out of the pinned npm package, checked against its sha256."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", "--silent", "--pack-destination", tmp, PACKAGE],
                       check=True, stdout=subprocess.DEVNULL, cwd=tmp)
        (tgz,) = [f for f in os.listdir(tmp) if f.endswith(".tgz")]
        with tarfile.open(os.path.join(tmp, tgz)) as tar:
            data = tar.extractfile(MEMBER).read()
    got = hashlib.sha256(data).hexdigest()
    if got != SHA256:
        sys.exit(f"fetch_sarif_schema: {MEMBER} has sha256 {got}, expected {SHA256}")
    return data


def main():
    dest = os.path.realpath(DEST)
    if not os.path.exists(dest):
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest + ".part", "wb") as f:
            f.write(schema_bytes())
        os.replace(dest + ".part", dest)
    print(dest)


if __name__ == "__main__":
    main()
