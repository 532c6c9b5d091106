#!/usr/bin/env bash
# The GPU training backend check, for a machine with a GPU: the model tests on the GPU backend,
# then W2 (the small transformer) at batch 512 on the GPU, next to PyTorch on the same GPU when
# the given Python has a CUDA build of torch.
#   scripts/gpu-check.sh [cuda|wgpu] [N] [PYTHON]
# Not part of the test suite (CI has no GPU). Build before moving to the machine if it is offline.
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-cuda}"
n="${2:-20000}"
python="${3:-bench/.venv/bin/python}"
case "$backend" in cuda|wgpu) ;; *) echo "backend is cuda or wgpu, not $backend" >&2; exit 2 ;; esac
target="${CARGO_TARGET_DIR:-target}"
cargo test --release -p plantlab-model --features "$backend"
cargo build --release -p plantlab-cli --features "$backend"
peer_device=cpu
if "$python" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  peer_device=cuda
fi
"$target/release/plantlab" bench train --workload w2 --n "$n" --batch 512 --python "$python" --peer-device "$peer_device" --json
