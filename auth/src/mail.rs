//! Account e-mail: verification links, password-reset links, and the notice to an address that
//! someone tried to sign up with again. A [`Mailer`] sends a [`Mail`] (plain text and HTML);
//! [`SmtpMailer`] speaks SMTP (STARTTLS or TLS, through lettre and rustls), [`OutboxMailer`]
//! writes each message as an `.eml` file (mode 0600) into a folder, for a server without an SMTP
//! relay: the links are credentials, so they never go to a log.

use std::fmt;
use std::path::PathBuf;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};

use fotobase::{Error, ErrorKind, Result};

/// One message to one address.
#[derive(Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl fmt::Debug for Mail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The bodies carry single-use links: never printed.
        f.debug_struct("Mail").field("subject", &self.subject).finish_non_exhaustive()
    }
}

/// Sends account e-mail.
#[async_trait::async_trait]
pub trait Mailer: Send + Sync + fmt::Debug {
    async fn send(&self, mail: &Mail) -> Result<()>;
}

fn mail_err(what: &str, e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::new(ErrorKind::Unavailable, what.to_owned()).with_source(e)
}

fn mailbox(address: &str, what: &'static str) -> Result<Mailbox> {
    address.parse().map_err(|_| {
        Error::new(ErrorKind::InvalidArgument, format!("{what} is not an e-mail address")).with_context("field", what)
    })
}

/// The MIME message: `multipart/alternative` with the text and the HTML.
fn message(from: &Mailbox, mail: &Mail) -> Result<Message> {
    Message::builder()
        .from(from.clone())
        .to(mailbox(&mail.to, "to")?)
        .subject(&mail.subject)
        .multipart(MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone()))
        .map_err(|e| Error::new(ErrorKind::InvalidArgument, "cannot build the message").with_source(e))
}

/// SMTP through a relay. The URL says how: `smtp://host:587?tls=required` (STARTTLS, refused
/// without it), `smtps://host:465` (TLS from the first byte), `smtp://127.0.0.1:25` (plain, for
/// a relay on the machine); `user:password@` before the host logs in.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SmtpMailer")
    }
}

impl SmtpMailer {
    /// Call it inside a Tokio runtime (the connection pool lives on it).
    pub fn from_url(url: &str, from: &str) -> Result<SmtpMailer> {
        Self::from_url_trusting(url, from, None)
    }

    /// [`SmtpMailer::from_url`], also trusting the PEM certificates `ca` for the relay's TLS (a
    /// relay with a certificate from a private CA). Needs a TLS URL (`smtps://`, `?tls=required`).
    pub fn from_url_trusting(url: &str, from: &str, ca: Option<&[u8]>) -> Result<SmtpMailer> {
        let from = mailbox(from, "from")?;
        let bad_url = |e: lettre::transport::smtp::Error| {
            Error::new(ErrorKind::InvalidArgument, "the SMTP URL is not valid").with_source(e)
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(bad_url)?;
        if let Some(pem) = ca {
            builder = builder.tls(tls_trusting(url, pem)?);
        }
        Ok(SmtpMailer { transport: builder.build(), from })
    }
}

/// The TLS mode `url` asks for, with `pem`'s certificates trusted besides the system's.
fn tls_trusting(url: &str, pem: &[u8]) -> Result<Tls> {
    let invalid = |what: &str| Error::new(ErrorKind::InvalidArgument, what.to_owned());
    let parsed = url::Url::parse(url).map_err(|_| invalid("the SMTP URL is not valid"))?;
    let host = parsed.host_str().ok_or_else(|| invalid("the SMTP URL has no host"))?;
    let cert = Certificate::from_pem(pem).map_err(|e| invalid("the SMTP CA file is not PEM").with_source(e))?;
    let params = TlsParameters::builder(host.to_owned())
        .add_root_certificate(cert)
        .build_rustls()
        .map_err(|e| invalid("cannot set up TLS for the SMTP relay").with_source(e))?;
    let mode = parsed.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
    match (parsed.scheme(), mode.as_deref()) {
        ("smtps", _) => Ok(Tls::Wrapper(params)),
        ("smtp", Some("required")) => Ok(Tls::Required(params)),
        ("smtp", Some("opportunistic")) => Ok(Tls::Opportunistic(params)),
        _ => Err(invalid("a CA file needs a TLS URL: smtps://… or smtp://…?tls=required")),
    }
}

#[async_trait::async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &Mail) -> Result<()> {
        let message = message(&self.from, mail)?;
        self.transport.send(message).await.map_err(|e| mail_err("the SMTP relay did not take the message", e))?;
        Ok(())
    }
}

