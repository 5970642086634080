#!/usr/bin/env bash
# Starts the Backstage backend (:7007) and frontend (:3000) with the toolchain prepared by
# scripts/setup.sh. Used by scripts/start.sh and by the browser tests. Every process started
# here runs in its own process group and is stopped with it on Ctrl-C, TERM or exit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
gs_setup_node
gs_setup_yarn
cd "$GS_ROOT"

pids=()
stop_all() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
trap stop_all INT TERM EXIT

run() {
  setsid "$@" &
  pids+=("$!")
}

run yarn start "$@"

# the first process to end ends them all
wait -n "${pids[@]}"
