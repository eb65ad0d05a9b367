#!/usr/bin/env bash
# Container benchmark (issue: run --rm against ctr and docker; memory): by hand on an idle machine
# against a running containerd (`npm run bench:containers`). Imports the busybox test image into a
# namespace of its own, then
#   - times `run --rm IMG true` with no network: nerd, `ctr run --rm`, and `docker run --rm
#     --network none` when a docker daemon answers, in hyperfine rounds that rotate the order
#     (bench/rounds.mjs);
#   - times the same on a bridge network: a bridge network of nerd's (made by the bench in CNI
#     config of its own, so the machine's networks and their state are not touched), `ctr run --rm --cni` (a bridge
#     conflist, run in a private mount namespace where /opt and /etc/cni are the bench's, so the
#     machine's are not touched; skipped when /etc/cni does not exist)
#     and docker's default bridge when a daemon answers;
#   - measures nerd's peak RSS for that run (GNU time) and the private memory (Private_Clean +
#     Private_Dirty of /proc/PID/smaps_rollup) of the logger nerd keeps per detached container,
#     averaged over 5 idle running containers, 2 s after their start and again after 4 minutes;
#   - times `ps -a` with those 5 containers and, in a second namespace, with 200 created ones
#     (`ctr containers ls` of the same for comparison);
#   - times 20 `run -d IMG sleep 600` one after the other, and the removal of those 20 running
#     containers in one `rm -f` (ctr: 20 `ctr run -d`, then `ctr tasks rm -f` and `ctr containers rm`);
# and writes the table into README.md between the bench:containers markers.
# shellcheck source=bench/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
namespace="nerd-bench-$$"
out="$(mktemp -d)"
data_root="$out/data"
nerd="$node_bin $repo/bin/run.js --address $address --namespace $namespace --data-root $data_root --cni-netconfpath $out/net.d"
ctr="ctr --address $address --namespace $namespace"
many="$namespace-many"
nerd_many="$node_bin $repo/bin/run.js --address $address --namespace $many --data-root $data_root --cni-netconfpath $out/net.d"
image=docker.io/nerd-test/busybox:latest

