#!/usr/bin/env bash
# One command to set up and run every check: formatting, clippy (the [workspace.lints] policy), all Rust
# tests, and the window's tests (type check, Vitest, end-to-end in a real window under Xvfb).
# End-to-end tests start their own Temporal dev servers on free ports with their own SQLite
# files, and stop them when they finish.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
# A one-shot build gains nothing from incremental caches, which would double the target dir.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
# Test-only: moto's S3-compatible server, for the shared-artifact (bucket) tests.
.venv/bin/moto_server --help >/dev/null 2>&1 ||
  .venv/bin/pip install -q --disable-pip-version-check "moto[server]==5.2.5"
cargo fmt --all -- --check
# The app embeds ui/dist at compile time, so the front end is built before any Rust check.
npm --prefix ui ci --no-audit --no-fund --loglevel=error
npm --prefix ui run build
# The lint policy is `[workspace.lints]` in Cargo.toml (clippy::all and unused code are errors).
cargo clippy --workspace --all-targets
cargo test --workspace
# Chaos: 20 jobs while 30 kills hit workers, the Temporal server and clients (seed printed).
# Every binary is built with the workspace's features, the ones the tests just built its crates
# with: a `-p` subset would unify features differently and build most crates a second time.
cargo build -q --workspace --bins
target=$(cd "${CARGO_TARGET_DIR:-target}" && pwd)
"$target/debug/studio-chaos" --jobs 20 --kills 30
# Kubernetes manifests rendered and validated offline, and the autoscaler simulated.
./scripts/test-deploy.sh
./scripts/test-ui.sh
# The installable bundle as a user meets it: .deb built, installed, launched, rendering, removed.
./scripts/test-bundle.sh
# The target dir is most of what a run writes; CI machines share a disk, so say how much it took.
echo "test: target dir $(du -sh "$target" | cut -f1), $(df -h --output=avail "$target" | tail -1 | tr -d ' ') left on its disk"
