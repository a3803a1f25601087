#!/usr/bin/env bash
# Makes a Docker engine reachable: installs Debian's docker.io when no dockerd
# is present and starts dockerd in the background when nothing answers on the
# socket (containers and CI sandboxes here have no systemd to do it).
# Idempotent; prints where the daemon log goes when it had to start one.
set -euo pipefail

engine_start_timeout_s=${ENGINE_START_TIMEOUT_S:-60}
dockerd_log=${DOCKERD_LOG:-/tmp/samsa-dockerd.log}

as_root() {
  if [[ "$(id -u)" == "0" ]]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else echo "docker-engine: need root (or passwordless sudo) for: $*" >&2; return 1
  fi
}

if docker info >/dev/null 2>&1; then
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  echo "docker-engine: installing Debian's docker.io"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -q </dev/null
  as_root apt-get install -y -q --no-install-recommends docker.io </dev/null
fi

if ! docker info >/dev/null 2>&1; then
  echo "docker-engine: starting dockerd (log: $dockerd_log)"
  # setsid: the daemon must outlive this script and the job that ran it.
  as_root setsid nohup dockerd >"$dockerd_log" 2>&1 </dev/null &
  deadline=$((SECONDS + engine_start_timeout_s))
  until docker info >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      echo "docker-engine: dockerd did not answer within ${engine_start_timeout_s}s; last log lines:" >&2
      tail -n 20 "$dockerd_log" >&2 || true
      exit 1
    fi
    sleep 1
  done
fi
echo "docker-engine: $(docker version --format 'engine {{.Server.Version}}, API {{.Server.APIVersion}}')"
