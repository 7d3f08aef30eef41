//! Outbound `http_get` for the sandbox's contracts: a small HTTP/1.1 client over `std::net` with the
//! limits of docs/ABI.md (`http://` only, 1 MiB body, one time-out for the whole request, loopback
//! hosts unless remote fetches are allowed). Whatever the peer sends, it answers a value, never a
//! panic.

use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use billing_vm::calls::{FetchAnswer, FetchFailure};

/// The largest body a fetch accepts; a larger one is `too_large`.
pub const MAX_BODY: usize = 1 << 20;

/// How many fetches one transaction may make (nested calls included); past it, `not_allowed`.
pub const MAX_FETCHES: usize = 16;

/// The whole request's time-out by default: connect, send, and read the response.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// The longest status line or header line; the response head in all.
const MAX_LINE: usize = 8 << 10;
const MAX_HEAD: usize = 64 << 10;
/// Interim (1xx) heads before the real one; one more is `protocol`.
const MAX_INTERIM: usize = 8;
/// Every byte a response may take, framing included (heads, chunk lines and extensions, trailers):
/// the body's limit and as much again; past it `too_large`, so a peer cannot make the host buffer
/// more than this however it frames its bytes.
const MAX_RESPONSE: usize = 2 * MAX_BODY;

/// Which fetches the chain makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchPolicy {
    /// Hosts other than loopback ones (127.0.0.0/8, ::1, `localhost`) too.
    pub allow_remote: bool,
    /// The whole request's time-out.
    pub timeout: Duration,
}

impl Default for FetchPolicy {
    fn default() -> FetchPolicy {
        FetchPolicy { allow_remote: false, timeout: FETCH_TIMEOUT }
    }
}

/// One fetch a call made, kept whatever became of the call: the request went out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetch {
    pub url: String,
    /// The response's status, or why there was none.
    pub outcome: Result<u16, FetchFailure>,
    /// The body's length (0 without a response).
    pub bytes: usize,
}

impl Fetch {
    pub(crate) fn of(url: &str, answer: &FetchAnswer) -> Fetch {
        let (outcome, bytes) = match answer {
            FetchAnswer::Response { status, body } => (Ok(*status), body.len()),
            FetchAnswer::Failed(why) => (Err(*why), 0),
        };
        Fetch { url: url.to_string(), outcome, bytes }
    }
}

/// A URL taken apart: the host as written, its port, and the request target.
#[derive(Debug, PartialEq, Eq)]
struct Target {
    host: String,
    port: u16,
    path: String,
}

fn parse_url(url: &str) -> Result<Target, FetchFailure> {
    if url.len() > billing_vm::calls::MAX_URL_BYTES {
        return Err(FetchFailure::BadUrl);
    }
    let rest = url
        .get(..7)
        .filter(|scheme| scheme.eq_ignore_ascii_case("http://"))
        .and_then(|_| url.get(7..))
        .ok_or(FetchFailure::BadUrl)?;
    // What goes on the request line must not break it: no spaces, no control bytes.
    if rest.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(FetchFailure::BadUrl);
    }
    let rest = rest.split('#').next().unwrap_or_default();
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(split);
    if authority.contains('@') {
        return Err(FetchFailure::BadUrl);
    }
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (host, after) = bracketed.split_once(']').ok_or(FetchFailure::BadUrl)?;
        host.parse::<std::net::Ipv6Addr>().map_err(|_| FetchFailure::BadUrl)?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port {
        None => 80,
        Some(digits) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            digits.parse::<u16>().ok().filter(|p| *p != 0).ok_or(FetchFailure::BadUrl)?
        }
        Some(_) => return Err(FetchFailure::BadUrl),
    };
    let name_ok = host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b':');
    if host.is_empty() || !name_ok {
        return Err(FetchFailure::BadUrl);
    }
    let path = if path.is_empty() {
        "/".to_string()
    } else if path.starts_with('?') {
        format!("/{path}")
    } else {
        path.to_string()
    };
    Ok(Target { host: host.to_string(), port, path })
}

/// Whether `host` (as written) names this machine without asking a resolver.
fn names_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// One HTTP/1.1 GET of `url` under `policy`.
pub fn http_get(policy: &FetchPolicy, url: &str) -> FetchAnswer {
    match get(policy, url) {
        Ok((status, body)) => FetchAnswer::Response { status, body },
        Err(why) => FetchAnswer::Failed(why),
    }
}

