//! Per-call wall time of same-day bills on the real executor and (with `--features wasmi-figures`)
//! on the wasmi GenVM host, side by side:
//!
//!     cargo run --release -p genvm-executor --features wasmi-figures --example figures -- [CALLS]

use std::time::Duration;

use genvm_executor::figures::{self, Timings};

fn ms(duration: Option<Duration>) -> String {
    duration.map_or_else(|| "-".to_string(), |d| format!("{:.2} ms", d.as_secs_f64() * 1e3))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let calls: usize = std::env::args().nth(1).map(|n| n.parse()).transpose()?.unwrap_or(200);
    let executor = genvm_executor::find_executor()?;
    let zip = billing_artifact::genvm_zip()?;
    let real: Timings = figures::real_consume_credit(&executor, zip.clone(), calls)?;
    println!("same-day consume_credit, {calls} calls, median per call");
    println!("  artifact: zip {} bytes", zip.len());
    println!(
        "  real executor ({}): {} (until the result {}; module load as the executor logs it {})",
        executor.display(),
        ms(real.median()),
        ms(real.median_until_result()),
        ms(real.median_module_load())
    );
    #[cfg(feature = "wasmi-figures")]
    {
        let wasm = billing_artifact::genvm_wasm()?;
        let wasmi = figures::wasmi_consume_credit(&wasm, calls)?;
        println!("  wasmi GenVM host: {}", ms(wasmi.median()));
    }
    Ok(())
}
