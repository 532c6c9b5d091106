//! The report from hand-built protocol values: sections, escaping, numbers, offline-ness and
//! bounded chart sizes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use plantlab_protocol::*;
use plantlab_report::{html_report, html_report_in, run_report_title, Lang, ReportInput};

const NASTY_TAG: &str = r#"<TI-101 & "x">"#;
const NASTY_TAG_ESCAPED: &str = "&lt;TI-101 &amp; &quot;x&quot;&gt;";
const HEADINGS: [&str; 7] = ["Data quality", "Cleaning recipe", "Training", "Evaluation", "Event-level scoring", "Risk timeline", "Alarms"];

// 2026-11-28 10:15:00 UTC
const T0: i64 = 1_795_860_900_000;
const HOUR_MS: i64 = 3_600_000;

fn import_settings() -> ImportSettings {
    ImportSettings {
        delimiter: ';',
        decimal: ',',
        encoding: "windows-1252".into(),
        encoding_confidence: None,
        header_rows: 2,
        timestamp_column: Some("Time".into()),
        timestamp_format: Some("%d.%m.%Y %H:%M:%S".into()),
        status_strings: vec!["Bad Input".into()],
        sheet: None,
        names: None,
        column_widths: None,
    }
}

fn quality() -> QualityReport {
    QualityReport {
        rows: 52_560,
        columns: vec![ColumnProfile {
            name: NASTY_TAG.into(),
            dtype: "f64".into(),
            unit: Some("°C".into()),
            null_count: 12,
            status_text_count: 3,
            min: Some(20.0),
            max: Some(95.0),
            mean: Some(61.0),
            std: Some(7.5),
        }],
        timestamp_column: Some("Time".into()),
        sampling_interval_s: Some(600.0),
        import: import_settings(),
        import_warnings: vec!["Units row found under the header.".into()],
        import_warning_codes: Vec::new(),
        findings: vec![
            Finding {
                kind: FindingKind::Spike,
                column: Some(NASTY_TAG.into()),
                count: 17,
                severity: Severity::Warning,
                examples: vec!["2026-03-01 04:10:00".into()],
                rows: vec![8_665],
                message: "17 spikes more than 6 robust standard deviations from the local median.".into(),
                variant: String::new(),
                args: Default::default(),
            },
            Finding {
                kind: FindingKind::DuplicateTimestamps,
                column: None,
                count: 6,
                severity: Severity::Error,
                examples: vec!["2026-10-25 02:30:00".into()],
                rows: vec![42_000],
                message: "6 timestamps repeat (DST fall-back).".into(),
                variant: String::new(),
                args: Default::default(),
            },
        ],
    }
}

fn recipe() -> Recipe {
    Recipe {
        schema_version: RECIPE_SCHEMA_VERSION,
        import: import_settings(),
        train_fraction: 0.7,
        label: Some("fault_ahead".into()),
        steps: vec![
            RecipeStep::new(CleanStep::SortByTime),
            RecipeStep::new(CleanStep::ResolveDuplicateTimestamps { keep: DuplicateKeep::Mean }),
            RecipeStep {
                step: CleanStep::Fill { columns: vec![NASTY_TAG.into()], method: FillMethod::Interpolate { limit: Some(6) } },
                enabled: false,
                fitted: None,
            },
            RecipeStep::new(CleanStep::DeriveLabel {
                name: "fault_ahead".into(),
                source: LabelSource::Column { column: "fault".into() },
                horizon_h: 6.0,
                during_event: true,
            }),
        ],
    }
}

fn epoch(n: u32, train_loss: f64, val_loss: f64, best: bool) -> EpochMetrics {
    EpochMetrics {
        epoch: n,
        train_loss,
        train_accuracy: 0.80 + 0.02 * f64::from(n),
        val_loss,
        val_accuracy: 0.78 + 0.015 * f64::from(n),
        val_roc_auc: Some(0.85),
        val_pr_auc: Some(0.40),
        best,
        seconds: 2.5,
        samples_per_s: 14_000.0,
    }
}

fn metrics(accuracy: f64, roc_auc: Option<f64>, confusion: Vec<Vec<u64>>) -> ClassMetrics {
    ClassMetrics {
        samples: confusion.iter().flatten().sum(),
        loss: None,
        accuracy,
        balanced_accuracy: 0.5,
        precision: 0.0,
        recall: 0.0,
        f1: 0.0,
        roc_auc,
        pr_auc: roc_auc.map(|v| v / 2.0),
        confusion,
    }
}

fn run() -> RunDetail {
    let summary = RunSummary {
        run_id: "20261128-101500-seed".into(),
        run_dir: "/runs/20261128-101500-seed".into(),
        status: RunStatus::Completed,
        message: "early stopping: no better validation loss for 3 epochs".into(),
        message_code: String::new(),
        message_args: Default::default(),
        failure: None,
        epochs_run: 5,
        best_epoch: 2,
        majority_accuracy: 0.9731,
        val: None,
        test: Some(metrics(0.95, Some(0.912_345), vec![vec![7000, 150], vec![40, 160]])),
        baseline: Some(metrics(0.9731, None, vec![vec![7150, 0], vec![200, 0]])),
        baseline_trees: None,
        seconds: 12.5,
    };
    RunDetail {
        entry: RunEntry {
            run_id: "20261128-101500-seed".into(),
            run_dir: "/runs/20261128-101500-seed".into(),
            created: "2026-11-28 10:15:00".into(),
            status: RunStatus::Completed,
            model: ModelKind::Seed,
            target: "fault_ahead".into(),
            data: "C:\\exports\\pump <7>.csv".into(),
            epochs_run: 5,
            best_epoch: 2,
            best_val_loss: Some(0.21),
            test_roc_auc: Some(0.912_345),
            test_pr_auc: Some(0.45),
            message: summary.message.clone(),
            message_code: String::new(),
            message_args: Default::default(),
            failure: None,
            mode: SequenceMode::Row,
            sampling_interval_s: None,
            normal: None,
        },
        config: TrainConfig { target: "fault_ahead".into(), gate: Some(GateDecision { passed: false, overridden: true }), ..TrainConfig::default() },
        recipe: None,
        data: Some(TrainDataInfo {
            classes: vec!["0".into(), "1".into()],
            positive_class: Some(1),
            features: vec![NASTY_TAG.into(), "PI-202".into()],
            train_samples: 36_792,
            validation_samples: 7_884,
            test_samples: 7_350,
            vocab_size: 70,
            sequence_length: 2,
            class_weights: vec![0.51, 18.4],
            class_shares: vec![0.973, 0.027],
            class_weights_from: None,
        }),
        epochs: vec![
            epoch(1, 0.45, 0.30, true),
            epoch(2, 0.30, 0.21, true),
            epoch(3, 0.25, 0.24, false),
            epoch(4, 0.22, 0.26, false),
            epoch(5, 0.20, 0.27, false),
        ],
        batches: vec![],
        summary: Some(summary),
    }
}

