//! Editing a built module: the linker's and the runtime's own exports removed.

use crate::ArtifactError;

/// The memory functions crates/wasm-runtime defines (its `mem` module).
const RUNTIME_SYMBOLS: [&str; 5] = ["memcpy", "memmove", "memset", "memcmp", "bcmp"];

/// Rewrites the export section without the linker's own symbols (`__heap_base`, `__data_end`) and the
/// runtime's memory functions (`memcpy` and kin, exported only because they must replace the
/// builtins by name): no host should see them, and docs/ABI.md lists every export that is left.
pub fn drop_linker_exports(wasm: &[u8]) -> Result<Vec<u8>, ArtifactError> {
    let bad = || ArtifactError::MalformedModule;
    let header = wasm.get(..8).ok_or_else(bad)?;
    let mut out = header.to_vec();
    let mut at = 8;
    while at < wasm.len() {
        let id = *wasm.get(at).ok_or_else(bad)?;
        let (size, body_start) = read_u32(wasm, at + 1).ok_or_else(bad)?;
        let body_end = body_start.checked_add(size as usize).ok_or_else(bad)?;
        let body = wasm.get(body_start..body_end).ok_or_else(bad)?;
        if id == 7 {
            let (count, mut p) = read_u32(body, 0).ok_or_else(bad)?;
            let mut kept = Vec::new();
            let mut kept_count = 0u32;
            for _ in 0..count {
                let start = p;
                let (name_len, name_at) = read_u32(body, p).ok_or_else(bad)?;
                let name_end = name_at + name_len as usize;
                let name =
                    std::str::from_utf8(body.get(name_at..name_end).ok_or_else(bad)?).map_err(|_| bad())?;
                let (_, index_end) = read_u32(body, name_end + 1).ok_or_else(bad)?;
                p = index_end;
                if !name.starts_with("__") && !RUNTIME_SYMBOLS.contains(&name) {
                    kept.extend_from_slice(&body[start..p]);
                    kept_count += 1;
                }
            }
            let mut section = Vec::new();
            write_u32(&mut section, kept_count);
            section.extend_from_slice(&kept);
            out.push(7);
            write_u32(&mut out, section.len() as u32);
            out.extend_from_slice(&section);
        } else {
            out.extend_from_slice(&wasm[at..body_end]);
        }
        at = body_end;
    }
    Ok(out)
}

fn read_u32(bytes: &[u8], mut at: usize) -> Option<(u32, usize)> {
    let mut value = 0u32;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(at)?;
        at += 1;
        value |= u32::from(byte & 0x7f).checked_shl(shift)?;
        if byte & 0x80 == 0 {
            return Some((value, at));
        }
    }
    None
}

fn write_u32(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}
