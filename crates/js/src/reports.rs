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

/// Why a text is not the report it should be: the first field that is missing or of the wrong kind.
/// `what` is the object it is in (`report`, `report api`, `history day`…).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReportError {
    NotJson,
    HistoryNotAList,
    NotAnObject { what: &'static str },
    Lacks { what: &'static str, field: &'static str },
    NotAList { what: &'static str, field: &'static str },
    NotTheSchemas { what: &'static str, field: &'static str },
}

impl ReportError {
    /// The message JavaScript throws (built without `core::fmt`, like every text of this crate).
    pub fn message(&self) -> String {
        match *self {
            ReportError::NotJson => "the report is not JSON".to_string(),
            ReportError::HistoryNotAList => "the history is not a list".to_string(),
            ReportError::NotAnObject { what } => [what, " is not an object"].concat(),
            ReportError::Lacks { what, field } => [what, " lacks ", field].concat(),
            ReportError::NotAList { what, field } => [what, ": ", field, " is not a list"].concat(),
            ReportError::NotTheSchemas { what, field } => {
                [what, ": ", field, " is not what the schema says"].concat()
            }
        }
    }
}

/// Reads `text` as `report`; the error names the first field that is missing or of the wrong kind.
pub fn parse(report: Report, text: &str) -> Result<Json, ReportError> {
    let json: Json = serde_json::from_str(text).map_err(|_| ReportError::NotJson)?;
    match report {
        Report::Usage => object(&json, REPORT, "report"),
        Report::Api => object(&json, API_REPORT, "api report"),
        Report::History => match &json {
            Json::Array(days) => days.iter().map(|day| object(day, HISTORY_DAY, "history day")).collect(),
            _ => Err(ReportError::HistoryNotAList),
        },
    }
}

fn object(json: &Json, fields: Fields, what: &'static str) -> Result<Json, ReportError> {
    let Json::Object(entries) = json else {
        return Err(ReportError::NotAnObject { what });
    };
    let mut out = Map::new();
    for (name, kind) in fields {
        let field = *name;
        let value = entries.get(field).ok_or(ReportError::Lacks { what, field })?;
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
                _ => return Err(ReportError::NotAList { what, field }),
            },
            None => convert(value, *kind).ok_or(ReportError::NotTheSchemas { what, field })?,
        };
        out.insert((*name).to_string(), converted);
    }
    Ok(Json::Object(out))
}

fn convert(value: &Json, kind: FieldKind) -> Option<Json> {
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
        let message = |report, text: &str| parse(report, text).map_err(|e| e.message());
        assert_eq!(message(Report::Usage, "[]"), Err("report is not an object".to_string()));
        let wrong = REPORT_TEXT.replace("\"credit_balance_wei\":\"90\"", "\"credit_balance_wei\":90");
        assert_eq!(
            parse(Report::Usage, &wrong),
            Err(ReportError::NotTheSchemas { what: "report", field: "credit_balance_wei" })
        );
        assert_eq!(
            message(Report::Usage, &wrong),
            Err("report: credit_balance_wei is not what the schema says".to_string())
        );
        assert_eq!(message(Report::History, "{}"), Err("the history is not a list".to_string()));
        assert_eq!(
            message(Report::History, r#"[{"day_id":1,"calls":2}]"#),
            Err("history day lacks spend_wei".to_string())
        );
        assert_eq!(message(Report::Api, "nope"), Err("the report is not JSON".to_string()));
        let nested = REPORT_TEXT.replace("\"apis\":[", "\"apis\":{\"x\":[").replace("}]}],", "}]}]},");
        assert_eq!(message(Report::Usage, &nested), Err("report: apis is not a list".to_string()));
    }
}