fn timeline(points: usize, has_timestamps: bool) -> RiskTimeline {
    let x = (0..points).map(|i| if has_timestamps { (T0 + i as i64 * 600_000) as f64 } else { i as f64 }).collect();
    let risk = (0..points).map(|i| ((i as f32 * 0.01).sin() * 0.5 + 0.5) * 0.9).collect();
    let fault = (0..points).map(|i| i % 500 > 480).collect();
    RiskTimeline { x, has_timestamps, risk, fault }
}

fn episode(index: u32, start_ms: i64, detected: bool, lead_s: Option<f64>) -> FaultEpisode {
    FaultEpisode {
        index,
        start_row: u64::from(index) * 1000,
        end_row: u64::from(index) * 1000 + 12,
        start_ms: Some(start_ms),
        end_ms: Some(start_ms + 2 * HOUR_MS),
        detected,
        first_alarm_row: detected.then_some(u64::from(index) * 1000 - 13),
        first_alarm_ms: lead_s.map(|s| start_ms - (s * 1000.0) as i64),
        lead_time: lead_s,
    }
}

fn evaluation() -> Evaluation {
    Evaluation {
        source: "test split of run 20261128-101500-seed".into(),
        run_id: Some("20261128-101500-seed".into()),
        classes: vec!["normal".into(), "fault <soon>".into()],
        positive_class: Some(1),
        samples: 7_350,
        threshold: 0.5,
        majority_accuracy: 0.9731,
        test: ClassMetrics {
            precision: 0.516,
            recall: 0.8,
            f1: 0.627,
            balanced_accuracy: 0.89,
            ..metrics(0.9741, Some(0.912_345), vec![vec![7000, 150], vec![40, 160]])
        },
        baseline: metrics(0.9731, Some(0.5), vec![vec![7150, 0], vec![200, 0]]),
        baseline_trees: None,
        roc: vec![[0.0, 0.0], [0.02, 0.6], [0.1, 0.85], [0.4, 0.95], [1.0, 1.0]],
        pr: vec![[0.0, 1.0], [0.5, 0.8], [0.8, 0.52], [1.0, 0.03]],
        thresholds: vec![
            ThresholdPoint { threshold: 0.1, tp: 195, fp: 900, tn: 6250, fn_: 5 },
            ThresholdPoint { threshold: 0.5, tp: 160, fp: 150, tn: 7000, fn_: 40 },
            ThresholdPoint { threshold: 0.9, tp: 60, fp: 5, tn: 7145, fn_: 140 },
        ],
        events: Some(EventScore {
            has_timestamps: true,
            episodes: vec![
                episode(1, T0 + 100 * HOUR_MS, true, Some(8100.0)),
                episode(2, T0 + 300 * HOUR_MS, true, Some(8100.0)),
                episode(3, T0 + 500 * HOUR_MS, true, Some(-600.0)),
                episode(4, T0 + 700 * HOUR_MS, false, None),
            ],
            detected: 3,
            missed: 1,
            median_lead_time: Some(8100.0),
            false_alarms: 4,
            normal_samples: 7_000,
            normal_days: Some(48.6),
            false_alarms_per_day: Some(0.0823),
            false_alarms_per_1000_samples: 0.57,
        }),
        event_options: EventOptions::default(),
        contributions: vec![
            TagContribution { tag: NASTY_TAG.into(), mean_abs: 0.21, mean_signed: 0.15 },
            TagContribution { tag: "PI-202".into(), mean_abs: 0.08, mean_signed: -0.02 },
        ],
        timeline: timeline(1_000, true),
    }
}

fn prediction() -> PredictionResult {
    PredictionResult {
        bundle: BundleInfo {
            path: "models/pump.plantlab".into(),
            format_version: 1,
            run_id: "20261128-101500-seed".into(),
            created: "2026-11-28 10:15:00".into(),
            model: ModelKind::Seed,
            target: "fault_ahead".into(),
            classes: vec!["0".into(), "1".into()],
            features: vec![NASTY_TAG.into()],
            recipe_steps: 4,
            threshold: 0.5,
            test: None,
            event_options: EventOptions::default(),
            training_period_ms: None,
        },
        file: "exports/december.csv".into(),
        rows: 4_320,
        samples: 4_320,
        threshold: 0.5,
        timeline: timeline(4_320, true),
        alarms: vec![Alarm {
            index: 1,
            start_row: 100,
            end_row: 130,
            start_ms: Some(T0 + 1000 * 600_000),
            end_ms: Some(T0 + 1030 * 600_000),
            peak_risk: 0.934,
            peak_row: 117,
            top_tags: vec![TagContribution { tag: NASTY_TAG.into(), mean_abs: 0.3, mean_signed: 0.3 }],
            explanation: "Bearing temperature 18 °C above its training median & rising.".into(),
            explanation_sentences: Vec::new(),
        }],
        alarm_count: 1,
        alarm_samples: 3,
        event_options: plantlab_protocol::EventOptions::default(),
        training_overlap: None,
        warnings: vec![InputWarning {
            kind: InputWarningKind::OutOfTrainingRange,
            tag: "PI-202".into(),
            count: 37,
            message: "37 samples above the largest value seen in training (12.4 bar).".into(),
            example_rows: vec![1, 2, 3],
            variant: String::new(),
            args: Default::default(),
        }],
        evaluation: None,
        seconds: 0.8,
    }
}

