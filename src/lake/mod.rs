//! The lake (DESIGN §4): Parquet files under a URL handled by `object_store` — a local
//! folder by default, or `s3://bucket/prefix` on S3 and S3-compatible servers ([`s3`]).
//! Nothing here assumes a local file system: every read and write goes through
//! [`Lake::store`].
//!
//! A batch becomes visible by its manifest in `_batches/`: readers of `momentos` only see
//! files that a manifest lists (and no later manifest removed), so a killed ingest never
//! shows half a batch. Files are first uploaded to `_staging/` and renamed into place just
//! before the manifest is written, and the next writer removes anything a dead batch left.

pub mod commit;
pub mod compact;
pub mod delta;
pub mod lock;
pub mod manifest;
pub mod pruning;
pub mod records;
pub mod rewrite;
pub mod s3;
pub mod schema;
pub mod tables;
pub mod whole_table;
pub mod writer;

use std::sync::Arc;

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use url::Url;

/// Environment variable with the default lake URL.
pub const LAKE_ENV: &str = "MOMENTOS_LAKE";
/// The part size of [`Lake::put_file`]'s uploads (S3 takes parts of 5 MiB and more).
pub const UPLOAD_PART_BYTES: usize = 8 << 20;
/// Lake used when neither `--lake` nor `$MOMENTOS_LAKE` is given.
pub const DEFAULT_LAKE: &str = "./lake";

#[derive(Debug, thiserror::Error)]
pub enum LakeError {
    #[error("{}", crate::t!("lake-bad-url", url = .url, detail = .detail))]
    BadUrl { url: String, detail: String },
    #[error("{}", store_message(.url, .operation, .path, .source))]
    Store {
        url: String,
        operation: &'static str,
        path: String,
        source: object_store::Error,
    },
    #[error("{}", crate::t!("lake-corrupt", url = .url, path = .path, detail = .detail))]
    Corrupt {
        url: String,
        path: String,
        detail: String,
    },
    #[error("{0}")]
    Parquet(String),
    #[error("{}", crate::t!("lake-temp-file", error = .0.to_string()))]
    Temp(#[from] std::io::Error),
    #[error("{0}")]
    Locked(String),
}

/// "lake URL: writing PATH: why"; `operation` is one of the codes the store calls use.
fn store_message(url: &str, operation: &str, path: &str, source: &object_store::Error) -> String {
    let doing = match operation {
        "reading" => crate::t!("lake-op-reading"),
        "writing" => crate::t!("lake-op-writing"),
        "listing" => crate::t!("lake-op-listing"),
        "renaming" => crate::t!("lake-op-renaming"),
        "deleting" => crate::t!("lake-op-deleting"),
        "locking" => crate::t!("lake-op-locking"),
        other => other.to_string(),
    };
    crate::t!(
        "lake-store-error",
        url = url,
        operation = doing,
        path = path,
        error = source.to_string()
    )
}

/// A handle on one lake: the store, the URL people typed, and the prefix inside the store.
#[derive(Clone)]
pub struct Lake {
    store: Arc<dyn ObjectStore>,
    /// URL of the lake root, always ending in '/'.
    root: Url,
    prefix: ObjectPath,
    /// The lake's folder when the store is the local file system.
    local_root: Option<std::path::PathBuf>,
}

fn cannot_create(e: &std::io::Error) -> String {
    crate::t!("lake-cannot-create-folder", error = e.to_string())
}

impl std::fmt::Debug for Lake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Lake({})", self.root)
    }
}

