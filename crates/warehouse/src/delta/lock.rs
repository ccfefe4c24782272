//! The run lock: it keeps two runs from doing the same work (Delta's conditional commits
//! are what keeps them from losing each other's). In a folder, an OS lock on
//! `_rareflow/lock` (released by the OS when the run dies). On object storage, the object
//! `_rareflow/lock` holding its owner (host, pid) and an expiry: created with a conditional
//! put (`PutMode::Create`), renewed by its holder ([`RemoteLock::renew`]) well before it
//! expires, taken over (a run that died) with a conditional update on its e-tag, and
//! released with a conditional update too: a release never touches a lock another run
//! took over, and nothing is ever deleted.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload, UpdateVersion};

use super::DeltaWarehouse;
use crate::error::WarehouseError;

const LOCK: &str = "_rareflow/lock";

/// A held run lock; dropping it (or the run dying) releases a folder's, [`RunLock::release`]
/// releases an object store's.
#[derive(Debug)]
pub enum RunLock {
    /// The OS lock on a folder's lock file.
    Folder(std::fs::File),
    /// The lock object.
    Object(RemoteLock),
}

impl RunLock {
    /// Releases the lock (an object store's with a conditional update; a folder's when the
    /// lock is dropped).
    pub async fn release(&self) -> Result<(), WarehouseError> {
        match self {
            RunLock::Folder(_) => Ok(()),
            RunLock::Object(lock) => lock.release().await,
        }
    }

    /// Renews an object store's lock (a folder's needs none).
    pub async fn renew(&self) -> Result<(), WarehouseError> {
        match self {
            RunLock::Folder(_) => Ok(()),
            RunLock::Object(lock) => lock.renew().await,
        }
    }

    /// How often to renew.
    pub fn renew_every(&self) -> Option<Duration> {
        match self {
            RunLock::Folder(_) => None,
            RunLock::Object(lock) => Some(lock.ttl() / 3),
        }
    }
}

/// A released lock: expired, so the next run takes it over.
const RELEASED: &str = "owner=nobody (released)\nexpires_ms=0\n";

/// The held lock. Release it with [`RemoteLock::release`]; a run that dies leaves it to
/// expire.
#[derive(Debug)]
pub struct RemoteLock {
    store: Arc<dyn ObjectStore>,
    path: ObjectPath,
    url: String,
    owner: String,
    ttl: Duration,
    /// The lock object's version as this run last wrote it; held across a renewal so that
    /// two renewals (the heartbeat and the one before publishing) never race each other.
    version: tokio::sync::Mutex<UpdateVersion>,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn body(owner: &str, ttl: Duration) -> PutPayload {
    let expires = now_ms() + ttl.as_millis().max(1) as i64;
    PutPayload::from(format!("owner={owner}\nexpires_ms={expires}\n").into_bytes())
}

/// `(owner, expires)` (Unix milliseconds) from a lock body; an unreadable body counts as
/// expired.
fn parse(body: &str) -> (String, i64) {
    let field = |name: &str| {
        body.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
            .map(str::trim)
    };
    let owner = field("owner").unwrap_or("an unknown run").to_owned();
    let expires = field("expires_ms")
        .and_then(|e| e.parse().ok())
        .unwrap_or(0);
    (owner, expires)
}

fn version_of(e_tag: Option<String>, version: Option<String>) -> UpdateVersion {
    UpdateVersion { e_tag, version }
}

impl DeltaWarehouse {
    /// Takes the run lock for `owner` (e.g. `host pid 1234`); on object storage it is valid
    /// for `ttl` unless renewed. A lock held by a live run is [`WarehouseError::Busy`] (a
    /// folder) or [`WarehouseError::LockHeld`], or with `wait`, waited for.
    pub async fn lock(
        &self,
        owner: &str,
        ttl: Duration,
        wait: bool,
    ) -> Result<RunLock, WarehouseError> {
        match self.local_root() {
            Some(root) => lock_folder(&root, wait).map(RunLock::Folder),
            None => self
                .lock_object(owner, ttl, wait)
                .await
                .map(RunLock::Object),
        }
    }

    fn err(
        &self,
        action: &'static str,
        relative: &str,
    ) -> impl FnOnce(object_store::Error) -> WarehouseError {
        let url = format!("{}{relative}", self.root());
        move |source| WarehouseError::ObjectStore {
            action,
            url,
            source,
        }
    }

    fn url(&self, relative: &str) -> String {
        format!("{}{relative}", self.root())
    }

