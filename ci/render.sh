#!/usr/bin/env bash
# Render every overlay to plain YAML under .rendered/<env>/ml-serving/ (what Argo CD and Flux
# sync), with render.metadata and hydrator.metadata (Argo CD's source hydrator format) naming
# the source commit. A failing build or validation leaves
# .rendered untouched.  ci/render.sh --check fails when .rendered is out of date.
set -euo pipefail
cd "$(dirname "$0")/.."
source ci/kforge.sh
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
url=$(git remote get-url origin 2>/dev/null || true)
"${kforge[@]}" render . --out .rendered --source-commit "$commit" ${url:+--repo-url "$url"} "$@"
