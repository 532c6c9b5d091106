//! A running task's progress stage is coded: `stage-<code>` with arguments that fill exactly
//! the sentence's variables; the English `stage` is the catalogue's, and the stage reads in
//! Chinese without falling back. Collected from the events of a real load, a trees run, a
//! network run (whose trees baseline reports rounds too) and a prediction.

use std::collections::BTreeSet;
use std::sync::mpsc::{sync_channel, Receiver};

use plantlab_engine::{Stage, Workbench};
use plantlab_i18n::{check_arguments, coded_text, Catalog, Lang};
use plantlab_protocol::{message_key, ImportOverrides, ModelKind, PredictRequest, TaskEvent, TaskOutcome, TrainConfig, TreeSettings};

use crate::common;

/// Room for a task's events; far more than one task here sends, so no progress is dropped for
/// want of room.
const EVENTS_BOUND: usize = 4096;

/// Every event of one task, up to its end (the channel closes when the task's sink is dropped).
fn events_of(rx: Receiver<TaskEvent>) -> Vec<TaskEvent> {
    rx.iter().collect()
}

fn finished(events: &[TaskEvent]) -> &TaskOutcome {
    match events.last() {
        Some(TaskEvent::Finished { outcome, .. }) => outcome,
        other => panic!("the task did not finish: {other:?}"),
    }
}

#[test]
fn every_stage_a_task_reports_fills_its_sentence_and_reads_in_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    let csv = common::write(
        dir.path(),
        "plant.csv",
        (0..1500)
            .map(|i| {
                let t = 50.0 + ((i * 37) % 100) as f64 * 0.3;
                format!("{t},{},{}\n", 2.0 + ((i * 11) % 17) as f64 * 0.1, u8::from(t > 72.0))
            })
            .fold(String::from("temperature,pressure,fault\n"), |text, row| text + &row),
    );
    let workbench = Workbench::with_runs_root(dir.path().join("runs"));
    let mut events = Vec::new();

    let (tx, rx) = sync_channel(EVENTS_BOUND);
    workbench.start_load(csv.clone(), ImportOverrides::default(), move |e| tx.send(e).unwrap()).unwrap();
    let load = events_of(rx);
    finished(&load);
    events.extend(load);

    let base = TrainConfig { target: "fault".into(), ..TrainConfig::default() };
    let configs = [
        TrainConfig { model: ModelKind::Trees, trees: TreeSettings { rounds: 5, ..TreeSettings::default() }, ..base.clone() },
        TrainConfig { model: ModelKind::Mlp, epochs: 2, trees: TreeSettings { rounds: 3, ..TreeSettings::default() }, ..base.clone() },
    ];
    let mut last_run = None;
    for config in configs {
        let (tx, rx) = sync_channel(EVENTS_BOUND);
        workbench.start_train(config, move |e| tx.send(e).unwrap()).unwrap();
        let run = events_of(rx);
        let TaskOutcome::Trained(summary) = finished(&run) else { panic!("not a training outcome") };
        last_run = Some(summary.run_id.clone());
        events.extend(run);
    }

    let bundle = dir.path().join("model.plmodel");
    workbench.export_bundle(&last_run.unwrap(), &bundle, None).unwrap();
    let (tx, rx) = sync_channel(EVENTS_BOUND);
    let request = PredictRequest { path: csv.display().to_string(), bundle: bundle.display().to_string(), threshold: None, events: None };
    workbench.start_predict(request, move |e| tx.send(e).unwrap()).unwrap();
    let predict = events_of(rx);
    finished(&predict);
    events.extend(predict);

    let english = Catalog::new(Lang::En);
    let chinese = Catalog::new(Lang::ZhCn);
    let mut seen = BTreeSet::new();
    let mut codes = BTreeSet::new();
    for event in &events {
        let TaskEvent::Progress { stage, stage_code, stage_args, .. } = event else { continue };
        let key = message_key("stage", stage_code, "");
        check_arguments("stage", &key, stage_args, &mut seen).unwrap_or_else(|problem| panic!("{problem}"));
        assert_eq!(coded_text(&english, &key, stage_args).as_deref(), Some(stage.as_str()), "the English stage is the catalogue's");
        let worded = coded_text(&chinese, &key, stage_args).unwrap_or_default();
        assert!(worded.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{key}: {worded}");
        codes.insert(stage_code.clone());
    }
    assert_eq!(english.fallback_count() + chinese.fallback_count(), 0, "{:?} {:?}", english.fallback_keys(), chinese.fallback_keys());
    for code in ["tokenizing", "epoch", "round", "baseline-round", "testing-best-epoch", "opening-bundle", "encoding"] {
        assert!(codes.contains(code), "no {code} stage among {codes:?}");
    }
    let known: BTreeSet<&str> = Stage::one_of_each().iter().map(Stage::code).collect();
    assert!(codes.iter().all(|code| known.contains(code.as_str())), "{codes:?} against {known:?}");
}
