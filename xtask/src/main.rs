//! `cargo xtask`: build the artifacts, write schema/, measure costs, run the benchmark, check budgets.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use billing_artifact::{Flavor, GENVM_VERSION, GENVM_ZIP_NAME};
use clap::{Parser, Subcommand};
use xtask::error::TaskError;
use xtask::{bench, budget, costs, phases, report, schema};

#[derive(Parser)]
#[command(name = "xtask", about = "The api-usage-billing project's own tasks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the artifacts (both flavors and the example consumer contract; wasm32v1-none, wasm-opt
    /// -Oz) and print their sizes and sha256.
    BuildWasm {
        /// Where to write them.
        #[arg(long, default_value = "artifacts")]
        out: PathBuf,
    },
    /// Write schema/: the GenLayer contract schema and JSON Schemas of reports, receipt, events, errors.
    Schema {
        #[arg(long, default_value = "schema")]
        out: PathBuf,
    },
    /// Every cost: fuel and storage per entrypoint, growth with state size, calls per second.
    Bench {
        /// Print JSON instead of tables.
        #[arg(long)]
        json: bool,
        /// Throughput runs at 5 % of their size (for CI).
        #[arg(long)]
        quick: bool,
    },
    /// Check the figures against budgets.json (over budget fails; well under asks to lower it).
    Budget {
        #[arg(long, default_value = "budgets.json")]
        file: PathBuf,
        /// Rewrite the file from the current figures instead of checking.
        #[arg(long)]
        write: bool,
    },
    /// Fuel and storage operations of a typical call of every entrypoint, on the .wasm.
    Costs {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Instead: where a same-day bill's fuel goes on each flavor, between host calls and by phase.
        #[arg(long)]
        phases: bool,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn artifact(flavor: Flavor) -> Result<Vec<u8>, TaskError> {
    Ok(billing_artifact::fixture(flavor)?.bytes.clone())
}

fn kib(size: usize) -> String {
    // Tenths of a KiB in integers: the figure the README quotes.
    let tenths = (size * 10 + 512) / 1024;
    format!("{}.{} KiB", tenths / 10, tenths % 10)
}

fn run(cli: Cli) -> Result<(), TaskError> {
    match cli.command {
        Command::BuildWasm { out } => {
            let workspace = billing_artifact::workspace_root();
            for flavor in [Flavor::Billing, Flavor::Genvm, Flavor::Consumer] {
                let built = billing_artifact::build(&workspace, flavor, true)?;
                billing_artifact::write(&built, &out)?;
                println!("{}", out.join(flavor.file_name()).display());
                println!("  size    {} bytes ({})", built.size(), kib(built.size()));
                println!("  sha256  {}", built.sha256);
                if flavor == Flavor::Genvm {
                    let zip = built.zip();
                    println!(
                        "{}  (GenLayer deployment archive: runner.json, version {GENVM_VERSION}, contract.wasm)",
                        out.join(GENVM_ZIP_NAME).display(),
                    );
                    println!("  size    {} bytes ({})", zip.len(), kib(zip.len()));
                    println!("  sha256  {}", billing_artifact::sha256_hex(&zip));
                }
            }
            Ok(())
        }
        Command::Schema { out } => {
            std::fs::create_dir_all(&out).map_err(TaskError::io(&out))?;
            for (name, content) in schema::files() {
                let path = out.join(name);
                std::fs::write(&path, content).map_err(TaskError::io(&path))?;
                println!("{}", path.display());
            }
            Ok(())
        }
        Command::Bench { json, quick } => {
            let bytes = artifact(Flavor::Billing)?;
            let measured = bench::run(&bytes, if quick { 0.05 } else { 1.0 })?;
            let genvm = billing_artifact::fixture(Flavor::Genvm)?;
            let genvm = bench::genvm_figures(genvm.zip(), &genvm.bytes, if quick { 20 } else { 200 });
            if json {
                let mut all = report::bench_json(&measured);
                all["genvm"] = report::genvm_json(&genvm);
                println!("{all}");
            } else {
                print!("{}", report::bench_text(&measured));
                print!("{}", report::genvm_text(&genvm));
            }
            Ok(())
        }
        Command::Budget { file, write } => budget_command(&file, write),
        Command::Costs { phases: true, .. } => {
            let all = [
                phases::billing_bill(&artifact(Flavor::Billing)?)?,
                phases::genvm_bill(&artifact(Flavor::Genvm)?)?,
                phases::billing_worst_report(&artifact(Flavor::Billing)?)?,
            ];
            print!("{}", phases::text(&all));
            Ok(())
        }
        Command::Costs { json, phases: false } => {
            let bytes = artifact(Flavor::Billing)?;
            let genvm = artifact(Flavor::Genvm)?;
            let mut rows = costs::measure(&bytes)?;
            rows.push(costs::worst_case_report(&bytes)?);
            rows.push(costs::genvm_bill(&genvm)?);
            rows.push(costs::genvm_worst_case_report(&genvm)?);
            let consumer = artifact(Flavor::Consumer)?;
            let outbound = costs::consumer_fetch(&bytes, &consumer)?;
            if json {
                let calls: Vec<serde_json::Value> = rows.iter().map(report::cost_json).collect();
                let outbound: Vec<serde_json::Value> = outbound
                    .iter()
                    .map(|c| serde_json::json!({"method": c.method, "case": c.case, "fuel": c.fuel}))
                    .collect();
                println!(
                    "{}",
                    serde_json::json!({"wasm_bytes": bytes.len(), "calls": calls,
                        "consumer": {"wasm_bytes": consumer.len(), "calls": outbound}})
                );
            } else {
                println!("artifact: {} bytes", bytes.len());
                print!("{}", billing_sandbox::render::table(&report::cost_rows(&rows)));
                println!(
                    "\nthe example consumer contract ({} bytes) on the sandbox's chain, which runs nested calls \
                     and fetches (fuel of the whole transaction; storage operations not counted there)",
                    consumer.len()
                );
                let mut table = vec![vec!["method".to_string(), "case".into(), "fuel".into()]];
                for c in &outbound {
                    table.push(vec![c.method.to_string(), c.case.to_string(), c.fuel.to_string()]);
                }
                print!("{}", billing_sandbox::render::table(&table));
            }
            Ok(())
        }
    }
}

fn budget_command(file: &Path, write: bool) -> Result<(), TaskError> {
    let bytes = artifact(Flavor::Billing)?;
    let genvm = artifact(Flavor::Genvm)?;
    let mut calls = costs::measure(&bytes)?;
    calls.push(costs::worst_case_report(&bytes)?);
    let mut figures = budget::figures(bytes.len(), &calls);
    figures.push(("genvm wasm_bytes".into(), genvm.len() as u64));
    figures.push(("consumer wasm_bytes".into(), artifact(Flavor::Consumer)?.len() as u64));
    figures.push((
        "fuel genvm consume_credit: same-day bill, by a delegate".into(),
        costs::genvm_bill(&genvm)?.fuel,
    ));
    figures.push((
        "fuel genvm get_usage_report: worst case, 64 subscriptions x 16 delegates".into(),
        costs::genvm_worst_case_report(&genvm)?.fuel,
    ));
    if write {
        std::fs::write(file, budget::write(&figures)).map_err(TaskError::io(file))?;
        println!("wrote {}", file.display());
        return Ok(());
    }
    let budgets = std::fs::read_to_string(file).map_err(TaskError::io(file))?;
    let problems = budget::check(&figures, &budgets)?;
    for (name, value) in &figures {
        println!("{value:>10}  {name}");
    }
    if problems.is_empty() {
        println!("all {} figures within budget", figures.len());
        Ok(())
    } else {
        Err(TaskError::OutOfBudget(problems))
    }
}
