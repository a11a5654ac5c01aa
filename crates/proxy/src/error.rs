//! Why the proxy cannot start. Failures while forwarding become responses (502), never these.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("invalid Nomad address {address:?}: {reason}")]
    InvalidAddress { address: String, reason: String },

    #[error("invalid TLS server name {0:?}")]
    InvalidServerName(String),

    #[error("cannot read {path}: {source}")]
    ReadFile { path: PathBuf, source: std::io::Error },

    #[error("cannot parse PEM in {path}: {reason}")]
    Pem { path: PathBuf, reason: String },

    #[error("no certificate found in {0}")]
    NoCertificates(PathBuf),

    #[error("both a client certificate (NOMAD_CLIENT_CERT) and key (NOMAD_CLIENT_KEY) must be given")]
    IncompleteClientIdentity,

    #[error("TLS configuration: {0}")]
    Tls(#[from] rustls::Error),

    #[error("invalid base path {path:?}: {reason}")]
    InvalidBasePath { path: String, reason: String },

    #[error("invalid Content-Security-Policy {0:?}: it must be one line of visible characters")]
    InvalidPolicy(String),

    #[error("invalid --allowed-host {0:?}: expected a host name or address, with or without a port")]
    InvalidAllowedHost(String),

    #[error("no dashboard at {0}: index.html is missing (build it with `trunk build`)")]
    DashboardMissing(PathBuf),

    #[error("serving: {0}")]
    Serve(std::io::Error),
}
