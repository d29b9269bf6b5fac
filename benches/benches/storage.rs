//! Criterion benchmarks of the storage layer: blob put/get throughput (local
//! disk, memory, and S3 when `FOTOBASE_TEST_S3_URL` names one) and metadata
//! insert/query rates on each database (SQLite always; PostgreSQL and MariaDB
//! when `FOTOBASE_TEST_POSTGRES_URL` / `FOTOBASE_TEST_MYSQL_URL` are set, as
//! `make bench` does). Under `cargo test` each runs once.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use fotobase_store::blob::BlobStore;
use fotobase_store::db::{Db, ImageFilter, Images, NewImage};
use fotobase_store::media::Media;
use tokio::runtime::Runtime;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

fn unique() -> u64 {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    nanos.wrapping_mul(31) ^ N.fetch_add(1, Ordering::Relaxed)
}

/// Bytes of `len` whose first 8 bytes differ per call, so every put writes.
fn fresh_bytes(template: &[u8]) -> Bytes {
    let mut data = template.to_vec();
    data[..8].copy_from_slice(&unique().to_le_bytes());
    Bytes::from(data)
}

fn blob_stores() -> Vec<(&'static str, BlobStore)> {
    let dir = std::env::temp_dir().join(format!("fotobase-bench-{}", unique()));
    let mut stores = vec![
        ("memory", BlobStore::from_url("memory://").unwrap()),
        ("local", BlobStore::from_url(&format!("file://{}", dir.display())).unwrap()),
    ];
    if let Ok(url) = std::env::var("FOTOBASE_TEST_S3_URL") {
        stores.push(("s3", BlobStore::from_url(&format!("{url}-bench-{}", unique())).unwrap()));
    }
    stores
}

fn bench_blobs(c: &mut Criterion) {
    let rt = runtime();
    let mut g = c.benchmark_group("blob");
    for (name, store) in blob_stores() {
        for size in [64 << 10, 4 << 20] {
            let template = vec![7u8; size];
            g.throughput(Throughput::Bytes(size as u64));
            g.bench_function(BenchmarkId::new(format!("put/{name}"), size), |b| {
                b.iter(|| rt.block_on(store.put_bytes(fresh_bytes(&template), None, u64::MAX)).unwrap());
            });
            let stored = rt.block_on(store.put_bytes(fresh_bytes(&template), None, u64::MAX)).unwrap();
            g.bench_function(BenchmarkId::new(format!("get/{name}"), size), |b| {
                b.iter(|| rt.block_on(store.get(black_box(&stored.key))).unwrap());
            });
        }
    }
    g.finish();
}

fn databases(rt: &Runtime) -> Vec<(&'static str, Db)> {
    let path = std::env::temp_dir().join(format!("fotobase-bench-{}.db", unique()));
    let mut urls = vec![("sqlite", format!("sqlite://{}", path.display()))];
    for (name, var) in [("postgres", "FOTOBASE_TEST_POSTGRES_URL"), ("mariadb", "FOTOBASE_TEST_MYSQL_URL")] {
        if let Ok(url) = std::env::var(var) {
            urls.push((name, url));
        }
    }
    urls.into_iter()
        .map(|(name, url)| {
            let db = rt.block_on(Db::connect(&url)).unwrap();
            rt.block_on(db.migrate()).unwrap();
            (name, db)
        })
        .collect()
}

fn image(owner: i64, i: u64) -> NewImage {
    NewImage {
        owner_id: owner,
        name: format!("photo-{i}.jpg"),
        format: "jpeg".into(),
        width: 4032,
        height: 3024,
        orientation: 1,
        taken_at: Some(1_600_000_000 + i as i64 * 60),
        tags: vec![["beach", "city", "family", "food"][(i % 4) as usize].to_string()],
        idempotency_key: None,
        ..Default::default()
    }
}

fn bench_metadata(c: &mut Criterion) {
    let rt = runtime();
    let mut g = c.benchmark_group("metadata");
    for (name, db) in databases(&rt) {
        // Rows of one owner per run: benchmarks share the servers' databases with nothing else.
        let owner = (unique() % 1_000_000_000) as i64 + 1;
        let media = Media::new(db.clone(), BlobStore::from_url("memory://").unwrap());
        let template = vec![1u8; 256];
        let n = AtomicU64::new(0);
        g.bench_function(format!("upload-row/{name}"), |b| {
            b.iter(|| {
                rt.block_on(media.upload(&image(owner, n.fetch_add(1, Ordering::Relaxed)), &fresh_bytes(&template)))
                    .unwrap()
            });
        });
        for i in 0..300 {
            rt.block_on(media.upload(&image(owner, 10_000 + i), &fresh_bytes(&template))).unwrap();
        }
        let images = Images::new(db.clone());
        let page = ImageFilter { owner_id: Some(owner), limit: 50, ..Default::default() };
        g.bench_function(format!("list-50/{name}"), |b| b.iter(|| rt.block_on(images.list(black_box(&page))).unwrap()));
        let tagged = ImageFilter { tags_any: vec!["food".into()], name: Some("photo-1".into()), ..page.clone() };
        g.bench_function(format!("list-50-filtered/{name}"), |b| {
            b.iter(|| rt.block_on(images.list(black_box(&tagged))).unwrap());
        });
        g.bench_function(format!("stats/{name}"), |b| b.iter(|| rt.block_on(images.stats(Some(owner))).unwrap()));
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = fotobase_benches::criterion_config();
    targets = bench_blobs, bench_metadata
}
criterion_main!(benches);
