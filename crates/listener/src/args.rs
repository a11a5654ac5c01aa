//! The connection limits as flags, flattened into the local agent's and `serve`'s, so both
//! servers are tuned the same way. `--http-max-conns-per-client` is Nomad's
//! `limits.http_max_conns_per_client`; the timeouts are hidden: they exist so that tests need not
//! wait two minutes for an idle connection to be closed.

use crate::{Limits, BODY_READ_TIMEOUT, BODY_STALL_TIMEOUT, HEADER_READ_TIMEOUT, IDLE_TIMEOUT, MAX_CONNS_PER_CLIENT};
use clap::Args;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A timeout in Go's duration text (`10s`, `500ms`, `2m`), as Nomad's `limits` block takes
/// them; never zero (a zero timeout would close every connection at once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeout(pub Duration);

impl FromStr for Timeout {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let duration = nomad_api::duration::parse_go_duration(text)?;
        if duration.is_zero() {
            return Err(format!("invalid timeout {text:?}: it must be greater than zero"));
        }
        Ok(Timeout(duration))
    }
}

impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.subsec_millis() == 0 && self.0.subsec_nanos() == 0 {
            write!(f, "{}s", self.0.as_secs())
        } else {
            write!(f, "{}ms", self.0.as_millis().max(1))
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct HttpLimitsArgs {
    /// Connections one client address may hold open at once, as Nomad's
    /// `limits.http_max_conns_per_client` (429 beyond); 0 for no limit. Loopback clients are not
    /// limited: on loopback every local program shares one address.
    #[arg(long, env = "CARAVAN_HTTP_MAX_CONNS_PER_CLIENT", default_value_t = MAX_CONNS_PER_CLIENT)]
    pub http_max_conns_per_client: usize,

    /// How long a request head may take from its first byte.
    #[arg(long, hide = true, env = "CARAVAN_HTTP_HEADER_READ_TIMEOUT", default_value_t = Timeout(HEADER_READ_TIMEOUT))]
    pub http_header_read_timeout: Timeout,

    /// How long a connection may wait for its next request.
    #[arg(long, hide = true, env = "CARAVAN_HTTP_IDLE_TIMEOUT", default_value_t = Timeout(IDLE_TIMEOUT))]
    pub http_idle_timeout: Timeout,

    /// How long a request body may take (plus a second per 64 KiB received).
    #[arg(long, hide = true, env = "CARAVAN_HTTP_BODY_READ_TIMEOUT", default_value_t = Timeout(BODY_READ_TIMEOUT))]
    pub http_body_read_timeout: Timeout,
}

impl Default for HttpLimitsArgs {
    fn default() -> Self {
        HttpLimitsArgs {
            http_max_conns_per_client: MAX_CONNS_PER_CLIENT,
            http_header_read_timeout: Timeout(HEADER_READ_TIMEOUT),
            http_idle_timeout: Timeout(IDLE_TIMEOUT),
            http_body_read_timeout: Timeout(BODY_READ_TIMEOUT),
        }
    }
}

impl HttpLimitsArgs {
    /// The limits these flags give a server that may hold `max_conns` connections.
    pub fn limits(&self, max_conns: usize) -> Limits {
        let body_read_timeout = self.http_body_read_timeout.0;
        Limits {
            header_read_timeout: self.http_header_read_timeout.0,
            idle_timeout: self.http_idle_timeout.0,
            body_read_timeout,
            // A shorter body deadline (tests) shortens the pause allowed with it.
            body_stall_timeout: BODY_STALL_TIMEOUT.min(body_read_timeout),
            max_conns,
            max_conns_per_client: self.http_max_conns_per_client,
            limit_loopback_clients: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_read_and_print_as_go_durations() {
        assert_eq!("10s".parse::<Timeout>(), Ok(Timeout(Duration::from_secs(10))));
        assert_eq!("1m30s".parse::<Timeout>(), Ok(Timeout(Duration::from_secs(90))));
        assert_eq!("250ms".parse::<Timeout>(), Ok(Timeout(Duration::from_millis(250))));
        assert!("0s".parse::<Timeout>().unwrap_err().contains("greater than zero"));
        assert!("10".parse::<Timeout>().is_err());
        assert_eq!(Timeout(Duration::from_secs(120)).to_string(), "120s");
        assert_eq!(Timeout(Duration::from_millis(1500)).to_string(), "1500ms");
    }

    #[test]
    fn the_defaults_are_the_documented_limits() {
        let limits = HttpLimitsArgs::default().limits(768);
        assert_eq!(limits.header_read_timeout, Duration::from_secs(10));
        assert_eq!(limits.idle_timeout, Duration::from_secs(120));
        assert_eq!(limits.body_read_timeout, Duration::from_secs(30));
        assert_eq!(limits.body_stall_timeout, Duration::from_secs(10));
        assert_eq!(limits.max_conns_per_client, 100);
        assert!(!limits.limit_loopback_clients);
    }
}
