//! `billing-sandbox serve`: the chain as a local GenLayer node on loopback, the JSON-RPC that
//! genlayer-js and the genlayer CLI use with Studio's localnet (crates/rpc).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use billing_artifact::{ArtifactError, Flavor};
use billing_chain::Chain;
use billing_rpc::{ClockMode, Node, NodeConfig};

/// What `serve` needs besides the opened chain.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// 0: any free port (printed).
    pub port: u16,
    /// Block time moves only through `sim_increaseTime` / `sim_setTime` (for tests).
    pub fixed_clock: bool,
    /// Worker threads answering requests (the chain itself runs one transaction at a time).
    pub threads: usize,
    /// The dashboard's built files; `None`: [`dashboard_dir`].
    pub dashboard: Option<PathBuf>,
}

impl Default for ServeOptions {
    fn default() -> ServeOptions {
        ServeOptions { port: 4000, fixed_clock: false, threads: 4, dashboard: None }
    }
}

/// The environment variable naming the dashboard's built files (dashboard/dist).
pub const DASHBOARD_ENV: &str = "BILLING_DASHBOARD_DIR";

/// Where the dashboard's files are: `$BILLING_DASHBOARD_DIR`, else this checkout's dashboard/dist.
pub fn dashboard_dir() -> PathBuf {
    match std::env::var_os(DASHBOARD_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("..").join("dashboard").join("dist"),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("the GenVM artifact (what deploys must carry): {0}")]
    Artifact(#[from] ArtifactError),
    #[error("starting the node: {}", .0.message)]
    Node(billing_rpc::RpcError),
    #[error(transparent)]
    Listen(#[from] billing_rpc::ServeError),
}

/// Serves `chain` (opened from `state`) until the process ends.
pub fn run(chain: Chain, state: &Path, options: &ServeOptions) -> Result<(), ServeError> {
    let genvm = billing_artifact::fixture(Flavor::Genvm)?;
    let zip = genvm.zip();
    let config = NodeConfig {
        clock: if options.fixed_clock { ClockMode::Fixed } else { ClockMode::System },
        deployable: vec![zip.clone(), genvm.bytes.clone()],
        code: zip,
    };
    let node = Arc::new(Node::new(chain, config).map_err(ServeError::Node)?);
    let dashboard = billing_rpc::Dashboard::new(options.dashboard.clone().unwrap_or_else(dashboard_dir));
    let built = dashboard.is_built();
    let running = billing_rpc::serve_with(node, options.port, options.threads, Some(dashboard))?;
    let mut out = std::io::stdout().lock();
    // Printing is best effort: a closed stdout must not stop the node.
    let _ = writeln!(
        out,
        "billing-sandbox node on http://{}/api (chain id {}, genlayer-js `localnet`; loopback only)",
        running.addr,
        billing_rpc::CHAIN_ID
    );
    let _ = writeln!(
        out,
        "billing contract at {}; state {}; block time: {}",
        billing_chain::CONTRACT.to_hex(),
        state.display(),
        if options.fixed_clock {
            "fixed (moved by sim_increaseTime / sim_setTime)"
        } else {
            "this machine's clock"
        }
    );
    if built {
        let _ = writeln!(
            out,
            "dashboard at http://{}/ (views: /?contract=0x…&consumer=0x… , /?contract=0x…&api=NAME , /?playground)",
            running.addr
        );
    } else {
        let _ = writeln!(out, "{}", billing_rpc::dashboard::NOT_BUILT);
    }
    let _ = writeln!(out, "development accounts (public test keys: never use them elsewhere):");
    for (key, address) in billing_rpc::dev_accounts() {
        let _ = writeln!(out, "  {}  private key 0x{}", address.to_hex(), billing_rpc::hex::encode(&key));
    }
    let _ = out.flush();
    drop(out);
    running.wait();
    Ok(())
}
