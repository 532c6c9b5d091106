//! Behaviour of the whole crate: what the trees learn, determinism, early-stopping truncation,
//! class weights, and the checks on damaged models.

use crate::rng::SplitMix64;
use crate::{BoostParams, Booster, Ensemble, TreesError};

/// A uniform number in `[0, 1)`.
fn uniform(rng: &mut SplitMix64) -> f32 {
    (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32
}

/// Row-major `[n, f]` uniform features in `[-1, 1)`.
fn features(rng: &mut SplitMix64, n: usize, f: usize) -> Vec<f32> {
    (0..n * f).map(|_| 2.0 * uniform(rng) - 1.0).collect()
}

fn fit(params: BoostParams, classes: usize, x: &[f32], f: usize, labels: &[u32], weights: &[f32], rounds: usize) -> Booster {
    let mut booster = Booster::new(params, classes, x, labels.len(), f, labels, weights, None).unwrap();
    for _ in 0..rounds {
        booster.round().unwrap();
    }
    booster
}

/// The most probable class of each row.
fn predicted_classes(probs: &[f32], classes: usize) -> Vec<u32> {
    probs.chunks(classes).map(|p| (0..classes).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap() as u32).collect()
}

fn accuracy(predicted: &[u32], labels: &[u32]) -> f64 {
    predicted.iter().zip(labels).filter(|(p, l)| p == l).count() as f64 / labels.len() as f64
}

fn xor_data(seed: u64, n: usize) -> (Vec<f32>, Vec<u32>) {
    let mut rng = SplitMix64::new(seed);
    let x = features(&mut rng, n, 3);
    let labels = x.chunks(3).map(|row| u32::from((row[0] > 0.0) != (row[1] > 0.0))).collect();
    (x, labels)
}

#[test]
fn learns_xor_which_no_linear_model_can() {
    let (x, labels) = xor_data(1, 2000);
    let booster = fit(BoostParams::default(), 2, &x, 3, &labels, &vec![1.0; labels.len()], 60);
    let (test_x, test_labels) = xor_data(2, 2000);
    let probs = booster.ensemble().predict_proba(&test_x, test_labels.len()).unwrap();
    let test_accuracy = accuracy(&predicted_classes(&probs, 2), &test_labels);
    assert!(test_accuracy > 0.95, "XOR test accuracy {test_accuracy}");
    // The noise feature 2 gains far less than the two XOR features.
    let gain = booster.ensemble().feature_gain();
    assert_eq!(gain.len(), 3);
    assert!(gain[0] > 5.0 * gain[2] && gain[1] > 5.0 * gain[2], "{gain:?}");
}

fn bands_data(seed: u64, n: usize, classes: usize) -> (Vec<f32>, Vec<u32>) {
    let mut rng = SplitMix64::new(seed);
    let x = features(&mut rng, n, 4);
    // The class is the band of feature 2 that the row falls in.
    let labels = x.chunks(4).map(|row| (((row[2] + 1.0) / 2.0 * classes as f32) as u32).min(classes as u32 - 1)).collect();
    (x, labels)
}

#[test]
fn separates_several_classes_with_probabilities_summing_to_one() {
    let classes = 4;
    let (x, labels) = bands_data(3, 2000, classes);
    let booster = fit(BoostParams::default(), classes, &x, 4, &labels, &vec![1.0; labels.len()], 40);
    assert_eq!(booster.ensemble().round_trees(0).map(<[_]>::len), Some(classes), "one tree per class and round");
    let (test_x, test_labels) = bands_data(4, 2000, classes);
    let probs = booster.ensemble().predict_proba(&test_x, test_labels.len()).unwrap();
    assert_eq!(probs.len(), test_labels.len() * classes);
    for row in probs.chunks(classes) {
        let total: f32 = row.iter().sum();
        assert!((total - 1.0).abs() < 1e-5, "probabilities {row:?} sum to {total}");
    }
    let test_accuracy = accuracy(&predicted_classes(&probs, classes), &test_labels);
    assert!(test_accuracy > 0.97, "test accuracy {test_accuracy}");
}

#[test]
fn a_feature_missing_exactly_for_the_positive_class_is_used_with_missing_to_the_right() {
    let mut rng = SplitMix64::new(5);
    let n = 1000;
    let labels: Vec<u32> = (0..n).map(|i| u32::from(i % 3 == 0)).collect();
    let mut x = features(&mut rng, n, 2);
    for (row, &label) in labels.iter().enumerate() {
        if label == 1 {
            x[row * 2 + 1] = f32::NAN;
        }
    }
    let booster = fit(BoostParams::default(), 2, &x, 2, &labels, &vec![1.0; n], 20);
    let root = &booster.ensemble().round_trees(0).unwrap()[0];
    assert_eq!(root.feature[0], 1, "the root splits on the feature with missing values");
    assert!(!root.missing_left[0], "missing values go to the right");
    // Fresh rows: missing means positive whatever the other feature says.
    let test = [0.3, f32::NAN, -0.7, f32::NAN, 0.3, 0.5, -0.7, -0.9];
    let probs = booster.ensemble().predict_proba(&test, 4).unwrap();
    assert_eq!(predicted_classes(&probs, 2), [1, 1, 0, 0]);
}

fn subsampled(seed: u64) -> BoostParams {
    BoostParams { seed, subsample: 0.8, colsample: 0.7, ..BoostParams::default() }
}

#[test]
fn the_same_seed_repeats_exactly_and_another_seed_subsamples_differently() {
    let (x, labels) = bands_data(6, 1500, 3);
    let weights = vec![1.0; labels.len()];
    let json = |params: BoostParams| serde_json::to_string(fit(params, 3, &x, 4, &labels, &weights, 15).ensemble()).unwrap();
    let first = json(subsampled(7));
    assert_eq!(first, json(subsampled(7)));
    assert_ne!(first, json(subsampled(8)));
    // Without subsampling the seed is never used.
    let plain = |seed| BoostParams { seed, ..BoostParams::default() };
    assert_eq!(json(plain(1)), json(plain(2)));
}

#[test]
fn each_round_splits_only_on_its_sample_of_the_features() {
    let mut rng = SplitMix64::new(23);
    let (n, f) = (1500, 10);
    let x = features(&mut rng, n, f);
    // Every feature carries some signal, so a tree would use many of them if it could.
    let labels: Vec<u32> = x.chunks(f).map(|row| (row.iter().sum::<f32>() > 0.0) as u32 * 2 + u32::from(row[0] > row[1])).collect();
    let params = BoostParams { colsample: 0.3, ..BoostParams::default() };
    let booster = fit(params, 4, &x, f, &labels, &vec![1.0; n], 12);
    let mut used_overall = std::collections::BTreeSet::new();
    for round in 0..booster.rounds() {
        let used: std::collections::BTreeSet<u32> =
            booster.ensemble().round_trees(round).unwrap().iter().flat_map(|tree| tree.feature.iter().copied()).collect();
        assert!(used.len() <= 3, "round {round} used features {used:?}, 3 of 10 drawn");
        used_overall.extend(used);
    }
    assert!(used_overall.len() > 3, "other rounds draw other features: {used_overall:?}");
}

#[test]
fn results_do_not_depend_on_the_number_of_threads() {
    let (x, labels) = bands_data(9, 3000, 3);
    let weights = vec![1.0; labels.len()];
    let fit_on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let booster = fit(subsampled(3), 3, &x, 4, &labels, &weights, 10);
            (serde_json::to_string(booster.ensemble()).unwrap(), booster.train_probs())
        })
    };
    let one = fit_on(1);
    assert_eq!(one, fit_on(3));
}