fn full_report() -> String {
    let (run, quality, recipe, evaluation, prediction) = (run(), quality(), recipe(), evaluation(), prediction());
    html_report(&ReportInput {
        title: "PlantLab report — run 20261128-101500-seed",
        generated: "2026-11-29 08:00:00 UTC",
        run: Some(&run),
        quality: Some(&quality),
        recipe: Some(&recipe),
        evaluation: Some(&evaluation),
        prediction: Some(&prediction),
    })
}

fn empty_report() -> String {
    html_report(&ReportInput {
        title: "Empty",
        generated: "2026-11-29 08:00:00 UTC",
        run: None,
        quality: None,
        recipe: None,
        evaluation: None,
        prediction: None,
    })
}

/// The HTML of one `<section id="...">`.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html.find(&format!("<section id=\"{id}\">")).unwrap_or_else(|| panic!("no section {id}"));
    let end = html[start..].find("</section>").expect("section ends") + start;
    &html[start..end]
}

fn polyline_point_counts(html: &str) -> Vec<usize> {
    html.split("<polyline")
        .skip(1)
        .map(|rest| {
            let points = rest.split("points=\"").nth(1).and_then(|p| p.split('"').next()).expect("points");
            points.split_whitespace().count()
        })
        .collect()
}

#[test]
fn every_section_heading_is_present() {
    let html = full_report();
    for heading in HEADINGS {
        assert!(html.contains(&format!("<h2>{heading}</h2>")), "missing heading {heading}");
    }
    assert!(!html.contains("not available"), "every input was given");
}

#[test]
fn report_is_offline_and_script_free() {
    for html in [full_report(), empty_report()] {
        let lower = html.to_lowercase();
        for forbidden in ["http://", "https://", "<script", "src=", "<link", "@import", "url("] {
            assert!(!lower.contains(forbidden), "found {forbidden}");
        }
    }
}

#[test]
fn text_from_data_is_escaped() {
    let html = full_report();
    assert!(!html.contains(NASTY_TAG), "raw tag name in the report");
    assert!(!html.contains("fault <soon>"));
    assert!(!html.contains("pump <7>"));
    // The tag shows in findings, the recipe, the features, the bar chart and the alarms.
    for id in ["quality", "recipe", "training", "evaluation", "alarms"] {
        assert!(section(&html, id).contains(NASTY_TAG_ESCAPED), "escaped tag missing in {id}");
    }
    assert!(html.contains("median &amp; rising"));
}

#[test]
fn numbers_are_shown() {
    let html = full_report();
    let evaluation = section(&html, "evaluation");
    assert!(evaluation.contains("<td>ROC-AUC</td><td class=\"num\">0.912</td><td class=\"num\">0.500</td>"), "{evaluation}");
    assert!(evaluation.contains("<td>Accuracy</td><td class=\"num\">0.974</td><td class=\"num\">0.973</td>"));
    assert!(evaluation.contains("<th>fault &lt;soon&gt;</th>"), "confusion matrix names the classes");
    assert!(evaluation.contains("<td class=\"num\" style=\"background:#eaf4ea\">7,000</td>"));
    assert!(evaluation.contains("0.500 (used)"), "the threshold in use is marked");

    let events = section(&html, "events");
    assert!(events.contains("<th>Detected</th><td>3</td>"), "{events}");
    assert!(events.contains("<th>Missed</th><td>1</td>"));
    assert!(events.contains("<th>Median lead time</th><td>2 h 15 min</td>"));
    assert!(events.contains("<th>False-alarm events per day</th><td>0.08</td>"), "{events}");
    assert!(events.contains("<th>False-alarm events</th><td>4</td>"), "events are named as such: {events}");
    assert!(events.contains("merged within 30"), "the alarm settings that made the events: {events}");
    assert!(!events.contains("Thin evidence"), "four episodes are enough");
    assert!(events.contains("-10 min"), "a late alarm has a negative lead time");
    assert!(events.contains(&format_epoch_millis(T0 + 100 * HOUR_MS)), "episodes show their start time");

    let quality = section(&html, "quality");
    assert!(quality.contains("52,560"));
    assert!(quality.contains("<th>Sampling interval</th><td>10 min</td>"));
    // The finding's kind by its name, as the Data pane says it.
    assert!(quality.contains("duplicate timestamps") && quality.contains("(rows)"), "{quality}");

    let recipe = section(&html, "recipe");
    assert!(recipe.contains("<th>Delimiter</th><td>;</td>"));
    assert!(recipe.contains("windows-1252") && recipe.contains("%d.%m.%Y %H:%M:%S"));
    assert!(recipe.contains("Sort rows by time"));
    assert!(recipe.contains("(≤ 6 samples)</td><td>no</td>"), "the disabled step shows so: {recipe}");

    let training = section(&html, "training");
    assert!(training.contains("best epoch 2"));
    assert!(training.contains("early stopping: no better validation loss for 3 epochs"));
    assert!(training.contains("trained anyway"));
    assert!(training.contains("<th>Learning rate</th><td>0.001</td>"));

    let alarms = section(&html, "alarms");
    assert!(alarms.contains("0.934"));
    assert!(alarms.contains("<th>Alarm events</th><td>1</td>") && alarms.contains("<th>Alarm samples</th><td>3</td>"), "{alarms}");
    assert!(!alarms.contains("training period"));
    assert!(alarms.contains("out of training range") && alarms.contains("PI-202"));
}

