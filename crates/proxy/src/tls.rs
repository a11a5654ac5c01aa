//! TLS to the agent as Nomad's API client sets it up (`api.ConfigureTLS`): roots from the CA
//! file, else the CA directory, else the system; an optional client certificate, which needs
//! both its certificate and key; an optional server name replacing the address's host for SNI
//! and verification; and skip-verify. HTTP/1.1 only, as Nomad's client (exec needs it).

use crate::ProxyError;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The TLS inputs, already resolved from flags and environment.
#[derive(Debug, Clone, Default)]
pub(crate) struct TlsSettings {
    pub ca_cert: Option<PathBuf>,
    pub ca_path: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub server_name: Option<String>,
    pub skip_verify: bool,
}

impl TlsSettings {
    /// The client configuration for an `https` agent. For an `http` agent nothing is read: the
    /// configuration is never used, so it gets no roots.
    pub fn client_config(&self, https: bool) -> Result<ClientConfig, ProxyError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone()).with_safe_default_protocol_versions()?;
        if !https {
            return Ok(builder.with_root_certificates(RootCertStore::empty()).with_no_client_auth());
        }
        let roots = self.roots()?;
        let builder = if self.skip_verify {
            builder.dangerous().with_custom_certificate_verifier(Arc::new(SkipVerify(provider)))
        } else {
            builder.with_root_certificates(roots)
        };
        Ok(match self.client_identity()? {
            Some((certs, key)) => builder.with_client_auth_cert(certs, key)?,
            None => builder.with_no_client_auth(),
        })
    }

    /// The name to send and verify: the configured server name, else the address's host.
    pub fn server_name(&self, host: &str) -> Result<ServerName<'static>, ProxyError> {
        let name = self.server_name.as_deref().unwrap_or(host);
        ServerName::try_from(name.to_string()).map_err(|_| ProxyError::InvalidServerName(name.to_string()))
    }

    /// Read even when verification is skipped, so a wrong path fails as it does for Nomad.
    fn roots(&self) -> Result<RootCertStore, ProxyError> {
        let certs = if let Some(file) = &self.ca_cert {
            read_certificates(file)?
        } else if let Some(dir) = &self.ca_path {
            let mut certs = Vec::new();
            read_certificate_dir(dir, &mut certs)?;
            certs
        } else {
            system_certificates()
        };
        let mut roots = RootCertStore::empty();
        for cert in certs {
            roots.add(cert)?;
        }
        Ok(roots)
    }

    fn client_identity(&self) -> Result<Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>, ProxyError> {
        match (&self.client_cert, &self.client_key) {
            (None, None) => Ok(None),
            (Some(cert), Some(key)) => {
                let certs = read_certificates(cert)?;
                let key = PrivateKeyDer::from_pem_file(key).map_err(|e| pem_error(key, e))?;
                Ok(Some((certs, key)))
            }
            _ => Err(ProxyError::IncompleteClientIdentity),
        }
    }
}

/// Every certificate in a PEM file; a file with none is an error, as for Nomad.
fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, ProxyError> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| pem_error(path, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(path, e))?;
    if certs.is_empty() {
        return Err(ProxyError::NoCertificates(path.to_path_buf()));
    }
    Ok(certs)
}

/// Every file under the directory, recursively, must hold certificates (go-rootcerts' walk).
fn read_certificate_dir(dir: &Path, certs: &mut Vec<CertificateDer<'static>>) -> Result<(), ProxyError> {
    let read_error = |source| ProxyError::ReadFile { path: dir.to_path_buf(), source };
    let mut entries = std::fs::read_dir(dir)
        .map_err(read_error)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(read_error)?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            read_certificate_dir(&path, certs)?;
        } else {
            certs.extend(read_certificates(&path)?);
        }
    }
    Ok(())
}

fn system_certificates() -> Vec<CertificateDer<'static>> {
    let found = rustls_native_certs::load_native_certs();
    for error in &found.errors {
        tracing::warn!("loading the system's CA certificates: {error}");
    }
    if found.certs.is_empty() {
        tracing::warn!("no system CA certificates: set NOMAD_CACERT to verify the Nomad agent");
    }
    found.certs
}

fn pem_error(path: &Path, error: rustls::pki_types::pem::Error) -> ProxyError {
    match error {
        rustls::pki_types::pem::Error::Io(source) => ProxyError::ReadFile { path: path.to_path_buf(), source },
        rustls::pki_types::pem::Error::NoItemsFound => {
            ProxyError::Pem { path: path.to_path_buf(), reason: "no private key found".to_string() }
        }
        other => ProxyError::Pem { path: path.to_path_buf(), reason: other.to_string() },
    }
}

/// `NOMAD_SKIP_VERIFY`: any certificate and name are accepted, but the handshake signatures are
/// still checked, so the connection is at least to whoever holds the presented key.
#[derive(Debug)]
struct SkipVerify(Arc<CryptoProvider>);

impl ServerCertVerifier for SkipVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
