#!/usr/bin/env bash
# Tests the installable bundle as a user meets it: builds the .deb (scripts/bundle.sh), installs
# it with apt-get, launches the installed app under Xvfb with a fresh home directory, checks the
# window opens, the embedded server starts from the bundled temporal sidecar and the example
# project renders with the offline provider, then uninstalls it. Needs root (or sudo).
#
#   scripts/test-bundle.sh [--release]
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
ms() { date +%s%3N; }

t=$(ms)
./scripts/bundle.sh "$@" --bundles deb
profile=debug; [ "${1:-}" = "--release" ] && profile=release
target=$(cd "${CARGO_TARGET_DIR:-target}" && pwd)
deb=$(ls -t "$target/$profile/bundle/deb/"*.deb | head -1)
echo "bundle: built $(basename "$deb") in $(( ($(ms) - t) / 1000 )) s, $(du -m "$deb" | cut -f1) MiB" \
  "(installed: $(dpkg-deb -f "$deb" Installed-Size) KiB)"
pkg=$(dpkg-deb -f "$deb" Package)
# The test installs and then removes the package: never touch a studio someone installed.
if dpkg -s "$pkg" >/dev/null 2>&1; then
  echo "bundle: $pkg is already installed here; the bundle test would replace and remove it." >&2
  echo "bundle: remove it first (apt-get remove $pkg) or run the test on another machine." >&2
  exit 1
fi

work=$(mktemp -d /tmp/studio-bundle.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  pkill -f "$work" 2>/dev/null || true
  $SUDO apt-get remove -y -qq "$pkg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

t=$(ms)
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$deb" >/dev/null
echo "bundle: apt-get install took $(( $(ms) - t )) ms"
for f in /usr/bin/smoketech-studio /usr/bin/temporal; do
  [ -x "$f" ] || { echo "bundle: $f is not installed"; exit 1; }
done
desktop=(/usr/share/applications/*.desktop)
grep -q '^Exec=smoketech-studio %f$' "${desktop[@]}" || { echo "bundle: no desktop entry that takes a file"; exit 1; }
# Projects open in the studio from the file manager: the entry names the type, and the type
# (*.studio.json) is registered with shared-mime-info (dpkg's trigger updates its database).
grep -q '^MimeType=application/x-smoketech-studio;$' "${desktop[@]}" || { echo "bundle: no MimeType"; exit 1; }
grep -q '\*\.studio\.json' /usr/share/mime/packages/smoketech-studio.xml || { echo "bundle: no mime type"; exit 1; }
if command -v update-mime-database >/dev/null; then
  grep -q 'application/x-smoketech-studio:\*\.studio\.json' /usr/share/mime/globs2 \
    || { echo "bundle: the mime database does not know *.studio.json"; exit 1; }
fi

# A fresh home: no settings, no keys, no project venv or cargo on PATH. Only the dev server's
# ports are chosen, so the test cannot collide with a studio already running here.
home="$work/home"
data="$home/.local/share/smoketechstudio"
mkdir -p "$data"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ui_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo "{\"temporal\": {\"devServerPort\": $port, \"devServerUiPort\": $ui_port}}" > "$data/settings.json"
cp -r examples/pilot "$work/pilot"

display=":$((80 + RANDOM % 9))"
Xvfb "$display" -screen 0 1440x900x24 -nolisten tcp >/dev/null 2>&1 &
pids+=($!)
command -v tauri-driver >/dev/null 2>&1 || cargo install -q tauri-driver --locked
driver=$(command -v tauri-driver)
driver_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
env -i HOME="$home" PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  DISPLAY="$display" LANG=C.UTF-8 "$driver" --port "$driver_port" >"$work/tauri-driver.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do curl -s "http://127.0.0.1:$driver_port/status" >/dev/null && break; sleep 0.1; done

STUDIO_APP=/usr/bin/smoketech-studio BUNDLE_SIDECAR=/usr/bin/temporal \
BUNDLE_PROJECT="$work/pilot/pilot.studio.json" WEBDRIVER_URL="http://127.0.0.1:$driver_port" \
  node ui/e2e/bundle.e2e.mjs

t=$(ms)
DEBIAN_FRONTEND=noninteractive $SUDO apt-get remove -y -qq "$pkg" >/dev/null
echo "bundle: apt-get remove took $(( $(ms) - t )) ms"
[ ! -e /usr/bin/smoketech-studio ] && [ ! -e /usr/bin/temporal ] || { echo "bundle: files left after removal"; exit 1; }
echo "bundle: all passed"
