//! The Fluent bundles, one per language, built on first use from the `.ftl` files
//! embedded at compile time (the binary works from any folder).

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use super::{Arg, Lang};
use crate::report::format;

pub(super) const SPANISH: &str = include_str!("../../i18n/es/momentos.ftl");
pub(super) const ENGLISH: &str = include_str!("../../i18n/en/momentos.ftl");

type Bundle = FluentBundle<FluentResource>;

fn bundle(lang: Lang) -> &'static Bundle {
    static SPANISH_BUNDLE: OnceLock<Bundle> = OnceLock::new();
    static ENGLISH_BUNDLE: OnceLock<Bundle> = OnceLock::new();
    match lang {
        Lang::Es => SPANISH_BUNDLE.get_or_init(|| build(Lang::Es)),
        Lang::En => ENGLISH_BUNDLE.get_or_init(|| build(Lang::En)),
    }
}

/// The catalog text of `lang`.
pub(super) fn source(lang: Lang) -> &'static str {
    match lang {
        Lang::Es => SPANISH,
        Lang::En => ENGLISH,
    }
}

/// The bundle of one catalog. A syntax error is a bug the catalog tests catch; the
/// entries that did parse are still used.
fn build(lang: Lang) -> Bundle {
    let resource = FluentResource::try_new(source(lang).to_string()).unwrap_or_else(|(r, _)| r);
    let tag = match lang {
        Lang::Es => "es-CO",
        Lang::En => "en",
    };
    let mut bundle = FluentBundle::new_concurrent(vec![tag.parse().expect("a valid tag")]);
    // No Unicode isolation marks around values: terminals print them as junk.
    bundle.set_use_isolating(false);
    bundle.set_formatter(Some(match lang {
        Lang::Es => format_spanish,
        Lang::En => format_english,
    }));
    let _ = bundle.add_resource(resource);
    bundle
}

fn format_spanish<M>(value: &FluentValue, _: &M) -> Option<String> {
    format_number(Lang::Es, value)
}

fn format_english<M>(value: &FluentValue, _: &M) -> Option<String> {
    format_number(Lang::En, value)
}

/// Numbers in the language's style ("1.234,5" / "1,234.5"): whole numbers without
/// decimals, others with the places the caller asked for (two by default).
fn format_number(lang: Lang, value: &FluentValue) -> Option<String> {
    let FluentValue::Number(n) = value else {
        return None;
    };
    let decimals = n
        .options
        .maximum_fraction_digits
        .or(n.options.minimum_fraction_digits)
        .unwrap_or(if n.value.fract() == 0.0 { 0 } else { 2 });
    Some(format::num_in(lang, n.value, decimals))
}

pub(super) fn has(lang: Lang, key: &str) -> bool {
    bundle(lang).has_message(key)
}

/// The message `key` of `lang` with `args`, or `None` when the catalog lacks it.
pub(super) fn format(lang: Lang, key: &str, args: &[(&str, Arg)]) -> Option<String> {
    let bundle = bundle(lang);
    let pattern = bundle.get_message(key)?.value()?;
    let mut fluent_args = FluentArgs::new();
    for (name, Arg(value)) in args {
        fluent_args.set(*name, value.clone());
    }
    // A value missing from `args` prints as `{$name}`: visible, and caught by tests.
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
    Some(text.into_owned())
}
