#!/usr/bin/env bash
# The `kforge-check` pre-commit hook: `kforge check . ARGS...` with the kforge release of this
# hook's version (the Cargo.toml beside it, so the `rev` a repository pins), installed once
# into ${XDG_CACHE_HOME:-~/.cache}/kforge/pre-commit/<version>/ by ci/action/install.sh
# (checked against the release's SHA256SUMS). $KFORGE, when set, is used instead.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
if [[ -n "${KFORGE:-}" ]]; then
  kforge="$KFORGE"
else
  version="v$(sed -n 's/^version = "\(.*\)"$/\1/p' "$here/Cargo.toml" | head -n1)"
  [[ "$version" != v ]] || { echo "kforge-check: no version in $here/Cargo.toml" >&2; exit 2; }
  dir="${XDG_CACHE_HOME:-$HOME/.cache}/kforge/pre-commit/$version"
  kforge="$dir/kforge"
  if [[ ! -x "$kforge" ]]; then
    # pre-commit runs this without a GITHUB_PATH to extend.
    GITHUB_PATH='' KFORGE_VERSION="$version" "$here/ci/action/install.sh" "$dir" >/dev/null
  fi
fi
exec "$kforge" check . "$@"
