#!/usr/bin/env bash
# Container benchmark (issue: run --rm against ctr and docker; memory): by hand on an idle machine
# against a running containerd (`npm run bench:containers`). Imports the busybox test image into a
# namespace of its own, then
#   - times `run --rm IMG true` with no network: nerd, `ctr run --rm`, and `docker run --rm
#     --network none` when a docker daemon answers, in hyperfine rounds that rotate the order;
#   - measures nerd's peak RSS for that run (GNU time) and the private memory (Private_Clean +
#     Private_Dirty of /proc/PID/smaps_rollup) of the logger nerd keeps per detached container,
#     averaged over 5 running containers;
# and writes the table into README.md between the bench:containers markers.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
node_bin="$(bash "$repo/scripts/ensure-node.sh" | tail -n 1)"
command -v hyperfine >/dev/null || bash "$repo/scripts/install-deps.sh" --bench
address="${CONTAINERD_ADDRESS:-/run/containerd/containerd.sock}"
namespace="nerd-bench-$$"
out="$(mktemp -d)"
data_root="$out/data"
nerd="$node_bin $repo/bin/run.js --address $address --namespace $namespace --data-root $data_root"
ctr="ctr --address $address --namespace $namespace"
image=docker.io/nerd-test/busybox:latest

cleanup() {
  $nerd ps -aq 2>/dev/null | xargs -r $nerd rm -f >/dev/null 2>&1 || true
  $ctr images rm "$image" >/dev/null 2>&1 || true
  ctr --address "$address" namespaces rm "$namespace" >/dev/null 2>&1 || true
  rm -rf "$out"
}
trap cleanup EXIT

"$node_bin" "$repo/test/helpers/build-test-images.ts" "$out/images" >/dev/null
$ctr images import "$out/images/nerd-test_busybox_latest.tar" >/dev/null
$nerd run --rm --network none "$image" true >/dev/null

commands=(-n 'nerd run --rm' "$nerd run --rm --network none $image true" -n 'ctr run --rm' "$ctr run --rm $image bench-ctr true")
if docker info >/dev/null 2>&1 && docker image inspect busybox >/dev/null 2>&1; then
  commands+=(-n 'docker run --rm' "docker run --rm --network none busybox true")
fi
unset NODE_EXTRA_CA_CERTS
hyperfine --style none --warmup 3 --runs "${RUNS:-20}" --export-json "$out/run.json" "${commands[@]}" >/dev/null

peak=0
for _ in 1 2 3 4 5; do
  /usr/bin/time -f %M -o "$out/rss" $nerd run --rm --network none "$image" true >/dev/null 2>&1
  kb=$(tail -n 1 "$out/rss"); [ "$kb" -gt "$peak" ] && peak=$kb
done

for index in 1 2 3 4 5; do $nerd run -d --name "bench-$index" "$image" sleep 600 >/dev/null; done
sleep 2
private_kb=0 loggers=0
for pid in $(pgrep -f "logger.js $data_root"); do
  kb=$(awk '/^Private_(Clean|Dirty):/ {sum += $2} END {print sum}' "/proc/$pid/smaps_rollup")
  private_kb=$((private_kb + kb)) loggers=$((loggers + 1))
done
[ "$loggers" -gt 0 ] || { echo "no logger processes found" >&2; exit 1; }

"$node_bin" - "$out/run.json" "$peak" "$((private_kb / loggers))" <<'EOF' | "$node_bin" "$repo/bench/readme-table.mjs" "$repo/README.md" containers
const [runFile, peakKb, perContainerKb] = process.argv.slice(2)
const fs = await import('node:fs')
const os = await import('node:os')
const results = JSON.parse(fs.readFileSync(runFile, 'utf8')).results
const ctr = results.find((result) => result.command === 'ctr run --rm').median
const rows = results.map((result) => `| \`${result.command} IMG true\`, no network | ${(result.median * 1000).toFixed(0)} ms | ${(result.median / ctr).toFixed(2)}x |`)
const table = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} CPUs, Node ${process.version}, hyperfine medians of ${results[0].times.length} runs (NODE_EXTRA_CA_CERTS unset).`,
  '',
  '| operation | median | vs ctr |',
  '|---|---|---|',
  ...rows,
  '',
  `nerd's peak RSS for \`run --rm\`: ${(peakKb / 1024).toFixed(0)} MiB. Private memory nerd adds per running detached container (its logger, Private_Clean + Private_Dirty, mean of 5): ${(perContainerKb / 1024).toFixed(1)} MiB.`,
].join('\n')
process.stdout.write(`${table}\n`)
EOF
