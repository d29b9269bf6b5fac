//! The contract every blob backend must meet, as an executable suite. Run it
//! on a dedicated, empty store: the GC check deletes what it does not know.

use bytes::Bytes;
use futures_util::future::join_all;
use futures_util::{TryStreamExt as _, stream};

use fotobase::ErrorKind;
use fotobase_store::blob::{BlobStore, cas_key};

fn payload(len: usize, seed: u8) -> Bytes {
    let mut noise = fotobase_auth::random::random_hex(8).into_bytes();
    noise.push(seed);
    (0..len).map(|i| noise[i % noise.len()] ^ (i / 7) as u8).collect::<Vec<u8>>().into()
}

fn chunks(
    data: &Bytes,
    size: usize,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Unpin + use<> {
    let parts: Vec<Result<Bytes, std::io::Error>> =
        (0..data.len()).step_by(size).map(|i| Ok(data.slice(i..(i + size).min(data.len())))).collect();
    stream::iter(parts)
}

/// Run every check against `store` (which should use a small part size, e.g.
/// [`BlobStore::with_part_size`]`(5 MiB)` for S3, 64 KiB elsewhere).
pub async fn run(store: &BlobStore) {
    bytes_round_trip_and_dedupe(store).await;
    streams_match_bytes_and_ranges(store).await;
    limits_and_digests_leave_nothing_behind(store).await;
    missing_keys_and_bad_keys(store).await;
    concurrent_identical_uploads_store_one_blob(store).await;
    gc_keeps_referenced_and_fresh_blobs(store).await;
}

async fn bytes_round_trip_and_dedupe(store: &BlobStore) {
    let data = payload(10_000, 1);
    let first = store.put_bytes(data.clone(), None, 1 << 20).await.expect("put");
    assert!(first.created);
    assert_eq!(first.key, cas_key(&first.sha256));
    assert_eq!(first.bytes, 10_000);
    assert_eq!(store.get(&first.key).await.unwrap(), data, "bytes read back");
    let again = store.put_bytes(data.clone(), Some(&first.sha256.to_uppercase()), 1 << 20).await.unwrap();
    assert_eq!((again.key.as_str(), again.created), (first.key.as_str(), false), "identical bytes stored once");
    let head = store.head(&first.key).await.unwrap().expect("head");
    assert_eq!(head.bytes, 10_000);
    assert!(head.modified_at > 1_600_000_000, "modification time is real");
}

async fn streams_match_bytes_and_ranges(store: &BlobStore) {
    let data = payload(3 * 1024 * 1024 + 17, 2);
    let streamed = store.put_stream(chunks(&data, 100_000), None, 1 << 30).await.expect("put_stream");
    assert!(streamed.created);
    assert_eq!(streamed.bytes, data.len() as u64);
    let direct = store.put_bytes(data.clone(), None, 1 << 30).await.unwrap();
    assert_eq!(direct.key, streamed.key, "streamed and in-memory puts agree on the address");
    assert!(!direct.created);
    let parts: Vec<Bytes> = store.get_stream(&streamed.key).await.unwrap().try_collect().await.unwrap();
    assert_eq!(parts.concat(), data.to_vec(), "stream reads back");
    let range = store.get_range(&streamed.key, 1_000_000..1_000_100).await.unwrap();
    assert_eq!(range, data.slice(1_000_000..1_000_100), "ranged read");
    assert!(store.list("tmp").await.unwrap().is_empty(), "no temporary upload left");
}

async fn limits_and_digests_leave_nothing_behind(store: &BlobStore) {
    let before = store.list("").await.unwrap();
    let data = payload(2 * 1024 * 1024, 3);
    let e = store.put_stream(chunks(&data, 65_536), None, 1024 * 1024).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded);
    let e = store.put_bytes(data.clone(), None, 1024).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded);
    let wrong = "0".repeat(64);
    let e = store.put_stream(chunks(&data, 65_536), Some(&wrong), 1 << 30).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::CorruptInput, "digest checked on write");
    let e = store.put_bytes(data.clone(), Some(&wrong), 1 << 30).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::CorruptInput);
    let failing = stream::iter(vec![Ok(Bytes::from_static(b"abc")), Err(std::io::Error::other("client went away"))]);
    assert!(store.put_stream(failing, None, 1 << 20).await.is_err(), "a broken upload stream fails the put");
    let after = store.list("").await.unwrap();
    assert_eq!(before, after, "failed uploads leave nothing behind");
}