#[test]
fn missing_inputs_leave_notes() {
    let html = empty_report();
    for heading in HEADINGS {
        assert!(html.contains(&format!("<h2>{heading}</h2>")), "missing heading {heading}");
    }
    assert_eq!(html.matches("not available.").count(), HEADINGS.len(), "one note per section");
    assert!(!html.contains("<svg"));
}

#[test]
fn samples_replace_time_without_timestamps() {
    let mut evaluation = evaluation();
    let events = evaluation.events.as_mut().expect("events");
    events.has_timestamps = false;
    events.median_lead_time = Some(13.0);
    events.false_alarms_per_day = None;
    evaluation.timeline = timeline(300, false);
    let html = html_report(&ReportInput {
        title: "rows only",
        generated: "2026-11-29 08:00:00 UTC",
        run: None,
        quality: None,
        recipe: None,
        evaluation: Some(&evaluation),
        prediction: None,
    });
    let events = section(&html, "events");
    assert!(events.contains("<th>Median lead time</th><td>13 samples</td>"), "{events}");
    assert!(events.contains("<th>False-alarm events per 1,000 samples</th><td>0.57</td>"));
    assert!(!events.contains(" min<"));
    assert!(section(&html, "timeline").contains(">row</text>"), "x axis counts rows");
}

#[test]
fn long_timelines_are_downsampled() {
    let mut prediction = prediction();
    prediction.timeline = timeline(100_000, true);
    // One spike must survive the reduction.
    prediction.timeline.risk[61_234] = 0.999;
    let html = html_report(&ReportInput {
        title: "long",
        generated: "2026-11-29 08:00:00 UTC",
        run: None,
        quality: None,
        recipe: None,
        evaluation: None,
        prediction: Some(&prediction),
    });
    let timeline = section(&html, "timeline");
    let counts = polyline_point_counts(timeline);
    assert_eq!(counts.len(), 1, "one risk line");
    assert!(counts[0] > 1000 && counts[0] <= 2000, "{} points", counts[0]);
    // Risk 0.999 on a 0..1 axis of a 260 px chart with 28 px top margin lands at y ≈ 28.2.
    assert!(timeline.contains(",28.2"), "the spike is kept");
    assert!(timeline.len() < 200_000, "timeline section is {} bytes", timeline.len());
    assert!(timeline.matches("<rect").count() < 700, "fault bands are merged per pixel");
}

#[test]
fn stored_recipe_of_a_run_is_used() {
    let mut run = run();
    run.recipe = serde_json::to_string(&recipe()).ok();
    let html = html_report(&ReportInput {
        title: "run only",
        generated: "2026-11-29 08:00:00 UTC",
        run: Some(&run),
        quality: None,
        recipe: None,
        evaluation: None,
        prediction: None,
    });
    assert!(section(&html, "recipe").contains("Sort rows by time"));
}

#[test]
fn written_report_is_a_well_formed_page() {
    let html = full_report();
    let dir = option_env!("CARGO_TARGET_TMPDIR").map_or_else(std::env::temp_dir, std::path::PathBuf::from);
    let path = dir.join("plantlab-report-example.html");
    std::fs::write(&path, &html).expect("write report");
    let back = std::fs::read_to_string(&path).expect("read report");
    assert!(back.starts_with("<!DOCTYPE html>"));
    assert!(back.trim_end().ends_with("</html>"));
    for tag in ["svg", "section", "table", "tr", "p", "div", "text"] {
        let opened = back.matches(&format!("<{tag}>")).count() + back.matches(&format!("<{tag} ")).count();
        let closed = back.matches(&format!("</{tag}>")).count();
        assert_eq!(opened, closed, "<{tag}> not balanced");
    }
    // Loss, accuracy, ROC, PR, contributions, timeline.
    assert_eq!(back.matches("<svg").count(), 6);
    assert_eq!(back.matches("<h1>").count(), 1);
}

#[test]
fn thin_evidence_and_the_training_period_are_warned_of() {
    let mut evaluation = evaluation();
    evaluation.events.as_mut().expect("events").episodes.truncate(1);
    let mut prediction = prediction();
    prediction.training_overlap = Some(TrainingOverlap { samples: 1440, train_start_ms: T0, train_end_ms: T0 + 24 * HOUR_MS });
    let html = html_report(&ReportInput {
        title: "thin",
        generated: "2026-11-29 08:00:00 UTC",
        run: None,
        quality: None,
        recipe: None,
        evaluation: Some(&evaluation),
        prediction: Some(&prediction),
    });
    let events = section(&html, "events");
    assert!(events.contains("Thin evidence: only 1 fault episode(s)"), "{events}");
    let alarms = section(&html, "alarms");
    assert!(
        alarms.contains("1,440 predicted sample(s) lie inside the model&#39;s training period")
            || alarms.contains("1,440 predicted sample(s) lie inside the model's training period"),
        "{alarms}"
    );
}

