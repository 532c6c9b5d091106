#!/usr/bin/env bash
# Builds and starts the PlantLab desktop app with the bundled sample data open
# (or the file given as the first argument).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build-ui.sh
file="${1:-sample-data/ai4i2020.csv}"
# Built exactly as the test command builds it (`cargo test --no-run` builds the app too): the
# tests' dev-dependencies switch on features of crates polars and burn depend on (bitflags' std,
# for one), so `cargo build --bins` or `cargo run --bin` resolve other features and would rebuild
# polars and burn after the tests, and the tests after the app.
cargo test --workspace --locked --no-run
exec "${CARGO_TARGET_DIR:-target}/debug/plantlab-desktop" "$file"
