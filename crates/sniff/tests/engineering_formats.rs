//! Engineering text layouts: whitespace runs, fixed widths, Fortran `D` exponents, files
//! without a header row.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use plantlab_sniff::spaced::*;
use plantlab_sniff::{sniff, sniff_separator};

fn rewritten(text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    rewrite_whitespace(&mut bytes, '.');
    String::from_utf8(bytes).unwrap()
}

#[test]
fn whitespace_runs_become_single_tabs() {
    assert_eq!(rewritten("1 1 -0.0007 100.0 \n2 1 0.0019 100.0 \n"), "1\t1\t-0.0007\t100.0\n2\t1\t0.0019\t100.0\n");
    assert_eq!(rewritten("   2.5025000e-01   3.6572000e+03\n   2.5e-01\t\t 3.6D+03  \r\n\n  \n"), "2.5025000e-01\t3.6572000e+03\n2.5e-01\t3.6E+03\n");
    assert_eq!(rewritten("a b"), "a\tb");
    assert_eq!(rewritten(""), "");
    assert_eq!(rewritten("Shutdown 1d 1.0d-3 D5 +1.5D2\n"), "Shutdown\t1d\t1.0E-3\tD5\t+1.5E2\n");
    // Cut into many parts, the rewrite is the same as in one.
    let big: String = (0..20_000).map(|i| format!("  {i}   {}.5D+01 \n", i % 7)).collect();
    let expected: String = (0..20_000).map(|i| format!("{i}\t{}.5E+01\n", i % 7)).collect();
    assert_eq!(rewritten(&big), expected);
    let mut comma = b"  1,5D-3   -2,25 \n".to_vec();
    rewrite_whitespace(&mut comma, ',');
    assert_eq!(comma, b"1,5E-3\t-2,25\n");
}

#[test]
fn numbers_with_fortran_exponents() {
    for n in ["1", "+1.5", "-.5", "5.", "1.0D+02", "2.5052E-01", "1d5", "-3.2e-7", "  7  "] {
        assert!(is_number(n, '.'), "{n}");
    }
    for n in ["", "+", ".", "1e", "D5", "1.5.5", "x1", "1,5", "2024-01-01"] {
        assert!(!is_number(n, '.'), "{n}");
    }
    assert!(is_number("1,5D-3", ','));
}

#[test]
fn fixed_widths_are_found_where_fields_touch() {
    let lines =
        ["   TIME    FLOW   TEMP", "    0.0-1.5D+02 2.0D+01", "    1.0 1.5D+02-2.0D+01", "   10.0-1.5D+02 2.5D+01", "  100.0 1.2D+02-2.5D+01"];
    let widths = sniff_fixed_widths(&lines).unwrap();
    assert_eq!(widths, vec![7, 8, 8]);
    assert_eq!(sniff_separator(&lines), Separator::Fixed(widths.clone()));
    let fixed = Separator::Fixed(widths.clone());
    assert_eq!(fixed.split(lines[1]), ["0.0", "-1.5D+02", "2.0D+01"]);
    assert_eq!(fixed.split("    2.0"), ["2.0", "", ""]);
    let body = lines[1..].join("\n");
    let out = String::from_utf8(rewrite_fixed(body.as_bytes(), &widths, '.')).unwrap();
    assert_eq!(out, "0.0\t-1.5E+02\t2.0E+01\n1.0\t1.5E+02\t-2.0E+01\n10.0\t-1.5E+02\t2.5E+01\n100.0\t1.2E+02\t-2.5E+01\n");
    // A blank cell is a missing value, not a shift of the cells after it.
    let out = String::from_utf8(rewrite_fixed(b"    1.0        -2.0D+01\r\n\n", &widths, '.')).unwrap();
    assert_eq!(out, "1.0\t\t-2.0E+01\n");
    // Dates keep their dashes.
    assert_eq!(sniff_fixed_widths(&["2024-01-01 1.5", "2024-01-02 2.5", "2024-01-03 3.5"]), Some(vec![10, 4]));
    assert_eq!(sniff_fixed_widths(&["a", "b"]), None);
}

