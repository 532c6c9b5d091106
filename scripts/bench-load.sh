#!/usr/bin/env bash
# Load + profile benchmark: PlantLab against pandas on the same generated file
# (1,000,000 rows × 50 tags by default). Sets up a venv for pandas (benchmark only).
# Run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install --quiet pandas
fi
# Build with the same feature set as the test suite so artifacts are shared.
cargo build --locked --workspace --bins
"${CARGO_TARGET_DIR:-target}/debug/plantlab" bench load --python bench/.venv/bin/python "$@"
