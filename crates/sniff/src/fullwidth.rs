//! Numbers and units typed with a Chinese or Japanese input method: full-width digits and
//! signs (`１２．５`, `－３`), the full-width or ideographic comma between thousands (`1，234.5`),
//! full-width Latin letters in units (`ＭＰａ`, `％`).

/// Whether the text holds a full-width digit, point, sign or comma (a number typed with a CJK
/// input method).
pub fn has_wide_number_chars(text: &str) -> bool {
    text.chars().any(is_wide_number_char)
}

/// Whether the cell is made of digits, points, signs and commas only, some of them full-width
/// (`１，５`, `1，5`):
/// a number typed with a CJK input method, whether or not it reads as one.
pub fn looks_like_wide_number(cell: &str) -> bool {
    let cell = cell.trim();
    cell.chars().any(is_wide_number_char)
        && cell.chars().any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
        && cell.chars().all(|c| c.is_ascii_digit() || is_wide_number_char(c) || matches!(c, '.' | ',' | '-' | '+' | '−'))
}

fn is_wide_number_char(c: char) -> bool {
    matches!(c, '０'..='９' | '．' | '－' | '＋' | '，' | '、')
}

/// A cell written with full-width digits, points, signs or commas as the ASCII number it
/// stands for (`１２．５` → `12.5`, `1，234.5` → `1234.5`, `－３` → `-3`); `None` when the
/// cell holds none of them or is not a number once narrowed (`１，５` is not: a comma between
/// thousands needs three digits after it). With a decimal comma (`decimal == ','`) the
/// full-width comma is the decimal mark and `.` groups thousands, as the importer reads them.
pub fn narrow_number(cell: &str, decimal: char) -> Option<String> {
    let cell = cell.trim();
    if !has_wide_number_chars(cell) {
        return None;
    }
    let mut narrowed = String::with_capacity(cell.len());
    for c in cell.chars() {
        narrowed.push(match c {
            '０'..='９' => char::from(b'0' + (u32::from(c) - u32::from('０')) as u8),
            '．' => '.',
            '－' | '−' => '-',
            '＋' => '+',
            '，' | '、' => ',',
            'ｅ' | 'Ｅ' => 'e',
            c if c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '+' | 'e' | 'E') => c,
            _ => return None,
        });
    }
    let plain = if decimal == ',' { narrowed.replace('.', "").replace(',', ".") } else { without_thousands_commas(&narrowed)? };
    plain.parse::<f64>().ok().filter(|v| v.is_finite())?;
    // Handed back in the file's own notation, for the importer's usual number parsing.
    Some(if decimal == ',' { narrowed } else { plain })
}

/// `1,234,567.5` → `1234567.5`; `None` when a comma does not separate groups of three digits.
fn without_thousands_commas(number: &str) -> Option<String> {
    if !number.contains(',') {
        return Some(number.to_owned());
    }
    let (integer, fraction) = match number.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (number, None),
    };
    if fraction.is_some_and(|f| f.contains(',')) {
        return None;
    }
    let digits = integer.trim_start_matches(['-', '+']);
    let mut groups = digits.split(',');
    let first = groups.next()?;
    if first.is_empty() || first.len() > 3 || !first.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if !groups.all(|g| g.len() == 3 && g.chars().all(|c| c.is_ascii_digit())) {
        return None;
    }
    let mut plain = integer.replace(',', "");
    if let Some(f) = fraction {
        plain.push('.');
        plain.push_str(f);
    }
    Some(plain)
}

/// Cells of one column whose full-width numbers were narrowed, with the first as an example.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NarrowedColumn {
    /// 0-based column index.
    pub column: usize,
    pub cells: usize,
    /// The first cell as written and as narrowed.
    pub example: (String, String),
}

/// Delimited text with every cell that is a number in full-width characters narrowed to ASCII
/// (quotes and line structure kept), so the parser reads those columns as numbers whatever row
/// they first appear in; `None` when no cell needed it. One pass, after a byte search that
/// skips text without full-width forms at memory speed.
pub fn narrow_delimited(text: &str, delimiter: char, decimal: char) -> Option<(String, Vec<NarrowedColumn>)> {
    // Every full-width digit, point, sign and comma is U+FF0B..U+FF19: UTF-8 `EF BC 8B..99`.
    let bytes = text.as_bytes();
    let first = bytes.windows(2).position(|w| w == [0xEF, 0xBC])?;
    let line_start = bytes[..first].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..line_start]);
    let mut columns: Vec<NarrowedColumn> = Vec::new();
    for line in text[line_start..].split_inclusive('\n') {
        let mut column = 0;
        let mut cell_start = 0;
        let mut in_quotes = false;
        for (i, c) in line.char_indices() {
            if c == '"' {
                in_quotes = !in_quotes;
            } else if !in_quotes && (c == delimiter || c == '\n' || c == '\r') {
                push_cell(&mut out, &line[cell_start..i], column, decimal, &mut columns);
                out.push(c);
                cell_start = i + c.len_utf8();
                if c == delimiter {
                    column += 1;
                }
            }
        }
        push_cell(&mut out, &line[cell_start..], column, decimal, &mut columns);
    }
    (!columns.is_empty()).then_some((out, columns))
}

