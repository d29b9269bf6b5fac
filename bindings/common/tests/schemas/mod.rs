//! The typed requests and results every binding shares, as OpenAPI schemas by name: what the
//! Node and Python type generators (`node_types.rs`, `python_types.rs`) render.

use std::collections::BTreeMap;

use fotobase::image::{AlgorithmInfo, CompareAllResult, Comparison, Metric, Metrics, ResizeOptions};
use fotobase_bindings::{
    CompressInfo, CompressRequest, IdTokenClaims, OidcProvider, OidcStart, OptimizeRequest, Passkey, ProbeInfo,
    TargetSpec, TokenOptions,
};
use serde_json::Value;
use utoipa::ToSchema;

/// Rust names that the bindings have always spelt differently (their public API).
const PUBLIC_NAMES: &[(&str, &str)] = &[
    ("CompressRequest", "CompressOptions"),
    ("OptimizeRequest", "OptimizeOptions"),
    ("TokenOptions", "IssueOptions"),
    ("ProbeInfo", "ProbeResult"),
    ("Metadata", "PhotoMetadata"),
    ("Step", "SearchStep"),
    ("Metric", "MetricName"),
    ("TargetSpec", "Target"),
    // The core's resolved target, as a compare-all table reports it.
    ("Target", "ResolvedTarget"),
];

/// The name a binding gives the Rust type `rust`.
pub fn public_name(rust: &str) -> String {
    PUBLIC_NAMES.iter().find(|(r, _)| *r == rust).map_or(rust, |(_, t)| t).to_owned()
}

/// Every schema reachable from `T`, by Rust name.
fn collect<T: ToSchema>(out: &mut BTreeMap<String, Value>) {
    let mut found = vec![(T::name().into_owned(), T::schema())];
    T::schemas(&mut found);
    for (name, schema) in found {
        out.insert(name, serde_json::to_value(schema).expect("a schema is JSON"));
    }
}

/// The shared types' schemas by public name, in name order.
pub fn all() -> Vec<(String, Value)> {
    let mut schemas = BTreeMap::new();
    collect::<CompressRequest>(&mut schemas);
    collect::<OptimizeRequest>(&mut schemas);
    collect::<TargetSpec>(&mut schemas);
    collect::<ResizeOptions>(&mut schemas);
    collect::<TokenOptions>(&mut schemas);
    collect::<Metric>(&mut schemas);
    collect::<CompressInfo>(&mut schemas);
    collect::<ProbeInfo>(&mut schemas);
    collect::<Metrics>(&mut schemas);
    collect::<Comparison>(&mut schemas);
    collect::<CompareAllResult>(&mut schemas);
    collect::<AlgorithmInfo>(&mut schemas);
    collect::<OidcProvider>(&mut schemas);
    collect::<OidcStart>(&mut schemas);
    collect::<IdTokenClaims>(&mut schemas);
    collect::<Passkey>(&mut schemas);
    let mut named: Vec<(String, Value)> = schemas.into_iter().map(|(n, s)| (public_name(&n), s)).collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    named
}

/// The name a `$ref` points to, as the bindings spell it.
pub fn ref_name(schema: &Value) -> Option<String> {
    let r = schema.get("$ref")?.as_str()?;
    Some(public_name(r.rsplit('/').next().unwrap_or(r)))
}

/// A schema's properties in name order (serde_json keeps declaration order only where a
/// workspace build turns on its `preserve_order`, and the output must not depend on who
/// builds it), each with whether it is required.
pub fn properties(schema: &Value) -> Option<Vec<(&String, &Value, bool)>> {
    let props: BTreeMap<&String, &Value> = schema.get("properties")?.as_object()?.iter().collect();
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map_or(vec![], |r| r.iter().filter_map(Value::as_str).collect());
    Some(props.into_iter().map(|(k, v)| (k, v, required.contains(&k.as_str()))).collect())
}

/// The JSON types a schema allows (`"type": "x"` or `"type": ["x", "null"]`).
pub fn types(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    }
}