    async fn lock_object(
        &self,
        owner: &str,
        ttl: Duration,
        wait: bool,
    ) -> Result<RemoteLock, WarehouseError> {
        let path = ObjectPath::from(LOCK);
        let store = self.store();
        loop {
            let created = store
                .put_opts(&path, body(owner, ttl), PutOptions::from(PutMode::Create))
                .await;
            let held = match created {
                Ok(r) => return Ok(self.held(path, owner, ttl, version_of(r.e_tag, r.version))),
                Err(object_store::Error::AlreadyExists { .. }) => {
                    match store.get(&path).await {
                        // Released between the two requests: try again.
                        Err(object_store::Error::NotFound { .. }) => continue,
                        Err(e) => return Err(self.err("read the lock", LOCK)(e)),
                        Ok(got) => {
                            let version =
                                version_of(got.meta.e_tag.clone(), got.meta.version.clone());
                            let text =
                                got.bytes().await.map_err(self.err("read the lock", LOCK))?;
                            let (holder, expires) = parse(&String::from_utf8_lossy(&text));
                            if expires < now_ms() {
                                let taken = store
                                    .put_opts(
                                        &path,
                                        body(owner, ttl),
                                        PutOptions::from(PutMode::Update(version)),
                                    )
                                    .await;
                                match taken {
                                    Ok(r) => {
                                        tracing::warn!(previous = %holder, "took over an expired warehouse lock");
                                        return Ok(self.held(
                                            path,
                                            owner,
                                            ttl,
                                            version_of(r.e_tag, r.version),
                                        ));
                                    }
                                    // Another run took it (or renewed it) first.
                                    Err(object_store::Error::Precondition { .. }) => continue,
                                    Err(e) => {
                                        return match ours(&store, &path, owner).await {
                                            Some(v) => Ok(self.held(path, owner, ttl, v)),
                                            None => Err(self.err("take over the lock", LOCK)(e)),
                                        };
                                    }
                                }
                            }
                            (holder, expires)
                        }
                    }
                }
                Err(e) => {
                    return match ours(&store, &path, owner).await {
                        Some(v) => Ok(self.held(path, owner, ttl, v)),
                        None => Err(self.err("create the lock", LOCK)(e)),
                    };
                }
            };
            if !wait {
                return Err(WarehouseError::LockHeld {
                    url: self.url(LOCK),
                    owner: held.0,
                    expires_in_s: (held.1 - now_ms()).div_euclid(1000) + 1,
                });
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    fn held(
        &self,
        path: ObjectPath,
        owner: &str,
        ttl: Duration,
        version: UpdateVersion,
    ) -> RemoteLock {
        RemoteLock {
            store: self.store(),
            path,
            url: self.url(LOCK),
            owner: owner.to_owned(),
            ttl,
            version: tokio::sync::Mutex::new(version),
        }
    }
}

impl RemoteLock {
    /// How long the lock lasts without renewal.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Pushes the expiry `ttl` ahead, if this run still holds the lock; if its lock expired
    /// and another run took it over, [`WarehouseError::LockLost`].
    pub async fn renew(&self) -> Result<(), WarehouseError> {
        let mut version = self.version.lock().await;
        let put = self
            .store
            .put_opts(
                &self.path,
                body(&self.owner, self.ttl),
                PutOptions::from(PutMode::Update(version.clone())),
            )
            .await;
        match put {
            Ok(r) => {
                *version = version_of(r.e_tag, r.version);
                Ok(())
            }
            Err(
                object_store::Error::Precondition { .. } | object_store::Error::NotFound { .. },
            ) => Err(WarehouseError::LockLost {
                url: self.url.clone(),
            }),
            Err(source) => {
                if let Some(now) = ours(&self.store, &self.path, &self.owner).await {
                    *version = now;
                    return Ok(());
                }
                Err(WarehouseError::ObjectStore {
                    action: "renew the lock",
                    url: self.url.clone(),
                    source,
                })
            }
        }
    }

    /// Releases the lock if this run still holds it: a conditional update (on the e-tag
    /// this run last wrote) to an expired body. A lock another run took over is left as it is.
    pub async fn release(&self) -> Result<(), WarehouseError> {
        let version = self.version.lock().await;
        let put = self
            .store
            .put_opts(
                &self.path,
                PutPayload::from_static(RELEASED.as_bytes()),
                PutOptions::from(PutMode::Update(version.clone())),
            )
            .await;
        match put {
            Ok(_) => Ok(()),
            Err(
                object_store::Error::Precondition { .. } | object_store::Error::NotFound { .. },
            ) => {
                tracing::warn!(lock = %self.url, "the lock was taken over by another run; not releasing it");
                Ok(())
            }
            Err(source) => Err(WarehouseError::ObjectStore {
                action: "release the lock",
                url: self.url.clone(),
                source,
            }),
        }
    }
}

/// After a write of the lock failed: the answer may have been lost after the write took
/// effect. The lock's version when it names `owner` (the write went through), else `None`.
async fn ours(
    store: &Arc<dyn ObjectStore>,
    path: &ObjectPath,
    owner: &str,
) -> Option<UpdateVersion> {
    let got = store.get(path).await.ok()?;
    let version = version_of(got.meta.e_tag.clone(), got.meta.version.clone());
    let text = got.bytes().await.ok()?;
    (parse(&String::from_utf8_lossy(&text)).0 == owner).then_some(version)
}

/// The OS lock on `ROOT/_rareflow/lock`.
fn lock_folder(root: &std::path::Path, wait: bool) -> Result<std::fs::File, WarehouseError> {
    use std::fs;
    let dir = root.join("_rareflow");
    fs::create_dir_all(&dir).map_err(WarehouseError::io("create folder", &dir))?;
    let path = dir.join("lock");
    let file = fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(WarehouseError::io("open lock file", &path))?;
    if wait {
        file.lock().map_err(WarehouseError::io("lock", &path))?;
    } else {
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Err(WarehouseError::Busy { path }),
            Err(fs::TryLockError::Error(e)) => return Err(WarehouseError::io("lock", &path)(e)),
        }
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn lock_bodies_give_owner_and_expiry() {
        assert_eq!(
            parse("owner=etl-1 pid 42\nexpires_ms=1767225600000\n"),
            ("etl-1 pid 42".to_owned(), 1_767_225_600_000)
        );
        // Unreadable: expired at once, so a broken lock never wedges the warehouse.
        assert_eq!(parse("garbage"), ("an unknown run".to_owned(), 0));
    }
}
