//! Time-based one-time passwords (RFC 6238) as a second factor, in the form every authenticator
//! app (Google Authenticator, Aegis, 1Password, Authy) takes: HMAC-SHA1, 6 digits, 30-second
//! steps, enrolment by an `otpauth://` URI (Google's Key Uri Format, usually shown as a QR code),
//! and one step of clock drift either way.
//!
//! A code stays valid for its whole window, so replay is refused by the caller's state, not here:
//! [`Totp::verify`] returns the time step it matched and takes the last step already accepted,
//! and the caller stores the new one with a compare-and-set (`fotobase-store`'s `Factors`).
//!
//! [`recovery_codes`] are the way back in when the phone is lost: random, single use, and meant
//! to be stored only as hashes (80 bits each, so a plain SHA-256 is out of reach of guessing).

use hmac::{Hmac, Mac as _};
use sha1::Sha1;
use zeroize::Zeroizing;

use fotobase::{Error, ErrorKind, Result};

use crate::random::random_bytes;

/// RFC 4648 base32, the alphabet of TOTP secrets and of recovery codes.
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A TOTP generator/verifier for one account's shared secret.
#[derive(Clone)]
pub struct Totp {
    secret: Zeroizing<Vec<u8>>,
    digits: u32,
    period: u64,
}

impl std::fmt::Debug for Totp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Totp([REDACTED; {} bytes], {} digits, {} s)", self.secret.len(), self.digits, self.period)
    }
}

impl Totp {
    /// 160 bits, the HMAC-SHA1 block's natural key size that RFC 4226 recommends.
    pub const SECRET_BYTES: usize = 20;
    /// RFC 4226 requires at least 128 bits of shared secret.
    pub const MIN_SECRET_BYTES: usize = 16;
    /// Steps of clock drift accepted on either side of the current one (RFC 6238 §5.2).
    pub const SKEW: u64 = 1;

    /// A new secret from the OS generator, for enrolment.
    pub fn generate() -> Self {
        Totp { secret: Zeroizing::new(random_bytes(Self::SECRET_BYTES)), digits: 6, period: 30 }
    }

    /// The generator for a stored secret (raw bytes).
    pub fn from_secret(secret: &[u8]) -> Result<Self> {
        if secret.len() < Self::MIN_SECRET_BYTES {
            return Err(Error::new(ErrorKind::InvalidArgument, "a TOTP secret has at least 16 bytes")
                .with_context("bytes", secret.len()));
        }
        Ok(Totp { secret: Zeroizing::new(secret.to_vec()), digits: 6, period: 30 })
    }

    /// The generator for a secret as apps show it: base32, any case, spaces and padding ignored.
    pub fn from_base32(secret: &str) -> Result<Self> {
        Self::from_secret(&base32_decode(secret)?)
    }

    /// Codes of 6 to 8 digits (RFC 4226 allows 6–8; apps assume 6).
    pub fn with_digits(mut self, digits: u32) -> Result<Self> {
        if !(6..=8).contains(&digits) {
            return Err(
                Error::new(ErrorKind::InvalidArgument, "TOTP codes have 6 to 8 digits").with_context("digits", digits)
            );
        }
        self.digits = digits;
        Ok(self)
    }

    /// The raw secret, to store encrypted.
    pub fn secret(&self) -> &[u8] {
        &self.secret
    }

    /// The secret in base32 without padding, for typing into an app by hand.
    pub fn secret_base32(&self) -> String {
        base32_encode(&self.secret)
    }

    /// The time step `unix` seconds fall in (0 before the epoch).
    pub fn step_at(&self, unix: i64) -> u64 {
        u64::try_from(unix).unwrap_or(0) / self.period
    }