#[test]
fn headers_and_data_rows_are_told_apart() {
    let ws = Separator::Whitespace;
    assert!(sniff_headerless(&["1 1 -0.0007 100.0", "1 2 0.0019 100.0"], &ws, '.'));
    assert!(sniff_headerless(&["  2.5e-01  3.6D+03", "  2.4e-01  3.7D+03"], &ws, '.'));
    assert!(!sniff_headerless(&["unit cycle s1", "1 1 0.5"], &ws, '.'));
    assert!(sniff_headerless(&["2024-01-01 00:00:00,1.5", "2024-01-01 00:01:00,2.5"], &Separator::Char(','), '.'));
    // Years over names of months: a header.
    assert!(!sniff_headerless(&["2023,2024", "Jan,Feb"], &Separator::Char(','), '.'));
    assert!(!sniff_headerless(&[], &ws, '.'));
}

#[test]
fn whitespace_is_sniffed_when_counts_agree() {
    assert!(sniff_whitespace(&["1 2 3 ", "4 5 6 ", "  7   8   9"]));
    assert!(!sniff_whitespace(&["1 2 3", "4 5", "6"]));
    assert!(!sniff_whitespace(&["one", "two"]));
    assert_eq!(sniff_separator(&["a,b c", "1,2 3"]), Separator::Char(','));
    assert_eq!(sniff_separator(&["a\tb", "1\t2"]), Separator::Char('\t'));
    assert_eq!(numbers_in_one_column(&["1 2 3 4", "5 6 7 8"], '.'), Some((4, "spaces")));
    assert_eq!(numbers_in_one_column(&["a", "1"], '.'), None);
}

#[test]
fn sniff_reads_the_engineering_layouts() {
    // C-MAPSS: single spaces, a trailing space, no header.
    let cmapss = "1 1 -0.0007 -0.0004 100.0 518.67 641.82 \n1 2 0.0019 -0.0003 100.0 518.67 642.15 \n";
    let s = sniff(cmapss.as_bytes(), 50).unwrap();
    assert_eq!((s.delimiter, s.column_widths.clone(), s.header_rows, s.decimal), (WHITESPACE, None, 0, '.'));
    assert_eq!(s.names, ["col_1", "col_2", "col_3", "col_4", "col_5", "col_6", "col_7"]);
    // Tennessee Eastman: padded runs of spaces, scientific notation.
    let tep = "   2.5025000e-01   3.6572000e+03   4.5201000e+03\n   2.5057000e-01   3.6642000e+03   4.5124000e+03\n";
    let s = sniff(tep.as_bytes(), 50).unwrap();
    assert_eq!((s.delimiter, s.header_rows, s.names.len()), (WHITESPACE, 0, 3));
    // Names separated by whitespace above the data.
    let named = "unit  cycle\tflow\n1 1 2.5D+01\n1 2 2.6D+01\n";
    let s = sniff(named.as_bytes(), 50).unwrap();
    assert_eq!((s.delimiter, s.header_rows), (WHITESPACE, 1));
    assert_eq!(s.names, ["unit", "cycle", "flow"]);
    // Tabs with padding are still tab-separated (an empty cell between two tabs is missing).
    let s = sniff(b"a\tb\n 1.5\t 2.5\n", 50).unwrap();
    assert_eq!((s.delimiter, s.header_rows), ('\t', 1));
}

