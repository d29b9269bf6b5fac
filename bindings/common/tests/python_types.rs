//! The Python package's types, rendered from the typed requests and results every binding
//! shares (their OpenAPI schemas): `fotobase/types.py` holds a `TypedDict` for each dict the
//! extension takes or returns (the keys are the same snake_case in every binding), and the
//! error classes in `__init__.pyi` follow the core's list of codes. The stubs written by hand
//! (functions and classes of the extension) annotate with these, so they cannot drift from
//! what the extension accepts and returns.
//!
//! The test fails when either file is stale; `FOTOBASE_BLESS=1` rewrites them.
#![cfg(feature = "openapi")]

use std::path::PathBuf;

use fotobase::ErrorKind;
use serde_json::Value;

mod schemas;

fn package_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../python/python/fotobase")
}

/// `fotobase/types.py`.
fn render_types() -> String {
    let mut out = String::from(
        "\"\"\"Shapes of the dicts fotobase takes and returns, the same keys in every binding.\n\n\
         Generated from the Rust types by bindings/common/tests/python_types.rs (FOTOBASE_BLESS=1\n\
         rewrites it): edit the Rust types, not this file. Importable at run time for annotations:\n\
         ``from fotobase.types import ProbeResult``.\n\"\"\"\n\n\
         from __future__ import annotations\n\n\
         from typing import Any, Dict, List, Literal, TypedDict, Union\n",
    );
    let mut names = Vec::new();
    for (name, schema) in &schemas::all() {
        names.push(name.clone());
        out.push_str("\n\n");
        match schemas::properties(schema) {
            Some(props) => out.push_str(&typed_dict(name, schema, &props)),
            None => {
                out.push_str(&format!("{name} = {}\n", ty(schema, true)));
                out.push_str(&docstring(schema, ""));
            }
        }
    }
    out.push_str("\n\n__all__ = [\n");
    for n in names {
        out.push_str(&format!("    \"{n}\",\n"));
    }
    out.push_str("]\n");
    out
}

/// A `TypedDict`; optional keys go in a `total=False` subclass of the required ones (Python 3.9
/// has no `NotRequired`).
fn typed_dict(name: &str, schema: &Value, props: &[(&String, &Value, bool)]) -> String {
    let field = |(key, prop, _): &(&String, &Value, bool)| {
        format!("    {key}: {}\n{}", ty(prop, false), docstring(prop, "    "))
    };
    let (required, optional): (Vec<_>, Vec<_>) = props.iter().copied().partition(|p| p.2);
    let mut out = String::new();
    let base = if required.is_empty() || optional.is_empty() {
        "TypedDict".to_owned()
    } else {
        out.push_str(&format!("class _{name}Required(TypedDict):\n"));
        required.iter().for_each(|p| out.push_str(&field(p)));
        out.push_str("\n\n");
        format!("_{name}Required")
    };
    let total = if optional.is_empty() { "" } else { ", total=False" };
    out.push_str(&format!("class {name}({base}{total}):\n"));
    out.push_str(&docstring(schema, "    "));
    let own = if base == "TypedDict" { props.to_vec() } else { optional };
    if own.is_empty() && schema.get("description").is_none() {
        out.push_str("    pass\n");
    }
    own.iter().for_each(|p| out.push_str(&field(p)));
    out
}

/// A docstring from a schema's description (statement form: the convention for fields too).
fn docstring(schema: &Value, indent: &str) -> String {
    let Some(text) = schema.get("description").and_then(Value::as_str) else { return String::new() };
    let text = text.trim().replace('\\', "\\\\").replace("\"\"\"", "\\\"\\\"\\\"");
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    if lines.len() == 1 {
        return format!("{indent}\"\"\"{}\"\"\"\n", lines[0]);
    }
    let mut out = format!("{indent}\"\"\"{}\n", lines[0]);
    for l in &lines[1..] {
        out.push_str(&if l.is_empty() { "\n".to_owned() } else { format!("{indent}{l}\n") });
    }
    out + &format!("{indent}\"\"\"\n")
}

