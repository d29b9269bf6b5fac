//! S3 and Azure Blob backends: configuration from the URL plus the standard
//! environment variables, an optional key prefix, and presigning.

use std::sync::Arc;

use object_store::path::Path;
use object_store::prefix::PrefixStore;

use super::{Backend, BlobStore, DEFAULT_PART_SIZE};
use fotobase::{Error, ErrorKind, Result};

/// Presigning handle of a cloud store.
pub type Signer = Arc<dyn object_store::signer::Signer>;

/// Sign `method` (GET or PUT, already checked) on `path` for `ttl`.
pub async fn presign(signer: &Signer, method: &str, path: &Path, ttl: std::time::Duration) -> Result<String> {
    use object_store::signer::Method;
    let method = if method == "PUT" { Method::PUT } else { Method::GET };
    let url = signer.signed_url(method, path, ttl).await.map_err(super::store_err)?;
    Ok(url.to_string())
}

/// `bucket/prefix/…` → (`bucket`, `prefix/…`).
fn split(rest: &str, what: &str) -> Result<(String, Option<Path>)> {
    let rest = rest.trim_end_matches('/');
    let (name, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if name.is_empty() {
        return Err(Error::new(ErrorKind::InvalidArgument, format!("blob URL has no {what}")));
    }
    let prefix = if prefix.is_empty() {
        None
    } else {
        super::validate_key(prefix)?;
        Some(Path::from(prefix))
    };
    Ok((name.to_owned(), prefix))
}

fn config_err(e: object_store::Error) -> Error {
    Error::new(ErrorKind::InvalidArgument, "invalid blob store configuration").with_source(e)
}

fn assemble<T>(inner: T, prefix: Option<Path>, backend: Backend) -> BlobStore
where
    T: object_store::ObjectStore + object_store::signer::Signer,
{
    let (store, signer): (Arc<dyn object_store::ObjectStore>, Signer) = match prefix {
        Some(p) => {
            let s = Arc::new(PrefixStore::new(inner, p));
            (s.clone(), s)
        }
        None => {
            let s = Arc::new(inner);
            (s.clone(), s)
        }
    };
    BlobStore { store, signer: Some(signer), backend, part_size: DEFAULT_PART_SIZE }
}

#[cfg(feature = "s3")]
pub fn s3(rest: &str) -> Result<BlobStore> {
    use object_store::aws::AmazonS3Builder;
    let (bucket, prefix) = split(rest, "bucket")?;
    let mut b = AmazonS3Builder::from_env().with_bucket_name(bucket);
    if std::env::var("AWS_ENDPOINT")
        .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
        .is_ok_and(|e| e.starts_with("http://"))
    {
        b = b.with_allow_http(true);
    }
    if let Ok(endpoint) = std::env::var("AWS_ENDPOINT_URL") {
        b = b.with_endpoint(endpoint);
    }
    Ok(assemble(b.build().map_err(config_err)?, prefix, Backend::S3))
}

#[cfg(not(feature = "s3"))]
pub fn s3(_: &str) -> Result<BlobStore> {
    Err(Error::new(ErrorKind::InvalidArgument, "s3:// needs fotobase's `s3` feature"))
}

#[cfg(feature = "azure")]
pub fn azure(rest: &str) -> Result<BlobStore> {
    use object_store::azure::MicrosoftAzureBuilder;
    let (container, prefix) = split(rest, "container")?;
    let b = MicrosoftAzureBuilder::from_env().with_container_name(container);
    Ok(assemble(b.build().map_err(config_err)?, prefix, Backend::Azure))
}

#[cfg(not(feature = "azure"))]
pub fn azure(_: &str) -> Result<BlobStore> {
    Err(Error::new(ErrorKind::InvalidArgument, "az:// needs fotobase's `azure` feature"))
}
