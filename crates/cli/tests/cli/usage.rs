//! The command line itself: help for every subcommand, the version, and the exit statuses
//! (0 success, 1 failure, 2 usage error, 3 failed quality gate) with their messages.

use super::{assert_one_line_failure, assert_usage_error, plantlab, sample};

/// Every subcommand with flags its help must name.
const SUBCOMMANDS: &[(&[&str], &[&str])] = &[
    (
        &["info"],
        &[
            "<FILE>",
            "--json",
            "--delimiter",
            "--decimal",
            "--encoding",
            "--header-rows",
            "--no-header",
            "--names",
            "--column-widths",
            "--timestamp-column",
            "--timestamp-format",
            "--sheet",
        ],
    ),
    (&["profile"], &["<FILE>", "--label", "--json", "--delimiter", "--header-rows", "--timestamp-format"]),
    (&["bench", "load"], &["--rows", "--tags", "--runs", "--python", "--peer", "--json"]),
    (&["bench", "train"], &["--workload", "--n", "--epochs", "--threads", "--batch", "--python", "--peer-device", "--json"]),
    (&["bench", "clean"], &["--rows", "--tags", "--runs", "--json"]),
    (
        &["train"],
        &[
            "<FILE>",
            "--model",
            "--target",
            "--exclude",
            "--feature",
            "--recipe",
            "--epochs",
            "--seed",
            "--batch-size",
            "--lr",
            "--bins",
            "--embedding",
            "--hidden",
            "--window",
            "--stride",
            "--patience",
            "--class-weights",
            "--threads",
            "--runs",
            "--json",
            "--normal-when",
            "--normal-from",
            "--normal-to",
            "--smoothing",
            "--target-far",
            "--false-alarms-per-day",
        ],
    ),
    (&["runs"], &["--runs", "--json"]),
    (&["clean"], &["<FILE>", "--suggest", "--recipe", "--output", "--label", "--require-gate", "--json", "--delimiter"]),
    (&["bundle"], &["<RUN_DIR>", "--output", "--threshold", "--clear-ratio", "--min-alarm", "--dead-time", "--lookback-h", "--json"]),
    (&["predict"], &["<FILE>", "--bundle", "--output", "--threshold", "--clear-ratio", "--min-alarm", "--dead-time", "--json"]),
    (&["eval"], &["[FILE]", "--bundle", "--run", "--label", "--threshold", "--lookback-h", "--clear-ratio", "--json"]),
    (&["report"], &["<RUN_DIR>", "--output", "--json"]),
    (&["bench-normal"], &["<TEP_DIR>", "--components", "--seeds", "--window", "--bins", "--epochs", "--smoothing", "--no-lm", "--json"]),
    (&["generate"], &["<DATA_SET>", "pump-station", "--output", "--seed"]),
];

