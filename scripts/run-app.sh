#!/usr/bin/env bash
# Builds and starts the PlantLab desktop app with the bundled sample data open
# (or the file given as the first argument).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build-ui.sh
file="${1:-sample-data/ai4i2020.csv}"
cargo run --locked --bin plantlab-desktop -- "$file"
