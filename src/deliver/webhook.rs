//! Webhooks: one JSON POST per message (ureq, rustls; the usual HTTPS_PROXY / NO_PROXY
//! variables apply). A 2xx answer is a delivery; anything else is a failed attempt.

use std::time::Duration;

use super::SendError;

/// Posts `payload` to `url`. Runs the blocking client off the async threads. A 4xx answer
/// other than 408 or 429 means the request itself is wrong: retrying in the same run
/// cannot help.
pub async fn post(
    url: &str,
    payload: &serde_json::Value,
    timeout: Duration,
) -> Result<(), SendError> {
    let url = url.to_string();
    let body = serde_json::to_vec(payload).map_err(|e| SendError {
        text: e.to_string(),
        retry: false,
    })?;
    tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(true)
            .build()
            .into();
        agent
            .post(&url)
            .header("Content-Type", "application/json; charset=utf-8")
            .send(&body[..])
            .map(|_| ())
            .map_err(|e| match e {
                ureq::Error::StatusCode(code) => SendError {
                    text: format!("webhook: HTTP {code}"),
                    retry: !(400..500).contains(&code) || code == 408 || code == 429,
                },
                other => SendError {
                    text: format!("webhook: {other}"),
                    retry: true,
                },
            })
    })
    .await
    .map_err(|e| SendError {
        text: format!("webhook: {e}"),
        retry: true,
    })?
}
