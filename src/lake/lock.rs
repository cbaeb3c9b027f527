//! Locks kept in the lake itself, so they work for every process that can reach it (two
//! cron jobs, the daemon and a person, pods on different nodes).
//!
//! A lock is a small JSON object created only if absent (an atomic create-if-not-exists on
//! every object store): `_lock.json` for the one writer of a lake ([`LakeLock`]), and
//! `_locks/<name>.json` for named locks such as `_locks/pipeline-nightly.json` ([`NamedLock`]).
//! A lock whose process is gone (same host) or that is older than its stale age is taken
//! over, so a `kill -9` never blocks for good.

use std::time::Duration;

use chrono::{DateTime, Utc};
use object_store::{PutMode, PutOptions, PutPayload};
use serde::{Deserialize, Serialize};

use super::{Lake, LakeError};

/// The lake writer's lock.
pub const LOCK_PATH: &str = "_lock.json";
/// Folder of named locks.
pub const LOCKS_DIR: &str = "_locks/";
/// A lake lock this old is stale whoever holds it (ingests refresh nothing; runs are shorter).
pub const STALE_AFTER: Duration = Duration::from_secs(6 * 3600);

/// What a lock object says about its holder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LockInfo {
    pub pid: u32,
    pub host: String,
    pub purpose: String,
    pub since: DateTime<Utc>,
    /// The pipeline run holding the lock, when a run holds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
}

/// How to take a lock.
#[derive(Debug, Clone)]
pub struct LockSpec {
    /// Lake-relative path of the lock object.
    pub path: String,
    /// What the holder does, shown to whoever waits.
    pub purpose: String,
    /// The run taking the lock, if any (recorded so a successor can close its history).
    pub run_id: Option<String>,
    /// How long to wait for the holder to finish.
    pub wait: Duration,
    /// Age after which a lock is stale whoever holds it.
    pub stale_after: Duration,
    /// Start of the "busy" message, e.g. "pipeline `nightly` is already running".
    pub busy: String,
}

impl LockSpec {
    /// A named lock under `_locks/`.
    pub fn named(name: &str, purpose: impl Into<String>, busy: impl Into<String>) -> LockSpec {
        LockSpec {
            path: format!("{LOCKS_DIR}{name}.json"),
            purpose: purpose.into(),
            run_id: None,
            wait: Duration::ZERO,
            stale_after: STALE_AFTER,
            busy: busy.into(),
        }
    }
}

/// "<busy>: held by process … since …; try again when it finishes".
fn busy_message(spec: &LockSpec, holder: &LockInfo) -> String {
    crate::t!(
        "lock-held",
        busy = &spec.busy,
        pid = holder.pid.to_string(),
        host = &holder.host,
        purpose = &holder.purpose,
        since = holder.since.format("%Y-%m-%d %H:%M:%S UTC").to_string()
    )
}

pub(crate) fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "unknown".into())
}

fn process_alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

impl LockInfo {
    /// Stale: older than `stale_after`, or held by a process of this host that is gone.
    pub fn is_stale(&self, stale_after: Duration) -> bool {
        let age = Utc::now().signed_duration_since(self.since);
        if age.to_std().is_ok_and(|a| a > stale_after) {
            return true;
        }
        self.host == hostname() && self.pid != std::process::id() && !process_alive(self.pid)
    }
}

/// A held lock. Release it with [`NamedLock::release`]; if the process dies the next
/// taker finds it stale and takes it over.
pub struct NamedLock {
    lake: Lake,
    path: String,
    info: LockInfo,
    taken_over: Option<LockInfo>,
    released: bool,
}

