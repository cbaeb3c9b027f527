use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::Path;

use clap::CommandFactory;
use fluent_bundle::FluentResource;

use super::*;
use crate::cli::Cli;

/// Every message of a catalog with the `$variables` its text uses. Panics on a syntax error.
fn entries(lang: Lang) -> BTreeMap<String, BTreeSet<String>> {
    let source = catalog::source(lang);
    if let Err((_, errors)) = FluentResource::try_new(source.to_string()) {
        panic!("i18n/{lang:?}/momentos.ftl does not parse: {errors:?}");
    }
    let id = regex::Regex::new(r"^([a-z][a-z0-9-]*) =").unwrap();
    let variable = regex::Regex::new(r"\{\s*\$([a-z_]+)").unwrap();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut current = None;
    for line in source.lines() {
        if let Some(c) = id.captures(line) {
            current = Some(c[1].to_string());
            out.insert(c[1].to_string(), BTreeSet::new());
        }
        if let Some(key) = &current {
            let vars = out.get_mut(key).unwrap();
            vars.extend(variable.captures_iter(line).map(|c| c[1].to_string()));
        }
    }
    out
}

#[test]
fn both_catalogs_parse_and_have_the_same_keys_and_arguments() {
    let spanish = entries(Lang::Es);
    let english = entries(Lang::En);
    let only = |a: &BTreeMap<_, _>, b: &BTreeMap<String, _>| -> Vec<String> {
        a.keys().filter(|k| !b.contains_key(*k)).cloned().collect()
    };
    assert_eq!(
        only(&spanish, &english),
        Vec::<String>::new(),
        "only in Spanish"
    );
    assert_eq!(
        only(&english, &spanish),
        Vec::<String>::new(),
        "only in English"
    );
    for (key, vars) in &spanish {
        assert_eq!(vars, &english[key], "arguments of `{key}` differ");
    }
}

/// The keys code asks for: `t!("key"`, `message_in(lang, "key"`, `text(lang, "key"`.
fn keys_used_in(dir: &Path, out: &mut BTreeSet<String>) {
    let used = regex::Regex::new(r#"(?:t!\(|(?:message_in|text)\(\s*lang,)\s*"([a-z][a-z0-9-]*)""#)
        .unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            keys_used_in(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            // Doc comments show made-up keys; only code counts.
            let code: String = std::fs::read_to_string(&path)
                .unwrap()
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            out.extend(used.captures_iter(&code).map(|c| c[1].to_string()));
        }
    }
}

#[test]
fn every_key_used_in_code_is_in_the_catalog() {
    let mut used = BTreeSet::new();
    keys_used_in(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut used,
    );
    assert!(used.len() > 20, "the scan found too few keys: {used:?}");
    let missing: Vec<_> = used.iter().filter(|k| !has(Lang::Es, k)).collect();
    assert!(
        missing.is_empty(),
        "keys missing from the catalog: {missing:?}"
    );
}

#[test]
fn every_command_and_argument_has_help_in_both_languages() {
    let keys = help::required_keys(&Cli::command(), "cli");
    for lang in [Lang::Es, Lang::En] {
        let missing: Vec<_> = keys.iter().filter(|k| !has(lang, k)).collect();
        assert!(missing.is_empty(), "{lang:?}: no help for {missing:?}");
    }
}

#[test]
fn the_localized_command_tree_is_valid() {
    for lang in [Lang::Es, Lang::En] {
        help::localize(Cli::command(), lang).debug_assert();
    }
}

#[test]
fn language_from_flag_then_environment_then_spanish() {
    let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |var: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == var)
                .map(|(_, v)| v.to_string())
        }
    };
    let none = env(&[]);
    assert_eq!(choose(&args(&["momentos", "sql"]), &none), Lang::Es);
    assert_eq!(
        choose(&args(&["momentos", "--lang", "en", "sql"]), &none),
        Lang::En
    );
    assert_eq!(
        choose(&args(&["momentos", "sql", "--lang=en"]), &none),
        Lang::En
    );
    assert_eq!(
        choose(&args(&["momentos", "--", "--lang", "en"]), &none),
        Lang::Es
    );
    let english = env(&[("LANG", "en_US.UTF-8")]);
    assert_eq!(choose(&args(&["momentos"]), &english), Lang::En);
    assert_eq!(
        choose(&args(&["momentos", "--lang", "es"]), &english),
        Lang::Es
    );
    let ours_first = env(&[("MOMENTOS_LANG", "es"), ("LC_ALL", "en_GB.UTF-8")]);
    assert_eq!(choose(&args(&["momentos"]), &ours_first), Lang::Es);
    let lc_all = env(&[("LC_ALL", "en_GB.UTF-8"), ("LANG", "es_CO.UTF-8")]);
    assert_eq!(choose(&args(&["momentos"]), &lc_all), Lang::En);
    let empty_skipped = env(&[("LC_ALL", ""), ("LANG", "en")]);
    assert_eq!(choose(&args(&["momentos"]), &empty_skipped), Lang::En);
    for other in ["C.UTF-8", "POSIX", "pt_BR.UTF-8", "es_CO.UTF-8", "eng"] {
        assert_eq!(Lang::from_tag(other), Lang::Es, "{other}");
    }
}
