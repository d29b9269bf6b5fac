//! Command-line interface. Every command prints human output by default and one
//! JSON document on stdout with `--json`. Errors go to stderr with their stable
//! code; the exit status is 1 for input errors and 2 for usage errors.

mod auth;
mod commands;
mod output;
mod server;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "fotobase",
    version,
    about = "Photo compression, comparison and quality search; auth keys, tokens and passwords; the photo server"
)]
pub struct Cli {
    /// Print one JSON document on stdout instead of human-readable text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Compress an image with one algorithm, at a fixed quality or to a target.
    Compress(CompressArgs),
    /// Compare two images with quality metrics.
    Compare(CompareArgs),
    /// Run every (or the chosen) algorithm at the same target and pick the winner.
    CompareAll(CompareAllArgs),
    /// List the compression algorithms and their parameters.
    Algorithms,
    /// Show format, dimensions, orientation and alpha of an image without decoding it.
    Probe {
        /// Image file.
        input: PathBuf,
    },
    /// Manage JWT signing keys: generate, list, jwks, import, activate, retire.
    #[command(subcommand)]
    Keys(auth::KeysCommand),
    /// Issue or verify access tokens.
    #[command(subcommand)]
    Token(auth::TokenCommand),
    /// Hash or verify passwords (argon2id); the password is read on stdin.
    #[command(subcommand)]
    Password(auth::PasswordCommand),
    /// One-time codes (RFC 6238): make a secret, show a code, check a code; the secret is read on stdin.
    #[command(subcommand)]
    Totp(auth::TotpCommand),
    /// Run the photo server: every service and the job workers on one port.
    Serve(server::ServeArgs),
    /// Run only job workers against the configured database and blob store.
    Worker(server::ServeArgs),
    /// Validate and print the server configuration (secrets masked).
    #[command(subcommand)]
    Config(server::ConfigCommand),
}

#[derive(Args, Debug)]
pub struct CompressArgs {
    /// Input image (JPEG, PNG, WebP, AVIF, HEIC, JPEG XL, GIF, TIFF, BMP or ICO).
    pub input: PathBuf,
    /// Output file.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Algorithm name (see `fotobase algorithms`).
    #[arg(long, short = 'a', conflicts_with = "format")]
    pub algorithm: Option<String>,
    /// Output format; picks that format's default algorithm.
    #[arg(long, short = 'f', value_parser = ["jpeg", "jpg", "png", "webp", "avif"])]
    pub format: Option<String>,
    /// Value of the algorithm's quality parameter.
    #[arg(long, short = 'q', conflicts_with = "target")]
    pub quality: Option<i64>,
    /// Search for the smallest file meeting METRIC=VALUE (e.g. ssimulacra2=80) or max_bytes=N.
    #[arg(long, short = 't')]
    pub target: Option<String>,
    /// Other algorithm parameters as NAME=VALUE (repeatable).
    #[arg(long = "param", short = 'p', value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    #[command(flatten)]
    pub resize: ResizeArgs,
    /// Keep EXIF as well as the ICC profile (default keeps only ICC; GPS stays private).
    #[arg(long)]
    pub keep_metadata: bool,
    /// Convert an embedded colour profile (Display P3, Adobe RGB, …) to sRGB and drop it, like sharp.
    #[arg(long)]
    pub srgb: bool,
    /// An editing step as JSON, applied in order before the resize (repeatable), e.g.
    /// `--op '{"op":"rotate","angle":30}' --op '{"op":"grayscale"}'`; a composite may name its
    /// overlay with `"overlay_file": "mark.png"` instead of base64 `overlay`.
    #[arg(long = "op", value_name = "JSON")]
    pub operations: Vec<String>,
    /// Metrics to report on the result (comma-separated, or "none").
    #[arg(long, default_value = "psnr,ssim,ssimulacra2")]
    pub metrics: String,
}

#[derive(Args, Debug)]
pub struct ResizeArgs {
    /// Output width in pixels.
    #[arg(long, short = 'W')]
    pub width: Option<u32>,
    /// Output height in pixels.
    #[arg(long, short = 'H')]
    pub height: Option<u32>,
    /// How to fit into width×height: contain, cover, fill, outside.
    #[arg(long, default_value = "contain")]
    pub fit: String,
    /// Crop position for cover: centre, north, north-east, …, entropy.
    #[arg(long, default_value = "centre")]
    pub gravity: String,
    /// Resampling filter: nearest, bilinear, catmull-rom, mitchell, lanczos3.
    #[arg(long, default_value = "lanczos3")]
    pub filter: String,
    /// Never enlarge images smaller than the box.
    #[arg(long)]
    pub without_enlargement: bool,
}

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// Reference (original) image.
    pub a: PathBuf,
    /// Distorted image.
    pub b: PathBuf,
    /// Comma-separated metrics: mse, psnr, ssim, ms_ssim, ssimulacra2.
    #[arg(long, default_value = "mse,psnr,ssim,ms_ssim,ssimulacra2")]
    pub metrics: String,
    /// SSIM on luma instead of the mean over channels.
    #[arg(long)]
    pub luma: bool,
    /// Add per-channel MSE and PSNR.
    #[arg(long)]
    pub per_channel: bool,
}

#[derive(Args, Debug)]
pub struct CompareAllArgs {
    /// Input image.
    pub input: PathBuf,
    /// METRIC=VALUE or max_bytes=N.
    #[arg(long, short = 't')]
    pub target: String,
    /// Comma-separated algorithm names (default: all).
    #[arg(long)]
    pub algorithms: Option<String>,
    /// Metrics reported per row (comma-separated, or "none").
    #[arg(long, default_value = "mse,psnr,ssim,ms_ssim,ssimulacra2")]
    pub metrics: String,
    /// Also write each winning encode to DIR/<algorithm>.<ext>.
    #[arg(long, value_name = "DIR")]
    pub save: Option<PathBuf>,
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    match commands::dispatch(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            output::print_error(&e, json);
            ExitCode::from(1)
        }
    }
}
