//! `http_get` on the sandbox chain against a real HTTP server on 127.0.0.1 that this test starts:
//! responses of each framing, statuses as values, every failure as `{"error": …}`, the limits
//! (body size, time-out, count, loopback only), and every fetch on the call's report, refused calls
//! included.

mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use api_usage_billing::{calldata, Address, Value};
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
    let target = request.split(' ').nth(1).unwrap_or("/");
    let path = target.split('?').next().unwrap_or("/").to_string();
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
    assert_eq!(report.fetches.len(), 16, "the 17th is neither sent nor recorded");
    assert!(report.fetches.iter().all(|f| f.outcome == Ok(200)));
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

/// `http_get` of `url` `times` times in a loop, then the last answer (nothing written).
fn looping_fetcher(url: &[u8], times: u32) -> Vec<u8> {
    let mut w = Wat::default();
    let (u, ul) = w.put(url);
    let body = format!(
        "(loop $again (local.set $rc (call $get (i32.const {u}) (i32.const {ul}))) \
         (local.set $i (i32.add (local.get $i) (i32.const 1))) \
         (br_if $again (i32.lt_u (local.get $i) (i32.const {times})))) \
         (call $read (i32.const 32768)) {}",
        w.ret_answer()
    );
    w.export("flood", &body);
    w.wasm()
}

#[test]
fn a_contract_looping_on_http_get_past_the_limit_grows_no_record() {
    let (chain, dir) = fetching_chain("fetch-flood");
    // Refused at once (not loopback), so the loop is all host calls: 20,000 attempts.
    let url = "http://10.20.30.40/x";
    let f = deploy(&chain, 0, &looping_fetcher(url.as_bytes(), 20_000), 0);
    let report = chain.call_to(f, USER, 0, None, "flood", &[]).unwrap();
    assert_eq!(report.outcome, Ok(failure("not_allowed")));
    assert_eq!(report.fetches.len(), 16, "16 attempts recorded, the rest neither sent nor kept");
    assert!(report.fetches.iter().all(|f| f.url == url && f.outcome == Err(FetchFailure::NotAllowed)));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_url_past_2048_bytes_is_a_bad_url_never_copied_nor_recorded() {
    let port = serve();
    let (chain, dir) = fetching_chain("fetch-long-url");
    let prefix = format!("http://127.0.0.1:{port}/ok?");
    let longest = format!("{prefix}{}", "a".repeat(2048 - prefix.len()));
    let f = deploy(&chain, 0, &looping_fetcher(longest.as_bytes(), 1), 0);
    let report = chain.call_to(f, USER, 0, None, "flood", &[]).unwrap();
    assert_eq!(report.outcome, Ok(response(200, b"hello")), "2,048 bytes is fine");
    let too_long = format!("{longest}a");
    let f = deploy(&chain, 1, &looping_fetcher(too_long.as_bytes(), 1_000), 0);
    let report = chain.call_to(f, USER, 0, None, "flood", &[]).unwrap();
    assert_eq!(report.outcome, Ok(failure("bad_url")));
    assert!(report.fetches.is_empty(), "nothing of it kept: {} records", report.fetches.len());
    let _ = std::fs::remove_dir_all(dir);
}

/// `relay` calls `to`'s `method` and returns its answer, writing nothing itself.
fn relay(to: Address, method: &str) -> Vec<u8> {
    let mut w = Wat::default();
    let (a, _) = w.put(&to.0);
    let (m, ml) = w.put(method.as_bytes());
    let (args, al) = w.put(&calldata::encode(&Value::Array(Vec::new())));
    let body = format!(
        "(drop (call $call (i32.const {a}) (i32.const {m}) (i32.const {ml}) (i32.const {args}) (i32.const {al}))) \
         (call $read (i32.const 32768)) {}",
        w.ret_answer()
    );
    w.export("relay", &body);
    w.wasm()
}

#[test]
fn a_view_or_a_simulation_never_fetches_not_even_in_a_nested_call_and_a_nested_write_is_refused() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}/ok", listener.local_addr().unwrap().port());
    let (chain, dir) = fetching_chain("fetch-view");
    let f = deploy(&chain, 0, &looping_fetcher(url.as_bytes(), 1), 0);
    let writer = deploy(&chain, 1, &fetcher(&url), 0);
    let relayer = deploy(&chain, 2, &relay(f, "flood"), 0);
    let reader = deploy(&chain, 3, &relay(writer, "get"), 0);
    let before = chain.state_dump().unwrap();

    assert_eq!(chain.view_at(f, "flood", &[]).unwrap(), Ok(failure("not_allowed")));
    assert_eq!(chain.view_at(relayer, "relay", &[]).unwrap(), Ok(failure("not_allowed")), "nested");
    let answer = chain.view_at(reader, "relay", &[]).unwrap().expect("the caller reads the refusal");
    assert_eq!(code_of(&answer), Some("host_fault"), "a nested write in a view: {answer:?}");
    // Nor does a simulation (gen_call), whose bill would be thrown away with it.
    let simulated = chain.simulate(f, USER, 0, 0, "flood", &[]).unwrap();
    assert_eq!(simulated.outcome, Ok(failure("not_allowed")));
    assert!(simulated.fetches.is_empty());
    listener.set_nonblocking(true).unwrap();
    let connection = listener.accept().map(|_| ()).map_err(|e| e.kind());
    assert_eq!(connection, Err(std::io::ErrorKind::WouldBlock), "no request ever left");
    assert_eq!(chain.state_dump().unwrap(), before, "views change nothing");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn after_the_store_fails_a_call_sends_no_request() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}/ok", listener.local_addr().unwrap().port());
    let (chain, dir) = fetching_chain("fetch-broken");
    // A calls X, whose contract record is damaged (the store fails reading it), then fetches.
    let x = nth(1);
    let mut w = Wat::default();
    let body = format!("{} {} {}", w.call(x, "anything"), w.get(&url), w.ret_answer());
    w.export("go", &body);
    let a = deploy(&chain, 0, &w.wasm(), 0);
    drop(chain);
    let state = dir.join("state.redb");
    {
        let db = redb::Database::open(&state).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let table: redb::TableDefinition<&[u8], &[u8]> = redb::TableDefinition::new("contracts");
            let mut contracts = txn.open_table(table).unwrap();
            contracts.insert(&x.0[..], &b"bnot sealed"[..]).unwrap();
        }
        txn.commit().unwrap();
    }
    let wasm = billing_artifact::billing_wasm().unwrap();
    let mut chain = Chain::open(&state, &wasm, false).unwrap();
    chain.set_fetch_timeout(Duration::from_millis(300));
    let failed = chain.call_to(a, USER, 0, None, "go", &[]);
    assert!(failed.is_err(), "the store failure fails the command: {failed:?}");
    listener.set_nonblocking(true).unwrap();
    let connection = listener.accept().map(|_| ()).map_err(|e| e.kind());
    assert_eq!(connection, Err(std::io::ErrorKind::WouldBlock), "no request left after the failure");
    let _ = std::fs::remove_dir_all(dir);
}
