#!/usr/bin/env bash
# Builds and starts the PlantLab desktop app with the bundled sample data open
# (or the file given as the first argument).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build-ui.sh
file="${1:-sample-data/ai4i2020.csv}"
# Built for the whole workspace, as the tests build it: `cargo run --bin` alone would resolve the
# dependencies' features for this one package and rebuild polars and burn after the tests.
cargo build --workspace --locked --bins
exec "${CARGO_TARGET_DIR:-target}/debug/plantlab-desktop" "$file"
