#!/usr/bin/env bash
# Sets everything up (see scripts/setup.sh) and starts the Backstage backend (:7007) and
# frontend (:3000). Ctrl-C stops every process this script started.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
gs_setup

cd "$GS_ROOT"
pids=()
stop_all() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do
    # each child leads its own process group: stop the whole group
    kill -TERM -- "-$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
trap stop_all INT TERM EXIT

setsid yarn start "$@" &
pids+=("$!")

wait -n "${pids[@]}"
