//! Resolving the agent's address and TLS inputs from flags and Nomad's environment variables.

use crate::common::*;
use nomad_proxy::{ProxyError, DEFAULT_NOMAD_ADDR};

fn upstream(flags: &[&str], vars: &[(&str, &str)]) -> String {
    let ui = dashboard_dir();
    config(ui.path(), flags, vars).unwrap().upstream().to_string()
}

#[test]
fn the_address_comes_from_the_flag_then_nomad_addr_then_nomads_default() {
    let env = [("NOMAD_ADDR", "http://10.0.0.5:4646")];
    assert_eq!(upstream(&["--nomad-addr", "http://nomad.internal:4646"], &env), "http://nomad.internal:4646");
    assert_eq!(upstream(&[], &env), "http://10.0.0.5:4646");
    assert_eq!(upstream(&[], &[]), DEFAULT_NOMAD_ADDR);
    // An empty variable counts as unset, as for Nomad's CLI.
    assert_eq!(upstream(&[], &[("NOMAD_ADDR", "")]), DEFAULT_NOMAD_ADDR);
}

#[test]
fn a_client_certificate_needs_its_key() {
    let ui = dashboard_dir();
    let vars = [("NOMAD_ADDR", "https://127.0.0.1:4646"), ("NOMAD_CLIENT_CERT", "/tmp/cli.pem")];
    let err = config(ui.path(), &[], &vars).unwrap_err();
    assert!(matches!(err, ProxyError::IncompleteClientIdentity), "{err}");
}

#[test]
fn certificate_files_are_checked_at_start() {
    let ui = dashboard_dir();
    let missing = ui.path().join("missing.pem");
    let https = ("NOMAD_ADDR", "https://127.0.0.1:4646");
    let err = config(ui.path(), &[], &[https, ("NOMAD_CACERT", missing.to_str().unwrap())]).unwrap_err();
    assert!(matches!(err, ProxyError::ReadFile { .. }), "{err}");

    let not_pem = ui.path().join("index.html");
    let err = config(ui.path(), &["--ca-cert", not_pem.to_str().unwrap()], &[https]).unwrap_err();
    assert!(matches!(err, ProxyError::NoCertificates(_)), "{err}");

    // Nothing is read for a plain-HTTP agent, as the configuration would never be used.
    let plain = ("NOMAD_ADDR", "http://127.0.0.1:4646");
    assert!(config(ui.path(), &[], &[plain, ("NOMAD_CACERT", missing.to_str().unwrap())]).is_ok());
}

#[test]
fn a_bad_address_or_server_name_is_refused() {
    let ui = dashboard_dir();
    let err = config(ui.path(), &["--nomad-addr", "127.0.0.1:4646"], &[]).unwrap_err();
    assert!(err.to_string().contains("http:// or https://"), "{err}");
    let vars = [("NOMAD_ADDR", "https://127.0.0.1:4646"), ("NOMAD_TLS_SERVER_NAME", "not a name")];
    let err = config(ui.path(), &[], &vars).unwrap_err();
    assert!(matches!(err, ProxyError::InvalidServerName(_)), "{err}");
}
