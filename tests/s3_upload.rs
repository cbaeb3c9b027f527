//! Large files go up to an S3 lake in parts (`Lake::put_file`): moto's server, started on
//! 127.0.0.1, takes a file of three parts and gives it back byte for byte, and its ETag
//! (`"<md5 of the parts' md5s>-<parts>"`) shows it arrived as a multipart upload, not as
//! one body read whole into memory.
//!
//! Its own test binary: it points this process's AWS variables at moto, which no other
//! test may see. Skipped without moto unless `MOMENTOS_REQUIRE_S3=1` (as CI sets).

mod util;

use momentos::lake::{Lake, UPLOAD_PART_BYTES};
use object_store::ObjectStoreExt;
use util::s3::*;

#[tokio::test]
async fn a_large_file_goes_up_in_parts_and_arrives_whole() {
    let Some(moto) = start_moto() else {
        return;
    };
    for (name, value) in s3_env(moto.port) {
        std::env::set_var(name, value);
    }
    let lake = Lake::open("s3://lake/uploads").unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Two whole parts and a short third; a byte pattern no part repeats exactly.
    let size = 2 * UPLOAD_PART_BYTES + 12_345;
    let content: Vec<u8> = (0..size as u64)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let big = dir.path().join("big.parquet");
    std::fs::write(&big, &content).unwrap();
    lake.put_file("t/big.parquet", &big).await.unwrap();
    let back = lake.get("t/big.parquet").await.unwrap();
    assert!(
        back.as_ref() == content.as_slice(),
        "the file came back changed"
    );
    let meta = lake
        .store()
        .head(&lake.path("t/big.parquet"))
        .await
        .unwrap();
    let etag = meta.e_tag.unwrap_or_default();
    assert!(
        etag.trim_matches('"').ends_with("-3"),
        "not 3 parts: {etag}"
    );

    // A file of one part or less goes up in one request.
    let small = dir.path().join("small.parquet");
    std::fs::write(&small, &content[..1000]).unwrap();
    lake.put_file("t/small.parquet", &small).await.unwrap();
    let back = lake.get("t/small.parquet").await.unwrap();
    assert_eq!(back.as_ref(), &content[..1000]);
    let meta = lake
        .store()
        .head(&lake.path("t/small.parquet"))
        .await
        .unwrap();
    assert!(!meta.e_tag.unwrap_or_default().contains('-'));
}
