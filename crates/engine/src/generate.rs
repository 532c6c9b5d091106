//! Deterministic generators of plant-like data for tests, demos and benchmarks.
//!
//! [`messy_series`] writes a multi-tag historian export with every finding of the quality
//! vocabulary planted at known rows, in one of several export dialects, and returns the ground
//! truth alongside. [`pump_station_month`] writes a month of one pump station as a German
//! workstation exports it, with stops, a stuck transmitter, a gap, a DST repeat, a week in °F
//! and a failure label, for end-to-end tests of cleaning that must not invent data.
//! [`wide_numeric_csv`] writes large clean numeric tables for benchmarks.

use std::collections::{BTreeMap, HashSet};
use std::f64::consts::TAU;
use std::fmt::Write as _;
use std::io::Write as _;

use plantlab_protocol::FindingKind;

use plantlab_sniff::timestamps::{civil_from_days, days_from_civil};

/// How the bytes of an export are encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Utf8Bom,
    /// With a byte-order mark, as Excel writes "Unicode text".
    Utf16Le,
    /// With a byte-order mark.
    Utf16Be,
    /// Only ASCII plus the few characters the generator writes (° µ ³ ²) are mapped.
    Windows1252,
}

/// How timestamps are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimestampStyle {
    /// `2024-03-04 00:00:00`
    Iso,
    /// `2024-03-04T00:00:00+01:00` (the wall-clock time with a fixed offset)
    IsoOffset,
    /// `04.03.2024 00:00:00`
    DayFirst,
    /// `03/04/2024 00:00`
    MonthFirst,
    /// `1709510400`
    EpochSeconds,
    /// `1709510400000`
    EpochMillis,
}

/// The shape of one historian export. Lines end in CRLF for UTF-16 (as Excel writes it),
/// LF otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExportDialect {
    pub encoding: TextEncoding,
    /// Field separator. With `decimal_comma` a `,` here is replaced by `;`.
    pub delimiter: u8,
    pub decimal_comma: bool,
    /// A second header line with the unit of each column.
    pub units_row: bool,
    pub timestamp: TimestampStyle,
}

impl ExportDialect {
    /// UTF-8, comma, decimal point, ISO timestamps, no units row.
    pub fn plain() -> Self {
        Self { encoding: TextEncoding::Utf8, delimiter: b',', decimal_comma: false, units_row: false, timestamp: TimestampStyle::Iso }
    }

    /// A German-locale export: UTF-8 with BOM, `;`, decimal comma, units row, `dd.mm.yyyy`.
    pub fn european() -> Self {
        Self { encoding: TextEncoding::Utf8Bom, delimiter: b';', decimal_comma: true, units_row: true, timestamp: TimestampStyle::DayFirst }
    }

    /// Excel "Unicode text": UTF-16LE with BOM, tab, units row, `mm/dd/yyyy HH:MM`.
    pub fn excel_unicode() -> Self {
        Self { encoding: TextEncoding::Utf16Le, delimiter: b'\t', decimal_comma: false, units_row: true, timestamp: TimestampStyle::MonthFirst }
    }

    /// An older Windows tool: Windows-1252, `;`, decimal comma, units row, `dd.mm.yyyy`.
    pub fn legacy_windows() -> Self {
        Self { encoding: TextEncoding::Windows1252, delimiter: b';', decimal_comma: true, units_row: true, timestamp: TimestampStyle::DayFirst }
    }

    /// The separator actually written: never `,` together with a decimal comma.
    pub fn effective_delimiter(&self) -> u8 {
        if self.decimal_comma && self.delimiter == b',' {
            b';'
        } else {
            self.delimiter
        }
    }
}

impl Default for ExportDialect {
    fn default() -> Self {
        Self::plain()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessyOptions {
    /// Base rows at one-minute spacing before duplicates are added and the gap is cut out.
    /// Messy series use at least [`MIN_MESSY_ROWS`] so the planted places stay apart.
    pub rows: usize,
    pub seed: u64,
    /// No planted faults at all: the quality report of such a file has no findings (for a
    /// file of a thousand rows or more). Its `Fault` label is then about 30 % positive and the
    /// constant and identifier columns are left out.
    pub clean: bool,
    pub dialect: ExportDialect,
}

impl Default for MessyOptions {
    fn default() -> Self {
        Self { rows: 5_000, seed: 42, clean: false, dialect: ExportDialect::plain() }
    }
}

/// The fewest base rows of a messy (not clean) series.
pub const MIN_MESSY_ROWS: usize = 4_000;

/// One planted finding, exactly as the quality report should state it: `count` as the finding's
/// count and `rows` as all the places the finding's `rows` list the first of (segment starts for
/// flatline and unit_jump, the later row for duplicates, the row after a gap, the minority rows
/// for label_imbalance, none for constant and high_cardinality). Rows are 0-based data rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Planted {
    pub kind: FindingKind,
    pub column: Option<String>,
    pub count: u64,
    pub rows: Vec<u64>,
}

/// The status texts the messy series writes into numeric cells.
pub const STATUS_TEXTS: &[&str] = &["Bad Input", "I/O Timeout", "Shutdown", "Calc Failed", "No Data", "#N/A"];

/// Name of the timestamp column in generated files.
pub const TIMESTAMP_COLUMN: &str = "Timestamp";
/// Name of the label column of the messy series.
pub const LABEL_COLUMN: &str = "Fault";

/// 2024-03-04 00:00:00, the first timestamp of every generated series.
fn start_seconds() -> i64 {
    days_from_civil(2024, 3, 4) * 86_400
}

// ---------------------------------------------------------------------------------------------
// Random numbers
// ---------------------------------------------------------------------------------------------

/// splitmix64: tiny, fast, and every seed gives a full-quality stream.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform integer in [lo, hi).
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        if hi <= lo {
            return lo;
        }
        lo + (self.next_u64() % (hi - lo) as u64) as usize
    }

    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u = 1.0 - self.unit();
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (TAU * v).cos()
    }

    /// Cheap approximately normal noise (sum of four uniforms), unit variance.
    fn quick_normal(&mut self) -> f64 {
        let sum = self.unit() + self.unit() + self.unit() + self.unit();
        (sum - 2.0) * 3f64.sqrt()
    }
}

