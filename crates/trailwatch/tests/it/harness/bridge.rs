//! An HTTP/1.1 proxy in front of moto: translates CloudWatch's RPC v2 CBOR to the awsJson 1.0
//! moto speaks, records the IAM action of every request, counts requests, and injects faults
//! on a seeded schedule. Everything that is not CloudWatch CBOR passes through unchanged.

use super::cbor;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// How a request names its operation, which decides how errors must be shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    /// Smithy RPC v2 CBOR (`/service/<S>/operation/<Op>`): CloudWatch.
    Cbor,
    /// awsJson (`X-Amz-Target: <Prefix>.<Op>`): CloudTrail, Logs, KMS, Organizations.
    AwsJson,
    /// awsQuery (`Action=<Op>` form body): SNS, STS.
    Query,
    /// REST JSON (method and path): Security Hub, Account.
    RestJson,
}

/// One kind of injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// HTTP 400 with a `ThrottlingException` (`Throttling` for query services) error.
    Throttle,
    /// HTTP 429 with a `TooManyRequestsException`-style throttling error.
    TooManyRequests,
    /// HTTP 503 `ServiceUnavailable`.
    Unavailable,
    /// The connection is closed without a response.
    Dropped,
}

/// A deterministic fault schedule: each request draws from a seeded generator and fails with
/// probability `percent`/100, the fault kind drawn from the same generator.
#[derive(Debug, Clone, Copy)]
pub struct FaultPlan {
    /// The generator's seed.
    pub seed: u64,
    /// The share of requests that fail, in percent.
    pub percent: u64,
}

#[derive(Default)]
struct State {
    recording: Mutex<Option<Vec<String>>>,
    requests: AtomicUsize,
    faults: Mutex<Option<(FaultPlan, u64)>>,
    injected: Mutex<Vec<Fault>>,
}

