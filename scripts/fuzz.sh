#!/usr/bin/env bash
# Fuzzes the sniffing, decoding and numeric-table parsing code for the given number of seconds (default 300). cargo-fuzz needs
# nightly features; RUSTC_BOOTSTRAP lets the stable toolchain provide them.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-300}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
mkdir -p fuzz/corpus/sniff
# Seed the corpus with the sample data's first lines and a few dialects.
head -c 4000 sample-data/ai4i2020.csv > fuzz/corpus/sniff/ai4i_head.csv
printf 'Zeit;TI-101\n;\xb0C\n01.02.2024 10:00:00;12,5\n01.02.2024 10:01:00;Bad Input\n' > fuzz/corpus/sniff/semicolon_1252.csv
printf '\xff\xfet\x00,\x00v\x00\n\x001\x00,\x002\x00\n\x00' > fuzz/corpus/sniff/utf16.csv
# A first byte of 0x08 reads the rest as a two-column comma table for the numeric parser.
printf '\x082024-03-04 00:00:00,1.25\n2024-03-04 00:01:00,Bad\n2024-03-04 00:02:00,-1e5\n' > fuzz/corpus/sniff/numeric_table.csv
RUSTC_BOOTSTRAP=1 cargo fuzz run sniff -- -max_total_time="$seconds" -max_len=65536 -timeout=10
