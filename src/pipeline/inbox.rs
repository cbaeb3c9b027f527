//! Inboxes: the folders where exports arrive. Listing picks the files a source's glob
//! matches, oldest first (so when two exports re-send an id, the newer one wins), and
//! [`SeenFiles`] remembers `(path, size, modification time) → content hash` in the lake so
//! a nightly run does not re-read gigabytes of files it already ingested.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::Source;
use crate::lake::{Lake, LakeError};

/// Where [`SeenFiles`] live in the lake.
pub const STATE_DIR: &str = "_state/inbox/";

/// The local folder of an inbox written as a path or a `file://` URL.
pub fn local_folder(inbox: &str) -> Result<PathBuf, String> {
    let inbox = inbox.trim();
    if inbox.is_empty() {
        return Err(crate::t!("inbox-empty"));
    }
    match url::Url::parse(inbox) {
        Ok(u) if u.scheme() == "file" => u
            .to_file_path()
            .map_err(|_| crate::t!("inbox-not-local", inbox = inbox)),
        Ok(u) if u.scheme().len() > 1 => Err(crate::t!(
            "inbox-unsupported-scheme",
            inbox = inbox,
            scheme = u.scheme()
        )),
        _ => Ok(PathBuf::from(inbox)),
    }
}

/// A file found in an inbox.
#[derive(Debug, Clone, PartialEq)]
pub struct InboxFile {
    pub path: PathBuf,
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: i128,
    /// The last time the file was written or its times set (the later of its
    /// modification and status-change times), nanoseconds since the epoch.
    pub touched_ns: i128,
}

impl InboxFile {
    /// Whether nothing has touched the file for `settle` up to `now` (ns since the epoch):
    /// a file still being written (or copied with its times preserved, which sets the
    /// status-change time) is left for a later run. A time in the future is not settled.
    pub fn settled(&self, settle: std::time::Duration, now_ns: i128) -> bool {
        now_ns - self.touched_ns >= settle.as_nanos() as i128
    }

    /// Whether the file is still what was listed (same size and times): checked again
    /// just before it is ingested.
    pub fn still_same(&self) -> bool {
        std::fs::metadata(&self.path).is_ok_and(|m| {
            let (mtime_ns, touched_ns) = times(&m);
            m.len() == self.size && mtime_ns == self.mtime_ns && touched_ns == self.touched_ns
        })
    }
}

/// Now, nanoseconds since the epoch.
pub fn now_ns() -> i128 {
    std::time::SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128)
}

/// (modification time, later of modification and status-change time), ns since the epoch.
fn times(meta: &std::fs::Metadata) -> (i128, i128) {
    let mtime_ns = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i128);
    #[cfg(unix)]
    let ctime_ns = {
        use std::os::unix::fs::MetadataExt;
        meta.ctime() as i128 * 1_000_000_000 + meta.ctime_nsec() as i128
    };
    #[cfg(not(unix))]
    let ctime_ns = mtime_ns;
    (mtime_ns, mtime_ns.max(ctime_ns))
}

/// The files of an inbox that the source's glob matches, oldest first.
pub fn list(source: &Source) -> Result<Vec<InboxFile>, String> {
    let dir = &source.inbox;
    let entries = std::fs::read_dir(dir).map_err(|e| {
        format!(
            "inbox {} ({} files): {e}",
            dir.display(),
            source.kind.code()
        )
    })?;
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("inbox {}: {e}", dir.display()))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.starts_with('.') || !source.glob.matches(name) {
            continue;
        }
        let meta = match entry.metadata() {
            Ok(m) if m.is_file() => m,
            _ => continue,
        };
        let (mtime_ns, touched_ns) = times(&meta);
        out.push(InboxFile {
            path: entry.path(),
            size: meta.len(),
            mtime_ns,
            touched_ns,
        });
    }
    out.sort_by(|a, b| a.mtime_ns.cmp(&b.mtime_ns).then(a.path.cmp(&b.path)));
    Ok(out)
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Seen {
    size: u64,
    mtime_ns: i128,
    hash: String,
}

/// `(path, size, mtime) → content hash` of the files a pipeline ingested (or found already
/// ingested). Only a hint: a hit is trusted only when the lake still holds that content.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct SeenFiles {
    #[serde(skip)]
    pipeline: String,
    #[serde(skip)]
    changed: bool,
    files: BTreeMap<String, Seen>,
}

