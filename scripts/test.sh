#!/usr/bin/env bash
# The "test" command: the same set-up as start plus Debian's Chromium for the browser tests
# (installed with apt-get when missing and run as root), then type-check, lint, prettier, every
# unit test and the browser end-to-end tests. Every step runs even when an earlier one failed; the exit
# code is non-zero when any failed, and a summary closes the output.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
gs_setup || exit 1
# a missing browser fails only the browser step, which says so again
gs_setup_chromium || true
cd "$GS_ROOT"
export CI="${CI:-true}"
# setup.sh turns on errexit for its own steps; here a failing step must not end the run
set +e

results_dir="$GS_ROOT/node_modules/.cache/gitops-secrets-test"
rm -rf "$results_dir"
mkdir -p "$results_dir"

declare -a step_names=() step_codes=() step_times=()
step() {
  local name="$1"
  shift
  printf '\n\033[1m==> %s\033[0m\n' "$name"
  local started=$SECONDS
  "$@"
  local code=$?
  step_names+=("$name")
  step_codes+=("$code")
  step_times+=("$((SECONDS - started))")
  return 0
}

browser_tests() {
  local chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
  if [ ! -x "$chromium" ]; then
    echo "Chromium not found at $chromium, and the setup could not install it (see its message above). Install Debian's package as root (apt-get install -y chromium) or set CHROMIUM_PATH." >&2
    return 1
  fi
  PLAYWRIGHT_JSON_OUTPUT_NAME="$results_dir/e2e.json" yarn playwright test
}

# Tests leave the tree as they found it: what `git status` shows before the run, and the content
# of what differs from HEAD, is what it shows after (ignored output such as test-results/ does
# not count).
tree_status() {
  git -C "$GS_ROOT" status --porcelain=v1 --untracked-files=all 2>/dev/null
  git -C "$GS_ROOT" diff --binary HEAD 2>/dev/null | sha256sum
}
tree_before="$(tree_status)"
tree_unchanged() {
  local after
  after="$(tree_status)"
  if [ "$after" != "$tree_before" ]; then
    echo "The tests changed files Git tracks or sees (write test output to an ignored folder such as test-results/):" >&2
    diff <(printf '%s\n' "$tree_before") <(printf '%s\n' "$after") >&2
    return 1
  fi
  echo "git status is as before the tests"
}

step "type-check (tsc)" yarn tsc
step "lint" yarn lint:all
step "prettier" yarn prettier --check .
# the published packages' API (from the declarations tsc wrote) and dependencies, against the
# committed report.api.md and knip-report.md; `yarn build:api-reports` / `yarn build:knip-reports`
# refresh them
step "API reports" yarn build:api-reports --ci
step "knip reports" yarn build:knip-reports --ci
# exports and files nothing imports (knip-exports.json: the entry points of each workspace)
step "unused exports" yarn lint:exports
step "changesets" yarn lint:changesets
step "unit tests (jest)" yarn backstage-cli repo test --json --outputFile="$results_dir/jest.json"
step "browser tests (playwright)" browser_tests
step "tree unchanged" tree_unchanged

printf '\n\033[1m==> summary\033[0m\n'
failed_steps=0
for i in "${!step_names[@]}"; do
  if [ "${step_codes[$i]}" = 0 ]; then verdict=ok; else verdict="FAILED (exit ${step_codes[$i]})"; failed_steps=$((failed_steps + 1)); fi
  printf '  %-30s %-20s %ss\n' "${step_names[$i]}" "$verdict" "${step_times[$i]}"
done
node "$GS_ROOT/scripts/test-summary.js" "$results_dir/jest.json" "$results_dir/e2e.json"
summary_code=$?
if [ "$failed_steps" != 0 ] || [ "$summary_code" != 0 ]; then
  exit 1
fi