#[test]
fn truncating_predicts_exactly_what_a_booster_stopped_there_predicts() {
    let (x, labels) = bands_data(10, 1200, 3);
    let (validation_x, _) = bands_data(11, 300, 3);
    let weights = vec![1.0; labels.len()];
    let start = || Booster::new(subsampled(4), 3, &x, labels.len(), 4, &labels, &weights, Some((&validation_x, 300))).unwrap();
    let mut stopped = start();
    for _ in 0..4 {
        stopped.round().unwrap();
    }
    let mut full = start();
    for _ in 0..12 {
        full.round().unwrap();
    }
    let mut truncated = full.ensemble().clone();
    truncated.truncate(4);
    assert_eq!(truncated.rounds(), 4);
    assert_eq!(&truncated, stopped.ensemble());
    let from_truncated = truncated.predict_proba(&validation_x, 300).unwrap();
    assert_eq!(from_truncated, stopped.validation_probs());
    assert_ne!(from_truncated, full.validation_probs());
    // The booster's running scores agree to the bit with prediction from scratch.
    assert_eq!(full.validation_probs(), full.ensemble().predict_proba(&validation_x, 300).unwrap());
    assert_eq!(full.train_probs(), full.ensemble().predict_proba(&x, labels.len()).unwrap());
}

