# Sourced by scripts/setup.sh and test/run.sh from the repository root: Node >= 22 first on PATH
# (sets node_bin), the Debian packages nerd needs, node_modules when missing or older than the lock
# file, and the build (unless NERD_SKIP_BUILD is set).
node_bin="$(bash scripts/ensure-node.sh | tail -n 1)"
export PATH="$(dirname "$node_bin"):$PATH"
bash scripts/install-deps.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
if [ -z "${NERD_SKIP_BUILD:-}" ]; then
  npm run --silent build
fi
