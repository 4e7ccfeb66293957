#!/usr/bin/env bash
# Publishes each rendered environment (.rendered/<env>/, from ci/render.sh) as a commit on
# top of the branch environments/<env> of REMOTE: history is kept (no orphan, no force
# push), and an environment whose manifests did not change gets no commit (the metadata
# files, which name the source commit, do not count as a change).
#
#   ci/publish-branches.sh [RENDERED_DIR] [REMOTE]     (defaults: .rendered origin)
# Environment: SOURCE_COMMIT (default: HEAD's sha), SKIP_ENVS (default: "local").
set -euo pipefail
rendered="$(cd "${1:-.rendered}" && pwd)"
remote="${2:-origin}"
source_commit="${SOURCE_COMMIT:-$(git rev-parse HEAD)}"
skip=" ${SKIP_ENVS-local} "
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for dir in "$rendered"/*/; do
  env="$(basename "$dir")"
  [[ "$skip" == *" $env "* ]] && continue
  branch="environments/$env"
  tree="$work/$env"
  if git ls-remote --exit-code --heads "$remote" "$branch" >/dev/null; then
    git fetch -q "$remote" "refs/heads/$branch:refs/remotes/kforge-publish/$env"
    git worktree add -q --detach "$tree" "refs/remotes/kforge-publish/$env"
  else
    git worktree add -q --detach "$tree"
    git -C "$tree" checkout -q --orphan "publish-$env"
  fi
  # The branch holds exactly the rendered tree.
  git -C "$tree" rm -rqf --ignore-unmatch . >/dev/null
  find "$tree" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
  cp -R "$dir". "$tree/"
  git -C "$tree" add -A
  if git -C "$tree" rev-parse -q --verify HEAD >/dev/null \
     && git -C "$tree" diff --cached --quiet HEAD -- . ':(exclude,glob)**/*.metadata'; then
    echo "publish: $env unchanged, no commit"
  else
    git -C "$tree" commit -qm "Render $env from ${source_commit:0:12}" \
      -m "Source-Commit: $source_commit"
    git -C "$tree" push -q "$remote" "HEAD:refs/heads/$branch"
    echo "publish: $env -> $branch $(git -C "$tree" rev-parse --short HEAD)"
  fi
  git worktree remove --force "$tree"
  git update-ref -d "refs/remotes/kforge-publish/$env" 2>/dev/null || true
done