async fn missing_keys_and_bad_keys(store: &BlobStore) {
    let missing = cas_key(&"f".repeat(64));
    assert_eq!(store.get(&missing).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(store.get_range(&missing, 0..1).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(store.head(&missing).await.unwrap(), None);
    store.delete(&missing).await.expect("deleting a missing blob is fine");
    for bad in ["../escape", "/abs", "a//b", ""] {
        assert_eq!(store.get(bad).await.unwrap_err().kind(), ErrorKind::InvalidArgument, "{bad:?}");
        assert_eq!(store.delete(bad).await.unwrap_err().kind(), ErrorKind::InvalidArgument, "{bad:?}");
    }
    let data = payload(100, 4);
    let s = store.put_bytes(data, None, 1 << 20).await.unwrap();
    store.delete(&s.key).await.unwrap();
    assert_eq!(store.head(&s.key).await.unwrap(), None, "deleted");
    store.delete(&s.key).await.expect("second delete is fine");
}

async fn concurrent_identical_uploads_store_one_blob(store: &BlobStore) {
    let data = payload(300_000, 5);
    let results = join_all((0..8).map(|_| store.put_stream(chunks(&data, 50_000), None, 1 << 30))).await;
    let keys: Vec<String> = results.into_iter().map(|r| r.expect("concurrent put").key).collect();
    assert!(keys.windows(2).all(|w| w[0] == w[1]), "one address");
    let shard = &keys[0][..10];
    let stored: Vec<_> = store.list(shard).await.unwrap().into_iter().filter(|m| m.key == keys[0]).collect();
    assert_eq!(stored.len(), 1, "one blob");
    assert_eq!(store.get(&keys[0]).await.unwrap(), data, "and it is whole");
    assert!(store.list("tmp").await.unwrap().is_empty(), "no temporary uploads left");
}

async fn gc_keeps_referenced_and_fresh_blobs(store: &BlobStore) {
    let keep = store.put_bytes(payload(1000, 6), None, 1 << 20).await.unwrap();
    let drop = store.put_bytes(payload(1000, 7), None, 1 << 20).await.unwrap();
    let now = unix_now();
    // Nothing is older than an hour ago: GC with a grace period touches nothing.
    let r = store.gc(now - 3600, |_| false).await.unwrap();
    assert_eq!((r.deleted_blobs, r.deleted_temp), (0, 0), "fresh blobs survive the grace period");
    let r = store.gc(now + 3600, |k| k == keep.key).await.unwrap();
    assert!(r.deleted_blobs >= 1);
    assert!(store.head(&keep.key).await.unwrap().is_some(), "referenced blob kept");
    assert!(store.head(&drop.key).await.unwrap().is_none(), "unreferenced old blob removed");
    let remaining: Vec<String> = store.list("cas").await.unwrap().into_iter().map(|m| m.key).collect();
    assert_eq!(remaining, vec![keep.key.clone()]);

    // Cache entries: overwritable at their own key, evicted once past the grace period.
    store.put_cache("cache/t/a", Bytes::from_static(b"one")).await.unwrap();
    store.put_cache("cache/t/a", Bytes::from_static(b"two")).await.unwrap();
    assert_eq!(store.get("cache/t/a").await.unwrap(), Bytes::from_static(b"two"));
    let e = store.put_cache("cas/aa/not-a-cache", Bytes::from_static(b"x")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert_eq!(store.gc(now - 3600, |_| true).await.unwrap().deleted_cache, 0, "fresh entries stay");
    assert_eq!(store.gc(now + 3600, |_| true).await.unwrap().deleted_cache, 1);
    assert!(store.head("cache/t/a").await.unwrap().is_none());
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}
