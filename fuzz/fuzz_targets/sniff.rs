#![no_main]
//! Any bytes must decode and sniff, or fail with a `SniffError`: never panic, never hang.
//! Timestamp parsing is driven with every field of the sampled lines in every format, and
//! the numeric table parser reads the bytes in a layout chosen by the first byte, as they are
//! and rewritten from whitespace-separated or fixed-width text (the engineering layouts).

use libfuzzer_sys::fuzz_target;
use plantlab_sniff::numeric_table::{parse_table, TableLayout, Values};
use plantlab_sniff::spaced::{rewrite_fixed, rewrite_whitespace, sniff_fixed_widths, sniff_headerless, Separator, REWRITTEN_DELIMITER};
use plantlab_sniff::timestamps::{parse, TimestampFormat};
use plantlab_sniff::{decode, head_lines, sniff, sniff_separator, split_fields, WHITESPACE};

fuzz_target!(|data: &[u8]| {
    let _ = sniff(data, 50);
    if let Ok(decoded) = decode(data, None) {
        let lines = head_lines(&decoded.text, 20);
        for line in &lines {
            for field in split_fields(line, ',') {
                for format in TimestampFormat::TEXT {
                    let _ = parse(&field, format);
                }
            }
        }
        let separator = sniff_separator(&lines);
        let _ = sniff_headerless(&lines, &separator, '.');
        for line in &lines {
            let _ = separator.split(line);
        }
        if let Some(widths) = sniff_fixed_widths(&lines) {
            assert!(widths.len() >= 2 && widths.iter().all(|&w| w > 0));
        }
    }
    fuzz_numeric_table(data);
    fuzz_engineering_layouts(data);
});

/// Whitespace runs and fixed widths rewritten to tab-separated rows, then parsed: a rewritten
/// whitespace piece is never longer than the input and has no blank, carriage return or empty
/// line left.
fn fuzz_engineering_layouts(data: &[u8]) {
    let Some((&choice, body)) = data.split_first() else { return };
    let decimal = if choice & 1 != 0 { ',' } else { '.' };
    let mut rewritten = body.to_vec();
    rewrite_whitespace(&mut rewritten, decimal);
    assert!(rewritten.len() <= body.len());
    assert!(!rewritten.iter().any(|&b| b == b' ' || b == b'\r'));
    assert!(!rewritten.starts_with(b"\n") && !rewritten.windows(2).any(|w| w == b"\n\n"));
    let widths: Vec<usize> = body.iter().take(usize::from(choice >> 5) + 1).map(|&b| usize::from(b % 12) + 1).collect();
    let fixed = rewrite_fixed(body, &widths, decimal);
    if let Separator::Fixed(w) = Separator::from_settings(WHITESPACE, Some(widths.as_slice())) {
        assert_eq!(w, widths);
    }
    let status: Vec<String> = ["Bad", "#N/A"].iter().map(|s| (*s).to_owned()).collect();
    for (piece, columns) in [(&rewritten, 1 + usize::from((choice >> 1) & 7)), (&fixed, widths.len())] {
        let layout = TableLayout {
            delimiter: REWRITTEN_DELIMITER,
            decimal_comma: decimal == ',',
            columns,
            status_texts: &status,
            infer_rows: 10_000,
            example_rows: 5,
        };
        if let Ok(table) = parse_table(piece, &layout) {
            assert_eq!(table.columns.len(), columns);
        }
    }
}

fn fuzz_numeric_table(data: &[u8]) {
    let Some((&choice, body)) = data.split_first() else { return };
    let delimiter = [b',', b';', b'\t', b'|'][usize::from(choice & 3)];
    let status: Vec<String> = ["Bad Input", "Bad", "#N/A", "NaN", "-9999", "true"].iter().map(|s| (*s).to_owned()).collect();
    let layout = TableLayout {
        delimiter,
        decimal_comma: choice & 4 != 0,
        columns: 1 + usize::from((choice >> 3) & 7),
        status_texts: if choice & 0x40 != 0 { &status } else { &status[..3] },
        infer_rows: if choice & 0x80 != 0 { 3 } else { 10_000 },
        example_rows: 5,
    };
    if let Ok(table) = parse_table(body, &layout) {
        assert_eq!(table.columns.len(), layout.columns);
        for column in &table.columns {
            let len = match &column.values {
                Values::Integer(v) => v.len(),
                Values::Float(v) => v.len(),
                Values::Text(spans) => {
                    assert!(spans.iter().all(|s| s.start <= s.end && s.end as usize <= body.len()));
                    spans.len()
                }
            };
            assert_eq!(len, table.rows);
            assert!(column.valid.as_ref().is_none_or(|v| v.len() == table.rows));
            assert!(column.status_rows.len() as u64 <= column.status_count.min(5));
            assert!(column.status_rows.windows(2).all(|w| w[0] < w[1]));
        }
    }
}
