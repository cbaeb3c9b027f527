//! `--help` and usage errors from the catalog. clap's derive gives the structure (commands,
//! arguments, defaults); every text a person reads comes from a key derived from the
//! names: `cli-about`, `cli-arg-lake`, `cli-ingest-about`, `cli-ingest-after-help`
//! (optional), `cli-ingest-arg-kind`, `cli-plans-export-arg-format`.

use std::ffi::OsString;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command};

use super::{message_in, Arg as Value, Lang};

/// The catalog key prefix of a command: `cli` for the root, `cli-plans-export` below.
fn prefix(parent: &str, name: &str) -> String {
    format!("{parent}-{}", name.replace('_', "-"))
}

/// The key of an argument's help: `cli-ingest-arg-kind`, `cli-score-arg-as-of`.
fn arg_key(prefix: &str, id: &str) -> String {
    format!("{prefix}-arg-{}", id.replace('_', "-"))
}

/// The catalog keys the help of `cmd` needs (its subcommands' too): about and one per
/// argument. `after-help` keys are optional.
#[cfg(test)]
pub(super) fn required_keys(cmd: &Command, prefix: &str) -> Vec<String> {
    let mut keys = vec![format!("{prefix}-about")];
    keys.extend(
        cmd.get_arguments()
            .map(|a| arg_key(prefix, a.get_id().as_str()))
            .filter(|k| !k.ends_with("-arg-help") && !k.ends_with("-arg-version")),
    );
    for sub in cmd.get_subcommands() {
        keys.extend(required_keys(sub, &self::prefix(prefix, sub.get_name())));
    }
    keys
}

/// A message without arguments.
fn text(lang: Lang, key: &str) -> String {
    message_in(lang, key, &[])
}

/// The whole command tree with texts in `lang`, plus a `help [COMMAND]` subcommand that
/// replaces clap's English one.
pub fn localize(cmd: Command, lang: Lang) -> Command {
    let version = Arg::new("version")
        .short('V')
        .long("version")
        .action(ArgAction::Version)
        .help(text(lang, "cli-arg-version"))
        .help_heading(text(lang, "cli-heading-options"));
    let help = Command::new("help")
        .about(text(lang, "cli-help-about"))
        .arg(
            Arg::new("command")
                .num_args(0..)
                .value_name(text(lang, "cli-help-value-name"))
                .help(text(lang, "cli-help-arg-command")),
        );
    let cmd = cmd
        .disable_help_flag(true)
        .disable_version_flag(true)
        .disable_help_subcommand(true)
        .arg(version);
    localize_command(cmd, "cli", lang).subcommand(localize_command(help, "cli-help", lang))
}

fn localize_command(mut cmd: Command, prefix: &str, lang: Lang) -> Command {
    let template = format!(
        "{{about-with-newline}}\n{} {{usage}}\n\n{{all-args}}{{after-help}}",
        text(lang, "cli-usage-heading")
    );
    let help = Arg::new("help")
        .short('h')
        .long("help")
        .action(ArgAction::Help)
        .help(text(lang, "cli-arg-help"))
        .help_heading(text(lang, "cli-heading-options"))
        .display_order(99);
    cmd = cmd
        .about(text(lang, &format!("{prefix}-about")))
        .long_about(None)
        .help_template(template)
        .subcommand_help_heading(text(lang, "cli-heading-commands"))
        .arg(help);
    let after_help = format!("{prefix}-after-help");
    if super::has(lang, &after_help) {
        cmd = cmd.after_help(text(lang, &after_help));
    }
    cmd = cmd.after_long_help(None);
    let ids: Vec<String> = cmd
        .get_arguments()
        .map(|a| a.get_id().to_string())
        .filter(|id| id != "help" && id != "version")
        .collect();
    // Under a custom heading clap sorts by name: keep the declaration order (`<KIND>
    // [FILES]...`), a command's own options before the global ones of the root.
    let first = if prefix == "cli" { 100 } else { 0 };
    for (position, id) in ids.into_iter().enumerate() {
        let key = arg_key(prefix, &id);
        cmd = cmd.mut_arg(id, |arg| {
            localize_arg(arg, &key, lang).display_order(first + position)
        });
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        let sub_prefix = self::prefix(prefix, &name);
        cmd = cmd.mut_subcommand(name, |sub| localize_command(sub, &sub_prefix, lang));
    }
    cmd
}

