"""A month of 1-minute plant data with 50 tags for timing the process language model: 43,200
rows (--rows), an ISO timestamp and 50 tags driven by 3 slow autoregressive factors plus sensor
noise (the shape of the engine's generated process). Standard library only. Writes CSV to the
path given."""

import math
import random
import sys
from datetime import datetime, timedelta

path = sys.argv[1]
rows = int(sys.argv[2]) if len(sys.argv) > 2 else 43_200
tags, factors = 50, 3
rng = random.Random(7)
loadings = [[rng.gauss(0, 1) for _ in range(factors)] for _ in range(tags)]
levels = [50.0 + 10.0 * i for i in range(tags)]
z = [0.0] * factors
start = datetime(2026, 10, 1)
with open(path, "w", encoding="utf-8") as out:
    out.write("time," + ",".join(f"TAG-{i + 1:02d}" for i in range(tags)) + "\n")
    for r in range(rows):
        z = [0.95 * v + 0.3 * rng.gauss(0, 1) for v in z]
        values = (levels[i] + sum(loadings[i][j] * z[j] for j in range(factors)) + 0.1 * rng.gauss(0, 1) for i in range(tags))
        stamp = (start + timedelta(minutes=r)).strftime("%Y-%m-%d %H:%M:%S")
        out.write(stamp + "," + ",".join(f"{v:.4f}" for v in values) + "\n")
        if not math.isfinite(z[0]):
            raise SystemExit("the generated process diverged")
