#!/usr/bin/env bash
# Installs, with apt-get, the Debian packages nerd and its tests use whose commands are missing.
# Quiet when everything is there. Without root it names what is missing and exits 1.
#   --bench   also hyperfine (for `npm run bench`)
set -euo pipefail

# package → file that proves it is installed
declare -A probes=(
  [containerd]=containerd
  [runc]=runc
  [containernetworking-plugins]=/usr/lib/cni/bridge
  [docker-registry]=docker-registry
  [skopeo]=skopeo
  [iptables]=iptables
  [tini]=tini-static
  [iproute2]=ip
  [apache2-utils]=htpasswd
  [tmux]=tmux
)
order=(containerd runc containernetworking-plugins busybox-static docker-registry skopeo iptables tini iproute2 apache2-utils tmux)
for arg in "$@"; do
  case "$arg" in
    --bench) probes[hyperfine]=hyperfine; order+=(hyperfine) ;;
    *) echo "install-deps: unknown option $arg" >&2; exit 2 ;;
  esac
done

installed() {
  case "$1" in
    # Test images are built from this binary and run with no libc beside it: the dynamically linked
    # `busybox` package, which also provides /bin/busybox, does not do.
    busybox-static) [ "$(dpkg-query -W -f='${Status}' busybox-static 2>/dev/null)" = "install ok installed" ] ;;
    *) local probe="${probes[$1]}"
       if [[ "$probe" == /* ]]; then [ -e "$probe" ]; else command -v "$probe" >/dev/null 2>&1 || [ -x "/usr/sbin/$probe" ] || [ -x "/sbin/$probe" ]; fi ;;
  esac
}

missing=()
for package in "${order[@]}"; do
  installed "$package" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing Debian packages: ${missing[*]}" >&2
  echo "install-deps: run as root, or: apt-get install ${missing[*]}" >&2
  exit 1
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "install-deps: apt-get install ${missing[*]} failed" >&2
  exit 1
fi
