#!/usr/bin/env bash
# Start-up benchmark: times nerd's quick commands against `ctr version` on the same containerd with
# hyperfine, in rounds that rotate the order (bench/rounds.mjs), with NODE_EXTRA_CA_CERTS unset and
# set, and writes the medians into README.md. `node -e 0` is timed in the same rounds: the floor of
# any Node CLI, and a gauge of the machine's speed then.
# Run by hand on an idle machine: `npm run bench` (needs a running containerd; see README).
# shellcheck source=bench/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

nerd="$node_bin $repo/bin/run.js --address $address"
# One warm run fills the V8 compile cache, as on any machine after the first command.
$nerd version >/dev/null

for ca in unset set; do
  if [ "$ca" = set ]; then export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt; else unset NODE_EXTRA_CA_CERTS; fi
  "$node_bin" "$repo/bench/rounds.mjs" --rounds "${ROUNDS:-6}" --runs-per-round 5 --warmup 1 --export-json "$out/$ca.json" -- \
    -n 'nerd --version' "$node_bin $repo/bin/run.js --version" \
    -n 'nerd version' "$nerd version" \
    -n 'nerd info' "$nerd info" \
    -n 'nerd namespace ls' "$nerd namespace ls" \
    -n 'ctr version' "ctr --address $address version" \
    -n 'node -e 0 (the floor)' "$node_bin -e 0"
done
# Peak RSS (GNU time's %M, in KB): the highest of 5 runs of each command.
peak_rss() { local peak=0 kb; for _ in 1 2 3 4 5; do /usr/bin/time -f %M -o "$out/rss" "$@" >/dev/null 2>&1; kb=$(tail -n 1 "$out/rss"); [ "$kb" -gt "$peak" ] && peak=$kb; done; echo "$peak"; }
{
  echo "{"
  echo "\"nerd --version\": $(peak_rss $node_bin $repo/bin/run.js --version),"
  echo "\"nerd version\": $(peak_rss $nerd version),"
  echo "\"nerd info\": $(peak_rss $nerd info),"
  echo "\"nerd namespace ls\": $(peak_rss $nerd namespace ls),"
  echo "\"ctr version\": $(peak_rss ctr --address $address version),"
  echo "\"node -e 0 (the floor)\": $(peak_rss $node_bin -e 0)"
  echo "}"
} > "$out/rss.json"
"$node_bin" "$repo/bench/report.mjs" "$out/unset.json" "$out/set.json" "$out/rss.json" | "$node_bin" "$repo/bench/readme-table.mjs" "$repo/README.md" startup
