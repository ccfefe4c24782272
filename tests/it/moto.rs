//! moto's `moto_server` (PyPI `moto[server]`, installed by scripts/moto.sh into
//! target/moto-venv) on a free loopback port: the S3-compatible server the object-storage
//! tests run against. The binaries run as child processes with the `AWS_*` variables set for
//! them only; the test process reads the bucket through object_store directly.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use rareflow_warehouse::S3Location;
use rareflow_warehouse::delta::DeltaWarehouse;

use crate::support::{etl_command, repo};

/// A moto server on a free loopback port, stopped on drop.
pub(crate) struct Moto {
    child: Child,
    port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn moto_server() -> PathBuf {
    repo().join("target/moto-venv/bin/moto_server")
}

impl Moto {
    /// Starts moto; fails the test when scripts/moto.sh has not installed it.
    pub(crate) fn start() -> Moto {
        let server = moto_server();
        assert!(
            server.exists(),
            "{} is missing: run scripts/moto.sh (as .ci/run does) to test the warehouse on \
             object storage",
            server.display()
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let moto = Moto { child, port };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto_server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    pub(crate) fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Creates a bucket with a plain HTTP PUT (moto accepts it unsigned).
    pub(crate) fn bucket(&self, name: &str) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            stream,
            "PUT /{name} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    }

    /// The variables a child process needs to reach this server.
    pub(crate) fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ALLOW_HTTP", "true".into()),
        ]
    }

    /// The bucket as the test process sees it (configured here, not from the environment).
    pub(crate) fn store(&self, bucket: &str) -> Arc<dyn ObjectStore> {
        Arc::new(
            AmazonS3Builder::new()
                .with_bucket_name(bucket)
                .with_endpoint(self.endpoint())
                .with_allow_http(true)
                .with_access_key_id("testing")
                .with_secret_access_key("testing")
                .with_region("us-east-1")
                .build()
                .unwrap(),
        )
    }

    pub(crate) fn remote(&self, bucket: &str, prefix: &str) -> DeltaWarehouse {
        let location = S3Location {
            bucket: bucket.into(),
            prefix: prefix.into(),
        };
        DeltaWarehouse::s3(&location, self.store(bucket)).unwrap()
    }

    pub(crate) fn etl(
        &self,
        raw: &Path,
        warehouse: &str,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Output {
        etl_command(raw, warehouse, extra)
            .arg("--quiet")
            .env("RAREFLOW_CHUNK_BYTES", "4096")
            .envs(self.env())
            .envs(env.iter().copied())
            .output()
            .unwrap()
    }

    pub(crate) fn query(&self, warehouse: &str, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_rareflow-query"))
            .current_dir(repo())
            .args(["--warehouse", warehouse])
            .args(args)
            .env_remove("RAREFLOW_WAREHOUSE")
            .envs(self.env())
            .output()
            .unwrap()
    }
}
