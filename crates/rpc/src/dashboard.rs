//! The dashboard's static files (dashboard/dist) at `/`, beside the JSON-RPC at `/api`: the page
//! then calls the node on its own origin. Only files inside the directory are served, by name.

use std::path::{Path, PathBuf};

/// What `serve` prints, and `GET /` answers with a 404, when the dashboard has not been built.
pub const NOT_BUILT: &str =
    "dashboard: not built — run dashboard/build.sh (needs node, npm ci in dashboard/, wasm-bindgen-cli 0.2.129)";

/// The dashboard's built files.
#[derive(Clone, Debug)]
pub struct Dashboard {
    dir: PathBuf,
}

/// One static answer: status, content type, body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Dashboard {
    pub fn new(dir: PathBuf) -> Dashboard {
        Dashboard { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether `index.html` is there (checked again on every request: the build may come later).
    pub fn is_built(&self) -> bool {
        self.dir.join("index.html").is_file()
    }

    /// The answer to `GET path` (the URL's path, query already cut off); `None`: not a dashboard
    /// file (the caller answers as for any unknown path).
    pub fn get(&self, path: &str) -> Option<Page> {
        if path == "/" || path == "/index.html" {
            return Some(match std::fs::read(self.dir.join("index.html")) {
                Ok(body) => Page { status: 200, content_type: content_type("index.html"), body },
                Err(_) => Page {
                    status: 404,
                    content_type: "text/plain; charset=utf-8",
                    body: NOT_BUILT.as_bytes().to_vec(),
                },
            });
        }
        let relative = path.strip_prefix('/')?;
        // Plain names only: no `..`, no hidden files, no escapes, no empty components.
        let safe = |part: &str| {
            !part.is_empty()
                && !part.starts_with('.')
                && part.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        };
        if !relative.split('/').all(safe) {
            return None;
        }
        let file = self.dir.join(relative);
        // Symbolic links out of the directory are not served either.
        let root = std::fs::canonicalize(&self.dir).ok()?;
        let real = std::fs::canonicalize(&file).ok()?;
        if !real.starts_with(&root) || !real.is_file() {
            return None;
        }
        let body = std::fs::read(&real).ok()?;
        Some(Page { status: 200, content_type: content_type(relative), body })
    }
}

/// The content type a browser needs for a dashboard file, by its extension.
pub fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()).as_deref() {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("wasm") => "application/wasm",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_by_extension() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("app.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("style.CSS"), "text/css; charset=utf-8");
        assert_eq!(content_type("billing_bg.wasm"), "application/wasm");
        assert_eq!(content_type("LICENSE"), "application/octet-stream");
    }
}
