# shellcheck shell=bash
# The daemons the e2e tests run against, private to one test run. Sourced by test/run.sh, which
# calls harness_start before the tests and harness_stop on exit (also after a failure or Ctrl-C).
#
# harness_start makes a temporary directory ($NERD_TEST_ROOT) and under it:
#   containerd/   a containerd of our own: config.toml, root, state, opt, the socket
#                 (containerd.sock, plus .ttrpc for shims), containerd.log. No CRI, no debug or
#                 metrics socket. The machine's own containerd (/run/containerd/containerd.sock)
#                 is never touched.
#   registry/     a docker-registry on a free 127.0.0.1 port (plain HTTP), its storage and log
#   images/       the test images (test/helpers/build-test-images.ts) and images.json
#   data/         nerd data roots, one per test file (test/helpers/e2e.ts), and shared/, where
#                 the default network's IPAM leases live
#   net.d/        the CNI configuration directory every test's nerd uses (--cni-netconfpath); on
#                 exit the bridges and iptables rules of its networks are removed (nerd0 only
#                 when this run made it)
#   env           the variables below, as `export` lines
# and exports NERD_TEST_ADDRESS (socket), NERD_TEST_REGISTRY (host:port), NERD_TEST_ROOT,
# NERD_TEST_IMAGES and NERD_TEST_RUN_ID (prefix of the namespaces tests make: nt<id>-...).
#
# NERD_TEST_ADDRESS set beforehand (a containerd the developer runs): that containerd is used and
# no containerd is started; on exit the namespaces this run made (nt<id>-*) are emptied and removed
# from it. NERD_TEST_TMPDIR chooses where the temporary directory goes; NERD_TEST_KEEP=1 keeps it
# (logs, images) after the run.
#
# Where the directory goes: containerd's overlayfs snapshotter mounts overlays whose upper and work
# directories live under its root, and containers run programs from them. An overlay cannot have
# its upper directory on overlayfs, which is what / (and often /tmp) is when the tests themselves
# run in a container, as on many CI runners. So each candidate — NERD_TEST_TMPDIR, $TMPDIR or
# /tmp, /var/tmp, /run, /dev/shm — is probed by mounting a small overlay there and running a program
# from it; the first that works is used.

harness_repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
harness_external_address=""
harness_started_containerd=""
harness_containerd_pid=""
harness_registry_pid=""
harness_images_pid=""
harness_nerd0_existed=""
# Set by harness_start only: harness_stop removes the namespaces of this run id.
NERD_TEST_RUN_ID=""

harness_log() {
  echo "harness: $*" >&2
}

# Mounts an overlay under $1 and runs a copy of `true` from it.
harness_overlay_works() {
  local probe="$1/overlay-probe" status=1
  if mkdir -p "$probe/lower" "$probe/upper" "$probe/work" "$probe/merged" \
    && cp "$(type -P true)" "$probe/lower/true" \
    && mount -t overlay overlay -o "lowerdir=$probe/lower,upperdir=$probe/upper,workdir=$probe/work" "$probe/merged" 2>/dev/null; then
    "$probe/merged/true" 2>/dev/null && status=0
    umount "$probe/merged" || status=1
  fi
  rm -rf "$probe"
  return "$status"
}

harness_make_root() {
  local base candidates=()
  [ -n "${NERD_TEST_TMPDIR:-}" ] && candidates+=("$NERD_TEST_TMPDIR")
  candidates+=("${TMPDIR:-/tmp}" /var/tmp /run /dev/shm)
  for base in "${candidates[@]}"; do
    [ -d "$base" ] && [ -w "$base" ] || continue
    NERD_TEST_ROOT="$(mktemp -d "$base/nerd-test-XXXXXX" 2>/dev/null)" || continue
    # An external containerd keeps its snapshots elsewhere: any writable directory does.
    if [ -n "$harness_external_address" ] || harness_overlay_works "$NERD_TEST_ROOT"; then
      chmod 755 "$NERD_TEST_ROOT"
      return 0
    fi
    rmdir "$NERD_TEST_ROOT"
  done
  harness_log "no directory among ${candidates[*]} can host overlayfs mounts that run programs (set NERD_TEST_TMPDIR)"
  return 1
}

