//! One writer at a time per lake: `_lock.json`, created only if absent (an atomic
//! create-if-not-exists on every object store). A lock whose process is gone (same host)
//! or that is older than [`STALE_AFTER`] is taken over, so a `kill -9` never blocks a lake
//! for good.

use std::time::Duration;

use chrono::{DateTime, Utc};
use object_store::{PutMode, PutOptions, PutPayload};
use serde::{Deserialize, Serialize};

use super::{Lake, LakeError};

pub const LOCK_PATH: &str = "_lock.json";
/// A lock this old is stale whoever holds it (ingests refresh nothing; runs are shorter).
pub const STALE_AFTER: Duration = Duration::from_secs(6 * 3600);

#[derive(Debug, Serialize, Deserialize)]
pub struct LockInfo {
    pub pid: u32,
    pub host: String,
    pub purpose: String,
    pub since: DateTime<Utc>,
}

/// A held lake lock. Release it with [`LakeLock::release`]; if the process dies the next
/// writer takes it over.
pub struct LakeLock {
    lake: Lake,
    released: bool,
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "unknown".into())
}

fn process_alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

impl LockInfo {
    fn is_stale(&self) -> bool {
        let age = Utc::now().signed_duration_since(self.since);
        if age.to_std().is_ok_and(|a| a > STALE_AFTER) {
            return true;
        }
        self.host == hostname() && self.pid != std::process::id() && !process_alive(self.pid)
    }
}

impl LakeLock {
    /// Takes the lock, waiting up to `wait` for another writer to finish.
    pub async fn acquire(
        lake: &Lake,
        purpose: &str,
        wait: Duration,
    ) -> Result<LakeLock, LakeError> {
        let deadline = tokio::time::Instant::now() + wait;
        let info = LockInfo {
            pid: std::process::id(),
            host: hostname(),
            purpose: purpose.to_string(),
            since: Utc::now(),
        };
        let body = serde_json::to_vec(&info).expect("serialisable");
        let path = lake.path(LOCK_PATH);
        loop {
            let opts = PutOptions {
                mode: PutMode::Create,
                ..Default::default()
            };
            match lake
                .store()
                .put_opts(&path, PutPayload::from(body.clone()), opts)
                .await
            {
                Ok(_) => {
                    return Ok(LakeLock {
                        lake: lake.clone(),
                        released: false,
                    })
                }
                Err(object_store::Error::AlreadyExists { .. }) => {
                    let holder = match lake.get(LOCK_PATH).await {
                        Ok(bytes) => serde_json::from_slice::<LockInfo>(&bytes).ok(),
                        Err(_) => continue, // released meanwhile
                    };
                    match holder {
                        Some(h) if !h.is_stale() => {
                            if tokio::time::Instant::now() >= deadline {
                                return Err(LakeError::Locked(format!(
                                    "the lake {} is being written by process {} on {} ({}) since {}; try again when it finishes",
                                    lake.url(),
                                    h.pid,
                                    h.host,
                                    h.purpose,
                                    h.since.format("%Y-%m-%d %H:%M:%S UTC")
                                )));
                            }
                            tokio::time::sleep(Duration::from_millis(200)).await;
                        }
                        _ => {
                            tracing::warn!(lake = %lake.url(), "Taking over a stale lake lock left by a process that is gone.");
                            lake.delete(LOCK_PATH).await?;
                        }
                    }
                }
                Err(e) => {
                    return Err(LakeError::Store {
                        url: lake.url().to_string(),
                        operation: "locking",
                        path: path.to_string(),
                        source: e,
                    })
                }
            }
        }
    }

    pub async fn release(mut self) -> Result<(), LakeError> {
        self.released = true;
        self.lake.delete(LOCK_PATH).await
    }
}

impl Drop for LakeLock {
    fn drop(&mut self) {
        if !self.released {
            // Error paths drop the lock without awaiting; the next writer sees our pid gone
            // only after exit, so try a best-effort delete now when a runtime is around.
            let lake = self.lake.clone();
            if let Ok(handle) = tokio::runtime::Handle::try_current() {
                handle.spawn(async move {
                    let _ = lake.delete(LOCK_PATH).await;
                });
            }
        }
    }
}
