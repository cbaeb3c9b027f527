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
        // A file the reader cannot open is reported by the reader, with its reasons.
        if let Ok(scan) = sources::scan_csv(path, columns, &[key], &|v| validate::key_hash(v)) {
            tracing::debug!("Records split.");
            let repeated = scan.complete.then(|| repeated_keys(scan.keys));
            tracing::debug!("Repeated ids found.");
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
    // Each half is sorted on its own thread, then the two are walked together.
    let half = hashes.len() / 2;
    let (a, b) = hashes.split_at_mut(half);
    std::thread::scope(|scope| {
        scope.spawn(|| a.sort_unstable());
        b.sort_unstable();
    });
    let (a, b) = hashes.split_at(half);
    let mut repeated: HashSet<u64> = a
        .windows(2)
        .chain(b.windows(2))
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .collect();
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                repeated.insert(a[i]);
                i += 1;
            }
        }
    }
    repeated
}

/// Where a CSV file's records start, from the first pass: (byte offset, line) and the
/// file's length.
pub(super) struct Ranges {
    pub(super) starts: Vec<(u64, u64)>,
    pub(super) len: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_within_and_across_halves() {
        let mut got: Vec<u64> = repeated_keys(vec![5, 1, 9, 1, 7, 3, 9, 4, 3, 3, 8])
            .into_iter()
            .collect();
        got.sort();
        assert_eq!(got, [1, 3, 9]);
        assert!(repeated_keys(vec![]).is_empty());
        assert!(repeated_keys(vec![2]).is_empty());
    }
}
