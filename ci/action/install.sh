#!/usr/bin/env bash
# Install a kforge release binary for this machine, verified against the release's SHA256SUMS.
#
#   ci/action/install.sh [DIR]        install DIR/kforge (default: ~/.local/bin)
#
# Environment:
#   KFORGE_VERSION           a release tag (v0.1.0; 0.1.0 is read as v0.1.0) or `latest` (default)
#   KFORGE_RELEASES_URL      where releases are served (default
#                            https://github.com/kforge-dev/kforge/releases); a release's asset
#                            is BASE/download/TAG/ASSET, the newest one's BASE/latest/download/ASSET
#   KFORGE_TARGET            the asset's target triple, when not this machine's
#                            (x86_64|aarch64-unknown-linux-musl, x86_64|aarch64-apple-darwin)
#   GITHUB_PATH              when set (in a GitHub Actions job), DIR is added to it
#
# Prints the installed binary's path on stdout. Exits non-zero, installing nothing, when
# the download fails, SHA256SUMS has no line for the asset, or the checksum differs.
set -euo pipefail

dir="${1:-$HOME/.local/bin}"
version="${KFORGE_VERSION:-latest}"
base="${KFORGE_RELEASES_URL:-https://github.com/kforge-dev/kforge/releases}"
base="${base%/}"

fail() { echo "kforge install: $*" >&2; exit 1; }

target="${KFORGE_TARGET:-}"
if [[ -z "$target" ]]; then
  case "$(uname -m)" in
    x86_64|amd64) arch=x86_64 ;;
    aarch64|arm64) arch=aarch64 ;;
    *) fail "no release binary for the architecture $(uname -m)" ;;
  esac
  case "$(uname -s)" in
    Linux) target="$arch-unknown-linux-musl" ;;
    Darwin) target="$arch-apple-darwin" ;;
    *) fail "no release binary for $(uname -s); build from source: cargo install --locked --git https://github.com/kforge-dev/kforge kforge" ;;
  esac
fi
asset="kforge-$target.tar.gz"

case "$version" in
  ""|latest) url="$base/latest/download" ;;
  v*) url="$base/download/$version" ;;
  [0-9]*) url="$base/download/v$version" ;;
  *) fail "KFORGE_VERSION=$version is neither latest nor a version (v0.1.0)" ;;
esac

download() { # URL FILE
  if command -v curl >/dev/null; then
    curl -fsSL --retry 3 --proto '=https,http' -o "$2" "$1"
  elif command -v wget >/dev/null; then
    wget -q -O "$2" "$1"
  else
    fail "neither curl nor wget is installed"
  fi
}

sha256() { # FILE
  if command -v sha256sum >/dev/null; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

download "$url/$asset" "$tmp/$asset" || fail "could not download $url/$asset"
download "$url/SHA256SUMS" "$tmp/SHA256SUMS" || fail "could not download $url/SHA256SUMS"

# A SHA256SUMS line is `HASH  NAME` (or `HASH *NAME` in binary mode).
want="$(awk -v a="$asset" '$2 == a || $2 == "*" a { print tolower($1); exit }' "$tmp/SHA256SUMS")"
[[ -n "$want" ]] || fail "SHA256SUMS at $url has no line for $asset"
got="$(sha256 "$tmp/$asset")"
[[ "$got" == "$want" ]] || fail "checksum mismatch for $asset: SHA256SUMS says $want, the download has $got"

mkdir -p "$tmp/x"
tar -xzf "$tmp/$asset" -C "$tmp/x" kforge || fail "$asset holds no kforge binary"
"$tmp/x/kforge" --version >/dev/null || fail "the kforge in $asset does not run here ($target)"

mkdir -p "$dir"
# Copy next to the destination, then rename: a failed install leaves no half-written binary.
cp "$tmp/x/kforge" "$dir/.kforge.$$"
chmod 0755 "$dir/.kforge.$$"
mv -f "$dir/.kforge.$$" "$dir/kforge"
if [[ -n "${GITHUB_PATH:-}" ]]; then
  echo "$dir" >> "$GITHUB_PATH"
fi
echo "kforge install: $("$dir/kforge" --version) from $url/$asset (sha256 $got)" >&2
echo "$dir/kforge"