// ---------------------------------------------------------------------------------------------
// The messy series
// ---------------------------------------------------------------------------------------------

const TI: usize = 0;
const PI: usize = 1;
const FI: usize = 2;
const SP: usize = 3;
const SI: usize = 4;
const VI: usize = 5;
const QI: usize = 6;
const XV: usize = 7;
const BATCH: usize = 8;
const SAMPLE: usize = 9;
const LINE: usize = 10;
const FAULT: usize = 11;

struct Tag {
    name: &'static str,
    unit: &'static str,
}

const TAGS: [Tag; 12] = [
    Tag { name: "TI-101 Bearing temp", unit: "°C" },
    Tag { name: "PI-204 Discharge pressure", unit: "bar" },
    Tag { name: "FI-301 Flow", unit: "m³/h" },
    Tag { name: "SIC-101 Speed setpoint", unit: "rpm" },
    Tag { name: "SI-101 Speed", unit: "rpm" },
    Tag { name: "VI-101 Vibration", unit: "mm/s" },
    Tag { name: "QI-401 Conductivity", unit: "µS/cm" },
    Tag { name: "XV-110 Valve", unit: "-" },
    Tag { name: "Batch", unit: "-" },
    Tag { name: "Sample ID", unit: "-" },
    Tag { name: "UI-900 Line", unit: "-" },
    Tag { name: LABEL_COLUMN, unit: "-" },
];

