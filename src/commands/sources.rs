//! `momentos sources`: the adapters this build has and the source and mapping files of the
//! sources folder, each checked (a broken file is listed with its error; exit 2).

use std::path::Path;

use super::ExitStatus;
use crate::sources::adapters;

pub fn run(dir: Option<&Path>) -> anyhow::Result<ExitStatus> {
    let dir = dir
        .map(Path::to_path_buf)
        .unwrap_or_else(adapters::default_dir);
    println!("{}", crate::t!("sources-adapters"));
    for (name, kind, what) in adapters::ADAPTERS {
        println!("  {name:<14} → {kind:<12} {what}");
    }
    let mut status = ExitStatus::Success;
    println!("\n{}", crate::t!("sources-files", path = &dir));
    let files = adapters::list(&dir)?;
    if files.is_empty() {
        println!("  {}", crate::t!("sources-none"));
    }
    for (name, path) in &files {
        match adapters::load(path) {
            Ok(s) => {
                println!(
                    "  {name:<22} {:<13} → {:<12} {}",
                    s.adapter.name(),
                    s.kind.code(),
                    s.description
                );
            }
            Err(e) => {
                println!("  {name:<22} ERROR: {e}");
                status = ExitStatus::UsageError;
            }
        }
    }
    let mappings = adapters::list(&dir.join("mappings"))?;
    if !mappings.is_empty() {
        println!(
            "\n{}",
            crate::t!("sources-mappings", path = &dir.join("mappings"))
        );
        for (name, path) in &mappings {
            match adapters::load_mapping(path) {
                Ok(m) => println!("  {name:<22} {}", m.description),
                Err(e) => {
                    println!("  {name:<22} ERROR: {e}");
                    status = ExitStatus::UsageError;
                }
            }
        }
    }
    println!("\n{}", crate::t!("sources-usage"));
    Ok(status)
}