impl NamedLock {
    /// Takes the lock, waiting up to `spec.wait` for another holder to finish.
    pub async fn acquire(lake: &Lake, spec: &LockSpec) -> Result<NamedLock, LakeError> {
        let deadline = tokio::time::Instant::now() + spec.wait;
        let info = LockInfo {
            pid: std::process::id(),
            host: hostname(),
            purpose: spec.purpose.clone(),
            since: Utc::now(),
            run_id: spec.run_id.clone(),
        };
        let body = serde_json::to_vec(&info).expect("serialisable");
        let path = lake.path(&spec.path);
        let mut taken_over = None;
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
                    return Ok(NamedLock {
                        lake: lake.clone(),
                        path: spec.path.clone(),
                        info,
                        taken_over,
                        released: false,
                    })
                }
                Err(object_store::Error::AlreadyExists { .. }) => {
                    let holder = match read_holder(lake, &spec.path).await {
                        Ok(Some(h)) => h,
                        Ok(None) => continue, // released meanwhile
                        Err(None) => {
                            // Unreadable (half-written by a dead process): stale.
                            tracing::warn!(lock = %spec.path, "Removing an unreadable lock object.");
                            lake.delete(&spec.path).await?;
                            continue;
                        }
                        Err(Some(e)) => return Err(e),
                    };
                    if !holder.is_stale(spec.stale_after) {
                        if tokio::time::Instant::now() >= deadline {
                            return Err(LakeError::Locked(busy_message(spec, &holder)));
                        }
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        continue;
                    }
                    // Re-read just before deleting so a lock another taker created in the
                    // meantime is not removed.
                    if let Ok(Some(again)) = read_holder(lake, &spec.path).await {
                        if again != holder {
                            continue;
                        }
                    }
                    tracing::warn!(
                        lock = %spec.path,
                        pid = holder.pid,
                        host = %holder.host,
                        purpose = %holder.purpose,
                        "Taking over a stale lock left by a process that is gone."
                    );
                    lake.delete(&spec.path).await?;
                    taken_over = Some(holder);
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

    /// The stale holder this lock was taken over from, if any.
    pub fn taken_over(&self) -> Option<&LockInfo> {
        self.taken_over.as_ref()
    }

    /// What this lock says about us.
    pub fn info(&self) -> &LockInfo {
        &self.info
    }

    /// Removes the lock (only if it is still ours).
    pub async fn release(mut self) -> Result<(), LakeError> {
        self.released = true;
        delete_if_ours(&self.lake, &self.path, &self.info).await
    }
}

/// `Ok(None)`: no lock; `Err(None)`: a lock object that does not parse.
async fn read_holder(lake: &Lake, path: &str) -> Result<Option<LockInfo>, Option<LakeError>> {
    match lake.get(path).await {
        Ok(bytes) => serde_json::from_slice::<LockInfo>(&bytes)
            .map(Some)
            .map_err(|_| None),
        Err(LakeError::Store {
            source: object_store::Error::NotFound { .. },
            ..
        }) => Ok(None),
        Err(e) => Err(Some(e)),
    }
}

async fn delete_if_ours(lake: &Lake, path: &str, info: &LockInfo) -> Result<(), LakeError> {
    match read_holder(lake, path).await {
        Ok(Some(holder)) if &holder == info => lake.delete(path).await,
        Ok(Some(other)) => {
            tracing::warn!(lock = %path, pid = other.pid, host = %other.host, "The lock was taken over by another process; leaving it.");
            Ok(())
        }
        Ok(None) => Ok(()),
        Err(Some(e)) => Err(e),
        Err(None) => lake.delete(path).await,
    }
}

impl Drop for NamedLock {
    fn drop(&mut self) {
        if !self.released {
            // Error paths drop the lock without awaiting; the next taker sees our pid gone
            // only after exit, so try a best-effort release now when a runtime is around.
            let (lake, path, info) = (self.lake.clone(), self.path.clone(), self.info.clone());
            if let Ok(handle) = tokio::runtime::Handle::try_current() {
                handle.spawn(async move {
                    let _ = delete_if_ours(&lake, &path, &info).await;
                });
            }
        }
    }
}

/// One writer at a time per lake: the named lock at `_lock.json`.
pub struct LakeLock(NamedLock);

impl LakeLock {
    /// Takes the lock, waiting up to `wait` for another writer to finish.
    pub async fn acquire(
        lake: &Lake,
        purpose: &str,
        wait: Duration,
    ) -> Result<LakeLock, LakeError> {
        let spec = LockSpec {
            path: LOCK_PATH.to_string(),
            purpose: purpose.to_string(),
            run_id: None,
            wait,
            stale_after: STALE_AFTER,
            busy: crate::t!("lock-lake-busy", url = lake.url().as_str()),
        };
        NamedLock::acquire(lake, &spec).await.map(LakeLock)
    }

