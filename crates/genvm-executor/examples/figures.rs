//! Per-call wall time of same-day bills on the real executor and (with `--features wasmi-figures`)
//! on the wasmi GenVM host, side by side, and how the artifact's size moves the real executor's
//! module load (the artifact padded with a custom section GenVM must read, hash and validate):
//!
//!     cargo run --release -p genvm-executor --features wasmi-figures --example figures -- [CALLS]

use std::time::Duration;

use genvm_executor::figures::{self, Timings};

fn ms(duration: Option<Duration>) -> String {
    duration.map_or_else(|| "-".to_string(), |d| format!("{:.2} ms", d.as_secs_f64() * 1e3))
}

/// `wasm` with a custom section of `extra` bytes appended (name "pad").
fn padded(wasm: &[u8], extra: usize) -> Vec<u8> {
    fn uleb(mut n: usize, out: &mut Vec<u8>) {
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }
    let mut payload = vec![3];
    payload.extend_from_slice(b"pad");
    payload.resize(payload.len() + extra, 0);
    let mut out = wasm.to_vec();
    out.push(0);
    uleb(payload.len(), &mut out);
    out.extend_from_slice(&payload);
    out
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let calls: usize = std::env::args().nth(1).map(|n| n.parse()).transpose()?.unwrap_or(200);
    let executor = genvm_executor::find_executor()?;
    let executor = executor.canonicalize().unwrap_or(executor);
    let zip = billing_artifact::genvm_zip()?;
    let real: Timings = figures::real_consume_credit(&executor, zip.clone(), calls)?;
    println!("same-day consume_credit, {calls} calls, median per call");
    println!(
        "  real executor ({}), zip {} bytes: {} (process up and connected {}; until the result {}; module load as the executor logs it {})",
        executor.display(),
        zip.len(),
        ms(real.median()),
        ms(real.median_until_connected()),
        ms(real.median_until_result()),
        ms(real.median_module_load())
    );
    #[cfg(feature = "wasmi-figures")]
    {
        let wasm = billing_artifact::genvm_wasm()?;
        let wasmi = figures::wasmi_consume_credit(&wasm, calls)?;
        println!("  wasmi GenVM host, wasm {} bytes: {}", wasm.len(), ms(wasmi.median()));
    }
    let wasm = billing_artifact::genvm_wasm()?;
    for extra in [256 << 10, 1 << 20, 4 << 20] {
        let zip = billing_artifact::genvm_archive(&padded(&wasm, extra));
        let timings = figures::real_consume_credit(&executor, zip.clone(), calls.min(100))?;
        println!(
            "  real executor, zip {} bytes (+{} KiB custom section): {} (module load {})",
            zip.len(),
            extra >> 10,
            ms(timings.median()),
            ms(timings.median_module_load())
        );
    }
    Ok(())
}
