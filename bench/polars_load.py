"""A peer for `plantlab bench load`: Python polars read_csv + describe() + null_count() on the
same file, timed in one process. Prints one JSON line like bench/pandas_load.py."""
import json
import sys
import time

import polars as pl


def main() -> None:
    path = sys.argv[1]
    start = time.perf_counter()
    frame = pl.read_csv(path)
    frame.describe()
    frame.null_count()
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "rows": frame.height, "columns": frame.width, "polars": pl.__version__}))


if __name__ == "__main__":
    main()
