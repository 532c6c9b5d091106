#![no_main]
//! The import pipeline over arbitrary bytes, as the engine runs it on a text file: decode,
//! sniff the separator (a character, runs of whitespace or fixed widths), decimal mark and
//! header rows from the first lines, name the columns (`col_1`, … when headerless), rewrite a
//! whitespace or fixed-width body into tab-separated rows, and parse it with the numeric table
//! parser with as many columns as names. Never a panic or a hang; the choices agree with
//! `sniff` and the parsed table keeps its shape.

use libfuzzer_sys::fuzz_target;
use plantlab_sniff::numeric_table::{parse_table, TableLayout, Values};
use plantlab_sniff::spaced::{numbers_in_one_column, rewrite_fixed, rewrite_whitespace, Separator, REWRITTEN_DELIMITER};
use plantlab_sniff::{decode, head_lines, header_names, nth_line_end, sniff, sniff_decimal_with, sniff_header_rows, sniff_separator, WHITESPACE};

/// Lines the engine samples to sniff a file.
const SAMPLE_LINES: usize = 50;

fuzz_target!(|data: &[u8]| {
    let Ok(decoded) = decode(data, None) else { return };
    let text = decoded.text.as_ref();
    let lines = head_lines(text, SAMPLE_LINES);
    let separator = sniff_separator(&lines);
    let decimal = sniff_decimal_with(&lines, &separator);
    let header_rows = sniff_header_rows(&lines, &separator, decimal);
    assert!(header_rows <= 2);
    let names = header_names(&lines, &separator, header_rows);
    if header_rows == 0 {
        assert!(names.iter().enumerate().all(|(i, n)| *n == format!("col_{}", i + 1)), "{names:?}");
    }
    if let Separator::Fixed(widths) = &separator {
        assert!(widths.len() >= 2 && widths.iter().all(|&w| w > 0), "{widths:?}");
        assert_eq!(names.len(), widths.len());
    }
    if names.len() == 1 {
        let data_lines = lines.get(header_rows as usize..).unwrap_or_default();
        if let Some((numbers, _)) = numbers_in_one_column(data_lines, decimal) {
            assert!(numbers >= 2);
        }
    }
    // `sniff` reports the same choices for the same bytes.
    if let Ok(sniffed) = sniff(data, SAMPLE_LINES) {
        let (delimiter, widths) = match &separator {
            Separator::Char(c) => (*c, None),
            Separator::Whitespace => (WHITESPACE, None),
            Separator::Fixed(w) => (WHITESPACE, Some(w.clone())),
        };
        assert_eq!((sniffed.delimiter, sniffed.column_widths, sniffed.decimal, sniffed.header_rows), (delimiter, widths, decimal, header_rows));
        assert_eq!(sniffed.names.len(), names.len());
    }

    let body = &text.as_bytes()[nth_line_end(text.as_bytes(), header_rows as usize)..];
    let (piece, delimiter) = match &separator {
        Separator::Char(c) if c.is_ascii() => (body.to_vec(), *c as u8),
        Separator::Char(_) => return,
        Separator::Whitespace => {
            let mut piece = body.to_vec();
            rewrite_whitespace(&mut piece, decimal);
            assert!(piece.len() <= body.len() && !piece.iter().any(|&b| b == b' ' || b == b'\r'));
            (piece, REWRITTEN_DELIMITER)
        }
        Separator::Fixed(widths) => (rewrite_fixed(body, widths, decimal), REWRITTEN_DELIMITER),
    };
    let status: Vec<String> = ["Bad Input", "#N/A", "NaN"].iter().map(|s| (*s).to_owned()).collect();
    let layout =
        TableLayout { delimiter, decimal_comma: decimal == ',', columns: names.len(), status_texts: &status, infer_rows: 10_000, example_rows: 5 };
    if let Ok(table) = parse_table(&piece, &layout) {
        assert_eq!(table.columns.len(), names.len());
        let lines_in_piece = piece.iter().filter(|&&b| b == b'\n').count() + 1;
        assert!(table.rows <= lines_in_piece, "{} rows from {lines_in_piece} lines", table.rows);
        for column in &table.columns {
            let len = match &column.values {
                Values::Integer(v) => v.len(),
                Values::Float(v) => v.len(),
                Values::Text(spans) => spans.len(),
            };
            assert_eq!(len, table.rows);
        }
    }
});
