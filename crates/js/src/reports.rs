//! The contract's JSON reports read against their declared fields (`api_usage_billing::schema`), every
//! integer re-tagged (`{"int": …}`) so that JavaScript gets it as a BigInt, not a float.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use api_usage_billing::schema::{
    FieldKind, Fields, API_REPORT, HISTORY_DAY, REPORT, REPORT_API, REPORT_CREDIT_ALERT,
    REPORT_DELEGATE_LIMIT,
};
use serde_json::{json, Map, Value as Json};

/// Which report a text is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Report {
    Usage,
    Api,
    History,
}

/// Reads `text` as `report`; the error names the first field that is missing or of the wrong kind.
pub fn parse(report: Report, text: &str) -> Result<Json, String> {
    let json: Json = serde_json::from_str(text).map_err(|_| "the report is not JSON".to_string())?;
    match report {
        Report::Usage => object(&json, REPORT, "report"),
        Report::Api => object(&json, API_REPORT, "api report"),
        Report::History => match &json {
            Json::Array(days) => days.iter().map(|day| object(day, HISTORY_DAY, "history day")).collect(),
            _ => Err("the history is not a list".to_string()),
        },
    }
}

fn object(json: &Json, fields: Fields, what: &str) -> Result<Json, String> {
    let Json::Object(entries) = json else {
        return Err(join(&[what, " is not an object"]));
    };
    let mut out = Map::new();
    for (name, kind) in fields {
        let value = entries.get(*name).ok_or_else(|| join(&[what, " lacks ", name]))?;
        let nested = match *name {
            "apis" => Some((REPORT_API, "report api")),
            "credit_alerts" => Some((REPORT_CREDIT_ALERT, "credit alert")),
            "delegate_limits" => Some((REPORT_DELEGATE_LIMIT, "delegate limit")),
            _ => None,
        };
        let converted = match nested {
            Some((item_fields, item)) => match value {
                Json::Array(items) => {
                    items.iter().map(|entry| object(entry, item_fields, item)).collect::<Result<_, _>>()?
                }
                _ => return Err(join(&[what, ": ", name, " is not a list"])),
            },
            None => field(value, *kind)
                .ok_or_else(|| join(&[what, ": ", name, " is not what the schema says"]))?,
        };
        out.insert((*name).to_string(), converted);
    }
    Ok(Json::Object(out))
}

fn field(value: &Json, kind: FieldKind) -> Option<Json> {
    match kind {
        FieldKind::Wei => {
            let text = value.as_str()?;
            crate::units::parse_wei(text).ok()?;
            Some(json!({ "int": text }))
        }
        FieldKind::Count | FieldKind::Day | FieldKind::Timestamp => {
            Some(json!({ "int": value.as_u64()?.to_string() }))
        }
        FieldKind::Bool => value.as_bool().map(Json::Bool),
        FieldKind::Address | FieldKind::ApiName | FieldKind::Text => value.as_str().map(Json::from),
        FieldKind::OptionalAddress => match value {
            Json::Null => Some(Json::Null),
            Json::String(text) => Some(Json::from(text.as_str())),
            _ => None,
        },
        FieldKind::OptionalCount => match value {
            Json::Null => Some(Json::Null),
            other => Some(json!({ "int": other.as_u64()?.to_string() })),
        },
        FieldKind::Percents => {
            let items = value.as_array()?;
            let ints = items
                .iter()
                .map(|item| item.as_u64().map(|n| json!({ "int": n.to_string() })))
                .collect::<Option<Vec<_>>>()?;
            Some(Json::Array(ints))
        }
        FieldKind::Addresses => {
            let items = value.as_array()?;
            let texts = items.iter().map(|item| item.as_str().map(Json::from)).collect::<Option<Vec<_>>>()?;
            Some(Json::Array(texts))
        }
    }
}

fn join(parts: &[&str]) -> String {
    parts.concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT_TEXT: &str = r#"{"consumer":"0xa1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1","day_id":20454,"credit_balance_wei":"90","apis":[{"api_name":"weather","calls_today":1,"spend_today_wei":"10","cost_per_call_wei":"10","api_daily_limit_calls":5,"consumer_max_daily_spend_wei":"30","active":true,"accepted_price_wei":"10","calls_remaining_today":4,"spend_remaining_today_wei":"20","delegates":["0xdadadadadadadadadadadadadadadadadadadada"],"delegate_limits":[{"delegate":"0xdadadadadadadadadadadadadadadadadadadada","max_daily_calls":3,"calls_today":1}]}],"resets_at":18446744073709551615,"funded_wei":"100","low_credit":false,"credit_alerts":[{"percent":20,"armed":true}]}"#;

    #[test]
    fn a_report_keeps_every_integer_exact() {
        let parsed = parse(Report::Usage, REPORT_TEXT).unwrap();
        assert_eq!(parsed["resets_at"], json!({"int": "18446744073709551615"}));
        assert_eq!(parsed["credit_balance_wei"], json!({"int": "90"}));
        assert_eq!(parsed["apis"][0]["calls_today"], json!({"int": "1"}));
        assert_eq!(parsed["apis"][0]["delegates"][0], json!("0xdadadadadadadadadadadadadadadadadadadada"));
        assert_eq!(parsed["low_credit"], json!(false));
        assert_eq!(parsed["apis"][0]["delegate_limits"][0]["max_daily_calls"], json!({"int": "3"}));
        assert_eq!(parsed["credit_alerts"][0], json!({"percent": {"int": "20"}, "armed": true}));
    }

    #[test]
    fn a_wrong_report_names_its_field() {
        assert_eq!(parse(Report::Usage, "[]"), Err("report is not an object".to_string()));
        let wrong = REPORT_TEXT.replace("\"credit_balance_wei\":\"90\"", "\"credit_balance_wei\":90");
        assert_eq!(
            parse(Report::Usage, &wrong),
            Err("report: credit_balance_wei is not what the schema says".to_string())
        );
        assert_eq!(parse(Report::History, "{}"), Err("the history is not a list".to_string()));
        assert_eq!(
            parse(Report::History, r#"[{"day_id":1,"calls":2}]"#),
            Err("history day lacks spend_wei".to_string())
        );
        assert_eq!(parse(Report::Api, "nope"), Err("the report is not JSON".to_string()));
    }
}
