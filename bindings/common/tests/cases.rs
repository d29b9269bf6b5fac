//! The Rust runner of the shared behaviour suite (`testdata/cases/`, format in
//! its README): every case through the facade the bindings wrap. A custom
//! harness so each case reports as its own test, in libtest's summary format.

use std::path::{Path, PathBuf};

use fotobase_bindings as fb;
use serde_json::{Value, json};

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/cases")
}

fn corpus_dir() -> PathBuf {
    std::env::var_os("FOTOBASE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
}

enum Outcome {
    Pass,
    Skip(String),
    Fail(String),
}

fn main() {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let mut files: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("testdata/cases")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    let mut names = std::collections::HashSet::new();
    // Corpus files checked, by top folder: a run that silently skipped the corpus shows here.
    let mut corpus = std::collections::BTreeMap::<String, usize>::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let cases: Vec<Value> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for case in cases {
            let name = case["name"].as_str().expect("every case has a name").to_owned();
            assert!(names.insert(name.clone()), "duplicate case name {name:?}");
            if filter.as_ref().is_some_and(|f| !name.contains(f.as_str())) {
                continue;
            }
            match run(&case) {
                Outcome::Pass => {
                    passed += 1;
                    if let Some(folder) = case["input"]["corpus"].as_str().and_then(|p| p.split('/').next()) {
                        *corpus.entry(folder.to_owned()).or_default() += 1;
                    }
                    println!("test {name} ... ok");
                }
                Outcome::Skip(why) => {
                    skipped += 1;
                    println!("test {name} ... ignored, {why}");
                }
                Outcome::Fail(why) => {
                    failed += 1;
                    println!("test {name} ... FAILED\n    {why}");
                }
            }
        }
    }
    print_corpus_summary(&corpus, filter.is_some());
    let status = if failed == 0 { "ok" } else { "FAILED" };
    println!(
        "\ntest result: {status}. {passed} passed; {failed} failed; {skipped} ignored; 0 measured; 0 filtered out"
    );
    if passed + failed == 0 {
        eprintln!("no cases ran");
        std::process::exit(1);
    }
    std::process::exit(i32::from(failed > 0));
}

/// Set by `make test` when the corpus is beside the checkout: then a missing corpus is a failure.
fn required_corpus() -> bool {
    std::env::var("FOTOBASE_REQUIRE_CORPUS").is_ok_and(|v| v == "1")
}

fn print_corpus_summary(corpus: &std::collections::BTreeMap<String, usize>, filtered: bool) {
    if corpus.is_empty() {
        let required = !filtered && required_corpus();
        println!("corpus: no case checked a corpus file (corpus absent at {})", corpus_dir().display());
        if required {
            eprintln!("FOTOBASE_REQUIRE_CORPUS=1 but the corpus cases were skipped");
            std::process::exit(1);
        }
        return;
    }
    let parts: Vec<_> = corpus.iter().map(|(folder, n)| format!("{folder}/ {n}")).collect();
    println!("corpus cases passed per folder: {}", parts.join(", "));
}

fn run(case: &Value) -> Outcome {
    let result = match execute(case) {
        Ok(Some(v)) => Ok(v),
        Ok(None) if required_corpus() => {
            return Outcome::Fail(format!("FOTOBASE_REQUIRE_CORPUS=1 but no corpus at {}", corpus_dir().display()));
        }
        Ok(None) => return Outcome::Skip("corpus not available".into()),
        Err(e) => Err(e),
    };
    // `expect_error`: a code, or a list of codes any of which will do.
    let codes: Option<Vec<&str>> = case.get("expect_error").map(|c| match c {
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        other => other.as_str().into_iter().collect(),
    });
    match (case.get("expect"), codes, result) {
        (Some(expect), None, Ok(v)) => match check(expect, &v) {
            Ok(()) => Outcome::Pass,
            Err(why) => Outcome::Fail(format!("{why}\n    result: {v}")),
        },
        (None, Some(codes), Err(e)) if codes.contains(&e.code()) => Outcome::Pass,
        (None, Some(codes), Err(e)) => Outcome::Fail(format!("expected error {codes:?}, got {}: {e}", e.code())),
        (None, Some(codes), Ok(v)) => Outcome::Fail(format!("expected error {codes:?}, got a result: {v}")),
        (Some(_), None, Err(e)) => Outcome::Fail(format!("unexpected error {}: {e}", e.code())),
        _ => Outcome::Fail("a case needs exactly one of expect / expect_error".into()),
    }
}

