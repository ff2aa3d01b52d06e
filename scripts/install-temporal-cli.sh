#!/usr/bin/env bash
# Builds the Temporal CLI (which embeds the dev server and its Web UI) from source into
# .vibflow/bin/temporal. v1.5.1 is the newest tag `go install` accepts; later tags carry a
# `replace` directive. Skips the build when the binary is already there.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/.vibflow/bin/temporal"
if [ -x "$bin" ]; then
  echo "temporal CLI already built: $bin"
  exit 0
fi
command -v go >/dev/null || { echo "Go is needed to build the temporal CLI (or set TEMPORAL_CLI_PATH)" >&2; exit 1; }
start=$(date +%s)
GOBIN="$root/.vibflow/bin" CGO_ENABLED=0 go install github.com/temporalio/cli/cmd/temporal@v1.5.1
echo "built $bin in $(( $(date +%s) - start )) s"
