#!/usr/bin/env bash
# Sets nerd up on this machine, from a fresh clone: Node >= 22 (Node 24 from the npm registry when the
# machine's node is older), dependencies, build, containerd/runc/CNI installed and started when missing,
# a `nerd` command on PATH; then runs a first command against containerd.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

# shellcheck source=scripts/prepare.sh
source scripts/prepare.sh

# Start containerd when nothing answers on the default socket.
socket="${CONTAINERD_ADDRESS:-/run/containerd/containerd.sock}"
socket="${socket#unix://}"
if ! ctr --address "$socket" version >/dev/null 2>&1; then
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    systemctl enable --now containerd
  else
    mkdir -p /var/log
    setsid containerd >/var/log/containerd.log 2>&1 < /dev/null &
  fi
  for _ in $(seq 1 50); do
    ctr --address "$socket" version >/dev/null 2>&1 && break
    sleep 0.2
  done
fi

# `nerd` on PATH, bound to the Node found above (the machine's own node may be too old). `--` before
# the script: Node looks for `--env-file PATH` among the script's arguments too (nodejs/node#54232)
# and exits 9 when the file is missing, where `nerd run --env-file` should fail as docker does.
if [ -w /usr/local/bin ]; then
  printf '#!/bin/sh\nexec "%s" -- "%s/bin/run.js" "$@"\n' "$node_bin" "$repo" > /usr/local/bin/nerd
  chmod +x /usr/local/bin/nerd
  nerd_cmd=nerd
else
  nerd_cmd="$node_bin -- $repo/bin/run.js"
fi

$nerd_cmd version

# A first container, from a busybox image built offline from Debian's busybox-static.
images="$(mktemp -d)"
trap 'rm -rf "$images"' EXIT
"$node_bin" "$repo/test/helpers/build-test-images.ts" "$images" >/dev/null
$nerd_cmd load -i "$images/nerd-test_busybox_latest.tar"
$nerd_cmd run --rm nerd-test/busybox echo 'hello from a nerd container'