    /// The code for a time step (RFC 4226 dynamic truncation of HMAC-SHA1 over the step).
    pub fn code_at_step(&self, step: u64) -> String {
        let mut mac = Hmac::<Sha1>::new_from_slice(&self.secret).expect("HMAC takes keys of any length");
        mac.update(&step.to_be_bytes());
        let h = mac.finalize().into_bytes();
        let offset = usize::from(h[19] & 0x0f);
        let bin = u32::from_be_bytes([h[offset] & 0x7f, h[offset + 1], h[offset + 2], h[offset + 3]]);
        let code = bin % 10u32.pow(self.digits);
        format!("{code:0width$}", width = self.digits as usize)
    }

    /// The code valid at `unix` seconds.
    pub fn code_at(&self, unix: i64) -> String {
        self.code_at_step(self.step_at(unix))
    }

    /// The time step `code` is valid for at `unix` (± [`Totp::SKEW`] steps), considering only
    /// steps after `after_step` (the last one accepted, so a code is never taken twice).
    /// Spaces in the code are ignored; the comparison takes the same time for every code.
    pub fn verify(&self, code: &str, unix: i64, after_step: Option<u64>) -> Option<u64> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != self.digits as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let now = self.step_at(unix);
        let mut matched = None;
        for step in now.saturating_sub(Self::SKEW)..=now.saturating_add(Self::SKEW) {
            let fresh = after_step.is_none_or(|last| step > last);
            let same = crate::secret::same_secret(&self.code_at_step(step), &code);
            if fresh && same && matched.is_none() {
                matched = Some(step);
            }
        }
        matched
    }

    /// The `otpauth://totp/` enrolment URI (Key Uri Format) that authenticator apps scan.
    /// `issuer` names the service (shown in the app), `account` the user (usually the e-mail).
    pub fn uri(&self, issuer: &str, account: &str) -> String {
        let issuer_enc = percent_encode(issuer);
        format!(
            "otpauth://totp/{issuer_enc}:{}?secret={}&issuer={issuer_enc}&algorithm=SHA1&digits={}&period={}",
            percent_encode(account),
            self.secret_base32(),
            self.digits,
            self.period
        )
    }
}

/// `n` fresh recovery codes, each 80 random bits written as 16 base32 letters and digits in
/// groups of four (`abcd-efgh-jkmn-pqrs`): short enough to copy by hand, too long to guess.
pub fn recovery_codes(n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            let code = base32_encode(&random_bytes(10)).to_ascii_lowercase();
            let groups: Vec<&str> = (0..4).map(|i| &code[i * 4..i * 4 + 4]).collect();
            groups.join("-")
        })
        .collect()
}

/// A recovery code as typed (any case, with or without dashes and spaces) in the one form that
/// is hashed and compared.
pub fn normalize_recovery_code(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

/// RFC 4648 base32 without padding.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    for chunk in bytes.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let bits = u64::from_be_bytes([0, 0, 0, buf[0], buf[1], buf[2], buf[3], buf[4]]);
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..chars {
            out.push(BASE32[((bits >> (35 - i * 5)) & 31) as usize] as char);
        }
    }
    out
}

