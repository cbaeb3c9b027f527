//! `momentos forget` (DESIGN §7; Ley 1581 de 2012 arts. 8 y 15, derecho de supresión).
//!
//! The identifier is normalised and hashed exactly as ingest does, so the subject is found
//! by the key the lake holds (`contact_key`, `respondent_key`). Their rows leave every
//! table in one batch ([`crate::lake::rewrite`]): their interactions, their survey
//! responses and the responses about their interactions, every derived row naming one of
//! those interactions, the escalation alerts about them, and any quarantined row whose raw
//! text still holds the identifier. The superseded files are deleted at the commit, so no
//! byte of the subject stays in a Parquet file; the scores that counted them are derived
//! again; `audit` records the counts and table versions, never the identifier.

use std::collections::HashSet;

use chrono::Utc;
use datafusion::arrow::array::{BooleanArray, RecordBatch};

use crate::catalog::Catalog;
use crate::lake::lock::LakeLock;
use crate::lake::rewrite::{self, RowSelector, QUARANTINE};
use crate::lake::{commit, manifest, tables, Lake, LakeError};
use crate::privacy::audit::{self, AuditKind, AuditRow};
use crate::privacy::{normalize_identifier, redact, Pseudonymizer};
use crate::score::run::{self as score_run, Periods, ScoreOptions, ScoreSummary};
use crate::score::ScoreError;

/// What to do besides removing the rows.
#[derive(Debug, Clone)]
pub struct ForgetOptions {
    /// A reference for the audit (e.g. the PQRS number of the request).
    pub reference: Option<String>,
    /// Derive the scores again when rows left (off: the next `score` does it).
    pub rederive: bool,
    pub lock_wait: std::time::Duration,
}

impl Default for ForgetOptions {
    fn default() -> Self {
        ForgetOptions {
            reference: None,
            rederive: true,
            lock_wait: std::time::Duration::from_secs(600),
        }
    }
}

/// What `forget` did.
#[derive(Debug)]
pub struct ForgetOutcome {
    /// The audit rows written (one per table touched, or one saying nothing was found).
    pub audit: Vec<AuditRow>,
    /// The scores derived again, when rows left a scored lake.
    pub rederived: Option<ScoreSummary>,
    /// Batches of the lake hashed with another key than the one given: the subject may
    /// be there under a key this run cannot compute.
    pub other_keys: bool,
}

impl ForgetOutcome {
    pub fn rows_removed(&self) -> i64 {
        self.audit.iter().map(|r| r.rows_removed).sum()
    }
}

/// The data subject as the lake knows them.
struct Subject {
    key: String,
    interactions: HashSet<String>,
    responses: HashSet<String>,
    /// Lowercase forms of the identifier looked for in quarantined raw text.
    needles: Vec<String>,
}

const SUBJECT_COLUMNS: &[&str] = &[
    "contact_key",
    "respondent_key",
    "interaction_id",
    "response_id",
    "alert_id",
    "raw",
];

impl RowSelector for Subject {
    fn columns(&self) -> &[&str] {
        SUBJECT_COLUMNS
    }

    fn rows_to_remove(
        &self,
        table: &str,
        batch: &RecordBatch,
    ) -> Result<Option<BooleanArray>, LakeError> {
        let mut remove = vec![false; batch.num_rows()];
        let mut mark = |column: &str, hit: &dyn Fn(&str) -> bool| -> Result<(), LakeError> {
            if let Some(values) = rewrite::text_column(batch, column)? {
                for (i, v) in values.iter().enumerate() {
                    remove[i] |= v.is_some_and(hit);
                }
            }
            Ok(())
        };
        mark("contact_key", &|v| v == self.key)?;
        mark("respondent_key", &|v| v == self.key)?;
        mark("interaction_id", &|v| self.interactions.contains(v))?;
        mark("response_id", &|v| self.responses.contains(v))?;
        // Escalation alerts are named after their interaction: `kind.interaction_id`.
        mark("alert_id", &|v| {
            v.split_once('.')
                .is_some_and(|(_, id)| self.interactions.contains(id))
        })?;
        if table == QUARANTINE {
            mark("raw", &|v| {
                let v = v.to_lowercase();
                self.needles.iter().any(|n| v.contains(n.as_str()))
            })?;
        }
        Ok(remove.contains(&true).then(|| BooleanArray::from(remove)))
    }
}

/// Identifier forms worth looking for in raw text: long enough not to match by chance.
fn needles(identifier: &str) -> Vec<String> {
    let mut out: Vec<String> = [
        identifier.trim().to_lowercase(),
        normalize_identifier(identifier).to_lowercase(),
    ]
    .into_iter()
    .filter(|n| n.chars().count() >= 6)
    .collect();
    out.sort();
    out.dedup();
    out
}

/// The `id` column of a query's rows.
async fn ids(
    ctx: &datafusion::prelude::SessionContext,
    sql: &str,
) -> Result<HashSet<String>, ScoreError> {
    let batches = async { ctx.sql(sql).await?.collect().await }
        .await
        .map_err(|source| ScoreError::Run {
            table: "forget".into(),
            source,
        })?;
    let mut out = HashSet::new();
    for b in &batches {
        if let Some(col) = rewrite::text_column(b, "id")? {
            out.extend(col.iter().flatten().map(str::to_string));
        }
    }
    Ok(out)
}

