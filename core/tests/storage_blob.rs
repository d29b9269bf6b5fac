//! The blob conformance suite on every backend available without a server:
//! local disk and memory. (S3 via moto and Azure via azurite join when their
//! backends land.)

use fotobase::ErrorKind;
use fotobase::storage::blob::{Backend, BlobStore, conformance};

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

#[test]
fn urls_are_checked() {
    assert_eq!(BlobStore::from_url("file://relative/path").unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(BlobStore::from_url("ftp://example.com/x").unwrap_err().kind(), ErrorKind::InvalidArgument);
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
