#!/usr/bin/env bash
# Pull benchmark (by hand, on an idle machine: `npm run bench:pull`): an image of 5 layers of 20 MiB
# that do not compress, in a docker-registry on 127.0.0.1 (test/harness/harness.sh starts one, and
# uses the containerd at CONTAINERD_ADDRESS), pulled and unpacked by `nerd pull` and by `ctr images
# pull`, each into an empty namespace before every run, in hyperfine rounds that rotate the order
# (bench/rounds.mjs). Writes the medians into README.md between the bench:pull markers.
# shellcheck source=bench/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
export PATH="$(dirname "$node_bin"):$PATH"
export NERD_TEST_ADDRESS="$address"
# shellcheck source=test/harness/harness.sh
source "$repo/test/harness/harness.sh"
trap harness_stop EXIT
harness_start

archive="$NERD_TEST_ROOT/payload.tar"
# Layers of this run's own: containerd's content store is shared by its namespaces, and a pull
# finding a blob there (left in any namespace by an earlier run or another client) commits it
# without downloading it; both tools would then be timed unpacking alone.
"$node_bin" --input-type=module -e "
  import {buildImageArchive, payloadLayer} from '$repo/test/helpers/oci-image.ts'
  const layers = [1, 2, 3, 4, 5].map((index) => payloadLayer(index, 20, 'bench-$NERD_TEST_RUN_ID'))
  await buildImageArchive({name: 'bench/payload:5x20', images: [{layers, config: {Cmd: ['true']}}]}, '$archive')
"
image="$NERD_TEST_REGISTRY/bench/payload:5x20"
skopeo copy --quiet --dest-tls-verify=false "oci-archive:$archive" "docker://$image"

nerd_ns="nt$NERD_TEST_RUN_ID-bench-nerd"
ctr_ns="nt$NERD_TEST_RUN_ID-bench-ctr"
nerd="$node_bin $repo/bin/run.js --address $NERD_TEST_ADDRESS --data-root $NERD_TEST_ROOT/data"
ctr="ctr --address $NERD_TEST_ADDRESS"
# Each run starts from nothing: the image, its content and snapshots go with a synchronous GC, in
# both namespaces (containerd's content store is shared: a blob one namespace has is not downloaded
# again by the other).
empty="$ctr -n $nerd_ns images rm --sync $image >/dev/null 2>&1; $ctr -n $ctr_ns images rm --sync $image >/dev/null 2>&1; true"
unset NODE_EXTRA_CA_CERTS
"$node_bin" "$repo/bench/rounds.mjs" --rounds "${ROUNDS:-5}" --runs-per-round 2 --warmup 1 --export-json "$NERD_TEST_ROOT/pull.json" -- \
  -n 'nerd pull' --prepare "$empty" "$nerd -n $nerd_ns pull -q $image" \
  -n 'ctr images pull' --prepare "$empty" "$ctr -n $ctr_ns images pull --plain-http $image"
for namespace in "$nerd_ns" "$ctr_ns"; do harness_empty_namespace "$namespace" --all >/dev/null 2>&1 || true; done

"$node_bin" - "$NERD_TEST_ROOT/pull.json" <<'EOF' | "$node_bin" "$repo/bench/readme-table.mjs" "$repo/README.md" pull
const [file] = process.argv.slice(2)
const fs = await import('node:fs')
const os = await import('node:os')
const results = JSON.parse(fs.readFileSync(file, 'utf8')).results
const ctr = results.find((result) => result.command === 'ctr images pull').median
const table = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} CPUs, Node ${process.version}, medians of ${results[0].times.length} runs in hyperfine rounds that rotate the order: pull and unpack of 5 x 20 MiB layers from a registry on 127.0.0.1.`,
  '',
  '| operation | median | vs ctr |',
  '|---|---|---|',
  ...results.map((result) => `| \`${result.command}\` | ${(result.median * 1000).toFixed(0)} ms | ${(result.median / ctr).toFixed(2)}x |`),
].join('\n')
process.stdout.write(`${table}\n`)
EOF