harness_write_containerd_config() {
  local dir="$1"
  cat >"$dir/config.toml" <<EOF
version = 2
root = "$dir/root"
state = "$dir/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "$dir/containerd.sock"

[ttrpc]
  address = "$dir/containerd.sock.ttrpc"

[debug]
  address = ""

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/opt"
EOF
}

harness_start_containerd() {
  local dir="$NERD_TEST_ROOT/containerd"
  mkdir -p "$dir"
  harness_write_containerd_config "$dir"
  # A session of its own: a Ctrl-C meant for the tests must not stop it before its tasks are cleaned
  # up. Under tini as a subreaper, which forwards signals to containerd and reaps the exited shims
  # (they daemonize, and would otherwise be left to an init that may not reap them).
  setsid tini -s -- containerd --config "$dir/config.toml" >"$dir/containerd.log" 2>&1 </dev/null &
  harness_containerd_pid=$!
  harness_started_containerd=1
  NERD_TEST_ADDRESS="$dir/containerd.sock"
  local _
  for _ in $(seq 1 200); do
    if ctr --address "$NERD_TEST_ADDRESS" version >/dev/null 2>&1; then
      return 0
    fi
    if ! kill -0 "$harness_containerd_pid" 2>/dev/null; then
      harness_log "containerd exited while starting; its log:"
      tail -n 30 "$dir/containerd.log" >&2
      return 1
    fi
    sleep 0.1
  done
  harness_log "containerd did not answer on $NERD_TEST_ADDRESS within 20 s; its log:"
  tail -n 30 "$dir/containerd.log" >&2
  return 1
}

harness_free_port() {
  node -e 'const server = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(server.address().port); server.close() })'
}

