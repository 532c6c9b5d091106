"""scikit-learn's HistGradientBoostingClassifier (defaults) on exactly PlantLab's time-ordered split:
the honest tree baseline that PlantLab's models are compared with in the README.

    python bench/trees_peer.py FILE.csv --target COL [--exclude COL]... [--seeds 1,2,3,4,5]
                               [--window W] [--sep ,] [--json]

The split is PlantLab's default (engine `split_rows`): in file order, never shuffled,
train_end = round(0.70 · rows), val_end = round(0.85 · rows) with Rust's rounding (halves away
from zero); train = rows [0, train_end), validation = [train_end, val_end), test = [val_end, rows).
Rows whose target is missing are skipped within each part. The model is fitted on the training
part only; the validation part stays unused, because the defaults carve their own early-stopping
set out of the training rows (when there are more than 10,000 of them).

Features: every column but the target, the excluded ones and time columns (named time/timestamp,
or text that parses as dates). Text columns become pandas `category` columns, which
HistGradientBoosting treats as categorical (`categorical_features="from_dtype"`).

Metrics on the test part, with PlantLab's definitions (engine `train/metrics.rs`), so the figures
sit next to PlantLab's own: accuracy; balanced accuracy (mean recall over the classes present in
the test part); binary: ROC-AUC and PR-AUC (average precision) of the positive class (the second
class in sorted order) and F1 of that class; multi-class: ROC-AUC and PR-AUC as the mean of the
one-vs-rest figures over the classes the test part can score, and F1 as the macro mean over all
classes of the target (a class never seen nor predicted counts 0).
"""

import argparse
import json
import math
import statistics
import sys
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score, balanced_accuracy_score, f1_score, roc_auc_score

TRAIN_FRACTION, VALIDATION_FRACTION, TEST_FRACTION = 0.70, 0.15, 0.15
TIME_NAMES = {"time", "timestamp"}
# A step in the time column longer than this many median spacings starts a new stretch of data:
# window features restart there instead of reaching across a shutdown or a run boundary.
GAP_FACTOR = 3.0
METRICS = ["accuracy", "balanced_accuracy", "roc_auc", "pr_auc", "f1"]


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", help="CSV file with a header row")
    parser.add_argument("--target", required=True, help="the label column")
    parser.add_argument("--exclude", action="append", default=[], metavar="COL", help="a column to leave out (repeat for several)")
    parser.add_argument("--seeds", default="1,2,3,4,5", help="comma-separated random_state values (default 1,2,3,4,5)")
    parser.add_argument("--window", type=int, metavar="W", help="add causal window features over the last W rows (see window_features)")
    parser.add_argument("--sep", default=",", help="field delimiter (default ,)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of text")
    args = parser.parse_args()
    try:
        args.seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--seeds {args.seeds!r} is not a comma-separated list of integers, e.g. 1,2,3,4,5")
    if not args.seeds:
        parser.error("--seeds needs at least one integer, e.g. 1,2,3,4,5")
    if args.window is not None and args.window < 1:
        parser.error(f"--window {args.window}: use a window of at least 1 row")
    return args


def rust_round(x):
    """f64::round: to the nearest integer, halves away from zero (Python's round() rounds halves to even)."""
    whole = math.floor(abs(x))
    rounded = whole + 1 if abs(x) - whole >= 0.5 else whole
    return int(math.copysign(rounded, x))


def split_bounds(rows):
    """(train_end, val_end) exactly as the engine computes them for the default fractions."""
    total = sum([TRAIN_FRACTION, VALIDATION_FRACTION, TEST_FRACTION])
    train_end = rust_round((TRAIN_FRACTION / total) * rows)
    val_end = rust_round(((TRAIN_FRACTION + VALIDATION_FRACTION) / total) * rows)
    return train_end, max(val_end, train_end)


def parses_as_dates(column):
    """Whether a text column holds dates/times in every non-empty cell."""
    values = column.dropna()
    if values.empty or not (column.dtype == object or pd.api.types.is_string_dtype(column)):
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for layout in ("ISO8601", "mixed"):
            try:
                if pd.to_datetime(values, errors="coerce", format=layout).notna().all():
                    return True
            except (ValueError, TypeError):
                continue
    return False


def time_columns(frame, target):
    return [c for c in frame.columns if c != target and (str(c).strip().lower() in TIME_NAMES or parses_as_dates(frame[c]))]


def time_axis(column):
    """The time column as float seconds (NaN where missing), from dates or plain numbers."""
    if pd.api.types.is_numeric_dtype(column):
        return column.astype(float).to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed = pd.to_datetime(column, errors="coerce", format="ISO8601")
        except (ValueError, TypeError):
            parsed = pd.to_datetime(column, errors="coerce", format="mixed")
    seconds = (parsed - pd.Timestamp(0)).dt.total_seconds()
    return seconds.to_numpy(dtype=float)


