//! `--help` in the chosen language: the clap definition's about, help, heading and after-help
//! texts come from the catalogue (`cli-help-…` keys of `cli.ftl`), set on the built command
//! before parsing. The English catalogue says what the doc comments say (a test holds them
//! equal), so English keeps the definition as it is.
//!
//! Keys: `cli-help-<path>` for a command's about (`plantlab`, `train`, `bench-load`),
//! `cli-help-<path>-after` for its after-help, `cli-help-<path>--<flag>` for a flag, and
//! `cli-help--<flag>` for a flag many commands share (the import and alarm options, `--lang`,
//! `--help`, `--version`); `cli-help-heading-<heading>` for a heading.

use std::collections::BTreeSet;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Command, CommandFactory, ValueEnum};
use plantlab_i18n::{Arg, Catalog, Lang};
use plantlab_protocol::{
    EventOptions, NormalTrainRequest, TrainConfig, DEFAULT_CLEAR_RATIO, DEFAULT_DEAD_TIME_SAMPLES, DEFAULT_MIN_DURATION_SAMPLES,
};

use crate::args::{AlarmArgs, ClassWeightsChoice, Cli, DataSet, ImportArgs, ModelChoice, Workload};

/// The command line's definition with every text in `lang`.
pub fn command(lang: Lang) -> Command {
    let command = worded(lang);
    if lang == Lang::En {
        return command;
    }
    with_value_notes(command, &Catalog::new(lang))
}

/// `help` (clap's rendering, with or without its terminal styles) with each heading's colon
/// full width: clap ends a heading with ":", and Chinese text takes "：" (as 用法： does).
pub fn full_width_heading_colons(help: &str) -> String {
    help.split_inclusive('\n')
        .map(|line| {
            let plain = without_styles(line);
            let plain = plain.trim_end();
            let is_heading = !plain.starts_with(char::is_whitespace) && plain.ends_with(':') && !plain.is_ascii();
            match line.rfind(':') {
                Some(at) if is_heading => format!("{}：{}", &line[..at], &line[at + 1..]),
                _ => line.to_owned(),
            }
        })
        .collect()
}

/// `text` without terminal style sequences (ESC [ … letter).
fn without_styles(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut in_sequence = false;
    for c in text.chars() {
        match c {
            '\u{1b}' => in_sequence = true,
            c if in_sequence => in_sequence = !c.is_ascii_alphabetic(),
            c => plain.push(c),
        }
    }
    plain
}

/// The definition with its own help texts in `lang` (clap's notes on values not yet worded).
fn worded(lang: Lang) -> Command {
    let mut command = Cli::command();
    if lang == Lang::En {
        return command;
    }
    // Built first, so the flags clap adds (--help, --version, the global --lang in every
    // subcommand) and the `help` subcommand are there to be worded too.
    command.build();
    let words = Words { catalog: Catalog::new(lang), values: help_values(), shared: shared_flags() };
    words.command(command, &[])
}

/// Every help text of the definition in `lang`, by key, in the order `--help` shows them; for
/// the tests that hold the catalogue to the definition.
#[cfg(test)]
pub fn texts(lang: Lang) -> Vec<(String, String)> {
    let mut command = worded(lang);
    command.build();
    let mut texts = Vec::new();
    collect(&command, &[], &shared_flags(), &mut texts);
    texts
}

#[cfg(test)]
fn collect(command: &Command, path: &[String], shared: &BTreeSet<String>, texts: &mut Vec<(String, String)>) {
    if let Some(about) = command.get_about() {
        texts.push((about_key(path), about.to_string()));
    }
    if let Some(after) = command.get_after_help() {
        texts.push((format!("{}-after", about_key(path)), after.to_string()));
    }
    for arg in command.get_arguments() {
        if let Some(help) = arg.get_help() {
            let key = flag_key(path, arg.get_id().as_str(), &help.to_string(), shared);
            for value in arg.get_possible_values() {
                if let Some(help) = value.get_help() {
                    texts.push((format!("{key}-value-{}", value.get_name()), help.to_string()));
                }
            }
            if let Some(long) = arg.get_long_help() {
                texts.push((format!("{key}-long"), long.to_string()));
            }
            texts.push((key, help.to_string()));
        }
        if let Some(heading) = arg.get_help_heading() {
            texts.push((heading_key(heading), heading.to_owned()));
        }
    }
    for sub in command.get_subcommands() {
        collect(sub, &sub_path(path, sub.get_name()), shared, texts);
    }
}

