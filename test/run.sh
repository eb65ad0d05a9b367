#!/usr/bin/env bash
# nerd's test suite (`bash test/run.sh`, also `npm test`, and what CI runs through .ci/run). From a fresh clone, as root on
# Debian: gets Node >= 22 (scripts/ensure-node.sh), the Debian packages (scripts/install-deps.sh),
# node_modules (npm ci, when missing or older than package-lock.json), builds nerd, starts a private
# containerd and docker-registry (test/harness/harness.sh) when e2e tests are selected, runs the
# tests with node's test runner, and stops everything it started, however it ends.
#
#   bash test/run.sh                          all of test/unit and test/e2e
#   bash test/run.sh test/unit/format test/e2e/system.test.ts
#                                             some directories and files only
#   bash test/run.sh --test-name-pattern='namespace'
#                                             node --test options (in their --option=value form)
#
# Environment:
#   NERD_TEST_ADDRESS      use this containerd instead of starting one (see harness.sh)
#   NERD_SKIP_BUILD=1      do not run `npm run build` (bin/run.js then runs the dist/ already there)
#   NERD_TEST_CONCURRENCY  test files run at once (default 2); each e2e file has its own namespace
#   NERD_TEST_TIMEOUT      per-test timeout in ms (default 120000)
#   NERD_TEST_DEADLINE     seconds the whole test run may take before it is stopped (default 1800)
#   NERD_TEST_TMPDIR, NERD_TEST_KEEP   see harness.sh
# Output: node's spec reporter (ending in `ℹ pass N` / `ℹ fail N`), then one line
# `N passed, N failed, N skipped`. The exit code is non-zero when anything failed.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

# shellcheck source=scripts/prepare.sh
source scripts/prepare.sh

files=()
node_options=()
add_files() {
  local found
  found="$(find "$1" -type f -name '*.test.ts' -not -path '*/node_modules/*' | sort)"
  [ -n "$found" ] || { echo "test/run.sh: no *.test.ts under $1" >&2; exit 2; }
  mapfile -t -O "${#files[@]}" files <<<"$found"
}
for arg in "$@"; do
  case "$arg" in
    -*) node_options+=("$arg") ;;
    *)
      if [ -d "$arg" ]; then add_files "$arg"
      elif [ -f "$arg" ]; then files+=("$arg")
      else echo "test/run.sh: no such test file or directory: $arg (node options go as --option=value)" >&2; exit 2
      fi ;;
  esac
done
if [ ${#files[@]} -eq 0 ]; then
  add_files test/unit
  [ -d test/e2e ] && add_files test/e2e
fi

needs_daemons=""
for file in "${files[@]}"; do
  case "$(realpath --relative-to="$repo" "$file")" in
    test/unit/*) ;;
    *) needs_daemons=1 ;;
  esac
done

test_pid=""
# shellcheck source=test/harness/harness.sh
source test/harness/harness.sh

stop_tests() {
  [ -n "$test_pid" ] || return 0
  kill -TERM -- "-$test_pid" 2>/dev/null || true
  local _
  for _ in $(seq 1 50); do
    kill -0 -- "-$test_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$test_pid" 2>/dev/null || true
  wait "$test_pid" 2>/dev/null || true
  test_pid=""
}
on_exit() {
  local status=$?
  # Clean-up goes on past any step that fails.
  set +e
  trap - EXIT INT TERM HUP
  stop_tests
  harness_stop
  exit "$status"
}
on_signal() {
  echo "test/run.sh: interrupted" >&2
  exit 130
}
trap on_exit EXIT
trap on_signal INT TERM HUP

if [ -n "$needs_daemons" ]; then
  harness_start
fi

# The runner, the test files and everything they spawn form one process group in a session of
# their own, which the deadline (timeout signals its whole group) and on_exit stop at once.
status=0
setsid timeout --kill-after=15 "${NERD_TEST_DEADLINE:-1800}" \
  node --test \
  --test-concurrency="${NERD_TEST_CONCURRENCY:-2}" \
  --test-timeout="${NERD_TEST_TIMEOUT:-120000}" \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter="$repo/test/harness/summary-reporter.mjs" --test-reporter-destination=stdout \
  "${node_options[@]}" "${files[@]}" </dev/null &
test_pid=$!
wait "$test_pid" || status=$?
test_pid=""
if [ "$status" -eq 124 ]; then
  echo "test/run.sh: the tests did not finish within ${NERD_TEST_DEADLINE:-1800} s and were stopped" >&2
fi
exit "$status"
