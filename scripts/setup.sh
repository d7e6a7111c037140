#!/usr/bin/env bash
# All set-up shipbench needs, idempotent and quick when everything is present:
# Debian packages of the real components, peers and test tools, then npm dependencies, then the CLI bundle.
set -euo pipefail
cd "$(dirname "$0")/.."

# command -> Debian package that provides it
declare -A PACKAGES=(
  [skopeo]=skopeo
  [umoci]=umoci
  [pigz]=pigz
  [zstd]=zstd
  [docker-registry]=docker-registry
  [htpasswd]=apache2-utils
  [openssl]=openssl
  [pgrep]=procps
  [mount]=mount
  [rsync]=rsync
  [cdb]=tinycdb
  [fio]=fio
  [chromium]=chromium
  [dockerd]=docker.io
  [containerd]=containerd
  [ip]=iproute2
  [mkfs.ext4]=e2fsprogs
  [nsenter]=util-linux
  # Tests only: a real sshd in a network namespace stands in for a remote Docker host (fleet.hosts over ssh).
  [sshd]=openssh-server
)

missing=()
for cmd in "${!PACKAGES[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${PACKAGES[$cmd]}")
done
# generate's default gzip engine, loaded through koffi.
ldconfig -p 2>/dev/null | grep -q 'libdeflate\.so\.0 ' || missing+=(libdeflate0)
# Chart text: resvg renders PNGs with system fonts, and the charts name DejaVu Sans.
[[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]] || missing+=(fonts-dejavu-core)
if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "shipbench setup: missing Debian packages: ${missing[*]}; install them as root: apt-get install ${missing[*]}" >&2
    exit 2
  fi
  echo "shipbench setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci only when package-lock.json changed since the last install done here.
stamp=node_modules/.shipbench-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  echo "shipbench setup: npm ci" >&2
  # --prefer-offline: tarballs and metadata already in npm's cache are used without asking the registry again.
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi

# The CLI bundle bin/shipbench.js prefers (it falls back to the sources whenever they are newer).
bash scripts/build-bundle.sh dist
