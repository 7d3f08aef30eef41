//! The HTTP side: JSON-RPC over POST on loopback only, bodies bounded, cross-origin requests
//! allowed from loopback origins (a dashboard served elsewhere on the machine) and refused from
//! anywhere else.

use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::thread::JoinHandle;

use serde_json::Value as Json;
use socket2::{Domain, Protocol, Socket, Type};
use thiserror::Error;
use tiny_http::{Header, Method, Request, Response, StatusCode};

use crate::dashboard::{Dashboard, Page};
use crate::service::{error_response, Node, RpcError, INVALID_REQUEST};

/// The largest request body: a deploy carries the whole contract archive as hex.
pub const MAX_BODY: usize = 4 * 1024 * 1024;

#[derive(Debug, Error)]
pub enum ServeError {
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind { port: u16, source: std::io::Error },
    /// The HTTP server would not start on the bound socket (its library's own error type).
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Server { port: u16, source: Box<dyn std::error::Error + Send + Sync> },
    #[error("cannot listen on 127.0.0.1:{port}: not an IP listener")]
    NotIp { port: u16 },
}

/// A running server; dropping it does not stop it, [`Running::stop`] does.
pub struct Running {
    server: Arc<tiny_http::Server>,
    workers: Vec<JoinHandle<()>>,
    pub addr: SocketAddr,
}

impl Running {
    /// Blocks until the server stops (it stops when the process ends).
    pub fn wait(self) {
        for worker in self.workers {
            let _ = worker.join();
        }
    }

    pub fn stop(self) {
        self.server.unblock();
        for _ in 1..self.workers.len() {
            self.server.unblock();
        }
        for worker in self.workers {
            let _ = worker.join();
        }
    }
}

/// Listens on `127.0.0.1:port` (0: any free port) with `threads` workers.
pub fn serve(node: Arc<Node>, port: u16, threads: usize) -> Result<Running, ServeError> {
    serve_with(node, port, threads, None)
}

/// [`serve`], with the dashboard's files at `/` (`GET /` and `/?…`: its index.html).
pub fn serve_with(
    node: Arc<Node>,
    port: u16,
    threads: usize,
    dashboard: Option<Dashboard>,
) -> Result<Running, ServeError> {
    let dashboard = Arc::new(dashboard);
    let bind = |source| ServeError::Bind { port, source };
    // TCP_NODELAY on the listener, which accepted sockets inherit on Linux: tiny_http writes a large
    // answer in more than one segment, and Nagle plus the client's delayed ACK would add 40 ms.
    let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).map_err(bind)?;
    socket.set_tcp_nodelay(true).map_err(bind)?;
    socket.bind(&SocketAddr::from((Ipv4Addr::LOCALHOST, port)).into()).map_err(bind)?;
    socket.listen(1024).map_err(bind)?;
    let listener: std::net::TcpListener = socket.into();
    let server = tiny_http::Server::from_listener(listener, None)
        .map_err(|source| ServeError::Server { port, source })?;
    let addr = server.server_addr().to_ip().ok_or(ServeError::NotIp { port })?;
    let server = Arc::new(server);
    let workers = (0..threads.max(1))
        .map(|_| {
            let server = Arc::clone(&server);
            let node = Arc::clone(&node);
            let dashboard = Arc::clone(&dashboard);
            std::thread::spawn(move || {
                while let Ok(request) = server.recv() {
                    respond(&node, dashboard.as_ref().as_ref(), request);
                }
            })
        })
        .collect();
    Ok(Running { server, workers, addr })
}

fn header(name: &str, value: &str) -> Option<Header> {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

fn header_value<'r>(request: &'r Request, name: &'static str) -> Option<&'r str> {
    request.headers().iter().find(|h| h.field.equiv(name)).map(|h| h.value.as_str())
}

/// `http(s)://127.0.0.1[:port]`, `localhost` or `[::1]`: an origin on this machine.
pub fn is_loopback_origin(origin: &str) -> bool {
    let Some(rest) = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")) else {
        return false;
    };
    let host = match rest.strip_prefix("[::1]") {
        Some(after) => return after.is_empty() || port_suffix(after),
        None => rest,
    };
    let (name, port_ok) = match host.split_once(':') {
        Some((name, port)) => (name, !port.is_empty() && port.chars().all(|c| c.is_ascii_digit())),
        None => (host, true),
    };
    ["127.0.0.1", "localhost"].contains(&name) && port_ok
}

