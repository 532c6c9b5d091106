//! A normal-operation prediction as CSV, one line per sample: `timestamp` (or `row`), `score`,
//! `threshold`, `alarm` (1 when the score is above the threshold), `alarm_event` (the alarm
//! event the sample lies in, 1-based; empty outside events) and `top_tags` (the tags that
//! surprised the model most at that event's peak, largest first).
//!
//! Scores are written in full precision (the shortest text that reads back to the same
//! number), so a script gets exactly what the app shows; a sample the detector cannot score
//! yet (it lacks history) has an empty score. Written atomically, and a tag list a spreadsheet
//! would run as a formula gets the usual guard.

use std::io::Write;
use std::path::Path;

use plantlab_protocol::{format_epoch_millis, NormalPrediction};

use crate::error::Result;

/// Writes `prediction`'s samples to `path` (see the module documentation).
pub fn write_csv(prediction: &NormalPrediction, path: &Path) -> Result<()> {
    crate::atomic_file::write_with(path, |file| {
        let mut out = std::io::BufWriter::new(file);
        write_rows(prediction, &mut out).and_then(|()| out.flush()).map_err(|e| e.to_string())
    })
}

fn write_rows(prediction: &NormalPrediction, out: &mut impl Write) -> std::io::Result<()> {
    let timeline = &prediction.timeline;
    let first = if timeline.has_timestamps { "timestamp" } else { "row" };
    writeln!(out, "{first},score,threshold,alarm,alarm_event,top_tags")?;
    let threshold = prediction.threshold;
    // Events are numbered as the engine numbers them: runs of alarm samples, in time order.
    let mut event = 0usize;
    let mut in_event = false;
    for (i, score) in timeline.score.iter().enumerate() {
        let alarm = timeline.alarm.get(i).copied().unwrap_or(false);
        if alarm && !in_event {
            event += 1;
        }
        in_event = alarm;
        let when = match timeline.x.get(i) {
            Some(&x) if timeline.has_timestamps => format_epoch_millis(x as i64),
            _ => i.to_string(),
        };
        let score_text = if score.is_finite() { score.to_string() } else { String::new() };
        let (event_text, tags) = if alarm {
            // Only the first events are listed with their explanation; later ones keep their number.
            let listed = prediction.alarms.get(event - 1).filter(|a| a.index as usize == event);
            let joined = listed.map(|a| a.top_tags.iter().map(|t| t.tag.as_str()).collect::<Vec<_>>().join("; ")).unwrap_or_default();
            (event.to_string(), crate::frame_export::guard_formula_text(&joined).unwrap_or(joined).replace('"', "\"\""))
        } else {
            (String::new(), String::new())
        };
        writeln!(out, "{when},{score_text},{threshold},{},{event_text},\"{tags}\"", u8::from(alarm))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use plantlab_protocol::{NormalAlarm, NormalBundleInfo, NormalDetector, NormalTimeline, TagSurprise};

    use super::*;

    fn surprise(tag: &str) -> TagSurprise {
        TagSurprise {
            tag: tag.to_owned(),
            surprise: 1.0,
            expected_low: 0.0,
            expected_high: 1.0,
            observed: 2.0,
            trend: None,
            explanation: String::new(),
            explanation_sentence: None,
        }
    }

    fn prediction(scores: Vec<f64>, threshold: f64, times_ms: Option<Vec<f64>>, tags: &[&str]) -> NormalPrediction {
        let alarm: Vec<bool> = scores.iter().map(|s| *s > threshold).collect();
        let has_timestamps = times_ms.is_some();
        let x = times_ms.unwrap_or_else(|| (0..scores.len()).map(|r| r as f64).collect());
        NormalPrediction {
            bundle: NormalBundleInfo {
                path: "b.json".into(),
                format_version: 2,
                detector: NormalDetector::LinearPredictor,
                tags: Vec::new(),
                normal_rows: 0,
                threshold,
                window: 1,
                smoothing: 1,
            },
            file: "new.csv".into(),
            rows: scores.len() as u64,
            samples: scores.iter().filter(|s| s.is_finite()).count() as u64,
            threshold,
            alarms: vec![NormalAlarm {
                index: 1,
                start_row: 2,
                end_row: 2,
                start_ms: None,
                end_ms: None,
                peak_score: scores[2],
                peak_row: 2,
                top_tags: tags.iter().map(|t| surprise(t)).collect(),
            }],
            alarm_count: 2,
            alarm_samples: alarm.iter().filter(|a| **a).count() as u64,
            timeline: NormalTimeline { x, has_timestamps, score: scores, alarm, pca: Vec::new(), top_tags: Vec::new() },
            warnings: Vec::new(),
            seconds: 0.0,
        }
    }

    #[test]
    fn every_sample_gets_its_score_alarm_event_and_tags() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pred.csv");
        // Two alarm events; only the first is listed with its tags.
        let p = prediction(vec![f64::NAN, 0.1, 2.5, 0.3, 1.0 / 3.0 + 1.0], 1.0, None, &["=HYPERLINK(\"x\")", "T2"]);
        write_csv(&p, &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let expected = format!(
            "row,score,threshold,alarm,alarm_event,top_tags\n0,,1,0,,\"\"\n1,0.1,1,0,,\"\"\n2,2.5,1,1,1,\"'=HYPERLINK(\"\"x\"\"); T2\"\n3,0.3,1,0,,\"\"\n4,{},1,1,2,\"\"\n",
            1.0 / 3.0 + 1.0
        );
        assert_eq!(text, expected);
        // The score reads back to the same number.
        let last: f64 = text.lines().last().unwrap().split(',').nth(1).unwrap().parse().unwrap();
        assert_eq!(last.to_bits(), (1.0_f64 / 3.0 + 1.0).to_bits());
    }

    #[test]
    fn timestamps_replace_row_numbers_and_a_failed_write_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pred.csv");
        std::fs::write(&path, "old\n").unwrap();
        let p = prediction(vec![0.0, 0.5, 2.0], 1.0, Some(vec![1_709_251_200_000.0, 1_709_251_260_000.0, 1_709_251_320_000.0]), &["T1"]);
        write_csv(&p, &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("timestamp,score,"), "{text}");
        assert!(text.ends_with("2024-03-01 00:02:00,2,1,1,1,\"T1\"\n"), "{text}");
        assert!(write_csv(&p, &dir.path().join("missing").join("pred.csv")).is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary left behind");
    }
}
