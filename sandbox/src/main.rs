//! `billing-sandbox`: build the contract artifact and run it on this machine.

use std::path::PathBuf;
use std::process::ExitCode;

use billing_sandbox::{artifact, costs};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "billing-sandbox", version, about = "Build and run the api-usage-billing contract locally")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the release .wasm (wasm32v1-none, then wasm-opt -Oz) and print its size and sha256.
    Build {
        /// Where to write api_usage_billing.wasm.
        #[arg(long, default_value = "artifacts")]
        out: PathBuf,
    },
    /// Fuel and storage operations of a typical call of every entrypoint, on the .wasm.
    Costs {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// The artifact to measure (default: the one built with this sandbox).
        #[arg(long)]
        wasm: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Build { out } => {
            let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
            let built = artifact::build(&workspace, &out, true)?;
            println!("{}", built.path.display());
            println!("size    {} bytes ({:.1} KiB)", built.size, built.size as f64 / 1024.0);
            println!("sha256  {}", built.sha256);
            Ok(())
        }
        Command::Costs { json, wasm } => {
            let bytes = match wasm {
                Some(path) => std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?,
                None => billing_sandbox::built_wasm(),
            };
            let rows = costs::measure(&bytes)?;
            if json {
                let rows: Vec<String> = rows
                    .iter()
                    .map(|c| {
                        format!(
                            r#"{{"method":"{}","case":"{}","fuel":{},"reads":{},"writes":{},"bytes_written":{}}}"#,
                            c.method, c.case, c.fuel, c.reads, c.writes, c.bytes_written
                        )
                    })
                    .collect();
                println!(r#"{{"wasm_bytes":{},"calls":[{}]}}"#, bytes.len(), rows.join(","));
            } else {
                println!("artifact: {} bytes", bytes.len());
                println!(
                    "{:<30} {:<40} {:>8} {:>6} {:>7} {:>7}",
                    "method", "case", "fuel", "reads", "writes", "bytes"
                );
                for c in rows {
                    println!(
                        "{:<30} {:<40} {:>8} {:>6} {:>7} {:>7}",
                        c.method, c.case, c.fuel, c.reads, c.writes, c.bytes_written
                    );
                }
            }
            Ok(())
        }
    }
}