#[test]
fn the_training_loss_falls_round_after_round() {
    let (x, labels) = xor_data(12, 1000);
    let mut booster = Booster::new(BoostParams::default(), 2, &x, 1000, 3, &labels, &vec![1.0; 1000], None).unwrap();
    let losses: Vec<f64> = (0..20).map(|_| booster.round().unwrap().train_loss).collect();
    assert!(losses[0] < std::f64::consts::LN_2 + 1e-9, "first loss {}", losses[0]);
    assert!(losses.windows(2).all(|pair| pair[1] < pair[0]), "{losses:?}");
    assert_eq!(booster.rounds(), 20);
}

/// A rare class (2 %) that lives in the upper half of feature 0, among many more rows of the
/// common class: unweighted, the common class wins there; weighted up, the rare one does.
fn rare_class_data(seed: u64, n: usize) -> (Vec<f32>, Vec<u32>) {
    let mut rng = SplitMix64::new(seed);
    let labels: Vec<u32> = (0..n).map(|i| u32::from(i % 50 == 0)).collect();
    let x =
        labels.iter().flat_map(|&label| [if label == 1 { 0.5 + 0.5 * uniform(&mut rng) } else { uniform(&mut rng) }, uniform(&mut rng)]).collect();
    (x, labels)
}

fn recall(predicted: &[u32], labels: &[u32]) -> f64 {
    let positives = labels.iter().filter(|&&l| l == 1).count();
    predicted.iter().zip(labels).filter(|(&p, &l)| p == 1 && l == 1).count() as f64 / positives as f64
}

#[test]
fn weighting_a_rare_class_up_raises_its_recall() {
    let (x, labels) = rare_class_data(13, 10_000);
    let params = BoostParams { min_samples_leaf: 100, max_leaves: 8, ..BoostParams::default() };
    let plain = fit(params.clone(), 2, &x, 2, &labels, &vec![1.0; labels.len()], 20);
    let balanced_weights: Vec<f32> = labels.iter().map(|&l| if l == 1 { 49.0 } else { 1.0 }).collect();
    let weighted = fit(params, 2, &x, 2, &labels, &balanced_weights, 20);
    let (test_x, test_labels) = rare_class_data(14, 20_000);
    let recall_of = |booster: &Booster| recall(&predicted_classes(&booster.ensemble().predict_proba(&test_x, 20_000).unwrap(), 2), &test_labels);
    let (plain_recall, weighted_recall) = (recall_of(&plain), recall_of(&weighted));
    assert!(weighted_recall > plain_recall + 0.5, "recall {plain_recall} unweighted, {weighted_recall} weighted");
}

#[test]
fn constant_features_never_split() {
    let (mut x, labels) = xor_data(15, 800);
    for row in x.chunks_mut(3) {
        row[2] = 4.0;
    }
    let booster = fit(BoostParams::default(), 2, &x, 3, &labels, &vec![1.0; 800], 10);
    assert!(booster.ensemble().rounds.iter().flatten().all(|tree| tree.feature.iter().all(|&feature| feature != 2)));
    assert_eq!(booster.ensemble().feature_gain()[2], 0.0);
}

#[test]
fn trees_respect_max_leaves_max_depth_and_min_samples_leaf() {
    let (x, labels) = bands_data(16, 2000, 5);
    let params = BoostParams { max_leaves: 6, max_depth: Some(2), min_samples_leaf: 150, ..BoostParams::default() };
    let booster = fit(params, 5, &x, 4, &labels, &vec![1.0; 2000], 3);
    for tree in booster.ensemble().rounds.iter().flatten() {
        assert!(tree.leaves() <= 4, "depth 2 allows 4 leaves, got {}", tree.leaves());
        assert!(tree.leaves() >= 2);
    }
    let params = BoostParams { max_leaves: 3, min_samples_leaf: 700, ..BoostParams::default() };
    let booster = fit(params, 5, &x, 4, &labels, &vec![1.0; 2000], 1);
    let rows: Vec<f32> = x.clone();
    for tree in &booster.ensemble().rounds[0] {
        assert!(tree.leaves() <= 2, "two leaves of 700 rows out of 2000 leave no third");
        let mut per_leaf = vec![0usize; tree.leaves()];
        for row in rows.chunks(4) {
            per_leaf[tree.leaf_of(row).unwrap()] += 1;
        }
        assert!(per_leaf.iter().all(|&count| count >= 700 || tree.leaves() == 1), "{per_leaf:?}");
    }
}

