#!/bin/sh
# Starts the broker as one node of a cluster whose controller quorum is a fixed
# voter set (SAMSA_CONTROLLER_QUORUM_VOTERS, "id@host:port,..."): a node whose
# id is a voter runs broker+controller, any other node (added when scaling out)
# runs as a broker only. An explicit SAMSA_PROCESS_ROLES wins.
# exec keeps the broker as PID 1, so SIGTERM reaches it directly.
set -eu

if [ -z "${SAMSA_PROCESS_ROLES:-}" ] && [ -n "${SAMSA_CONTROLLER_QUORUM_VOTERS:-}" ]; then
  : "${SAMSA_NODE_ID:?SAMSA_NODE_ID must be set when SAMSA_CONTROLLER_QUORUM_VOTERS is}"
  case ",$(printf '%s' "$SAMSA_CONTROLLER_QUORUM_VOTERS" | tr -d ' ')," in
    *",$SAMSA_NODE_ID@"*) SAMSA_PROCESS_ROLES=broker,controller ;;
    *) SAMSA_PROCESS_ROLES=broker ;;
  esac
  export SAMSA_PROCESS_ROLES
fi
exec node --initial-old-space-size=256 --min-semi-space-size=16 /opt/samsa/packages/cli/bin/samsa.js server start "$@"