#[derive(Clone, Debug)]
enum Cell {
    /// A reading written with this many decimals.
    Num(f64, usize),
    Int(i64),
    Text(String),
    Empty,
    Status(&'static str),
}

#[derive(Clone, Copy, Debug)]
struct Mark {
    kind: FindingKind,
    column: Option<usize>,
}

#[derive(Clone, Debug)]
struct Row {
    /// Minutes after the start.
    minute: i64,
    cells: Vec<Cell>,
    marks: Vec<Mark>,
}

impl Row {
    fn mark(&mut self, kind: FindingKind, column: Option<usize>) {
        self.marks.push(Mark { kind, column });
    }
}

/// A multi-tag plant time series at one-minute spacing, as file bytes in `opts.dialect`, with
/// the findings planted in it. Unless `clean`, every kind of the quality vocabulary is planted,
/// each far enough from the others that detectors see them separately.
pub fn messy_series(opts: &MessyOptions) -> (Vec<u8>, Vec<Planted>) {
    let n = if opts.clean { opts.rows.max(1) } else { opts.rows.max(MIN_MESSY_ROWS) };
    let mut rng = Rng::new(opts.seed);
    let at = |fraction: f64| (n as f64 * fraction) as usize;
    let unit_jump = at(0.30)..at(0.30) + 120;
    let faults = fault_events(n, opts.clean, &unit_jump, &mut rng);
    let mut rows = base_rows(n, &faults, &mut rng);
    let mut columns: Vec<usize> = (TI..=FAULT).collect();
    if opts.clean {
        columns.retain(|&c| c != SAMPLE && c != LINE);
    } else {
        plant_cells(&mut rows, n, unit_jump, &mut rng);
        rows = plant_rows(rows, n, &mut rng);
    }
    let planted = if opts.clean { Vec::new() } else { ground_truth(&rows) };
    (render(&rows, &columns, &opts.dialect), planted)
}

/// Fault events as (first row, length): short and rare (≈ 3 % of rows) in a messy series,
/// long (≈ 30 %) in a clean one. None overlaps the window around the unit-jump segment,
/// whose level comparison a fault's temperature ramp would blur.
fn fault_events(n: usize, clean: bool, keep_clear: &std::ops::Range<usize>, rng: &mut Rng) -> Vec<(usize, usize)> {
    let mut events = Vec::new();
    let mut row = rng.range(200, 500);
    while row + 200 < n {
        let len = if clean { rng.range(250, 400) } else { rng.range(10, 26) };
        let affected = row.saturating_sub(RAMP_ROWS)..row + len + DECAY_ROWS;
        let clear = clean || affected.end + 150 < keep_clear.start || affected.start > keep_clear.end + 150;
        if clear {
            events.push((row, len));
        }
        row += len + if clean { rng.range(300, 700) } else { rng.range(450, 800) };
    }
    events
}

/// Length of the messy series' stuck flow transmitter run, in samples.
pub const STUCK_ROWS: usize = 36;
/// Rows the messy series' communication gap leaves out.
pub const GAP_ROWS: usize = 10;

/// Rows over which temperature and vibration rise before a fault.
const RAMP_ROWS: usize = 90;
/// Rows over which they fall back after it.
const DECAY_ROWS: usize = 20;

fn base_rows(n: usize, faults: &[(usize, usize)], rng: &mut Rng) -> Vec<Row> {
    // How far each row is into a fault's effect, 0..1, and whether it is labelled a fault.
    let mut effect = vec![0.0f64; n];
    let mut label = vec![false; n];
    for &(start, len) in faults {
        for (offset, row) in (start.saturating_sub(RAMP_ROWS)..start).enumerate() {
            effect[row] = effect[row].max((offset + 1) as f64 / RAMP_ROWS as f64);
        }
        for row in start..(start + len).min(n) {
            effect[row] = 1.0;
            label[row] = true;
        }
        for (offset, row) in (start + len..(start + len + DECAY_ROWS).min(n)).enumerate() {
            effect[row] = effect[row].max(1.0 - (offset + 1) as f64 / DECAY_ROWS as f64);
        }
    }

    let (mut temp_walk, mut pressure_walk, mut conductivity_walk) = (0.0, 0.0, 0.0);
    let mut setpoint = 1450.0f64;
    let mut next_setpoint_change = rng.range(200, 500);
    let mut speed = setpoint;
    let (mut valve_open, mut valve_reopens) = (true, 0usize);
    let (mut batch, mut next_batch) = (101u32, rng.range(300, 700));
    let mut rows = Vec::with_capacity(n + 16);
    for i in 0..n {
        let day = TAU * i as f64 / 1440.0;
        temp_walk = 0.995 * temp_walk + 0.03 * rng.normal();
        pressure_walk = 0.99 * pressure_walk + 0.005 * rng.normal();
        conductivity_walk = 0.998 * conductivity_walk + 0.2 * rng.normal();
        if i == next_setpoint_change {
            // Steps stay within 1380..1500 rpm: no step of a setpoint resembles a unit change.
            let mut candidate = setpoint;
            for _ in 0..10 {
                candidate = 1380.0 + 10.0 * rng.range(0, 13) as f64;
                if (candidate - setpoint).abs() >= 20.0 {
                    break;
                }
            }
            setpoint = candidate;
            next_setpoint_change = i + rng.range(200, 500);
        }
        speed += 0.25 * (setpoint - speed);
        // The valve closes now and then, and surely once, so it is never a constant column.
        if valve_open && (rng.unit() < 0.004 || i == n / 3) {
            valve_open = false;
            valve_reopens = i + rng.range(5, 120);
        } else if !valve_open && i >= valve_reopens {
            valve_open = true;
        }
        if i == next_batch {
            batch += 1;
            next_batch = i + rng.range(300, 700);
        }

        let temperature = 62.0 + 2.5 * day.sin() + temp_walk + 0.15 * rng.normal() + 6.0 * effect[i];
        let pressure = 6.5 + 0.15 * (day + 1.0).sin() + pressure_walk + 0.03 * rng.normal();
        let flow = 120.0 + 6.0 * (TAU * i as f64 / 700.0).sin() + 0.8 * rng.normal();
        let speed_reading = speed + 1.5 * rng.normal();
        let vibration = (2.2 + 0.1 * (3.0 * day).sin() + 0.08 * rng.normal() + 3.5 * effect[i]).max(0.05);
        let conductivity = 450.0 + 8.0 * (TAU * i as f64 / 3000.0).sin() + conductivity_walk + 1.5 * rng.normal();

        let mut cells = vec![Cell::Empty; FAULT + 1];
        cells[TI] = Cell::Num(temperature, 2);
        cells[PI] = Cell::Num(pressure, 3);
        cells[FI] = Cell::Num(flow, 2);
        cells[SP] = Cell::Int(setpoint as i64);
        cells[SI] = Cell::Num(speed_reading, 1);
        cells[VI] = Cell::Num(vibration, 2);
        cells[QI] = Cell::Num(conductivity, 1);
        cells[XV] = Cell::Int(i64::from(valve_open));
        cells[BATCH] = Cell::Text(format!("B24-{batch:03}"));
        cells[SAMPLE] = Cell::Text(format!("S{:07}", 1_000_000 + i));
        cells[LINE] = Cell::Int(7);
        cells[FAULT] = Cell::Int(i64::from(label[i]));
        rows.push(Row { minute: i as i64, cells, marks: Vec::new() });
    }
    rows
}

/// Cell-level faults, on base rows (before rows are added or removed).
fn plant_cells(rows: &mut [Row], n: usize, unit_jump: std::ops::Range<usize>, rng: &mut Rng) {
    let at = |fraction: f64| (n as f64 * fraction) as usize;
    let set = |rows: &mut [Row], row: usize, column: usize, cell: Cell, kind: FindingKind| {
        if let Some(r) = rows.get_mut(row) {
            r.cells[column] = cell;
            r.mark(kind, Some(column));
        }
    };

    // Status texts, as the historian writes them into numeric cells.
    let status = [
        (TI, at(0.05), "I/O Timeout"),
        (PI, at(0.18), "Shutdown"),
        (PI, at(0.18) + 1, "Shutdown"),
        (PI, at(0.18) + 2, "Shutdown"),
        (FI, at(0.38), "No Data"),
        (FI, at(0.38) + 10, "Bad Input"),
        (PI, at(0.68), "Calc Failed"),
        (PI, at(0.68) + 5, "#N/A"),
        (TI, at(0.90), "Bad Input"),
    ];
    for (column, row, text) in status {
        set(rows, row, column, Cell::Status(text), FindingKind::StatusText);
    }
    // Empty cells.
    for (column, row) in [(FI, at(0.08)), (FI, at(0.08) + 4), (SI, at(0.27)), (SI, at(0.27) + 1), (FI, at(0.65)), (BATCH, at(0.95))] {
        set(rows, row, column, Cell::Empty, FindingKind::Missing);
    }
    // Spikes on the discharge pressure (noise ≈ 0.03 bar).
    for (fraction, delta) in [(0.12, 2.4), (0.42, -1.9), (0.62, 3.1), (0.87, 2.2)] {
        let row = at(fraction);
        if let Some(Cell::Num(v, d)) = rows.get(row).map(|r| r.cells[PI].clone()) {
            set(rows, row, PI, Cell::Num(v + delta, d), FindingKind::Spike);
        }
    }
    // A historian sentinel in the vibration.
    for fraction in [0.22, 0.72, 0.92] {
        set(rows, at(fraction), VI, Cell::Num(-9999.0, 2), FindingKind::OutOfRange);
    }
    // A stretch of the bearing temperature logged in °F.
    for row in unit_jump {
        if let Some(Cell::Num(v, d)) = rows.get(row).map(|r| r.cells[TI].clone()) {
            set(rows, row, TI, Cell::Num(1.8 * v + 32.0, d), FindingKind::UnitJump);
        }
    }
    // The flow transmitter sticks for 36 samples. The stuck value differs (as written) from
    // both neighbours, so the run is exactly 36 long. (Stuck readings become missing and stay
    // missing, too long to fill: with the gap below that is under 1 % of the flow's cells.)
    let start = at(0.50);
    let written = |row: usize| match rows.get(row).map(|r| &r.cells[FI]) {
        Some(Cell::Num(v, _)) => Some((v * 100.0).round()),
        _ => None,
    };
    if let Some(Cell::Num(mut stuck, d)) = rows.get(start).map(|r| r.cells[FI].clone()) {
        stuck = (stuck * 100.0).round() / 100.0;
        while [written(start.wrapping_sub(1)), written(start + STUCK_ROWS)].contains(&Some((stuck * 100.0).round())) {
            stuck += 0.37 + rng.unit();
        }
        for row in start..start + STUCK_ROWS {
            set(rows, row, FI, Cell::Num(stuck, d), FindingKind::Flatline);
        }
    }
}

/// Row-level faults: duplicates, out-of-order rows and a gap. Takes base rows, returns the rows
/// as written.
fn plant_rows(mut rows: Vec<Row>, n: usize, rng: &mut Rng) -> Vec<Row> {
    let at = |fraction: f64| (n as f64 * fraction) as usize;
    // Two neighbours swap places: time goes backwards once per swap.
    for fraction in [0.20, 0.57] {
        let row = at(fraction);
        if row + 1 < rows.len() {
            rows.swap(row, row + 1);
            rows[row + 1].mark(FindingKind::UnsortedTimestamps, None);
        }
    }
    let gap = at(0.80)..at(0.80) + GAP_ROWS;
    if let Some(after) = rows.get_mut(gap.end) {
        after.mark(FindingKind::Gap, None);
    }
    let copies: HashSet<usize> = [0.15, 0.35, 0.55, 0.75].into_iter().map(at).collect();
    let same_times: HashSet<usize> = [0.10, 0.25, 0.45].into_iter().map(at).collect();
    let mut out = Vec::with_capacity(rows.len() + copies.len() + same_times.len());
    for (i, row) in rows.into_iter().enumerate() {
        if gap.contains(&i) {
            continue;
        }
        let copy = copies.contains(&i).then(|| Row { marks: vec![Mark { kind: FindingKind::DuplicateRows, column: None }], ..row.clone() });
        let same_time = same_times.contains(&i).then(|| second_reading(&row, rng));
        out.push(row);
        out.extend(copy);
        out.extend(same_time);
    }
    out
}

/// Another reading at the same minute: each number differs in its last written digit, and
/// it gets its own sample id.
fn second_reading(row: &Row, rng: &mut Rng) -> Row {
    let mut cells = row.cells.clone();
    for cell in &mut cells {
        if let Cell::Num(v, decimals) = cell {
            let step = 10f64.powi(-(*decimals as i32));
            *v += step * rng.range(1, 4) as f64;
        }
    }
    if let Cell::Text(id) = &mut cells[SAMPLE] {
        id.push_str("-B");
    }
    Row { minute: row.minute, cells, marks: vec![Mark { kind: FindingKind::DuplicateTimestamps, column: None }] }
}

/// What the quality report must say about `rows`, read from the marks and the final cells.
fn ground_truth(rows: &[Row]) -> Vec<Planted> {
    let mut by_kind: BTreeMap<(FindingKind, Option<usize>), Vec<u64>> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        for mark in &row.marks {
            by_kind.entry((mark.kind, mark.column)).or_default().push(i as u64);
        }
    }
    let name = |c: Option<usize>| c.map(|c| TAGS[c].name.to_owned());
    let mut planted: Vec<Planted> = by_kind
        .into_iter()
        .map(|((kind, column), marked)| {
            let count = marked.len() as u64;
            let rows = if matches!(kind, FindingKind::Flatline | FindingKind::UnitJump) {
                // Segments are reported by their first row.
                marked.iter().enumerate().filter(|&(i, &r)| i == 0 || marked[i - 1] + 1 != r).map(|(_, &r)| r).collect()
            } else {
                marked
            };
            Planted { kind, column: name(column), count, rows }
        })
        .collect();

