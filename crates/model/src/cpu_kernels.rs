//! Small numeric kernels for the hand-written CPU training steps: a strided matrix product
//! (the `gemm` crate, which picks AVX2/FMA or AVX-512 code at run time), and row-wise
//! softmax, layer normalisation and GELU written so the compiler can vectorise them.
//!
//! `exp` and `erfc` are polynomial approximations accurate to a few parts in 10⁷ (relative),
//! branch-free so they vectorise; the standard library's versions are scalar calls.

use crate::{ModelError, Result};

/// A read-only matrix view: element `(r, c)` is `data[r·row_stride + c·col_stride]`.
#[derive(Clone, Copy)]
pub(crate) struct Mat<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a> Mat<'a> {
    /// A row-major `rows × cols` matrix at the start of `data`.
    pub fn new(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self { data, rows, cols, row_stride: cols, col_stride: 1 }
    }

    /// Rows of `cols` values, `row_stride` apart (a column block of a wider matrix).
    pub fn strided(data: &'a [f32], rows: usize, cols: usize, row_stride: usize) -> Self {
        Self { data, rows, cols, row_stride, col_stride: 1 }
    }

    /// The transpose (no copy).
    pub fn t(self) -> Self {
        Self { rows: self.cols, cols: self.rows, row_stride: self.col_stride, col_stride: self.row_stride, ..self }
    }
}

/// A writable matrix view with contiguous rows `row_stride` apart.
pub(crate) struct MatMut<'a> {
    data: &'a mut [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
}

impl<'a> MatMut<'a> {
    pub fn new(data: &'a mut [f32], rows: usize, cols: usize) -> Self {
        Self { data, rows, cols, row_stride: cols }
    }

    pub fn strided(data: &'a mut [f32], rows: usize, cols: usize, row_stride: usize) -> Self {
        Self { data, rows, cols, row_stride }
    }
}

/// Whether every element of a `rows × cols` view with these strides lies inside `len` values.
fn fits(len: usize, rows: usize, cols: usize, row_stride: usize, col_stride: usize) -> bool {
    if rows == 0 || cols == 0 {
        return true;
    }
    let last = (rows - 1).checked_mul(row_stride).and_then(|r| (cols - 1).checked_mul(col_stride).and_then(|c| r.checked_add(c)));
    matches!(last, Some(last) if last < len && isize::try_from(row_stride.max(col_stride)).is_ok())
}

/// `out = a·b`, or `out += a·b` with `accumulate`.
pub(crate) fn matmul(out: MatMut<'_>, a: Mat<'_>, b: Mat<'_>, accumulate: bool) -> Result<()> {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    let shapes_agree = b.rows == k && out.rows == m && out.cols == n;
    let inside = fits(a.data.len(), m, k, a.row_stride, a.col_stride)
        && fits(b.data.len(), k, n, b.row_stride, b.col_stride)
        && fits(out.data.len(), m, n, out.row_stride, 1);
    if !shapes_agree || !inside {
        return Err(ModelError::Backend(format!("matrix product of mismatched shapes {m}×{k} · {}×{n} → {}×{}", b.rows, out.rows, out.cols)));
    }
    if m == 0 || n == 0 {
        return Ok(());
    }
    if k == 0 {
        if !accumulate {
            for row in out.data.chunks_mut(out.row_stride).take(m) {
                row[..n].fill(0.0);
            }
        }
        return Ok(());
    }
    // Strides fit in isize (checked by `fits`).
    let stride = |s: usize| s as isize;
    #[allow(unsafe_code)]
    // SAFETY: `fits` checked above that every element the product reads (a: m×k, b: k×n) and
    // writes (out: m×n) with these strides lies inside its slice; `out` is borrowed mutably and
    // `a`, `b` shared, so the written memory overlaps neither input. No threads are used.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            out.data.as_mut_ptr(),
            1,
            stride(out.row_stride),
            accumulate,
            a.data.as_ptr(),
            stride(a.col_stride),
            stride(a.row_stride),
            b.data.as_ptr(),
            stride(b.col_stride),
            stride(b.row_stride),
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
    Ok(())
}

