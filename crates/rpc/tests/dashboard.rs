//! The dashboard's files at `/` beside the JSON-RPC at `/api`: index.html for `/` and `/?…`, files
//! by name with their content types, nothing outside the directory, and a clear 404 when the
//! dashboard has not been built.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use billing_rpc::dashboard::NOT_BUILT;
use billing_rpc::Dashboard;
use common::{rpc, start_with, temp_dir};

/// `GET target`: status, the Content-Type header, body.
fn get(addr: SocketAddr, target: &str) -> (u16, String, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).unwrap();
    let head = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n").expect("an HTTP answer");
    let head = String::from_utf8_lossy(&answer[..split]).into_owned();
    let body = answer[split + 4..].to_vec();
    let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let content_type = head
        .lines()
        .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("content-type")))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    (status, content_type, body)
}

#[test]
fn the_dashboard_is_served_at_the_root_with_its_files_and_nothing_else() {
    let outside = temp_dir("dashboard-outside");
    std::fs::write(outside.0.join("secret.txt"), "not for the web").unwrap();
    let dist = temp_dir("dashboard-dist");
    std::fs::write(dist.0.join("index.html"), "<!doctype html><title>billing</title>").unwrap();
    std::fs::write(dist.0.join("app.js"), "console.log(1)").unwrap();
    std::fs::write(dist.0.join("style.css"), "body{}").unwrap();
    std::fs::write(dist.0.join("billing_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::create_dir(dist.0.join("assets")).unwrap();
    std::fs::write(dist.0.join("assets").join("logo.svg"), "<svg/>").unwrap();
    std::fs::write(dist.0.join(".env"), "hidden").unwrap();
    std::os::unix::fs::symlink(outside.0.join("secret.txt"), dist.0.join("link.txt")).unwrap();
    let node = start_with("dashboard", 2, Some(Dashboard::new(dist.0.clone())));
    let a = node.addr;

    for target in ["/", "/?contract=0xc0c0&consumer=0xa1a1", "/?playground", "/index.html"] {
        let (status, content_type, body) = get(a, target);
        assert_eq!((status, content_type.as_str()), (200, "text/html; charset=utf-8"), "{target}");
        assert_eq!(body, b"<!doctype html><title>billing</title>", "{target}");
    }
    assert_eq!(get(a, "/app.js").0, 200);
    assert_eq!(get(a, "/app.js").1, "text/javascript; charset=utf-8");
    assert_eq!(get(a, "/style.css").1, "text/css; charset=utf-8");
    assert_eq!(get(a, "/billing_bg.wasm").1, "application/wasm");
    assert_eq!(get(a, "/billing_bg.wasm").2, b"\0asm\x01\0\0\0");
    assert_eq!(get(a, "/assets/logo.svg").1, "image/svg+xml");
    for bad in [
        "/../dashboard-outside/secret.txt",
        "/assets/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/.env",
        "/link.txt",
        "/missing.js",
        "/assets",
        "//etc/passwd",
    ] {
        let (status, _, body) = get(a, bad);
        assert_eq!(status, 404, "{bad}");
        assert!(!String::from_utf8_lossy(&body).contains("not for the web"), "{bad}");
    }
    // The node is still the node.
    assert_eq!(rpc(a, "eth_chainId", serde_json::json!([]))["result"], "0xeec7");
    assert_eq!(get(a, "/api").0, 200);
}

#[test]
fn an_unbuilt_dashboard_answers_the_root_with_how_to_build_it() {
    let dist = temp_dir("dashboard-empty");
    let node = start_with("dashboard-unbuilt", 1, Some(Dashboard::new(dist.0.join("dist"))));
    let (status, content_type, body) = get(node.addr, "/");
    assert_eq!(status, 404);
    assert_eq!(content_type, "text/plain; charset=utf-8");
    assert_eq!(String::from_utf8_lossy(&body), NOT_BUILT);
    assert!(!Dashboard::new(dist.0.join("dist")).is_built());
    // Built later: served without a restart.
    std::fs::create_dir(dist.0.join("dist")).unwrap();
    std::fs::write(dist.0.join("dist").join("index.html"), "ok").unwrap();
    assert_eq!(get(node.addr, "/").0, 200);
}
