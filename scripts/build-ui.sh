#!/usr/bin/env bash
# Builds the egui UI to wasm and lays out dist/ (the webview's frontend, embedded into the
# desktop binary at compile time). Needs the wasm32 target and the matching wasm-bindgen CLI
# (scripts/install-deps.sh installs both).
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${PLANTLAB_UI_PROFILE:-release}"
target_dir="${CARGO_TARGET_DIR:-target}"
profile_dir="$profile"; [ "$profile" = dev ] && profile_dir=debug
cargo build -p plantlab-ui --lib --target wasm32-unknown-unknown --profile "$profile"
rm -rf dist.tmp && mkdir -p dist.tmp
wasm-bindgen --target web --no-typescript --out-dir dist.tmp --out-name plantlab_ui \
  "$target_dir/wasm32-unknown-unknown/$profile_dir/plantlab_ui.wasm"
cp ui/index.html ui/main.js ui/style.css dist.tmp/
# The CJK font is served beside the wasm and fetched by main.js at start (not compiled in).
mkdir -p dist.tmp/fonts
cp ui/assets/fonts/NotoSansSC-GB2312.otf ui/assets/fonts/OFL.txt dist.tmp/fonts/

rm -rf dist && mv dist.tmp dist
echo "UI built into dist/ ($(du -sh dist | cut -f1))"
