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
cargo run --locked -p plantlab-cli -- bench load --python bench/.venv/bin/python "$@"
