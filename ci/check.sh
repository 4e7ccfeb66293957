#!/usr/bin/env bash
# Build and validate every overlay, and prove the inflated chart YAML is current.
set -euo pipefail
cd "$(dirname "$0")/.."
source ci/kforge.sh
"${kforge[@]}" check . --format "${KFORGE_FORMAT:-human}"
ci/inflate-charts.sh --check
