//! `fotobase keys|token|password`: what operators need from a shell to rotate
//! signing keys, mint or inspect tokens, and check password hashes.
//!
//! Secrets come from stdin, key directories and environment variables, never
//! from arguments (which show up in `ps` and shell history).

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand};
use fotobase::{Error, ErrorKind, Result};
use fotobase_auth::parse_key_list;
use fotobase_auth::password::{HashParams, PasswordHasher};
use fotobase_auth::token::{Key, KeySet, TokenConfig, TokenRequest, Tokens};
use serde_json::{Value, json};

use super::output::print_json;

#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Create a key with a fresh kid and make it the active signing key (old keys keep verifying).
    Generate {
        #[arg(long, default_value = "EdDSA", value_parser = ["EdDSA", "ES256", "RS256", "HS256"])]
        alg: String,
        #[command(flatten)]
        dir: KeyDir,
    },
    /// List the keys: kid, algorithm, whether it signs, when it was added.
    List {
        #[command(flatten)]
        dir: KeyDir,
    },
    /// Print the public keys as a JWKS document.
    Jwks {
        #[command(flatten)]
        dir: KeyDir,
    },
    /// Add keys from a JWKS/JWK JSON file or a PEM file (verify-only unless the PEM is private).
    Import {
        /// JWKS, JWK or PEM file.
        file: PathBuf,
        /// Algorithm of a PEM key.
        #[arg(long, value_parser = ["EdDSA", "ES256", "RS256"])]
        alg: Option<String>,
        /// kid to give a PEM key.
        #[arg(long)]
        kid: Option<String>,
        #[command(flatten)]
        dir: KeyDir,
    },
    /// Make an existing key the active signing key.
    Activate {
        #[arg(allow_hyphen_values = true)]
        kid: String,
        #[command(flatten)]
        dir: KeyDir,
    },
    /// Remove a key: tokens signed with it stop verifying.
    Retire {
        #[arg(allow_hyphen_values = true)]
        kid: String,
        #[command(flatten)]
        dir: KeyDir,
    },
}