/// Checks markup structure outside the style sheet: every `<` opens a tag whose quotes pair
/// up and which holds no `<`, and every `&` starts one of the entities the escaping writes.
/// Data that slipped through unescaped breaks one of these.
fn assert_markup_is_intact(html: &str) {
    let body = &html[html.find("</style>").expect("style sheet")..];
    let mut rest = body;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        assert!(after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/'), "a bare '<' in the text: {}", &rest[open..open + 60]);
        let close = after.find('>').expect("tag closes");
        let tag = &after[..close];
        assert!(!tag.contains('<'), "a '<' inside a tag: {tag}");
        assert_eq!(tag.matches('"').count() % 2, 0, "unpaired quotes in a tag: {tag}");
        rest = &after[close + 1..];
    }
    for (at, _) in body.match_indices('&') {
        let entity = &body[at..];
        assert!(["&amp;", "&lt;", "&gt;", "&quot;"].iter().any(|e| entity.starts_with(e)), "a bare '&': {}", &entity[..entity.len().min(40)]);
    }
}

#[test]
fn tag_file_and_run_names_with_markup_are_escaped_everywhere() {
    // Short enough that the bar chart shows the tag name whole.
    const TAG: &str = r#"<script>"T&'1"</script>"#;
    const TAG_ESCAPED: &str = "&lt;script&gt;&quot;T&amp;'1&quot;&lt;/script&gt;";
    const FILE: &str = r#"C:\data "<b>" & co.csv"#;
    const FILE_ESCAPED: &str = r#"C:\data &quot;&lt;b&gt;&quot; &amp; co.csv"#;
    const RUN: &str = r#"run <img src=x onerror="alert(1)"> & 'x'"#;
    const RUN_ESCAPED: &str = "run &lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; 'x'";

    let rename = |name: &mut String| {
        if name == NASTY_TAG {
            *name = TAG.into();
        }
    };
    let mut quality = quality();
    quality.findings.iter_mut().filter_map(|f| f.column.as_mut()).for_each(rename);
    let mut run = run();
    run.entry.run_id = RUN.into();
    run.entry.data = FILE.into();
    run.data.as_mut().expect("data").features.iter_mut().for_each(rename);
    let mut evaluation = evaluation();
    evaluation.contributions.iter_mut().for_each(|c| rename(&mut c.tag));
    evaluation.source = format!("test split of run {RUN}");
    let mut prediction = prediction();
    prediction.file = FILE.into();
    prediction.alarms.iter_mut().flat_map(|a| a.top_tags.iter_mut()).for_each(|t| rename(&mut t.tag));
    prediction.warnings[0].tag = TAG.into();
    let html = html_report(&ReportInput {
        title: RUN,
        generated: "2026-11-29 08:00:00 UTC",
        run: Some(&run),
        quality: Some(&quality),
        recipe: Some(&recipe()),
        evaluation: Some(&evaluation),
        prediction: Some(&prediction),
    });

    for raw in [TAG, FILE, RUN, "<script", "<img", "<b>"] {
        assert!(!html.contains(raw), "{raw} is in the page unescaped");
    }
    assert_markup_is_intact(&html);
    // The page title and heading, and the header's run and file.
    assert!(html.contains(&format!("<title>{RUN_ESCAPED}</title>")));
    assert!(html.contains(&format!("<h1>{RUN_ESCAPED}</h1>")));
    assert!(html.contains(&format!("<th>Run</th><td>{RUN_ESCAPED}</td>")));
    assert!(html.contains(&format!("<th>Data file</th><td>{FILE_ESCAPED}</td>")));
    // The tag in the findings table, the features, the alarms and warnings tables.
    assert!(section(&html, "quality").contains(&format!("<td>{TAG_ESCAPED}</td>")));
    assert!(section(&html, "training").contains(&format!("2 ({TAG_ESCAPED}, PI-202)")));
    let alarms = section(&html, "alarms");
    assert!(alarms.contains(&format!("<td>{TAG_ESCAPED} (0.300)</td>")), "{alarms}");
    assert!(alarms.contains(&format!("<td>{TAG_ESCAPED}</td>")));
    assert!(alarms.contains(&format!("<th>File</th><td>{FILE_ESCAPED}</td>")));
    assert!(section(&html, "evaluation").contains(&format!("test split of run {RUN_ESCAPED}")));
    // The SVG label of the bar chart.
    assert!(section(&html, "evaluation").contains(&format!(r#"class="tick" text-anchor="end">{TAG_ESCAPED}</text>"#)));
}

fn full_report_in(lang: Lang) -> String {
    let (run, quality, recipe, evaluation, prediction) = (run(), quality(), recipe(), evaluation(), prediction());
    html_report_in(
        &ReportInput {
            title: &run_report_title("20261128-101500-seed", lang),
            generated: "2026-11-29 08:00:00 UTC",
            run: Some(&run),
            quality: Some(&quality),
            recipe: Some(&recipe),
            evaluation: Some(&evaluation),
            prediction: Some(&prediction),
        },
        lang,
    )
}

/// The text between tags, without the style sheet: what a reader sees.
fn visible_text(html: &str) -> String {
    let body = &html[html.find("<body>").expect("a body")..];
    let mut text = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

#[test]
fn the_report_reads_in_chinese_with_the_same_numbers() {
    let html = full_report_in(Lang::ZhCn);
    assert!(html.contains("<html lang=\"zh-CN\">"), "the page says its language");
    assert!(html.contains(r#""Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif"#), "a CJK font stack");
    assert!(html.contains("<title>PlantLab 报告 — 运行 20261128-101500-seed</title>"));
    for heading in ["数据质量", "清洗配方", "训练", "评估", "事件级评分", "风险时间线", "报警"] {
        assert!(html.contains(&format!("<h2>{heading}</h2>")), "missing heading {heading}");
    }
    for english in HEADINGS {
        assert!(!html.contains(&format!("<h2>{english}</h2>")), "English heading {english} left");
    }
    let evaluation = section(&html, "evaluation");
    assert!(evaluation.contains("<td>ROC-AUC</td><td class=\"num\">0.912</td><td class=\"num\">0.500</td>"), "{evaluation}");
    assert!(evaluation.contains("<td>准确率</td><td class=\"num\">0.974</td><td class=\"num\">0.973</td>"), "{evaluation}");
    assert!(evaluation.contains("<th>指标</th><th>模型</th><th>多数类基线</th>"), "table headers: {evaluation}");
    assert!(evaluation.contains("假阳性率"), "axis names: {evaluation}");
    let events = section(&html, "events");
    assert!(events.contains("<th>已检出</th><td>3</td>") && events.contains("<th>提前量中位数</th><td>2 h 15 min</td>"), "{events}");
    let quality = section(&html, "quality");
    assert!(quality.contains("52,560") && quality.contains("（行）"), "{quality}");
    let recipe = section(&html, "recipe");
    assert!(recipe.contains("<th>分隔符</th><td>;</td>") && recipe.contains("</td><td>否</td>"), "{recipe}");
    let training = section(&html, "training");
    assert!(training.contains("最佳轮次 2") && training.contains("<th>学习率</th><td>0.001</td>"), "{training}");

    // Apart from what the data and the engine wrote (tags, file names, step descriptions,
    // messages), no English sentence of the report's own is left: the English page's words
    // that are not in the Chinese page are all the report's.
    let english_words: std::collections::BTreeSet<String> = visible_text(&full_report_in(Lang::En))
        .split_whitespace()
        .filter(|w| w.len() > 3 && w.chars().all(|c| c.is_ascii_alphabetic()))
        .map(str::to_owned)
        .collect();
    let chinese_text = visible_text(&html);
    for own in [
        "Generated",
        "Thresholds",
        "Findings",
        "Explanation",
        "Severity",
        "detected",
        "missed",
        "failed",
        "Precision",
        "Confusion",
        "pushes",
        "completed",
    ] {
        assert!(english_words.contains(own), "{own} is one of the English page's words");
        assert!(!chinese_text.contains(own), "{own} left in English in the Chinese report");
    }
}

#[test]
fn the_english_report_is_unchanged_by_the_language_argument() {
    let html = full_report_in(Lang::En);
    assert_eq!(html, full_report(), "html_report is html_report_in English");
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("<title>PlantLab report — run 20261128-101500-seed</title>"));
    assert!(html.contains("Arial,") && html.contains("\"Noto Sans CJK SC\""), "Latin fonts first, then the CJK ones");
    for heading in HEADINGS {
        assert!(html.contains(&format!("<h2>{heading}</h2>")), "missing heading {heading}");
    }
}

/// A report of `run` with `evaluation`, in `lang`.
fn report_of(run: &RunDetail, evaluation: &Evaluation, lang: Lang) -> String {
    html_report_in(
        &ReportInput {
            title: "Trees",
            generated: "2026-11-29 08:00:00 UTC",
            run: Some(run),
            quality: None,
            recipe: None,
            evaluation: Some(evaluation),
            prediction: None,
        },
        lang,
    )
}

/// The evaluation with a trees baseline whose PR-AUC is `pr_auc` (the model's is 0.456).
fn evaluation_with_trees(pr_auc: f64) -> Evaluation {
    Evaluation {
        baseline_trees: Some(ClassMetrics { pr_auc: Some(pr_auc), ..metrics(0.981, Some(0.95), vec![vec![7100, 50], vec![90, 110]]) }),
        ..evaluation()
    }
}

/// A trees run with window features over 30 samples, stopped early at round 40 of 300.
fn trees_run() -> RunDetail {
    let mut run = run();
    run.config.model = ModelKind::Trees;
    run.config.feature_window = Some(30);
    run.config.trees.max_leaves = 15;
    run.entry.model = ModelKind::Trees;
    run.entry.epochs_run = 40;
    if let Some(summary) = run.summary.as_mut() {
        summary.epochs_run = 40;
        summary.best_epoch = 30;
        summary.baseline_trees = summary.test.clone();
    }
    run
}

#[test]
fn the_trees_baseline_is_a_column_and_a_model_behind_it_says_so() {
    let mut run = run();
    if let Some(summary) = run.summary.as_mut() {
        summary.baseline_trees = Some(ClassMetrics { pr_auc: Some(0.723), ..metrics(0.981, Some(0.95), vec![vec![7100, 50], vec![90, 110]]) });
    }
    let html = report_of(&run, &evaluation_with_trees(0.723), Lang::En);
    let evaluation = section(&html, "evaluation");
    assert!(evaluation.contains("<h3>Model vs majority and trees baselines (threshold 0.500)</h3>"), "{evaluation}");
    assert!(evaluation.contains("<th>Metric</th><th>Model</th><th>Majority baseline</th><th>Trees baseline</th>"), "{evaluation}");
    assert!(
        evaluation.contains("<td>PR-AUC</td><td class=\"num\">0.456</td><td class=\"num\">0.250</td><td class=\"num\">0.723</td>"),
        "{evaluation}"
    );
    assert!(evaluation.contains("<td>Accuracy</td><td class=\"num\">0.974</td><td class=\"num\">0.973</td><td class=\"num\">0.981</td>"));
    assert!(evaluation.contains("<p class=\"bad\">The trees baseline is ahead of this model on PR-AUC (0.723 against 0.456).</p>"), "{evaluation}");
    // The run's summary names the trees' test figures too.
    let training = section(&html, "training");
    assert!(training.contains("<th>Trees baseline PR-AUC (test)</th><td>0.723</td>"), "{training}");
    assert!(training.contains("<th>Best epoch</th><td>2</td>"), "{training}");

    let chinese = report_of(&run, &evaluation_with_trees(0.723), Lang::ZhCn);
    let evaluation = section(&chinese, "evaluation");
    assert!(evaluation.contains("<th>指标</th><th>模型</th><th>多数类基线</th><th>树模型基线</th>"), "{evaluation}");
    assert!(evaluation.contains("树模型基线在 PR-AUC 上领先于本模型（0.723 对 0.456）。"), "{evaluation}");
}

#[test]
fn a_model_ahead_of_the_trees_has_their_column_and_no_sentence() {
    let html = report_of(&run(), &evaluation_with_trees(0.31), Lang::En);
    let evaluation = section(&html, "evaluation");
    assert!(
        evaluation.contains("<td>PR-AUC</td><td class=\"num\">0.456</td><td class=\"num\">0.250</td><td class=\"num\">0.310</td>"),
        "{evaluation}"
    );
    assert!(!evaluation.contains("ahead of this model"), "{evaluation}");
    // Equal at the decimals shown is not ahead either.
    let html = report_of(&run(), &evaluation_with_trees(0.4562), Lang::En);
    assert!(!section(&html, "evaluation").contains("ahead of this model"));
}

#[test]
fn multi_class_models_are_compared_with_the_trees_on_accuracy() {
    let evaluation = Evaluation { positive_class: None, thresholds: vec![], ..evaluation_with_trees(0.1) };
    let html = report_of(&run(), &evaluation, Lang::En);
    assert!(section(&html, "evaluation").contains("The trees baseline is ahead of this model on accuracy (0.981 against 0.974)."));
}

#[test]
fn a_trees_run_reports_its_rounds_and_settings_without_repeating_itself_as_baseline() {
    let run = trees_run();
    let html = report_of(&run, &evaluation_with_trees(0.723), Lang::En);
    let evaluation = section(&html, "evaluation");
    assert!(!evaluation.contains("Trees baseline"), "a trees run is its own trees baseline: {evaluation}");
    assert!(evaluation.contains("<h3>Model vs majority baseline (threshold 0.500)</h3>"));
    let training = section(&html, "training");
    for row in [
        "<th>Boosting rounds</th><td>300 at most, 40 run</td>",
        "<th>Leaves per tree</th><td>15</td>",
        "<th>Fewest samples per leaf</th><td>20</td>",
        "<th>Learning rate</th><td>0.1</td>",
        "<th>Early stopping patience</th><td>30 rounds</td>",
        "<th>Rounds run</th><td>40</td>",
        "<th>Best round</th><td>30</td>",
    ] {
        assert!(training.contains(row), "{row} missing: {training}");
    }
    assert!(training.contains("<th>Window features</th><td>per numeric tag over the last 30 samples"), "{training}");
    assert!(training.contains("Training and validation loss per boosting round") && training.contains("best round 30"), "{training}");
    for network in ["Batch size", "Embedding width", "Sequence mode", "Epochs run", "per epoch", "Trees baseline PR-AUC"] {
        assert!(!training.contains(network), "{network} is not a trees run's: {training}");
    }

    let chinese = report_of(&run, &evaluation_with_trees(0.723), Lang::ZhCn);
    let training = section(&chinese, "training");
    assert!(training.contains("<th>提升轮数</th><td>最多 300 轮，实际 40 轮</td>"), "{training}");
    assert!(training.contains("<th>窗口特征</th><td>每个数值位号在最近 30 个样本上"), "{training}");
    assert!(!section(&chinese, "evaluation").contains("树模型基线"));
}

#[test]
fn an_mlp_reports_its_hidden_units_and_window_features() {
    let mut run = run();
    run.config.model = ModelKind::Mlp;
    run.config.hidden = 128;
    let html = report_of(&run, &evaluation(), Lang::En);
    let training = section(&html, "training");
    assert!(training.contains("<th>Hidden units per layer</th><td>128</td>"), "{training}");
    assert!(training.contains("<th>Window features</th><td>off (the current row only)</td>"), "{training}");
    assert!(!training.contains("Embedding width") && !training.contains("Sequence mode"), "{training}");
    // Without a trees baseline (runs from before them) the table has two columns as before.
    assert!(section(&html, "evaluation").contains("<th>Metric</th><th>Model</th><th>Majority baseline</th></tr>"));
}

#[test]
fn products_of_tag_pairs_are_listed_only_when_the_run_used_them() {
    let mut trees = trees_run();
    let html = report_of(&trees, &evaluation(), Lang::En);
    assert!(!section(&html, "training").contains("Products of tag pairs"), "off: no row");

    trees.config.interactions = true;
    let html = report_of(&trees, &evaluation(), Lang::En);
    let training = section(&html, "training");
    assert!(training.contains("<th>Products of tag pairs</th><td>on (every pair of numeric tags multiplied"), "{training}");
    let chinese = report_of(&trees, &evaluation(), Lang::ZhCn);
    let training = section(&chinese, "training");
    assert!(training.contains("<th>位号两两乘积</th><td>开（每两个数值位号相乘"), "{training}");

    let mut mlp = run();
    mlp.config.model = ModelKind::Mlp;
    mlp.config.interactions = true;
    assert!(section(&report_of(&mlp, &evaluation(), Lang::En), "training").contains("<th>Products of tag pairs</th><td>on"));
}

/// The prediction as the engine codes it: an alarm explanation of two sentences (one naming a
/// tag with markup) and an input warning, with codes and arguments.
fn coded_prediction() -> PredictionResult {
    let mut prediction = prediction();
    prediction.alarms[0].explanation_sentences = vec![
        AlarmSentence::new(
            "headline",
            [
                ("risk", MessageArg::Text("0.93".into())),
                ("when", MessageArg::Text("2026-12-07 22:50:00".into())),
                ("samples", MessageArg::from(3u64)),
            ],
        ),
        AlarmSentence::new(
            "tag_numeric",
            [
                ("tag", MessageArg::from(NASTY_TAG)),
                ("level", MessageArg::phrase("level_near", [("median", "12.4 bar".into())])),
                ("span", MessageArg::phrase("span_samples", [("samples", MessageArg::from(12u64))])),
                ("trend", MessageArg::phrase("trend_steady", [])),
                ("range", MessageArg::Text(String::new())),
            ],
        ),
    ];
    prediction.warnings[0].args = message_args([("tag", "PI-202".into()), ("count", MessageArg::from(37u64)), ("range", "[0.5, 12.4] bar".into())]);
    prediction
}

fn alarms_section_of(prediction: &PredictionResult, lang: Lang) -> String {
    let html = html_report_in(
        &ReportInput {
            title: "PlantLab report",
            generated: "2026-11-29 08:00:00 UTC",
            run: None,
            quality: None,
            recipe: None,
            evaluation: None,
            prediction: Some(prediction),
        },
        lang,
    );
    section(&html, "alarms").to_owned()
}

#[test]
fn coded_alarm_explanations_and_input_warnings_read_in_the_reports_language() {
    let coded = coded_prediction();
    let chinese = alarms_section_of(&coded, Lang::ZhCn);
    assert!(
        chinese.contains(&format!(
            "风险 0.93，出现在 2026-12-07 22:50:00（3 个样本高于阈值）。{NASTY_TAG_ESCAPED}：最近 12 个样本内接近训练中位数 12.4 bar，保持平稳。"
        )),
        "{chinese}"
    );
    assert!(chinese.contains("“PI-202”有 37 个值超出训练范围 [0.5, 12.4] bar；"), "{chinese}");
    assert!(!chinese.contains("training median") && !chinese.contains("12.4 bar)."), "the engine's English is not shown: {chinese}");
    let english = alarms_section_of(&coded, Lang::En);
    assert!(
        english.contains(&format!(
            "Risk 0.93 at 2026-12-07 22:50:00 (3 samples above the threshold). {NASTY_TAG_ESCAPED}: near its training median of 12.4 bar over the last 12 samples, steady."
        )),
        "{english}"
    );
    assert!(english.contains("37 values of &quot;PI-202&quot; lie outside the training range [0.5, 12.4] bar;"), "{english}");
    // Without codes (an older engine) the engine's own sentences are shown.
    assert!(alarms_section_of(&prediction(), Lang::ZhCn).contains("Bearing temperature 18 °C above its training median &amp; rising."));
}

/// A run of the linear next-step predictor, as its `summary.json` keeps it: how it ended as a
/// coded stop sentence.
fn normal_run() -> RunDetail {
    let mut run = run();
    let message_args = message_args([("rows", 1100u64.into()), ("threshold", "12.5000".into())]);
    let message = "Linear next-step predictor (recommended) fitted on 1100 normal rows; alarm threshold 12.5000".to_owned();
    if let Some(summary) = run.summary.as_mut() {
        (summary.message, summary.message_code, summary.message_args) = (message.clone(), "normal_linear_fitted".into(), message_args.clone());
    }
    (run.entry.message, run.entry.message_code, run.entry.message_args) = (message, "normal_linear_fitted".into(), message_args);
    run.entry.normal = Some(NormalDetector::LinearPredictor);
    run
}

#[test]
fn a_normal_models_run_says_how_it_ended_in_the_reports_language() {
    let report_in = |lang| {
        let run = normal_run();
        let title = run_report_title(&run.entry.run_id, lang);
        let input = ReportInput {
            title: &title,
            generated: "2026-11-29 08:00:00 UTC",
            run: Some(&run),
            quality: None,
            recipe: None,
            evaluation: None,
            prediction: None,
        };
        section(&html_report_in(&input, lang), "training").to_owned()
    };
    let chinese = report_in(Lang::ZhCn);
    assert!(chinese.contains("线性下一步预测器（推荐）已在 1100 行正常数据上拟合；报警阈值 12.5000"), "{chinese}");
    assert!(!chinese.contains("fitted on"), "the engine's English is not shown: {chinese}");
    let english = report_in(Lang::En);
    assert!(english.contains("Linear next-step predictor (recommended) fitted on 1100 normal rows; alarm threshold 12.5000"), "{english}");
}

#[test]
fn recipe_steps_and_coded_import_warnings_read_in_the_reports_language() {
    let mut quality = quality();
    quality.import_warnings = vec!["Parts of the file are not valid UTF-8; those parts were read as Windows-1252.".into()];
    quality.import_warning_codes = vec![CodedSentence::new("windows_1252_parts", [])];
    let recipe = recipe();
    let report = |lang| {
        html_report_in(
            &ReportInput {
                title: "t",
                generated: "2026-11-29 08:00:00 UTC",
                run: None,
                quality: Some(&quality),
                recipe: Some(&recipe),
                evaluation: None,
                prediction: None,
            },
            lang,
        )
    };
    let chinese = report(Lang::ZhCn);
    let steps = section(&chinese, "recipe");
    for worded in ["按时间排序各行", "每个时间戳只保留一行（取平均）", "标签 fault_ahead：6 小时内发生事件（事件来自 fault）"]
    {
        assert!(steps.contains(worded), "{worded} missing: {steps}");
    }
    assert!(!steps.contains("Sort rows by time"), "{steps}");
    let data = section(&chinese, "quality");
    assert!(data.contains("文件的部分内容不是有效的 UTF-8；这些部分已按 Windows-1252 读取。"), "{data}");
    assert!(!data.contains("those parts were read"), "{data}");
    let english = report(Lang::En);
    assert!(section(&english, "recipe").contains("One row per timestamp (average)"));
    assert!(section(&english, "quality").contains("those parts were read as Windows-1252."));
}