impl Lake {
    /// Opens a lake from what a user typed: a folder path (created when missing), a
    /// `file://` URL, or `memory://name` (tests).
    pub fn open(location: &str) -> Result<Lake, LakeError> {
        let bad = |detail: String| LakeError::BadUrl {
            url: location.to_string(),
            detail,
        };
        let url = match Url::parse(location) {
            Ok(u) if u.scheme().len() > 1 => u,
            _ => {
                let path = std::path::Path::new(location);
                std::fs::create_dir_all(path).map_err(|e| bad(cannot_create(&e)))?;
                let abs = std::fs::canonicalize(path).map_err(|e| bad(e.to_string()))?;
                Url::from_directory_path(&abs).map_err(|_| bad(crate::t!("lake-not-absolute")))?
            }
        };
        match url.scheme() {
            "file" => {
                let dir = url
                    .to_file_path()
                    .map_err(|_| bad(crate::t!("lake-not-local")))?;
                std::fs::create_dir_all(&dir).map_err(|e| bad(cannot_create(&e)))?;
                let root = Url::from_directory_path(&dir)
                    .map_err(|_| bad(crate::t!("lake-not-folder")))?;
                let prefix =
                    ObjectPath::from_url_path(root.path()).map_err(|e| bad(e.to_string()))?;
                Ok(Lake {
                    store: Arc::new(object_store::local::LocalFileSystem::new()),
                    root,
                    prefix,
                    local_root: Some(dir),
                })
            }
            "memory" => Ok(Lake::with_store(
                Arc::new(object_store::memory::InMemory::new()),
                url,
            )),
            "s3" => Ok(Lake::with_store(s3::store(&url).map_err(bad)?, url)),
            other => Err(bad(crate::t!("lake-unsupported-scheme", scheme = other))),
        }
    }

    /// A lake over an already-built store whose root is the URL's path.
    pub fn with_store(store: Arc<dyn ObjectStore>, mut url: Url) -> Lake {
        if !url.path().ends_with('/') {
            let p = format!("{}/", url.path());
            url.set_path(&p);
        }
        let prefix = ObjectPath::from_url_path(url.path()).unwrap_or_default();
        Lake {
            store,
            root: url,
            prefix,
            local_root: None,
        }
    }

    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// The lake's root URL (ends in '/').
    pub fn url(&self) -> &Url {
        &self.root
    }

    /// The URL of the object store alone (scheme and authority), to register with DataFusion.
    pub fn store_url(&self) -> Url {
        let mut u = self.root.clone();
        u.set_path("/");
        u
    }

    /// Object path of a lake-relative path like `interactions/date=2026-01-02/b.parquet`.
    pub fn path(&self, relative: &str) -> ObjectPath {
        let rel = ObjectPath::from(relative);
        let parts: Vec<_> = self.prefix.parts().chain(rel.parts()).collect();
        ObjectPath::from_iter(parts)
    }