/// Each message as an `.eml` file in a folder (created with mode 0700; files 0600), for servers
/// without a relay: an operator reads them, or a tool picks them up.
pub struct OutboxMailer {
    dir: PathBuf,
    from: Mailbox,
}

impl fmt::Debug for OutboxMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboxMailer").field("dir", &self.dir).finish()
    }
}

impl OutboxMailer {
    pub fn new(dir: impl Into<PathBuf>, from: &str) -> Result<OutboxMailer> {
        Ok(OutboxMailer { dir: dir.into(), from: mailbox(from, "from")? })
    }

    /// Where the messages go.
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }
}

#[async_trait::async_trait]
impl Mailer for OutboxMailer {
    async fn send(&self, mail: &Mail) -> Result<()> {
        let bytes = message(&self.from, mail)?.formatted();
        let dir = self.dir.clone();
        let name = format!(
            "{}-{}.eml",
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_micros()),
            crate::random::random_hex(6)
        );
        tokio::task::spawn_blocking(move || write_private(&dir, &name, &bytes))
            .await
            .map_err(|e| mail_err("the outbox writer stopped", e))?
    }
}

fn write_private(dir: &std::path::Path, name: &str, bytes: &[u8]) -> Result<()> {
    use std::io::Write as _;
    let io = |e: std::io::Error| mail_err("cannot write to the outbox", e).with_context("dir", dir.display());
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(io)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(dir.join(name)).map_err(io)?;
    file.write_all(bytes).map_err(io)
}

/// Escape text for HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn html(paragraphs: &[String], link: Option<(&str, &str)>) -> String {
    let mut body = String::from("<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.5\">");
    for p in paragraphs {
        body.push_str(&format!("<p>{}</p>", esc(p)));
    }
    if let Some((label, url)) = link {
        body.push_str(&format!("<p><a href=\"{}\">{}</a></p>", esc(url), esc(label)));
    }
    body + "</body></html>"
}

impl Mail {
    /// "Confirm your address": the link proves the mailbox is the account holder's.
    pub fn verification(to: &str, service: &str, link: &str, valid_hours: u64) -> Mail {
        let lines = [
            format!("Please confirm that {to} is your address on {service}."),
            format!("The link works once, for {valid_hours} hours. If you did not sign up, ignore this message."),
        ];
        Mail {
            to: to.to_owned(),
            subject: format!("Confirm your e-mail address for {service}"),
            text: format!("{}\n\n{link}\n\n{}\n", lines[0], lines[1]),
            html: html(&lines, Some(("Confirm my address", link))),
        }
    }

    /// "Reset your password": the link sets a new one and ends every session.
    pub fn password_reset(to: &str, service: &str, link: &str, valid_minutes: u64) -> Mail {
        let lines = [
            format!("Someone asked to reset the password of your {service} account."),
            format!(
                "The link works once, for {valid_minutes} minutes, and signs you out everywhere. \
                 If it was not you, ignore this message: your password stays as it is."
            ),
        ];
        Mail {
            to: to.to_owned(),
            subject: format!("Reset your {service} password"),
            text: format!("{}\n\n{link}\n\n{}\n", lines[0], lines[1]),
            html: html(&lines, Some(("Choose a new password", link))),
        }
    }