#[test]
fn a_saved_model_loads_back_and_predicts_the_same() {
    let (x, labels) = bands_data(17, 1000, 3);
    let booster = fit(BoostParams::default(), 3, &x, 4, &labels, &vec![1.0; 1000], 8);
    let loaded: Ensemble = serde_json::from_str(&serde_json::to_string(booster.ensemble()).unwrap()).unwrap();
    loaded.check().unwrap();
    assert_eq!(&loaded, booster.ensemble(), "every number survives JSON exactly");
    assert_eq!(loaded.predict_proba(&x, 1000).unwrap(), booster.ensemble().predict_proba(&x, 1000).unwrap());
    assert_eq!((loaded.classes(), loaded.features(), loaded.rounds()), (3, 4, 8));
}

/// A small trained binary model to damage.
fn small_model() -> Ensemble {
    let (x, labels) = xor_data(18, 500);
    let booster = fit(BoostParams { min_samples_leaf: 5, ..BoostParams::default() }, 2, &x, 3, &labels, &vec![1.0; 500], 3);
    let model = booster.into_ensemble();
    assert!(model.rounds[0][0].splits() >= 3, "the damage below needs a few splits");
    model
}

#[test]
fn check_rejects_damaged_models_and_prediction_never_panics_on_them() {
    let x = [0.1f32, -0.2, 0.3, 0.9, 0.8, -0.7];
    let intact = small_model();
    intact.check().unwrap();
    type Damage = fn(&mut Ensemble);
    let damages: [(&str, Damage); 11] = [
        ("a child pointing backwards", |m| m.rounds[0][0].left[1] = 0),
        ("a child pointing at itself", |m| m.rounds[0][0].right[1] = 1),
        ("a split index out of range", |m| m.rounds[0][0].left[0] = 1000),
        ("a leaf index out of range", |m| m.rounds[0][0].right[0] = !1000),
        ("a NaN leaf", |m| m.rounds[0][0].leaf_value[0] = f32::NAN),
        ("a feature index out of range", |m| m.rounds[0][0].feature[0] = 3),
        ("arrays of different lengths", |m| {
            m.rounds[0][0].threshold.pop();
        }),
        ("a round without its tree", |m| m.rounds[1].clear()),
        ("a NaN node value", |m| m.rounds[0][0].node_value[0] = f32::NAN),
        ("node values missing for some splits", |m| {
            m.rounds[0][0].node_value.pop();
        }),
        ("an absurd class count", |m| m.classes = usize::MAX),
    ];
    for (what, damage) in damages {
        let mut model = intact.clone();
        damage(&mut model);
        let reason = model.check().expect_err(what);
        assert!(!reason.is_empty() && !reason.contains('\n'), "{what}: {reason}");
        // Unchecked, prediction gives an error or probabilities, never a panic.
        if let Ok(probs) = model.predict_proba(&x, 2) {
            assert_eq!(probs.len(), 4, "{what}");
        }
        if let Ok(attribution) = model.attribute(&x[..3]) {
            assert_eq!(attribution.contributions.len(), 3, "{what}");
        }
    }
    // A cycle that prediction would otherwise walk forever.
    let mut cyclic = intact.clone();
    let tree = &mut cyclic.rounds[0][0];
    tree.left[0] = 0;
    tree.right[0] = 0;
    assert!(cyclic.check().is_err());
    assert!(matches!(cyclic.predict_proba(&x, 2), Err(TreesError::DamagedModel(_))));
}

/// The raw scores of one row, from its attribution: bias plus the features' contributions.
fn raw_from(attribution: &crate::Attribution, features: usize) -> Vec<f64> {
    attribution.bias.iter().enumerate().map(|(k, b)| b + attribution.contributions[k * features..(k + 1) * features].iter().sum::<f64>()).collect()
}

