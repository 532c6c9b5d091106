#![no_main]
//! Any bytes must decode and sniff, or fail with a `SniffError`: never panic, never hang.
//! Timestamp parsing is driven with every field of the sampled lines in every format.

use libfuzzer_sys::fuzz_target;
use plantlab_sniff::timestamps::{parse, TimestampFormat};
use plantlab_sniff::{decode, head_lines, sniff, split_fields};

fuzz_target!(|data: &[u8]| {
    let _ = sniff(data, 50);
    if let Ok(decoded) = decode(data, None) {
        for line in head_lines(&decoded.text, 20) {
            for field in split_fields(line, ',') {
                for format in TimestampFormat::TEXT {
                    let _ = parse(&field, format);
                }
            }
        }
    }
});
