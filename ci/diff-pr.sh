#!/usr/bin/env bash
# Markdown of what this pull request changes in every environment (for a PR comment).
# Exit 0 with "no changes" when the rendered output is the same.
set -euo pipefail
cd "$(dirname "$0")/.."
source ci/kforge.sh
base="${1:-origin/main}"
set +e
"${kforge[@]}" diff --base "$base" --format markdown . > kforge-diff.md
status=$?
set -e
if [[ $status -ge 2 ]]; then exit "$status"; fi
cat kforge-diff.md