    planted.push(Planted { kind: FindingKind::Constant, column: name(Some(LINE)), count: rows.len() as u64, rows: Vec::new() });
    let ids: HashSet<&str> = rows
        .iter()
        .filter_map(|r| match &r.cells[SAMPLE] {
            Cell::Text(id) => Some(id.as_str()),
            _ => None,
        })
        .collect();
    planted.push(Planted { kind: FindingKind::HighCardinality, column: name(Some(SAMPLE)), count: ids.len() as u64, rows: Vec::new() });
    let faults: Vec<u64> = rows.iter().enumerate().filter(|(_, r)| matches!(r.cells[FAULT], Cell::Int(1))).map(|(i, _)| i as u64).collect();
    planted.push(Planted { kind: FindingKind::LabelImbalance, column: name(Some(FAULT)), count: faults.len() as u64, rows: faults });
    planted.sort_by(|a, b| (a.kind, &a.column).cmp(&(b.kind, &b.column)));
    planted
}

fn render(rows: &[Row], columns: &[usize], dialect: &ExportDialect) -> Vec<u8> {
    let separator = char::from(dialect.effective_delimiter());
    let line_end = if matches!(dialect.encoding, TextEncoding::Utf16Le | TextEncoding::Utf16Be) { "\r\n" } else { "\n" };
    let decimal = if dialect.decimal_comma { ',' } else { '.' };
    let mut text = String::with_capacity(rows.len() * 128);

    let mut header = vec![TIMESTAMP_COLUMN];
    header.extend(columns.iter().map(|&c| TAGS[c].name));
    write_fields(&mut text, header.into_iter(), separator, line_end);
    if dialect.units_row {
        let mut units = vec![""];
        units.extend(columns.iter().map(|&c| TAGS[c].unit));
        write_fields(&mut text, units.into_iter(), separator, line_end);
    }
    let start = start_seconds();
    for row in rows {
        push_timestamp(&mut text, start + 60 * row.minute, dialect.timestamp);
        for &c in columns {
            text.push(separator);
            match &row.cells[c] {
                Cell::Num(v, decimals) => push_fixed(&mut text, *v, *decimals, decimal),
                Cell::Int(v) => {
                    let _ = write!(text, "{v}");
                }
                Cell::Text(s) => push_field(&mut text, s, separator),
                Cell::Status(s) => push_field(&mut text, s, separator),
                Cell::Empty => {}
            }
        }
        text.push_str(line_end);
    }
    encode(&text, dialect.encoding)
}