/// What the fuzz target checks, on seeded random text from the bytes these layouts are made
/// of: the rewrites never panic, a whitespace rewrite never grows and leaves no blank, carriage
/// return or empty line, and the numeric parser takes the result or refuses it.
#[test]
fn rewrites_of_random_text_keep_their_promises() {
    use plantlab_sniff::numeric_table::{parse_table, TableLayout};
    let alphabet = b"  \t\t\r\n\n0123456789.,+-eEdDxa\"";
    let mut state = 99u64;
    let mut next = move || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    for _ in 0..2_000 {
        let len = next() % 200;
        let body: Vec<u8> = (0..len).map(|_| alphabet[next() % alphabet.len()]).collect();
        let decimal = if next() % 2 == 0 { '.' } else { ',' };
        let mut rewritten = body.clone();
        rewrite_whitespace(&mut rewritten, decimal);
        assert!(rewritten.len() <= body.len());
        assert!(!rewritten.iter().any(|&b| b == b' ' || b == b'\r'), "{:?}", String::from_utf8_lossy(&rewritten));
        assert!(!rewritten.starts_with(b"\n") && !rewritten.windows(2).any(|w| w == b"\n\n"));
        let widths: Vec<usize> = (0..1 + next() % 5).map(|_| 1 + next() % 12).collect();
        let fixed = rewrite_fixed(&body, &widths, decimal);
        let text = String::from_utf8_lossy(&body);
        let lines: Vec<&str> = text.lines().collect();
        let separator = sniff_separator(&lines);
        let _ = sniff_headerless(&lines, &separator, decimal);
        if let Some(found) = sniff_fixed_widths(&lines) {
            assert!(found.len() >= 2 && found.iter().all(|&w| w > 0));
        }
        for (piece, columns) in [(&rewritten, 1 + next() % 4), (&fixed, widths.len())] {
            let layout = TableLayout {
                delimiter: REWRITTEN_DELIMITER,
                decimal_comma: decimal == ',',
                columns,
                status_texts: &[],
                infer_rows: 10_000,
                example_rows: 5,
            };
            if let Ok(table) = parse_table(piece, &layout) {
                assert_eq!(table.columns.len(), columns);
            }
        }
    }
}

/// Cells with control bytes, non-ASCII bytes and `d`s at every offset of the eight-byte
/// scan are cut and fixed as a byte-by-byte reading would.
#[test]
fn the_word_scan_finds_cell_ends_and_d_exponents_at_every_offset() {
    for pad in 0..9 {
        for cell in ["1.5D+02", "x\u{b}y", "µs", "1.0d-3", "abcdefghijklmnopqrstuvwxyz", "1234567890123456d1", "Dd"] {
            let text = format!("{}{cell}\t{}{cell} \r\n", " ".repeat(pad), "7".repeat(pad));
            let expected_cell = if is_number(cell, '.') { cell.replace(['d', 'D'], "E") } else { cell.to_owned() };
            let second = format!("{}{cell}", "7".repeat(pad));
            let expected_second = if pad == 0 {
                expected_cell.clone()
            } else if is_number(&second, '.') {
                second.replace(['d', 'D'], "E")
            } else {
                second
            };
            let mut bytes = text.into_bytes();
            rewrite_whitespace(&mut bytes, '.');
            assert_eq!(String::from_utf8(bytes).unwrap(), format!("{expected_cell}\t{expected_second}\n"), "pad {pad}, {cell:?}");
        }
    }
}

#[test]
fn whitespace_wins_over_a_character_that_leaves_several_numbers_in_a_cell() {
    // Tabs mixed into space padding: the tab splits every line alike, but into cells of
    // several numbers.
    assert_eq!(sniff_separator(&["+1.5E+02  -2.5e-03\t+3.0D+00", "-1.0E+00  +2.0e+01\t-3.5D-02"]), Separator::Whitespace);
    // Leading tabs and tab runs with a run of spaces holding two numbers.
    assert_eq!(sniff_separator(&["\t 1\t\t2.5  3", "\t 4\t\t5.5  6", "\t 7\t\t8.5  9"]), Separator::Whitespace);
    // Decimal commas between spaces: the comma would cut every number in two.
    assert_eq!(sniff_separator(&["1,5 2,5 3,5", "4,5 5,5 6,5"]), Separator::Whitespace);
    // A header of names over such data.
    assert_eq!(sniff_separator(&["flow  temp\tlevel", "1.5  2.5\t3.5", "4.5  5.5\t6.5"]), Separator::Whitespace);
    // Real delimited tables keep their delimiter: one number per cell, gaps, timestamps, texts.
    assert_eq!(sniff_separator(&["1\t2\t3", "4\t5\t6"]), Separator::Char('\t'));
    assert_eq!(sniff_separator(&["a\tb\tc", "1\t\t3", "4\t5\t6", "7\t8\t9"]), Separator::Char('\t'));
    // A column still empty in every sampled line stays a column.
    assert_eq!(sniff_separator(&["1\t\t3", "4\t\t6", "7\t\t9"]), Separator::Char('\t'));
    assert_eq!(sniff_separator(&["\t1\t3", "\t4\t6"]), Separator::Char('\t'));
    assert_eq!(sniff_separator(&["2024-01-01 00:00\t1.5", "2024-01-01 00:01\t2.5"]), Separator::Char('\t'));
    assert_eq!(sniff_separator(&["state;flow", "Bad Input;1.5", "on;2.5"]), Separator::Char(';'));
    assert_eq!(sniff_separator(&["a,b c", "1,2 3"]), Separator::Char(','));
}

