# Sourced by scripts/setup.sh and test/run.sh from the repository root: Node >= 22 first on PATH
# (sets node_bin), the Debian packages nerd needs, node_modules when missing or older than the lock
# file, and the build (unless NERD_SKIP_BUILD is set).
node_bin="$(bash scripts/ensure-node.sh | tail -n 1)"
# npm looks for its global config beside the node it runs on: keep the machine's (registry, proxy,
# CA file) once Node 24 from .node/ comes first on PATH.
if [ -z "${npm_config_globalconfig:-}" ] && command -v npm >/dev/null 2>&1; then
  npm_config_globalconfig="$(npm config get globalconfig)"
  export npm_config_globalconfig
fi
export PATH="$(dirname "$node_bin"):$PATH"
bash scripts/install-deps.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
if [ -z "${NERD_SKIP_BUILD:-}" ]; then
  npm run --silent build
fi
