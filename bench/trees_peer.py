"""scikit-learn's HistGradientBoostingClassifier (defaults) on exactly PlantLab's time-ordered split:
the honest tree baseline that PlantLab's models are compared with in the README.

    python bench/trees_peer.py FILE.csv --target COL [--exclude COL]... [--seeds 1,2,3,4,5]
                               [--window W] [--interactions] [--sep ,] [--json]

The split is PlantLab's default (engine `split_rows`): in file order, never shuffled,
train_end = round(0.70 · rows), val_end = round(0.85 · rows) with Rust's rounding (halves away
from zero); train = rows [0, train_end), validation = [train_end, val_end), test = [val_end, rows).
Rows whose target is missing are skipped within each part. The model is fitted on the training
part only; the validation part stays unused, because the defaults carve their own early-stopping
set out of the training rows (when there are more than 10,000 of them).

Features: every column but the target, the excluded ones and time columns (named time/timestamp,
or text that parses as dates). Numeric columns are PlantLab's numeric tags; text and true/false
columns become pandas `category` columns (PlantLab reads both as text), which HistGradientBoosting
treats as categorical (`categorical_features="from_dtype"`). `--window W` and `--interactions` add
exactly the engine's window features (`train/window_features.rs`) and pairwise products
(`raw_products` in `train/data.rs`); see `window_features` and `interaction_features`. Where the
engine feeds its dense models the training mean for a missing value, the peer leaves it missing,
as HistGradientBoosting handles missing values itself.

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
# A step in the time column longer than this many median spacings (of the training rows) starts a
# new stretch of data: window features restart there instead of reaching across a shutdown or a run
# boundary. As the engine's GAP_FACTOR.
GAP_FACTOR = 3
# The engine's window statistics, in the order of its dense columns (WINDOW_STATS).
WINDOW_STATS = ["previous", "mean", "std", "min", "max", "slope", "since_change"]
# The engine refuses interactions over more numeric tags than this (MAX_INTERACTION_TAGS).
MAX_INTERACTION_TAGS = 24
# The engine's longest feature window (MAX_FEATURE_WINDOW), in samples.
MAX_FEATURE_WINDOW = 4096
METRICS = ["accuracy", "balanced_accuracy", "roc_auc", "pr_auc", "f1"]


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", help="CSV file with a header row")
    parser.add_argument("--target", required=True, help="the label column")
    parser.add_argument("--exclude", action="append", default=[], metavar="COL", help="a column to leave out (repeat for several)")
    parser.add_argument("--seeds", default="1,2,3,4,5", help="comma-separated random_state values (default 1,2,3,4,5)")
    parser.add_argument("--window", type=int, metavar="W", help="add PlantLab's causal window features over the last W samples (see window_features)")
    parser.add_argument("--interactions", action="store_true", help="add PlantLab's products of all pairs of numeric tags (see interaction_features)")
    parser.add_argument("--sep", default=",", help="field delimiter (default ,)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of text")
    args = parser.parse_args()
    try:
        args.seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--seeds {args.seeds!r} is not a comma-separated list of integers, e.g. 1,2,3,4,5")
    if not args.seeds:
        parser.error("--seeds needs at least one integer, e.g. 1,2,3,4,5")
    if args.window is not None and not 1 <= args.window <= MAX_FEATURE_WINDOW:
        parser.error(f"--window {args.window}: use a window between 1 and {MAX_FEATURE_WINDOW} samples, as PlantLab takes")
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
    """The time column as the engine reads it (`row_times_ms`): integer milliseconds, or None when
    a value is missing or the times ever step back (then the engine has no time axis at all)."""
    if pd.api.types.is_numeric_dtype(column):
        # The engine casts a numeric column to a millisecond datetime: the numbers are milliseconds.
        if column.isna().any() or not np.isfinite(column.astype(float)).all():
            return None
        times = column.astype(np.int64).to_numpy()
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                parsed = pd.to_datetime(column, errors="coerce", format="ISO8601")
            except (ValueError, TypeError):
                parsed = pd.to_datetime(column, errors="coerce", format="mixed")
        if parsed.isna().any():
            return None
        times = ((parsed - pd.Timestamp(0)) // pd.Timedelta(milliseconds=1)).to_numpy(dtype=np.int64)
    return times if np.all(np.diff(times) >= 0) else None


def gap_threshold(train_times):
    """GAP_FACTOR × the median positive step of the training rows' times (the engine's
    `gap_threshold`: the upper median when the count is even); None without a positive step."""
    steps = np.diff(train_times)
    steps = np.sort(steps[steps > 0])
    if steps.size == 0:
        return None
    return int(steps[steps.size // 2]) * GAP_FACTOR


def segment_starts(rows, times, gap):
    """Whether a new window starts at each row: the first row and every row after a step longer
    than `gap` (the engine's `segment_starts`)."""
    starts = np.zeros(rows, dtype=bool)
    if rows:
        starts[0] = True
    if times is not None and gap is not None:
        steps = np.diff(times)
        starts[1:] |= (steps > gap) | (steps < 0)
    return starts


def tag_statistics(values, starts, window):
    """The engine's `tag_statistics` for one tag: `[rows, WINDOW_STATS]` over the last `window`
    samples of the row's stretch (the row included), present values only, NaN where a statistic
    has nothing to read. Computed directly over each row's window rather than with running sums."""
    rows = len(values)
    positions = np.arange(rows)
    stretch_start = np.maximum.accumulate(np.where(starts, positions, 0))
    out = np.full((rows, len(WINDOW_STATS)), np.nan)
    # previous: the row before, missing where the row opens a stretch.
    out[1:, 0] = values[:-1]
    out[starts, 0] = np.nan
    offsets = np.arange(window)
    t = offsets.astype(float)
    # Row blocks keep the (rows × window) arrays small whatever the window.
    block = max(1, 4_000_000 // window)
    for first in range(0, rows, block):
        ends = positions[first : first + block]
        taken = ends[:, None] - (window - 1) + offsets[None, :]
        inside = taken >= stretch_start[ends][:, None]
        window_values = np.where(inside, values[np.clip(taken, 0, None)], np.nan)
        present = ~np.isnan(window_values)
        count = present.sum(axis=1)
        some = count > 0
        n = np.where(some, count, 1)
        filled = np.where(present, window_values, 0.0)
        mean = filled.sum(axis=1) / n
        deviation = np.where(present, window_values - mean[:, None], 0.0)
        std = np.sqrt((deviation * deviation).sum(axis=1) / n)
        t_mean = (present * t).sum(axis=1) / n
        t_deviation = np.where(present, t - t_mean[:, None], 0.0)
        t_var = (t_deviation * t_deviation).sum(axis=1) / n
        covariance = (t_deviation * deviation).sum(axis=1) / n
        # One present value: no spread in time, slope 0 (as the engine).
        slope = np.divide(covariance, t_var, out=np.zeros_like(covariance), where=t_var > 1e-12)
        low = np.where(present, window_values, np.inf).min(axis=1)
        high = np.where(present, window_values, -np.inf).max(axis=1)
        for column, statistic in ((1, mean), (2, std), (3, low), (4, high), (5, slope)):
            out[ends, column] = np.where(some, statistic, np.nan)
    # since_change: samples since the value differed from the one before (both present); a
    # stretch's first row counts as a change; capped at the window.
    present = ~np.isnan(values)
    changed = starts.copy()
    changed[1:] |= present[1:] & present[:-1] & (values[1:] != values[:-1])
    last_change = np.maximum.accumulate(np.where(changed, positions, 0))
    out[:, 6] = np.minimum(positions - last_change, window)
    return out


def numeric_tags(features):
    return [c for c in features.columns if pd.api.types.is_numeric_dtype(features[c])]


def window_features(features, tags, window, starts):
    """PlantLab's window features (`--window W`): per numeric tag `c`, over the last `window`
    samples of its stretch, the current one included (missing values skipped):
      c.previous      the value one row back (missing on a stretch's first row),
      c.mean          mean,
      c.std           population standard deviation (ddof 0),
      c.min, c.max    extremes,
      c.slope         least-squares slope per sample over the present values (0 with one value),
      c.since_change  samples since the value last changed (capped at the window; a missing
                      value counts as no change; 0 on a stretch's first row).
    A statistic with nothing to read is missing. The raw columns stay; categorical columns get
    none. Nothing looks ahead, and no window reaches back across a gap (see `segment_starts`).
    Columns are laid out as the engine's: tag by tag, statistics in WINDOW_STATS order."""
    added = {}
    for tag in tags:
        statistics = tag_statistics(features[tag].to_numpy(dtype=float), starts, window)
        for k, name in enumerate(WINDOW_STATS):
            added[f"{tag}.{name}"] = statistics[:, k]
    return pd.DataFrame(added, index=features.index)


def interaction_features(features, tags):
    """PlantLab's interaction features (`--interactions`): the product of the raw values of every
    pair of numeric tags, in column order (missing where either value is missing)."""
    if len(tags) > MAX_INTERACTION_TAGS:
        sys.exit(
            f"--interactions multiplies every pair of numeric tags and this data has {len(tags)}; PlantLab takes at most "
            f"{MAX_INTERACTION_TAGS}: leave columns out with --exclude, or run without --interactions"
        )
    added = {f"{a}*{b}": features[a].to_numpy(dtype=float) * features[b].to_numpy(dtype=float) for k, a in enumerate(tags) for b in tags[k + 1 :]}
    return pd.DataFrame(added, index=features.index)


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
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            # PlantLab reads infinities as missing values.
            features[name] = column.astype(float).replace([np.inf, -np.inf], np.nan)
        else:
            # Text and true/false: PlantLab reads both as text, i.e. categories.
            features[name] = column.astype("category")
    notes = {"time_columns": times}
    tags = numeric_tags(features)
    added = []
    if args.window:
        # As the engine: the gap is fitted on the training rows' times, the windows run over all rows.
        axis = time_axis(frame[times[0]]) if times else None
        train_end, _ = split_bounds(len(frame))
        gap = gap_threshold(axis[:train_end]) if axis is not None else None
        starts = segment_starts(len(frame), axis, gap)
        notes["window"] = {
            "samples": args.window,
            "time_column": times[0] if axis is not None else None,
            "gap_ms": gap,
            "stretches": int(starts.sum()),
        }
        added.append(window_features(features, tags, args.window, starts))
    if args.interactions:
        products = interaction_features(features, tags)
        notes["interactions"] = int(products.shape[1])
        added.append(products)
    if added:
        # The engine's layout: raw columns, then window features, then products.
        features = pd.concat([features] + added, axis=1)

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
        sys.exit(
            f"text column(s) {', '.join(too_many)} have more than 255 distinct values, more than HistGradientBoosting takes as categories; "
            "leave them out with --exclude"
        )
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
    if "interactions" in notes:
        print(f"interactions: {notes['interactions']} products of numeric tag pairs")
    for name, s in result["summary"].items():
        print(f"{name:18} median {s['median']:.3f} [{s['min']:.3f}–{s['max']:.3f}]")


if __name__ == "__main__":
    main()