struct Words {
    catalog: Catalog,
    values: Vec<(&'static str, Arg)>,
    shared: BTreeSet<String>,
}

impl Words {
    fn text(&self, key: &str) -> String {
        self.catalog.text_with(key, &self.values)
    }

    fn command(&self, mut command: Command, path: &[String]) -> Command {
        if command.get_about().is_some() {
            command = command.about(self.text(&about_key(path)));
        }
        if command.get_after_help().is_some() {
            command = command.after_help(self.text(&format!("{}-after", about_key(path))));
        }
        let usage = self.text("cli-help-usage");
        command = command
            .help_template(format!("{{before-help}}{{about-with-newline}}\n{usage} {{usage}}\n\n{{all-args}}{{after-help}}"))
            .subcommand_help_heading(self.text("cli-help-heading-commands"));
        let ids: Vec<String> = command.get_arguments().map(|arg| arg.get_id().to_string()).collect();
        for id in ids {
            command = command.mut_arg(&id, |mut arg| {
                if let Some(help) = arg.get_help() {
                    let key = flag_key(path, &id, &help.to_string(), &self.shared);
                    arg = self.values(arg, &key);
                    if arg.get_long_help().is_some() {
                        arg = arg.long_help(self.text(&format!("{key}-long")));
                    }
                    arg = arg.help(self.text(&key));
                }
                // clap's own "Options" and "Arguments" sections are headings of ours here.
                let heading = match arg.get_help_heading() {
                    Some(heading) => heading_key(heading),
                    None if arg.is_positional() => "cli-help-heading-arguments".to_owned(),
                    None => "cli-help-heading-options".to_owned(),
                };
                arg.help_heading(self.text(&heading))
            });
        }
        let names: Vec<String> = command.get_subcommands().map(|sub| sub.get_name().to_owned()).collect();
        for name in names {
            let sub_path = sub_path(path, &name);
            command = command.mut_subcommand(&name, |sub| self.command(sub, &sub_path));
        }
        command
    }
}

impl Words {
    /// `arg` with its values' help worded (`<flag key>-value-<name>`): a parser that takes the
    /// same names and gives the same value as the definition's, its values' help in words.
    fn values(&self, arg: clap::Arg, key: &str) -> clap::Arg {
        if arg.get_possible_values().iter().all(|value| value.get_help().is_none()) {
            return arg;
        }
        match arg.get_id().as_str() {
            "model" => self.enum_values::<ModelChoice>(arg, key),
            "class_weights" => self.enum_values::<ClassWeightsChoice>(arg, key),
            "workload" => self.enum_values::<Workload>(arg, key),
            "data_set" => self.enum_values::<DataSet>(arg, key),
            _ => arg,
        }
    }

    fn enum_values<E: ValueEnum + Clone + Send + Sync + 'static>(&self, arg: clap::Arg, key: &str) -> clap::Arg {
        let names = |values: &[PossibleValue]| values.iter().map(|value| value.get_name().to_owned()).collect::<Vec<_>>();
        let values: Vec<PossibleValue> = E::value_variants()
            .iter()
            .filter_map(ValueEnum::to_possible_value)
            .map(|value| match value.get_help() {
                Some(_) => {
                    let help = self.text(&format!("{key}-value-{}", value.get_name()));
                    value.help(help)
                }
                None => value,
            })
            .collect();
        // Only where the flag takes exactly this enum's values (a renamed flag keeps its own).
        if names(&values) != names(&arg.get_possible_values()) {
            return arg;
        }
        arg.value_parser(PossibleValuesParser::new(values).try_map(|name| E::from_str(&name, false)))
    }
}