/// RFC 4648 base32, any case; spaces, dashes and `=` padding ignored.
pub fn base32_decode(text: &str) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut acc, mut bits) = (0u64, 0u32);
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '-' && *c != '=') {
        let upper = c.to_ascii_uppercase() as u8;
        let value = BASE32
            .iter()
            .position(|&b| b == upper && c.is_ascii())
            .ok_or_else(|| Error::new(ErrorKind::InvalidArgument, "not base32 (A–Z, 2–7)").with_context("char", c))?;
        acc = (acc << 5) | value as u64;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

/// Percent-encoding of everything but RFC 3986's unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, the SHA-1 rows (8 digits, the ASCII secret "12345678901234567890").
    #[test]
    fn rfc_6238_vectors() {
        let totp = Totp::from_secret(b"12345678901234567890").unwrap().with_digits(8).unwrap();
        for (t, code) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(totp.code_at(t), code, "t = {t}");
            assert_eq!(totp.verify(code, t, None), Some(totp.step_at(t)));
        }
    }

    /// RFC 4226 Appendix D: HOTP values for counters 0..9 (6 digits), which TOTP's step is.
    #[test]
    fn rfc_4226_vectors() {
        let totp = Totp::from_secret(b"12345678901234567890").unwrap();
        let expected =
            ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];
        for (step, code) in expected.iter().enumerate() {
            assert_eq!(totp.code_at_step(step as u64), *code);
        }
    }

    #[test]
    fn one_step_of_drift_either_way_and_no_more() {
        let totp = Totp::generate();
        let t = 1_700_000_000;
        let step = totp.step_at(t);
        assert_eq!(totp.verify(&totp.code_at(t - 30), t, None), Some(step - 1));
        assert_eq!(totp.verify(&totp.code_at(t + 30), t, None), Some(step + 1));
        assert_eq!(totp.verify(&totp.code_at(t - 60), t, None), None);
        assert_eq!(totp.verify(&totp.code_at(t + 60), t, None), None);
    }

    #[test]
    fn a_code_is_not_taken_again_nor_an_older_one() {
        let totp = Totp::generate();
        let t = 1_700_000_000;
        let code = totp.code_at(t);
        let step = totp.verify(&code, t, None).unwrap();
        assert_eq!(totp.verify(&code, t, Some(step)), None);
        assert_eq!(totp.verify(&totp.code_at(t - 30), t, Some(step)), None);
        assert_eq!(totp.verify(&totp.code_at(t + 30), t, Some(step)), Some(step + 1));
    }

    #[test]
    fn malformed_codes_never_match() {
        let totp = Totp::generate();
        let t = 1_700_000_000;
        let code = totp.code_at(t);
        for bad in ["", "12345", "1234567", "abcdef", "１２３４５６", &format!("{code}0"), &code[..5]] {
            assert_eq!(totp.verify(bad, t, None), None, "{bad:?}");
        }
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert!(totp.verify(&spaced, t, None).is_some());
    }

    #[test]
    fn base32_round_trips_and_matches_rfc_4648() {
        for (raw, text) in
            [("", ""), ("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"), ("foob", "MZXW6YQ"), ("fooba", "MZXW6YTB")]
        {
            assert_eq!(base32_encode(raw.as_bytes()), text);
            assert_eq!(base32_decode(text).unwrap(), raw.as_bytes());
        }
        assert_eq!(base32_decode("mzxw 6ytb oi======").unwrap(), b"foobar");
        assert!(base32_decode("MZXW1").is_err());
        let totp = Totp::generate();
        assert_eq!(Totp::from_base32(&totp.secret_base32()).unwrap().secret(), totp.secret());
        assert_eq!(totp.secret_base32().len(), 32);
    }

    #[test]
    fn short_secrets_and_odd_digit_counts_are_refused() {
        assert_eq!(Totp::from_secret(&[0; 15]).unwrap_err().kind(), ErrorKind::InvalidArgument);
        assert!(Totp::generate().with_digits(5).is_err());
        assert!(Totp::generate().with_digits(9).is_err());
    }

    #[test]
    fn the_uri_is_googles_key_uri_format() {
        let totp = Totp::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").unwrap();
        assert_eq!(
            totp.uri("Photo Co: EU", "ann+1@example.com"),
            "otpauth://totp/Photo%20Co%3A%20EU:ann%2B1%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\
             &issuer=Photo%20Co%3A%20EU&algorithm=SHA1&digits=6&period=30"
        );
        assert!(!format!("{totp:?}").contains("JBSW"));
    }

    #[test]
    fn recovery_codes_are_distinct_grouped_and_normalize() {
        let codes = recovery_codes(10);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), 10);
        for c in &codes {
            assert_eq!(c.len(), 19);
            assert_eq!(c.matches('-').count(), 3);
            assert_eq!(normalize_recovery_code(&c.to_uppercase().replace('-', " ")), c.replace('-', ""));
        }
    }
}
