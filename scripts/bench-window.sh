#!/usr/bin/env bash
# Idle memory of the studio window's process tree: the app, WebKit's web and network processes
# (not the embedded Temporal dev server, a separate program). Starts the app under its own Xvfb
# with a fresh data dir (embedded server and bundled worker, offline provider), waits until the
# worker polls and the window has been idle SETTLE seconds, then reads RSS and PSS from /proc.
# Prints one line per process and one JSON line.
#
#   scripts/bench-window.sh [BINARY] [ENV=VALUE...]
#
# BINARY defaults to target/release/smoketech-studio (cargo build --release -p smoketech-studio).
# ENV=VALUE pairs are set for the app, e.g. __EGL_VENDOR_LIBRARY_DIRS=/usr/share/glvnd/egl_vendor.d
# to measure without keeping software GL out of the UI process.
set -euo pipefail
cd "$(dirname "$0")/.."
target=$(cd "${CARGO_TARGET_DIR:-target}" 2>/dev/null && pwd || echo "$PWD/target")
app="$target/release/smoketech-studio"
if [ $# -gt 0 ] && [[ "$1" != *=* ]]; then app=$1; shift; fi
[ -x "$app" ] || { echo "no $app: cargo build --release -p smoketech-studio" >&2; exit 2; }
settle=${SETTLE:-15}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
work=$(mktemp -d /tmp/studio-bench-window.XXXXXX)
mkdir -p "$work/data"
port=$(free_port)
cat > "$work/data/settings.json" <<JSON
{"temporal": {"devServerPort": $port, "devServerUiPort": $(free_port)}, "provider": "offline"}
JSON
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  pkill -f "$work" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
display=":$((110 + RANDOM % 20))"
Xvfb "$display" -screen 0 1440x900x24 -nolisten tcp >/dev/null 2>&1 &
pids+=($!)
sleep 1
env DISPLAY="$display" STUDIO_DATA_DIR="$work/data" STUDIO_SECRETS=file "$@" "$app" >"$work/app.log" 2>&1 &
app_pid=$!
pids+=("$app_pid")

# Ready: the embedded server answers and the bundled worker polls it.
for _ in $(seq 120); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  sleep 0.5
done
sleep "$settle"
kill -0 "$app_pid" 2>/dev/null || { echo "the app exited:" >&2; tail -20 "$work/app.log" >&2; exit 1; }

tree() { echo "$1"; for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do tree "$c"; done; }
rss=0; pss=0; procs=()
for p in $(tree "$app_pid"); do
  comm=$(cat /proc/"$p"/comm 2>/dev/null) || continue
  case "$comm" in temporal*) continue ;; esac
  r=$(awk '/^Rss:/{print $2}' /proc/"$p"/smaps_rollup)
  s=$(awk '/^Pss:/{print $2}' /proc/"$p"/smaps_rollup)
  rss=$((rss + r)); pss=$((pss + s))
  echo "  $comm: RSS $((r / 1024)) MiB, PSS $((s / 1024)) MiB"
  procs+=("{\"comm\":\"$comm\",\"rssMiB\":$((r / 1024)),\"pssMiB\":$((s / 1024))}")
done
echo "idle window: RSS $((rss / 1024)) MiB, PSS $((pss / 1024)) MiB ($(basename "$app")${*:+, $*})"
printf '{"bench":"window-idle","binary":"%s","env":"%s","rssMiB":%d,"pssMiB":%d,"processes":[%s]}\n' \
  "$app" "$*" $((rss / 1024)) $((pss / 1024)) "$(IFS=,; echo "${procs[*]}")"
