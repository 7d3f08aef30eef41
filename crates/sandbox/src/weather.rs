//! A tiny local "weather API" on 127.0.0.1: canned forecasts over HTTP/1.1, for the demo and the
//! consumer contract's tests, which need a real server its fetches reach.
//!
//! `GET /forecast?city=NAME` answers 200 with a JSON forecast for a city it knows and 404 for one it
//! does not; `GET /geocode?city=NAME` the same with the city's coordinates (the demo's second API);
//! `GET /outage` answers 503, as an API that is down. Every request it read is recorded.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The cities it knows: name, temperature in °C, sky, latitude and longitude.
const CITIES: [(&str, i32, &str, &str, &str); 4] = [
    ("oslo", -3, "snow", "59.91", "10.75"),
    ("lisbon", 17, "sunny", "38.72", "-9.14"),
    ("cairo", 24, "clear", "30.04", "31.24"),
    ("lima", 19, "cloudy", "-12.05", "-77.04"),
];

/// The longest request head it reads; a fetch of the consumer contract is far shorter.
const MAX_HEAD: usize = 8 * 1024;

/// A running server; dropping it stops it.
pub struct WeatherServer {
    address: SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl WeatherServer {
    /// Listens on 127.0.0.1 at a free port and serves in a thread of its own.
    pub fn start() -> std::io::Result<WeatherServer> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?;
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen, stopping) = (Arc::clone(&requests), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    serve(stream, &seen);
                }
            }
        });
        Ok(WeatherServer { address, requests, stop, thread: Some(thread) })
    }

    /// `http://127.0.0.1:PORT`, the base URL a consumer contract is given.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The path (and query) of every request it has read, in order.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Drop for WeatherServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(mut stream: TcpStream, seen: &Mutex<Vec<String>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let Some(target) = read_target(&mut stream) else { return };
    seen.lock().unwrap_or_else(|p| p.into_inner()).push(target.clone());
    let (status, body) = answer(&target);
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Service Unavailable",
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body.as_bytes()));
    let _ = stream.shutdown(Shutdown::Write);
}

/// The request target of a `GET` whose head arrived whole (`None`: anything else).
fn read_target(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let read = stream.read(&mut buf).ok().filter(|n| *n > 0)?;
        head.extend_from_slice(buf.get(..read)?);
        if head.len() > MAX_HEAD {
            return None;
        }
    }
    let line = String::from_utf8_lossy(&head).lines().next()?.to_string();
    let mut parts = line.split(' ');
    match (parts.next(), parts.next()) {
        (Some("GET"), Some(target)) => Some(target.to_string()),
        _ => None,
    }
}

/// The status and JSON body for `target`.
fn answer(target: &str) -> (u16, String) {
    if target == "/outage" {
        return (503, r#"{"error":"the weather service is down for maintenance"}"#.to_string());
    }
    let known = |name: &str| CITIES.iter().find(|city| city.0 == name);
    if let Some(name) = target.strip_prefix("/forecast?city=") {
        if let Some((name, temp_c, sky, _, _)) = known(name) {
            return (200, format!(r#"{{"city":"{name}","temp_c":{temp_c},"sky":"{sky}"}}"#));
        }
    }
    if let Some(name) = target.strip_prefix("/geocode?city=") {
        if let Some((name, _, _, lat, lon)) = known(name) {
            return (200, format!(r#"{{"city":"{name}","lat":"{lat}","lon":"{lon}"}}"#));
        }
    }
    (404, r#"{"error":"unknown city"}"#.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(server: &WeatherServer, target: &str) -> String {
        let mut stream = TcpStream::connect(server.address).unwrap();
        write!(stream, "GET {target} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut text = String::new();
        stream.read_to_string(&mut text).unwrap();
        text
    }

    #[test]
    fn it_answers_forecasts_unknown_cities_and_outages_and_records_each_request() {
        let server = WeatherServer::start().unwrap();
        let oslo = get(&server, "/forecast?city=oslo");
        assert!(oslo.starts_with("HTTP/1.1 200 OK\r\n"), "{oslo}");
        assert!(oslo.ends_with(r#"{"city":"oslo","temp_c":-3,"sky":"snow"}"#), "{oslo}");
        assert!(get(&server, "/forecast?city=atlantis").starts_with("HTTP/1.1 404 "));
        assert!(
            get(&server, "/geocode?city=lima").ends_with(r#"{"city":"lima","lat":"-12.05","lon":"-77.04"}"#)
        );
        assert!(get(&server, "/outage").starts_with("HTTP/1.1 503 "));
        assert_eq!(
            server.requests(),
            ["/forecast?city=oslo", "/forecast?city=atlantis", "/geocode?city=lima", "/outage"]
        );
    }
}
