//! Key spelling at the language boundary: options and results are snake_case
//! here; JavaScript, Kotlin and Swift callers see camelCase.

use serde_json::{Map, Value};

/// `max_bytes` → `maxBytes`, recursively through objects and arrays.
pub fn keys_to_camel(v: Value) -> Value {
    rename(v, &camel)
}

/// `max_bytes` → `maxBytes`: one name as JavaScript, Kotlin and Swift spell it.
pub fn camel(k: &str) -> String {
    let mut out = String::with_capacity(k.len());
    let mut upper = false;
    for c in k.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `maxBytes` → `max_bytes`, recursively through objects and arrays.
pub fn keys_to_snake(v: Value) -> Value {
    rename(v, &|k| {
        let mut out = String::with_capacity(k.len() + 4);
        for c in k.chars() {
            if c.is_ascii_uppercase() {
                out.push('_');
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    })
}

fn rename(v: Value, f: &dyn Fn(&str) -> String) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (f(&k), rename(v, f))).collect::<Map<_, _>>()),
        Value::Array(a) => Value::Array(a.into_iter().map(|v| rename(v, f)).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn keys_round_trip() {
        let snake = json!({"max_bytes": 1, "resize": {"without_enlargement": true}, "list": [{"has_alpha": false}]});
        let camel = keys_to_camel(snake.clone());
        assert_eq!(
            camel,
            json!({"maxBytes": 1, "resize": {"withoutEnlargement": true}, "list": [{"hasAlpha": false}]})
        );
        assert_eq!(keys_to_snake(camel), snake);
    }
}
