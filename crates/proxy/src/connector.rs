//! Connections to the agent: TCP without Nagle (exec is interactive), then TLS for `https`,
//! bounded by one connect timeout. Nothing bounds a request once connected: blocking queries
//! last up to 5 minutes plus jitter, and log streams as long as someone follows them.

use crate::ProxyConfig;
use axum::http::Uri;
use hyper_rustls::{FixedServerNameResolver, HttpsConnector, HttpsConnectorBuilder, MaybeHttpsStream};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::TcpStream;
use tower::Service;

pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// One connection to the agent, plain or TLS.
pub(crate) type Connection = MaybeHttpsStream<TokioIo<TcpStream>>;

#[derive(Clone)]
pub(crate) struct Connector {
    inner: HttpsConnector<HttpConnector>,
}

impl Connector {
    pub fn new(config: &ProxyConfig) -> Self {
        let mut tcp = HttpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        let inner = HttpsConnectorBuilder::new()
            .with_tls_config(config.tls.as_ref().clone())
            .https_or_http()
            .with_server_name_resolver(FixedServerNameResolver::new(config.server_name.clone()))
            .enable_http1()
            .wrap_connector(tcp);
        Connector { inner }
    }
}

impl Service<Uri> for Connector {
    type Response = Connection;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Connection, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let connecting = self.inner.call(uri);
        Box::pin(async move {
            tokio::time::timeout(CONNECT_TIMEOUT, connecting).await.map_err(|_| {
                let message = format!("no connection within {}s", CONNECT_TIMEOUT.as_secs());
                BoxError::from(std::io::Error::new(std::io::ErrorKind::TimedOut, message))
            })?
        })
    }
}
