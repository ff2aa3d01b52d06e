#!/usr/bin/env bash
# The Dockerfile's build steps without Docker, for CI: builds what the runtime image holds into a
# directory and prints that directory as the last (and only) line on stdout; everything else goes
# to stderr.
#
#   scripts/docker-build-steps.sh [TARGET_DIR]    (default: a new mktemp directory)
#
# Then, as in the image:
#   VIBFLOW_WORKFLOW_BUNDLE=TARGET_DIR/dist/workflow-bundle.js NODE_ENV=production \
#     node TARGET_DIR/bin/vibflow.js worker --address HOST:PORT
set -euo pipefail
exec 3>&1 1>&2

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$(mktemp -d "${TMPDIR:-/tmp}/vibflow-image.XXXXXX")}
mkdir -p "$out"
out=$(cd "$out" && pwd)
if [ -n "$(ls -A "$out")" ]; then
  echo "docker-build-steps: $out is not empty" >&2
  exit 2
fi

# The build context: the files git knows about (tracked, plus new files not ignored by .gitignore),
# as they are in the working tree; like .dockerignore, this leaves out node_modules, dist, .git and
# local state. Files deleted from the working tree are skipped.
echo "== copy the sources into $out"
(
  cd "$repo"
  git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' f; do
        if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
      done \
    | tar --null -T - -cf -
) | tar -xf - -C "$out"

cd "$out"
echo "== npm ci"
npm ci --no-audit --no-fund
echo "== npm run build"
npm run build
echo "== bundle the workflow code"
node dist/scripts/bundleWorkflows.js dist/workflow-bundle.js
echo "== npm prune --omit=dev"
npm prune --omit=dev --no-audit --no-fund
# Like the runtime image: no sources, so bin/vibflow.js runs the compiled dist/src/cli/main.js.
rm -rf src test bench

echo "$out" >&3
