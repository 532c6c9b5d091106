//! A training run's stop message is coded: `stop-<code>` with arguments that fill exactly the
//! sentence's variables; the English `message` is the catalogue's, the runs list carries the
//! same code, and the sentence reads in Chinese without falling back.

use std::collections::BTreeSet;
use std::io::Write;

use plantlab_engine::{JobContext, Workbench};
use plantlab_i18n::{message_variables, run_entry_stop_text, run_stop_text, Catalog, Lang};
use plantlab_protocol::{ImportOverrides, ModelKind, RunStatus, TrainConfig, TreeSettings};

/// A slow swing of `level` with the fault set whenever it is high: easy enough that the trees'
/// validation PR-AUC stops improving within a few rounds.
fn write_export(path: &std::path::Path, rows: usize) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "time,level,flow,fault").unwrap();
    for i in 0..rows {
        let level = 50.0 + 10.0 * (i as f64 / 17.0).sin();
        let flow = 3.0 + (i % 7) as f64 * 0.1;
        let time = plantlab_protocol::format_epoch_millis((1_767_225_600 + 60 * i as i64) * 1000);
        writeln!(out, "{time},{level:.4},{flow:.2},{}", u8::from(level > 55.0)).unwrap();
    }
}

#[test]
fn every_stop_message_fills_its_sentence_and_reads_in_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("swing.csv");
    write_export(&csv, 1200);
    let workbench = Workbench::with_runs_root(dir.path().join("runs"));
    workbench.load(&csv, &ImportOverrides::default(), &JobContext::detached()).unwrap();
    let base = TrainConfig { target: "fault".into(), ..TrainConfig::default() };
    let configs = [
        TrainConfig { model: ModelKind::Trees, trees: TreeSettings { rounds: 3, patience: 50, ..TreeSettings::default() }, ..base.clone() },
        TrainConfig { model: ModelKind::Trees, trees: TreeSettings { rounds: 300, patience: 2, ..TreeSettings::default() }, ..base.clone() },
        TrainConfig { model: ModelKind::Mlp, epochs: 1, ..base.clone() },
    ];
    let english = Catalog::new(Lang::En);
    let chinese = Catalog::new(Lang::ZhCn);
    let mut seen = BTreeSet::new();
    for config in &configs {
        let summary = workbench.train(config, &JobContext::detached(), &mut |_| {}).unwrap();
        assert_eq!(summary.status, RunStatus::Completed);
        let key = summary.message_key();
        let variables = message_variables(Lang::En, &key).unwrap_or_else(|| panic!("{key} is not in the catalogue"));
        assert_eq!(summary.message_args.keys().cloned().collect::<BTreeSet<_>>(), variables, "{key}");
        assert_eq!(summary.message, run_stop_text(&english, &summary), "the English message is the catalogue's");
        let worded = run_stop_text(&chinese, &summary);
        assert!(worded.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{worded}");
        seen.insert((key, summary.message.clone()));
        let runs = workbench.list_runs().unwrap();
        let entry = runs.iter().find(|r| r.run_id == summary.run_id).unwrap();
        assert_eq!((&entry.message_code, &entry.message_args), (&summary.message_code, &summary.message_args));
        assert_eq!(run_entry_stop_text(&chinese, entry), worded);
    }
    assert_eq!(english.fallback_count() + chinese.fallback_count(), 0, "{:?} {:?}", english.fallback_keys(), chinese.fallback_keys());
    let messages: Vec<&str> = seen.iter().map(|(_, message)| message.as_str()).collect();
    assert!(messages.iter().any(|m| m.starts_with("completed all 3 rounds; kept round ")), "{messages:?}");
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("early stopping after round ") && m.contains(": no better validation PR-AUC for 2 rounds; kept round ")),
        "{messages:?}"
    );
    assert!(messages.contains(&"completed all 1 epochs; kept epoch 1"), "{messages:?}");
}
