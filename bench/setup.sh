# shellcheck shell=bash
# What every benchmark script starts with (sourced): strict mode, the repository, Node 24 (installed
# when missing), hyperfine, and the containerd address ($CONTAINERD_ADDRESS or the default socket).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
node_bin="$(bash "$repo/scripts/ensure-node.sh" | tail -n 1)"
command -v hyperfine >/dev/null || bash "$repo/scripts/install-deps.sh" --bench
address="${CONTAINERD_ADDRESS:-/run/containerd/containerd.sock}"