fn write_fields<'a>(text: &mut String, fields: impl Iterator<Item = &'a str>, separator: char, line_end: &str) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            text.push(separator);
        }
        push_field(text, field, separator);
    }
    text.push_str(line_end);
}

/// Writes a text field, quoted when it holds the separator, a quote or a line break.
fn push_field(text: &mut String, field: &str, separator: char) {
    if field.contains([separator, '"', '\n', '\r']) {
        text.push('"');
        text.push_str(&field.replace('"', "\"\""));
        text.push('"');
    } else {
        text.push_str(field);
    }
}

fn push_timestamp(text: &mut String, seconds: i64, style: TimestampStyle) {
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let of_day = seconds.rem_euclid(86_400);
    let (hour, minute, second) = (of_day / 3600, of_day / 60 % 60, of_day % 60);
    let _ = match style {
        TimestampStyle::Iso => write!(text, "{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}"),
        TimestampStyle::IsoOffset => write!(text, "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}+01:00"),
        TimestampStyle::DayFirst => write!(text, "{day:02}.{month:02}.{year:04} {hour:02}:{minute:02}:{second:02}"),
        TimestampStyle::MonthFirst => write!(text, "{month:02}/{day:02}/{year:04} {hour:02}:{minute:02}"),
        TimestampStyle::EpochSeconds => write!(text, "{seconds}"),
        TimestampStyle::EpochMillis => write!(text, "{}", seconds * 1000),
    };
}

/// Fixed-point without going through float formatting: fast, and exact to the written digits.
fn push_fixed(text: &mut String, v: f64, decimals: usize, decimal: char) {
    let scale = 10u64.pow(decimals.min(9) as u32);
    let scaled = (v * scale as f64).round();
    if !scaled.is_finite() || scaled.abs() > 9.0e15 {
        let _ = write!(text, "{v}");
        return;
    }
    let units = scaled.abs() as u64;
    if scaled < 0.0 && units != 0 {
        text.push('-');
    }
    push_digits(text, units / scale, 1);
    if decimals > 0 {
        text.push(decimal);
        push_digits(text, units % scale, decimals.min(9));
    }
}

