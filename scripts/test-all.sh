#!/usr/bin/env bash
# Runs every test: engine, protocol, CLI, the Tauri commands on the mock runtime, the UI with
# egui_kittest, the layering rules, and the real desktop app under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build-ui.sh
cargo test --workspace --locked "$@"
