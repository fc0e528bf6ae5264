//! `digiusher-sim`: runs the DigiUsher API simulator as a process. Prints its base
//! URL on stdout when ready, logs requests on stderr, stops on SIGTERM / Ctrl-C
//! (or when stdin closes, with `--exit-on-stdin-eof`).

use std::io::Write;

use digiusher_sim::{ProviderAuth, ServeOptions, SimConfig, Simulator};

const USAGE: &str = "usage: digiusher-sim [--port N] [--now RFC3339] [--no-static-tokens] \
[--issuer URL --introspection-endpoint URL --client-id ID --client-secret S] \
[--metadata-issuer URL] [--exit-on-stdin-eof] [--quiet]";

struct Args {
    config: SimConfig,
    options: ServeOptions,
    exit_on_eof: bool,
}

fn parse(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut config = SimConfig::default();
    let mut options = ServeOptions {
        port: 0,
        log_to_stderr: true,
    };
    let mut exit_on_eof = false;
    let (mut issuer, mut endpoint, mut client_id, mut secret) = (None, None, None, None);
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--port" => {
                let v = value("--port")?;
                options.port = v
                    .parse()
                    .map_err(|_| format!("--port must be a port number; got {v:?}"))?;
            }
            "--now" => config.now = Some(value("--now")?),
            "--no-static-tokens" => config.static_tokens = false,
            "--issuer" => issuer = Some(value("--issuer")?),
            "--introspection-endpoint" => endpoint = Some(value("--introspection-endpoint")?),
            "--client-id" => client_id = Some(value("--client-id")?),
            "--client-secret" => secret = Some(value("--client-secret")?),
            "--metadata-issuer" => config.issuer_for_metadata = Some(value("--metadata-issuer")?),
            "--exit-on-stdin-eof" => exit_on_eof = true,
            "--quiet" => options.log_to_stderr = false,
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    match (issuer, endpoint, client_id, secret) {
        (None, None, None, None) => {}
        (Some(issuer), Some(introspection_endpoint), Some(client_id), Some(client_secret)) => {
            config.provider = Some(ProviderAuth {
                issuer,
                introspection_endpoint,
                client_id,
                client_secret,
            });
        }
        _ => {
            return Err(
                "provider mode needs all of --issuer, --introspection-endpoint, --client-id and --client-secret"
                    .to_string(),
            );
        }
    }
    Ok(Args {
        config,
        options,
        exit_on_eof,
    })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            std::process::exit(2);
        }
    };
    let sim = match Simulator::start_with(args.config, args.options).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("digiusher-sim: cannot start: {e}");
            std::process::exit(1);
        }
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", sim.base_url());
        let _ = out.flush();
    }
    let (eof_tx, eof_rx) = tokio::sync::oneshot::channel::<()>();
    if args.exit_on_eof {
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
            let _ = eof_tx.send(());
        });
    } else {
        std::mem::forget(eof_tx);
    }
    let terminate = async {
        #[cfg(unix)]
        {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        }
        #[cfg(not(unix))]
        std::future::pending::<()>().await
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
        _ = eof_rx => {}
    }
    drop(sim);
}