    /// Lake-relative form of an object path under this lake.
    pub fn relative(&self, path: &ObjectPath) -> String {
        path.prefix_match(&self.prefix)
            .map(|parts| {
                parts
                    .map(|p| p.as_ref().to_string())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_else(|| path.to_string())
    }

    /// The local file of a lake-relative path, when the lake is a local folder: files
    /// written there can be moved into the lake instead of copied.
    pub fn local_path(&self, relative: &str) -> Option<std::path::PathBuf> {
        self.local_root.as_ref().map(|root| root.join(relative))
    }

    /// Full URL of a lake-relative path, for DataFusion listing tables.
    pub fn file_url(&self, relative: &str) -> String {
        format!("{}{}", self.root, relative)
    }

    pub(crate) fn store_error(
        &self,
        operation: &'static str,
        path: &ObjectPath,
        source: object_store::Error,
    ) -> LakeError {
        LakeError::Store {
            url: self.root.to_string(),
            operation,
            path: path.to_string(),
            source,
        }
    }

    pub async fn put(&self, relative: &str, bytes: Bytes) -> Result<(), LakeError> {
        let path = self.path(relative);
        self.store
            .put(&path, PutPayload::from_bytes(bytes))
            .await
            .map(|_| ())
            .map_err(|e| self.store_error("writing", &path, e))
    }

    /// Uploads a local file, in parts of [`UPLOAD_PART_BYTES`] when it is larger than one:
    /// a month of a big lake's interactions is hundreds of MB, and read whole before its
    /// upload it would sit in memory beside everything else the run holds.
    pub async fn put_file(&self, relative: &str, local: &std::path::Path) -> Result<(), LakeError> {
        self.put_file_in_parts(relative, local, UPLOAD_PART_BYTES)
            .await
    }

    async fn put_file_in_parts(
        &self,
        relative: &str,
        local: &std::path::Path,
        part_bytes: usize,
    ) -> Result<(), LakeError> {
        use tokio::io::AsyncReadExt;
        let mut file = tokio::fs::File::open(local).await?;
        let size = file.metadata().await?.len();
        if size <= part_bytes as u64 {
            let mut bytes = Vec::with_capacity(size as usize);
            file.read_to_end(&mut bytes).await?;
            return self.put(relative, Bytes::from(bytes)).await;
        }
        let path = self.path(relative);
        let err = |e| self.store_error("writing", &path, e);
        let upload = self.store.put_multipart(&path).await.map_err(err)?;
        let mut parts = object_store::WriteMultipart::new_with_chunk_size(upload, part_bytes);
        let mut buffer = vec![0; part_bytes.min(1 << 20)];
        let sent: Result<(), LakeError> = async {
            loop {
                let n = file.read(&mut buffer).await?;
                if n == 0 {
                    return Ok(());
                }
                // At most two parts in flight: memory stays a few parts whatever the size.
                parts.wait_for_capacity(2).await.map_err(err)?;
                parts.write(&buffer[..n]);
            }
        }
        .await;
        match sent {
            Ok(()) => parts.finish().await.map(|_| ()).map_err(err),
            Err(e) => {
                // No half upload left behind on the server.
                let _ = parts.abort().await;
                Err(e)
            }
        }
    }

    pub async fn get(&self, relative: &str) -> Result<Bytes, LakeError> {
        let path = self.path(relative);
        let result = self
            .store
            .get(&path)
            .await
            .map_err(|e| self.store_error("reading", &path, e))?;
        result
            .bytes()
            .await
            .map_err(|e| self.store_error("reading", &path, e))
    }

    /// Lake-relative paths of every object under a lake-relative prefix.
    pub async fn list(&self, relative_prefix: &str) -> Result<Vec<String>, LakeError> {
        let prefix = self.path(relative_prefix);
        let metas: Vec<_> = self
            .store
            .list(Some(&prefix))
            .try_collect()
            .await
            .map_err(|e| self.store_error("listing", &prefix, e))?;
        let mut out: Vec<String> = metas.iter().map(|m| self.relative(&m.location)).collect();
        out.sort();
        Ok(out)
    }

    pub async fn rename(&self, from: &str, to: &str) -> Result<(), LakeError> {
        let (a, b) = (self.path(from), self.path(to));
        self.store
            .rename(&a, &b)
            .await
            .map_err(|e| self.store_error("renaming", &a, e))
    }

    /// Deletes an object; a missing one is fine (deletes are retried after crashes).
    pub async fn delete(&self, relative: &str) -> Result<(), LakeError> {
        let path = self.path(relative);
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.store_error("deleting", &path, e)),
        }
    }

    /// Checks the store answers, so a run fails early with a clear message.
    pub async fn check_reachable(&self) -> Result<(), LakeError> {
        self.list("_batches/").await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever its size against the part size — smaller, equal, a multiple, one byte
    /// more — a file arrives as it was.
    #[tokio::test]
    async fn files_arrive_whole_in_parts_of_any_fit() {
        let lake = Lake::open("memory://parts").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let part = 1 << 16;
        for size in [0, 1000, part, 2 * part, 3 * part + 1] {
            let content: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
            let local = dir.path().join(format!("{size}.bin"));
            std::fs::write(&local, &content).unwrap();
            let target = format!("t/{size}.bin");
            lake.put_file_in_parts(&target, &local, part).await.unwrap();
            let back = lake.get(&target).await.unwrap();
            assert!(
                back.as_ref() == content.as_slice(),
                "{size} bytes came back changed"
            );
        }
    }
}
