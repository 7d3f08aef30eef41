//! Writes `schema/`: the GenLayer contract schema (`contract.json`, which the contract also answers
//! `get_schema` with) and JSON Schemas of the usage report, the receipt, the events and the refusal.

use api_usage_billing::schema::{
    FieldKind, Fields, API_REPORT, EVENTS, HISTORY_DAY, RECEIPT, REPORT, REPORT_API, REPORT_CREDIT_ALERT,
    REPORT_DELEGATE_LIMIT,
};
use api_usage_billing::{Error, ParamType, ReturnType, METHODS};
use serde_json::{json, Map, Value as Json};

/// Every file of `schema/`, by name, with its content.
pub fn files() -> Vec<(&'static str, String)> {
    let pretty = |value: Json| serde_json::to_string_pretty(&value).unwrap_or_default() + "\n";
    vec![
        ("contract.json", contract_schema()),
        ("usage_report.schema.json", pretty(usage_report())),
        (
            "api_report.schema.json",
            pretty(document(
                "get_api_report: the JSON string the contract returns",
                object("api report", API_REPORT, false),
            )),
        ),
        (
            "usage_history.schema.json",
            pretty(document(
                "get_usage_history: the last 30 days with usage, newest first",
                json!({"type": "array", "maxItems": 30, "items": object("day", HISTORY_DAY, false)}),
            )),
        ),
        ("receipt.schema.json", pretty(receipt())),
        ("events.schema.json", pretty(events())),
        ("error.schema.json", pretty(error())),
        ("preview_bill.schema.json", pretty(preview_bill())),
    ]
}

/// GenLayer's type name of a parameter; a list is `[{"$rep": item}]`, as GenLayer's schemas write one.
fn genlayer_type(param: ParamType) -> Json {
    match param {
        ParamType::Str => json!("string"),
        ParamType::Int => json!("int"),
        ParamType::Bool => json!("bool"),
        ParamType::Address => json!("address"),
        ParamType::IntList => json!([{"$rep": "int"}]),
    }
}

/// GenLayer's contract-schema form, compact, methods by name (as `#get-schema` answers).
pub fn contract_schema() -> String {
    let mut methods: Vec<_> = METHODS.iter().filter(|m| m.listed).collect();
    methods.sort_by_key(|m| m.name);
    let mut out = Map::new();
    for method in methods {
        let params: Vec<Json> =
            method.params.iter().map(|(name, t)| json!([name, genlayer_type(*t)])).collect();
        let ret = match method.returns {
            ReturnType::Null => json!("null"),
            ReturnType::Str => json!("string"),
            ReturnType::Receipt => json!({"$dict": "int"}),
            ReturnType::Preview => json!({"$dict": "any"}),
        };
        let mut entry = Map::new();
        entry.insert("params".into(), Json::Array(params));
        entry.insert("kwparams".into(), json!({}));
        entry.insert("readonly".into(), Json::Bool(method.readonly));
        entry.insert("ret".into(), ret);
        if !method.readonly {
            entry.insert("payable".into(), Json::Bool(method.payable));
        }
        out.insert(method.name.into(), Json::Object(entry));
    }
    json!({"ctor": {"params": [], "kwparams": {}}, "methods": out}).to_string()
}

/// A field as JSON: in calldata printed as JSON every int is a decimal string; in the report the
/// contract writes itself, counts and times are JSON numbers.
fn field(kind: FieldKind, ints_as_strings: bool) -> Json {
    let decimal = json!({"type": "string", "pattern": "^[0-9]+$"});
    let count = if ints_as_strings { decimal.clone() } else { json!({"type": "integer", "minimum": 0}) };
    match kind {
        FieldKind::Address => json!({"type": "string", "pattern": "^0x[0-9a-f]{40}$"}),
        FieldKind::ApiName => json!({"type": "string", "pattern": "^[a-z0-9._:/-]{1,64}$"}),
        FieldKind::Wei => json!({"description": "wei, u128", "type": "string", "pattern": "^[0-9]+$"}),
        FieldKind::Count | FieldKind::Day | FieldKind::Timestamp => count,
        FieldKind::Bool => json!({"type": "boolean"}),
        FieldKind::Text => json!({"type": "string"}),
        FieldKind::Addresses => {
            json!({"type": "array", "items": {"type": "string", "pattern": "^0x[0-9a-f]{40}$"}})
        }
        FieldKind::OptionalAddress => json!({"type": ["string", "null"], "pattern": "^0x[0-9a-f]{40}$"}),
        FieldKind::Percents => {
            let percent = if ints_as_strings {
                decimal.clone()
            } else {
                json!({"type": "integer", "minimum": 1, "maximum": 99})
            };
            json!({"type": "array", "minItems": 1, "maxItems": 4, "items": percent})
        }
        FieldKind::OptionalCount => {
            if ints_as_strings {
                json!({"type": ["string", "null"], "pattern": "^[0-9]+$"})
            } else {
                json!({"type": ["integer", "null"], "minimum": 0})
            }
        }
    }
}

