//! `momentos sources`: the adapters this build has and the source and mapping files of the
//! sources folder, each checked (a broken file is listed with its error; exit 2).

use std::path::Path;

use super::ExitStatus;
use crate::sources::adapters;

pub fn run(dir: Option<&Path>) -> anyhow::Result<ExitStatus> {
    let dir = dir
        .map(Path::to_path_buf)
        .unwrap_or_else(adapters::default_dir);
    println!("Adaptadores:");
    for (name, kind, what) in adapters::ADAPTERS {
        println!("  {name:<14} → {kind:<12} {what}");
    }
    let mut status = ExitStatus::Success;
    println!("\nFuentes ({}):", dir.display());
    let files = adapters::list(&dir)?;
    if files.is_empty() {
        println!("  (ninguna; cree sources/<nombre>.toml, vea sources/README.md)");
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
        println!("\nArchivos de mapeo ({}):", dir.join("mappings").display());
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
    println!("\nUso: momentos ingest --source NOMBRE ARCHIVO…");
    Ok(status)
}
