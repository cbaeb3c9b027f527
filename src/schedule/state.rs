//! What the daemon remembers between restarts: the last fire it handled per pipeline, in
//! the pipeline's lake (`_state/schedule/<pipeline>.json`), so that after downtime it knows
//! which fires it missed.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::lake::{Lake, LakeError};

pub const STATE_DIR: &str = "_state/schedule/";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleState {
    /// The latest cron fire that was run, recorded as missed, or deliberately not caught up.
    pub last_fire: DateTime<Utc>,
    /// The schedule it was computed with.
    pub schedule: String,
    pub updated_at: DateTime<Utc>,
}

fn object(pipeline: &str) -> String {
    format!("{STATE_DIR}{pipeline}.json")
}

pub async fn load(lake: &Lake, pipeline: &str) -> Result<Option<ScheduleState>, LakeError> {
    match lake.get(&object(pipeline)).await {
        Ok(bytes) => match serde_json::from_slice(&bytes) {
            Ok(s) => Ok(Some(s)),
            Err(e) => {
                tracing::warn!(pipeline, error = %e, "Ignoring an unreadable schedule state; missed fires before now are not caught up.");
                Ok(None)
            }
        },
        Err(LakeError::Store {
            source: object_store::Error::NotFound { .. },
            ..
        }) => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn save(lake: &Lake, pipeline: &str, state: &ScheduleState) -> Result<(), LakeError> {
    let body = serde_json::to_vec_pretty(state).expect("serialisable");
    lake.put(&object(pipeline), Bytes::from(body)).await
}
