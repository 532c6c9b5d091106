"""PlantLab's own figures over seeds: runs `plantlab train … --seed S --json` for each seed and
prints each seed's test metrics, then the median [min–max] — the form every model figure in
the README takes. The trees baseline each run reports (`baseline_trees`) is summarised beside it.

    python bench/plantlab_seeds.py --plantlab target/debug/plantlab [--seeds 1,2,3,4,5] [--json] \
        -- FILE --target COL [train flags…]

Everything after `--` goes to `plantlab train` as it is (`--seed`, `--json` and `--runs` are
added here; the runs go to a temporary folder that is removed afterwards).
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile

METRICS = ["accuracy", "balanced_accuracy", "f1", "roc_auc", "pr_auc"]


def summarise(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def text(summary):
    if summary is None:
        return "–"
    return f"{summary['median']:.3f} [{summary['min']:.3f}–{summary['max']:.3f}]"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plantlab", default="target/debug/plantlab")
    parser.add_argument("--seeds", default="1,2,3,4,5")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("train_args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    train_args = [a for a in args.train_args if a != "--"]
    seeds = [int(s) for s in args.seeds.split(",")]
    runs = []
    with tempfile.TemporaryDirectory() as runs_dir:
        for seed in seeds:
            command = [args.plantlab, "train", *train_args, "--seed", str(seed), "--json", "--runs", runs_dir]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                sys.exit(f"seed {seed} failed: {done.stderr.strip().splitlines()[-1:]}")
            run = json.loads(done.stdout)
            runs.append(run)
            test, trees = run["test"], run.get("baseline_trees") or {}
            line = "  ".join(f"{m} {test.get(m) if test.get(m) is None else round(test[m], 4)}" for m in METRICS)
            trees_line = "  ".join(f"{m} {trees.get(m) if trees.get(m) is None else round(trees[m], 4)}" for m in METRICS)
            print(f"seed {seed}: epochs {run['epochs_run']} (best {run['best_epoch']}), {run['seconds']:.1f} s\n"
                  f"  model  {line}\n  trees  {trees_line}", file=sys.stderr)
    result = {
        "seeds": seeds,
        "model": {m: summarise([r["test"].get(m) for r in runs]) for m in METRICS},
        "baseline_trees": {m: summarise([(r.get("baseline_trees") or {}).get(m) for r in runs]) for m in METRICS},
        "majority_accuracy": summarise([r["majority_accuracy"] for r in runs]),
        "seconds": summarise([r["seconds"] for r in runs]),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for name in ["model", "baseline_trees"]:
            print(f"{name:15} " + "  ".join(f"{m} {text(result[name][m])}" for m in METRICS))
        print(f"seconds per run {text(result['seconds'])}")


if __name__ == "__main__":
    main()