def stretches(times):
    """A stretch number per row: a new stretch starts where the time steps back, is missing, or
    jumps by more than GAP_FACTOR × the median spacing. Returns (ids, number of stretches, median spacing)."""
    steps = np.diff(times)
    forward = steps[np.isfinite(steps) & (steps > 0)]
    if forward.size == 0:
        return np.zeros(len(times), dtype=int), 1, None
    median = float(np.median(forward))
    breaks = ~np.isfinite(steps) | (steps < 0) | (steps > GAP_FACTOR * median)
    ids = np.concatenate([[0], np.cumsum(breaks)])
    return ids, int(ids[-1]) + 1, median


def window_features(features, window, stretch_ids):
    """Adds, per numeric feature column `c`, five causal features over the last `window` rows of
    its stretch (the current row included, at least one value needed, missing values skipped):
      c.lag1  the previous row's value (missing on a stretch's first row),
      c.mean  rolling mean,
      c.std   rolling sample standard deviation (ddof 1; missing while the window holds one value),
      c.min   rolling minimum,
      c.max   rolling maximum.
    The raw column stays. Categorical columns get no window features. Nothing looks ahead, and no
    window reaches back across a gap in the time column (see `stretches`)."""
    numeric = [c for c in features.columns if pd.api.types.is_numeric_dtype(features[c])]
    groups = features[numeric].groupby(stretch_ids, sort=False)
    rolling = groups.rolling(window, min_periods=1)
    parts = [features, groups.shift(1).add_suffix(".lag1")]
    for name, values in (("mean", rolling.mean()), ("std", rolling.std()), ("min", rolling.min()), ("max", rolling.max())):
        # groupby().rolling() puts the stretch number in front of the row index; drop it.
        parts.append(values.reset_index(level=0, drop=True).sort_index().add_suffix(f".{name}"))
    return pd.concat(parts, axis=1)


def load(args):
    try:
        frame = pd.read_csv(args.file, sep=args.sep, encoding="utf-8-sig", low_memory=False)
    except FileNotFoundError:
        sys.exit(f"{args.file} does not exist; give the path of a CSV file")
    except (pd.errors.ParserError, UnicodeDecodeError) as e:
        sys.exit(f"{args.file} could not be read as a UTF-8 CSV ({e}); check --sep and the encoding")
    for name in [args.target] + args.exclude:
        if name not in frame.columns:
            sys.exit(f'no column "{name}" in {args.file}; its columns are: {", ".join(map(str, frame.columns))}')
    return frame


def prepare(frame, args):
    """(features, labels as class indices with -1 for missing, class names, notes for the header)."""
    times = time_columns(frame, args.target)
    dropped = set(times) | set(args.exclude) | {args.target}
    features = frame[[c for c in frame.columns if c not in dropped]].copy()
    if features.shape[1] == 0:
        sys.exit("no feature columns are left after dropping the target, the excluded and the time columns")
    for name in features.columns:
        column = features[name]
        if pd.api.types.is_bool_dtype(column):
            features[name] = column.astype(float)
        elif pd.api.types.is_numeric_dtype(column):
            # PlantLab reads infinities as missing values.
            features[name] = column.astype(float).replace([np.inf, -np.inf], np.nan)
        else:
            features[name] = column.astype("category")
    notes = {"time_columns": times}
    if args.window:
        if times:
            ids, count, spacing = stretches(time_axis(frame[times[0]]))
            notes["window"] = {"rows": args.window, "time_column": times[0], "median_spacing_s": spacing, "stretches": count}
        else:
            ids = np.zeros(len(frame), dtype=int)
            notes["window"] = {"rows": args.window, "time_column": None, "stretches": 1}
        features = window_features(features, args.window, ids)

    target = frame[args.target]
    present = target.dropna()
    if pd.api.types.is_numeric_dtype(target):
        classes = sorted(set(present.astype(float)))
        codes = {value: index for index, value in enumerate(classes)}
        labels = np.array([codes[float(v)] if pd.notna(v) else -1 for v in target])
        classes = [int(c) if float(c).is_integer() else c for c in classes]
    else:
        classes = sorted(set(present.astype(str)))
        codes = {value: index for index, value in enumerate(classes)}
        labels = np.array([codes[str(v)] if pd.notna(v) else -1 for v in target])
    if len(classes) < 2:
        sys.exit(f'the target "{args.target}" has {len(classes)} distinct value(s); a classifier needs at least two')
    too_many = [c for c in features.columns if isinstance(features[c].dtype, pd.CategoricalDtype) and len(features[c].cat.categories) > 255]
    if too_many:
        sys.exit(f"text column(s) {', '.join(too_many)} have more than 255 distinct values, more than HistGradientBoosting takes as categories; leave them out with --exclude")
    return features, labels, classes, notes