#[test]
fn whitespace_rewrites_match_splitting_each_line_by_hand() {
    let mut state = 7u64;
    let mut next = move || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    // Cells of 1 to 30 bytes between runs of 0 to 9 blanks, so cells move back by every
    // distance, shorter and longer than a word.
    let cell_bytes = b"0123456789.,+-eEdDx";
    for _ in 0..3_000 {
        let mut body = Vec::new();
        for _ in 0..next() % 6 {
            for _ in 0..next() % 7 {
                for _ in 0..next() % 10 {
                    body.push([b' ', b' ', b'\t', b'\r'][next() % 4]);
                }
                body.extend((0..1 + next() % 30).map(|_| cell_bytes[next() % cell_bytes.len()]));
            }
            body.extend((0..next() % 3).map(|_| b' '));
            body.push(b'\n');
        }
        let decimal = if next() % 2 == 0 { '.' } else { ',' };
        let mut expected = String::new();
        for line in String::from_utf8(body.clone()).unwrap().lines() {
            let cells: Vec<String> = line
                .split([' ', '\t', '\r'])
                .filter(|c| !c.is_empty())
                .map(|cell| match cell.find(['d', 'D']) {
                    Some(at) if is_number(cell, decimal) => format!("{}E{}", &cell[..at], &cell[at + 1..]),
                    _ => cell.to_owned(),
                })
                .collect();
            if !cells.is_empty() {
                expected.push_str(&cells.join("\t"));
                expected.push('\n');
            }
        }
        let mut rewritten = body.clone();
        rewrite_whitespace(&mut rewritten, decimal);
        assert_eq!(String::from_utf8(rewritten).unwrap(), expected, "{:?}", String::from_utf8_lossy(&body));
    }
}

/// The whitespace rewrite's speed on the Tennessee Eastman layout (52 numbers of 13 bytes,
/// each after three spaces), best of `PLANTLAB_TIMING_RUNS` (default 10).
#[test]
#[ignore = "a timing run"]
fn time_the_whitespace_rewrite() {
    let rows: usize = std::env::var("PLANTLAB_TIMING_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(200_000);
    let runs: usize = std::env::var("PLANTLAB_TIMING_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(10);
    let mut text = Vec::with_capacity(rows * 52 * 16 + rows);
    for row in 0..rows {
        for column in 0..52 {
            text.extend_from_slice(format!("   {}.{:07}e-0{}", 1 + (row + column) % 9, (row * 31 + column * 7) % 10_000_000, column % 4).as_bytes());
        }
        text.push(b'\n');
    }
    let mut best = f64::INFINITY;
    for _ in 0..runs {
        let mut piece = text.clone();
        let start = std::time::Instant::now();
        rewrite_whitespace(&mut piece, '.');
        best = best.min(start.elapsed().as_secs_f64());
        assert_eq!(piece.len(), text.len() - rows * 52 * 3 + rows * 51);
    }
    let mb = text.len() as f64 / 1e6;
    eprintln!("whitespace rewrite, {rows} rows × 52 ({mb:.0} MB), best of {runs}: {best:.4} s ({:.0} MB/s)", mb / best);
}