#[derive(Args, Debug)]
pub struct KeyDir {
    /// Key directory (created by `keys generate`).
    #[arg(long, env = "FOTOBASE_KEYS_DIR")]
    pub dir: PathBuf,
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Sign an access token with the active key and print it.
    Issue {
        #[command(flatten)]
        dir: KeyDir,
        #[arg(long)]
        sub: String,
        #[arg(long)]
        aud: String,
        #[arg(long)]
        iss: String,
        /// Lifetime: 30s, 15m, 12h, 7d.
        #[arg(long, default_value = "15m", value_parser = parse_duration)]
        ttl: Duration,
        /// Role (repeatable).
        #[arg(long = "role")]
        roles: Vec<String>,
        /// Space-separated scopes.
        #[arg(long)]
        scope: Option<String>,
        /// Extra claim NAME=VALUE; VALUE is JSON if it parses, else a string (repeatable).
        #[arg(long = "claim", value_name = "NAME=VALUE")]
        claims: Vec<String>,
    },
    /// Read a token on stdin, verify it and print its claims as JSON.
    Verify {
        #[command(flatten)]
        dir: KeyDir,
        #[arg(long)]
        aud: String,
        #[arg(long)]
        iss: String,
        /// Accept any `typ` header instead of requiring `at+jwt`.
        #[arg(long)]
        any_typ: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum PasswordCommand {
    /// Read a password on stdin and print its argon2id PHC hash.
    Hash {
        #[command(flatten)]
        params: PasswordArgs,
        /// Hash even if the password fails the policy (length, common passwords).
        #[arg(long)]
        skip_policy: bool,
    },
    /// Read a password on stdin; exit 0 if it matches HASH, 1 otherwise.
    Verify {
        hash: String,
        #[command(flatten)]
        params: PasswordArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum TotpCommand {
    /// Print a new secret (base32) and its otpauth:// enrolment URI.
    New {
        /// The service name the app shows.
        #[arg(long, default_value = "fotobase")]
        issuer: String,
        /// The account name the app shows (usually the e-mail address).
        #[arg(long)]
        account: String,
    },
    /// Read a base32 secret on stdin and print the code for a time.
    Code {
        /// Unix seconds (default: now).
        #[arg(long)]
        at: Option<i64>,
        #[arg(long, default_value_t = 6)]
        digits: u32,
    },
    /// Read a base32 secret on stdin; exit 0 if CODE is valid at the time (one step of drift either way), 1 otherwise.
    Verify {
        code: String,
        /// Unix seconds (default: now).
        #[arg(long)]
        at: Option<i64>,
        #[arg(long, default_value_t = 6)]
        digits: u32,
    },
}

#[derive(Args, Debug)]
pub struct PasswordArgs {
    #[arg(long, default_value_t = HashParams::default().memory_kib)]
    pub memory_kib: u32,
    #[arg(long, default_value_t = HashParams::default().iterations)]
    pub iterations: u32,
    #[arg(long, default_value_t = HashParams::default().parallelism)]
    pub parallelism: u32,
}

pub fn keys(cmd: KeysCommand, as_json: bool) -> Result<()> {
    match cmd {
        KeysCommand::Generate { alg, dir } => {
            let mut set = load_or_new(&dir.dir)?;
            let key = Key::generate(alg.parse()?)?;
            let kid = key.kid().to_owned();
            set.insert(key);
            set.set_active(&kid)?;
            set.save_dir(&dir.dir)?;
            if as_json {
                print_json(&json!({"kid": kid, "alg": alg, "active": true}))
            } else {
                println!("{kid}");
                Ok(())
            }
        }
        KeysCommand::List { dir } => {
            let set = KeySet::load_dir(&dir.dir)?;
            let added: std::collections::HashMap<String, i64> = KeySet::added_at(&dir.dir)?.into_iter().collect();
            let active = set.active().map(|k| k.kid().to_owned());
            let rows: Vec<Value> = set
                .keys()
                .iter()
                .map(|k| {
                    json!({"kid": k.kid(), "alg": k.alg().name(), "active": active.as_deref() == Some(k.kid()),
                           "can_sign": k.can_sign(), "added_at": added.get(k.kid())})
                })
                .collect();
            if as_json {
                return print_json(&json!({ "keys": rows }));
            }
            println!("{:<20} {:<6} {:<7} {:<9} added_at", "kid", "alg", "active", "can_sign");
            for r in rows {
                let text = |k: &str| r[k].as_str().map_or_else(|| r[k].to_string(), str::to_owned);
                println!(
                    "{:<20} {:<6} {:<7} {:<9} {}",
                    text("kid"),
                    text("alg"),
                    text("active"),
                    text("can_sign"),
                    text("added_at")
                );
            }
            Ok(())
        }
        KeysCommand::Jwks { dir } => print_json(&KeySet::load_dir(&dir.dir)?.jwks()),
        KeysCommand::Import { file, alg, kid, dir } => {
            let mut set = load_or_new(&dir.dir)?;
            let text = std::fs::read_to_string(&file).map_err(|e| {
                Error::new(ErrorKind::InvalidArgument, "cannot read key file")
                    .with_context("path", file.display())
                    .with_source(e)
            })?;
            let added: Vec<String> = if text.trim_start().starts_with("-----BEGIN") {
                let (Some(alg), Some(kid)) = (alg, kid) else {
                    return Err(Error::new(ErrorKind::InvalidArgument, "a PEM key needs --alg and --kid"));
                };
                set.insert(Key::from_pem(alg.parse()?, &kid, &text)?);
                vec![kid]
            } else {
                let doc: Value = serde_json::from_str(&text).map_err(|e| {
                    Error::new(ErrorKind::InvalidArgument, "key file is neither PEM nor JSON").with_source(e)
                })?;
                let before: Vec<String> = set.keys().iter().map(|k| k.kid().to_owned()).collect();
                set.add_jwks(&doc)?;
                set.keys().iter().map(|k| k.kid().to_owned()).filter(|k| !before.contains(k)).collect()
            };
            set.save_dir(&dir.dir)?;
            if as_json {
                print_json(&json!({ "imported": added }))
            } else {
                added.iter().for_each(|k| println!("{k}"));
                Ok(())
            }
        }
        KeysCommand::Activate { kid, dir } => {
            let mut set = KeySet::load_dir(&dir.dir)?;
            set.set_active(&kid)?;
            set.save_dir(&dir.dir)
        }
        KeysCommand::Retire { kid, dir } => {
            let mut set = KeySet::load_dir(&dir.dir)?;
            if set.active().is_some_and(|k| k.kid() == kid) {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    "activate another key before retiring the active one",
                ));
            }
            if !set.remove(&kid) {
                return Err(Error::new(ErrorKind::UnknownKey, "no such key").with_context("kid", kid));
            }
            set.save_dir(&dir.dir)?;
            let path = dir.dir.join(format!("{kid}.pem"));
            let _ = std::fs::remove_file(path);
            let _ = std::fs::remove_file(dir.dir.join(format!("{kid}.secret")));
            Ok(())
        }
    }
}

pub fn token(cmd: TokenCommand, as_json: bool) -> Result<()> {
    match cmd {
        TokenCommand::Issue { dir, sub, aud, iss, ttl, roles, scope, claims } => {
            let tokens = Tokens::new(KeySet::load_dir(&dir.dir)?, TokenConfig::new(iss, aud));
            let mut extra = serde_json::Map::new();
            for c in claims {
                let (name, value) = c.split_once('=').ok_or_else(|| {
                    Error::new(ErrorKind::InvalidArgument, "claims are NAME=VALUE").with_context("claim", &c)
                })?;
                let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()));
                extra.insert(name.to_owned(), value);
            }
            let req = TokenRequest { ttl: Some(ttl), roles, scope, extra, ..TokenRequest::new(sub) };
            let (token, claims) = tokens.issue(&req)?;
            if as_json {
                print_json(&json!({"token": token, "claims": claims}))
            } else {
                println!("{token}");
                Ok(())
            }
        }
        TokenCommand::Verify { dir, aud, iss, any_typ } => {
            let mut config = TokenConfig::new(iss, aud);
            if any_typ {
                config.typ = None;
            }
            let tokens = Tokens::new(KeySet::load_dir(&dir.dir)?, config);
            let token = read_stdin(16 * 1024)?;
            print_json(&tokens.verify(&token)?)
        }
    }
}