/// Bytes of an input spec; `None` when it names a corpus file that is absent.
fn input(spec: &Value) -> fb::Result<Option<Vec<u8>>> {
    use base64::Engine as _;
    if let Some(s) = spec.get("synthetic") {
        let n = |k: &str| s[k].as_u64().unwrap_or(0);
        return fb::synthetic(n("width") as u32, n("height") as u32, n("seed"), s["format"].as_str().unwrap_or("png"))
            .map(Some);
    }
    if let Some(b) = spec.get("base64").and_then(Value::as_str) {
        return Ok(Some(base64::engine::general_purpose::STANDARD.decode(b).expect("valid base64 in case")));
    }
    if let Some(t) = spec.get("text").and_then(Value::as_str) {
        return Ok(Some(t.as_bytes().to_vec()));
    }
    if let Some(p) = spec.get("corpus").and_then(Value::as_str) {
        return Ok(std::fs::read(corpus_dir().join(p)).ok());
    }
    panic!("unknown input spec {spec}")
}

fn pixels(spec: &Value) -> (u32, u32, u8, Vec<u8>) {
    let n = |k: &str| spec[k].as_u64().unwrap_or(0);
    let (w, h, c) = (n("width") as u32, n("height") as u32, n("channels") as u8);
    let len = w as usize * h as usize * usize::from(c);
    let data = (0..len as u64).map(|i| ((i * n("step") + n("offset")) % 256) as u8).collect();
    (w, h, c, data)
}

fn with_output(out: fb::Output) -> fb::Result<Value> {
    let mut info = fb::to_json(&out.info)?;
    info["output"] = fb::to_json(&fb::probe(&out.data)?)?;
    Ok(info)
}

