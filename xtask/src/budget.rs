//! Budgets: the figures CI holds the contract to (budgets.json, checked in). A figure over its budget
//! fails; one well under it fails too, asking for the budget to come down (a ratchet).

use serde_json::{json, Map, Value as Json};

use crate::costs::Cost;
use crate::error::TaskError;

/// How far under budget a figure may fall before the budget must be lowered.
pub const RATCHET_SLACK: f64 = 0.03;
/// Headroom `--write` leaves above each measured figure.
pub const HEADROOM: f64 = 0.01;

/// The budgeted figures of a measurement, by name.
pub fn figures(wasm_bytes: usize, calls: &[Cost]) -> Vec<(String, u64)> {
    let mut out = vec![("wasm_bytes".to_string(), wasm_bytes as u64)];
    for call in calls {
        out.push((format!("fuel {}: {}", call.method, call.case), call.fuel));
    }
    if let Some(bill) = calls.iter().find(|c| c.method == "consume_credit" && c.case.starts_with("same-day"))
    {
        out.push(("consume_credit same-day storage reads".into(), u64::from(bill.reads)));
        out.push(("consume_credit same-day storage writes".into(), u64::from(bill.writes)));
    }
    out
}

/// budgets.json content for `figures`, with a little headroom (storage operations get none).
pub fn write(figures: &[(String, u64)]) -> String {
    let mut map = Map::new();
    for (name, value) in figures {
        let budget =
            if name.contains("storage") { *value } else { (*value as f64 * (1.0 + HEADROOM)).ceil() as u64 };
        map.insert(name.clone(), json!(budget));
    }
    serde_json::to_string_pretty(&Json::Object(map)).unwrap_or_default() + "\n"
}

/// Every figure checked against `budgets` (the JSON of budgets.json): the problems, if any.
pub fn check(figures: &[(String, u64)], budgets: &str) -> Result<Vec<String>, TaskError> {
    let budgets: Json = serde_json::from_str(budgets).map_err(TaskError::Budgets)?;
    let mut problems = Vec::new();
    for (name, actual) in figures {
        let Some(budget) = budgets.get(name).and_then(Json::as_u64) else {
            problems.push(format!("{name}: {actual}, but budgets.json has no budget for it"));
            continue;
        };
        if *actual > budget {
            problems.push(format!("over budget: {name} is {actual}, the budget is {budget}"));
        } else if (*actual as f64) < budget as f64 * (1.0 - RATCHET_SLACK)
            || (name.contains("storage") && *actual < budget)
        {
            problems.push(format!(
                "better than budget: {name} is {actual}, the budget is {budget}; lower it in budgets.json \
                 (`cargo budget --write` rewrites the file)"
            ));
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_budget_fails_and_much_better_asks_to_lower_the_budget() {
        let budgets = r#"{"wasm_bytes": 1000, "fuel x": 100, "consume_credit same-day storage reads": 3}"#;
        let fine = [("wasm_bytes".to_string(), 990), ("fuel x".to_string(), 100)];
        assert_eq!(check(&fine, budgets).unwrap(), Vec::<String>::new());
        let over = [("wasm_bytes".to_string(), 1001)];
        assert!(check(&over, budgets).unwrap()[0].starts_with("over budget: wasm_bytes"));
        let better = [("fuel x".to_string(), 90)];
        assert!(check(&better, budgets).unwrap()[0].starts_with("better than budget: fuel x"));
        let fewer_reads = [("consume_credit same-day storage reads".to_string(), 2)];
        assert!(check(&fewer_reads, budgets).unwrap()[0].starts_with("better than budget"));
        let unknown = [("fuel y".to_string(), 1)];
        assert!(check(&unknown, budgets).unwrap()[0].contains("no budget"));
        assert!(write(&fine).contains("\"fuel x\": 101"));
    }
}
