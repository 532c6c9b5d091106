#![no_main]
//! Any bytes must decode and sniff, or fail with a `SniffError`: never panic, never hang.
//! Timestamp parsing is driven with every field of the sampled lines in every format, and
//! the numeric table parser reads the bytes in a layout chosen by the first byte.

use libfuzzer_sys::fuzz_target;
use plantlab_sniff::numeric_table::{parse_table, TableLayout, Values};
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
    fuzz_numeric_table(data);
});

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