fn get(policy: &FetchPolicy, url: &str) -> Result<(u16, Vec<u8>), FetchFailure> {
    let target = parse_url(url)?;
    if !policy.allow_remote && !names_loopback(&target.host) {
        return Err(FetchFailure::NotAllowed);
    }
    let now = Instant::now();
    let deadline = now
        .checked_add(policy.timeout)
        .or_else(|| now.checked_add(FETCH_TIMEOUT))
        .ok_or(FetchFailure::Timeout)?;
    let addresses: Vec<SocketAddr> = resolve(&target.host, target.port, deadline)?
        .into_iter()
        .filter(|address| policy.allow_remote || address.ip().is_loopback())
        .collect();
    if addresses.is_empty() {
        return Err(if policy.allow_remote { FetchFailure::Connect } else { FetchFailure::NotAllowed });
    }
    let mut stream = None;
    let mut failure = FetchFailure::Connect;
    for address in &addresses {
        let left = remaining(deadline)?;
        match TcpStream::connect_timeout(address, left) {
            Ok(connected) => {
                stream = Some(connected);
                break;
            }
            Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {
                failure = FetchFailure::Timeout
            }
            Err(_) => {}
        }
    }
    let mut stream = stream.ok_or(failure)?;
    let host_header =
        if target.host.contains(':') { format!("[{}]", target.host) } else { target.host.clone() };
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {host_header}:{}\r\nUser-Agent: billing-sandbox\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        target.path, target.port
    );
    send(&mut stream, request.as_bytes(), deadline)?;
    Conn::new(stream, deadline).response()
}

/// Writes all of `request` by the deadline: each write waits only for what is left of it, so a
/// peer reading slowly cannot stretch the request past its time-out.
fn send<O: Outlet>(outlet: &mut O, mut request: &[u8], deadline: Instant) -> Result<(), FetchFailure> {
    while !request.is_empty() {
        outlet.write_at_most(remaining(deadline)?)?;
        match outlet.write(request) {
            Ok(0) => return Err(FetchFailure::Connect),
            Ok(n) => request = request.get(n..).unwrap_or_default(),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(io_failure(&e, FetchFailure::Connect)),
        }
    }
    Ok(())
}

/// Where a request's bytes go: a connection, whose writes wait at most until the deadline.
trait Outlet: Write {
    fn write_at_most(&mut self, left: Duration) -> Result<(), FetchFailure>;
}

impl Outlet for TcpStream {
    fn write_at_most(&mut self, left: Duration) -> Result<(), FetchFailure> {
        self.set_write_timeout(Some(left)).map_err(|_| FetchFailure::Connect)
    }
}

/// Where a response's bytes come from: a connection, whose reads wait at most until the deadline.
trait Peer: Read {
    fn wait_at_most(&mut self, left: Duration) -> Result<(), FetchFailure>;
}

impl Peer for TcpStream {
    fn wait_at_most(&mut self, left: Duration) -> Result<(), FetchFailure> {
        self.set_read_timeout(Some(left)).map_err(|_| FetchFailure::Protocol)
    }
}

/// The addresses `host` names, by the time of `deadline`: an IP as written, a name through the
/// system's resolver on a thread of its own (std's resolver has no time-out; a slow one is left to
/// finish alone).
fn resolve(host: &str, port: u16, deadline: Instant) -> Result<Vec<SocketAddr>, FetchFailure> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let (answer, answered) = std::sync::mpsc::channel();
    let name = host.to_string();
    std::thread::Builder::new()
        .name("fetch-resolve".into())
        .spawn(move || {
            let found = (name.as_str(), port).to_socket_addrs().map(Iterator::collect::<Vec<_>>);
            let _ = answer.send(found);
        })
        .map_err(|_| FetchFailure::Connect)?;
    match answered.recv_timeout(remaining(deadline)?) {
        Ok(Ok(addresses)) => Ok(addresses),
        Ok(Err(_)) => Err(FetchFailure::Connect),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(FetchFailure::Timeout),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(FetchFailure::Connect),
    }
}

