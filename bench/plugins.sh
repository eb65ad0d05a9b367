#!/usr/bin/env bash
# Plugin start-up cost (issue: `nerd version` with plugins within 10% of `nerd version` without):
# by hand against a running containerd (`npm run bench:plugins`). Times `nerd version` with no user
# plugins and with the example bundle (which carries the example plugin) installed (examples/), in hyperfine
# rounds that alternate (bench/rounds.mjs), and writes the medians into README.md between the
# bench:plugins markers.
# nerd's first-party plugins (plugins/*, core plugins) are present in both runs.
# shellcheck source=bench/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
nerd="$node_bin $repo/bin/run.js --address $address"

mkdir -p "$out/none" "$out/with"
# From a copy: npm writes node_modules and package-lock.json into what it installs from. The bundle
# carries the example plugin (nerd refuses it installed on its own beside the bundle).
cp -r "$repo/examples" "$out/examples"
XDG_DATA_HOME="$out/with" $nerd plugins install "$out/examples/nerd-bundle-example" >"$out/install.log" 2>&1 || { cat "$out/install.log" >&2; exit 1; }
XDG_DATA_HOME="$out/with" $nerd plugins ls | grep nerd-bundle-example >/dev/null || { echo "the example bundle did not install" >&2; exit 1; }
unset NODE_EXTRA_CA_CERTS
"$node_bin" "$repo/bench/rounds.mjs" --rounds "${ROUNDS:-6}" --runs-per-round 5 --warmup 1 --export-json "$out/version.json" -- \
  -n 'nerd version, no user plugins' "XDG_DATA_HOME=$out/none $nerd version" \
  -n 'nerd version, example plugin and bundle installed' "XDG_DATA_HOME=$out/with $nerd version"

"$node_bin" - "$out/version.json" <<'JS' | "$node_bin" "$repo/bench/readme-table.mjs" "$repo/README.md" plugins
const fs = await import('node:fs')
const os = await import('node:os')
const results = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')).results
const base = results[0].median
const rows = results.map((result) => `| ${result.command} | ${(result.median * 1000).toFixed(0)} ms | ${((result.median / base - 1) * 100).toFixed(1)}% |`)
process.stdout.write([
  `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} CPUs, Node ${process.version}, medians of ${results[0].times.length} runs in hyperfine rounds that rotate the order (NODE_EXTRA_CA_CERTS unset).`,
  '',
  '| command | median | vs none |',
  '|---|---|---|',
  ...rows,
].join('\n') + '\n')
JS
