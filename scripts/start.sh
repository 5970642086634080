#!/usr/bin/env bash
# The "start" command: sets everything up (Node.js 22, Yarn, dependencies; see setup.sh) and
# starts the backend (:7007) and the frontend (:3000). Ctrl-C stops every process it started.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
gs_setup
exec bash "$GS_ROOT/scripts/serve.sh" "$@"
