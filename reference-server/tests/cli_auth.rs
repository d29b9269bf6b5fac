//! `fotobase keys|token|password` end to end through the real binary.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn run(args: &[&str], stdin: &str) -> Output {
    run_env(args, stdin, &[])
}

fn run_env(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fotobase"))
        .args(args)
        .env_remove("FOTOBASE_PASSWORD_PEPPERS")
        .env_remove("FOTOBASE_KEYS_DIR")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run fotobase");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn ok(args: &[&str], stdin: &str) -> String {
    let out = run(args, stdin);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn err_code(out: &Output) -> String {
    let doc: Value =
        serde_json::from_slice(&out.stderr).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    doc["error"]["code"].as_str().unwrap().to_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn keys_generate_rotate_list_jwks_and_retire() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("keys");
    let first = ok(&["keys", "generate", "--dir", s(&dir)], "").trim().to_owned();
    let token = ok(&["token", "issue", "--dir", s(&dir), "--sub", "usr_1", "--aud", "api", "--iss", "fb"], "");
    let second = ok(&["keys", "generate", "--alg", "ES256", "--dir", s(&dir)], "").trim().to_owned();
    assert_ne!(first, second);
    assert!(first.starts_with("key_") && first.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'), "{first}");

    let list: Value = serde_json::from_str(&ok(&["--json", "keys", "list", "--dir", s(&dir)], "")).unwrap();
    let keys = list["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    let active: Vec<&str> = keys.iter().filter(|k| k["active"] == true).map(|k| k["kid"].as_str().unwrap()).collect();
    assert_eq!(active, vec![second.as_str()], "the new key signs");

    let claims: Value =
        serde_json::from_str(&ok(&["token", "verify", "--dir", s(&dir), "--aud", "api", "--iss", "fb"], &token))
            .unwrap();
    assert_eq!(claims["sub"], "usr_1", "tokens from the old key still verify");

    let jwks: Value = serde_json::from_str(&ok(&["keys", "jwks", "--dir", s(&dir)], "")).unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
    assert!(jwks["keys"].as_array().unwrap().iter().all(|k| k.get("d").is_none()), "no private parts");

    let out = run(&["--json", "keys", "retire", &second, "--dir", s(&dir)], "");
    assert_eq!(err_code(&out), "invalid_argument", "cannot retire the active key");
    ok(&["keys", "activate", &second, "--dir", s(&dir)], "");
    ok(&["keys", "retire", &first, "--dir", s(&dir)], "");
    assert!(!dir.join(format!("{first}.pem")).exists(), "private file removed");

    // Imported kids may start with '-': they are still arguments, not flags.
    let mut jwk = jwks["keys"][0].clone();
    jwk["kid"] = "-dash-kid".into();
    let file = tmp.path().join("dash.json");
    std::fs::write(&file, jwk.to_string()).unwrap();
    assert_eq!(ok(&["keys", "import", s(&file), "--dir", s(&dir)], "").trim(), "-dash-kid");
    ok(&["keys", "retire", "-dash-kid", "--dir", s(&dir)], "");
    let out = run(&["--json", "token", "verify", "--dir", s(&dir), "--aud", "api", "--iss", "fb"], &token);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(err_code(&out), "unknown_key");
}

#[test]
fn token_issue_claims_and_verify_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("keys");
    ok(&["keys", "generate", "--alg", "HS256", "--dir", s(&dir)], "");
    let issued: Value = serde_json::from_str(&ok(
        &[
            "--json",
            "token",
            "issue",
            "--dir",
            s(&dir),
            "--sub",
            "usr_9",
            "--aud",
            "api",
            "--iss",
            "fb",
            "--ttl",
            "2h",
            "--role",
            "admin",
            "--scope",
            "photos:read",
            "--claim",
            "tenant=acme",
            "--claim",
            "quota=5",
        ],
        "",
    ))
    .unwrap();
    let claims = &issued["claims"];
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 7200);
    assert_eq!((claims["tenant"].as_str(), claims["quota"].as_i64()), (Some("acme"), Some(5)));
    let token = issued["token"].as_str().unwrap();
    let verified: Value =
        serde_json::from_str(&ok(&["token", "verify", "--dir", s(&dir), "--aud", "api", "--iss", "fb"], token))
            .unwrap();
    assert_eq!(&verified, claims);

    for (aud, iss, input, code) in [
        ("other", "fb", token, "token_audience"),
        ("api", "other", token, "token_issuer"),
        ("api", "fb", "not.a.token", "token_invalid"),
    ] {
        let out = run(&["--json", "token", "verify", "--dir", s(&dir), "--aud", aud, "--iss", iss], input);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(err_code(&out), code);
    }
    let out = run(&["token", "issue", "--dir", s(&dir), "--sub", "x", "--aud", "a", "--iss", "i", "--ttl", "5y"], "");
    assert_eq!(out.status.code(), Some(2), "bad duration is a usage error");
}

#[test]
fn password_hash_and_verify_over_stdin() {
    let fast = ["--memory-kib", "1024", "--iterations", "1"];
    let hash = ok(&[&["password", "hash"][..], &fast].concat(), "a long and lovely passphrase\n").trim().to_owned();
    assert!(hash.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{hash}");
    let verify = |pw: &str| run(&["password", "verify", &hash], pw).status.code();
    assert_eq!(verify("a long and lovely passphrase\n"), Some(0));
    assert_eq!(verify("a long and lovely passphrase"), Some(0), "trailing newline optional");
    assert_eq!(verify("a long and lovely passphrase \n"), Some(1), "other spaces count");
    assert_eq!(verify("wrong\n"), Some(1));

    let out = run(&["--json", "password", "hash"], "password\n");
    assert_eq!(err_code(&out), "weak_password");
    assert!(ok(&["password", "hash", "--skip-policy", "--memory-kib", "1024"], "password\n").starts_with("$argon2id$"));
    let out = run(&["--json", "password", "verify", "not-a-hash"], "x\n");
    assert_eq!((out.status.code(), err_code(&out).as_str()), (Some(1), "invalid_argument"));

    // Peppers come from the environment; the hash records only the pepper id.
    let pepper = [("FOTOBASE_PASSWORD_PEPPERS", "p1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8")];
    let out = run_env(&[&["password", "hash"][..], &fast].concat(), "peppered passphrase\n", &pepper);
    let peppered = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(peppered.contains("keyid=") && !peppered.contains("AAECAwQF"), "{peppered}");
    assert_eq!(run_env(&["password", "verify", &peppered], "peppered passphrase\n", &pepper).status.code(), Some(0));
    let out = run(&["--json", "password", "verify", &peppered], "peppered passphrase\n");
    assert_eq!(err_code(&out), "unknown_key", "without the pepper");
}