#[test]
fn every_subcommand_has_help_naming_its_flags() {
    for (path, flags) in SUBCOMMANDS {
        let mut args = path.to_vec();
        args.push("--help");
        let out = plantlab(&args);
        let help = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(help.contains(&format!("Usage: plantlab {}", path.join(" "))), "{args:?}: {help}");
        for flag in *flags {
            assert!(help.contains(flag), "{args:?} help names {flag}: {help}");
        }
    }
    // The top level lists every subcommand and the exit statuses.
    let out = plantlab(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for name in ["info", "profile", "bench", "train", "runs", "clean", "bundle", "predict", "eval", "report", "bench-normal", "generate"] {
        assert!(help.lines().any(|l| l.trim_start().starts_with(&format!("{name} "))), "{name} listed: {help}");
    }
    assert!(help.contains("Exit status") && help.contains("3 `clean --require-gate`"), "{help}");
}

#[test]
fn help_states_the_defaults() {
    let out = plantlab(&["train", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("default 10; process-lm: 60"), "epochs of both models: {help}");
    assert!(help.contains("[default: seed]"), "{help}");
    let out = plantlab(&["train", "-h"]);
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("[possible values: seed, transformer, mlp, trees, linear, process-lm]"), "{help}");
    let out = plantlab(&["predict", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("(default 0.8)") && help.contains("(default 30)"), "{help}");
}

#[test]
fn version_names_the_release() {
    for args in [&["--version"][..], &["-V"]] {
        let out = plantlab(args);
        assert!(out.status.success(), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("plantlab {}", env!("CARGO_PKG_VERSION")));
    }
}

#[test]
fn malformed_command_lines_are_usage_errors() {
    let data = sample();
    let data = data.to_str().unwrap();
    // An unknown flag, with a suggestion where one is close.
    assert_usage_error(&plantlab(&["info", data, "--jsn"]), "unexpected argument '--jsn'");
    // A flag missing its value does not take the next flag as its value.
    assert_usage_error(&plantlab(&["train", data, "--target", "--json"]), "a value is required for '--target <COL>'");
    assert_usage_error(&plantlab(&["predict", data, "--bundle", "m.plmodel", "-o"]), "a value is required for '--output");
    // Values clap checks: enums, numbers, characters, ranges.
    assert_usage_error(&plantlab(&["train", data, "--target", "x", "--class-weights", "maybe"]), "[possible values: auto, on, off]");
    assert_usage_error(&plantlab(&["bench", "train", "--workload", "w3"]), "[possible values: w1, w2]");
    assert_usage_error(&plantlab(&["generate", "pumps", "-o", "x.csv"]), "[possible values: pump-station]");
    assert_usage_error(&plantlab(&["info", data, "--delimiter", ";;"]), "one character, `tab` or `whitespace`");
    assert_usage_error(&plantlab(&["info", data, "--header-rows", "3"]), "invalid value '3' for '--header-rows");
    assert_usage_error(&plantlab(&["info", data, "--column-widths", "4,0"]), "positive widths");
    assert_usage_error(&plantlab(&["predict", data, "--bundle", "m", "-o", "p.csv", "--min-alarm", "1.5"]), "invalid value '1.5' for '--min-alarm");
    assert_usage_error(&plantlab(&["bench", "load", "--runs", "0"]), "--runs");
    assert_usage_error(&plantlab(&["bench", "load", "--peer", "duckdb=python3"]), "--peer");
    assert_usage_error(&plantlab(&["bench", "load", "--peer", "pandas"]), "--peer");
    assert_usage_error(&plantlab(&["bench"]), "Usage: plantlab bench");
    assert_usage_error(&plantlab(&["bench", "fly"]), "unrecognized subcommand 'fly'");
    // Flags that belong together or apart.
    assert_usage_error(&plantlab(&["train", data, "--model", "process-lm", "--normal-from", "0"]), "--normal-to");
    assert_usage_error(
        &plantlab(&["train", data, "--model", "process-lm", "--normal-when", "label=0", "--normal-from", "0", "--normal-to", "9"]),
        "cannot be used with",
    );
    assert_usage_error(&plantlab(&["train", data, "--model", "process-lm", "--normal-when", "label"]), "COL=VALUE");
}

#[test]
fn missing_files_fail_with_one_line_and_status_1() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.csv");
    let missing = missing.to_str().unwrap();
    let out = dir.path().join("out").display().to_string();
    assert_one_line_failure(&plantlab(&["profile", missing]), "does not exist");
    assert_one_line_failure(&plantlab(&["train", missing, "--target", "fault", "--runs", &out]), "does not exist");
    assert_one_line_failure(&plantlab(&["clean", missing, "--suggest", "-o", &out]), "does not exist");
    assert_one_line_failure(&plantlab(&["report", missing, "-o", &out]), "does not exist");
    assert_one_line_failure(&plantlab(&["predict", sample().to_str().unwrap(), "--bundle", missing, "-o", &out]), missing);
}
