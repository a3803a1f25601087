#!/usr/bin/env bash
# Makes the Dockerfile's base image available locally.
#
# docker/Dockerfile starts FROM node:20-bookworm-slim. Where a registry is
# reachable this script just pulls it. Where none is (sandboxes, air-gapped CI)
# it builds a stand-in with the same tag: a Debian bookworm minbase root file
# system (debootstrap) plus this host's Node.js binary, npm and C headers laid out
# like the official image (/usr/local/bin/node, uid 1000 user "node"). The
# Dockerfile itself stays what a user elsewhere runs.
#
# The stand-in also carries this host's CA bundle with NODE_EXTRA_CA_CERTS
# pointing at it, because here the npm registry is reached through a
# TLS-intercepting proxy; the official image needs neither.
#
# Usage: scripts/docker-base-image.sh [--force]   (--force rebuilds the stand-in)
set -euo pipefail

image=${BASE_IMAGE:-node:20-bookworm-slim}
debian_mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
pull_timeout_s=${PULL_TIMEOUT_S:-60}
host_ca_bundle=${HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
force=false
[[ "${1:-}" == "--force" ]] && force=true

as_root() {
  if [[ "$(id -u)" == "0" ]]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else echo "docker-base-image: need root (or passwordless sudo) for: $*" >&2; return 1
  fi
}

if ! $force && docker image inspect "$image" >/dev/null 2>&1; then
  echo "docker-base-image: $image is present"
  exit 0
fi
if ! $force && timeout "$pull_timeout_s" docker pull -q "$image" >/dev/null 2>&1; then
  echo "docker-base-image: pulled $image"
  exit 0
fi
echo "docker-base-image: cannot pull $image; building a local stand-in"

node_bin=$(command -v node)
node_version=$(node -p 'process.versions.node')
node_major=${node_version%%.*}
wanted_major=$(sed -E 's/^node:([0-9]+).*/\1/' <<<"$image")
if [[ "$node_major" != "$wanted_major" ]]; then
  echo "docker-base-image: host node is $node_version but $image needs Node $wanted_major" >&2
  exit 1
fi
# The host's npm and headers: next to the node binary's prefix (Debian/NodeSource: /usr).
node_prefix=$(cd "$(dirname "$(readlink -f "$node_bin")")/.." && pwd)
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
headers_dir="$node_prefix/include/node"
[[ -f "$npm_dir/bin/npm-cli.js" ]] || { echo "docker-base-image: npm not found at $npm_dir" >&2; exit 1; }
[[ -f "$headers_dir/node_api.h" ]] || { echo "docker-base-image: node headers not found at $headers_dir" >&2; exit 1; }

if ! command -v debootstrap >/dev/null 2>&1; then
  echo "docker-base-image: installing debootstrap"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -q </dev/null
  as_root apt-get install -y -q --no-install-recommends debootstrap </dev/null
fi

work=$(mktemp -d /tmp/samsa-base-image.XXXXXX)
trap 'as_root rm -rf "$work"' EXIT
rootfs="$work/rootfs"

echo "docker-base-image: debootstrap bookworm (minbase) from $debian_mirror"
as_root debootstrap --variant=minbase bookworm "$rootfs" "$debian_mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2
  exit 1
}

echo "docker-base-image: adding Node.js $node_version from $node_prefix"
as_root install -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
as_root mkdir -p "$rootfs/usr/local/lib/node_modules" "$rootfs/usr/local/include"
as_root cp -a "$npm_dir" "$rootfs/usr/local/lib/node_modules/npm"
as_root cp -a "$headers_dir" "$rootfs/usr/local/include/node"
as_root ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
as_root ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
as_root mkdir -p "$rootfs/etc/ssl/certs"
as_root cp "$host_ca_bundle" "$rootfs/etc/ssl/certs/ca-certificates.crt"
# The official image's unprivileged user.
as_root chroot "$rootfs" groupadd --gid 1000 node
as_root chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
as_root rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
as_root chroot "$rootfs" node -e 'require("node:crypto").randomUUID()' # the binary runs in the new root

echo "docker-base-image: importing as $image"
as_root tar -C "$rootfs" -c . | docker import \
  --change "ENV NODE_VERSION=$node_version" \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'CMD ["node"]' \
  - "$image" >/dev/null
docker run --rm "$image" node -e 'console.log("docker-base-image: " + process.version + " runs in the image")'
