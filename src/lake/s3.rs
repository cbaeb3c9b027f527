//! Lakes on S3 and S3-compatible servers (MinIO, Ceph, moto): `s3://bucket/prefix`.
//!
//! Configuration comes from the standard AWS variables, read by object_store:
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION` (or
//! `AWS_DEFAULT_REGION`), `AWS_ENDPOINT_URL` for a server other than AWS, `AWS_ALLOW_HTTP=true`
//! for a plain-HTTP one, `AWS_VIRTUAL_HOSTED_STYLE_REQUEST=true` for virtual-hosted URLs (path
//! style by default, which S3-compatible servers expect).
//!
//! Retries are few and short: a lake that cannot be reached fails in seconds with the URL
//! named, instead of retrying for minutes in a nightly run.
//!
//! Writers rely on one primitive, a create-if-absent put (`PutMode::Create`, S3's
//! `If-None-Match: *`): the lake lock and every Delta commit (delta-rs' default log store
//! writes `_delta_log/N.json` that way, so two writers can never both commit version N).

use std::sync::Arc;
use std::time::Duration;

use object_store::aws::AmazonS3Builder;
use object_store::{BackoffConfig, ClientOptions, ObjectStore, RetryConfig};
use url::Url;

/// The store of an `s3://bucket/…` URL.
pub fn store(url: &Url) -> Result<Arc<dyn ObjectStore>, String> {
    let retry = RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(2),
            base: 2.0,
        },
        max_retries: 2,
        retry_timeout: Duration::from_secs(8),
    };
    // Set here, not left to `from_env`: our client options replace the ones it read.
    let allow_http =
        std::env::var("AWS_ALLOW_HTTP").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
    let client = ClientOptions::new()
        .with_allow_http(allow_http)
        .with_connect_timeout(Duration::from_secs(3))
        .with_timeout(Duration::from_secs(120));
    let store = AmazonS3Builder::from_env()
        .with_url(url.as_str())
        .with_retry(retry)
        .with_client_options(client)
        .build()
        .map_err(|e| e.to_string())?;
    Ok(Arc::new(store))
}