fn key(path: &Path) -> String {
    std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

impl SeenFiles {
    fn object(pipeline: &str) -> String {
        format!("{STATE_DIR}{pipeline}.json")
    }

    /// Loads the pipeline's memory; a missing or unreadable one starts empty.
    pub async fn load(lake: &Lake, pipeline: &str) -> Result<SeenFiles, LakeError> {
        let mut seen = match lake.get(&Self::object(pipeline)).await {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(pipeline, error = %e, "Ignoring an unreadable inbox memory; files will be hashed again.");
                SeenFiles::default()
            }),
            Err(LakeError::Store {
                source: object_store::Error::NotFound { .. },
                ..
            }) => SeenFiles::default(),
            Err(e) => return Err(e),
        };
        seen.pipeline = pipeline.to_string();
        Ok(seen)
    }

    /// The remembered hash when the file's size and modification time are unchanged.
    pub fn hash_if_unchanged(&self, file: &InboxFile) -> Option<&str> {
        self.files
            .get(&key(&file.path))
            .filter(|s| s.size == file.size && s.mtime_ns == file.mtime_ns)
            .map(|s| s.hash.as_str())
    }

    pub fn remember(&mut self, file: &InboxFile, hash: &str) {
        let entry = Seen {
            size: file.size,
            mtime_ns: file.mtime_ns,
            hash: hash.to_string(),
        };
        let k = key(&file.path);
        if self.files.get(&k) != Some(&entry) {
            self.files.insert(k, entry);
            self.changed = true;
        }
    }

    /// Writes the memory back if anything changed (one atomic object put).
    pub async fn save(&mut self, lake: &Lake) -> Result<(), LakeError> {
        if !self.changed {
            return Ok(());
        }
        let body = serde_json::to_vec_pretty(self).expect("serialisable");
        lake.put(&Self::object(&self.pipeline), Bytes::from(body))
            .await?;
        self.changed = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::SourceKind;

    #[test]
    fn inbox_urls_and_paths() {
        assert_eq!(local_folder("inbox").unwrap(), PathBuf::from("inbox"));
        assert_eq!(
            local_folder("file:///srv/inbox").unwrap(),
            PathBuf::from("/srv/inbox")
        );
        assert!(local_folder("s3://bucket/inbox")
            .unwrap_err()
            .contains("no admite"));
    }

    #[tokio::test]
    async fn lists_matching_files_and_remembers_them() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("interactions-1.csv"), "a").unwrap();
        std::fs::write(dir.path().join("surveys.csv"), "b").unwrap();
        std::fs::write(dir.path().join(".interactions-partial.csv"), "c").unwrap();
        let source = Source {
            kind: SourceKind::Interactions,
            inbox: dir.path().to_path_buf(),
            glob: glob::Pattern::new("interactions*.csv").unwrap(),
            format: None,
            sheet: None,
            source: None,
        };
        let files = list(&source).unwrap();
        assert_eq!(files.len(), 1);
        let lake = Lake::open("memory://seen").unwrap();
        let mut seen = SeenFiles::load(&lake, "n").await.unwrap();
        assert_eq!(seen.hash_if_unchanged(&files[0]), None);
        seen.remember(&files[0], "h1");
        seen.save(&lake).await.unwrap();
        let again = SeenFiles::load(&lake, "n").await.unwrap();
        assert_eq!(again.hash_if_unchanged(&files[0]), Some("h1"));
        let mut grown = files[0].clone();
        grown.size += 1;
        assert_eq!(again.hash_if_unchanged(&grown), None);
    }

    #[test]
    fn a_file_is_taken_only_once_it_has_settled() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("interactions.csv");
        std::fs::write(&path, "a").unwrap();
        let source = Source {
            kind: SourceKind::Interactions,
            inbox: dir.path().to_path_buf(),
            glob: glob::Pattern::new("*.csv").unwrap(),
            format: None,
            sheet: None,
            source: None,
        };
        let file = list(&source).unwrap().remove(0);
        let settle = std::time::Duration::from_secs(30);
        assert!(!file.settled(settle, now_ns()), "just written");
        assert!(file.settled(settle, now_ns() + 31_000_000_000));
        assert!(file.still_same());
        std::fs::write(&path, "ab").unwrap();
        assert!(!file.still_same(), "written again");
    }
}