harness_registry_answers() {
  local port="$1" status_line=""
  { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 1
  printf 'GET /v2/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
  read -r -t 2 status_line <&3 || true
  exec 3>&-
  [[ "$status_line" == "HTTP/1."?" 200"* ]]
}

harness_start_registry() {
  local dir="$NERD_TEST_ROOT/registry" port attempt _
  mkdir -p "$dir/storage"
  # The port is free when chosen but could be taken before the registry binds it: try again then.
  for attempt in 1 2 3; do
    port="$(harness_free_port)"
    cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$port
EOF
    setsid docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 </dev/null &
    harness_registry_pid=$!
    for _ in $(seq 1 100); do
      if harness_registry_answers "$port"; then
        NERD_TEST_REGISTRY="127.0.0.1:$port"
        return 0
      fi
      kill -0 "$harness_registry_pid" 2>/dev/null || break
      sleep 0.1
    done
    harness_stop_registry
    harness_log "docker-registry on port $port did not start (attempt $attempt): $(tail -n 3 "$dir/registry.log")"
  done
  return 1
}

harness_start() {
  harness_external_address="${NERD_TEST_ADDRESS:-}"
  harness_external_address="${harness_external_address#unix://}"
  if [ -z "$harness_external_address" ] && [ "$(id -u)" -ne 0 ]; then
    harness_log "starting the test containerd needs root; or set NERD_TEST_ADDRESS to a containerd you run"
    return 1
  fi
  harness_make_root || return 1
  NERD_TEST_RUN_ID="$(basename "$NERD_TEST_ROOT" | sed 's/^nerd-test-//' | tr 'A-Z' 'a-z')"
  NERD_TEST_IMAGES="$NERD_TEST_ROOT/images"
  mkdir -p "$NERD_TEST_ROOT/data" "$NERD_TEST_IMAGES"
  : >"$NERD_TEST_ROOT/nerd.toml"

  # The image build runs while the daemons start; harness_stop ends it if they fail to.
  node "$harness_repo/test/helpers/build-test-images.ts" "$NERD_TEST_IMAGES" &
  harness_images_pid=$!

  if [ -n "$harness_external_address" ]; then
    NERD_TEST_ADDRESS="$harness_external_address"
    if ! ctr --address "$NERD_TEST_ADDRESS" version >/dev/null 2>&1; then
      harness_log "NERD_TEST_ADDRESS=$NERD_TEST_ADDRESS: no containerd answers there"
      return 1
    fi
  else
    harness_start_containerd || return 1
  fi
  harness_start_registry || return 1
  local images_status=0
  wait "$harness_images_pid" || images_status=$?
  harness_images_pid=""
  if [ "$images_status" -ne 0 ]; then
    harness_log "building the test images failed"
    return 1
  fi

  # The default network is made once, before the tests, so that its leases are in one place for all of them.
  [ -e /sys/class/net/nerd0 ] && harness_nerd0_existed=1
  node "$harness_repo/bin/run.js" --data-root "$NERD_TEST_ROOT/data/shared" --cni-netconfpath "$NERD_TEST_ROOT/net.d" network inspect bridge >/dev/null || return 1

  export NERD_TEST_ADDRESS NERD_TEST_REGISTRY NERD_TEST_ROOT NERD_TEST_IMAGES NERD_TEST_RUN_ID
  local name
  for name in NERD_TEST_ADDRESS NERD_TEST_REGISTRY NERD_TEST_ROOT NERD_TEST_IMAGES NERD_TEST_RUN_ID; do
    printf 'export %s=%q\n' "$name" "${!name}"
  done >"$NERD_TEST_ROOT/env"
}

harness_ctr() {
  timeout 20 ctr --address "$NERD_TEST_ADDRESS" "$@"
}

# Kills and deletes the tasks and containers of a namespace; with --all, also its images,
# leases, snapshots and content, then the namespace itself (on a containerd that outlives the run).
harness_empty_namespace() {
  local namespace="$1" all="${2:-}" id pass
  for id in $(harness_ctr -n "$namespace" tasks ls -q 2>/dev/null); do
    harness_ctr -n "$namespace" tasks rm -f "$id" >/dev/null 2>&1 || true
  done
  for id in $(harness_ctr -n "$namespace" containers ls -q 2>/dev/null); do
    harness_ctr -n "$namespace" containers rm "$id" >/dev/null 2>&1 || true
  done
  [ "$all" = --all ] || return 0
  for id in $(harness_ctr -n "$namespace" leases ls -q 2>/dev/null); do
    harness_ctr -n "$namespace" leases rm "$id" >/dev/null 2>&1 || true
  done
  harness_ctr -n "$namespace" images ls -q 2>/dev/null | xargs -r timeout 20 ctr --address "$NERD_TEST_ADDRESS" -n "$namespace" images rm --sync >/dev/null 2>&1 || true
  # Snapshots go child first: each pass removes the ones nothing depends on any more.
  for pass in 1 2 3 4 5 6 7 8; do
    local snapshots
    snapshots="$(harness_ctr -n "$namespace" snapshots ls 2>/dev/null | awk 'NR > 1 {print $1}')"
    [ -n "$snapshots" ] || break
    for id in $snapshots; do
      harness_ctr -n "$namespace" snapshots rm "$id" >/dev/null 2>&1 || true
    done
  done
  harness_ctr -n "$namespace" content ls -q 2>/dev/null | xargs -r timeout 20 ctr --address "$NERD_TEST_ADDRESS" -n "$namespace" content rm >/dev/null 2>&1 || true
  harness_ctr namespaces rm "$namespace" >/dev/null 2>&1 \
    || harness_log "left namespace $namespace on $NERD_TEST_ADDRESS (not empty)"
}

harness_stop_registry() {
  [ -n "$harness_registry_pid" ] || return 0
  kill -TERM "$harness_registry_pid" 2>/dev/null || true
  wait "$harness_registry_pid" 2>/dev/null || true
  harness_registry_pid=""
}

harness_stop_containerd() {
  local namespace _
  for namespace in $(harness_ctr namespaces ls -q 2>/dev/null); do
    harness_empty_namespace "$namespace"
  done
  kill -TERM "$harness_containerd_pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$harness_containerd_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$harness_containerd_pid" 2>/dev/null || true
  wait "$harness_containerd_pid" 2>/dev/null || true
  harness_containerd_pid=""
  harness_kill_leftover_shims
}

# Shims outlive containerd by design. A task containerd could not delete above leaves its bundle
# directory in the state dir; its shim (found by the socket address on its command line) and its
# container are then killed, by process id and by runc.
harness_kill_leftover_shims() {
  local task_dirs=() task_dir cmdline pid
  for task_dir in "$NERD_TEST_ROOT"/containerd/state/io.containerd.runtime.v2.task/*/*; do
    [ -d "$task_dir" ] && task_dirs+=("$task_dir")
  done
  [ ${#task_dirs[@]} -gt 0 ] || return 0
  for cmdline in /proc/[0-9]*/cmdline; do
    pid="${cmdline#/proc/}"
    pid="${pid%/cmdline}"
    { tr '\0' '\n' <"$cmdline" | grep -qxF -- "$NERD_TEST_ADDRESS"; } 2>/dev/null || continue
    case "$( { tr '\0' ' ' <"$cmdline"; } 2>/dev/null)" in
      containerd-shim*|*/containerd-shim*) kill -KILL "$pid" 2>/dev/null || true ;;
    esac
  done
  for task_dir in "${task_dirs[@]}"; do
    runc --root "/run/containerd/runc/$(basename "$(dirname "$task_dir")")" delete --force "$(basename "$task_dir")" >/dev/null 2>&1 || true
    harness_log "killed task $(basename "$task_dir") (namespace $(basename "$(dirname "$task_dir")")) that containerd did not delete"
  done
}

