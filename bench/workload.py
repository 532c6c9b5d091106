"""The training benchmark workloads shared by the peer scripts: the same random tokens as
`plantlab bench train` generates (SplitMix64, seed 1), so every framework trains on
identical data."""

import argparse
import numpy as np

SEQUENCE_LENGTH = 64
VOCAB = 10_000
EMBEDDING = 64
BATCH = 32


def random_tokens(n, seed=1):
    # SplitMix64: state_i = seed + (i+1)·γ, then the usual mixing; uint64 arithmetic wraps.
    with np.errstate(over="ignore"):
        gamma = np.uint64(0x9E3779B97F4A7C15)
        i = np.arange(1, n * SEQUENCE_LENGTH + 1, dtype=np.uint64)
        z = np.uint64(seed) + i * gamma
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    tokens = (z % np.uint64(VOCAB)).astype(np.int64).reshape(n, SEQUENCE_LENGTH)
    upper = (tokens >= VOCAB // 2).sum(axis=1)
    labels = (upper * 2 > SEQUENCE_LENGTH).astype(np.float32)
    return tokens, labels


def arguments():
    p = argparse.ArgumentParser()
    p.add_argument("--workload", choices=["w1", "w2"], default="w1")
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=BATCH)
    # cpu, or cuda for the GPU check (PyTorch only; Keras uses what TensorFlow finds).
    p.add_argument("--device", default="cpu")
    return p.parse_args()