const LOG2_E: f32 = std::f32::consts::LOG2_E;
/// ln 2 split in two so `n·ln 2` is exact in its leading part.
const LN2_HIGH: f32 = 0.693_145_75;
const LN2_LOW: f32 = 1.428_606_8e-6;
/// 1.5·2²³: adding it rounds a float of magnitude below 2²² to an integer, in its low bits.
const ROUND_MAGIC: f32 = 12_582_912.0;

/// eˣ, relative error about 2·10⁻⁷; below −87 it gives about 10⁻³⁸ instead of underflowing,
/// NaN stays NaN.
#[inline(always)]
pub(crate) fn exp(x: f32) -> f32 {
    exp_of_sum(x, 0.0)
}

/// e^(high + low) for a small correction `low`, without rounding the sum first (so a large
/// argument given in two parts keeps its precision).
#[inline(always)]
fn exp_of_sum(high: f32, low: f32) -> f32 {
    let high = high.clamp(-87.0, 88.0);
    let shifted = (high + low) * LOG2_E + ROUND_MAGIC;
    let n = shifted - ROUND_MAGIC;
    let r = (high - n * LN2_HIGH) + low - n * LN2_LOW;
    let p = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    // The integer n sits in the low mantissa bits of `shifted`; 2ⁿ is built from its exponent.
    let n_bits = (shifted.to_bits() as i32).wrapping_sub(ROUND_MAGIC.to_bits() as i32).clamp(-126, 127);
    let scale = f32::from_bits((n_bits.wrapping_add(127) << 23) as u32);
    p * scale
}