# Unmounts whatever is still mounted under the run's directory, deepest first.
harness_unmount_all() {
  local mountpoint
  awk -v root="$NERD_TEST_ROOT/" 'index($5, root) == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r mountpoint; do
    umount "$mountpoint" 2>/dev/null || umount -l "$mountpoint" 2>/dev/null || true
  done
  ! awk -v root="$NERD_TEST_ROOT/" 'index($5, root) == 1 {found = 1} END {exit !found}' /proc/self/mountinfo
}

# What the networks of this run left on the host: bridges and iptables rules.
harness_remove_networks() {
  local conflist id bridge rule table
  for conflist in "$NERD_TEST_ROOT"/net.d/nerd-*.conflist; do
    [ -f "$conflist" ] || continue
    id="$(grep -o '"id": "[0-9a-f]\{64\}"' "$conflist" | head -n 1 | cut -d'"' -f4)"
    bridge="$(grep -o '"bridge": "[^"]*"' "$conflist" | head -n 1 | cut -d'"' -f4)"
    if [ -n "$id" ]; then
      for table in filter nat; do
        # No rule of this network (grep finds nothing) is no failure, also under `set -o pipefail`.
        { iptables -w -t "$table" -S 2>/dev/null | grep -F "nerd network ${id:0:12}" || true; } | sed 's/^-A /-D /' | while read -r rule; do
          eval "iptables -w -t $table $rule" || true
        done
      done
    fi
    if [ -n "$bridge" ] && { [ "$bridge" != nerd0 ] || [ -z "$harness_nerd0_existed" ]; }; then
      ip link delete "$bridge" 2>/dev/null || true
    fi
  done
}

harness_stop() {
  if [ -n "$harness_images_pid" ]; then
    kill -TERM "$harness_images_pid" 2>/dev/null || true
    wait "$harness_images_pid" 2>/dev/null || true
  fi
  harness_stop_registry
  if [ -n "${NERD_TEST_ADDRESS:-}" ] && [ -n "${NERD_TEST_RUN_ID:-}" ]; then
    if [ -n "$harness_started_containerd" ]; then
      [ -n "$harness_containerd_pid" ] && harness_stop_containerd
    else
      local namespace
      for namespace in $(harness_ctr namespaces ls -q 2>/dev/null | grep "^nt$NERD_TEST_RUN_ID-"); do
        harness_empty_namespace "$namespace" --all
      done
    fi
  fi
  # runc's state directories, one per namespace, are shared with the machine's containerd and
  # outlive the tasks: this run's are removed once empty.
  [ -n "${NERD_TEST_RUN_ID:-}" ] && { rmdir "/run/containerd/runc/nt$NERD_TEST_RUN_ID-"* 2>/dev/null || true; }
  # So are the cgroups named after the namespaces (runc removes a container's own, not its parent):
  # left behind, thousands of runs make every cgroup operation, and so every run, slower.
  [ -n "${NERD_TEST_RUN_ID:-}" ] && { rmdir /sys/fs/cgroup/*/"nt$NERD_TEST_RUN_ID-"* /sys/fs/cgroup/"nt$NERD_TEST_RUN_ID-"* 2>/dev/null || true; }
  [ -n "${NERD_TEST_ROOT:-}" ] && [ -d "$NERD_TEST_ROOT" ] || return 0
  harness_remove_networks
  if ! harness_unmount_all; then
    harness_log "mounts remain under $NERD_TEST_ROOT; leaving it in place"
  elif [ -n "${NERD_TEST_KEEP:-}" ]; then
    harness_log "kept $NERD_TEST_ROOT"
  else
    rm -rf --one-file-system "$NERD_TEST_ROOT"
  fi
}
