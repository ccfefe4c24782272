//! Test hooks: crash points and pauses at named moments of a run, for the kill and
//! concurrency tests. Compiled only with the `failpoints` cargo feature; without it,
//! [`Hooks::parse`] refuses and every hook is a no-op the optimizer removes.

/// Where to crash or pause. Built from specs like `NAME`, `NAME:N` (the N-th call).
#[derive(Debug, Clone, Default)]
pub struct Hooks {
    #[cfg(feature = "failpoints")]
    inner: Option<std::sync::Arc<imp::Inner>>,
}

impl Hooks {
    /// `fail_at`: `NAME` or `NAME:N` aborts the process at the N-th call of that point (as a
    /// kill would), and `panic:NAME[:N]` panics there instead (a bug in a worker);
    /// `pause_at`: `NAME:MS` sleeps there. Errors name what is wrong, or that this build has
    /// no hooks.
    pub fn parse(fail_at: Option<&str>, pause_at: Option<&str>) -> Result<Hooks, String> {
        if fail_at.is_none() && pause_at.is_none() {
            return Ok(Hooks::default());
        }
        #[cfg(feature = "failpoints")]
        {
            imp::parse(fail_at, pause_at)
        }
        #[cfg(not(feature = "failpoints"))]
        {
            Err("this build has no fail points (build with the `failpoints` cargo feature)".into())
        }
    }

    /// Reached a named point.
    #[inline]
    pub(crate) fn point(&self, _name: &str) {
        #[cfg(feature = "failpoints")]
        if let Some(inner) = &self.inner {
            inner.hit(_name);
        }
    }
}

#[cfg(feature = "failpoints")]
mod imp {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[derive(Debug)]
    pub(super) struct Inner {
        fail: Option<(String, u64)>,
        /// Panic at the fail point instead of aborting the process.
        panic: bool,
        pause: Option<(String, u64)>,
        calls: AtomicU64,
    }

    fn spec(text: &str, default: Option<u64>) -> Result<(String, u64), String> {
        match (text.split_once(':'), default) {
            (Some((name, n)), _) => n
                .parse()
                .map(|n| (name.to_owned(), n))
                .map_err(|_| format!("{text:?}: expected NAME:NUMBER")),
            (None, Some(d)) => Ok((text.to_owned(), d)),
            (None, None) => Err(format!("{text:?}: expected NAME:MILLISECONDS")),
        }
    }

    pub(super) fn parse(fail: Option<&str>, pause: Option<&str>) -> Result<super::Hooks, String> {
        let (panic, fail) = match fail.map(|f| f.strip_prefix("panic:")) {
            Some(Some(rest)) => (true, Some(rest)),
            _ => (false, fail),
        };
        Ok(super::Hooks {
            inner: Some(Arc::new(Inner {
                panic,
                fail: fail.map(|f| spec(f, Some(1))).transpose()?,
                pause: pause.map(|p| spec(p, None)).transpose()?,
                calls: AtomicU64::new(0),
            })),
        })
    }

    impl Inner {
        pub(super) fn hit(&self, name: &str) {
            if let Some((point, nth)) = &self.fail
                && point == name
                && self.calls.fetch_add(1, Ordering::SeqCst) + 1 == *nth
            {
                if self.panic {
                    panic!("fail point {point} (test hook)");
                }
                std::process::abort();
            }
            if let Some((point, ms)) = &self.pause
                && point == name
            {
                tracing::debug!(point, ms, "pausing (test hook)");
                std::thread::sleep(std::time::Duration::from_millis(*ms));
            }
        }
    }
}
