#!/usr/bin/env bash
# Load + profile benchmark: PlantLab against its peers on the same generated file
# (1,000,000 rows × 50 tags by default), in the same runs: pandas 3.x, pandas 2.3 and Python
# polars, each in its own venv under bench/ (benchmark only, created on first use).
# Run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
venv() { # venv DIR PIP_SPEC
  if [ ! -x "$1/bin/python" ]; then
    python3 -m venv "$1"
    "$1/bin/pip" install --quiet "$2"
  fi
}
venv bench/.venv-pandas3 "pandas>=3,<4"
venv bench/.venv-pandas2 "pandas>=2.3,<3"
venv bench/.venv-polars "polars>=1"
# Built exactly as the test command builds it (which builds the CLI too), so nothing is rebuilt.
cargo test --locked --workspace --no-run
"${CARGO_TARGET_DIR:-target}/debug/plantlab" bench load \
  --peer pandas=bench/.venv-pandas3/bin/python \
  --peer pandas=bench/.venv-pandas2/bin/python \
  --peer polars=bench/.venv-polars/bin/python "$@"
