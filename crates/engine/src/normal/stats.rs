//! The few distribution quantiles the PCA limits need (normal and F), computed from their
//! series and continued fractions; accurate to ~1e-10, far below what a 99 % limit needs.

const SQRT_PI: f64 = 1.772_453_850_905_516;

/// The error function, from the series erf(x) = 2/√π·e^(−x²)·Σ 2ⁿx^(2n+1)/(1·3·…·(2n+1)),
/// whose terms are all positive (no cancellation). Saturates beyond |x| = 6.
pub fn erf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    let a = x.abs();
    if a > 6.0 {
        return x.signum();
    }
    let (mut term, mut sum) = (a, a);
    let mut n = 0.0;
    while n < 1000.0 {
        n += 1.0;
        term *= 2.0 * a * a / (2.0 * n + 1.0);
        sum += term;
        if term < 1e-17 * sum {
            break;
        }
    }
    let value = (2.0 / SQRT_PI * (-a * a).exp() * sum).min(1.0);
    value * x.signum()
}

/// The standard normal distribution function.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * (1.0 + erf(z / std::f64::consts::SQRT_2))
}

/// The standard normal quantile, by bisection of [`normal_cdf`] (p in (0, 1)).
pub fn normal_quantile(p: f64) -> f64 {
    bisect(normal_cdf, p, -9.0, 9.0)
}

/// ln Γ(x) for x > 0: the recurrence up to x ≥ 10, then Stirling's series.
pub fn ln_gamma(x: f64) -> f64 {
    let (mut x, mut shift) = (x, 0.0);
    while x < 10.0 {
        shift += x.ln();
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    let series = inv * (1.0 / 12.0 - inv2 * (1.0 / 360.0 - inv2 * (1.0 / 1260.0 - inv2 / 1680.0)));
    (x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln() + series - shift
}

/// The regularized incomplete beta function I_x(a, b), by its continued fraction (evaluated
/// with Lentz's method), on the side of x where it converges fast.
pub fn incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    if x > (a + 1.0) / (a + b + 2.0) {
        return 1.0 - incomplete_beta(1.0 - x, b, a);
    }
    let ln_front = a * x.ln() + b * (1.0 - x).ln() - (ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b));
    let front = ln_front.exp() / a;
    // K = 1 + d1/(1 + d2/(1 + …)); I = front / K.
    const TINY: f64 = 1e-300;
    let (mut f, mut c, mut d) = (1.0f64, 1.0f64, 0.0f64);
    for j in 1..2000 {
        let m = (j / 2) as f64;
        let coefficient = if j % 2 == 1 {
            -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0))
        } else {
            m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m))
        };
        d = 1.0 + coefficient * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + coefficient / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() < 1e-15 {
            break;
        }
    }
    front / f
}

/// The F distribution function with `d1`, `d2` degrees of freedom.
pub fn f_cdf(x: f64, d1: f64, d2: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    incomplete_beta(d1 * x / (d1 * x + d2), d1 / 2.0, d2 / 2.0)
}

/// The F quantile (p in (0, 1)).
pub fn f_quantile(p: f64, d1: f64, d2: f64) -> f64 {
    let mut hi = 1.0;
    while f_cdf(hi, d1, d2) < p && hi < 1e12 {
        hi *= 2.0;
    }
    bisect(|x| f_cdf(x, d1, d2), p, 0.0, hi)
}

/// The x in [lo, hi] where the increasing `cdf` reaches p.
fn bisect(cdf: impl Fn(f64) -> f64, p: f64, mut lo: f64, mut hi: f64) -> f64 {
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-12 * (1.0 + mid.abs()) {
            break;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_tables() {
        assert!((normal_quantile(0.99) - 2.326_347_874).abs() < 1e-8);
        assert!((normal_quantile(0.5)).abs() < 1e-10);
        assert!((normal_cdf(1.959_963_985) - 0.975).abs() < 1e-9);
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-12);
        assert!((ln_gamma(0.5) - SQRT_PI.ln()).abs() < 1e-12);
        // F(0.99; 9, 491) ≈ 2.4535 and F(0.95; 3, 10) = 3.7083 (tables).
        assert!((f_quantile(0.95, 3.0, 10.0) - 3.708_265).abs() < 1e-4);
        assert!((f_cdf(f_quantile(0.99, 9.0, 491.0), 9.0, 491.0) - 0.99).abs() < 1e-10);
        // A large second degree of freedom tends to χ²(d1)/d1: χ²(0.99; 9) = 21.666.
        assert!((9.0 * f_quantile(0.99, 9.0, 1e7) - 21.666).abs() < 0.01);
    }
}
