#!/usr/bin/env bash
# Installs what building and testing PlantLab needs on Debian/Ubuntu, skipping whatever is
# already there: system libraries for the Tauri webview, Xvfb and tools for the desktop test,
# the wasm32 Rust target, and the wasm-bindgen CLI matching Cargo.lock.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential pkg-config libssl-dev
  libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev libxdo-dev
  xvfb xauth libgl1-mesa-dri imagemagick xdotool
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
  echo "Rust is not installed. Install it with rustup (https://rustup.rs), then run this again." >&2
  exit 1
fi
rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$' || rustup target add wasm32-unknown-unknown
# The style checks (scripts/check-style.sh) need rustfmt and clippy; a minimal rustup profile lacks them.
for component in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$component" || rustup component add "$component"
done

# The CLI must match the wasm-bindgen crate version in Cargo.lock exactly.
want=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "Installing wasm-bindgen-cli $want (found: ${have:-none}); this takes about 5 minutes once."
  cargo install wasm-bindgen-cli --version "$want"
fi
