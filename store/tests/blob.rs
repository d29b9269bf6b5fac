//! The blob conformance suite on every backend: local disk, memory, S3 (moto)
//! and Azure Blob (azurite). `make test` starts the emulators and sets
//! `FOTOBASE_REQUIRE_EMULATORS`, so there the cloud tests cannot be skipped.

use fotobase::ErrorKind;
use fotobase_store::blob::{Backend, BlobStore};
use fotobase_testkit::blob as conformance;

mod dbs;
#[cfg(any(feature = "s3", feature = "azure"))]
use dbs::emulator_url;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_backend_meets_the_blob_contract() {
    let store = BlobStore::from_url("memory://").unwrap().with_part_size(64 * 1024);
    assert_eq!(store.backend(), Backend::Memory);
    conformance::run(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_backend_meets_the_blob_contract() {
    let dir = tempdir();
    let store = BlobStore::from_url(&format!("file://{}", dir.display())).unwrap().with_part_size(64 * 1024);
    assert_eq!(store.backend(), Backend::Local);
    conformance::run(&store).await;
    // Blobs are plain files under their content address.
    let blobs: Vec<_> = walk(&dir.join("cas"));
    assert_eq!(blobs.len(), 1, "{blobs:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A presigned GET fetched with curl returns the blob; a presigned PUT stores bytes.
#[allow(dead_code)]
async fn presigned_urls_work(store: &BlobStore) {
    let stored = store.put_bytes(bytes::Bytes::from_static(b"presigned hello"), None, 1 << 20).await.unwrap();
    let url = store.presigned_url("GET", &stored.key, std::time::Duration::from_secs(60)).await.unwrap();
    let out = std::process::Command::new("curl").args(["-sf", &url]).output().expect("curl");
    assert!(out.status.success(), "GET {url}: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout, b"presigned hello");
    let put = store.presigned_url("PUT", "uploads/direct.bin", std::time::Duration::from_secs(60)).await.unwrap();
    let mut curl = std::process::Command::new("curl");
    curl.args(["-sf", "-X", "PUT", "--data-binary", "direct upload", "-H", "content-type: application/octet-stream"]);
    curl.args(["-H", "x-ms-blob-type: BlockBlob", &put]);
    let out = curl.output().expect("curl");
    assert!(out.status.success(), "PUT {put}: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(store.get("uploads/direct.bin").await.unwrap(), &b"direct upload"[..]);
    assert_eq!(
        store.presigned_url("DELETE", &stored.key, std::time::Duration::from_secs(60)).await.unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    store.delete("uploads/direct.bin").await.unwrap();
}

#[cfg(feature = "s3")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_backend_meets_the_blob_contract() {
    let Some(url) = emulator_url("FOTOBASE_TEST_S3_URL") else { return };
    let store = BlobStore::from_url(&url).unwrap().with_part_size(5 * 1024 * 1024);
    assert_eq!(store.backend(), Backend::S3);
    conformance::run(&store).await;
    presigned_urls_work(&store).await;
}

#[cfg(feature = "azure")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn azure_backend_meets_the_blob_contract() {
    let Some(url) = emulator_url("FOTOBASE_TEST_AZURE_URL") else { return };
    let store = BlobStore::from_url(&url).unwrap().with_part_size(1024 * 1024);
    assert_eq!(store.backend(), Backend::Azure);
    conformance::run(&store).await;
    presigned_urls_work(&store).await;
}

#[tokio::test]
async fn local_and_memory_stores_do_not_presign() {
    let store = BlobStore::from_url("memory://").unwrap();
    let e = store.presigned_url("GET", "cas/aa/bb/x", std::time::Duration::from_secs(60)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}

#[test]
fn urls_are_checked() {
    assert_eq!(BlobStore::from_url("file://relative/path").unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(BlobStore::from_url("ftp://example.com/x").unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(BlobStore::from_url("s3://").unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(BlobStore::from_url("az://container/../x").unwrap_err().kind(), ErrorKind::InvalidArgument);
}

fn tempdir() -> std::path::PathBuf {
    let d =
        std::env::temp_dir().join(format!("fotobase-blobs-{}-{:?}", std::process::id(), std::time::SystemTime::now()));
    let d = std::path::PathBuf::from(d.to_string_lossy().replace([' ', '{', '}', ':', ','], "_"));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.file_type().unwrap().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}
