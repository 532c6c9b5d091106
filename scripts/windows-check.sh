#!/usr/bin/env bash
# Windows checks from Linux, with the x86_64-pc-windows-gnu target (mingw-w64) and Wine:
#   check  type-check the whole workspace for Windows, all targets, and run clippy for it
#          with warnings as errors (what CI runs);
#   test   build the workspace's tests for Windows and run them under Wine (all but the desktop
#          shell's integration tests, which need Linux: Xvfb, cargo);
#   all    both (the default).
# Builds go to their own folder, target-windows/ beside target/ (or $CARGO_TARGET_DIR-windows;
# WINDOWS_TARGET_DIR overrides both), so they never wait on or invalidate the Linux build.
# Installs what it needs on Debian/Ubuntu: the mingw-w64 linker, Wine and the Rust target.
#   bash scripts/windows-check.sh [check|test|all] [extra arguments for the test binaries]
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-all}
shift || true
case "$mode" in check | test | all) ;; *)
  echo "usage: scripts/windows-check.sh [check|test|all] [test binary arguments]" >&2
  exit 2
  ;;
esac
target=x86_64-pc-windows-gnu
export CARGO_TARGET_DIR=${WINDOWS_TARGET_DIR:-${CARGO_TARGET_DIR:-$PWD/target}-windows}
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

packages=(gcc-mingw-w64-x86-64)
[ "$mode" = check ] || packages+=(wine wine64)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
rustup target list --installed 2>/dev/null | grep -q "^$target\$" || rustup target add "$target"

elapsed() { echo "$(($(date +%s) - $1)) s"; }

if [ "$mode" != test ]; then
  start=$(date +%s)
  # The desktop shell embeds dist/ at compile time; an empty one is enough to type-check it.
  mkdir -p dist
  cargo check --workspace --locked --target "$target" --all-targets
  echo "Windows type-check: $(elapsed "$start")"
  start=$(date +%s)
  cargo clippy --workspace --locked --target "$target" --all-targets -- -D warnings
  echo "Windows clippy: $(elapsed "$start")"
fi

if [ "$mode" != check ]; then
  # Wine runs each test binary; its own state lives beside the build, away from ~/.wine, and
  # its debug chatter is off so the test output reads as on Linux.
  export WINEPREFIX=${WINEPREFIX:-$CARGO_TARGET_DIR/wine-prefix}
  export WINEDEBUG=${WINEDEBUG:--all}
  export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=${CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER:-wine}
  if [ ! -d "$WINEPREFIX" ]; then
    start=$(date +%s)
    wineboot --init >/dev/null 2>&1 || true
    wineserver --wait || true
    echo "Wine prefix made: $(elapsed "$start")"
  fi
  # The build is the Linux test command's (--workspace, every test binary) so features resolve
  # as there; the test binaries then run under Wine, each from its package's folder as
  # `cargo test` would.
  start=$(date +%s)
  list=$CARGO_TARGET_DIR/windows-test-binaries.json
  cargo test --workspace --locked --target "$target" --no-run --message-format=json-render-diagnostics >"$list"
  echo "Windows test build: $(elapsed "$start")"
  # Rust's standard library imports ProcessPrng from bcryptprimitives.dll, which Wine 8 lacks:
  # the prefix gets a stand-in built from scripts/windows/bcryptprimitives.c.
  prng_dll=$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll
  if [ ! -f "$prng_dll" ] || [ scripts/windows/bcryptprimitives.c -nt "$prng_dll" ]; then
    x86_64-w64-mingw32-gcc -shared -O2 -s -o "$prng_dll" scripts/windows/bcryptprimitives.c -ladvapi32
  fi
  # Every test binary but the desktop shell's integration tests (tests/desktop), which drive
  # Xvfb and cargo, and whose mock-runtime IPC calls the capability check refuses under the
  # Windows origin: those stay Linux-only.
  mapfile -t binaries < <(python3 -c '
import json, os, sys
root = os.getcwd()
for line in open(sys.argv[1]):
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["profile"]["test"]:
        package = os.path.dirname(m["manifest_path"])
        if not (package == root and m["target"]["kind"] == ["test"]):
            print(package + "\t" + m["target"]["name"] + "\t" + m["executable"])
' "$list")
  # The shell's own binaries load WebView2Loader.dll, which the build puts beside them.
  WINEPATH=$(winepath -w "$CARGO_TARGET_DIR/$target/debug" 2>/dev/null)
  export WINEPATH
  failed=()
  start=$(date +%s)
  for entry in "${binaries[@]}"; do
    IFS=$'\t' read -r package name executable <<<"$entry"
    echo "== $name ($package) under Wine"
    (cd "$package" && wine "$executable" "$@") || failed+=("$name")
  done
  echo "Windows tests under Wine (${#binaries[@]} test binaries): $(elapsed "$start")"
  if [ ${#failed[@]} -gt 0 ]; then
    echo "failed under Wine: ${failed[*]}" >&2
    exit 1
  fi
fi
