//! The Nomad agent the proxy forwards to: its scheme and authority, from `NOMAD_ADDR`.

use crate::ProxyError;
use axum::http::uri::{Authority, Scheme};
use axum::http::{HeaderValue, Uri};
use std::fmt;

#[derive(Debug, Clone)]
pub struct Upstream {
    scheme: Scheme,
    authority: Authority,
}

impl Upstream {
    /// Reads an address as Nomad's CLI does: only the scheme and `host[:port]` count (a path is
    /// ignored). Credentials in the address are refused rather than silently dropped.
    pub fn parse(address: &str) -> Result<Self, ProxyError> {
        let invalid =
            |reason: &str| ProxyError::InvalidAddress { address: address.to_string(), reason: reason.to_string() };
        let uri: Uri = address.parse().map_err(|e: axum::http::uri::InvalidUri| invalid(&e.to_string()))?;
        let scheme = match uri.scheme() {
            Some(s) if *s == Scheme::HTTP || *s == Scheme::HTTPS => s.clone(),
            _ => return Err(invalid("it must start with http:// or https://")),
        };
        let authority = uri.authority().cloned().ok_or_else(|| invalid("it has no host"))?;
        if authority.as_str().contains('@') {
            return Err(invalid("credentials in the address are not supported"));
        }
        Ok(Upstream { scheme, authority })
    }

    pub fn is_https(&self) -> bool {
        self.scheme == Scheme::HTTPS
    }

    /// The host to verify the certificate against, without an IPv6 literal's brackets.
    pub(crate) fn host(&self) -> &str {
        let host = self.authority.host();
        host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host)
    }

    /// `Host` for requests to the agent.
    pub(crate) fn host_header(&self) -> HeaderValue {
        header_value(self.authority.as_str())
    }

    /// The `Origin` the agent's WebSocket endpoints accept: the agent's own address.
    pub(crate) fn origin(&self) -> HeaderValue {
        header_value(&self.to_string())
    }

    /// The agent's URL for a request's path and query, in `scheme` (`http`/`https` for plain
    /// requests and connecting, `ws`/`wss` for the WebSocket handshake).
    pub(crate) fn url(&self, scheme: &str, path_and_query: &str) -> Result<Uri, axum::http::Error> {
        Uri::builder().scheme(scheme).authority(self.authority.clone()).path_and_query(path_and_query).build()
    }

    pub(crate) fn http_url(&self, path_and_query: &str) -> Result<Uri, axum::http::Error> {
        self.url(self.scheme.as_str(), path_and_query)
    }

    pub(crate) fn ws_url(&self, path_and_query: &str) -> Result<Uri, axum::http::Error> {
        self.url(if self.is_https() { "wss" } else { "ws" }, path_and_query)
    }
}

/// A parsed URI's scheme and authority are always valid header text.
fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

impl fmt::Display for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.authority)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_scheme_and_authority_and_ignores_the_path() {
        let up = Upstream::parse("https://nomad.example.com:4646/ignored").unwrap();
        assert!(up.is_https());
        assert_eq!(up.to_string(), "https://nomad.example.com:4646");
        assert_eq!(up.origin(), "https://nomad.example.com:4646");
        assert_eq!(up.host_header(), "nomad.example.com:4646");
        assert_eq!(up.ws_url("/v1/x?a=b").unwrap().to_string(), "wss://nomad.example.com:4646/v1/x?a=b");
    }

    #[test]
    fn ipv6_host_loses_its_brackets_for_tls() {
        let up = Upstream::parse("http://[::1]:4646").unwrap();
        assert_eq!(up.host(), "::1");
        assert_eq!(up.host_header(), "[::1]:4646");
    }

    #[test]
    fn refuses_addresses_nomad_cannot_be_reached_at() {
        for bad in ["127.0.0.1:4646", "ftp://host", "http://user:pw@host:4646", "http://", "not a url"] {
            let err = Upstream::parse(bad).unwrap_err();
            assert!(matches!(err, ProxyError::InvalidAddress { .. }), "{bad}: {err}");
        }
    }
}