/// `command` with clap's English notes on values ("[default: …]", "[possible values: …]" and,
/// under `--help`, the "Possible values:" list) hidden and written into each flag's help in
/// `catalog`'s words instead: clap has no way to word them itself.
fn with_value_notes(mut command: Command, catalog: &Catalog) -> Command {
    // Where a command's `--help` is longer than its `-h`, clap gives the notes a paragraph of
    // their own there.
    let long_help = command.get_arguments().any(|arg| {
        !arg.is_hide_set()
            && (arg.get_long_help().is_some() || arg.get_possible_values().iter().any(|value| !value.is_hide_set() && value.get_help().is_some()))
    });
    let ids: Vec<String> = command.get_arguments().map(|arg| arg.get_id().to_string()).collect();
    for id in ids {
        command = command.mut_arg(&id, |arg| value_notes(arg, catalog, long_help));
    }
    let names: Vec<String> = command.get_subcommands().map(|sub| sub.get_name().to_owned()).collect();
    for name in names {
        command = command.mut_subcommand(&name, |sub| with_value_notes(sub, catalog));
    }
    command
}

/// One flag's notes on its values, as clap would place them: after the help in `-h`; in
/// `--help` (where `long_help`), the values with help of their own listed below it and the
/// notes in a paragraph after them.
fn value_notes(arg: clap::Arg, catalog: &Catalog, long_help: bool) -> clap::Arg {
    if arg.is_hide_set() || !arg.get_action().takes_values() {
        return arg;
    }
    let defaults: Vec<String> = arg.get_default_values().iter().map(|value| value.to_string_lossy().into_owned()).collect();
    let default = (!defaults.is_empty() && !arg.is_hide_default_value_set())
        .then(|| catalog.text_with("cli-help-default", &[("value", Arg::from(defaults.join(" ")))]));
    let values: Vec<PossibleValue> = if arg.is_hide_possible_values_set() {
        Vec::new()
    } else {
        arg.get_possible_values().into_iter().filter(|value| !value.is_hide_set()).collect()
    };
    if default.is_none() && values.is_empty() {
        return arg;
    }
    let names: Vec<&str> = values.iter().map(PossibleValue::get_name).collect();
    let listed = (!names.is_empty()).then(|| catalog.text_with("cli-help-possible-values", &[("values", Arg::from(names.join(", ")))]));
    let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
    let notes = default.iter().chain(listed.iter()).map(String::as_str).collect::<Vec<_>>().join(" ");
    let short = [help.as_str(), notes.as_str()].into_iter().filter(|part| !part.is_empty()).collect::<Vec<_>>().join(" ");
    let values_have_help = values.iter().any(|value| value.get_help().is_some());
    let long = if values_have_help {
        let width = names.iter().map(|name| crate::i18n::display_width(name)).max().unwrap_or(0);
        let mut list = catalog.text("cli-help-possible-values-heading");
        for value in &values {
            let name = value.get_name();
            match value.get_help() {
                // Aligned as clap aligns them: the helps start in one column.
                Some(help) => list.push_str(&format!("\n- {name}: {}{help}", " ".repeat(width.saturating_sub(crate::i18n::display_width(name))))),
                None => list.push_str(&format!("\n- {name}")),
            }
        }
        let base = arg.get_long_help().map_or_else(|| help.clone(), ToString::to_string);
        Some([base, list].into_iter().chain(default.clone()).filter(|part| !part.is_empty()).collect::<Vec<_>>().join("\n\n"))
    } else if long_help || arg.get_long_help().is_some() {
        let base = arg.get_long_help().map_or_else(|| help.clone(), ToString::to_string);
        Some([base, notes].into_iter().filter(|part| !part.is_empty()).collect::<Vec<_>>().join("\n\n"))
    } else {
        None
    };
    let arg = arg.hide_default_value(true).hide_possible_values(true).help(short);
    match long {
        Some(long) => arg.long_help(long),
        None => arg,
    }
}

fn sub_path(path: &[String], name: &str) -> Vec<String> {
    let mut sub = path.to_vec();
    sub.push(name.to_owned());
    sub
}

