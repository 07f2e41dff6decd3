//! The AWS emulator fixture: a private `moto_server` behind the [`bridge::Bridge`] proxy.
//!
//! Every test starts its own [`Moto`] (a free port each, about a second to start), so tests run
//! in parallel without sharing state; [`Moto::reset`] empties one between phases of a test. The
//! emulator comes from `.venv/bin/moto_server` at the repository root (`scripts/moto-venv`
//! installs it) or from `$MOTO_SERVER`. When it is missing or does not start, the test fails
//! with the install command: these tests never skip.

pub mod bridge;
pub mod cbor;
pub mod seed;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use bridge::Bridge;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The account moto pretends to be.
pub const ACCOUNT: &str = "123456789012";

/// The command that installs the emulator, for failure messages.
const INSTALL: &str = "scripts/moto-venv   (creates .venv with the pinned moto[server])";

/// A running moto server and its bridge; both stop when this is dropped.
pub struct Moto {
    child: Child,
    moto_url: String,
    log: PathBuf,
    /// The proxy every client talks to.
    pub bridge: Bridge,
}

fn moto_server_path() -> PathBuf {
    match std::env::var_os("MOTO_SERVER") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/moto_server"),
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

impl Moto {
    /// Starts moto on a free port and waits until it answers.
    pub fn start() -> Moto {
        let server = moto_server_path();
        assert!(
            server.exists(),
            "the AWS emulator is missing: {} does not exist. Install it with\n    {INSTALL}\nor \
             point $MOTO_SERVER at a moto_server executable.",
            server.display()
        );
        let port = free_port();
        let log = std::env::temp_dir().join(format!("trailwatch-moto-{port}.log"));
        let log_file = std::fs::File::create(&log).expect("a log file for moto");
        let child = Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("NO_PROXY", "127.0.0.1")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("log file handle"))
            .stderr(log_file)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "could not start the AWS emulator {}: {e}. Install it with\n    {INSTALL}",
                    server.display()
                )
            });
        let moto_url = format!("http://127.0.0.1:{port}");
        let mut moto = Moto {
            child,
            bridge: Bridge::start(moto_url.clone()),
            moto_url,
            log,
        };
        moto.wait_until_ready();
        moto
    }

    fn wait_until_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "the AWS emulator exited ({status}) before answering; its log:\n{}\nReinstall \
                     it with\n    {INSTALL}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            if matches!(
                self.raw("GET", "/moto-api/data.json", "", b""),
                Ok((200, _))
            ) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the AWS emulator did not answer within 60 s; its log:\n{}",
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The bridge's URL: what `AWS_ENDPOINT_URL` should be.
    pub fn endpoint(&self) -> String {
        self.bridge.url()
    }

    /// Forgets every resource moto holds.
    pub fn reset(&self) {
        let (status, body) = self
            .raw("POST", "/moto-api/reset", "", b"")
            .expect("resetting moto");
        assert_eq!(status, 200, "moto reset failed: {body}");
    }

    /// One plain HTTP/1.1 request straight to moto (not through the bridge) in us-east-1;
    /// `service` names the SigV4 signing service moto routes by (empty for moto's own API).
    pub fn raw(
        &self,
        method: &str,
        path: &str,
        service: &str,
        body: &[u8],
    ) -> std::io::Result<(u16, String)> {
        self.raw_in("us-east-1", method, path, service, body)
    }

    /// [`Moto::raw`] in `region`.
    pub fn raw_in(
        &self,
        region: &str,
        method: &str,
        path: &str,
        service: &str,
        body: &[u8],
    ) -> std::io::Result<(u16, String)> {
        let address = self.moto_url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let auth = if service.is_empty() {
            String::new()
        } else {
            format!(
                "Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/{region}/{service}/\
                 aws4_request, SignedHeaders=host, Signature=0\r\n"
            )
        };
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {address}\r\n{auth}Content-Length: {}\r\n\
             Connection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes())?;
        stream.write_all(body)?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        let status = response
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("not an HTTP response: {response:?}")))?;
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, body)| body.to_string())
            .unwrap_or_default();
        Ok((status, body))
    }

    /// An SDK configuration that talks to the bridge in `region` with fake credentials.
    pub async fn sdk_config(&self, region: &str) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
            .endpoint_url(self.endpoint())
            .load()
            .await
    }

    /// The `trailwatch` binary, set up to reach the emulator through the bridge and nothing else.
    pub fn trailwatch(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_trailwatch"));
        for variable in [
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
            "AWS_SESSION_TOKEN",
            "AWS_ROLE_ARN",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        ] {
            command.env_remove(variable);
        }
        command
            .env("AWS_ENDPOINT_URL", self.endpoint())
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", "/nonexistent/trailwatch-test-config")
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                "/nonexistent/trailwatch-test-credentials",
            )
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("NO_PROXY", "127.0.0.1")
            .env("no_proxy", "127.0.0.1")
            .stdin(Stdio::null());
        command
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        // The process may already be gone; nothing else to do then.
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// A multi-threaded runtime for a synchronous test body.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

#[test]
fn reset_forgets_what_was_created() {
    let moto = Moto::start();
    let (status, _) = moto.raw("PUT", "/some-bucket", "s3", b"").unwrap();
    assert_eq!(status, 200);
    let listed = |moto: &Moto| moto.raw("GET", "/", "s3", b"").unwrap().1;
    assert!(listed(&moto).contains("some-bucket"));
    moto.reset();
    assert!(!listed(&moto).contains("some-bucket"));
}
