//! The CJK font: a subset of Noto Sans CJK SC (GB2312 hanzi, CJK punctuation, full-width
//! forms; SIL OFL 1.1, `assets/fonts/OFL.txt`), added after egui's own fonts so Latin text
//! keeps its look and Chinese text and tag names get glyphs instead of boxes. It is a file
//! beside the wasm (fetched by `main.js` at start), not part of it, so the wasm stays small.

use std::sync::Arc;

/// The font's file name, in `ui/assets/fonts/` and in `dist/fonts/`.
pub const CJK_FONT_FILE: &str = "NotoSansSC-GB2312.otf";

const CJK_FONT_NAME: &str = "noto-sans-sc-gb2312";

/// Adds `bytes` (an OpenType font) to every font family after egui's fonts. A file that is not
/// an OpenType font at all is refused with the reason, and the UI keeps its Latin-only fonts:
/// egui would panic on it.
pub fn install_cjk_font(ctx: &egui::Context, bytes: Vec<u8>) -> Result<(), String> {
    let magic = bytes.get(..4).unwrap_or_default();
    if !matches!(magic, b"OTTO" | [0, 1, 0, 0] | b"true") {
        return Err(format!("{CJK_FONT_FILE} is not an OpenType font ({} bytes); Chinese text will show as boxes", bytes.len()));
    }
    let mut fonts = egui::FontDefinitions::default();
    fonts.font_data.insert(CJK_FONT_NAME.to_owned(), Arc::new(egui::FontData::from_owned(bytes)));
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        fonts.families.entry(family).or_default().push(CJK_FONT_NAME.to_owned());
    }
    ctx.set_fonts(fonts);
    Ok(())
}

/// The font file from the repository, for the native build (the tests).
#[cfg(not(target_arch = "wasm32"))]
pub fn read_repo_cjk_font() -> Result<Vec<u8>, String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/fonts").join(CJK_FONT_FILE);
    std::fs::read(&path).map_err(|error| format!("cannot read the CJK font {}: {error}; Chinese text will show as boxes", path.display()))
}
