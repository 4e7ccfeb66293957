# Sourced by the ci/ scripts from the repository root: sets the array `kforge` to the command
# that runs kforge: $KFORGE when set (the GitHub Action's install), else a release build of
# this checkout when it is kforge's own repository, else the kforge on PATH.
# shellcheck shell=bash
if [[ -n "${KFORGE:-}" ]]; then
  kforge=("$KFORGE")
elif [[ -f Cargo.toml ]] && grep -q '^name = "kforge"' Cargo.toml; then
  kforge=(cargo run --quiet --release --)
else
  kforge=(kforge)
fi