fn execute(case: &Value) -> fb::Result<Option<Value>> {
    let args = &case["args"];
    let data = match case.get("input") {
        Some(spec) => match input(spec)? {
            Some(d) => d,
            None => return Ok(None),
        },
        None => Vec::new(),
    };
    let s = |k: &str| args[k].as_str();
    let arg = |k: &str| args.get(k).cloned().unwrap_or(Value::Null);
    let names = |k: &str| fb::value::<Option<Vec<String>>>(k, arg(k));
    let strings = |k: &str| names(k).expect("a list of strings in case");
    // Wire documents (discovery, JWKS, credentials) are written as objects in the cases and passed
    // as the JSON text an application receives.
    let text = |k: &str| match &args[k] {
        Value::String(t) => t.clone(),
        other => other.to_string(),
    };
    let value = match case["op"].as_str().expect("op") {
        "compress" => with_output(fb::compress(&data, &fb::parse("options", arg("options"))?)?)?,
        "optimize" => {
            let target = fb::value("target", arg("target"))?;
            with_output(fb::optimize(
                &data,
                s("algorithm").unwrap_or(""),
                target,
                fb::parse("options", arg("options"))?,
            )?)?
        }
        "thumbnail" => {
            let height = args["height"].as_u64().map(|h| h as u32);
            with_output(fb::thumbnail(
                &data,
                args["width"].as_u64().unwrap_or(0) as u32,
                height,
                s("fit"),
                s("format"),
            )?)?
        }
        "compare" => {
            let Some(distorted) = input(&args["distorted_input"])? else { return Ok(None) };
            fb::to_json(&fb::compare(&data, &distorted, names("metrics")?.as_deref())?)?
        }
        "edit" => {
            let Some(reference) = input(&args["reference_input"])? else { return Ok(None) };
            let options = serde_json::json!({"format": "png", "operations": arg("operations")});
            let out = fb::compress(&data, &fb::parse("options", options)?)?;
            let against = fb::compare(&reference, &out.data, Some(&["mse".to_owned(), "psnr".to_owned()]))?;
            let mut v = with_output(out)?;
            v["reference"] = fb::to_json(&against.metrics)?;
            v
        }
        "compare_pixels" => {
            let (rw, rh, rc, rd) = pixels(&args["reference"]);
            let (dw, dh, dc, dd) = pixels(&args["distorted"]);
            fb::to_json(&fb::compare_pixels(
                fb::Pixels { width: rw, height: rh, channels: rc, data: &rd },
                fb::Pixels { width: dw, height: dh, channels: dc, data: &dd },
                names("metrics")?.as_deref(),
            )?)?
        }
        "compare_all" => {
            let req =
                fb::CompareAllRequest { target: fb::value("target", arg("target"))?, algorithms: names("algorithms")? };
            fb::to_json(&fb::compare_all(&data, &req)?)?
        }
        "algorithms" => fb::to_json(&fb::algorithms())?,
        "probe" => fb::to_json(&fb::probe(&data)?)?,
        "hash_password" => {
            let hash = fb::hash_password(s("password").unwrap_or(""))?;
            json!({
                "hash_prefix": hash.chars().take(31).collect::<String>(),
                "verified": fb::verify_password(&hash, s("password").unwrap_or(""))?,
                "needs_rehash": fb::needs_rehash(&hash),
            })
        }
        "verify_password" => {
            let hash = s("hash").unwrap_or("");
            json!({"verified": fb::verify_password(hash, s("password").unwrap_or(""))?, "needs_rehash": fb::needs_rehash(hash)})
        }
        "issue_token" => {
            let (iss, aud) = (s("issuer").unwrap_or(""), s("audience").unwrap_or(""));
            let issuer = fb::TokenIssuer::generate(iss, aud, s("algorithm"))?;
            let token = issuer.issue(s("subject").unwrap_or(""), fb::parse("options", arg("options"))?)?;
            let verifier = fb::TokenIssuer::from_jwks(&issuer.jwks(), iss, s("verify_audience").unwrap_or(aud))?;
            fb::to_json(&verifier.verify(&token)?)?
        }
        "verify_token" => {
            let verifier =
                fb::TokenIssuer::from_jwks(&args["jwks"], s("issuer").unwrap_or(""), s("audience").unwrap_or(""))?;
            fb::to_json(&verifier.verify(s("token").unwrap_or(""))?)?
        }
        "public_id" => {
            let secret = hex(s("secret_hex").unwrap_or(""));
            let prefix = s("prefix").unwrap_or("");
            let public = fb::public_id_encode(&secret, prefix, args["id"].as_u64().unwrap_or(0))?;
            let decoded = fb::public_id_decode(&secret, s("decode_prefix").unwrap_or(prefix), &public)?;
            json!({"public_prefix": public.split('_').next(), "decoded": decoded})
        }
        "public_id_decode" => {
            let decoded = fb::public_id_decode(
                &hex(s("secret_hex").unwrap_or("")),
                s("prefix").unwrap_or(""),
                s("public").unwrap_or(""),
            )?;
            json!({"decoded": decoded})
        }
        "totp_code" => json!({"code": fb::totp_code(s("secret").unwrap_or(""), args["at"].as_i64().unwrap_or(0))?}),
        "totp_verify" => {
            let step = fb::totp_verify(
                s("secret").unwrap_or(""),
                s("code").unwrap_or(""),
                args["at"].as_i64().unwrap_or(0),
                args["after_step"].as_u64(),
            )?;
            json!({"step": step})
        }
        "totp_uri" => json!({"uri": fb::totp_uri(
            s("secret").unwrap_or(""),
            s("issuer").unwrap_or(""),
            s("account").unwrap_or("")
        )?}),
        "oidc_provider" => fb::to_json(&fb::oidc_provider(&text("discovery"), s("issuer").unwrap_or(""))?)?,
        "oidc_start" => fb::to_json(&fb::oidc_start(
            &text("discovery"),
            s("issuer").unwrap_or(""),
            s("client_id").unwrap_or(""),
            s("redirect_uri").unwrap_or(""),
            strings("scopes").as_deref(),
        )?)?,
        "oidc_token_request_body" => json!({"body": fb::oidc_token_request_body(
            s("client_id").unwrap_or(""),
            s("redirect_uri").unwrap_or(""),
            s("code").unwrap_or(""),
            s("code_verifier").unwrap_or(""),
        )?}),
        "oidc_verify_id_token" => fb::to_json(&fb::oidc_verify_id_token(
            &text("jwks"),
            s("issuer").unwrap_or(""),
            s("client_id").unwrap_or(""),
            s("id_token").unwrap_or(""),
            s("nonce").unwrap_or(""),
            args["now"].as_i64(),
        )?)?,
        "webauthn_registration_options" => {
            let options = fb::webauthn_registration_options(
                s("rp_id").unwrap_or(""),
                s("rp_name").unwrap_or(""),
                s("challenge").unwrap_or(""),
                &hex(s("user_handle_hex").unwrap_or("")),
                s("user_name").unwrap_or(""),
                s("display_name").unwrap_or(""),
                &strings("exclude").unwrap_or_default(),
            )?;
            json!({"options": serde_json::from_str::<Value>(&options).expect("options are JSON")})
        }
        "webauthn_authentication_options" => {
            let options = fb::webauthn_authentication_options(s("rp_id").unwrap_or(""), s("challenge").unwrap_or(""))?;
            json!({"options": serde_json::from_str::<Value>(&options).expect("options are JSON")})
        }
        "webauthn_verify_registration" => fb::to_json(&fb::webauthn_verify_registration(
            s("rp_id").unwrap_or(""),
            &strings("origins").unwrap_or_default(),
            s("challenge").unwrap_or(""),
            &text("response"),
        )?)?,
        "webauthn_verify_authentication" => json!({"sign_count": fb::webauthn_verify_authentication(
            s("rp_id").unwrap_or(""),
            &strings("origins").unwrap_or_default(),
            s("challenge").unwrap_or(""),
            &text("response"),
            s("public_key").unwrap_or(""),
            args["sign_count"].as_u64().unwrap_or(0) as u32,
        )?}),
        other => panic!("unknown op {other:?}"),
    };
    Ok(Some(value))
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2).map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex in case")).collect()
}