/// One argument's help, with the default, environment variable and possible values said
/// in `lang` (clap would write "[default: …]" in English).
fn localize_arg(arg: Arg, key: &str, lang: Lang) -> Arg {
    let mut help = text(lang, key);
    // "[possible values: …]", "[default: …]", "[env: …]" from the catalog; empty lists
    // say nothing.
    let mut note = |key: &str, name: &str, values: Vec<String>| {
        if !values.is_empty() {
            let note = message_in(lang, key, &[(name, values.join(", ").into())]);
            help.push_str(&format!(" [{note}]"));
        }
    };
    let takes_values = arg.get_action().takes_values();
    if takes_values {
        let possible = arg.get_possible_values();
        let possible = possible.iter().filter(|v| !v.is_hide_set());
        let possible = possible.map(|v| v.get_name().to_string()).collect();
        note("cli-possible-values", "values", possible);
        let defaults = arg.get_default_values().iter();
        let defaults = defaults.map(|v| v.to_string_lossy().into_owned()).collect();
        note("cli-default", "value", defaults);
    }
    let env = arg.get_env().map(|v| v.to_string_lossy().into_owned());
    note("cli-env", "variable", env.into_iter().collect());
    let heading = if arg.is_positional() {
        "cli-heading-arguments"
    } else {
        "cli-heading-options"
    };
    arg.help(help)
        .long_help(None)
        .hide_default_value(takes_values)
        .hide_possible_values(takes_values)
        .hide_env(true)
        .help_heading(text(lang, heading))
}

/// Parses `args` against `cmd` with texts in `lang`. Like clap, prints help or version and
/// exits 0, or prints a usage error and exits 2; the errors are said in `lang` too.
pub fn get_matches(cmd: Command, args: Vec<OsString>, lang: Lang) -> clap::ArgMatches {
    let localized = localize(cmd.clone(), lang);
    let matches = localized
        .try_get_matches_from(args.iter())
        .unwrap_or_else(|e| exit_with(e, lang));
    match matches.subcommand() {
        // `momentos help plans export` is `momentos plans export --help`.
        Some(("help", sub)) => {
            let mut rewritten: Vec<OsString> = args.first().cloned().into_iter().collect();
            rewritten.extend(
                sub.get_many::<String>("command")
                    .into_iter()
                    .flatten()
                    .map(OsString::from),
            );
            rewritten.push("--help".into());
            get_matches(cmd, rewritten, lang)
        }
        _ => matches,
    }
}

/// Prints clap's error in `lang`, with the usage line, and exits as clap does.
fn exit_with(e: clap::Error, lang: Lang) -> ! {
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit();
    }
    eprintln!("error: {}", usage_error(&e, lang));
    if let Some(usage) = e.get(ContextKind::Usage) {
        let usage = usage.to_string();
        let usage = usage
            .trim()
            .replacen("Usage:", &text(lang, "cli-usage-heading"), 1);
        eprintln!("\n{usage}");
    }
    eprintln!("\n{}", text(lang, "cli-more-information"));
    std::process::exit(e.exit_code());
}

/// The text of one context value of a clap error ("" when absent).
fn context(e: &clap::Error, kind: ContextKind) -> String {
    match e.get(kind) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join(", "),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// clap's usage error said with the catalog's words.
fn usage_error(e: &clap::Error, lang: Lang) -> String {
    let arg: Value = context(e, ContextKind::InvalidArg).into();
    let value = context(e, ContextKind::InvalidValue);
    let message = match e.kind() {
        ErrorKind::InvalidValue if value.is_empty() => {
            message_in(lang, "cli-error-missing-value", &[("arg", arg)])
        }
        ErrorKind::InvalidValue => message_in(
            lang,
            "cli-error-invalid-value",
            &[
                ("arg", arg),
                ("value", value.into()),
                ("values", context(e, ContextKind::ValidValue).into()),
            ],
        ),
        ErrorKind::ValueValidation => {
            let reason = std::error::Error::source(e).map_or_else(String::new, |s| s.to_string());
            message_in(
                lang,
                "cli-error-bad-value",
                &[
                    ("arg", arg),
                    ("value", value.into()),
                    ("reason", reason.into()),
                ],
            )
        }
        ErrorKind::UnknownArgument => {
            message_in(lang, "cli-error-unknown-argument", &[("arg", arg)])
        }
        ErrorKind::InvalidSubcommand => message_in(
            lang,
            "cli-error-unknown-command",
            &[("command", context(e, ContextKind::InvalidSubcommand).into())],
        ),
        ErrorKind::MissingRequiredArgument => {
            message_in(lang, "cli-error-missing-argument", &[("arg", arg)])
        }
        ErrorKind::MissingSubcommand => text(lang, "cli-error-missing-command"),
        ErrorKind::ArgumentConflict => message_in(
            lang,
            "cli-error-conflict",
            &[
                ("arg", arg),
                ("other", context(e, ContextKind::PriorArg).into()),
            ],
        ),
        // Rare kinds (too many values, a flag given twice…): clap's own sentence.
        _ => {
            let rendered = e.to_string();
            let first = rendered.lines().next().unwrap_or_default();
            first.trim_start_matches("error: ").to_string()
        }
    };
    let suggestion = [ContextKind::SuggestedArg, ContextKind::SuggestedSubcommand]
        .into_iter()
        .map(|k| context(e, k))
        .find(|s| !s.is_empty());
    match suggestion {
        Some(s) => format!(
            "{message}\n\n  {}",
            message_in(lang, "cli-error-suggestion", &[("suggestion", s.into())])
        ),
        None => message,
    }
}
