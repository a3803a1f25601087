#!/bin/sh
# Kubernetes preStop hook: starts the broker's controlled shutdown and waits for
# it to finish, so that the kubelet's own SIGTERM (sent after this hook returns)
# does not arrive while the broker is still handing off. The broker treats a
# second SIGTERM as "exit now", which is only right once the grace period is up.
#
# The broker is PID 1 (the image's ENTRYPOINT execs node directly).
# Usage: samsa-pre-stop [max-wait-seconds]   (keep it below terminationGracePeriodSeconds)
set -eu
max_wait_s=${1:-50}
broker_pid=1

kill -TERM "$broker_pid" 2>/dev/null || exit 0
waited_s=0
while kill -0 "$broker_pid" 2>/dev/null; do
  if [ "$waited_s" -ge "$max_wait_s" ]; then
    echo "samsa-pre-stop: broker still running after ${max_wait_s}s" >&2
    exit 1
  fi
  sleep 1
  waited_s=$((waited_s + 1))
done