/// Decimal digits of `n`, zero-padded to `min_width` (at most 20).
fn push_digits(text: &mut String, mut n: u64, min_width: usize) {
    let mut digits = [b'0'; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    start = start.min(digits.len().saturating_sub(min_width));
    text.extend(digits[start..].iter().map(|&d| char::from(d)));
}

fn encode(text: &str, encoding: TextEncoding) -> Vec<u8> {
    match encoding {
        TextEncoding::Utf8 => text.as_bytes().to_vec(),
        TextEncoding::Utf8Bom => {
            let mut out = b"\xEF\xBB\xBF".to_vec();
            out.extend_from_slice(text.as_bytes());
            out
        }
        TextEncoding::Utf16Le => {
            let mut out = vec![0xFF, 0xFE];
            out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
            out
        }
        TextEncoding::Utf16Be => {
            let mut out = vec![0xFE, 0xFF];
            out.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
            out
        }
        TextEncoding::Windows1252 => text.chars().map(windows_1252_byte).collect(),
    }
}

/// The Windows-1252 byte of the characters the generator writes; `?` for anything else.
fn windows_1252_byte(c: char) -> u8 {
    match c {
        c if c.is_ascii() => c as u8,
        '°' => 0xB0,
        'µ' => 0xB5,
        '³' => 0xB3,
        '²' => 0xB2,
        _ => b'?',
    }
}

// ---------------------------------------------------------------------------------------------
// A month of a pump station
// ---------------------------------------------------------------------------------------------

/// Column names of [`pump_station_month`]'s export.
pub mod pump_station {
    pub const FLOW: &str = "FI-101 Flow";
    pub const CURRENT: &str = "II-101 Motor current";
    pub const SPEED: &str = "SI-101 Speed";
    pub const DISCHARGE_PRESSURE: &str = "PI-102 Discharge pressure";
    pub const BEARING_TEMPERATURE: &str = "TI-103 Bearing temp";
    pub const VIBRATION: &str = "VI-104 Vibration";
    /// The 0/1 failure label: 1 while a fault develops, up to the trip it ends in.
    pub const LABEL: &str = "P-101 Failure";
    /// Every column after the timestamp, in file order.
    pub const COLUMNS: [&str; 7] = [FLOW, CURRENT, SPEED, DISCHARGE_PRESSURE, BEARING_TEMPERATURE, VIBRATION, LABEL];
}

/// A span of the export's wall-clock time, in milliseconds since the epoch as the importer
/// reads the export's local timestamps (no zone), both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeSpan {
    pub from_ms: i64,
    pub to_ms: i64,
}

impl TimeSpan {
    pub fn contains(&self, ms: i64) -> bool {
        ms >= self.from_ms && ms <= self.to_ms
    }
}

/// What [`pump_station_month`] planted, for tests to check the cleaning against.
#[derive(Clone, Debug, PartialEq)]
pub struct PumpStationTruth {
    /// The pump stopped (after a trip, or planned): flow, motor current and speed read exactly
    /// 0 together. First and last stopped minute.
    pub stops: Vec<TimeSpan>,
    /// Stops that follow a trip at the end of a fault episode.
    pub trips: usize,
    /// The discharge pressure transmitter repeats one reading while the pump runs.
    pub stuck: TimeSpan,
    pub stuck_column: &'static str,
    /// No rows at all (the historian lost its connection): first and last missing minute.
    pub communication_gap: TimeSpan,
    /// The bearing temperature is logged in °F instead of °C.
    pub fahrenheit: TimeSpan,
    pub fahrenheit_column: &'static str,
    /// The repeated local hour when summer time ends: every minute in it is written twice.
    pub dst_repeat: TimeSpan,
    /// Fault episodes, where the label is 1.
    pub fault_episodes: Vec<TimeSpan>,
    /// Cells holding a historian status text instead of a reading.
    pub status_cells: usize,
    /// Rows written (the repeated hour included, the gap left out).
    pub rows: usize,
}

