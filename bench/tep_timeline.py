"""Lays the Braatz Tennessee Eastman fault-diagnosis files end to end as ONE time line (a CSV).

    python bench/tep_timeline.py BRAATZ_DIR OUT.csv

BRAATZ_DIR holds d00.dat … d21.dat (training runs) and d00_te.dat … d21_te.dat (testing runs) from
https://github.com/camaramm/tennessee-eastman-profBraatz. d00.dat is stored transposed (52 × 500);
every other file is samples × 52 (41 measured variables XMEAS(1..41), then 11 manipulated XMV(1..11)).

Order: d00.dat, d01.dat, …, d21.dat, then d00_te.dat, …, d21_te.dat. Samples are 3 minutes apart
and each run starts one day after the previous run's last sample, so a run boundary is a visible
gap of the time axis (a gap-aware window never reaches across two runs).

Labels (`fault`): a training run dNN is NN on all its rows (d00 → 0; the Braatz training runs are
recorded from the moment the fault is introduced). A testing run dNN_te is 0 for its first 160
samples (the fault is introduced after 8 simulated hours) and NN after.

Values are written as Python's shortest repr of the parsed double, which parses back to the
same double as the source text.
"""

import csv
import os
import sys
from datetime import datetime, timedelta

RUNS = 22  # d00 … d21
VARIABLES = 52
MEASURED = 41
TRAINING_ROWS_NORMAL = 500  # d00.dat
TRAINING_ROWS_FAULT = 480  # d01.dat … d21.dat
TESTING_ROWS = 960
TESTING_FAULT_START = 160  # 8 h × 20 samples per hour
SAMPLE_SPACING = timedelta(minutes=3)
RUN_GAP = timedelta(days=1)
START = datetime(2000, 1, 1)


def read_matrix(path):
    """The whitespace-separated numbers of a .dat file as rows of floats."""
    try:
        with open(path, encoding="ascii") as f:
            lines = [line.split() for line in f if line.strip()]
    except FileNotFoundError:
        sys.exit(f"{path} is missing; BRAATZ_DIR must hold d00.dat … d21.dat and d00_te.dat … d21_te.dat")
    try:
        return [[float(token) for token in line] for line in lines]
    except ValueError as e:
        sys.exit(f"{path}: {e}; expected whitespace-separated numbers")


def run_rows(path, expected_rows, transposed):
    """A run as `expected_rows` rows of 52 values, checking its shape."""
    matrix = read_matrix(path)
    if transposed:
        if len(matrix) != VARIABLES or any(len(r) != expected_rows for r in matrix):
            sys.exit(f"{path}: expected {VARIABLES} lines of {expected_rows} values (stored transposed)")
        matrix = [list(column) for column in zip(*matrix)]
    if len(matrix) != expected_rows or any(len(r) != VARIABLES for r in matrix):
        widths = sorted({len(r) for r in matrix})
        sys.exit(f"{path}: expected {expected_rows} lines of {VARIABLES} values, found {len(matrix)} lines of {widths} values")
    return matrix


def runs(directory):
    """(file name, rows, label of each row) in time-line order."""
    for fault in range(RUNS):
        name = f"d{fault:02d}.dat"
        normal = fault == 0
        rows = run_rows(os.path.join(directory, name), TRAINING_ROWS_NORMAL if normal else TRAINING_ROWS_FAULT, transposed=normal)
        yield name, rows, [fault] * len(rows)
    for fault in range(RUNS):
        name = f"d{fault:02d}_te.dat"
        rows = run_rows(os.path.join(directory, name), TESTING_ROWS, transposed=False)
        yield name, rows, [0 if i < TESTING_FAULT_START else fault for i in range(len(rows))]


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: tep_timeline.py BRAATZ_DIR OUT.csv")
    directory, out_path = sys.argv[1], sys.argv[2]
    header = ["time"] + [f"xmeas_{i}" for i in range(1, MEASURED + 1)] + [f"xmv_{i}" for i in range(1, VARIABLES - MEASURED + 1)] + ["fault"]
    time = START
    total = 0
    label_counts = [0] * RUNS
    with open(out_path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for name, rows, labels in runs(directory):
            first = time
            for values, label in zip(rows, labels):
                writer.writerow([time.isoformat()] + [repr(v) for v in values] + [label])
                label_counts[label] += 1
                time += SAMPLE_SPACING
            last = time - SAMPLE_SPACING
            print(f"{name:12} {len(rows):4} rows  {first.isoformat()} … {last.isoformat()}")
            total += len(rows)
            time = last + RUN_GAP
    expected = TRAINING_ROWS_NORMAL + (RUNS - 1) * TRAINING_ROWS_FAULT + RUNS * TESTING_ROWS
    print(f"total {total} rows (expected {TRAINING_ROWS_NORMAL} + {RUNS - 1}×{TRAINING_ROWS_FAULT} + {RUNS}×{TESTING_ROWS} = {expected})")
    print("rows per fault label: " + ", ".join(f"{label}: {n}" for label, n in enumerate(label_counts)))
    if total != expected:
        sys.exit(f"row count {total} differs from the expected {expected}")
    print(f"wrote {out_path}")


if __name__ == "__main__":
    main()
