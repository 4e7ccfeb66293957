#!/usr/bin/env bash
# Render every overlay to plain YAML under .rendered/<env>/ml-serving/manifest.yaml (what
# Argo CD and Flux sync). A failing build or validation leaves .rendered untouched.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release
cargo run --quiet --release -- check .
out=$(mktemp -d)
for dir in overlays/*/; do
  env=$(basename "$dir")
  mkdir -p "$out/$env/ml-serving"
  target/release/kforge build "$dir" -o "$out/$env/ml-serving/manifest.yaml"
done
rm -rf .rendered
mv "$out" .rendered
echo "render: wrote .rendered/{$(ls .rendered | paste -sd, -)}"