fn object(title: &str, fields: Fields, ints_as_strings: bool) -> Json {
    let mut properties = Map::new();
    for (name, kind) in fields {
        properties.insert((*name).into(), field(*kind, ints_as_strings));
    }
    let required: Vec<&str> = fields.iter().map(|(name, _)| *name).collect();
    json!({"title": title, "type": "object", "properties": properties, "required": required, "additionalProperties": false})
}

fn document(title: &str, mut body: Json) -> Json {
    let mut out = Map::new();
    out.insert("$schema".into(), json!("https://json-schema.org/draft/2020-12/schema"));
    if let Json::Object(entries) = body.take() {
        out.extend(entries);
    }
    out.insert("title".into(), json!(title));
    Json::Object(out)
}

fn usage_report() -> Json {
    let mut report = object("usage report", REPORT, false);
    let mut api = object("api usage", REPORT_API, false);
    api["properties"]["delegate_limits"] = json!({"type": "array", "maxItems": 16, "items": object("delegate limit", REPORT_DELEGATE_LIMIT, false)});
    report["properties"]["apis"] = json!({"type": "array", "items": api});
    report["properties"]["credit_alerts"] =
        json!({"type": "array", "maxItems": 4, "items": object("credit alert", REPORT_CREDIT_ALERT, false)});
    document("get_usage_report: the JSON string the contract returns (compact, fields in this order)", report)
}

fn receipt() -> Json {
    document(
        "consume_credit receipt, as JSON clients print calldata (ints as decimal strings)",
        object("receipt", RECEIPT, true),
    )
}

fn events() -> Json {
    let mut defs = Map::new();
    let mut one_of = Vec::new();
    for (name, fields) in EVENTS {
        let body = json!({
            "type": "object",
            "properties": {"name": {"const": name}, "fields": object(name, fields, true)},
            "required": ["name", "fields"],
            "additionalProperties": false,
        });
        defs.insert((*name).into(), body);
        one_of.push(json!({"$ref": format!("#/$defs/{name}")}));
    }
    document(
        "an event as the sandbox prints it: {name, fields}; on the wasm ABI [name, [[field, value], ...]]",
        json!({"oneOf": one_of, "$defs": defs}),
    )
}

/// `preview_bill`'s answer: the receipt the bill would give, or the refusal it would give.
fn preview_bill() -> Json {
    let mut refusal = refusal_object();
    refusal["properties"]["allowed"] = json!({"const": false});
    refusal["required"] = json!(["allowed", "code", "message", "details"]);
    let allowed = json!({
        "type": "object",
        "properties": {"allowed": {"const": true}, "receipt": object("receipt", RECEIPT, true)},
        "required": ["allowed", "receipt"],
        "additionalProperties": false,
    });
    document(
        "preview_bill: what consume_credits(api_name, consumer_address, calls, 0) by the same sender would \
         answer now, as JSON clients print calldata (ints as decimal strings)",
        json!({"oneOf": [allowed, refusal]}),
    )
}

fn error() -> Json {
    document(
        "a refusal: the calldata map {code, details, message} the contract reverts with",
        refusal_object(),
    )
}

fn refusal_object() -> Json {
    json!({
        "type": "object",
        "properties": {
            "code": {"enum": Error::CODES},
            "message": {"type": "string"},
            "details": {"type": "object", "description": "figures of the refusal, e.g. reason, attempted_calls, max_calls; ints as decimal strings"},
        },
        "required": ["code", "message", "details"],
        "additionalProperties": false,
    })
}
