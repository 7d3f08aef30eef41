//! `http_get` on the sandbox chain against a real HTTP server on 127.0.0.1 that this test starts:
//! responses of each framing, statuses as values, every failure as `{"error": …}`, the limits
//! (body size, time-out, count, loopback only), and every fetch on the call's report, refused calls
//! included.

mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use api_usage_billing::Value;
use billing_chain::{Chain, Fetch};
use billing_vm::calls::FetchFailure;
use support::*;

/// Answers each request by its path, each connection on a thread of its own.
fn serve() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || answer(stream));
        }
    });
    port
}

fn answer(mut stream: TcpStream) {
    let mut request = Vec::new();
    let mut byte = [0u8; 1];
    while !request.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
        request.push(byte[0]);
    }
    let request = String::from_utf8_lossy(&request).into_owned();
    let path = request.split(' ').nth(1).unwrap_or("/").to_string();
    let reply: Vec<u8> = match path.as_str() {
        "/ok" => b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello".to_vec(),
        "/missing" => b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found".to_vec(),
        "/down" => b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\ndown".to_vec(),
        "/chunked" => {
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2;x=y\r\nlo\r\n0\r\n\r\n"
                .to_vec()
        }
        "/close" => b"HTTP/1.0 200 OK\r\n\r\nuntil the end".to_vec(),
        "/echo-host" => {
            let host = request.lines().find(|l| l.starts_with("Host: ")).unwrap_or("").to_string();
            format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{host}", host.len()).into_bytes()
        }
        "/big" => b"HTTP/1.1 200 OK\r\nContent-Length: 2000000\r\n\r\n".to_vec(),
        "/big-close" => {
            let mut reply = b"HTTP/1.1 200 OK\r\n\r\n".to_vec();
            reply.resize(reply.len() + (1 << 20) + 1, b'x');
            reply
        }
        "/slow" => {
            std::thread::sleep(Duration::from_secs(2));
            b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlate".to_vec()
        }
        _ => b"NOT HTTP AT ALL\r\n\r\n".to_vec(),
    };
    let _ = stream.write_all(&reply);
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// F: `get` fetches `url` and returns the answer; `get_then_revert` fetches and reverts; `many`
/// fetches 17 times and returns the last answer.
fn fetcher(url: &str) -> Vec<u8> {
    let mut w = Wat::default();
    let body = format!("{} {}", w.get(url), w.ret_answer());
    w.export("get", &body);
    let body = format!("{} {}", w.get(url), w.revert("gave_up"));
    w.export("get_then_revert", &body);
    let get = w.get(url);
    let body = format!(
        "(loop $again {get} (local.set $i (i32.add (local.get $i) (i32.const 1))) \
         (br_if $again (i32.lt_u (local.get $i) (i32.const 17)))) {}",
        w.ret_answer()
    );
    w.export("many", &body);
    w.wasm()
}

fn fetching_chain(name: &str) -> (Chain, std::path::PathBuf) {
    let (mut chain, dir) = chain(name);
    chain.set_fetch_timeout(Duration::from_millis(300));
    (chain, dir)
}

/// Deploys a fetcher of `url` as the deployer's `n`-th contract and runs `export` as the user.
fn fetch(chain: &Chain, n: u64, url: &str, export: &str) -> billing_chain::CallReport {
    let f = deploy(chain, n, &fetcher(url), 0);
    chain.call_to(f, USER, 0, None, export, &[]).unwrap()
}

fn response(status: u64, body: &[u8]) -> Value {
    Value::map([("body", Value::Bytes(body.to_vec())), ("status", Value::from(status))])
}

fn failure(why: &str) -> Value {
    Value::map([("error", Value::from(why))])
}

