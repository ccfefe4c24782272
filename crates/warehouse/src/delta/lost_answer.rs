//! A store that does what it is asked and then loses the answer of chosen writes, as a
//! connection cut after the server applied a PUT does: for the lost-response tests.

use std::fmt;
use std::sync::Arc;
use std::sync::Mutex;

use async_trait::async_trait;
use futures::stream::BoxStream;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, Result,
};

/// Loses the answer of the next write whose path contains one of the armed patterns
/// (each pattern once).
#[derive(Debug)]
pub(crate) struct LostAnswer {
    inner: Arc<dyn ObjectStore>,
    armed: Mutex<Vec<String>>,
    /// Paths whose answers were lost.
    pub(crate) lost: Mutex<Vec<String>>,
}

impl LostAnswer {
    pub(crate) fn new(inner: Arc<dyn ObjectStore>) -> LostAnswer {
        LostAnswer {
            inner,
            armed: Mutex::new(Vec::new()),
            lost: Mutex::new(Vec::new()),
        }
    }

    /// The next write to a path containing `pattern` takes effect, then fails.
    pub(crate) fn arm(&self, pattern: &str) {
        self.armed.lock().unwrap().push(pattern.to_owned());
    }

    fn should_lose(&self, location: &Path) -> bool {
        let mut armed = self.armed.lock().unwrap();
        match armed
            .iter()
            .position(|p| location.as_ref().contains(p.as_str()))
        {
            Some(i) => {
                armed.remove(i);
                self.lost.lock().unwrap().push(location.to_string());
                true
            }
            None => false,
        }
    }
}

impl fmt::Display for LostAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LostAnswer({})", self.inner)
    }
}

#[async_trait]
impl ObjectStore for LostAnswer {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        let result = self.inner.put_opts(location, payload, opts).await?;
        if self.should_lose(location) {
            return Err(object_store::Error::Generic {
                store: "LostAnswer",
                source: "connection reset after the write took effect".into(),
            });
        }
        Ok(result)
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        self.inner.get_opts(location, options).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.inner.copy_opts(from, to, options).await
    }
}