/// The key of a command's about: `cli-help-plantlab` for the root, `cli-help-bench-load` for
/// `bench load`. clap's `help` subcommands (`plantlab help`, `plantlab bench help load`)
/// mirror the commands: they share `cli-help-help-command` and the about of the command named.
fn about_key(path: &[String]) -> String {
    match path.last().map(String::as_str) {
        None => "cli-help-plantlab".to_owned(),
        Some("help") => "cli-help-help-command".to_owned(),
        Some(_) => format!("cli-help-{}", path.iter().filter(|name| *name != "help").cloned().collect::<Vec<_>>().join("-")),
    }
}

/// The key of a flag's help (`english`, the definition's help, tells clap's two helps of
/// `--help` apart: "see more with '--help'" where a flag's values have help of their own).
fn flag_key(path: &[String], id: &str, english: &str, shared: &BTreeSet<String>) -> String {
    let flag = id.replace('_', "-");
    if id == "help" && english.contains("--help") {
        "cli-help--help-more".to_owned()
    } else if shared.contains(id) {
        format!("cli-help--{flag}")
    } else {
        format!("{}--{flag}", about_key(path))
    }
}

/// `cli-help-heading-import-options` for "Import options (each sniffed when not given)".
fn heading_key(heading: &str) -> String {
    let name = heading.split(" (").next().unwrap_or(heading);
    let slug: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    format!("cli-help-heading-{slug}")
}

/// The flags whose help is the same in every command that has them.
fn shared_flags() -> BTreeSet<String> {
    let mut ids: BTreeSet<String> = ["lang", "help", "version"].into_iter().map(str::to_owned).collect();
    for group in [ImportArgs::augment_args(Command::new("import")), AlarmArgs::augment_args(Command::new("alarm"))] {
        ids.extend(group.get_arguments().map(|arg| arg.get_id().to_string()));
    }
    ids
}