def scores_over(probabilities, model_classes, class_count):
    """Probabilities laid out over all classes of the target (0 for a class absent from training)."""
    full = np.zeros((probabilities.shape[0], class_count))
    full[:, model_classes] = probabilities
    return full


def test_metrics(truth, probabilities):
    class_count = probabilities.shape[1]
    # First maximum, as the engine's argmax picks.
    predicted = probabilities.argmax(axis=1)
    result = {
        "samples": int(len(truth)),
        "accuracy": float(np.mean(predicted == truth)),
    }
    with warnings.catch_warnings():
        # Predicting a class the test part lacks is expected here; that class has no recall to average.
        warnings.filterwarnings("ignore", message="y_pred contains classes not in y_true")
        result["balanced_accuracy"] = float(balanced_accuracy_score(truth, predicted))
    if class_count == 2:
        positive = truth == 1
        result["roc_auc"] = float(roc_auc_score(positive, probabilities[:, 1])) if 0 < positive.sum() < len(truth) else None
        result["pr_auc"] = float(average_precision_score(positive, probabilities[:, 1])) if positive.any() else None
        result["f1"] = float(f1_score(truth, predicted, pos_label=1, average="binary", zero_division=0))
    else:
        rocs, prs = [], []
        for c in range(class_count):
            positive = truth == c
            if 0 < positive.sum() < len(truth):
                rocs.append(roc_auc_score(positive, probabilities[:, c]))
            if positive.any():
                prs.append(average_precision_score(positive, probabilities[:, c]))
        result["roc_auc"] = float(np.mean(rocs)) if rocs else None
        result["pr_auc"] = float(np.mean(prs)) if prs else None
        result["f1"] = float(f1_score(truth, predicted, labels=list(range(class_count)), average="macro", zero_division=0))
    return result


def summary(runs):
    out = {}
    for name in METRICS + ["fit_seconds"]:
        values = [r[name] for r in runs if r.get(name) is not None]
        if values:
            out[name] = {"median": statistics.median(values), "min": min(values), "max": max(values)}
    return out


def shown(x):
    return "—" if x is None else f"{x:.3f}"


def main():
    args = arguments()
    frame = load(args)
    features, labels, classes, notes = prepare(frame, args)
    rows = len(frame)
    train_end, val_end = split_bounds(rows)
    parts = {"train": (0, train_end), "validation": (train_end, val_end), "test": (val_end, rows)}
    labelled = {name: int((labels[start:end] >= 0).sum()) for name, (start, end) in parts.items()}
    train_rows = np.arange(0, train_end)[labels[:train_end] >= 0]
    test_rows = np.arange(val_end, rows)[labels[val_end:] >= 0]
    if len(train_rows) == 0 or len(test_rows) == 0:
        sys.exit(f"the {'training' if len(train_rows) == 0 else 'test'} part has no rows with a target value; the file needs more labelled rows")
    x_train, y_train = features.iloc[train_rows], labels[train_rows]
    x_test, y_test = features.iloc[test_rows], labels[test_rows]
    if len(np.unique(y_train)) < 2:
        sys.exit(f'the training part (rows 0–{train_end - 1}) holds only one class of "{args.target}"; trees need two')

    runs = []
    for seed in args.seeds:
        model = HistGradientBoostingClassifier(random_state=seed, categorical_features="from_dtype")
        started = time.perf_counter()
        model.fit(x_train, y_train)
        fit_seconds = time.perf_counter() - started
        probabilities = scores_over(model.predict_proba(x_test), model.classes_, len(classes))
        run = {"seed": seed, "fit_seconds": fit_seconds, "iterations": int(model.n_iter_)}
        run.update(test_metrics(y_test, probabilities))
        runs.append(run)
        if not args.json:
            figures = "  ".join(f"{m} {shown(run[m])}" for m in METRICS)
            print(f"seed {seed}: {figures}  ({model.n_iter_} rounds, fit {fit_seconds:.1f} s)", flush=True)

    result = {
        "file": args.file,
        "target": args.target,
        "model": "sklearn HistGradientBoostingClassifier (defaults)",
        "rows": rows,
        "split": {name: {"rows": list(bounds), "labelled": labelled[name]} for name, bounds in parts.items()},
        "classes": classes,
        "positive_class": classes[1] if len(classes) == 2 else None,
        "features": int(features.shape[1]),
        **notes,
        "runs": runs,
        "summary": summary(runs),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    split = ", ".join(f"{name} [{a}, {b}) {labelled[name]} labelled" for name, (a, b) in parts.items())
    print(f"{rows} rows; {split}; {len(classes)} classes; {features.shape[1]} features; time columns dropped: {notes['time_columns'] or 'none'}")
    if "window" in notes:
        print(f"window: {notes['window']}")
    for name, s in result["summary"].items():
        print(f"{name:18} median {s['median']:.3f} [{s['min']:.3f}–{s['max']:.3f}]")


if __name__ == "__main__":
    main()
