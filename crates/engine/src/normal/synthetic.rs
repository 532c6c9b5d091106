//! A generated multivariate process with known faults, for tests and demos of the
//! normal-operation models: a few slow latent factors (first-order autoregressive) drive
//! correlated tags with sensor noise, so both the correlation between tags and the dynamics
//! from one step to the next are learnable. Deterministic for a seed.

use super::TagMatrix;

/// A small deterministic generator (64-bit LCG with a xorshift output).
pub struct Noise(u64);

impl Noise {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(0x2545_F491_4F6C_DD1D))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let x = self.0;
        (x ^ (x >> 29)).wrapping_mul(0xBF58_476D_1CE4_E5B9) ^ (x >> 32)
    }

    /// Uniform in (0, 1).
    pub fn unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.unit(), self.unit());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// A fault planted into a generated stream from `onset` to the end.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fault {
    /// The tag drifts away linearly, by `per_step` of its normal standard deviation a step.
    Drift { tag: usize, onset: usize, per_step: f64 },
    /// The sensor freezes at its value at the onset.
    Stuck { tag: usize, onset: usize },
    /// The tag jumps by `size` of its normal standard deviation.
    Step { tag: usize, onset: usize, size: f64 },
}

impl Fault {
    pub fn tag(&self) -> usize {
        match *self {
            Fault::Drift { tag, .. } | Fault::Stuck { tag, .. } | Fault::Step { tag, .. } => tag,
        }
    }

    pub fn onset(&self) -> usize {
        match *self {
            Fault::Drift { onset, .. } | Fault::Stuck { onset, .. } | Fault::Step { onset, .. } => onset,
        }
    }
}

/// Tags of the generated process.
pub const SYNTHETIC_TAGS: usize = 8;
const FACTORS: usize = 3;

/// `rows` steps of the process with `faults` planted. The process itself (its loadings)
/// depends only on `plant_seed`; `noise_seed` varies the run, so two runs of one plant share
/// their normal behaviour.
pub fn process(rows: usize, plant_seed: u64, noise_seed: u64, faults: &[Fault]) -> TagMatrix {
    let mut plant = Noise::new(plant_seed);
    let loadings: Vec<f64> = (0..SYNTHETIC_TAGS * FACTORS).map(|_| plant.normal()).collect();
    let levels: Vec<f64> = (0..SYNTHETIC_TAGS).map(|i| 50.0 + 10.0 * i as f64).collect();
    let mut rng = Noise::new(noise_seed);
    let mut z = [0.0f64; FACTORS];
    let mut values = Vec::with_capacity(rows * SYNTHETIC_TAGS);
    // The normal standard deviation of each tag, for sizing the faults: loadings² × the
    // factors' stationary variance (0.3² / (1 − 0.95²)) + the sensor noise.
    let factor_var = 0.09 / (1.0 - 0.95 * 0.95);
    let tag_std: Vec<f64> =
        (0..SYNTHETIC_TAGS).map(|i| ((0..FACTORS).map(|j| loadings[i * FACTORS + j].powi(2)).sum::<f64>() * factor_var + 0.01).sqrt()).collect();
    let mut frozen = [f64::NAN; SYNTHETIC_TAGS];
    for t in 0..rows {
        for zj in z.iter_mut() {
            *zj = 0.95 * *zj + 0.3 * rng.normal();
        }
        for i in 0..SYNTHETIC_TAGS {
            let mut v = levels[i] + (0..FACTORS).map(|j| loadings[i * FACTORS + j] * z[j]).sum::<f64>() + 0.1 * rng.normal();
            for fault in faults {
                if fault.tag() != i || t < fault.onset() {
                    continue;
                }
                match *fault {
                    Fault::Drift { onset, per_step, .. } => v += per_step * tag_std[i] * (t - onset) as f64,
                    Fault::Step { size, .. } => v += size * tag_std[i],
                    Fault::Stuck { .. } => {
                        if frozen[i].is_nan() {
                            frozen[i] = v;
                        }
                        v = frozen[i];
                    }
                }
            }
            values.push(v);
        }
    }
    let tags = (0..SYNTHETIC_TAGS).map(|i| format!("tag{i}")).collect();
    TagMatrix { tags, rows, values }
}
