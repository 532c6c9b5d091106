"""The peer for `plantlab bench load`: pandas read_csv + describe() + isna().sum() on the
same file, timed in one process. Prints one JSON line: {"seconds": ..., "rows": ..., "columns": ...}."""
import json
import sys
import time

import pandas as pd


def main() -> None:
    path = sys.argv[1]
    start = time.perf_counter()
    frame = pd.read_csv(path)
    frame.describe()
    frame.isna().sum()
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "rows": len(frame), "columns": frame.shape[1], "pandas": pd.__version__}))


if __name__ == "__main__":
    main()