/// A schema as a Python type expression; `quoted` puts names of other types in quotes, for
/// aliases that run before those types exist (fields are strings anyway, by `__future__`).
fn ty(schema: &Value, quoted: bool) -> String {
    if let Some(name) = schemas::ref_name(schema) {
        return if quoted { format!("\"{name}\"") } else { name };
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(list) = schema.get(key).and_then(Value::as_array) {
            let parts: Vec<String> = list.iter().map(|s| ty(s, quoted)).collect();
            return union(parts);
        }
    }
    if let Some(list) = schema.get("allOf").and_then(Value::as_array)
        && let [one] = list.as_slice()
    {
        return ty(one, quoted);
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let literals: Vec<String> = values.iter().map(Value::to_string).collect();
        return format!("Literal[{}]", literals.join(", "));
    }
    let types = schemas::types(schema);
    if types.is_empty() {
        return "Any".into();
    }
    union(types.iter().map(|t| one_type(t, schema, quoted)).collect())
}

fn union(mut parts: Vec<String>) -> String {
    parts.dedup();
    if parts.len() == 1 { parts.remove(0) } else { format!("Union[{}]", parts.join(", ")) }
}

fn one_type(t: &str, schema: &Value, quoted: bool) -> String {
    match t {
        "string" => "str".into(),
        "integer" => "int".into(),
        "number" => "float".into(),
        "boolean" => "bool".into(),
        "null" => "None".into(),
        "array" => format!("List[{}]", schema.get("items").map_or("Any".into(), |i| ty(i, quoted))),
        // An object without a name of its own: Python has no inline TypedDict.
        "object" => match schema.get("additionalProperties") {
            Some(v @ Value::Object(_)) if schemas::properties(schema).is_none() => {
                format!("Dict[str, {}]", ty(v, quoted))
            }
            _ => "Dict[str, Any]".into(),
        },
        other => panic!("no Python type for schema type {other:?}"),
    }
}

/// `__init__.pyi` with its generated part (the error classes and their `__all__` entries,
/// between the markers) made from the core's list of error kinds.
fn render_stub(have: &str) -> String {
    let classes: Vec<String> = ErrorKind::ALL.iter().map(|k| class_name(k.code())).collect();
    let mut stub = have.to_owned();
    let block = classes.iter().map(|c| format!("class {c}(FotobaseError): ...\n")).collect::<String>();
    replace_between(&mut stub, "# BEGIN error classes (generated)\n", "# END error classes\n", &block);
    let all = classes.iter().map(|c| format!("    \"{c}\",\n")).collect::<String>();
    replace_between(&mut stub, "    # BEGIN error classes (generated)\n", "    # END error classes\n", &all);
    stub
}

/// `token_not_yet_valid` → `TokenNotYetValidError`, as the extension names its classes.
fn class_name(code: &str) -> String {
    let mut name: String = code
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or(String::new(), |f| f.to_ascii_uppercase().to_string() + c.as_str())
        })
        .collect();
    name.push_str("Error");
    name
}

fn replace_between(text: &mut String, start: &str, end: &str, with: &str) {
    let from = text.find(start).unwrap_or_else(|| panic!("__init__.pyi lacks the marker {start:?}")) + start.len();
    let to = from + text[from..].find(end).unwrap_or_else(|| panic!("__init__.pyi lacks the marker {end:?}"));
    text.replace_range(from..to, with);
}

#[test]
fn the_python_types_are_generated_from_the_rust_types() {
    let stub_path = package_dir().join("__init__.pyi");
    let have_stub = std::fs::read_to_string(&stub_path).expect("__init__.pyi");
    let files = [(package_dir().join("types.py"), render_types()), (stub_path, render_stub(&have_stub))];
    if std::env::var_os("FOTOBASE_BLESS").is_some() {
        for (path, want) in &files {
            std::fs::write(path, want).expect("write the generated Python types");
        }
        return;
    }
    for (path, want) in files {
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "{} is not what the Rust types say; rerun with FOTOBASE_BLESS=1 \
             (cargo test -p fotobase-bindings --features openapi --test python_types) and review the diff",
            path.display()
        );
    }
}

#[test]
fn class_names_follow_the_extension() {
    assert_eq!(class_name("token_not_yet_valid"), "TokenNotYetValidError");
    assert_eq!(class_name("quota_exceeded"), "QuotaExceededError");
}