/// Appends one cell, narrowed when it is a full-width number (inside its quotes, if quoted).
fn push_cell(out: &mut String, cell: &str, column: usize, decimal: char, columns: &mut Vec<NarrowedColumn>) {
    let inner = cell.trim().trim_matches('"');
    let narrowed = if inner.as_bytes().windows(2).any(|w| w == [0xEF, 0xBC]) { narrow_number(inner, decimal) } else { None };
    let Some(ascii) = narrowed else {
        out.push_str(cell);
        return;
    };
    match columns.iter_mut().find(|c| c.column == column) {
        Some(seen) => seen.cells += 1,
        None => columns.push(NarrowedColumn { column, cells: 1, example: (inner.to_owned(), ascii.clone()) }),
    }
    out.push_str(&ascii);
}

/// Full-width ASCII forms (U+FF01–U+FF5E) and the ideographic space as their ASCII
/// counterparts, so `ＭＰａ` reads `MPa` and `％` reads `%`; other characters (`℃`, `³`, CJK)
/// are kept.
pub fn narrow_ascii(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFF01 + 0x21).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_numbers_narrow_to_ascii() {
        assert_eq!(narrow_number("１２．５", '.').as_deref(), Some("12.5"));
        assert_eq!(narrow_number(" －３ ", '.').as_deref(), Some("-3"));
        assert_eq!(narrow_number("1，234.5", '.').as_deref(), Some("1234.5"));
        assert_eq!(narrow_number("１，２３４，５６７", '.').as_deref(), Some("1234567"));
        assert_eq!(narrow_number("１．５Ｅ３", '.').as_deref(), Some("1.5e3"));
        assert_eq!(narrow_number("１２，５", ',').as_deref(), Some("12,5"));
        // Not numbers once narrowed, or nothing wide to narrow.
        assert_eq!(narrow_number("１，５", '.'), None);
        assert_eq!(narrow_number("１号泵", '.'), None);
        assert_eq!(narrow_number("12.5", '.'), None);
        assert_eq!(narrow_number("，", '.'), None);
        assert!(looks_like_wide_number("１，５") && looks_like_wide_number("－１２．５"));
        assert!(looks_like_wide_number("1，5"));
        assert!(!looks_like_wide_number("１号泵") && !looks_like_wide_number("12.5") && !looks_like_wide_number("，"));
    }

    #[test]
    fn wide_numbers_narrow_in_delimited_text() {
        let text = "t,a,b,note\r\n1,１２．５,\"1，234.5\",１号泵\r\n2,3,\"1，5\",x\r\n3,－１,7,y";
        let (narrowed, columns) = narrow_delimited(text, ',', '.').unwrap();
        assert_eq!(narrowed, "t,a,b,note\r\n1,12.5,1234.5,１号泵\r\n2,3,\"1，5\",x\r\n3,-1,7,y");
        let a = NarrowedColumn { column: 1, cells: 2, example: ("１２．５".into(), "12.5".into()) };
        let b = NarrowedColumn { column: 2, cells: 1, example: ("1，234.5".into(), "1234.5".into()) };
        assert_eq!(columns, [a, b]);
        assert_eq!(narrow_delimited("a;b\n1;2\n", ';', ','), None);
        assert_eq!(narrow_delimited("a;b\n１２;２,５\n", ';', ',').unwrap().0, "a;b\n12;2,5\n");
    }

    #[test]
    fn wide_letters_in_units_narrow_to_ascii() {
        assert_eq!(narrow_ascii("ＭＰａ"), "MPa");
        assert_eq!(narrow_ascii("％"), "%");
        assert_eq!(narrow_ascii("ｍ３／ｈ"), "m3/h");
        assert_eq!(narrow_ascii("℃"), "℃");
        assert_eq!(narrow_ascii("Nm³/h"), "Nm³/h");
    }
}