/// Exit status for `password verify`: the caller maps `Ok(false)` to 1.
pub fn password(cmd: PasswordCommand, as_json: bool) -> Result<bool> {
    match cmd {
        PasswordCommand::Hash { params, skip_policy } => {
            let hasher = hasher(&params)?;
            let pw = read_password()?;
            let hash = if skip_policy { hasher.hash_unchecked(&pw)? } else { hasher.hash(&pw)? };
            if as_json {
                print_json(&json!({ "hash": hash }))?;
            } else {
                println!("{hash}");
            }
            Ok(true)
        }
        PasswordCommand::Verify { hash, params } => {
            let hasher = hasher(&params)?;
            let pw = read_password()?;
            let ok = hasher.verify(&hash, &pw)?;
            if as_json {
                print_json(&json!({ "match": ok, "needs_rehash": ok && hasher.needs_rehash(&hash) }))?;
            } else {
                eprintln!("{}", if ok { "match" } else { "no match" });
            }
            Ok(ok)
        }
    }
}

/// Exit status for `totp verify`: the caller maps `Ok(false)` to 1.
pub fn totp(cmd: TotpCommand, as_json: bool) -> Result<bool> {
    use fotobase_auth::clock::{Clock as _, SystemClock};
    use fotobase_auth::totp::Totp;
    let from_stdin = |digits: u32| Totp::from_base32(read_stdin(1024)?.trim())?.with_digits(digits);
    match cmd {
        TotpCommand::New { issuer, account } => {
            let totp = Totp::generate();
            let (secret, uri) = (totp.secret_base32(), totp.uri(&issuer, &account));
            if as_json {
                print_json(&json!({ "secret": secret, "uri": uri }))?;
            } else {
                println!("{secret}\n{uri}");
            }
            Ok(true)
        }
        TotpCommand::Code { at, digits } => {
            let code = from_stdin(digits)?.code_at(at.unwrap_or_else(|| SystemClock.now()));
            if as_json {
                print_json(&json!({ "code": code }))?;
            } else {
                println!("{code}");
            }
            Ok(true)
        }
        TotpCommand::Verify { code, at, digits } => {
            let totp = from_stdin(digits)?;
            let step = totp.verify(&code, at.unwrap_or_else(|| SystemClock.now()), None);
            if as_json {
                print_json(&json!({ "match": step.is_some(), "step": step }))?;
            } else {
                eprintln!("{}", if step.is_some() { "match" } else { "no match" });
            }
            Ok(step.is_some())
        }
    }
}

/// Peppers come from `FOTOBASE_PASSWORD_PEPPERS` = `id:base64,id:base64` (first is active).
fn hasher(a: &PasswordArgs) -> Result<PasswordHasher> {
    let mut h = PasswordHasher::new(HashParams {
        memory_kib: a.memory_kib,
        iterations: a.iterations,
        parallelism: a.parallelism,
    })?;
    if let Ok(spec) = std::env::var("FOTOBASE_PASSWORD_PEPPERS") {
        // The first pepper is the active one: add it last.
        for (id, secret) in parse_key_list(&spec, 16)?.into_iter().rev() {
            h = h.with_pepper(&id, secret)?;
        }
    }
    Ok(h)
}

fn load_or_new(dir: &Path) -> Result<KeySet> {
    if dir.join("keyset.json").exists() { KeySet::load_dir(dir) } else { Ok(KeySet::new()) }
}

/// A password on stdin: the whole input minus one trailing newline (so `echo` works
/// and passwords may still end in spaces).
fn read_password() -> Result<String> {
    let mut s = read_stdin(64 * 1024)?;
    if s.ends_with('\n') {
        s.pop();
        if s.ends_with('\r') {
            s.pop();
        }
    }
    Ok(s)
}

fn read_stdin(max: u64) -> Result<String> {
    let mut buf = Vec::new();
    std::io::stdin().take(max + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > max {
        return Err(Error::new(ErrorKind::LimitExceeded, "input on stdin is too large").with_context("max_bytes", max));
    }
    String::from_utf8(buf).map_err(|_| Error::new(ErrorKind::InvalidArgument, "input on stdin is not UTF-8"))
}

fn parse_duration(s: &str) -> std::result::Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: u64 = n.parse().map_err(|_| format!("expected a number with a unit (30s, 15m, 12h, 7d), got {s:?}"))?;
    let secs = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("unknown unit {unit:?} (use s, m, h or d)")),
    };
    n.checked_mul(secs).filter(|&v| v > 0).map(Duration::from_secs).ok_or_else(|| "duration must be positive".into())
}
