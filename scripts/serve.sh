#!/usr/bin/env bash
# Starts the sandbox (Vault :8200, Kubernetes :6443, GitHub :7080, admin API :7090; see
# packages/sandbox/README.md), waits until it has written its CA files and credentials to
# .sandbox/, then the Backstage backend (:7007) and frontend (:3000), with the toolchain prepared
# by scripts/setup.sh. Set SANDBOX=off to start Backstage alone (e.g. against real systems with
# app-config.production.yaml). Used by scripts/start.sh and by the browser tests. Every process started
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
  # a process that does not finish its shutdown within 20 s (say, its output pipe was closed
  # under it) is killed: nothing started here outlives this script
  local _ pid alive
  for _ in $(seq 1 40); do
    alive=0
    for pid in "${pids[@]}"; do
      kill -0 -- "-$pid" 2>/dev/null && alive=1
    done
    [[ $alive == 0 ]] && break
    sleep 0.5
  done
  for pid in "${pids[@]}"; do
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
trap stop_all INT TERM EXIT

run() {
  setsid "$@" &
  pids+=("$!")
}

if [[ "${SANDBOX:-on}" != off ]]; then
  ready_file="$GS_ROOT/.sandbox/ready.json"
  rm -f "$ready_file"
  run bash packages/sandbox/bin/sandbox ${SANDBOX_STATE_DIR:+--state-dir "$SANDBOX_STATE_DIR"}
  sandbox_pid="${pids[0]}"
  for _ in $(seq 1 120); do
    [[ -s "$ready_file" ]] && break
    if ! kill -0 "$sandbox_pid" 2>/dev/null; then
      echo "serve.sh: the sandbox exited before it was ready" >&2
      exit 1
    fi
    sleep 0.5
  done
  if [[ ! -s "$ready_file" ]]; then
    echo "serve.sh: the sandbox did not report ready within 60 s" >&2
    exit 1
  fi
  # app-config.yaml reads the backend's sandbox credentials from these
  SANDBOX_VAULT_TOKEN="$(cat "$GS_ROOT/.sandbox/vault-token")"
  SANDBOX_KUBE_TOKEN="$(cat "$GS_ROOT/.sandbox/kube-token")"
  SANDBOX_EDGE_KUBE_TOKEN="$(cat "$GS_ROOT/.sandbox/edge-kube-token")"
  SANDBOX_LAB_KUBE_TOKEN="$(cat "$GS_ROOT/.sandbox/lab-kube-token")"
  export SANDBOX_VAULT_TOKEN SANDBOX_KUBE_TOKEN SANDBOX_EDGE_KUBE_TOKEN SANDBOX_LAB_KUBE_TOKEN
fi

run yarn start "$@"

# the first process to end ends them all
wait -n "${pids[@]}"
