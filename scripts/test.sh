#!/usr/bin/env bash
# One command to set up and run every check: formatting, clippy (warnings are errors) and all
# tests. The end-to-end tests start their own Temporal dev server on a free port with its own
# SQLite file, and stop it when they finish.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
