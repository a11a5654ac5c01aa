//! Everything the proxy needs, resolved once at start so a bad address or certificate stops it
//! with a clear message instead of failing each request.

use crate::tls::TlsSettings;
use crate::{policy_header, AllowedHosts, BasePath, ProxyError, ServeArgs, Upstream};
use axum::http::HeaderValue;
use caravan_listener::HttpLimitsArgs;
use rustls::pki_types::ServerName;
use std::path::PathBuf;
use std::sync::Arc;

/// Nomad's CLI default when `NOMAD_ADDR` is unset.
pub const DEFAULT_NOMAD_ADDR: &str = "http://127.0.0.1:4646";

#[derive(Debug, Clone)]
pub struct ProxyConfig {
    pub(crate) upstream: Upstream,
    pub(crate) tls: Arc<rustls::ClientConfig>,
    pub(crate) server_name: ServerName<'static>,
    pub(crate) ui_dir: PathBuf,
    pub(crate) base_path: BasePath,
    pub(crate) content_security_policy: Option<HeaderValue>,
    pub(crate) allowed_hosts: AllowedHosts,
    pub(crate) http_limits: HttpLimitsArgs,
}

impl ProxyConfig {
    /// Flags first, then the environment variables Nomad's CLI reads (`NOMAD_ADDR`,
    /// `NOMAD_CACERT`, `NOMAD_CAPATH`, `NOMAD_CLIENT_CERT`, `NOMAD_CLIENT_KEY`,
    /// `NOMAD_TLS_SERVER_NAME`, `NOMAD_SKIP_VERIFY`), then Nomad's defaults. Reads the
    /// certificate files now.
    pub fn from_env_and_args(args: &ServeArgs) -> Result<Self, ProxyError> {
        Self::from_vars_and_args(|name| std::env::var(name).ok(), args)
    }

    /// As [`ProxyConfig::from_env_and_args`], with the variables looked up by `vars`.
    pub fn from_vars_and_args(vars: impl Fn(&str) -> Option<String>, args: &ServeArgs) -> Result<Self, ProxyError> {
        // Nomad treats an empty variable as unset.
        let var = |name: &str| vars(name).filter(|v| !v.is_empty());
        let path = |name: &str| var(name).map(PathBuf::from);
        let address = args.nomad_addr.clone().or_else(|| var("NOMAD_ADDR"));
        let upstream = Upstream::parse(address.as_deref().unwrap_or(DEFAULT_NOMAD_ADDR))?;
        let settings = TlsSettings {
            ca_cert: args.ca_cert.clone().or_else(|| path("NOMAD_CACERT")),
            ca_path: args.ca_path.clone().or_else(|| path("NOMAD_CAPATH")),
            client_cert: args.client_cert.clone().or_else(|| path("NOMAD_CLIENT_CERT")),
            client_key: args.client_key.clone().or_else(|| path("NOMAD_CLIENT_KEY")),
            server_name: args.tls_server_name.clone().or_else(|| var("NOMAD_TLS_SERVER_NAME")),
            skip_verify: args.tls_skip_verify || var("NOMAD_SKIP_VERIFY").is_some_and(|v| skip_verify(&v)),
        };
        Ok(ProxyConfig {
            server_name: settings.server_name(upstream.host())?,
            tls: Arc::new(settings.client_config(upstream.is_https())?),
            upstream,
            ui_dir: args.ui_dir.clone(),
            base_path: args.base_path.clone(),
            content_security_policy: policy_header(&args.content_security_policy)?,
            allowed_hosts: AllowedHosts::new(args.bind, &args.host_check.allowed_hosts)?,
            http_limits: args.http_limits.clone(),
        })
    }

    /// The agent requests are forwarded to.
    pub fn upstream(&self) -> &Upstream {
        &self.upstream
    }
}

/// `NOMAD_SKIP_VERIFY` is read with Go's `strconv.ParseBool`; Nomad ignores other values
/// (verification stays on), so do we, with a warning.
fn skip_verify(value: &str) -> bool {
    nomad_api::query::parse_go_bool(value).unwrap_or_else(|| {
        tracing::warn!("NOMAD_SKIP_VERIFY={value:?} is not a boolean; certificates stay verified");
        false
    })
}
