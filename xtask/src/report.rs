//! The measurements as people and tools read them: tables and JSON.

use billing_sandbox::render;
use serde_json::{json, Value as Json};

use crate::bench::{GenvmFigures, Point, Report};
use crate::costs::Cost;
use crate::error::TaskError;

/// Costs as table rows, with a header.
pub fn cost_rows(costs: &[Cost]) -> Vec<Vec<String>> {
    let mut rows = vec![["method", "case", "fuel", "reads", "writes", "bytes"].map(String::from).to_vec()];
    for c in costs {
        rows.push(vec![
            c.method.to_string(),
            c.case.to_string(),
            c.fuel.to_string(),
            c.reads.to_string(),
            c.writes.to_string(),
            c.bytes_written.to_string(),
        ]);
    }
    rows
}

/// The benchmark as tables.
pub fn bench_text(report: &Report) -> String {
    let mut out =
        format!("artifact: {} bytes\n\nper entrypoint (wasmi fuel, storage operations)\n", report.wasm_bytes);
    out.push_str(&render::table(&cost_rows(&report.calls)));
    for (title, size_name, points) in [
        (
            "consume_credit as the contract grows (consumers = APIs = subscriptions)",
            "size",
            &report.bill_growth,
        ),
        ("get_usage_report by the consumer's subscriptions", "subscriptions", &report.report_growth),
    ] {
        out.push_str(&format!("\n{title}\n"));
        let mut rows = vec![vec![size_name.to_string(), "fuel".into(), "reads".into(), "writes".into()]];
        for p in points {
            rows.push(vec![
                p.size.to_string(),
                p.fuel.to_string(),
                p.reads.to_string(),
                p.writes.to_string(),
            ]);
        }
        out.push_str(&render::table(&rows));
    }
    out.push_str("\nthroughput (same-day consume_credit)\n");
    let mut rows = vec![vec!["where".to_string(), "calls".into(), "calls/s".into()]];
    for (what, calls, rate) in &report.throughput {
        rows.push(vec![what.to_string(), calls.to_string(), format!("{}", rate.round() as u64)]);
    }
    out.push_str(&render::table(&rows));
    out
}

/// One entrypoint's costs as JSON.
pub fn cost_json(c: &Cost) -> Json {
    json!({"method": c.method, "case": c.case, "fuel": c.fuel, "reads": c.reads,
        "writes": c.writes, "bytes_written": c.bytes_written})
}

/// The benchmark as JSON, to compare commits.
pub fn bench_json(report: &Report) -> Json {
    let calls: Vec<Json> = report.calls.iter().map(cost_json).collect();
    let series = |points: &[Point]| -> Vec<Json> {
        points
            .iter()
            .map(|p| json!({"size": p.size, "fuel": p.fuel, "reads": p.reads, "writes": p.writes}))
            .collect()
    };
    let throughput: Vec<Json> = report
        .throughput
        .iter()
        .map(|(what, calls, rate)| json!({"what": what, "calls": calls, "calls_per_second": rate.round()}))
        .collect();
    json!({
        "wasm_bytes": report.wasm_bytes,
        "calls": calls,
        "consume_credit_growth": series(&report.bill_growth),
        "get_usage_report_growth": series(&report.report_growth),
        "throughput": throughput,
    })
}

/// The GenVM figures as text (or why they were not taken).
pub fn genvm_text(figures: &Result<GenvmFigures, TaskError>) -> String {
    match figures {
        Ok(f) => {
            let ms = |us: u128| format!("{}.{:02} ms", us / 1_000, us % 1_000 / 10);
            format!(
                "\nsame-day consume_credit on GenVM (median of {} calls)\n{}",
                f.calls,
                render::table(&[
                    vec!["engine".to_string(), "per call".into(), "module load".into()],
                    vec![format!("real executor ({})", f.executor), ms(f.real_us), ms(f.module_load_us)],
                    vec!["wasmi GenVM host".into(), ms(f.wasmi_us), "-".into()],
                ])
            )
        }
        Err(why) => format!("\nGenVM figures skipped: {why}\n"),
    }
}

/// The GenVM figures as JSON (null when they were not taken).
pub fn genvm_json(figures: &Result<GenvmFigures, TaskError>) -> Json {
    match figures {
        Ok(f) => json!({"calls": f.calls, "executor": f.executor, "real_median_us": f.real_us,
            "real_module_load_median_us": f.module_load_us, "wasmi_median_us": f.wasmi_us}),
        Err(why) => json!({"skipped": why.to_string()}),
    }
}
