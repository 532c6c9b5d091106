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
    fn wide_letters_in_units_narrow_to_ascii() {
        assert_eq!(narrow_ascii("ＭＰａ"), "MPa");
        assert_eq!(narrow_ascii("％"), "%");
        assert_eq!(narrow_ascii("ｍ３／ｈ"), "m3/h");
        assert_eq!(narrow_ascii("℃"), "℃");
        assert_eq!(narrow_ascii("Nm³/h"), "Nm³/h");
    }
}
