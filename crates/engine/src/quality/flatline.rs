//! `flatline`: a stuck transmitter repeats one value on a tag that otherwise varies. The same
//! pass over neighbouring samples also lists the rows that jumped, the candidates for the
//! spike and unit-jump checks.

#[derive(Debug, PartialEq)]
pub(super) struct FlatRun {
    pub(super) start: usize,
    pub(super) len: usize,
    pub(super) value: f64,
}

/// One pass over neighbouring samples. Returns the flat runs — at least `min_run` identical
/// consecutive values, reported only on a tag that otherwise changes from sample to sample
/// (outside the runs at most `max_repeat_share` of neighbour pairs repeat; missing values end
/// a run) — and the rows whose value differs from the previous finite one by more than `jump`.
pub(super) fn scan_neighbours(values: &[f64], min_run: usize, max_repeat_share: f64, jump: f64) -> (Vec<FlatRun>, Vec<usize>) {
    let min_run = min_run.max(2);
    let mut scan = if all_finite(values) { neighbours_all_finite(values, min_run, jump) } else { neighbours_with_gaps(values, min_run, jump) };
    let inside: usize = scan.runs.iter().map(|r| r.len - 1).sum();
    let outside_pairs = scan.pairs - inside;
    let outside_repeats = scan.repeats - inside;
    let varies = outside_pairs >= (2 * min_run).max(scan.pairs / 10) && (outside_repeats as f64) <= max_repeat_share * outside_pairs as f64;
    if !varies {
        scan.runs.clear();
    }
    (scan.runs, scan.jumps)
}

/// What one pass over neighbouring samples saw.
#[derive(Debug, PartialEq)]
struct NeighbourScan {
    /// Runs of at least `min_run` equal values.
    runs: Vec<FlatRun>,
    /// Rows that differ from the previous finite value by more than `jump`.
    jumps: Vec<usize>,
    /// Pairs of neighbouring finite values within a stretch without gaps, and how many repeat.
    pairs: usize,
    repeats: usize,
}

/// The scan for a column with missing or infinite values: they end a run, and a jump is
/// measured from the last finite value before it.
fn neighbours_with_gaps(values: &[f64], min_run: usize, jump: f64) -> NeighbourScan {
    let mut runs = Vec::new();
    let mut jumps = Vec::new();
    let (mut pairs, mut repeats) = (0usize, 0usize);
    let (mut start, mut len, mut value) = (0usize, 0usize, f64::NAN);
    // NaN until the first finite value, and NaN never compares as a jump.
    let mut last_finite = f64::NAN;
    for (row, &v) in values.iter().enumerate() {
        if !v.is_finite() {
            if len >= min_run {
                runs.push(FlatRun { start, len, value });
            }
            len = 0;
            continue;
        }
        if (v - last_finite).abs() > jump {
            jumps.push(row);
        }
        last_finite = v;
        if len > 0 {
            pairs += 1;
            if v == value {
                repeats += 1;
                len += 1;
                continue;
            }
            if len >= min_run {
                runs.push(FlatRun { start, len, value });
            }
        }
        (start, len, value) = (row, 1, v);
    }
    if len >= min_run {
        runs.push(FlatRun { start, len, value });
    }
    NeighbourScan { runs, jumps, pairs, repeats }
}

/// The scan for a column of finite values only (the usual case), 64 neighbour pairs at a time:
/// "equal" and "jumped" become bit masks in a branch-free loop, and only set bits are visited.
/// On noisy data whether a value repeats the last one is a coin toss, and a branch on it per
/// value cost more than the rest of the scan.
fn neighbours_all_finite(values: &[f64], min_run: usize, jump: f64) -> NeighbourScan {
    let mut runs = Vec::new();
    let mut jumps = Vec::new();
    let mut repeats = 0usize;
    // Row where the current run of equal values started.
    let mut run_start = 0usize;
    let mut row = 1usize;
    while row < values.len() {
        let end = (row + 64).min(values.len());
        let (mut equal, mut jumped) = (0u64, 0u64);
        for (bit, (&before, &now)) in values[row - 1..end - 1].iter().zip(&values[row..end]).enumerate() {
            equal |= u64::from(now == before) << bit;
            jumped |= u64::from((now - before).abs() > jump) << bit;
        }
        repeats += equal.count_ones() as usize;
        while jumped != 0 {
            jumps.push(row + jumped.trailing_zeros() as usize);
            jumped &= jumped - 1;
        }
        // Each pair that is not equal ends the run before it and starts a new one.
        let width = end - row;
        let mut breaks = !equal & (u64::MAX >> (64 - width));
        if breaks != 0 {
            let first = breaks.trailing_zeros() as usize;
            let last = 63 - breaks.leading_zeros() as usize;
            // Runs that start and end in this block are visited one by one only when one of
            // them is long enough; otherwise only the run carried in and the one carried on
            // matter (on noisy data nearly every pair is a break).
            let between = if last > first + 1 { equal & ((u64::MAX >> (63 - (last - 1))) & (u64::MAX << (first + 1))) } else { 0 };
            if !has_run_of_ones(between, min_run - 1) {
                end_run(&mut runs, values, run_start..row + first, min_run);
                run_start = row + last;
                breaks = 0;
            }
            while breaks != 0 {
                let at = row + breaks.trailing_zeros() as usize;
                end_run(&mut runs, values, run_start..at, min_run);
                run_start = at;
                breaks &= breaks - 1;
            }
        }
        row = end;
    }
    end_run(&mut runs, values, run_start..values.len(), min_run);
    NeighbourScan { runs, jumps, pairs: values.len().saturating_sub(1), repeats }
}

