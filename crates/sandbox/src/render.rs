//! Human-readable output: the usage report as a table, events and refusals as one line each, dates.

use api_usage_billing::Event;
use billing_chain::Refusal;
use serde_json::Value as Json;

use crate::json::value_to_json;
use billing_chain::Overview;

pub use billing_vm::time::utc;

fn field_text(json: &Json) -> String {
    match json {
        Json::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// `Name field=value field=value`.
pub fn event_line(event: &Event) -> String {
    let fields: Vec<String> =
        event.fields.iter().map(|(k, v)| format!("{k}={}", field_text(&value_to_json(v)))).collect();
    format!("{} {}", event.name, fields.join(" "))
}

/// `code: message {details}`.
pub fn refusal_line(refusal: &Refusal) -> String {
    let details = value_to_json(&refusal.details);
    let details = match details.as_object() {
        Some(map) if !map.is_empty() => {
            let parts: Vec<String> = map.iter().map(|(k, v)| format!("{k}={}", field_text(v))).collect();
            format!(" ({})", parts.join(", "))
        }
        _ => String::new(),
    };
    format!("{}: {}{details}", refusal.code, refusal.message)
}

/// The usage report JSON as a table.
pub fn report_table(report: &Json) -> String {
    let text = |key: &str| field_text(&report[key]);
    let mut out = format!(
        "consumer {}  day {} (usage resets {})\ncredit {} wei of {} wei funded{}\n",
        text("consumer"),
        text("day_id"),
        report["resets_at"].as_u64().map_or_else(|| text("resets_at"), utc),
        text("credit_balance_wei"),
        text("funded_wei"),
        if report["low_credit"] == Json::Bool(true) { "  ** low credit **" } else { "" },
    );
    let header = [
        "api",
        "sub",
        "calls",
        "limit",
        "left",
        "spend today",
        "cap",
        "left",
        "price",
        "accepted",
        "delegates",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
    for api in report["apis"].as_array().into_iter().flatten() {
        let cell = |key: &str| field_text(&api[key]);
        let delegates = api["delegates"].as_array().map_or(0, Vec::len);
        rows.push(vec![
            cell("api_name"),
            if api["active"] == Json::Bool(true) { "active".into() } else { "off".into() },
            cell("calls_today"),
            cell("api_daily_limit_calls"),
            cell("calls_remaining_today"),
            cell("spend_today_wei"),
            cell("consumer_max_daily_spend_wei"),
            cell("spend_remaining_today_wei"),
            cell("cost_per_call_wei"),
            cell("accepted_price_wei"),
            delegates.to_string(),
        ]);
    }
    if rows.len() == 1 {
        out.push_str("(no subscriptions)\n");
        return out;
    }
    out.push_str(&table(&rows));
    let mut limits = vec![["api", "delegate", "calls today", "daily limit"].map(String::from).to_vec()];
    for api in report["apis"].as_array().into_iter().flatten() {
        for limit in api["delegate_limits"].as_array().into_iter().flatten() {
            limits.push(vec![
                field_text(&api["api_name"]),
                field_text(&limit["delegate"]),
                field_text(&limit["calls_today"]),
                match &limit["max_daily_calls"] {
                    Json::Null => "unlimited".into(),
                    other => field_text(other),
                },
            ]);
        }
    }
    if limits.len() > 1 {
        out.push_str("\ndelegates\n");
        out.push_str(&table(&limits));
    }
    let alerts: Vec<String> = report["credit_alerts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|alert| {
            let state = if alert["armed"] == Json::Bool(true) { "armed" } else { "fired" };
            format!("{} % ({state})", field_text(&alert["percent"]))
        })
        .collect();
    if !alerts.is_empty() {
        out.push_str(&format!("low-credit alerts at {}\n", alerts.join(", ")));
    }
    out
}

/// `get_api_report`'s JSON as a table.
pub fn api_report_table(report: &Json) -> String {
    let text = |key: &str| field_text(&report[key]);
    let pending = match &report["pending_operator"] {
        Json::Null => String::new(),
        other => format!("  (handing over to {})", field_text(other)),
    };
    let mut out = format!(
        "api {}  operator {}{pending}\n{}  price {} wei  limit {} calls a day  subscribers {}\n",
        text("api_name"),
        text("operator"),
        if report["active"] == Json::Bool(true) { "active" } else { "paused" },
        text("cost_per_call_wei"),
        text("daily_limit_calls"),
        text("subscribers"),
    );
    let resets = report["resets_at"].as_u64().map_or_else(|| text("resets_at"), utc);
    out.push_str(&format!(
        "day {} (resets {resets}): {} calls, {} wei\nrevenue in all {} wei, earnings not yet withdrawn {} wei\n",
        text("day_id"),
        text("calls_today"),
        text("revenue_today_wei"),
        text("revenue_total_wei"),
        text("earnings_available_wei"),
    ));
    out
}

/// `get_usage_history`'s JSON list as a table.
pub fn history_table(days: &Json) -> String {
    let mut rows = vec![["day", "date", "calls", "spend (wei)"].map(String::from).to_vec()];
    for day in days.as_array().into_iter().flatten() {
        let date = day["day_id"].as_u64().map_or_else(String::new, |d| utc(d * 86_400)[..10].to_string());
        rows.push(vec![
            field_text(&day["day_id"]),
            date,
            field_text(&day["calls"]),
            field_text(&day["spend_wei"]),
        ]);
    }
    if rows.len() == 1 {
        return "(no usage)\n".to_string();
    }
    table(&rows)
}

/// Left-aligned text, right-aligned numbers, columns two spaces apart.
pub fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().filter_map(|r| r.get(c)).map(|s| s.chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| {
                if !cell.is_empty() && cell.bytes().all(|b| b.is_ascii_digit()) {
                    format!("{cell:>width$}")
                } else {
                    format!("{cell:<width$}")
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// Balances and APIs.
pub fn overview(overview: &Overview) -> String {
    let mut out = format!(
        "block time {} ({})  calls {}  minted by the faucet {} wei\n\nbalances\n",
        overview.now,
        utc(overview.now),
        overview.calls,
        overview.minted
    );
    let mut rows = vec![vec!["account".to_string(), "wei".to_string()]];
    for (address, balance) in &overview.balances {
        let name = if *address == billing_chain::CONTRACT {
            format!("{} (contract)", address.to_hex())
        } else {
            address.to_hex()
        };
        rows.push(vec![name, balance.to_string()]);
    }
    out.push_str(&table(&rows));
    out.push_str("\napis\n");
    let mut rows =
        vec![["api", "operator", "price", "limit", "state", "earnings"].map(String::from).to_vec()];
    for api in &overview.apis {
        rows.push(vec![
            api.name.clone(),
            api.operator.to_hex(),
            api.cost_per_call_wei.to_string(),
            api.daily_limit_calls.to_string(),
            if api.active { "active".into() } else { "paused".into() },
            api.earnings_wei.to_string(),
        ]);
    }
    if overview.apis.is_empty() {
        out.push_str("(none)\n");
    } else {
        out.push_str(&table(&rows));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::utc;

    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_767_225_600), "2026-01-01 00:00:00 UTC");
        assert_eq!(utc(1_767_225_600 + 86_399), "2026-01-01 23:59:59 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
    }
}
