//! The media crash-safety contract (`fotobase_testkit::media`) on every
//! database, each paired with a blob backend: SQLite with local disk and with
//! memory, PostgreSQL with S3 (moto), MariaDB with Azure Blob (azurite).

use fotobase_store::blob::BlobStore;
use fotobase_store::db::DbBackend;
use fotobase_testkit::media as conformance;

mod dbs;

fn local_store() -> BlobStore {
    let dir = std::env::temp_dir().join(format!("fotobase-media-{}", dbs::suffix()));
    BlobStore::from_url(&format!("file://{}", dir.display())).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_with_local_blobs() {
    let db = dbs::fresh_of(DbBackend::Sqlite).await.unwrap();
    conformance::run(&db, &local_store()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_with_memory_blobs() {
    let db = dbs::fresh_of(DbBackend::Sqlite).await.unwrap();
    conformance::run(&db, &BlobStore::from_url("memory://").unwrap()).await;
}

#[cfg(feature = "s3")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_with_s3_blobs() {
    let (Some(db), Some(url)) = (dbs::fresh_of(DbBackend::Postgres).await, dbs::emulator_url("FOTOBASE_TEST_S3_URL"))
    else {
        return;
    };
    conformance::run(&db, &BlobStore::from_url(&url).unwrap()).await;
}

#[cfg(feature = "azure")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mariadb_with_azure_blobs() {
    let (Some(db), Some(url)) = (dbs::fresh_of(DbBackend::MySql).await, dbs::emulator_url("FOTOBASE_TEST_AZURE_URL"))
    else {
        return;
    };
    conformance::run(&db, &BlobStore::from_url(&url).unwrap()).await;
}
