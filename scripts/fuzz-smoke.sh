#!/usr/bin/env bash
# Builds the fuzz targets (fuzz/, its own workspace) and runs each for a short while (default 60 s
# each; the first argument sets it). The text targets are seeded with the layouts the importer
# sniffs: delimited, whitespace-separated, fixed-width, headerless, Fortran D exponents; the
# format targets (xlsx, parquet, recipe, bundle) with the real files the engine's mutation
# tests build. Prints each target's run time and stops at the first crash (its input is left in
# fuzz/artifacts/TARGET/).
#
# cargo-fuzz passes nightly-only flags to rustc (-Z sanitizer=address and the coverage
# instrumentation libFuzzer needs); only the stable toolchain is installed here, and
# RUSTC_BOOTSTRAP=1 lets stable rustc accept those flags.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
# The format targets' seeds: a workbook, a Parquet file, a recipe and bundles of each kind. Run
# before RUSTC_BOOTSTRAP is set: build scripts low in the tree (proc-macro2's among them) watch it,
# so building the main workspace with it set rebuilds nearly every crate there, and again after.
PLANTLAB_FUZZ_SEEDS="$PWD/fuzz/corpus" cargo test --workspace --locked --test engine mutations:: -- --test-threads 1 >/dev/null
export RUSTC_BOOTSTRAP=1

seed() {
    mkdir -p "fuzz/corpus/$1"
    printf '%b' "$3" >"fuzz/corpus/$1/$2"
}
for target in sniff import; do
    seed "$target" cmapss.txt '1 1 -0.0007 -0.0004 100.0 518.67 641.82 \n1 2 0.0019 -0.0003 100.0 518.67 642.15 \n'
    seed "$target" tep.dat '   2.5025000e-01   3.6572000e+03   4.5201000e+03\n   2.5135000e-01   3.6621000e+03   4.5323000e+03\n'
    seed "$target" fixed.txt '   TIME       FLOW       TEMP\n    0.0-1.5000D+02 2.0000D+01\n    1.0 1.5000D+02-2.0000D+01\n   10.0-1.2500D+02 2.5000D+01\n'
    seed "$target" tabs_and_spaces.txt '+1.5E+02  -2.5e-03\t+3.0D+00\n-1.0E+00  +2.0e+01\t-3.5D-02\n'
    seed "$target" semicolon.csv 'Zeit;TI-101\n;\xb0C\n01.02.2024 10:00:00;12,5\n01.02.2024 10:01:00;Bad Input\n'
    seed "$target" decimal_comma.txt '1,5 2,5 3,5\n4,5 5,5 6,5\n'
done

# The fuzz workspace starts from the main lock file, so it builds the same dependency versions.
cp Cargo.lock fuzz/Cargo.lock
cargo fuzz build
for target in $(cargo fuzz list); do
    start=$(date +%s)
    # Bundles with their weights run to a few hundred kilobytes.
    max_len=65536; [ "$target" = bundle ] && max_len=1048576
    cargo fuzz run "$target" -- -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -print_final_stats=1 2>&1 | tail -n 12
    echo "fuzz target $target: $(($(date +%s) - start)) s, no crash"
done
