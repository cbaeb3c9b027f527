//! The interactive shell (`momentos sql` at a terminal): line editing and history,
//! statements that span lines until `;`, and backslash commands to explore the lake.

use std::io::Write;
use std::sync::Arc;

use datafusion::prelude::SessionContext;
use rustyline::error::ReadlineError;
use rustyline::DefaultEditor;

use super::{docs, output, parse_read_only, run_statement, Limits, OutputFormat};

/// Where the shell keeps its history.
fn history_path() -> Option<std::path::PathBuf> {
    std::env::var_os("MOMENTOS_HISTORY")
        .map(Into::into)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".momentos_history"))
        })
}

/// Names of the registered tables and views, sorted.
pub fn table_names(ctx: &SessionContext) -> Vec<String> {
    let mut names = ctx
        .catalog("datafusion")
        .and_then(|c| c.schema("public"))
        .map(|s| s.table_names())
        .unwrap_or_default();
    names.sort();
    names
}

/// `\d`: every table with what one row is.
pub fn list_tables(ctx: &SessionContext) -> String {
    let mut s = String::new();
    for name in table_names(ctx) {
        let what = docs::table(&name).map_or("", |t| t.1);
        s.push_str(&format!("{name:<24} {what}\n"));
    }
    s
}

/// `\d TABLE`: columns, types, nullability and meaning.
pub async fn describe(ctx: &SessionContext, name: &str) -> Result<String, String> {
    let provider = ctx
        .table_provider(name)
        .await
        .map_err(|_| crate::t!("shell-no-table", name = name))?;
    let schema = provider.schema();
    let mut s = String::new();
    if let Some(t) = docs::table(name) {
        s.push_str(&format!(
            "{name}: {}\n",
            crate::t!("shell-one-row", what = t.1)
        ));
    }
    let width = schema
        .fields()
        .iter()
        .map(|f| f.name().len())
        .max()
        .unwrap_or(6)
        .max(6);
    for f in schema.fields() {
        let meaning = docs::column(name, f.name()).unwrap_or("");
        let null = if f.is_nullable() { "" } else { " not null" };
        s.push_str(&format!(
            "  {:<width$}  {:<28} {}\n",
            f.name(),
            format!("{}{null}", f.data_type()),
            meaning
        ));
    }
    Ok(s)
}

/// Runs the shell until `\q` or end of input.
pub async fn run(
    ctx: Arc<SessionContext>,
    limits: Limits,
    mut format: OutputFormat,
) -> anyhow::Result<()> {
    let mut editor = DefaultEditor::new()?;
    let history = history_path();
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    println!(
        "{}",
        crate::t!("shell-banner", tables = table_names(&ctx).len())
    );
    let mut buffer = String::new();
    loop {
        let prompt = if buffer.is_empty() {
            "momentos> "
        } else {
            "       -> "
        };
        let line = match editor.readline(prompt) {
            Ok(l) => l,
            Err(ReadlineError::Interrupted) => {
                buffer.clear();
                continue;
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        };
        let trimmed = line.trim();
        if buffer.is_empty() && trimmed.starts_with('\\') {
            let _ = editor.add_history_entry(trimmed);
            match command(&ctx, trimmed, &mut format).await {
                Command::Quit => break,
                Command::Done => {}
                Command::Failed(e) => eprintln!("{e}"),
            }
            continue;
        }
        if trimmed.is_empty() && buffer.is_empty() {
            continue;
        }
        buffer.push_str(&line);
        buffer.push('\n');
        if !trimmed.ends_with(';') {
            continue;
        }
        let statement = std::mem::take(&mut buffer);
        let _ = editor.add_history_entry(statement.trim_end());
        if let Some(h) = &history {
            let _ = editor.save_history(h);
        }
        run_script(&ctx, &statement, &limits, format).await;
    }
    if let Some(h) = &history {
        let _ = editor.save_history(h);
    }
    Ok(())
}

/// What a backslash command did.
pub enum Command {
    Done,
    Quit,
    /// The message for the user.
    Failed(String),
}

/// Runs a backslash command (`\d`, `\d TABLE`, `\format F`, `\?`, `\q`), printing its
/// output; the shell and scripts piped to `momentos sql` share it.
pub async fn command(ctx: &SessionContext, line: &str, format: &mut OutputFormat) -> Command {
    let mut words = line.split_whitespace();
    match (words.next(), words.next()) {
        (Some("\\q"), _) => Command::Quit,
        (Some("\\?"), _) | (Some("\\h"), _) => {
            println!("{}", crate::t!("shell-help"));
            Command::Done
        }
        (Some("\\d"), None) => {
            print!("{}", list_tables(ctx));
            Command::Done
        }
        (Some("\\d"), Some(t)) => match describe(ctx, t).await {
            Ok(s) => {
                print!("{s}");
                Command::Done
            }
            Err(e) => Command::Failed(e),
        },
        (Some("\\format"), Some(f)) => match <OutputFormat as clap::ValueEnum>::from_str(f, true) {
            Ok(OutputFormat::Parquet) | Err(_) => Command::Failed(crate::t!("shell-formats")),
            Ok(f) => {
                *format = f;
                Command::Done
            }
        },
        _ => Command::Failed(crate::t!("shell-unknown-command", line = line)),
    }
}

/// Runs a script to stdout: SQL statements, and backslash commands on lines of their own
/// between statements (`printf '\\d\n' | momentos sql`). Reports errors; returns whether
/// everything ran.
pub async fn run_script_with_commands(
    ctx: &SessionContext,
    script: &str,
    limits: &Limits,
    mut format: OutputFormat,
) -> bool {
    let mut sql = String::new();
    for line in script.lines() {
        let trimmed = line.trim();
        // A backslash line is a command only between statements, never inside one (a
        // string literal may hold a line that starts with a backslash).
        if trimmed.starts_with('\\') && statement_complete(&sql) {
            if !sql.trim().is_empty()
                && !run_script(ctx, &std::mem::take(&mut sql), limits, format).await
            {
                return false;
            }
            sql.clear();
            match command(ctx, trimmed, &mut format).await {
                Command::Quit => return true,
                Command::Done => {}
                Command::Failed(e) => {
                    eprintln!("error: {e}");
                    return false;
                }
            }
            continue;
        }
        sql.push_str(line);
        sql.push('\n');
    }
    sql.trim().is_empty() || run_script(ctx, &sql, limits, format).await
}

/// Whether the SQL so far ends between statements: empty, or its last non-blank line ends
/// with `;`.
fn statement_complete(sql: &str) -> bool {
    sql.lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty() && !l.starts_with("--"))
        .is_none_or(|l| l.ends_with(';'))
}

/// Runs each statement of a script to stdout, reporting errors; returns whether all ran.
pub async fn run_script(
    ctx: &SessionContext,
    script: &str,
    limits: &Limits,
    format: OutputFormat,
) -> bool {
    let statements = match parse_read_only(script) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return false;
        }
    };
    for st in statements {
        let mut sink = output::sink(format, Box::new(std::io::stdout()), limits.max_table_rows);
        match run_statement(ctx, &st, limits, &mut *sink).await {
            Ok(stats) => {
                if format == OutputFormat::Table {
                    let shown = stats.truncated.then_some(limits.max_table_rows);
                    println!(
                        "{}",
                        super::rows_line_shown(stats.rows, shown, stats.elapsed)
                    );
                }
                let _ = std::io::stdout().flush();
            }
            Err(e) => {
                eprintln!("error: {e}");
                return false;
            }
        }
    }
    true
}