fn remaining(deadline: Instant) -> Result<Duration, FetchFailure> {
    Some(deadline.saturating_duration_since(Instant::now()))
        .filter(|left| !left.is_zero())
        .ok_or(FetchFailure::Timeout)
}

fn io_failure(error: &std::io::Error, otherwise: FetchFailure) -> FetchFailure {
    match error.kind() {
        ErrorKind::TimedOut | ErrorKind::WouldBlock => FetchFailure::Timeout,
        _ => otherwise,
    }
}

/// The response side of a connection: bytes read so far, and how far they are parsed.
struct Conn<P> {
    stream: P,
    /// Bytes read and not yet dropped: what is left of a partial line, or a body being taken.
    buf: Vec<u8>,
    pos: usize,
    /// Bytes of this response dropped from the front of `buf` (parsed already).
    dropped: usize,
    deadline: Instant,
}

/// How the body's end is known.
enum Framing {
    Length(usize),
    Chunked,
    UntilClose,
}

impl<P: Peer> Conn<P> {
    fn new(stream: P, deadline: Instant) -> Conn<P> {
        Conn { stream, buf: Vec::new(), pos: 0, dropped: 0, deadline }
    }

    /// How many bytes of the response are parsed.
    fn parsed(&self) -> usize {
        self.dropped.saturating_add(self.pos)
    }

    /// Reads more bytes; `false` at the end of the stream. What is parsed already is dropped first,
    /// so the buffer holds only what is still to parse.
    fn more(&mut self) -> Result<bool, FetchFailure> {
        if self.pos > 0 {
            self.buf.drain(..self.pos.min(self.buf.len()));
            self.dropped = self.dropped.saturating_add(self.pos);
            self.pos = 0;
        }
        if self.dropped.saturating_add(self.buf.len()) > MAX_RESPONSE {
            return Err(FetchFailure::TooLarge);
        }
        let mut chunk = [0u8; 16 << 10];
        loop {
            self.stream.wait_at_most(remaining(self.deadline)?)?;
            match self.stream.read(&mut chunk) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
                    return Ok(true);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_failure(&e, FetchFailure::Protocol)),
            }
        }
    }

    fn unread(&self) -> &[u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    /// The next line, without its line end (CRLF, or a bare LF).
    fn line(&mut self) -> Result<Vec<u8>, FetchFailure> {
        loop {
            if let Some(at) = self.unread().iter().position(|b| *b == b'\n') {
                let mut line = self.unread().get(..at).unwrap_or_default().to_vec();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                self.pos = self.pos.saturating_add(at).saturating_add(1);
                return Ok(line);
            }
            if self.unread().len() > MAX_LINE || !self.more()? {
                return Err(FetchFailure::Protocol);
            }
        }
    }

    /// Exactly `n` more bytes.
    fn take(&mut self, n: usize) -> Result<Vec<u8>, FetchFailure> {
        while self.unread().len() < n {
            if !self.more()? {
                return Err(FetchFailure::Protocol);
            }
        }
        let bytes = self.unread().get(..n).unwrap_or_default().to_vec();
        self.pos = self.pos.saturating_add(n);
        Ok(bytes)
    }

    fn response(&mut self) -> Result<(u16, Vec<u8>), FetchFailure> {
        // Interim (1xx) responses come before the real one: a few of them.
        let mut interim = 0;
        let (status, framing) = loop {
            let (status, framing) = self.head()?;
            if !(100..200).contains(&status) {
                break (status, framing);
            }
            interim += 1;
            if interim > MAX_INTERIM {
                return Err(FetchFailure::Protocol);
            }
        };
        let body = if status == 204 || status == 304 {
            Vec::new()
        } else {
            match framing {
                Framing::Length(n) if n > MAX_BODY => return Err(FetchFailure::TooLarge),
                Framing::Length(n) => self.take(n)?,
                Framing::Chunked => self.chunked()?,
                Framing::UntilClose => self.until_close()?,
            }
        };
        Ok((status, body))
    }

    /// The status line and headers: the status and how the body ends.
    fn head(&mut self) -> Result<(u16, Framing), FetchFailure> {
        let start = self.parsed();
        let status_line = self.line()?;
        let status = parse_status(&status_line).ok_or(FetchFailure::Protocol)?;
        let mut length: Option<usize> = None;
        let mut chunked = false;
        loop {
            let line = self.line()?;
            if self.parsed().saturating_sub(start) > MAX_HEAD {
                return Err(FetchFailure::Protocol);
            }
            if line.is_empty() {
                break;
            }
            let text = std::str::from_utf8(&line).map_err(|_| FetchFailure::Protocol)?;
            let (name, value) = text.split_once(':').ok_or(FetchFailure::Protocol)?;
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(FetchFailure::Protocol);
                }
                // A length past usize is past the limit too.
                let n = value.parse::<usize>().unwrap_or(usize::MAX);
                if length.is_some_and(|seen| seen != n) {
                    return Err(FetchFailure::Protocol);
                }
                length = Some(n);
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked =
                    value.rsplit(',').next().is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"));
            }
        }
        let framing = match (chunked, length) {
            (true, _) => Framing::Chunked,
            (false, Some(n)) => Framing::Length(n),
            (false, None) => Framing::UntilClose,
        };
        Ok((status, framing))
    }

    fn chunked(&mut self) -> Result<Vec<u8>, FetchFailure> {
        let mut body = Vec::new();
        loop {
            let line = self.line()?;
            let size = line.split(|b| *b == b';').next().unwrap_or_default();
            let size = std::str::from_utf8(size).map_err(|_| FetchFailure::Protocol)?.trim();
            if size.is_empty() {
                return Err(FetchFailure::Protocol);
            }
            let size = usize::from_str_radix(size, 16).map_err(|_| FetchFailure::Protocol)?;
            if size == 0 {
                // Trailers, up to the empty line: no more of them than a head holds.
                let start = self.parsed();
                while !self.line()?.is_empty() {
                    if self.parsed().saturating_sub(start) > MAX_HEAD {
                        return Err(FetchFailure::Protocol);
                    }
                }
                return Ok(body);
            }
            if body.len().saturating_add(size) > MAX_BODY {
                return Err(FetchFailure::TooLarge);
            }
            body.extend(self.take(size)?);
            if !self.line()?.is_empty() {
                return Err(FetchFailure::Protocol);
            }
        }
    }

    fn until_close(&mut self) -> Result<Vec<u8>, FetchFailure> {
        loop {
            if self.unread().len() > MAX_BODY {
                return Err(FetchFailure::TooLarge);
            }
            if !self.more()? {
                return Ok(self.unread().to_vec());
            }
        }
    }
}

