//! Recognise before refusing: when a file does not fit what was asked, say what it looks
//! like and which source would read it (DESIGN §3.5). Only the first few KiB are read.

use std::io::Read;
use std::path::Path;

/// What the start of a file looks like: (adapter, what people call it). For `mapped`, the
/// adapter is `mapped:<shipped mapping>`.
pub fn sniff(path: &Path) -> Option<(&'static str, &'static str)> {
    let mut head = vec![0u8; 8192];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .ok()?;
    head.truncate(n);
    let text = String::from_utf8_lossy(&head);
    let text = text.trim_start_matches('\u{feff}');
    let first = text.lines().next().unwrap_or("");
    let lower = first.to_lowercase();
    if first.trim_start().starts_with('{') {
        if text.contains("\"whatsapp_business_account\"") {
            return Some(("whatsapp_cloud", "un webhook de WhatsApp Cloud API"));
        }
        if text.contains("\"object\":\"page\"") || text.contains("\"object\": \"page\"") {
            return Some(("messenger", "un webhook de Messenger (object: page)"));
        }
        return None;
    }
    let pipes: Vec<&str> = first.split('|').collect();
    if pipes.len() >= 5 && pipes[0].len() >= 9 && pipes[0].bytes().all(|b| b.is_ascii_digit()) {
        return Some(("asterisk_queue_log", "un queue_log de Asterisk"));
    }
    let fields = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(first.as_bytes())
        .records()
        .next()
        .and_then(Result::ok);
    if let Some(f) = fields {
        let is_time =
            |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").is_ok();
        let disposition = f
            .iter()
            .any(|v| ["ANSWERED", "NO ANSWER", "BUSY", "FAILED"].contains(&v));
        if f.len() >= 16 && f.get(9).is_some_and(is_time) && disposition {
            return Some(("asterisk_cdr", "un CDR de Asterisk (Master.csv)"));
        }
    }
    if lower.contains("submitdate")
        && (lower.contains("lastpage") || lower.contains("startlanguage"))
    {
        return Some(("mapped:limesurvey", "una exportación de LimeSurvey"));
    }
    if lower.contains("responseid") && lower.contains("finished") {
        return Some(("mapped:qualtrics", "una exportación de Qualtrics"));
    }
    if lower.starts_with("marca temporal")
        || lower.starts_with("\"marca temporal\"")
        || lower.starts_with("timestamp,")
    {
        return Some(("mapped:google_forms_es", "una exportación de Google Forms"));
    }
    None
}

/// A sentence to append to an error about `path` ("" when nothing is recognised, or
/// when it looks like what `asked` reads).
pub fn hint_for(path: &Path, asked: Option<&str>) -> String {
    let Some((sniffed, what)) = sniff(path) else {
        return String::new();
    };
    let (adapter, mapping) = sniffed.split_once(':').unwrap_or((sniffed, ""));
    if asked == Some(adapter) && adapter != "mapped" {
        return String::new();
    }
    let sources = super::list(&super::default_dir()).unwrap_or_default();
    let fitting: Vec<String> = sources
        .iter()
        .filter(|(_, p)| match super::load(p) {
            Ok(s) => {
                s.adapter.name() == adapter
                    && (mapping.is_empty() || s.mapping.as_deref() == Some(mapping))
            }
            Err(_) => false,
        })
        .map(|(n, _)| format!("--source {n}"))
        .collect();
    let how = if fitting.is_empty() {
        format!("use --source con un archivo sources/<nombre>.toml de adaptador `{adapter}` (vea `momentos sources`)")
    } else {
        format!("use {}", fitting.join(" o "))
    };
    format!(" — parece {what}; {how}")
}

/// For an XLSX whose first sheet is not a table: its sheets and how to choose one.
pub fn sheet_hint(path: &Path) -> String {
    use calamine::Reader;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if !matches!(ext.as_deref(), Some("xlsx" | "xlsm")) {
        return String::new();
    }
    let Ok(book) = calamine::open_workbook_auto(path) else {
        return String::new();
    };
    let names = book.sheet_names();
    if names.len() < 2 {
        return String::new();
    }
    format!(
        " — el libro tiene las hojas {}; elija una con --sheet \"{}\"",
        names
            .iter()
            .map(|n| format!("'{n}'"))
            .collect::<Vec<_>>()
            .join(", "),
        names[1]
    )
}