cleanup() {
  $nerd ps -aq 2>/dev/null | xargs -r $nerd rm -f >/dev/null 2>&1 || true
  $nerd_many ps -aq 2>/dev/null | xargs -r $nerd_many rm -f >/dev/null 2>&1 || true
  ctr --address "$address" --namespace "$many" images rm --sync "$image" >/dev/null 2>&1 || true
  ctr --address "$address" namespaces rm "$many" >/dev/null 2>&1 || true
  $nerd network rm nerdbench-net >/dev/null 2>&1 || true
  # --sync: the namespace can only go once its snapshots and content are collected.
  $ctr images rm --sync "$image" >/dev/null 2>&1 || true
  ctr --address "$address" namespaces rm "$namespace" >/dev/null 2>&1 || true
  rmdir /sys/fs/cgroup/*/"$namespace" /sys/fs/cgroup/"$namespace" 2>/dev/null || true
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
"$node_bin" "$repo/bench/rounds.mjs" --rounds "${ROUNDS:-4}" --runs-per-round 5 --warmup 1 --export-json "$out/run.json" -- "${commands[@]}"

# ctr --cni reads its plugins and conflist from fixed places: the bench's own, bound over them in a
# mount namespace that only the timed ctr commands live in.
mkdir -p "$out/opt/cni/bin" "$out/cni/net.d"
for plugin in /usr/lib/cni/*; do ln -s "$plugin" "$out/opt/cni/bin/"; done
cat >"$out/cni/net.d/10-nerdbench.conflist" <<'JSON'
{"cniVersion": "1.0.0", "name": "nerdbench", "plugins": [
  {"type": "bridge", "bridge": "nerdbench0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.4.199.0/24"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}}]}
JSON
in_cni_namespace="unshare -m --propagation private sh -c 'mount --bind $out/opt /opt && mount --bind $out/cni /etc/cni && exec \"\$0\" \"\$@\"'"
# Its own bridge device and subnet: the machine's default network (nerd0) may be in use.
$nerd network create --subnet 10.4.251.0/24 -o com.docker.network.bridge.name=nerdbench1 nerdbench-net >/dev/null
bridge_commands=(-n 'nerd run --rm' "$nerd run --rm --network nerdbench-net $image true")
if [ -d /opt ] && [ -d /etc/cni ]; then
  bridge_commands+=(-n 'ctr run --rm --cni' "$in_cni_namespace $ctr run --rm --cni $image bench-ctr-cni true")
fi
if docker info >/dev/null 2>&1 && docker image inspect busybox >/dev/null 2>&1; then
  bridge_commands+=(-n 'docker run --rm' "docker run --rm busybox true")
fi
"$node_bin" "$repo/bench/rounds.mjs" --rounds "${ROUNDS:-4}" --runs-per-round 5 --warmup 1 --export-json "$out/bridge.json" -- "${bridge_commands[@]}"
# ctr's CNI DEL runs after the task's network namespace is gone, so the bridge plugin leaves its
# per-container masquerade rules behind: remove them, and the bench's bridge.
iptables-save -t nat | grep -v -- "$namespace-bench-ctr-cni" | iptables-restore -T nat
ip link delete nerdbench0 2>/dev/null || true
rm -rf /var/lib/cni/networks/nerdbench

peak=0
for _ in 1 2 3 4 5; do
  /usr/bin/time -f %M -o "$out/rss" $nerd run --rm --network none "$image" true >/dev/null 2>&1
  kb=$(tail -n 1 "$out/rss"); [ "$kb" -gt "$peak" ] && peak=$kb
done

# The mean private memory (kB) of the loggers of this data root's containers.
logger_private_kb() {
  local total=0 count=0 pid kb
  for pid in $(pgrep -f "logger.js $data_root"); do
    kb=$(awk '/^Private_(Clean|Dirty):/ {sum += $2} END {print sum}' "/proc/$pid/smaps_rollup")
    total=$((total + kb)) count=$((count + 1))
  done
  [ "$count" -gt 0 ] || { echo "no logger processes found" >&2; exit 1; }
  echo $((total / count))
}
for index in 1 2 3 4 5; do $nerd run -d --name "bench-$index" --network nerdbench-net "$image" sleep 1200 >/dev/null; done
loggers_started=$(date +%s)
sleep 2
fresh_kb=$(logger_private_kb) || exit 1

ctr --address "$address" --namespace "$many" images import "$out/images/nerd-test_busybox_latest.tar" >/dev/null
seq 1 200 | xargs -P 4 -I{} $nerd_many create --name "many-{}" --network none "$image" true >/dev/null
"$node_bin" "$repo/bench/rounds.mjs" --rounds "${ROUNDS:-4}" --runs-per-round 5 --warmup 1 --export-json "$out/ps.json" -- \
  -n 'nerd ps -a, 5 containers' "$nerd ps -a" -n 'nerd ps -a, 200 containers' "$nerd_many ps -a" -n 'ctr containers ls, 200 containers' "ctr --address $address --namespace $many containers ls"

# Twenty detached containers, started one after the other, then removed at once.
twenty="$(seq -f 'd20-%g' 1 20 | tr '\n' ' ')"
nerd_start20="for name in $twenty; do $nerd run -d --network none --name \$name $image sleep 600 >/dev/null || exit 1; done"
nerd_rm20="$nerd rm -f $twenty >/dev/null 2>&1; true"
ctr_start20="for name in $twenty; do $ctr run -d $image \$name sleep 600 || exit 1; done"
ctr_rm20="$ctr tasks rm -f $twenty >/dev/null 2>&1; $ctr containers rm $twenty >/dev/null 2>&1; true"
"$node_bin" "$repo/bench/rounds.mjs" --rounds "${ROUNDS:-4}" --runs-per-round 2 --warmup 1 --export-json "$out/twenty.json" -- \
  -n 'nerd run -d, 20 times' --prepare "$nerd_rm20" "$nerd_start20" \
  -n 'ctr run -d, 20 times' --prepare "$ctr_rm20" "$ctr_start20" \
  -n 'nerd rm -f of the 20' --prepare "$nerd_rm20; $nerd_start20" "$nerd rm -f $twenty" \
  -n 'ctr tasks rm -f and containers rm of the 20' --prepare "$ctr_rm20; $ctr_start20" "$ctr tasks rm -f $twenty && $ctr containers rm $twenty"
bash -c "$nerd_rm20; $ctr_rm20"
# A logger's heap grows over its first minutes (V8's old generation fills to its first limit), idle too.
settle=$((loggers_started + 240 - $(date +%s)))
[ "$settle" -le 0 ] || sleep "$settle"
settled_kb=$(logger_private_kb) || exit 1

"$node_bin" - "$out/run.json" "$out/bridge.json" "$peak" "$fresh_kb" "$settled_kb" "$out/ps.json" "$out/twenty.json" <<'EOF' | "$node_bin" "$repo/bench/readme-table.mjs" "$repo/README.md" containers
const [runFile, bridgeFile, peakKb, freshKb, settledKb, psFile, twentyFile] = process.argv.slice(2)
const fs = await import('node:fs')
const os = await import('node:os')
const results = JSON.parse(fs.readFileSync(runFile, 'utf8')).results
const bridge = JSON.parse(fs.readFileSync(bridgeFile, 'utf8')).results
const ctr = results.find((result) => result.command === 'ctr run --rm').median
const ctrCni = bridge.find((result) => result.command === 'ctr run --rm --cni')?.median
const ps = JSON.parse(fs.readFileSync(psFile, 'utf8')).results
const twenty = JSON.parse(fs.readFileSync(twentyFile, 'utf8')).results
const twentyMedian = (prefix) => twenty.find((result) => result.command.startsWith(prefix)).median
const rows = [
  ...results.map((result) => `| \`${result.command} IMG true\`, no network | ${(result.median * 1000).toFixed(0)} ms | ${(result.median / ctr).toFixed(2)}x |`),
  ...bridge.map((result) => `| \`${result.command} IMG true\`, bridge network | ${(result.median * 1000).toFixed(0)} ms | ${ctrCni ? `${(result.median / ctrCni).toFixed(2)}x ctr --cni` : '–'} |`),
]
const table = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} CPUs, Node ${process.version}, medians of ${results[0].times.length} runs in hyperfine rounds that rotate the order (NODE_EXTRA_CA_CERTS unset).`,
  '',
  '| operation | median | vs ctr |',
  '|---|---|---|',
  ...rows,
  '',
  '| command | median |',
  '|---|---|',
  ...ps.map((result) => `| \`${result.command.replace(/, /, '\`, ')} | ${(result.median * 1000).toFixed(0)} ms |`),
  '',
  `| 20 detached containers (medians of ${twenty[0].times.length} runs) | nerd | ctr | nerd / ctr |`,
  '|---|---|---|---|',
  `| \`run -d IMG sleep 600\`, 20 times | ${(twentyMedian('nerd run') * 1000).toFixed(0)} ms | ${(twentyMedian('ctr run') * 1000).toFixed(0)} ms | ${(twentyMedian('nerd run') / twentyMedian('ctr run')).toFixed(2)}x |`,
  `| their removal (\`rm -f\` of the 20; ctr: \`tasks rm -f\`, \`containers rm\`) | ${(twentyMedian('nerd rm') * 1000).toFixed(0)} ms | ${(twentyMedian('ctr tasks') * 1000).toFixed(0)} ms | ${(twentyMedian('nerd rm') / twentyMedian('ctr tasks')).toFixed(2)}x |`,
  '',
  `nerd's peak RSS for \`run --rm\`: ${(peakKb / 1024).toFixed(0)} MiB. Private memory nerd adds per running detached container (its logger, Private_Clean + Private_Dirty, mean of 5 idle ones): ${(freshKb / 1024).toFixed(1)} MiB 2 s after the start, ${(settledKb / 1024).toFixed(1)} MiB after 4 minutes.`,
].join('\n')
process.stdout.write(`${table}\n`)
EOF
