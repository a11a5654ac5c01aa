//! TLS to the agent, configured with Nomad's variables, against an agent that requires client
//! certificates (Nomad's `verify_https_client`) from a CA made here.

use crate::common::*;
use crate::websocket::{check_session, open_exec};
use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// The name in the agent's certificate, as Nomad names its servers; not the address's host.
const SERVER_NAME: &str = "server.global.nomad";

struct Pki {
    dir: tempfile::TempDir,
    server: Arc<ServerConfig>,
}

impl Pki {
    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }
}

fn make_pki() -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca_params.distinguished_name.push(DnType::CommonName, "Nomad Agent CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf = |name: &str, usage| {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec![name.to_string()]).unwrap();
        params.extended_key_usages = vec![usage];
        (params.signed_by(&key, &ca, &ca_key).unwrap(), key)
    };
    let (server_cert, server_key) = leaf(SERVER_NAME, ExtendedKeyUsagePurpose::ServerAuth);
    let (client_cert, client_key) = leaf("cli.global.nomad", ExtendedKeyUsagePurpose::ClientAuth);

    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("ca")).unwrap();
    std::fs::write(dir.path().join("ca/nomad-agent-ca.pem"), ca.pem()).unwrap();
    std::fs::write(dir.path().join("cli.pem"), client_cert.pem()).unwrap();
    std::fs::write(dir.path().join("cli-key.pem"), client_key.serialize_pem()).unwrap();

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    roots.add(ca.der().clone()).unwrap();
    let clients = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone()).build().unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let chain: Vec<CertificateDer<'static>> = vec![server_cert.der().clone()];
    let server = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(clients)
        .with_single_cert(chain, key)
        .unwrap();
    Pki { dir, server: Arc::new(server) }
}

/// Accepts only connections whose TLS handshake succeeds.
struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, addr)) = self.tcp.accept().await else {
                continue;
            };
            if let Ok(tls) = self.acceptor.accept(tcp).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

async fn start_tls_agent(pki: &Pki) -> FakeAgent {
    let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("https://{}", tcp.local_addr().unwrap());
    let (router, chunks, closes) = agent_router(address.clone());
    let listener = TlsListener { tcp, acceptor: TlsAcceptor::from(pki.server.clone()) };
    tokio::spawn(async move { axum::serve(listener, router).await });
    FakeAgent { address, chunks: Some(chunks), closes }
}

/// Nomad's variables for reaching `agent` with the CA file, the server name and the client
/// certificate: everything that makes the connection work.
fn working_vars(pki: &Pki, agent: &FakeAgent) -> Vec<(&'static str, String)> {
    vec![
        ("NOMAD_ADDR", agent.address.clone()),
        ("NOMAD_CACERT", pki.path("ca/nomad-agent-ca.pem")),
        ("NOMAD_TLS_SERVER_NAME", SERVER_NAME.to_string()),
        ("NOMAD_CLIENT_CERT", pki.path("cli.pem")),
        ("NOMAD_CLIENT_KEY", pki.path("cli-key.pem")),
    ]
}

fn without(mut vars: Vec<(&'static str, String)>, name: &str) -> Vec<(&'static str, String)> {
    vars.retain(|(k, _)| *k != name);
    vars
}

/// A proxy configured with `flags` and `vars`, and its answer to `GET /v1/echo`.
async fn echo_through(flags: &[&str], vars: &[(&str, String)]) -> (Proxy, reqwest::Response) {
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let proxy = start_proxy(flags, &vars).await;
    let response = get(&proxy, "/v1/echo").await;
    (proxy, response)
}

#[tokio::test]
async fn verified_by_the_ca_under_the_server_name_with_a_client_certificate() {
    let pki = make_pki();
    let agent = start_tls_agent(&pki).await;
    let (proxy, response) = echo_through(&[], &working_vars(&pki, &agent)).await;
    assert_eq!(response.status(), 201);
    let seen: serde_json::Value = response.json().await.unwrap();
    // Host stays the address's, as Nomad's client sends it; only TLS uses the server name.
    assert_eq!(seen["headers"]["host"], agent.address.trim_start_matches("https://"));

    let mut browser = open_exec(&proxy.url, "a1").await.unwrap();
    check_session(&mut browser, &agent.address).await;
}

#[tokio::test]
async fn flags_work_as_the_variables_and_a_ca_directory_as_a_ca_file() {
    let pki = make_pki();
    let agent = start_tls_agent(&pki).await;
    let (ca_dir, cert, key) = (pki.path("ca"), pki.path("cli.pem"), pki.path("cli-key.pem"));
    let flags = ["--nomad-addr", &agent.address, "--ca-path", &ca_dir, "--tls-server-name", SERVER_NAME];
    let flags = [&flags[..], &["--client-cert", &cert, "--client-key", &key]].concat();
    let (_proxy, response) = echo_through(&flags, &[]).await;
    assert_eq!(response.status(), 201);
}

#[tokio::test]
async fn without_the_server_name_the_addresss_host_is_verified_and_fails() {
    let pki = make_pki();
    let agent = start_tls_agent(&pki).await;
    let vars = without(working_vars(&pki, &agent), "NOMAD_TLS_SERVER_NAME");
    let (_proxy, response) = echo_through(&[], &vars).await;
    assert_eq!(response.status(), 502);
    let text = response.text().await.unwrap();
    assert!(text.contains("certificate not valid for name \"127.0.0.1\""), "{text}");
}

#[tokio::test]
async fn skip_verify_accepts_the_certificate_without_a_ca_or_name() {
    let pki = make_pki();
    let agent = start_tls_agent(&pki).await;
    let unverifiable = without(without(working_vars(&pki, &agent), "NOMAD_CACERT"), "NOMAD_TLS_SERVER_NAME");
    let skip = |value: &str| [&unverifiable[..], &[("NOMAD_SKIP_VERIFY", value.to_string())]].concat();
    let (_proxy, response) = echo_through(&[], &skip("1")).await;
    assert_eq!(response.status(), 201);
    // Not a Go boolean: ignored as Nomad ignores it, so the certificate is still verified.
    let (_proxy, response) = echo_through(&[], &skip("yes")).await;
    assert_eq!(response.status(), 502);
}

#[tokio::test]
async fn without_a_client_certificate_the_agent_refuses() {
    let pki = make_pki();
    let agent = start_tls_agent(&pki).await;
    let vars = without(without(working_vars(&pki, &agent), "NOMAD_CLIENT_CERT"), "NOMAD_CLIENT_KEY");
    let (_proxy, response) = echo_through(&[], &vars).await;
    assert_eq!(response.status(), 502);
}
