//! TLS for the listeners (`--tls-listen`, `--wss-listen`): the server certificate and key
//! from PEM files, and, with `--tls-ca`, client certificates checked against that CA
//! (required with `--require-certificate`, as mosquitto's `require_certificate`).

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::Arc;
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{RootCertStore, ServerConfig};
use tokio_rustls::TlsAcceptor;

/// The acceptor for `cert` and `key`; with `ca`, client certificates signed by it are
/// verified (and demanded when `require_certificate`).
pub fn acceptor(
    cert: &Path,
    key: &Path,
    ca: Option<&Path>,
    require_certificate: bool,
) -> Result<TlsAcceptor, Box<dyn std::error::Error>> {
    let chain = CertificateDer::pem_file_iter(cert)
        .map_err(|e| format!("{}: {e}", cert.display()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: {e}", cert.display()))?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| format!("{}: {e}", key.display()))?;
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?;
    let builder = match ca {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for c in CertificateDer::pem_file_iter(ca).map_err(|e| format!("{}: {e}", ca.display()))? {
                roots.add(c.map_err(|e| format!("{}: {e}", ca.display()))?)?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            let verifier = if require_certificate {
                verifier.build()?
            } else {
                verifier.allow_unauthenticated().build()?
            };
            builder.with_client_cert_verifier(verifier)
        }
        None if require_certificate => {
            return Err("--require-certificate needs --tls-ca, the CA the client certificates are checked against".into())
        }
        None => builder.with_no_client_auth(),
    };
    let config = builder.with_single_cert(chain, key)?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}
