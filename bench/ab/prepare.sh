#!/usr/bin/env bash
# Builds the base side of the A/B benchmark: a detached git worktree of <git-ref> in
# .ab-base/<short-sha> (or .ab-base/<name>), sharing this tree's node_modules, with its WASM
# kernels built. A second worktree of the same commit under another name is what run.ts's
# --current needs to compare a commit with itself.
# Idempotent: a second call reuses the worktree and rebuilds only missing kernels.
# Prints the worktree's path last on stdout (everything else goes to stderr), so
#   base=$(bash bench/ab/prepare.sh HEAD~1)
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: bash bench/ab/prepare.sh <git-ref> [name]" >&2
  exit 2
fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
sha=$(git -C "$root" rev-parse --short "$1^{commit}")
dir="$root/.ab-base/${2:-$sha}"

if [ ! -e "$dir/.git" ]; then
  mkdir -p "$root/.ab-base"
  # Forget worktrees whose folder was deleted by hand, or adding this one again would fail.
  git -C "$root" worktree prune
  echo "ab: adding worktree of $1 ($sha) at $dir" >&2
  git -C "$root" worktree add --detach "$dir" "$sha" >&2
elif [ "$(git -C "$dir" rev-parse --short HEAD)" != "$sha" ]; then
  # Only a named worktree can hold another commit; it is not moved under whoever uses it.
  echo "ab: $dir holds $(git -C "$dir" rev-parse --short HEAD), not $1 ($sha); remove it with: git worktree remove --force $dir" >&2
  exit 1
fi

# The dependencies are the same; a symlink avoids a second npm install.
[ -e "$dir/node_modules" ] || ln -s "$root/node_modules" "$dir/node_modules"

asc="$root/node_modules/.bin/asc"
for target in release debug; do
  if [ ! -f "$dir/build/eddy_kernels.$target.wasm" ]; then
    echo "ab: building the $target kernels of $sha" >&2
    (cd "$dir" && "$asc" assembly/index.ts --config asconfig.json --target "$target") >&2
  fi
done

# Trees that import their kernels embedded (src/kernels/generated, git-ignored) need them written
# from the build, or importing the base's src/index.ts fails.
if [ -f "$dir/scripts/embed_wasm.mjs" ] && [ ! -f "$dir/src/kernels/generated/kernel_wasm.ts" ]; then
  echo "ab: embedding the kernels of $sha" >&2
  (cd "$dir" && node scripts/embed_wasm.mjs) >&2
fi

echo "$dir"