/// The running proxy; stops when dropped.
pub struct Bridge {
    address: SocketAddr,
    state: Arc<State>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Bridge {
    /// Starts the proxy on a free loopback port, forwarding to `upstream` (`http://host:port`).
    pub fn start(upstream: String) -> Bridge {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime for the bridge");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("binding the bridge to a loopback port");
        let address = listener.local_addr().expect("the bridge's address");
        let state = Arc::new(State::default());
        let client: Client<HttpConnector, Full<Bytes>> =
            Client::builder(TokioExecutor::new()).build_http();
        let upstream = Arc::new(upstream);
        let served = state.clone();
        runtime.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let (state, client, upstream) = (served.clone(), client.clone(), upstream.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        handle(state.clone(), client.clone(), upstream.clone(), request)
                    });
                    // A dropped-connection fault ends the connection with an error: expected.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Bridge {
            address,
            state,
            runtime: Some(runtime),
        }
    }

    /// The URL clients should use as their endpoint.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Starts recording the IAM action (`service:Operation`) of every request.
    pub fn start_recording(&self) {
        *self.state.recording.lock().unwrap() = Some(Vec::new());
    }

    /// Stops recording and returns the actions recorded, in arrival order.
    pub fn take_recording(&self) -> Vec<String> {
        self.state
            .recording
            .lock()
            .unwrap()
            .take()
            .expect("start_recording was called")
    }

    /// How many requests reached the bridge so far (faulted ones included).
    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// Injects faults from now on (`None` stops injecting).
    pub fn set_faults(&self, plan: Option<FaultPlan>) {
        *self.state.faults.lock().unwrap() = plan.map(|plan| (plan, plan.seed));
    }

    /// The faults injected so far.
    pub fn injected(&self) -> Vec<Fault> {
        self.state.injected.lock().unwrap().clone()
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// splitmix64: a small, well-mixed deterministic generator.
fn next_random(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Identifies a request: its IAM action and protocol.
fn identify(
    method: &hyper::Method,
    path: &str,
    headers: &hyper::HeaderMap,
    body: &[u8],
) -> (String, Protocol) {
    // The SigV4 credential scope names the signing service: `Credential=AK/date/region/svc/...`.
    let signing_service = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|auth| auth.split("Credential=").nth(1))
        .and_then(|credential| credential.split('/').nth(3))
        .unwrap_or("unknown")
        .to_string();
    // IAM action prefixes differ from signing names only for CloudWatch.
    let service = match signing_service.as_str() {
        "monitoring" => "cloudwatch".to_string(),
        other => other.to_string(),
    };
    if let Some(rest) = path.strip_prefix("/service/") {
        let operation = rest.split("/operation/").nth(1).unwrap_or(rest);
        return (format!("{service}:{operation}"), Protocol::Cbor);
    }
    if let Some(target) = headers.get("x-amz-target").and_then(|v| v.to_str().ok()) {
        let operation = target.rsplit('.').next().unwrap_or(target);
        return (format!("{service}:{operation}"), Protocol::AwsJson);
    }
    let form = String::from_utf8_lossy(body);
    let query = path.split_once('?').map(|(_, q)| q).unwrap_or("");
    if let Some(action) = form
        .split('&')
        .chain(query.split('&'))
        .find_map(|pair| pair.strip_prefix("Action="))
    {
        return (format!("{service}:{action}"), Protocol::Query);
    }
    let route = path.split('?').next().unwrap_or(path);
    let operation = match (method.as_str(), route) {
        ("GET", "/accounts") => "DescribeHub".to_string(),
        ("POST", "/listRegions") => "ListRegions".to_string(),
        (method, route) => format!("REST {method} {route}"),
    };
    (format!("{service}:{operation}"), Protocol::RestJson)
}

/// The error response of an injected fault, shaped for the request's protocol.
fn fault_response(fault: Fault, protocol: Protocol) -> Response<Full<Bytes>> {
    let (status, code) = match (fault, protocol) {
        (Fault::Throttle, Protocol::Query) => (StatusCode::BAD_REQUEST, "Throttling"),
        (Fault::Throttle, _) => (StatusCode::BAD_REQUEST, "ThrottlingException"),
        (Fault::TooManyRequests, _) => (StatusCode::TOO_MANY_REQUESTS, "TooManyRequestsException"),
        (Fault::Unavailable, _) => (StatusCode::SERVICE_UNAVAILABLE, "ServiceUnavailable"),
        (Fault::Dropped, _) => unreachable!("dropped connections have no response"),
    };
    let message = "injected by the test bridge";
    let (content_type, body) = match protocol {
        Protocol::Cbor => ("application/cbor", cbor::error_body(code, message)),
        Protocol::AwsJson | Protocol::RestJson => (
            "application/x-amz-json-1.1",
            serde_json::to_vec(&serde_json::json!({"__type": code, "message": message})).unwrap(),
        ),
        Protocol::Query => (
            "text/xml",
            format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>\
                 <Message>{message}</Message></Error><RequestId>injected</RequestId></ErrorResponse>"
            )
            .into_bytes(),
        ),
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert("x-amzn-errortype", HeaderValue::from_static(code));
    if protocol == Protocol::Cbor {
        headers.insert("smithy-protocol", HeaderValue::from_static("rpc-v2-cbor"));
    }
    response
}

async fn handle(
    state: Arc<State>,
    client: Client<HttpConnector, Full<Bytes>>,
    upstream: Arc<String>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, std::io::Error> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map_err(|e| std::io::Error::other(format!("reading the request: {e}")))?
        .to_bytes();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".to_string());
    let (action, protocol) = identify(&parts.method, &path, &parts.headers, &body);
    state.requests.fetch_add(1, Ordering::SeqCst);
    if let Some(recording) = state.recording.lock().unwrap().as_mut() {
        recording.push(action.clone());
    }

    let fault = state
        .faults
        .lock()
        .unwrap()
        .as_mut()
        .and_then(|(plan, rng)| {
            let draw = next_random(rng);
            (draw % 100 < plan.percent).then(|| {
                [
                    Fault::Throttle,
                    Fault::TooManyRequests,
                    Fault::Unavailable,
                    Fault::Dropped,
                ][((draw >> 32) % 4) as usize]
            })
        });
    if let Some(fault) = fault {
        state.injected.lock().unwrap().push(fault);
        if fault == Fault::Dropped {
            return Err(std::io::Error::other("injected dropped connection"));
        }
        return Ok(fault_response(fault, protocol));
    }

    let mut forward = Request::builder().method(parts.method.clone());
    let forwarded_body = if protocol == Protocol::Cbor {
        let operation = action.split(':').nth(1).unwrap_or_default();
        forward = forward
            .uri(format!("{upstream}/"))
            .header(
                "x-amz-target",
                format!("GraniteServiceVersion20100801.{operation}"),
            )
            .header(CONTENT_TYPE, "application/x-amz-json-1.0");
        for (name, value) in &parts.headers {
            if name == "authorization" || name.as_str().starts_with("x-amz-date") {
                forward = forward.header(name, value);
            }
        }
        match cbor::request_to_json(&body) {
            Ok(json) => Bytes::from(json),
            Err(message) => {
                let mut response = Response::new(Full::new(Bytes::from(cbor::error_body(
                    "SerializationException",
                    &message,
                ))));
                *response.status_mut() = StatusCode::BAD_REQUEST;
                return Ok(response);
            }
        }
    } else {
        forward = forward.uri(format!("{upstream}{path}"));
        for (name, value) in &parts.headers {
            if name != "content-length" && name != "transfer-encoding" {
                forward = forward.header(name, value);
            }
        }
        body
    };
    let forward = forward
        .body(Full::new(forwarded_body))
        .map_err(std::io::Error::other)?;
    let response = client
        .request(forward)
        .await
        .map_err(|e| std::io::Error::other(format!("forwarding to moto: {e}")))?;
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map_err(|e| std::io::Error::other(format!("reading moto's response: {e}")))?
        .to_bytes();
    let mut reply = Response::builder().status(parts.status);
    let reply_body = if protocol == Protocol::Cbor {
        reply = reply
            .header(CONTENT_TYPE, "application/cbor")
            .header("smithy-protocol", "rpc-v2-cbor");
        Bytes::from(cbor::response_to_cbor(&body, parts.status.is_success()))
    } else {
        for (name, value) in &parts.headers {
            if !matches!(
                name.as_str(),
                "content-length" | "transfer-encoding" | "connection"
            ) {
                reply = reply.header(name, value);
            }
        }
        body
    };
    reply
        .body(Full::new(reply_body))
        .map_err(std::io::Error::other)
}

#[test]
fn identifies_operations_of_every_protocol() {
    let auth = |service: &str| {
        let mut headers = hyper::HeaderMap::new();
        let value = format!(
            "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/{service}/aws4_request, \
             SignedHeaders=host, Signature=0"
        );
        headers.insert("authorization", HeaderValue::from_str(&value).unwrap());
        headers
    };
    let post = hyper::Method::POST;
    let cbor_path = "/service/GraniteServiceVersion20100801/operation/DescribeAlarmsForMetric";
    assert_eq!(
        identify(&post, cbor_path, &auth("monitoring"), b""),
        (
            "cloudwatch:DescribeAlarmsForMetric".to_string(),
            Protocol::Cbor
        )
    );
    let mut json = auth("cloudtrail");
    json.insert(
        "x-amz-target",
        HeaderValue::from_static("CloudTrail_20131101.GetTrailStatus"),
    );
    assert_eq!(
        identify(&post, "/", &json, b"{}"),
        ("cloudtrail:GetTrailStatus".to_string(), Protocol::AwsJson)
    );
    assert_eq!(
        identify(
            &post,
            "/",
            &auth("sns"),
            b"Action=GetTopicAttributes&Version=2010-03-31"
        ),
        ("sns:GetTopicAttributes".to_string(), Protocol::Query)
    );
    assert_eq!(
        identify(&hyper::Method::GET, "/accounts", &auth("securityhub"), b""),
        ("securityhub:DescribeHub".to_string(), Protocol::RestJson)
    );
}