#[test]
fn attributions_add_up_to_the_prediction_and_credit_the_features_that_matter() {
    // Two classes: the log-odds are the bias plus the contributions, exactly.
    let (x, labels) = xor_data(21, 2000);
    let booster = fit(BoostParams::default(), 2, &x, 3, &labels, &vec![1.0; labels.len()], 30);
    let model = booster.ensemble();
    assert!(model.attributes());
    let (test_x, _) = xor_data(22, 200);
    let probs = model.predict_proba(&test_x, 200).unwrap();
    let mut noise_share = 0.0;
    let mut total = 0.0;
    for (row, p) in test_x.chunks(3).zip(probs.chunks(2)) {
        let attribution = model.attribute(row).unwrap();
        let raw = raw_from(&attribution, 3)[0];
        let positive = 1.0 / (1.0 + (-raw).exp());
        assert!((positive - f64::from(p[1])).abs() < 1e-5, "{positive} vs {}", p[1]);
        noise_share += attribution.contributions[2].abs();
        total += attribution.contributions.iter().map(|c| c.abs()).sum::<f64>();
    }
    assert!(noise_share < 0.1 * total, "the noise feature takes {noise_share} of {total}");

    // Several classes: one row of contributions per class; the band feature 2 carries them.
    let classes = 3;
    let (x, labels) = bands_data(23, 1500, classes);
    let booster = fit(BoostParams::default(), classes, &x, 4, &labels, &vec![1.0; labels.len()], 20);
    let model = booster.ensemble();
    let (test_x, _) = bands_data(24, 100, classes);
    let probs = model.predict_proba(&test_x, 100).unwrap();
    for (row, p) in test_x.chunks(4).zip(probs.chunks(classes)) {
        let attribution = model.attribute(row).unwrap();
        assert_eq!(attribution.contributions.len(), classes * 4);
        let raw = raw_from(&attribution, 4);
        let largest = raw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let total: f64 = raw.iter().map(|r| (r - largest).exp()).sum();
        for (k, r) in raw.iter().enumerate() {
            assert!(((r - largest).exp() / total - f64::from(p[k])).abs() < 1e-5);
        }
        let band: f64 = (0..classes).map(|k| attribution.contributions[k * 4 + 2].abs()).sum();
        let others: f64 = (0..classes).map(|k| attribution.contributions[k * 4..k * 4 + 4].iter().map(|c| c.abs()).sum::<f64>()).sum::<f64>() - band;
        assert!(band > 3.0 * others, "band {band}, others {others}");
    }
}

#[test]
fn a_model_saved_without_node_values_predicts_but_does_not_attribute() {
    let model = small_model();
    let mut json: serde_json::Value = serde_json::to_value(&model).unwrap();
    for round in json["rounds"].as_array_mut().unwrap() {
        for tree in round.as_array_mut().unwrap() {
            tree.as_object_mut().unwrap().remove("node_value");
        }
    }
    let old: Ensemble = serde_json::from_value(json).unwrap();
    old.check().unwrap();
    let x = [0.1f32, -0.2, 0.3];
    assert_eq!(old.predict_proba(&x, 1).unwrap(), model.predict_proba(&x, 1).unwrap());
    assert!(!old.attributes() && model.attributes());
    assert!(matches!(old.attribute(&x), Err(TreesError::DamagedModel(_))));
}

