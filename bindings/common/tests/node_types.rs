//! The Node package's TypeScript declarations, rendered from the typed requests and
//! results every binding shares (their OpenAPI schemas), so `index.d.ts` cannot drift
//! from what the addon accepts and returns. Property names are camelCased as the addon
//! converts them; what has no Rust type (errors, JWT claims, Node-only options) is
//! written by hand in `bindings/node/dts-handwritten.d.ts` and appended.
//!
//! The test fails when `bindings/node/dts-header.d.ts` is stale; `FOTOBASE_BLESS=1`
//! rewrites it.
#![cfg(feature = "openapi")]

use std::path::PathBuf;

use fotobase_bindings::camel;
use serde_json::Value;

mod schemas;

fn render_all() -> String {
    let mut out = String::from(
        "/* Generated from the Rust types by bindings/common/tests/node_types.rs (FOTOBASE_BLESS=1 rewrites it);\n   \
         napi-rs puts it at the top of index.d.ts. Edit the Rust types, or dts-handwritten.d.ts. */\n/* eslint-disable */\n",
    );
    for (name, schema) in &schemas::all() {
        out.push('\n');
        out.push_str(&doc(schema, ""));
        match object_body(schema, "") {
            Some(body) => out.push_str(&format!("export interface {name} {body}\n")),
            None => out.push_str(&format!("export type {name} = {}\n", ty(schema, ""))),
        }
    }
    out.push('\n');
    out.push_str(&std::fs::read_to_string(node_dir().join("dts-handwritten.d.ts")).expect("dts-handwritten.d.ts"));
    out
}

/// A JSDoc comment from a schema's description.
fn doc(schema: &Value, indent: &str) -> String {
    let Some(text) = schema.get("description").and_then(Value::as_str) else { return String::new() };
    let lines: Vec<&str> = text.trim().lines().collect();
    if lines.len() == 1 {
        return format!("{indent}/** {} */\n", lines[0].trim());
    }
    let mut out = format!("{indent}/**\n");
    for l in lines {
        out.push_str(&format!("{indent} * {}\n", l.trim()).replace(" * \n", " *\n"));
    }
    out + &format!("{indent} */\n")
}

/// `{ name: T; … }` for a schema with properties, one member a line.
fn object_body(schema: &Value, indent: &str) -> Option<String> {
    let props = schemas::properties(schema)?;
    let inner = format!("{indent}  ");
    let mut out = String::from("{\n");
    for (key, prop, required) in props {
        let optional = if required { "" } else { "?" };
        out.push_str(&doc(prop, &inner));
        out.push_str(&format!("{inner}{}{optional}: {}\n", camel(key), ty(prop, &inner)));
    }
    out.push_str(indent);
    out.push('}');
    Some(out)
}

/// A schema as a TypeScript type expression.
fn ty(schema: &Value, indent: &str) -> String {
    if let Some(name) = schemas::ref_name(schema) {
        return name;
    }
    for (key, sep) in [("oneOf", " | "), ("anyOf", " | "), ("allOf", " & ")] {
        if let Some(list) = schema.get(key).and_then(Value::as_array) {
            return list.iter().map(|s| wrap(ty(s, indent))).collect::<Vec<_>>().join(sep);
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values.iter().map(Value::to_string).collect::<Vec<_>>().join(" | ");
    }
    let types = schemas::types(schema);
    if types.is_empty() {
        return "unknown".into();
    }
    types.iter().map(|t| one_type(t, schema, indent)).collect::<Vec<_>>().join(" | ")
}

fn one_type(t: &str, schema: &Value, indent: &str) -> String {
    match t {
        "string" => "string".into(),
        "integer" | "number" => "number".into(),
        "boolean" => "boolean".into(),
        "null" => "null".into(),
        "array" => format!("{}[]", wrap(schema.get("items").map_or("unknown".into(), |i| ty(i, indent)))),
        "object" => match (object_body(schema, indent), schema.get("additionalProperties")) {
            (Some(body), _) => body,
            (None, Some(v @ Value::Object(_))) => format!("Record<string, {}>", ty(v, indent)),
            (None, _) => "Record<string, unknown>".into(),
        },
        other => panic!("no TypeScript for schema type {other:?}"),
    }
}

/// Parentheses where a union or intersection meets `[]`, `|` or `&`.
fn wrap(t: String) -> String {
    if (t.contains(" | ") || t.contains(" & ")) && !t.starts_with('{') { format!("({t})") } else { t }
}

fn node_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../node")
}

#[test]
fn the_node_declarations_are_generated_from_the_rust_types() {
    let want = render_all();
    let path = node_dir().join("dts-header.d.ts");
    if std::env::var_os("FOTOBASE_BLESS").is_some() {
        std::fs::write(&path, &want).expect("write dts-header.d.ts");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "bindings/node/dts-header.d.ts is not what the Rust types say; rerun with FOTOBASE_BLESS=1 \
         (cargo test -p fotobase-bindings --features openapi --test node_types) and review the diff"
    );
}