/// A messy historian export of one month (October 2023) of one-minute data from pump P-101,
/// as a German-locale workstation writes it: UTF-8 with BOM, `;` between fields, decimal
/// comma, a units row, `dd.mm.yyyy HH:MM:SS` local timestamps. Deterministic for a seed.
///
/// What is in it (see [`PumpStationTruth`] for the exact times):
/// - flow, motor current, speed, discharge pressure, bearing temperature, vibration and the
///   0/1 label [`pump_station::LABEL`];
/// - three fault episodes (vibration and bearing temperature rise for 8 h, label 1), each
///   ending in a trip, and a planned stop: the pump then stands for 3–5 h with flow, current
///   and speed exactly 0 together, the pressure at static head and the bearing cooling down;
/// - the discharge pressure transmitter stuck at one reading for 4 h while the pump runs;
/// - a 2 h communication gap (rows missing);
/// - the repeated hour 02:00–02:59 on 29 Oct when summer time ends;
/// - one week of the bearing temperature logged in °F;
/// - historian status texts ("Bad Input", "I/O Timeout") in a few dozen single cells.
pub fn pump_station_month(seed: u64) -> (Vec<u8>, PumpStationTruth) {
    use crate::generate::pump_station as ps;
    const DAYS: i64 = 31;
    let mut rng = Rng::new(seed);
    let start_day = days_from_civil(2023, 10, 1);
    // Wall-clock minute of the month for a day of October and a time of day.
    let wall = |day: i64, hour: i64, minute: i64| (day - 1) * 1440 + hour * 60 + minute;
    let ms = |wall_minute: i64| (start_day * 1440 + wall_minute) * 60_000;
    let span = |from: i64, to: i64| TimeSpan { from_ms: ms(from), to_ms: ms(to) };

    // Summer time ends on 29 Oct at 03:00 (CEST), when clocks go back to 02:00 (CET): the
    // minutes of elapsed time map onto wall-clock minutes with that hour twice.
    let clock_back = wall(29, 3, 0);
    let total_minutes = DAYS * 1440 + 60;
    let wall_of = |elapsed: i64| if elapsed < clock_back { elapsed } else { elapsed - 60 };

    // Fault episodes (wall-clock, end exclusive) and the stops that follow them.
    let episodes = [(wall(4, 18, 0), wall(5, 2, 0)), (wall(24, 8, 0), wall(24, 16, 0)), (wall(30, 20, 0), wall(31, 4, 0))];
    let stop_hours = [3, 4, 3];
    let mut stops: Vec<(i64, i64)> = episodes.iter().zip(stop_hours).map(|(&(_, trip), h)| (trip, trip + 60 * h)).collect();
    stops.insert(1, (wall(11, 6, 0), wall(11, 11, 0)));
    let stuck = (wall(14, 8, 0), wall(14, 12, 0));
    let gap = (wall(9, 10, 0), wall(9, 12, 0));
    let fahrenheit = (wall(16, 0, 0), wall(23, 0, 0));
    let inside = |spans: &[(i64, i64)], m: i64| spans.iter().any(|&(a, b)| m >= a && m < b);

    let decimal = ',';
    let separator = ';';
    let mut text = String::with_capacity(total_minutes as usize * 64);
    let mut header = vec![TIMESTAMP_COLUMN];
    header.extend(ps::COLUMNS);
    write_fields(&mut text, header.into_iter(), separator, "\n");
    write_fields(&mut text, ["", "m³/h", "A", "rpm", "bar", "°C", "mm/s", "-"].into_iter(), separator, "\n");

    let mut bearing = 55.0f64;
    let mut walk = 0.0f64;
    let mut stuck_value: Option<f64> = None;
    let mut status_cells = 0usize;
    let mut rows = 0usize;
    for elapsed in 0..total_minutes {
        let m = wall_of(elapsed);
        if m >= gap.0 && m < gap.1 {
            continue;
        }
        // Stops and episodes are in wall-clock time; none is near the repeated hour.
        let stopped = inside(&stops, m);
        let fault = episodes.iter().find(|&&(a, b)| m >= a && m < b).map(|&(a, b)| (m - a) as f64 / (b - a) as f64);
        let day = TAU * m as f64 / 1440.0;
        walk = 0.99 * walk + 0.02 * rng.normal();
        // Minutes since the last start (for a gentle ramp) or since the stop began.
        let since_start = stops.iter().filter(|&&(_, b)| b <= m).map(|&(_, b)| m - b).min().unwrap_or(i64::MAX);
        let ramp = if since_start < 3 { (since_start + 1) as f64 / 4.0 } else { 1.0 };
        let fault_level = fault.unwrap_or(0.0);

        let (flow, current, speed, pressure, vibration, target_temp);
        if stopped {
            flow = 0.0;
            current = 0.0;
            speed = 0.0;
            pressure = 1.1 + 0.03 * rng.normal();
            vibration = (0.05 + 0.02 * rng.normal()).abs();
            target_temp = 22.0;
        } else {
            let f = 120.0 + 6.0 * day.sin() + 8.0 * walk + 1.2 * rng.normal();
            flow = ramp * f;
            current = ramp * (80.0 + 0.12 * (f - 120.0) + 3.0 * fault_level + 0.6 * rng.normal());
            speed = ramp * (1485.0 + 1.5 * rng.normal());
            pressure = 1.1 + ramp * (5.1 + 0.01 * (f - 120.0) + 0.05 * rng.normal());
            vibration = 2.4 + 0.1 * (3.0 * day).sin() + 5.0 * fault_level * fault_level + 0.12 * rng.normal();
            target_temp = 56.0 + 2.0 * day.sin() + 8.0 * fault_level;
        }
        // The bearing follows its target with a 40-minute time constant.
        bearing += (target_temp - bearing) / 40.0;
        let mut temperature = bearing + 0.15 * rng.normal();
        if m >= fahrenheit.0 && m < fahrenheit.1 {
            temperature = 1.8 * temperature + 32.0;
        }
        let mut pressure_written = (pressure * 100.0).round() / 100.0;
        // The transmitter freezes at a reading that differs from its neighbours as written, so
        // the frozen run is exactly as long as planted.
        if m == stuck.0 - 1 {
            stuck_value = Some(pressure_written + 0.23);
        } else if m >= stuck.0 && m < stuck.1 {
            pressure_written = stuck_value.unwrap_or(pressure_written);
        } else if m == stuck.1 && stuck_value.is_some_and(|v| (v - pressure_written).abs() < 0.005) {
            pressure_written += 0.01;
        }
        let label = i64::from(fault.is_some());

        let seconds = (start_day * 1440 + m) * 60;
        push_timestamp(&mut text, seconds, TimestampStyle::DayFirst);
        let values = [(flow, 1), (current, 1), (speed, 1), (pressure_written, 2), (temperature, 1), (vibration, 2)];
        for (column, &(value, decimals)) in values.iter().enumerate() {
            text.push(separator);
            // About one cell in 1,500 is a status text; never in the stuck run, so its length
            // stays exact.
            let status_allowed = !(column == 3 && m >= stuck.0 - 1 && m <= stuck.1);
            if status_allowed && rng.unit() < 1.0 / 1500.0 {
                text.push_str(if rng.unit() < 0.5 { "Bad Input" } else { "I/O Timeout" });
                status_cells += 1;
            } else {
                push_fixed(&mut text, value, decimals, decimal);
            }
        }
        let _ = write!(text, "{separator}{label}");
        text.push('\n');
        rows += 1;
    }

    let truth = PumpStationTruth {
        stops: stops.iter().map(|&(a, b)| span(a, b - 1)).collect(),
        trips: episodes.len(),
        stuck: span(stuck.0, stuck.1 - 1),
        stuck_column: ps::DISCHARGE_PRESSURE,
        communication_gap: span(gap.0, gap.1 - 1),
        fahrenheit: span(fahrenheit.0, fahrenheit.1 - 1),
        fahrenheit_column: ps::BEARING_TEMPERATURE,
        dst_repeat: span(wall(29, 2, 0), wall(29, 2, 59)),
        fault_episodes: episodes.iter().map(|&(a, b)| span(a, b - 1)).collect(),
        status_cells,
        rows,
    };
    (encode(&text, TextEncoding::Utf8Bom), truth)
}

