#!/usr/bin/env bash
# Runs every check and test: the style (rustfmt, clippy on the host and wasm32, rustdoc), then
# engine, protocol, CLI, the Tauri commands on the mock runtime, the UI with egui_kittest, the
# layering rules, and the real desktop app under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# Every platform's crates, not only this one's: the layering test reads the dependency graph of
# the wasm UI and of other targets with `cargo metadata --offline`.
cargo fetch --locked
# The UI first: the desktop shell embeds dist/ at compile time, clippy's check of it included.
bash scripts/build-ui.sh
bash scripts/check-style.sh
cargo test --workspace --locked "$@"