    /// To the holder of an address someone tried to register again: the sign-up answer is the
    /// same as for a new address, so only the mailbox learns that an account exists.
    pub fn already_registered(to: &str, service: &str, reset_link: &str) -> Mail {
        let lines = [
            format!("Someone tried to create a {service} account with {to}, which already has one."),
            "If it was you, sign in, or reset your password if you forgot it. Otherwise ignore this message."
                .to_owned(),
        ];
        Mail {
            to: to.to_owned(),
            subject: format!("You already have a {service} account"),
            text: format!("{}\n\n{}\n\n{reset_link}\n", lines[0], lines[1]),
            html: html(&lines, Some(("Reset my password", reset_link))),
        }
    }

    /// "Confirm your new address", to the address an account is moving to: the account moves
    /// only when this link is followed, which proves the new mailbox is the holder's.
    pub fn email_change(to: &str, service: &str, link: &str, valid_hours: u64) -> Mail {
        let lines = [
            format!("Someone asked to move a {service} account to {to}."),
            format!(
                "If it was you, confirm with the link: it works once, for {valid_hours} hours. Otherwise ignore this message."
            ),
        ];
        Mail {
            to: to.to_owned(),
            subject: format!("Confirm your new e-mail address for {service}"),
            text: format!("{}\n\n{link}\n\n{}\n", lines[0], lines[1]),
            html: html(&lines, Some(("Use this address", link))),
        }
    }

    /// To an account's current address when a move to `new_hint` (a masked address) is asked
    /// for: the holder learns of it before it happens, from the address an attacker cannot read.
    pub fn email_change_notice(to: &str, service: &str, new_hint: &str) -> Mail {
        let lines = [
            format!("Someone asked to move your {service} account from {to} to {new_hint}."),
            "Nothing changes until the link sent to the new address is followed. If it was not you, \
             change your password now: whoever asked knew it."
                .to_owned(),
        ];
        Mail {
            to: to.to_owned(),
            subject: format!("Your {service} e-mail address is about to change"),
            text: format!("{}\n\n{}\n", lines[0], lines[1]),
            html: html(&lines, None),
        }
    }

    /// To an address someone tried to move another account onto, which already has one: the
    /// request was answered as any other, so only this mailbox learns the address is taken.
    pub fn address_in_use(to: &str, service: &str) -> Mail {
        let lines = [
            format!("Someone asked to move a {service} account to {to}, which already has its own account."),
            "Nothing changed. If it was you, sign in with this address instead. Otherwise ignore this message."
                .to_owned(),
        ];
        Mail {
            to: to.to_owned(),
            subject: format!("Your address already has a {service} account"),
            text: format!("{}\n\n{}\n", lines[0], lines[1]),
            html: html(&lines, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_outbox_keeps_private_multipart_messages() {
        let dir = tempfile_dir();
        let outbox = OutboxMailer::new(&dir, "fotobase <noreply@example.com>").unwrap();
        let mail = Mail::password_reset("ann@example.com", "fotobase", "https://x.example/reset?token=a&b<c", 30);
        assert!(!format!("{mail:?}").contains("token"), "Debug hides the link");
        outbox.send(&mail).await.unwrap();
        let files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        assert_eq!(files.len(), 1);
        let text = std::fs::read_to_string(&files[0]).unwrap();
        assert!(text.contains("To: ann@example.com") && text.contains("multipart/alternative"), "{text}");
        assert!(text.contains("a&amp;b&lt;c"), "the HTML part is escaped: {text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(std::fs::metadata(&files[0]).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let bad = Mail { to: "not an address".into(), ..mail };
        assert_eq!(outbox.send(&bad).await.unwrap_err().kind(), ErrorKind::InvalidArgument);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn tempfile_dir() -> PathBuf {
        std::env::temp_dir().join(format!("fotobase-outbox-{}", crate::random::random_hex(8)))
    }

    #[tokio::test]
    async fn bad_smtp_urls_are_invalid_arguments() {
        assert_eq!(SmtpMailer::from_url("ftp://x", "a@b.c").unwrap_err().kind(), ErrorKind::InvalidArgument);
        assert_eq!(
            SmtpMailer::from_url("smtp://127.0.0.1:25", "nobody").unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
    }
}