    pub async fn release(self) -> Result<(), LakeError> {
        self.0.release().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory_lake() -> Lake {
        Lake::open("memory://locks").unwrap()
    }

    #[tokio::test]
    async fn second_taker_is_refused_then_succeeds_after_release() {
        let lake = memory_lake();
        let spec = LockSpec::named(
            "pipeline-a",
            "run a",
            "el pipeline `a` ya se está ejecutando",
        );
        let first = NamedLock::acquire(&lake, &spec).await.unwrap();
        let err = NamedLock::acquire(&lake, &spec).await.err().unwrap();
        let LakeError::Locked(message) = err else {
            panic!("{err}")
        };
        assert!(
            message.starts_with("el pipeline `a` ya se está ejecutando: lo tiene el proceso"),
            "{message}"
        );
        assert!(
            message.ends_with("intente de nuevo cuando termine"),
            "{message}"
        );
        first.release().await.unwrap();
        let again = NamedLock::acquire(&lake, &spec).await.unwrap();
        assert!(again.taken_over().is_none());
        again.release().await.unwrap();
    }

    #[tokio::test]
    async fn locks_of_different_names_are_independent() {
        let lake = memory_lake();
        let a = NamedLock::acquire(&lake, &LockSpec::named("pipeline-a", "a", "a"))
            .await
            .unwrap();
        let b = NamedLock::acquire(&lake, &LockSpec::named("pipeline-b", "b", "b"))
            .await
            .unwrap();
        let l = LakeLock::acquire(&lake, "ingest", Duration::ZERO)
            .await
            .unwrap();
        a.release().await.unwrap();
        b.release().await.unwrap();
        l.release().await.unwrap();
    }

    #[tokio::test]
    async fn a_dead_holder_on_this_host_is_taken_over() {
        let lake = memory_lake();
        let dead = LockInfo {
            // Above the kernel's pid_max: never alive.
            pid: 4_999_999,
            host: hostname(),
            purpose: "run nightly".into(),
            since: Utc::now(),
            run_id: Some("r1".into()),
        };
        lake.put(
            "_locks/pipeline-n.json",
            serde_json::to_vec(&dead).unwrap().into(),
        )
        .await
        .unwrap();
        let lock = NamedLock::acquire(&lake, &LockSpec::named("pipeline-n", "run", "busy"))
            .await
            .unwrap();
        assert_eq!(lock.taken_over(), Some(&dead));
        lock.release().await.unwrap();
    }

    #[tokio::test]
    async fn an_old_lock_of_another_host_is_stale_a_fresh_one_is_not() {
        let other = |age: chrono::Duration| LockInfo {
            pid: 1,
            host: "some-other-host".into(),
            purpose: "x".into(),
            since: Utc::now() - age,
            run_id: None,
        };
        let stale_after = Duration::from_secs(3600);
        assert!(other(chrono::Duration::hours(2)).is_stale(stale_after));
        assert!(!other(chrono::Duration::minutes(5)).is_stale(stale_after));
    }

    #[tokio::test]
    async fn release_leaves_a_lock_that_another_process_took_over() {
        let lake = memory_lake();
        let spec = LockSpec::named("pipeline-x", "run", "busy");
        let mine = NamedLock::acquire(&lake, &spec).await.unwrap();
        let theirs = LockInfo {
            pid: 42,
            host: "elsewhere".into(),
            purpose: "run".into(),
            since: Utc::now(),
            run_id: None,
        };
        lake.put(&spec.path, serde_json::to_vec(&theirs).unwrap().into())
            .await
            .unwrap();
        mine.release().await.unwrap();
        assert!(lake.get(&spec.path).await.is_ok());
    }
}
