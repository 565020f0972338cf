#!/usr/bin/env bash
# The window's tests: type check, Vitest unit tests, then the end-to-end test in a real window
# under Xvfb driven by tauri-driver + WebKitWebDriver, on the embedded Temporal dev server and the
# offline provider. Screenshots and measured figures land in target/e2e-artifacts/.
set -euo pipefail
# A private D-Bus session: the single-instance handover runs over it (and nothing reaches a
# desktop session's bus or keyring; keys go to the file store).
if [ -z "${STUDIO_E2E_BUS:-}" ]; then
  STUDIO_E2E_BUS=1 STUDIO_SECRETS=file exec dbus-run-session -- "$0" "$@"
fi
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
target=$(cd "${CARGO_TARGET_DIR:-target}" 2>/dev/null && pwd || echo "$PWD/target")

# To measure one e2e file again: STUDIO_E2E_ONLY=cut (studio, story, sound or cut) runs that file
# alone, and STUDIO_E2E_PREBUILT=1 skips the install, builds and unit tests (the app as built).
only="${STUDIO_E2E_ONLY:-}"
if [ -z "${STUDIO_E2E_PREBUILT:-}" ]; then
  npm --prefix ui ci --no-audit --no-fund --loglevel=error
  npm --prefix ui run build             # type check + the dist the app embeds
  cargo build -q -p smoketech-studio   # custom-protocol is a default feature: no dev server
  # The TypeScript bindings are generated from Rust and committed; they must be current.
  "$target/debug/smoketech-studio" --export-bindings >/dev/null
  git diff --exit-code -- ui/src/bindings.ts || { echo "ui/src/bindings.ts is stale: commit the regenerated file"; exit 1; }
  npm --prefix ui test
fi

command -v tauri-driver >/dev/null 2>&1 || cargo install -q tauri-driver --locked

work=$(mktemp -d /tmp/studio-e2e.XXXXXX)
artifacts="$target/e2e-artifacts"
rm -rf "$artifacts" && mkdir -p "$artifacts" "$work/data"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ui_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# One clip at a time so the run is long enough to pause mid-way.
cat > "$work/data/settings.json" <<JSON
{"temporal": {"devServerPort": $port, "devServerUiPort": $ui_port},
 "provider": "offline",
 "tuning": {"maxParallelSegments": 1}}
JSON

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  pkill -f "$work" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

display=":$((90 + RANDOM % 9))"
Xvfb "$display" -screen 0 1920x1200x24 -nolisten tcp >/dev/null 2>&1 &
pids+=($!)
export DISPLAY="$display"
driver_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
STUDIO_LOG="${STUDIO_LOG:-warn}" STUDIO_DATA_DIR="$work/data" STUDIO_PROVIDER=offline tauri-driver --port "$driver_port" >"$artifacts/tauri-driver.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do curl -s "http://127.0.0.1:$driver_port/status" >/dev/null && break; sleep 0.1; done

if [ -z "$only" ] || [ "$only" = studio ]; then
STUDIO_APP="$target/debug/smoketech-studio" \
WEBDRIVER_URL="http://127.0.0.1:$driver_port" \
STUDIO_E2E_DIR="$work" STUDIO_E2E_PORT="$port" \
TEMPORAL_CLI="$PWD/.venv/bin/temporal" E2E_ARTIFACTS="$artifacts" \
  node ui/e2e/studio.e2e.mjs
fi
# A story becoming a storyboard (New from story, the story panel, the shot fields, Save As).
if [ -z "$only" ] || [ "$only" = story ]; then
STUDIO_APP="$target/debug/smoketech-studio" \
WEBDRIVER_URL="http://127.0.0.1:$driver_port" \
STUDIO_E2E_DIR="$work" E2E_ARTIFACTS="$artifacts" \
  node ui/e2e/story.e2e.mjs
fi
# The film's sound (voices and their samples, narration, music, the lanes, captions).
if [ -z "$only" ] || [ "$only" = sound ]; then
STUDIO_APP="$target/debug/smoketech-studio" \
WEBDRIVER_URL="http://127.0.0.1:$driver_port" \
STUDIO_E2E_DIR="$work" E2E_ARTIFACTS="$artifacts" \
  node ui/e2e/sound.e2e.mjs
fi
# The cut (the player's room at three sizes in every panel state, a trim dragged by the pointer,
# a transition, a title card, frame steps, the frame budget while dragging and scrubbing a
# 50-shot timeline). Last: it renders a 50-shot film.
if [ -z "$only" ] || [ "$only" = cut ]; then
STUDIO_APP="$target/debug/smoketech-studio" \
WEBDRIVER_URL="http://127.0.0.1:$driver_port" \
STUDIO_E2E_DIR="$work" E2E_ARTIFACTS="$artifacts" \
  node ui/e2e/cut.e2e.mjs
fi
