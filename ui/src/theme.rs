//! Every colour the UI draws with, named by what it means. The panes use only these names, so a
//! colour that means one thing is one colour everywhere and can be changed in one place.
//!
//! The UI runs on egui's dark visuals only (nothing switches them), so these are constants tuned
//! for a dark background.

// The repository's clippy.toml bans the `Color32` constructors everywhere else, so that no pane
// grows its own copy of a colour; this module is where they are defined.
#![allow(clippy::disallowed_methods)]

use egui::Color32;

// --- Accent and plotted series ---

/// The UI's main accent: the primary series on any plot (a data column, the cleaned signal, the
/// training loss, the model's risk line and curves, the first run).
pub const ACCENT: Color32 = Color32::from_rgb(90, 170, 255);
/// A column as imported, drawn under its cleaned version.
pub const SERIES_RAW: Color32 = Color32::from_rgb(150, 150, 150);
/// A column after cleaning.
pub const SERIES_CLEANED: Color32 = ACCENT;
/// A column on the Data pane's plot and histogram.
pub const SERIES_DATA: Color32 = ACCENT;
/// Loss on the training split.
pub const SERIES_TRAINING: Color32 = ACCENT;
/// Loss on the validation split.
pub const SERIES_VALIDATION: Color32 = Color32::from_rgb(255, 160, 60);
/// The model's fault risk over time, and its ROC and precision-recall curves.
pub const SERIES_RISK: Color32 = ACCENT;
/// A reference a model is compared against (the chance line on ROC and precision-recall plots).
pub const REFERENCE_LINE: Color32 = SERIES_RAW;
/// Runs overlaid on one plot, in order; the list repeats when there are more runs.
pub const RUN_PALETTE: [Color32; 6] = [
    ACCENT,
    SERIES_VALIDATION,
    Color32::from_rgb(120, 200, 120),
    Color32::from_rgb(220, 110, 200),
    Color32::from_rgb(230, 220, 90),
    Color32::from_rgb(160, 160, 160),
];
/// Points a quality check found (open circles on a series).
pub const FINDING_MARK: Color32 = Color32::from_rgb(255, 80, 80);
/// The alarm threshold on a risk timeline.
pub const THRESHOLD: Color32 = Color32::from_rgb(230, 200, 80);
/// A labelled fault episode shaded on a timeline (translucent).
pub const FAULT_SPAN: Color32 = Color32::from_rgba_premultiplied(120, 30, 30, 70);
/// An alarm shaded on a timeline (translucent).
pub const ALARM_SPAN: Color32 = Color32::from_rgba_premultiplied(120, 75, 0, 60);
/// The alarm picked in the list, shaded stronger than the others.
pub const ALARM_SPAN_SELECTED: Color32 = Color32::from_rgba_premultiplied(200, 120, 0, 140);
/// A feature whose value pushes a prediction towards a fault.
pub const PUSHES_TO_FAULT: Color32 = Color32::from_rgb(220, 90, 70);
/// A feature whose value pushes a prediction towards normal operation.
pub const PUSHES_TO_NORMAL: Color32 = Color32::from_rgb(80, 140, 220);

// --- Text that carries a verdict ---

/// Text saying something failed or is wrong (an error, a skipped step, a missed fault).
pub const BAD_TEXT: Color32 = Color32::from_rgb(255, 128, 128);
/// Text saying something passed (a quality gate, a detected fault).
pub const GOOD_TEXT: Color32 = Color32::from_rgb(144, 238, 144);
/// Text asking for care (thin evidence, a failing gate elsewhere, missing values).
pub const WARNING_TEXT: Color32 = Color32::from_rgb(255, 190, 90);
/// Text drawn on one of the saturated fills below (badges, confusion-matrix cells).
pub const TEXT_ON_FILL: Color32 = Color32::WHITE;

// --- Badge and cell fills (saturated, with `TEXT_ON_FILL` on top) ---

/// Passed, or a correct prediction (the confusion matrix's diagonal).
pub const PASS_FILL: Color32 = Color32::from_rgb(40, 130, 60);
/// Failed, an error, a missing input, or a wrong prediction.
pub const FAIL_FILL: Color32 = Color32::from_rgb(170, 40, 40);
/// A warning, or an input outside the training range.
pub const WARNING_FILL: Color32 = Color32::from_rgb(170, 110, 20);
/// Information, or an input that is mostly missing.
pub const INFO_FILL: Color32 = Color32::from_rgb(50, 90, 140);
/// A category the model never saw in training.
pub const UNSEEN_CATEGORY_FILL: Color32 = Color32::from_rgb(120, 70, 150);

// --- Banners and notices (a dark fill with light text of the same hue) ---

/// The Data pane's import-warning banner.
pub const WARNING_BANNER_FILL: Color32 = Color32::from_rgb(80, 60, 20);
/// Text on [`WARNING_BANNER_FILL`].
pub const WARNING_BANNER_TEXT: Color32 = Color32::from_rgb(255, 220, 150);
/// A notice reporting an error.
pub const ERROR_NOTICE_FILL: Color32 = Color32::from_rgb(90, 20, 20);
/// Text on [`ERROR_NOTICE_FILL`].
pub const ERROR_NOTICE_TEXT: Color32 = Color32::from_rgb(255, 210, 210);
/// A notice reporting progress or a result.
pub const INFO_NOTICE_FILL: Color32 = Color32::from_rgb(30, 50, 80);
/// Text on [`INFO_NOTICE_FILL`].
pub const INFO_NOTICE_TEXT: Color32 = Color32::from_rgb(210, 225, 255);