fn port_suffix(after: &str) -> bool {
    after.strip_prefix(':').is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// The Host header names this machine (a page elsewhere cannot reach us by DNS rebinding).
fn is_loopback_host(host: &str) -> bool {
    is_loopback_origin(&format!("http://{host}"))
}

fn send(request: Request, status: u16, body: Option<&Json>, cors: Option<&str>) {
    let text = body.map(Json::to_string).unwrap_or_default();
    let mut response =
        Response::from_string(text).with_status_code(StatusCode(status)).with_chunked_threshold(usize::MAX);
    let mut headers = vec![header("Content-Type", "application/json")];
    if let Some(origin) = cors {
        headers.extend([
            header("Access-Control-Allow-Origin", origin),
            header("Vary", "Origin"),
            header("Access-Control-Allow-Methods", "POST, OPTIONS"),
            header("Access-Control-Allow-Headers", "content-type"),
            header("Access-Control-Max-Age", "600"),
        ]);
    }
    for h in headers.into_iter().flatten() {
        response.add_header(h);
    }
    // A client that went away gets nothing; the transaction, if any, is already durable.
    let _ = request.respond(response);
}

fn send_page(request: Request, page: Page) {
    let mut response = Response::from_data(page.body)
        .with_status_code(StatusCode(page.status))
        .with_chunked_threshold(usize::MAX);
    for h in [header("Content-Type", page.content_type), header("X-Content-Type-Options", "nosniff")]
        .into_iter()
        .flatten()
    {
        response.add_header(h);
    }
    let _ = request.respond(response);
}

fn respond(node: &Node, dashboard: Option<&Dashboard>, mut request: Request) {
    let origin = header_value(&request, "Origin").map(str::to_string);
    if let Some(origin) = &origin {
        if !is_loopback_origin(origin) {
            let error =
                RpcError::new(INVALID_REQUEST, "cross-origin requests are served to loopback origins only");
            return send(request, 403, Some(&error_response(Json::Null, &error)), None);
        }
    }
    if let Some(host) = header_value(&request, "Host") {
        if !is_loopback_host(host) {
            let error =
                RpcError::new(INVALID_REQUEST, "this node answers requests addressed to 127.0.0.1 only");
            return send(request, 403, Some(&error_response(Json::Null, &error)), None);
        }
    }
    let cors = origin.as_deref();
    let path = request.url().split('?').next().unwrap_or("").to_string();
    match (request.method(), path.as_str()) {
        (Method::Options, _) => send(request, 204, None, cors),
        (Method::Post, "/api" | "/") => {
            let mut body = Vec::new();
            let limit = (MAX_BODY as u64).saturating_add(1);
            let read = request.as_reader().take(limit).read_to_end(&mut body);
            if read.is_err() {
                let error = RpcError::new(INVALID_REQUEST, "the request body could not be read");
                return send(request, 400, Some(&error_response(Json::Null, &error)), cors);
            }
            if body.len() > MAX_BODY {
                let error =
                    RpcError::new(INVALID_REQUEST, format!("request body larger than {MAX_BODY} bytes"));
                return send(request, 413, Some(&error_response(Json::Null, &error)), cors);
            }
            match node.handle_body(&body) {
                Some(answer) => send(request, 200, Some(&answer), cors),
                None => send(request, 204, None, cors),
            }
        }
        (Method::Get, page) if dashboard.is_some() && page != "/api" && page != "/health" => {
            match dashboard.and_then(|d| d.get(page)) {
                Some(found) => send_page(request, found),
                None => {
                    let error = RpcError::new(INVALID_REQUEST, "no such file; POST JSON-RPC 2.0 to /api");
                    send(request, 404, Some(&error_response(Json::Null, &error)), cors)
                }
            }
        }
        (Method::Get, "/" | "/api" | "/health") => {
            let hello = serde_json::json!({ "node": "billing-sandbox", "rpc": "POST JSON-RPC 2.0 to /api" });
            send(request, 200, Some(&hello), cors)
        }
        _ => {
            let error = RpcError::new(INVALID_REQUEST, "POST JSON-RPC 2.0 to /api");
            send(request, 404, Some(&error_response(Json::Null, &error)), cors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_origins_pass() {
        for ok in [
            "http://127.0.0.1",
            "http://127.0.0.1:5173",
            "http://localhost:3000",
            "http://[::1]:8080",
            "https://localhost",
        ] {
            assert!(is_loopback_origin(ok), "{ok}");
        }
        for bad in [
            "http://example.com",
            "http://127.0.0.1.evil.com",
            "http://localhost.evil:1",
            "null",
            "file://",
            "http://[::1]x",
            "http://127.0.0.1:",
        ] {
            assert!(!is_loopback_origin(bad), "{bad}");
        }
    }
}
