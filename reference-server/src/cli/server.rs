//! `fotobase serve`, `fotobase worker` and `fotobase config check`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use fotobase::Result;
use fotobase_server::config::Config;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "FOTOBASE_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Data directory: SQLite database, blobs and generated secrets [default: ./data].
    #[arg(long, env = "FOTOBASE_DATA")]
    pub data: Option<PathBuf>,
    /// TOML configuration file (FOTOBASE_* environment variables override it).
    #[arg(long, env = "FOTOBASE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Run one service (auth, users, images, folders) or the gateway instead of all.
    #[arg(long, env = "FOTOBASE_SERVICE")]
    pub service: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Validate the configuration and print it, secrets masked.
    Check(ServeArgs),
}

fn load(args: &ServeArgs) -> Result<Config> {
    let mut config = Config::load(args.config.as_deref(), |k| std::env::var(k).ok())?;
    if let Some(l) = args.listen {
        config.listen = l;
    }
    if let Some(d) = &args.data {
        config.data_dir = d.clone();
    }
    if let Some(s) = &args.service {
        config.service = fotobase_server::config::Service::parse(s)?;
        config.validate()?;
    }
    Ok(config)
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

/// The gateway's runtime: one worker thread unless `TOKIO_WORKER_THREADS` says otherwise. Its work
/// is hand-offs between connections, and across threads each hand-off is a wake-up of another
/// thread: on one thread the gateway added 21 % to a routed list request instead of 33 %
/// (benches/README.md). One thread forwards several thousand requests a second; more gateways
/// (or `TOKIO_WORKER_THREADS`) when that is not enough.
fn gateway_runtime() -> Result<tokio::runtime::Runtime> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if std::env::var_os("TOKIO_WORKER_THREADS").is_none() {
        builder.worker_threads(1);
    }
    Ok(builder.enable_all().build()?)
}

pub fn serve(args: ServeArgs) -> Result<()> {
    let config = load(&args)?;
    fotobase_server::app::init_tracing(&config.log_format);
    let rt = if config.service == fotobase_server::config::Service::Gateway { gateway_runtime()? } else { runtime()? };
    rt.block_on(fotobase_server::app::serve(config))
}

pub fn worker(args: ServeArgs) -> Result<()> {
    let config = load(&args)?;
    fotobase_server::app::init_tracing(&config.log_format);
    runtime()?.block_on(fotobase_server::app::work(config))
}

pub fn config(cmd: ConfigCommand, json: bool) -> Result<()> {
    let ConfigCommand::Check(args) = cmd;
    let config = load(&args)?;
    if json {
        let masked: toml::Value = toml::from_str(&config.masked())
            .map_err(|e| fotobase::Error::new(fotobase::ErrorKind::Unexpected, "config").with_source(e))?;
        println!("{}", serde_json::to_string_pretty(&masked).unwrap_or_default());
    } else {
        print!("{}", config.masked());
        eprintln!("configuration is valid");
    }
    Ok(())
}