/// Records the run of equal values over `rows` when it holds at least `min_run` of them.
fn end_run(runs: &mut Vec<FlatRun>, values: &[f64], rows: std::ops::Range<usize>, min_run: usize) {
    if rows.len() >= min_run {
        runs.push(FlatRun { start: rows.start, len: rows.len(), value: values[rows.start] });
    }
}

/// Whether `bits` holds at least `count` (≥ 1) consecutive set bits: the mask is shifted onto
/// itself, doubling the run length covered each time.
fn has_run_of_ones(mut bits: u64, count: usize) -> bool {
    if count > 64 {
        return false;
    }
    let mut covered = 1;
    while covered < count && bits != 0 {
        let shift = covered.min(count - covered);
        bits &= bits >> shift;
        covered += shift;
    }
    bits != 0
}

/// Whether no value is NaN or infinite, in a loop the compiler can vectorise (no early exit
/// per value).
fn all_finite(values: &[f64]) -> bool {
    const EXPONENT: u64 = 0x7FF0_0000_0000_0000;
    values.chunks(256).all(|chunk| chunk.iter().fold(true, |ok, v| ok & (v.to_bits() & EXPONENT != EXPONENT)))
}

/// The last finite value before `row`.
pub(super) fn previous_finite(values: &[f64], row: usize) -> Option<f64> {
    values[..row.min(values.len())].iter().rev().copied().find(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::super::test_signals::{noisy, setpoint_and_follower};
    use super::*;

    fn flat_runs(values: &[f64], min_run: usize, max_repeat_share: f64) -> Vec<FlatRun> {
        scan_neighbours(values, min_run, max_repeat_share, f64::INFINITY).0
    }

    #[test]
    fn the_bit_mask_scan_agrees_with_the_value_by_value_scan() {
        // Quantised random walks with held stretches and steps: repeats, runs across the
        // 64-value blocks, runs at both ends, jumps, and ±0 (equal as floats).
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            state >> 33
        };
        for case in 0..300 {
            let len = [0, 1, 2, 63, 64, 65, 129, 1000, 5000][case % 9];
            let mut values = Vec::with_capacity(len);
            let mut level = 0.0f64;
            while values.len() < len {
                match next() % 10 {
                    0 => values.extend(std::iter::repeat_n(level, (next() % 150) as usize)),
                    1 => level += (next() % 100) as f64,
                    2 => values.push(if next() % 2 == 0 { 0.0 } else { -0.0 }),
                    _ => level += ((next() % 5) as f64 - 2.0) * 0.25,
                }
                values.push(level);
            }
            values.truncate(len);
            for (min_run, jump) in [(2, 0.3), (3, 0.5), (5, 1.0), (30, 10.0), (64, f64::INFINITY), (66, 2.0), (200, 0.0)] {
                assert_eq!(
                    neighbours_all_finite(&values, min_run, jump),
                    neighbours_with_gaps(&values, min_run, jump),
                    "case {case}, min_run {min_run}"
                );
            }
        }
    }

    #[test]
    fn runs_of_set_bits_are_found_like_counting_them() {
        let longest = |bits: u64| {
            let (mut best, mut now) = (0, 0);
            for i in 0..64 {
                now = if bits >> i & 1 == 1 { now + 1 } else { 0 };
                best = best.max(now);
            }
            best
        };
        let mut state = 12345u64;
        for _ in 0..20_000 {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            // Sparse, dense and mixed masks.
            let bits = match state % 3 {
                0 => state,
                1 => state | state.rotate_left(7) | state.rotate_left(19),
                _ => state & state.rotate_left(11),
            };
            for count in 1..=66 {
                assert_eq!(has_run_of_ones(bits, count), longest(bits) >= count, "{bits:064b}, {count}");
            }
        }
        assert!(has_run_of_ones(u64::MAX, 64) && !has_run_of_ones(u64::MAX, 65));
        assert!(all_finite(&[1.0; 1000]) && !all_finite(&[1.0, f64::NAN]) && !all_finite(&[f64::NEG_INFINITY]) && all_finite(&[]));
    }

    #[test]
    fn flatline_is_found_on_a_varying_tag_only() {
        let mut values = noisy(120.0, 0.8, 2000, 1);
        for v in &mut values[500..540] {
            *v = 118.25;
        }
        assert_eq!(flat_runs(&values, 30, 0.5), vec![FlatRun { start: 500, len: 40, value: 118.25 }]);
        // A run shorter than the threshold, or broken by a missing value, is not a flatline.
        values[520] = f64::NAN;
        assert!(flat_runs(&values, 30, 0.5).is_empty());
        assert!(flat_runs(&noisy(120.0, 0.8, 2000, 2), 30, 0.5).is_empty());
        // A setpoint holds its value for long stretches by design.
        let (setpoint, follower) = setpoint_and_follower(3000, 3);
        assert!(flat_runs(&setpoint, 30, 0.5).is_empty());
        assert!(flat_runs(&follower, 30, 0.5).is_empty());
    }
}