/// Apply every `path → matcher` of `expect` to `result`.
fn check(expect: &Value, result: &Value) -> Result<(), String> {
    let expect = expect.as_object().ok_or("expect must be an object")?;
    for (path, matcher) in expect {
        let got = lookup(result, path);
        matches(matcher, got.as_ref()).map_err(|why| format!("{path}: {why}"))?;
    }
    Ok(())
}

fn lookup(v: &Value, path: &str) -> Option<Value> {
    if path == "$" {
        return Some(v.clone());
    }
    let mut cur = v.clone();
    for seg in path.split('.') {
        cur = match (&cur, seg) {
            (Value::Array(a), "length") => json!(a.len()),
            (Value::String(s), "length") => json!(s.chars().count()),
            (Value::Array(a), i) if i.parse::<usize>().is_ok() => a.get(i.parse::<usize>().unwrap())?.clone(),
            (Value::Object(m), k) => m.get(k)?.clone(),
            _ => return None,
        };
    }
    (!cur.is_null()).then_some(cur)
}

fn matches(m: &Value, got: Option<&Value>) -> Result<(), String> {
    let num = |g: Option<&Value>| g.and_then(Value::as_f64).ok_or_else(|| format!("expected a number, got {g:?}"));
    if let Some(obj) = m.as_object().filter(|o| o.keys().all(|k| MATCHER_KEYS.contains(&k.as_str())) && !o.is_empty()) {
        if obj.get("absent").is_some() {
            return if got.is_none() { Ok(()) } else { Err(format!("expected nothing, got {got:?}")) };
        }
        if let Some(x) = obj.get("approx") {
            let (x, tol, g) = (x.as_f64().unwrap(), obj.get("tol").and_then(Value::as_f64).unwrap_or(1e-9), num(got)?);
            return if (g - x).abs() <= tol { Ok(()) } else { Err(format!("{g} is not within {tol} of {x}")) };
        }
        if obj.contains_key("min") || obj.contains_key("max") {
            let g = num(got)?;
            if obj.get("min").and_then(Value::as_f64).is_some_and(|min| g < min)
                || obj.get("max").and_then(Value::as_f64).is_some_and(|max| g > max)
            {
                return Err(format!("{g} is outside {}", Value::Object(obj.clone())));
            }
            return Ok(());
        }
        let text = || got.and_then(Value::as_str).ok_or_else(|| format!("expected a string, got {got:?}"));
        if let Some(p) = obj.get("prefix").and_then(Value::as_str) {
            return if text()?.starts_with(p) {
                Ok(())
            } else {
                Err(format!("{:?} does not start with {p:?}", text()?))
            };
        }
        if let Some(p) = obj.get("contains").and_then(Value::as_str) {
            return if text()?.contains(p) { Ok(()) } else { Err(format!("{:?} does not contain {p:?}", text()?)) };
        }
        if let Some(Value::Array(options)) = obj.get("one_of") {
            return if options.iter().any(|o| equal(o, got)) {
                Ok(())
            } else {
                Err(format!("{got:?} is none of {options:?}"))
            };
        }
        if let Some(Value::Object(fields)) = obj.get("has") {
            let items = got.and_then(Value::as_array).ok_or_else(|| format!("expected an array, got {got:?}"))?;
            let hit = items.iter().any(|item| fields.iter().all(|(k, v)| equal(v, item.get(k))));
            return if hit { Ok(()) } else { Err(format!("no element has {}", Value::Object(fields.clone()))) };
        }
    }
    if equal(m, got) { Ok(()) } else { Err(format!("expected {m}, got {got:?}")) }
}

const MATCHER_KEYS: &[&str] = &["min", "max", "approx", "tol", "prefix", "contains", "has", "absent", "one_of"];

fn equal(want: &Value, got: Option<&Value>) -> bool {
    match (want, got) {
        (Value::Number(a), Some(Value::Number(b))) => (a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 1e-12,
        (w, Some(g)) => w == g,
        (Value::Null, None) => true,
        _ => false,
    }
}