#[test]
fn wrong_input_gives_errors_not_panics() {
    let model = small_model();
    let too_narrow = [0.0f32; 4];
    assert!(matches!(model.predict_proba(&too_narrow, 2), Err(TreesError::FeatureCountMismatch { rows: 2, found: 4, expected: 3 })));
    assert!(model.predict_proba(&[0.0; 3], usize::MAX).is_err());
    assert_eq!(model.predict_proba(&[], 0).unwrap(), Vec::<f32>::new());

    let x = [0.0f32; 6];
    let new = |params: BoostParams, classes: usize, labels: &[u32], weights: &[f32], validation: Option<(&[f32], usize)>| {
        Booster::new(params, classes, &x, 2, 3, labels, weights, validation).err()
    };
    let ok = BoostParams::default;
    assert!(new(ok(), 2, &[0, 1], &[1.0, 1.0], None).is_none());
    assert_eq!(new(ok(), 2, &[0, 2], &[1.0, 1.0], None), Some(TreesError::LabelOutOfRange { row: 1, label: 2, classes: 2 }));
    assert_eq!(new(ok(), 1, &[0, 0], &[1.0, 1.0], None), Some(TreesError::ClassCount { classes: 1 }));
    assert!(matches!(new(ok(), 2, &[0], &[1.0, 1.0], None), Some(TreesError::ShapeMismatch { expected: 2, found: 1, .. })));
    assert!(matches!(new(ok(), 2, &[0, 1], &[1.0, f32::NAN], None), Some(TreesError::InvalidWeight { row: 1, .. })));
    assert!(matches!(new(ok(), 2, &[0, 1], &[1.0, -1.0], None), Some(TreesError::InvalidWeight { row: 1, .. })));
    assert_eq!(new(ok(), 2, &[0, 1], &[0.0, 0.0], None), Some(TreesError::ZeroTotalWeight));
    assert!(matches!(new(ok(), 2, &[0, 1], &[1.0, 1.0], Some((&[0.0; 5], 2))), Some(TreesError::ShapeMismatch { expected: 6, found: 5, .. })));
    let bad_params = [
        BoostParams { learning_rate: 0.0, ..ok() },
        BoostParams { learning_rate: f64::NAN, ..ok() },
        BoostParams { max_leaves: 1, ..ok() },
        BoostParams { max_depth: Some(0), ..ok() },
        BoostParams { min_samples_leaf: 0, ..ok() },
        BoostParams { l2: -1.0, ..ok() },
        BoostParams { max_bins: 256, ..ok() },
        BoostParams { max_bins: 1, ..ok() },
        BoostParams { subsample: 0.0, ..ok() },
        BoostParams { colsample: 1.5, ..ok() },
    ];
    for params in bad_params {
        assert!(matches!(new(params.clone(), 2, &[0, 1], &[1.0, 1.0], None), Some(TreesError::InvalidParam { .. })), "{params:?}");
    }
    assert_eq!(Booster::new(ok(), 2, &[], 0, 3, &[], &[], None).err(), Some(TreesError::NoRows));
    assert_eq!(Booster::new(ok(), 2, &[], 2, 0, &[0, 1], &[1.0, 1.0], None).err(), Some(TreesError::NoFeatures));
    let wide = crate::MAX_FEATURES + 1;
    assert_eq!(Booster::new(ok(), 2, &vec![0.0; wide], 1, wide, &[0], &[1.0], None).err(), Some(TreesError::TooManyFeatures { features: wide }));
}

#[test]
fn a_class_absent_from_training_gets_a_finite_small_probability() {
    let (x, labels) = bands_data(19, 600, 3);
    // Three classes declared, class 2 never seen (relabelled to 1).
    let labels: Vec<u32> = labels.iter().map(|&l| l.min(1)).collect();
    let booster = fit(BoostParams::default(), 3, &x, 4, &labels, &vec![1.0; 600], 5);
    let probs = booster.ensemble().predict_proba(&x, 600).unwrap();
    assert!(probs.iter().all(|p| p.is_finite()));
    assert!(probs.chunks(3).all(|p| p[2] < 1e-3), "the unseen class stays improbable");
}

/// Speed of one round at the size the engine meets on windowed plant data: 20,000 rows × 400
/// features × 22 classes. Run with `cargo test --locked -p plantlab-trees --lib -- --ignored
/// one_round_speed --nocapture`.
#[test]
#[ignore = "a timing, not a check; prints figures"]
fn one_round_speed() {
    let (n, f, classes) = (20_000, 400, 22);
    let mut rng = SplitMix64::new(20);
    let x = features(&mut rng, n, f);
    let labels: Vec<u32> = x.chunks(f).map(|row| ((row[0] + 1.0) * 5.0 + (row[1] + 1.0) * 6.0) as u32 % classes as u32).collect();
    let weights = vec![1.0f32; n];
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let started = std::time::Instant::now();
            let mut booster = Booster::new(BoostParams::default(), classes, &x, n, f, &labels, &weights, None).unwrap();
            let setup = started.elapsed();
            let mut times = Vec::new();
            for _ in 0..3 {
                let round_started = std::time::Instant::now();
                booster.round().unwrap();
                times.push(round_started.elapsed().as_secs_f64());
            }
            println!("{threads} thread(s): binning {:.3} s, rounds {:?} s", setup.as_secs_f64(), times);
        });
    }
}
