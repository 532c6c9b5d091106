#!/usr/bin/env bash
# Runs the README's two set-up commands the way a newcomer's machine would: with an empty cargo
# cache (CARGO_HOME) and an empty build folder, so a step that only works because an earlier build
# left something behind (a crate downloaded for another platform, an `--offline` call) fails here.
# First the test command, then the app command, which must reuse that build: the app is started
# under a virtual X server, checked to open its window, and closed.
#
# Kept from this machine: system packages, the Rust toolchain (rustup) and the wasm-bindgen CLI on
# PATH. Usage: bash scripts/fresh-check.sh [WORK_DIR]   (default: a new temporary folder)
# It checks the committed state (HEAD), cloned into the work folder, so uncommitted edits and
# ignored files of this checkout (dist/, target/) cannot make it pass.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d -t plantlab-fresh-XXXXXX)}
mkdir -p "$work/cargo-home" "$work/target"
rm -rf "$work/repo"
git clone --quiet --no-hardlinks "$(pwd)" "$work/repo"
cd "$work/repo"
echo "Checking commit $(git rev-parse --short HEAD)"
# rustup's proxies find the toolchain through RUSTUP_HOME, which stays where it is.
export RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup}
export CARGO_HOME="$work/cargo-home"
export CARGO_TARGET_DIR="$work/target"
export CARGO_INCREMENTAL=0
log="$work/fresh-check.log"
echo "Fresh check in $work (log: $log)"

start=$(date +%s)
status=0
bash scripts/test-all.sh >"$log" 2>&1 || status=$?
grep -E '^(test result|error|FAILED)' "$log" || true
tests_s=$(( $(date +%s) - start ))
if [ "$status" -ne 0 ]; then
  echo "FAIL: the test command failed after ${tests_s} s (see $log)" >&2
  exit 1
fi
echo "test command: passed in ${tests_s} s"

# The app command after the tests: it must not rebuild the heavy dependencies.
command -v Xvfb >/dev/null && command -v xdotool >/dev/null || { echo "Xvfb and xdotool are needed (scripts/install-deps.sh)" >&2; exit 1; }
display=:$(( 150 + RANDOM % 50 ))
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
app_log="$work/run-app.log"
start=$(date +%s)
DISPLAY=$display bash scripts/run-app.sh >"$app_log" 2>&1 &
app=$!
cleanup() { kill -TERM -- "$app" 2>/dev/null || true; pkill -TERM -f "target/debug/plantlab-desktop" 2>/dev/null || true; kill -TERM "$xvfb" 2>/dev/null || true; }
trap cleanup EXIT
window=""
for _ in $(seq 1 1800); do
  window=$(DISPLAY=$display xdotool search --onlyvisible --name PlantLab 2>/dev/null | head -1 || true)
  [ -n "$window" ] && break
  kill -0 "$app" 2>/dev/null || break
  sleep 1
done
app_s=$(( $(date +%s) - start ))
rebuilt=$(grep -cE '^\s+Compiling (polars|burn)' "$app_log" || true)
if [ -z "$window" ]; then
  echo "FAIL: the app command did not open a window within ${app_s} s (see $app_log)" >&2
  exit 1
fi
echo "app command: window open after ${app_s} s; polars/burn crates rebuilt: ${rebuilt}"
[ "$rebuilt" -eq 0 ] || { echo "FAIL: the app command rebuilt heavy dependencies the tests had built" >&2; exit 1; }
echo "Fresh check passed: tests ${tests_s} s, then the app in ${app_s} s."