/// The values the help texts name (defaults, the runs folder), by the catalogue's argument
/// names, written as the definition writes them.
fn help_values() -> Vec<(&'static str, Arg)> {
    let train = TrainConfig::default();
    let normal = NormalTrainRequest::default();
    let text = |value: &dyn std::fmt::Display| Arg::from(value.to_string());
    vec![
        ("clear-ratio", text(&DEFAULT_CLEAR_RATIO)),
        ("min-alarm", text(&DEFAULT_MIN_DURATION_SAMPLES)),
        ("dead-time", text(&DEFAULT_DEAD_TIME_SAMPLES)),
        ("lookback-h", text(&(EventOptions::default().lookback_s / 3600.0))),
        ("runs-folder", text(&plantlab_engine::Workbench::new().runs_root().display())),
        ("window-lm", text(&normal.window)),
        ("bins", text(&train.bins)),
        ("bins-lm", text(&normal.bins)),
        ("rounds", text(&train.trees.rounds)),
        ("epochs", text(&train.epochs)),
        ("epochs-lm", text(&normal.epochs)),
        ("seed", text(&train.seed)),
        ("seed-lm", text(&normal.seed)),
        ("batch-size", text(&train.batch_size)),
        ("learning-rate", text(&train.learning_rate)),
        ("trees-learning-rate", text(&train.trees.learning_rate)),
        ("embedding", text(&train.embedding_dim)),
        ("hidden", text(&train.hidden)),
        ("patience", text(&train.patience.map_or_else(|| "off".to_owned(), |p| p.to_string()))),
        ("trees-patience", text(&train.trees.patience)),
        ("smoothing", text(&normal.smoothing)),
        ("target-far", text(&(normal.target_false_alarms / 1000.0))),
        ("target-far-per-1000", text(&normal.target_false_alarms)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_take_the_full_width_colon_with_or_without_styles() {
        let plain = "用法： plantlab train\n\n选项:\n      --model <MODEL>  模型: seed\nOptions:\n";
        assert_eq!(full_width_heading_colons(plain), "用法： plantlab train\n\n选项：\n      --model <MODEL>  模型: seed\nOptions:\n");
        let styled = "\u{1b}[1m\u{1b}[4m参数:\u{1b}[0m\n";
        assert_eq!(full_width_heading_colons(styled), "\u{1b}[1m\u{1b}[4m参数：\u{1b}[0m\n");
    }

    #[test]
    fn the_english_catalogue_says_what_the_definition_says() {
        let english = Catalog::new(Lang::En);
        let values = help_values();
        let texts = texts(Lang::En);
        assert!(texts.len() > 100, "{} help texts", texts.len());
        for (key, text) in &texts {
            assert_eq!(&english.text_with(key, &values), text, "{key}: the catalogue and the definition differ");
        }
        assert_eq!(english.fallback_count(), 0, "{:?}", english.fallback_keys());
    }

    #[test]
    fn every_help_text_reads_in_chinese() {
        let english: BTreeSet<(String, String)> = texts(Lang::En).into_iter().collect();
        let chinese = texts(Lang::ZhCn);
        let has_chinese = |text: &str| text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        for (key, text) in &chinese {
            assert!(has_chinese(text), "{key}: {text}");
            assert!(!english.contains(&(key.clone(), text.clone())), "{key} is English");
        }
        let keys = |texts: &[(String, String)]| texts.iter().map(|(key, _)| key.clone()).collect::<BTreeSet<_>>();
        // The Chinese definition has the English one's texts and clap's own headings besides.
        let extra: BTreeSet<String> = keys(&chinese).difference(&keys(&english.into_iter().collect::<Vec<_>>())).cloned().collect();
        assert!(extra.iter().all(|key| key.contains("-heading-")), "{extra:?}");
    }

    #[test]
    fn the_chinese_definition_is_consistent_and_parses_as_the_english_one() {
        command(Lang::ZhCn).debug_assert();
        let argv = ["plantlab", "train", "x.csv", "--model", "process-lm", "--class-weights", "auto", "--lang", "zh-CN"];
        let parsed = |lang| {
            let matches = command(lang).try_get_matches_from(argv).unwrap();
            format!("{:?}", <Cli as clap::FromArgMatches>::from_arg_matches(&matches).unwrap())
        };
        assert_eq!(parsed(Lang::ZhCn), parsed(Lang::En));
        assert!(parsed(Lang::ZhCn).contains("ProcessLm"));
        // A value the flag does not take is refused the same way.
        assert!(command(Lang::ZhCn).try_get_matches_from(["plantlab", "train", "x.csv", "--model", "forest"]).is_err());
    }

    #[test]
    fn the_language_is_read_from_the_arguments_before_parsing() {
        let argv = |args: &[&str]| args.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
        assert_eq!(crate::args::lang_in_argv(argv(&["plantlab", "--lang", "zh-CN", "train", "--help"])), Some(Lang::ZhCn));
        assert_eq!(crate::args::lang_in_argv(argv(&["plantlab", "train", "--help", "--lang=zh_CN.UTF-8"])), Some(Lang::ZhCn));
        assert_eq!(crate::args::lang_in_argv(argv(&["plantlab", "--lang", "zh-CN", "--lang", "en"])), Some(Lang::En));
        assert_eq!(crate::args::lang_in_argv(argv(&["plantlab", "--lang", "xx", "info"])), None);
        assert_eq!(crate::args::lang_in_argv(argv(&["plantlab", "info", "--", "--lang", "zh-CN"])), None);
        assert_eq!(crate::args::lang_in_argv(argv(&["plantlab", "--language", "zh-CN"])), None);
    }

    /// `cargo test … --bin plantlab dump_english_help -- --ignored --nocapture` prints the
    /// English help texts as catalogue lines (with the values the definition fills in written
    /// out: replace them with their `{ $name }`).
    #[test]
    #[ignore]
    fn dump_english_help() {
        let mut seen = BTreeSet::new();
        for (key, text) in texts(Lang::En) {
            if seen.insert(key.clone()) {
                println!("{key} = {}", text.replace('\n', "\n    "));
            }
        }
    }
}