/// The complementary error function, relative error about 10⁻⁶ or less everywhere (a
/// Chebyshev fit of erfc(z)·e^{z²} in t = 1/(1 + z/2), as in Numerical Recipes).
#[inline(always)]
pub(crate) fn erfc(x: f32) -> f32 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -1.265_512_2
        + t * (1.000_023_7
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06 + t * (0.278_868_07 + t * (-1.135_204 + t * (1.488_515_9 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    // z² exactly as z_high² (12 significant bits, so exact in f32) plus a small remainder.
    let z_high = f32::from_bits(z.to_bits() & 0xFFFF_F000);
    let z_low = z - z_high;
    let tail = t * exp_of_sum(-z_high * z_high, poly - z_low * (z + z_high));
    if x < 0.0 {
        2.0 - tail
    } else {
        tail
    }
}

const FRAC_1_SQRT_2: f32 = std::f32::consts::FRAC_1_SQRT_2;
/// 1/√(2π).
const INV_SQRT_2PI: f32 = 0.398_942_3;

/// Runs `work` compiled for the widest vector instructions this CPU has (AVX2 and FMA on
/// most x86 machines); the crate is otherwise built for the baseline x86-64.
#[inline(always)]
fn vectorized<R>(work: impl FnOnce() -> R) -> R {
    pulp::Arch::new().dispatch(work)
}

/// Partial sums kept per lane, so that sums vectorise (a single running sum cannot be
/// reordered by the compiler); the lanes are added in a fixed order.
const LANES: usize = 8;

#[inline(always)]
fn sum(values: &[f32]) -> f32 {
    let mut lanes = [0.0f32; LANES];
    let mut chunks = values.chunks_exact(LANES);
    for chunk in &mut chunks {
        for (l, v) in lanes.iter_mut().zip(chunk) {
            *l += v;
        }
    }
    lanes.iter().sum::<f32>() + chunks.remainder().iter().sum::<f32>()
}

#[inline(always)]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; LANES];
    let mut chunks = a.chunks_exact(LANES).zip(b.chunks_exact(LANES));
    for (x, y) in &mut chunks {
        for ((l, x), y) in lanes.iter_mut().zip(x).zip(y) {
            *l += x * y;
        }
    }
    let done = a.len().min(b.len()) / LANES * LANES;
    lanes.iter().sum::<f32>() + a[done..].iter().zip(&b[done..]).map(|(x, y)| x * y).sum::<f32>()
}

/// The largest value (NaN if any value is NaN, so a broken row stays visible).
#[inline(always)]
fn max(values: &[f32]) -> f32 {
    let mut lanes = [f32::NEG_INFINITY; LANES];
    let mut chunks = values.chunks_exact(LANES);
    for chunk in &mut chunks {
        for (l, &v) in lanes.iter_mut().zip(chunk) {
            *l = if v > *l || v.is_nan() { v } else { *l };
        }
    }
    let mut m = f32::NEG_INFINITY;
    for &v in lanes.iter().chain(chunks.remainder()) {
        m = if v > m || v.is_nan() { v } else { m };
    }
    m
}

/// Exact GELU `x·Φ(x)` in place, and its slope `Φ(x) + x·φ(x)` into `slope`.
pub(crate) fn gelu_with_slope(values: &mut [f32], slope: &mut [f32]) {
    vectorized(
        #[inline(always)]
        || {
            for (x, s) in values.iter_mut().zip(slope.iter_mut()) {
                let v = *x;
                let cdf = 0.5 * erfc(-v * FRAC_1_SQRT_2);
                let pdf = INV_SQRT_2PI * exp(-0.5 * v * v);
                *s = cdf + v * pdf;
                *x = v * cdf;
            }
        },
    )
}

/// Softmax of `scale · row` for each row of `cols` values, in place.
pub(crate) fn softmax_rows(values: &mut [f32], cols: usize, scale: f32) {
    vectorized(
        #[inline(always)]
        || {
            for row in values.chunks_exact_mut(cols) {
                let shift = max(row) * scale;
                for v in row.iter_mut() {
                    *v = exp(*v * scale - shift);
                }
                let inv = 1.0 / sum(row);
                for v in row.iter_mut() {
                    *v *= inv;
                }
            }
        },
    )
}

/// Gradient of a row-wise softmax with scaled input, in place: `grad` holds ∂L/∂p and becomes
/// ∂L/∂x = scale · p ⊙ (∂L/∂p − ⟨∂L/∂p, p⟩).
pub(crate) fn softmax_rows_backward(grad: &mut [f32], probs: &[f32], cols: usize, scale: f32) {
    vectorized(
        #[inline(always)]
        || {
            for (g, p) in grad.chunks_exact_mut(cols).zip(probs.chunks_exact(cols)) {
                let inner = dot(g, p);
                for (g, p) in g.iter_mut().zip(p) {
                    *g = scale * p * (*g - inner);
                }
            }
        },
    )
}

/// Layer normalisation of each row of `input` (biased variance, as burn and PyTorch), into
/// `out`; keeps the normalised rows (`hat`) and each row's 1/σ (`inv_std`) for the gradient.
pub(crate) fn layer_norm_rows(input: &[f32], gamma: &[f32], beta: &[f32], epsilon: f32, out: &mut [f32], hat: &mut [f32], inv_std: &mut [f32]) {
    let d = gamma.len();
    vectorized(
        #[inline(always)]
        || {
            let rows = input.chunks_exact(d).zip(out.chunks_exact_mut(d)).zip(hat.chunks_exact_mut(d)).zip(inv_std.iter_mut());
            for (((x, y), h), r) in rows {
                let mean = sum(x) / d as f32;
                for (h, x) in h.iter_mut().zip(x) {
                    *h = x - mean;
                }
                let rstd = 1.0 / (dot(h, h) / d as f32 + epsilon).sqrt();
                *r = rstd;
                for (((y, h), g), b) in y.iter_mut().zip(h.iter_mut()).zip(gamma).zip(beta) {
                    *h *= rstd;
                    *y = *h * g + b;
                }
            }
        },
    )
}

/// Gradient through [`layer_norm_rows`], in place: `grad` holds ∂L/∂out and becomes ∂L/∂input;
/// ∂L/∂γ and ∂L/∂β are added to `grad_gamma` and `grad_beta`.
pub(crate) fn layer_norm_rows_backward(grad: &mut [f32], hat: &[f32], inv_std: &[f32], gamma: &[f32], grad_gamma: &mut [f32], grad_beta: &mut [f32]) {
    let d = gamma.len();
    vectorized(
        #[inline(always)]
        || {
            for ((g, h), &rstd) in grad.chunks_exact_mut(d).zip(hat.chunks_exact(d)).zip(inv_std) {
                for (((gg, gb), g), h) in grad_gamma.iter_mut().zip(grad_beta.iter_mut()).zip(g.iter()).zip(h) {
                    *gg += g * h;
                    *gb += g;
                }
                for (g, gamma) in g.iter_mut().zip(gamma) {
                    *g *= gamma;
                }
                let mean_dh = sum(g) / d as f32;
                let mean_dh_h = dot(g, h) / d as f32;
                for (g, h) in g.iter_mut().zip(h) {
                    *g = rstd * (*g - mean_dh - h * mean_dh_h);
                }
            }
        },
    )
}

/// Every row of `out` (`bias.len()` values each) set to `bias`.
pub(crate) fn fill_rows(out: &mut [f32], bias: &[f32]) {
    for row in out.chunks_exact_mut(bias.len()) {
        row.copy_from_slice(bias);
    }
}

/// `out += other`, element-wise.
#[inline(always)]
pub(crate) fn add_assign(out: &mut [f32], other: &[f32]) {
    for (o, x) in out.iter_mut().zip(other) {
        *o += x;
    }
}

/// Adds the column sums of `m` (rows of `sums.len()` values) to `sums`.
pub(crate) fn add_column_sums(sums: &mut [f32], m: &[f32]) {
    vectorized(
        #[inline(always)]
        || {
            for row in m.chunks_exact(sums.len()) {
                add_assign(sums, row);
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relative(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs().max(f64::MIN_POSITIVE)
    }

    #[test]
    fn exp_is_accurate_over_the_range_used() {
        let mut worst: f64 = 0.0;
        for i in -87_000..=88_000 {
            let x = i as f32 / 1000.0;
            worst = worst.max(relative(f64::from(exp(x)), f64::from(x).exp()));
        }
        assert!(worst < 5e-7, "worst relative error {worst}");
        assert!(exp(f32::NAN).is_nan());
        assert!(exp(-1000.0) < 1e-37);
    }

    #[test]
    fn erfc_is_accurate_in_both_tails() {
        // Reference by a slowly converging but exact series/continued fraction in f64.
        fn erfc_ref(x: f64) -> f64 {
            if x < 0.0 {
                return 2.0 - erfc_ref(-x);
            }
            if x < 2.0 {
                // erf by its Taylor series.
                let mut sum = 0.0;
                let mut term = x;
                let mut k = 0.0;
                while term.abs() > 1e-18 {
                    sum += term / (2.0 * k + 1.0);
                    k += 1.0;
                    term *= -x * x / k;
                }
                1.0 - 2.0 / std::f64::consts::PI.sqrt() * sum
            } else {
                // Continued fraction, evaluated from the tail.
                let mut f = 0.0;
                for k in (1..200).rev() {
                    f = (k as f64 / 2.0) / (x + f);
                }
                (-x * x).exp() / std::f64::consts::PI.sqrt() / (x + f)
            }
        }
        let mut worst: f64 = 0.0;
        for i in -4000..=9000 {
            let x = i as f32 / 1000.0;
            worst = worst.max(relative(f64::from(erfc(x)), erfc_ref(f64::from(x))));
        }
        assert!(worst < 1e-6, "worst relative error {worst}");
    }

    #[test]
    fn strided_products_match_the_definition() {
        // a: 3×2 taken as every other column of a 3×4 block; b: 2×3 as the transpose of 3×2.
        let a_data: Vec<f32> = (0..12).map(|i| i as f32).collect();
        let b_data: Vec<f32> = (0..6).map(|i| (i as f32) * 0.5 - 1.0).collect();
        let a = Mat { data: &a_data[1..], rows: 3, cols: 2, row_stride: 4, col_stride: 2 };
        let b = Mat::new(&b_data, 3, 2).t();
        let mut out = vec![1.0; 3 * 5];
        matmul(MatMut::strided(&mut out, 3, 3, 5), a, b, true).unwrap();
        for r in 0..3 {
            for c in 0..3 {
                let expected: f32 = 1.0 + (0..2).map(|k| a_data[1 + r * 4 + k * 2] * b_data[c * 2 + k]).sum::<f32>();
                assert!((out[r * 5 + c] - expected).abs() < 1e-5);
            }
            assert_eq!(out[r * 5 + 3], 1.0, "columns outside the view are untouched");
        }
        assert!(matmul(MatMut::new(&mut out, 3, 3), a, Mat::new(&b_data, 3, 2), false).is_err());
    }
}
