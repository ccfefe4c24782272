//! The run lock on object storage: a `lock` object created with a conditional put
//! (`PutMode::Create`), holding its owner (host, pid) and an expiry. The holder renews it
//! ([`RemoteLock::renew`]) well before it expires; a lock past its expiry belongs to a run
//! that died and is taken over with a conditional update on its e-tag, so two runs that find
//! the same stale lock cannot both take it.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload, UpdateVersion};

use super::RemoteWarehouse;
use crate::error::WarehouseError;

const LOCK: &str = "lock";

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

impl RemoteWarehouse {
    /// Takes the run lock for `owner` (e.g. `host pid 1234`), valid for `ttl` unless renewed.
    /// A lock held by a live run is [`WarehouseError::LockHeld`], or with `wait`, polled
    /// every second until it is released or expires.
    pub async fn lock(
        &self,
        owner: &str,
        ttl: Duration,
        wait: bool,
    ) -> Result<RemoteLock, WarehouseError> {
        let path = self.path(LOCK)?;
        loop {
            let created = self
                .store
                .put_opts(&path, body(owner, ttl), PutOptions::from(PutMode::Create))
                .await;
            let held = match created {
                Ok(r) => return Ok(self.held(path, owner, ttl, version_of(r.e_tag, r.version))),
                Err(object_store::Error::AlreadyExists { .. }) => {
                    match self.store.get(&path).await {
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
                                let taken = self
                                    .store
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
                                    Err(e) => return Err(self.err("take over the lock", LOCK)(e)),
                                }
                            }
                            (holder, expires)
                        }
                    }
                }
                Err(e) => return Err(self.err("create the lock", LOCK)(e)),
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
            store: self.store.clone(),
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
            Err(source) => Err(WarehouseError::ObjectStore {
                action: "renew the lock",
                url: self.url.clone(),
                source,
            }),
        }
    }

    /// Deletes the lock if this run still holds it (a lock another run took over is left).
    pub async fn release(&self) -> Result<(), WarehouseError> {
        let err = |action| {
            let url = self.url.clone();
            move |source| WarehouseError::ObjectStore {
                action,
                url,
                source,
            }
        };
        let meta = match self.store.head(&self.path).await {
            Ok(meta) => meta,
            Err(object_store::Error::NotFound { .. }) => return Ok(()),
            Err(e) => return Err(err("read the lock")(e)),
        };
        let version = self.version.lock().await;
        if meta.e_tag.is_some() && meta.e_tag != version.e_tag {
            tracing::warn!(lock = %self.url, "the lock was taken over by another run; not releasing it");
            return Ok(());
        }
        match self.store.delete(&self.path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(err("release the lock")(e)),
        }
    }
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
