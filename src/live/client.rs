//! Building a kube [`Client`] the way kubectl does: `--kubeconfig`, then `$KUBECONFIG`, then
//! `~/.kube/config`, then the in-cluster service account.

use std::path::{Path, PathBuf};
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};
use kube::{Client, Config};

use super::error::{chain, WatchError};

/// Where to find the cluster.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// An explicit kubeconfig file (`--kubeconfig`); wins over `$KUBECONFIG`.
    pub kubeconfig: Option<PathBuf>,
    /// The context to use instead of `current-context` (`--context`).
    pub context: Option<String>,
}

/// A connected client and what the configuration said.
#[derive(Clone)]
pub struct Connection {
    /// The client.
    pub client: Client,
    /// The namespace of the context (or of the service account in a cluster), else `default`.
    pub default_namespace: String,
    /// The API server URL, for messages.
    pub url: String,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("default_namespace", &self.default_namespace)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

fn kubeconfig_error(e: KubeconfigError, source: &str, context: Option<&str>) -> WatchError {
    let msg = match (&e, context) {
        (KubeconfigError::LoadContext(_), Some(c)) => {
            format!("context \"{c}\" not found in {source}")
        }
        (KubeconfigError::CurrentContextNotSet, _) => {
            format!("{source} has no current-context: pass --context")
        }
        _ => format!("invalid kubeconfig {source}: {}", chain(&e)),
    };
    WatchError::Config(msg)
}

/// The kubeconfig files kubectl would read: the existing entries of `$KUBECONFIG` (kubectl
/// skips missing ones), else `~/.kube/config` if it exists.
fn default_kubeconfig_files() -> Vec<PathBuf> {
    if let Some(v) = std::env::var_os("KUBECONFIG") {
        let listed: Vec<PathBuf> = std::env::split_paths(&v)
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
        if !listed.is_empty() {
            return listed.into_iter().filter(|p| p.is_file()).collect();
        }
    }
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"));
    match home.map(|h| Path::new(&h).join(".kube").join("config")) {
        Some(p) if p.is_file() => vec![p],
        _ => Vec::new(),
    }
}

/// Load the configuration and build a client. Does not contact the server.
pub async fn connect(opts: &ClientOptions) -> Result<Connection, WatchError> {
    let files = match &opts.kubeconfig {
        Some(p) => vec![p.clone()],
        None => default_kubeconfig_files(),
    };
    let mut config = if files.is_empty() {
        if std::env::var_os("KUBERNETES_SERVICE_HOST").is_none() {
            return Err(WatchError::Config(
                "no kubeconfig found (looked at $KUBECONFIG, ~/.kube/config) and not running in a cluster"
                    .into(),
            ));
        }
        Config::incluster().map_err(|e| {
            WatchError::Config(format!(
                "cannot load the in-cluster configuration: {}",
                chain(&e)
            ))
        })?
    } else {
        let source = files
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(":");
        let mut merged: Option<Kubeconfig> = None;
        for f in &files {
            let kc = Kubeconfig::read_from(f).map_err(|e| match e {
                KubeconfigError::ReadConfig(io, _) => {
                    WatchError::Config(format!("cannot read kubeconfig {}: {io}", f.display()))
                }
                e => kubeconfig_error(e, &f.display().to_string(), None),
            })?;
            merged = Some(match merged {
                None => kc,
                // First file wins, as kubectl merges $KUBECONFIG.
                Some(m) => m
                    .merge(kc)
                    .map_err(|e| kubeconfig_error(e, &source, None))?,
            });
        }
        let kc = merged.unwrap_or_default();
        let options = KubeConfigOptions {
            context: opts.context.clone(),
            cluster: None,
            user: None,
        };
        Config::from_custom_kubeconfig(kc, &options)
            .await
            .map_err(|e| kubeconfig_error(e, &source, opts.context.as_deref()))?
    };
    // Fail fast on a dead address; watches themselves are long polls and have no read timeout.
    config.connect_timeout = Some(Duration::from_secs(10));
    let url = config
        .cluster_url
        .to_string()
        .trim_end_matches('/')
        .to_string();
    let default_namespace = config.default_namespace.clone();
    let client = Client::try_from(config).map_err(|e| {
        WatchError::Config(format!("cannot build a client for {url}: {}", chain(&e)))
    })?;
    Ok(Connection {
        client,
        default_namespace,
        url,
    })
}