/// Ids of the subject's interactions and survey responses.
async fn find_subject(lake: &Lake, key: String, identifier: &str) -> Result<Subject, ScoreError> {
    let ctx = score_run::new_context();
    tables::register_source_tables(&ctx, lake).await?;
    // The key is lowercase hex (checked), so it can stand in the SQL text.
    debug_assert!(key.bytes().all(|b| b.is_ascii_hexdigit()));
    let theirs = format!("SELECT interaction_id FROM interactions WHERE contact_key = '{key}'");
    let interactions = ids(
        &ctx,
        &format!("SELECT interaction_id AS id FROM ({theirs})"),
    )
    .await?;
    let responses = ids(
        &ctx,
        &format!(
            "SELECT response_id AS id FROM surveys \
         WHERE respondent_key = '{key}' OR interaction_id IN ({theirs})"
        ),
    )
    .await?;
    Ok(Subject {
        key,
        interactions,
        responses,
        needles: needles(identifier),
    })
}

/// Removes the subject named by `identifier` from the lake (see the module doc).
pub async fn forget(
    lake: &Lake,
    catalog: &Catalog,
    pseudonymizer: &Pseudonymizer,
    identifier: &str,
    opts: &ForgetOptions,
) -> Result<ForgetOutcome, ScoreError> {
    let key = pseudonymizer
        .pseudonymize(identifier)
        .ok_or_else(|| ScoreError::Usage(crate::t!("forget-empty-identifier")))?;
    let lock = LakeLock::acquire(lake, "forget", opts.lock_wait).await?;
    let result = remove_locked(lake, pseudonymizer, key, identifier, opts).await;
    lock.release().await?;
    let (audit, other_keys, scored) = result?;
    let removed = audit.iter().any(|r| r.rows_removed > 0);
    let rederived = if removed && scored && opts.rederive {
        Some(score_run::run(lake, catalog, &ScoreOptions::new(Periods::All)).await?)
    } else {
        None
    };
    Ok(ForgetOutcome {
        audit,
        rederived,
        other_keys,
    })
}

/// The removal and its audit, under the lake lock. Also says whether other keys hashed
/// some batches and whether the lake has been scored.
async fn remove_locked(
    lake: &Lake,
    pseudonymizer: &Pseudonymizer,
    key: String,
    identifier: &str,
    opts: &ForgetOptions,
) -> Result<(Vec<AuditRow>, bool, bool), ScoreError> {
    commit::recover(lake).await?;
    let manifests = manifest::read_all(lake).await?;
    let key_id = pseudonymizer.key_id();
    let other_keys = manifests
        .iter()
        .any(|m| m.key_id.as_deref().is_some_and(|k| k != key_id));
    let scored = manifests
        .iter()
        .any(|m| m.tables().any(|t| crate::score::derived_table(t).is_some()));
    let subject = find_subject(lake, key, identifier).await?;
    let now = Utc::now();
    let kind = AuditKind::Suppression;
    let removal = rewrite::remove_rows(lake, kind.code(), "momentos forget", now, &subject).await?;
    let reference = opts.reference.as_deref().map(|r| redact(r).into_owned());
    let request = AuditRow::request(kind, now, reference, Some(key_id));
    let rows = match &removal {
        None => vec![request],
        Some(removal) => audit::rows_for(lake, removal, &request).await,
    };
    audit::append(lake, &rows, "momentos forget").await?;
    Ok((rows, other_keys, scored))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject() -> Subject {
        Subject {
            key: "ab12".into(),
            interactions: HashSet::from(["INT-7".to_string()]),
            responses: HashSet::from(["ENC-9".to_string()]),
            needles: needles("Ana.Perez@Example.com"),
        }
    }

    fn batch(columns: &[(&str, Vec<Option<&str>>)]) -> RecordBatch {
        use datafusion::arrow::array::{ArrayRef, StringArray};
        RecordBatch::try_from_iter(columns.iter().map(|(name, values)| {
            let array: ArrayRef = std::sync::Arc::new(StringArray::from(values.clone()));
            (*name, array)
        }))
        .unwrap()
    }

    fn removed(table: &str, b: &RecordBatch) -> Vec<bool> {
        subject().rows_to_remove(table, b).unwrap().map_or_else(
            || vec![false; b.num_rows()],
            |m| m.values().iter().collect(),
        )
    }

    #[test]
    fn the_subject_is_found_by_key_by_their_ids_and_in_quarantined_text() {
        let sources = batch(&[
            (
                "interaction_id",
                vec![Some("INT-7"), Some("INT-8"), Some("INT-9")],
            ),
            ("contact_key", vec![None, Some("ab12"), Some("cd34")]),
        ]);
        assert_eq!(removed("interactions", &sources), [true, true, false]);
        let alerts = batch(&[(
            "alert_id",
            vec![
                Some("escalation_overdue.INT-7"),
                Some("technical_outage.x.y.z"),
            ],
        )]);
        assert_eq!(removed("alerts", &alerts), [true, false]);
        let raw = batch(&[(
            "raw",
            vec![Some("x,ANA.PEREZ@EXAMPLE.COM,y"), Some("x,[correo],y")],
        )]);
        assert_eq!(removed(QUARANTINE, &raw), [true, false]);
        assert_eq!(
            removed("interactions", &raw),
            [false, false],
            "raw text is only searched in quarantine"
        );
    }

    #[test]
    fn identifiers_are_looked_for_raw_and_normalised_but_never_short() {
        assert_eq!(
            needles(" Ana.Perez@Example.COM "),
            vec!["ana.perez@example.com".to_string()]
        );
        assert_eq!(
            needles("+57 300 123 4567"),
            vec!["+57 300 123 4567".to_string(), "3001234567".to_string()]
        );
        assert!(needles("123").is_empty());
    }
}
