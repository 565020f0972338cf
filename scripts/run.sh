#!/usr/bin/env bash
# One command to set up and render the example project on the embedded default: starts a local
# Temporal dev server (SQLite under the data dir) and an in-process worker with the offline
# provider, renders examples/pilot and prints the path of the stitched MP4.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
cargo build -q -p studio-cli
exec ./target/debug/studio render "${1:-examples/pilot/pilot.studio.json}" --wait