#[test]
fn responses_arrive_as_status_and_body_whatever_their_status_or_framing() {
    let port = serve();
    let (chain, dir) = fetching_chain("fetch-responses");
    let cases: [(&str, u16, &[u8]); 5] = [
        ("/ok", 200, b"hello"),
        ("/missing", 404, b"not found"),
        ("/down", 503, b"down"),
        ("/chunked", 200, b"hello"),
        ("/close", 200, b"until the end"),
    ];
    for (n, (path, status, body)) in (0..).zip(cases) {
        let url = format!("http://127.0.0.1:{port}{path}");
        let report = fetch(&chain, n, &url, "get");
        assert_eq!(report.outcome, Ok(response(u64::from(status), body)), "{path}");
        assert_eq!(stored(&chain, nth(n), "rc"), Some(vec![0]), "{path}: a response is status 0");
        assert_eq!(report.fetches, vec![Fetch { url, outcome: Ok(status), bytes: body.len() }], "{path}");
    }
    let report = fetch(&chain, 5, &format!("http://localhost:{port}/echo-host"), "get");
    assert_eq!(report.outcome, Ok(response(200, format!("Host: localhost:{port}").as_bytes())));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn failures_are_values_the_contract_reads() {
    let port = serve();
    let (chain, dir) = fetching_chain("fetch-failures");
    let refused = closed_port();
    let cases = [
        (format!("http://127.0.0.1:{refused}/"), FetchFailure::Connect),
        (format!("http://127.0.0.1:{port}/big"), FetchFailure::TooLarge),
        (format!("http://127.0.0.1:{port}/big-close"), FetchFailure::TooLarge),
        (format!("http://127.0.0.1:{port}/slow"), FetchFailure::Timeout),
        (format!("http://127.0.0.1:{port}/garbage"), FetchFailure::Protocol),
        ("http://10.20.30.40/x".to_string(), FetchFailure::NotAllowed),
        ("http://example.com/".to_string(), FetchFailure::NotAllowed),
        (format!("https://127.0.0.1:{port}/ok"), FetchFailure::BadUrl),
        ("http://127.0.0.1:80/a b".to_string(), FetchFailure::BadUrl),
    ];
    for (n, (url, why)) in (0..).zip(cases) {
        let started = std::time::Instant::now();
        let report = fetch(&chain, n, &url, "get");
        assert_eq!(report.outcome, Ok(failure(why.code())), "{url}");
        assert_eq!(stored(&chain, nth(n), "rc"), Some(vec![1]), "{url}: no response is status 1");
        assert_eq!(report.fetches, vec![Fetch { url: url.clone(), outcome: Err(why), bytes: 0 }]);
        assert!(started.elapsed() < Duration::from_secs(2), "{url}: the time-out holds");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_fetch_of_a_refused_call_is_still_on_its_report() {
    let port = serve();
    let (chain, dir) = fetching_chain("fetch-refused");
    let url = format!("http://127.0.0.1:{port}/ok");
    let before = chain.state_dump().unwrap();
    let f = deploy(&chain, 0, &fetcher(&url), 0);
    let before_call = chain.state_dump().unwrap();
    let report = chain.call_to(f, USER, 0, None, "get_then_revert", &[]).unwrap();
    assert_eq!(report.outcome.unwrap_err().code, "gave_up");
    assert_eq!(report.fetches, vec![Fetch { url: url.clone(), outcome: Ok(200), bytes: 5 }]);
    assert_eq!(chain.state_dump().unwrap(), before_call, "the refused call changed nothing");
    assert_ne!(before, before_call);

    // A fetch inside a nested call that is refused, under a caller that goes on.
    let mut w = Wat::default();
    let body = format!("{} {}", w.call(f, "get_then_revert"), w.ret_answer());
    w.export("relay", &body);
    let caller = deploy(&chain, 1, &w.wasm(), 0);
    let report = chain.call_to(caller, USER, 0, None, "relay", &[]).unwrap();
    assert_eq!(report.outcome.as_ref().ok().and_then(code_of), Some("gave_up"));
    assert_eq!(report.fetches, vec![Fetch { url, outcome: Ok(200), bytes: 5 }]);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_transaction_makes_at_most_sixteen_fetches() {
    let port = serve();
    let (chain, dir) = fetching_chain("fetch-count");
    let url = format!("http://127.0.0.1:{port}/ok");
    let report = fetch(&chain, 0, &url, "many");
    assert_eq!(report.outcome, Ok(failure("not_allowed")), "the 17th");
    assert_eq!(report.fetches.len(), 17);
    assert!(report.fetches[..16].iter().all(|f| f.outcome == Ok(200)));
    assert_eq!(report.fetches[16].outcome, Err(FetchFailure::NotAllowed));
    // The count is per transaction: the next one fetches again.
    let again = chain.call_to(nth(0), USER, 0, None, "get", &[]).unwrap();
    assert_eq!(again.outcome, Ok(response(200, b"hello")));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn remote_hosts_are_fetched_only_when_allowed() {
    let (mut chain, dir) = fetching_chain("fetch-remote");
    chain.allow_remote_fetch(true);
    // 192.0.2.0/24 is TEST-NET-1: never routed, so the fetch goes out and fails (connect or time-out),
    // but it is no longer refused as not allowed.
    let report = fetch(&chain, 0, "http://192.0.2.1:9/", "get");
    let why = report.fetches[0].outcome.unwrap_err();
    assert!(matches!(why, FetchFailure::Connect | FetchFailure::Timeout), "{why:?}");
    let _ = std::fs::remove_dir_all(dir);
}