// ---------------------------------------------------------------------------------------------
// Benchmark data
// ---------------------------------------------------------------------------------------------

/// A clean wide table for benchmarks: an ISO `Timestamp` column at one-minute spacing and
/// `tags` float columns (temperatures, pressures, flows, speeds, …) with realistic levels,
/// slow cycles, drift and noise, written with two decimals (speeds one). Plain comma CSV.
pub fn wide_numeric_csv<W: std::io::Write>(out: W, rows: usize, tags: usize, seed: u64) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
    let mut rng = Rng::new(seed);
    let mut signals: Vec<WideTag> = (0..tags).map(|i| WideTag::new(i, &mut rng)).collect();
    let mut line = String::with_capacity(16 + tags * 10);
    line.push_str(TIMESTAMP_COLUMN);
    for tag in &signals {
        line.push(',');
        line.push_str(&tag.name);
    }
    line.push('\n');
    out.write_all(line.as_bytes())?;

    let start = start_seconds();
    let mut date = String::new();
    let mut date_of_day = i64::MIN;
    for i in 0..rows {
        line.clear();
        let seconds = start + 60 * i as i64;
        let day = seconds.div_euclid(86_400);
        if day != date_of_day {
            let (y, m, d) = civil_from_days(day);
            date = format!("{y:04}-{m:02}-{d:02}");
            date_of_day = day;
        }
        let of_day = seconds.rem_euclid(86_400);
        let _ = write!(line, "{date} {:02}:{:02}:00", of_day / 3600, of_day / 60 % 60);
        for tag in &mut signals {
            line.push(',');
            let v = tag.next(&mut rng);
            push_fixed(&mut line, v, tag.decimals, '.');
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    out.flush()
}

struct WideTag {
    name: String,
    level: f64,
    amplitude: f64,
    /// cos and sin of the cycle's current angle, advanced by a rotation each row (cheaper
    /// than calling `sin` fifty million times).
    phasor: (f64, f64),
    rotation: (f64, f64),
    noise: f64,
    drift: f64,
    walk: f64,
    decimals: usize,
}

impl WideTag {
    fn new(index: usize, rng: &mut Rng) -> Self {
        // (prefix, description, low and high level, noise relative to the level, decimals)
        const KINDS: [(&str, &str, f64, f64, f64, usize); 6] = [
            ("TI", "Temperature", 40.0, 90.0, 0.004, 2),
            ("PI", "Pressure", 2.0, 12.0, 0.005, 2),
            ("FI", "Flow", 50.0, 300.0, 0.006, 2),
            ("SI", "Speed", 900.0, 3000.0, 0.001, 1),
            ("LI", "Level", 20.0, 80.0, 0.003, 2),
            ("AI", "Analyser", 5.0, 500.0, 0.005, 2),
        ];
        let (prefix, description, lo, hi, noise, decimals) = KINDS[index % KINDS.len()];
        let level = lo + (hi - lo) * rng.unit();
        let phase = TAU * rng.unit();
        let step = TAU / (200.0 + 2000.0 * rng.unit());
        Self {
            name: format!("{prefix}-{:03} {description}", index + 1),
            level,
            amplitude: level * (0.01 + 0.04 * rng.unit()),
            phasor: (phase.cos(), phase.sin()),
            rotation: (step.cos(), step.sin()),
            noise: level * noise,
            drift: level * 0.0005,
            walk: 0.0,
            decimals,
        }
    }

    fn next(&mut self, rng: &mut Rng) -> f64 {
        let ((c, s), (dc, ds)) = (self.phasor, self.rotation);
        self.phasor = (c * dc - s * ds, s * dc + c * ds);
        // A uniform step of the same variance is enough for the slow drift.
        self.walk = 0.999 * self.walk + self.drift * (rng.unit() - 0.5) * 12f64.sqrt();
        self.level + self.amplitude * s + self.walk + self.noise * rng.quick_normal()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(v: f64, decimals: usize, decimal: char) -> String {
        let mut s = String::new();
        push_fixed(&mut s, v, decimals, decimal);
        s
    }

    #[test]
    fn fixed_point_numbers_are_written_exactly() {
        assert_eq!(fixed(62.345, 2, '.'), "62.35");
        assert_eq!(fixed(-9999.0, 2, ','), "-9999,00");
        assert_eq!(fixed(0.05, 3, '.'), "0.050");
        assert_eq!(fixed(-0.001, 2, '.'), "0.00");
        assert_eq!(fixed(1480.0, 0, '.'), "1480");
        assert_eq!(fixed(7.0, 1, ','), "7,0");
        assert_eq!(fixed(f64::NAN, 2, '.'), "NaN");
    }

    #[test]
    fn fault_events_keep_clear_of_the_unit_jump() {
        let mut rng = Rng::new(1);
        let clear = 1500..1620;
        for (start, len) in fault_events(5000, false, &clear, &mut rng) {
            assert!(start + len + DECAY_ROWS + 150 < clear.start || start.saturating_sub(RAMP_ROWS) > clear.end + 150);
        }
    }
}