/// `HTTP/1.x NNN reason` → NNN.
fn parse_status(line: &[u8]) -> Option<u16> {
    let text = std::str::from_utf8(line).ok()?;
    let mut parts = text.splitn(3, ' ');
    let version = parts.next()?;
    if !version.starts_with("HTTP/1.") {
        return None;
    }
    let code = parts.next()?;
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    code.parse().ok().filter(|code| (100..1000).contains(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_taken_apart_or_refused() {
        let t = parse_url("http://127.0.0.1:8080/a/b?c=1#frag").unwrap();
        assert_eq!(t, Target { host: "127.0.0.1".into(), port: 8080, path: "/a/b?c=1".into() });
        assert_eq!(parse_url("HTTP://localhost").unwrap().path, "/");
        assert_eq!(parse_url("http://localhost?x").unwrap().path, "/?x");
        assert_eq!(parse_url("http://[::1]:9/").unwrap().host, "::1");
        for bad in [
            "https://127.0.0.1/",
            "ftp://x",
            "http://",
            "http://a b/",
            "http://h/\r\nX: y",
            "http://user@h/",
            "http://h:0/",
            "http://h:99999/",
            "http://h:x/",
            "http://[zz]/",
            "http://h_/",
            "",
        ] {
            assert_eq!(parse_url(bad), Err(FetchFailure::BadUrl), "{bad:?}");
        }
    }

    #[test]
    fn only_loopback_names_pass_by_default() {
        assert!(names_loopback("127.0.0.1") && names_loopback("127.9.9.9") && names_loopback("::1"));
        assert!(names_loopback("LocalHost"));
        assert!(
            !names_loopback("10.0.0.1") && !names_loopback("example.com") && !names_loopback("128.0.0.1")
        );
        let answer = http_get(&FetchPolicy::default(), "http://example.com/");
        assert_eq!(answer, FetchAnswer::Failed(FetchFailure::NotAllowed));
    }

    /// Bytes already received, read a few at a time.
    struct Canned<'a>(&'a [u8]);

    impl Read for Canned<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.0.len()).min(7);
            let (now, later) = self.0.split_at(n);
            buf[..n].copy_from_slice(now);
            self.0 = later;
            Ok(n)
        }
    }

    impl Outlet for Vec<u8> {
        fn write_at_most(&mut self, _: Duration) -> Result<(), FetchFailure> {
            Ok(())
        }
    }

    impl Peer for Canned<'_> {
        fn wait_at_most(&mut self, _: Duration) -> Result<(), FetchFailure> {
            Ok(())
        }
    }

    fn parse(bytes: &[u8]) -> Result<(u16, Vec<u8>), FetchFailure> {
        let deadline = Instant::now() + Duration::from_secs(5);
        Conn::new(Canned(bytes), deadline).response()
    }

    #[test]
    fn responses_of_each_framing_parse() {
        assert_eq!(
            parse(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiIGNORED"),
            Ok((200, b"hi".to_vec()))
        );
        assert_eq!(parse(b"HTTP/1.1 200 OK\nContent-Length: 2\n\nhi"), Ok((200, b"hi".to_vec())), "bare LFs");
        assert_eq!(
            parse(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\na\r\n0\r\nX-Trailer: 1\r\n\r\n"),
            Ok((201, b"a".to_vec()))
        );
        assert_eq!(parse(b"HTTP/1.0 204 No Content\r\n\r\nstray"), Ok((204, vec![])));
        assert_eq!(parse(b"HTTP/1.0 200 OK\r\n\r\nto the end"), Ok((200, b"to the end".to_vec())));
        assert_eq!(parse(b"HTTP/1.1 200 OK\r\nContent-Length: 1048577\r\n\r\n"), Err(FetchFailure::TooLarge));
        assert_eq!(
            parse(b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n"),
            Err(FetchFailure::TooLarge)
        );
        assert_eq!(
            parse(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhi"),
            Err(FetchFailure::Protocol),
            "cut short"
        );
        assert_eq!(
            parse(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nhi"),
            Err(FetchFailure::Protocol)
        );
        assert_eq!(parse(b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"), Err(FetchFailure::Protocol));
        assert_eq!(
            parse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
            Err(FetchFailure::Protocol)
        );
        assert_eq!(
            parse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\n"),
            Err(FetchFailure::Protocol)
        );
        assert_eq!(
            parse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100001\r\n"),
            Err(FetchFailure::TooLarge)
        );
        assert_eq!(parse(b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n"), Err(FetchFailure::Protocol));
        assert_eq!(parse(b""), Err(FetchFailure::Protocol));
        assert_eq!(parse(&[b'x'; 20_000]), Err(FetchFailure::Protocol), "a line past 8 KiB");
        let mut many_headers = b"HTTP/1.1 200 OK\r\n".to_vec();
        for _ in 0..10_000 {
            many_headers.extend_from_slice(b"X: y\r\n");
        }
        assert_eq!(parse(&many_headers), Err(FetchFailure::Protocol), "a head past 64 KiB");
        let mut big = b"HTTP/1.0 200 OK\r\n\r\n".to_vec();
        big.resize(big.len() + MAX_BODY + 1, b'x');
        assert_eq!(parse(&big), Err(FetchFailure::TooLarge));
        big.truncate(big.len() - 1);
        assert_eq!(parse(&big).map(|(_, body)| body.len()), Ok(MAX_BODY), "exactly the limit is fine");
    }

    /// Every prefix and many mutations of good responses: an answer each time, never a panic.
    #[test]
    fn no_bytes_make_the_parser_panic() {
        let good: [&[u8]; 3] = [
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n",
            b"HTTP/1.0 404 Not Found\r\n\r\ngone",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for response in good {
            for end in 0..=response.len() {
                let _ = parse(&response[..end]);
            }
            for _ in 0..2_000 {
                let mut mutated = response.to_vec();
                for _ in 0..(next() % 4 + 1) {
                    if mutated.is_empty() {
                        break;
                    }
                    let at = (next() % mutated.len() as u64) as usize;
                    match next() % 3 {
                        0 => mutated[at] = next() as u8,
                        1 => drop(mutated.remove(at)),
                        _ => mutated.insert(at, b"\r\n:;0F 9"[(next() % 8) as usize]),
                    }
                }
                let _ = parse(&mutated);
            }
        }
    }

    /// A peer that sends `head` and then `pattern` again and again (for at most `limit` bytes),
    /// counting what it sent.
    struct Endless {
        head: Vec<u8>,
        pattern: Vec<u8>,
        sent: usize,
        limit: usize,
    }

    impl Read for Endless {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let mut n = 0;
            while n < buf.len() && self.sent < self.limit {
                let at = self.sent;
                buf[n] = match self.head.get(at) {
                    Some(byte) => *byte,
                    None => self.pattern[(at - self.head.len()) % self.pattern.len()],
                };
                n += 1;
                self.sent += 1;
            }
            Ok(n)
        }
    }

    impl Peer for Endless {
        fn wait_at_most(&mut self, _: Duration) -> Result<(), FetchFailure> {
            Ok(())
        }
    }

    type Parsed = Result<(u16, Vec<u8>), FetchFailure>;

    /// What an endless response of `head` then `pattern` ends in, how many bytes the parser took
    /// before it, and the most its buffer held.
    fn endless(head: &[u8], pattern: &[u8]) -> (Parsed, usize, usize) {
        let peer = Endless { head: head.to_vec(), pattern: pattern.to_vec(), sent: 0, limit: 64 << 20 };
        let mut conn = Conn::new(peer, Instant::now() + Duration::from_secs(60));
        let answer = conn.response();
        (answer, conn.stream.sent, conn.buf.capacity())
    }

    #[test]
    fn a_peer_framing_endless_bytes_is_cut_off_with_the_buffer_bounded() {
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        let mut extension = b"1;".to_vec();
        extension.resize(8000, b'a');
        extension.extend_from_slice(b"\r\nx\r\n");
        let cases: [(&str, Vec<u8>, Vec<u8>, FetchFailure); 3] = [
            (
                "endless 100 Continue",
                vec![],
                b"HTTP/1.1 100 Continue\r\n\r\n".to_vec(),
                FetchFailure::Protocol,
            ),
            (
                "endless trailers",
                [&chunked[..], b"0\r\n"].concat(),
                b"X: y\r\n".to_vec(),
                FetchFailure::Protocol,
            ),
            ("8 KB chunk extensions for 1 byte each", chunked.to_vec(), extension, FetchFailure::TooLarge),
        ];
        for (case, head, pattern, why) in cases {
            let (answer, sent, held) = endless(&head, &pattern);
            assert_eq!(answer, Err(why), "{case}");
            assert!(sent <= MAX_RESPONSE + (64 << 10), "{case}: {sent} bytes read before the cut");
            assert!(held <= 256 << 10, "{case}: the buffer grew to {held} bytes");
        }
    }

    /// A peer that takes one byte per write, slowly.
    struct SlowReader {
        took: usize,
    }

    impl Write for SlowReader {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            std::thread::sleep(Duration::from_millis(20));
            self.took += 1;
            Ok(buf.len().min(1))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Outlet for SlowReader {
        fn write_at_most(&mut self, _: Duration) -> Result<(), FetchFailure> {
            Ok(())
        }
    }

    #[test]
    fn sending_to_a_slow_reader_stops_at_the_deadline() {
        let started = Instant::now();
        let mut peer = SlowReader { took: 0 };
        let sent = send(&mut peer, &[b'x'; 1000], started + Duration::from_millis(300));
        assert_eq!(sent, Err(FetchFailure::Timeout));
        assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
        assert!(peer.took < 100, "{} writes", peer.took);
        let mut fast = Vec::new();
        assert_eq!(send(&mut fast, b"GET / HTTP/1.1\r\n\r\n", started + Duration::from_secs(60)), Ok(()));
    }

    #[test]
    fn status_lines() {
        assert_eq!(parse_status(b"HTTP/1.1 200 OK"), Some(200));
        assert_eq!(parse_status(b"HTTP/1.0 404"), Some(404));
        assert_eq!(parse_status(b"HTTP/2 200 OK"), None);
        assert_eq!(parse_status(b"HTTP/1.1 20 OK"), None);
        assert_eq!(parse_status(b"HTTP/1.1 099 x"), None);
        assert_eq!(parse_status(b"garbage"), None);
    }
}
