#!/usr/bin/env bash
# The house style, enforced: formatting, clippy with warnings as errors (the workspace on this
# machine's target and the UI on wasm32, as it ships), and the docs without broken links.
# Run by scripts/test-all.sh before the tests; on its own after scripts/install-deps.sh and
# scripts/build-ui.sh (the desktop shell embeds the built UI, so its check needs dist/).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy -p plantlab-ui -p plantlab-protocol --lib --target wasm32-unknown-unknown --locked -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked
echo "Style checks passed: rustfmt, clippy (host and wasm32), rustdoc"
