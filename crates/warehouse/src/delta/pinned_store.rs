//! A read-only view of a warehouse's object store that lists only the data files of the
//! pinned table versions. Delta removes a replaced file from the log, not from storage
//! (until `vacuum`), so a plain listing would read superseded files twice; through this
//! view, DataFusion's own listing tables (partition pruning, statistics, filter pushdown)
//! read exactly one version.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use futures::StreamExt;
use futures::stream::BoxStream;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, Result,
};

/// The store, showing only `files` (and the folders that lead to them) to listings.
#[derive(Debug)]
pub struct PinnedStore {
    inner: Arc<dyn ObjectStore>,
    files: Arc<HashSet<Path>>,
    folders: Arc<HashSet<Path>>,
}

impl PinnedStore {
    /// A view of `inner` in which listings show only `files` (paths within `inner`).
    pub fn new(inner: Arc<dyn ObjectStore>, files: impl IntoIterator<Item = Path>) -> PinnedStore {
        let files: HashSet<Path> = files.into_iter().collect();
        let mut folders = HashSet::new();
        for f in &files {
            let parts: Vec<_> = f.parts().collect();
            for n in 1..parts.len() {
                folders.insert(Path::from_iter(parts[..n].iter().cloned()));
            }
        }
        PinnedStore {
            inner,
            files: Arc::new(files),
            folders: Arc::new(folders),
        }
    }
}

impl fmt::Display for PinnedStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PinnedStore({} files of {})",
            self.files.len(),
            self.inner
        )
    }
}

fn read_only(operation: &str) -> object_store::Error {
    object_store::Error::NotSupported {
        source: format!("{operation}: a pinned table version is read-only").into(),
    }
}

#[async_trait]
impl ObjectStore for PinnedStore {
    async fn put_opts(&self, _: &Path, _: PutPayload, _: PutOptions) -> Result<PutResult> {
        Err(read_only("put"))
    }

    async fn put_multipart_opts(
        &self,
        _: &Path,
        _: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        Err(read_only("put"))
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        self.inner.get_opts(location, options).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        locations.map(|_| Err(read_only("delete"))).boxed()
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        let files = Arc::clone(&self.files);
        self.inner
            .list(prefix)
            .filter(move |meta| {
                let keep = meta.as_ref().map_or(true, |m| files.contains(&m.location));
                futures::future::ready(keep)
            })
            .boxed()
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        let mut listed = self.inner.list_with_delimiter(prefix).await?;
        listed.objects.retain(|m| self.files.contains(&m.location));
        listed.common_prefixes.retain(|p| self.folders.contains(p));
        Ok(listed)
    }

    async fn copy_opts(&self, _: &Path, _: &Path, _: CopyOptions) -> Result<()> {
        Err(read_only("copy"))
    }
}

#[cfg(test)]
mod unit {
    use futures::TryStreamExt;
    use object_store::ObjectStoreExt;
    use object_store::memory::InMemory;

    use super::*;

    #[tokio::test]
    async fn listings_show_only_the_pinned_files() {
        let inner = Arc::new(InMemory::new());
        for p in [
            "t/year=2025/month=11/a.parquet",
            "t/year=2025/month=11/old.parquet",
            "t/year=2024/month=1/gone.parquet",
            "t/_delta_log/0.json",
        ] {
            inner.put(&Path::from(p), vec![1u8].into()).await.unwrap();
        }
        let view = PinnedStore::new(inner, [Path::from("t/year=2025/month=11/a.parquet")]);
        let all: Vec<_> = view
            .list(Some(&Path::from("t")))
            .map_ok(|m| m.location.to_string())
            .try_collect()
            .await
            .unwrap();
        assert_eq!(all, ["t/year=2025/month=11/a.parquet"]);
        let years = view
            .list_with_delimiter(Some(&Path::from("t")))
            .await
            .unwrap();
        assert_eq!(years.common_prefixes, [Path::from("t/year=2025")]);
        let files = view
            .list_with_delimiter(Some(&Path::from("t/year=2025/month=11")))
            .await
            .unwrap();
        assert_eq!(files.objects.len(), 1);
        assert!(
            view.put(&Path::from("t/x"), vec![1u8].into())
                .await
                .is_err()
        );
        // Reading a file goes through (DataFusion reads footers and ranges).
        assert_eq!(
            view.get(&Path::from("t/year=2025/month=11/a.parquet"))
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap()
                .len(),
            1
        );
    }
}
