#!/usr/bin/env python3
"""Validate SARIF files against a JSON schema with the `jsonschema` package.

    validate_sarif.py SCHEMA FILE...

Exit 0 when every file is valid; otherwise print each violation (file, JSON path, message)
and exit 1. The schema's own `$schema` picks the draft (SARIF 2.1.0 rtm.5 is draft-04).
"""
import json
import sys

import jsonschema


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    bad = 0
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
            where = "/".join(str(p) for p in err.absolute_path)
            print(f"{path}: /{where}: {err.message}")
            bad += 1
    if bad:
        print(f"validate_sarif: {bad} violation(s)")
        return 1
    print(f"validate_sarif: {len(sys.argv) - 2} file(s) valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
