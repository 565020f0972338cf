#!/usr/bin/env bash
# One command to set up and launch SmokeTech Studio on the embedded default: the window starts a
# local Temporal dev server (SQLite under the data dir) and a bundled worker; with no API keys it
# renders with the offline provider.
#   ./scripts/run.sh                 launch the window
#   ./scripts/run.sh --cli [PROJECT] render a project headless and print the MP4's path
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
target=$(cd "${CARGO_TARGET_DIR:-target}" 2>/dev/null && pwd || echo "$PWD/target")
if [ "${1:-}" = "--cli" ]; then
  cargo build -q -p studio-cli
  exec "$target/debug/studio" render "${2:-examples/pilot/pilot.studio.json}" --wait
fi
npm --prefix ui ci --no-audit --no-fund --loglevel=error
npm --prefix ui run build
cargo build -q -p smoketech-studio
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "run: no display; starting the studio under Xvfb :95 (view it with a VNC server, or use --cli)"
  Xvfb :95 -screen 0 1440x900x24 -nolisten tcp >/dev/null 2>&1 &
  export DISPLAY=:95
fi
exec "$target/debug/smoketech-studio" "$@"
