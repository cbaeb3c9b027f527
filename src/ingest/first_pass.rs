//! The first pass over an input file: its content hash and, for CSV, the ids it repeats
//! and where its records start (so several threads can parse it).

use super::*;

/// What is known of a file before its rows are converted.
pub(super) struct Prescan {
    /// xxh3-128 of the file's bytes, hex.
    pub(super) hash: String,
    /// Key hashes the file holds more than once; `None` when not known (not CSV, or a key
    /// that validation normalises): repeated ids are then found after writing.
    pub(super) repeated: Option<HashSet<u64>>,
    /// Where a CSV file's records start, so several threads can parse it.
    pub(super) ranges: Option<Ranges>,
}

/// Hashes the file and, for CSV interactions and surveys, finds the repeated ids in the
/// same pass.
pub(super) fn prescan(
    path: &Path,
    kind: SourceKind,
    read: &ReadOptions,
) -> Result<Prescan, IngestError> {
    let raw_key = match kind {
        SourceKind::Interactions => Some("interaction_id"),
        SourceKind::Surveys => Some("response_id"),
        // The key includes the rubric item as the catalog spells it.
        SourceKind::Shopper => None,
    };
    let format = read.format.or_else(|| Format::from_path(path));
    if let (Some(Format::Csv), Some(key)) = (format, raw_key) {
        let columns = validate::converter(kind).columns();
        let mut hashes = Vec::new();
        // A file the reader cannot open is reported by the reader, with its reasons.
        if let Ok(scan) = sources::scan_csv(path, columns, &[key], &mut |v| {
            hashes.push(validate::key_hash(v))
        }) {
            let repeated = scan.complete.then(|| repeated_keys(hashes));
            let ranges = scan.complete.then_some(Ranges {
                starts: scan.starts,
                len: scan.len,
            });
            return Ok(Prescan {
                hash: scan.hash,
                repeated,
                ranges,
            });
        }
    }
    Ok(Prescan {
        hash: content_hash(path)?,
        repeated: None,
        ranges: None,
    })
}

/// The values that occur more than once.
fn repeated_keys(mut hashes: Vec<u64>) -> HashSet<u64> {
    hashes.sort_unstable();
    hashes
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .collect()
}

/// Where a CSV file's records start, from the first pass: (byte offset, line) and the
/// file's length.
pub(super) struct Ranges {
    pub(super) starts: Vec<(u64, u64)>,
    pub(super) len: u64,
}
