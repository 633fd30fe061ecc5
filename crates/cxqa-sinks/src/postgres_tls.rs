//! TLS to PostgreSQL with rustls (the ring provider, as for HTTP), honouring libpq's `sslmode`:
//! `disable`, `prefer` and `require` encrypt without checking the certificate (as libpq does,
//! unless a CA file is given, which makes `require` check the chain), `verify-ca` checks the
//! chain, `verify-full` the chain and the host name. The CA comes from `sink.ca_file` or the
//! DSN's `sslrootcert`, else the system's roots. Without `sslmode`, a server on this machine is
//! `prefer` and any other `require`.

use crate::SinkError;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{WebPkiServerVerifier, verify_server_cert_signed_by_trust_anchor};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::config::{Host, SslMode as WireMode};
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect};

/// libpq's `sslmode` values cxqa honours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Result<SslMode, SinkError> {
        Ok(match value {
            "disable" => SslMode::Disable,
            "prefer" | "allow" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(SinkError::Config(format!(
                    "`sink.dsn`: sslmode `{other}` is unknown (fix: use disable, prefer, require, verify-ca or verify-full)"
                )));
            }
        })
    }
}

/// A DSN split into what tokio-postgres reads and the TLS settings it does not understand.
#[derive(Debug)]
pub struct TlsDsn {
    pub config: tokio_postgres::Config,
    pub mode: SslMode,
    pub ca_file: Option<PathBuf>,
}

/// Takes `sslmode` and `sslrootcert` out of a URL or key/value DSN. Errors never quote the DSN.
pub fn parse_dsn(dsn: &str, ca_file: Option<&Path>) -> Result<TlsDsn, SinkError> {
    let mut mode = None;
    let mut root_cert = None;
    let mut take = |key: &str, value: &str| match key {
        "sslmode" => {
            mode = Some(value.to_string());
            true
        }
        "sslrootcert" => {
            root_cert = Some(PathBuf::from(value));
            true
        }
        _ => false,
    };
    let rest = if let Some((base, query)) = dsn.split_once('?').filter(|_| dsn.contains("://")) {
        let kept: Vec<&str> = query
            .split('&')
            .filter(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                !take(key, value)
            })
            .collect();
        if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        }
    } else if dsn.contains("://") {
        dsn.to_string()
    } else {
        dsn.split_whitespace()
            .filter(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                !take(key, value.trim_matches('\''))
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut config: tokio_postgres::Config = rest.parse().map_err(|e| {
        SinkError::Config(format!(
            "`sink.dsn` is not a PostgreSQL connection string ({e}) (fix: write it like `postgres://user:password@host:5432/db?sslmode=require`)"
        ))
    })?;
    let mode = match mode {
        Some(value) => SslMode::parse(&value)?,
        None if config.get_hosts().iter().all(is_local) => SslMode::Prefer,
        None => SslMode::Require,
    };
    config.ssl_mode(match mode {
        SslMode::Disable => WireMode::Disable,
        SslMode::Prefer => WireMode::Prefer,
        _ => WireMode::Require,
    });
    Ok(TlsDsn {
        config,
        mode,
        ca_file: ca_file.map(Path::to_path_buf).or(root_cert),
    })
}

fn is_local(host: &Host) -> bool {
    match host {
        Host::Tcp(name) => {
            name == "localhost"
                || name
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        #[cfg(unix)]
        Host::Unix(_) => true,
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The rustls client configuration for `mode`.
pub fn client_config(
    mode: SslMode,
    ca_file: Option<&Path>,
) -> Result<rustls::ClientConfig, SinkError> {
    let provider = provider();
    let checks_chain = matches!(mode, SslMode::VerifyCa | SslMode::VerifyFull) || ca_file.is_some();
    let verifier: Arc<dyn ServerCertVerifier> = if checks_chain {
        let roots = Arc::new(roots(ca_file)?);
        let webpki = WebPkiServerVerifier::builder_with_provider(roots.clone(), provider.clone())
            .build()
            .map_err(|e| SinkError::Config(format!("`sink.ca_file`: {e}")))?;
        if mode == SslMode::VerifyFull {
            webpki
        } else {
            Arc::new(ChainOnly {
                roots,
                inner: webpki,
                provider: provider.clone(),
            })
        }
    } else {
        Arc::new(EncryptOnly(provider.clone()))
    };
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SinkError::Config(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

fn roots(ca_file: Option<&Path>) -> Result<RootCertStore, SinkError> {
    let mut roots = RootCertStore::empty();
    match ca_file {
        Some(path) => {
            let unreadable = |detail: String| {
                SinkError::Config(format!(
                    "`sink.ca_file` {}: {detail} (fix: point it at the PEM file of the server's CA certificate)",
                    path.display()
                ))
            };
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| unreadable(e.to_string()))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| unreadable(e.to_string()))?;
            let (added, _) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(unreadable("holds no certificate".into()));
            }
        }
        None => {
            roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        }
    }
    Ok(roots)
}

/// `prefer`/`require` without a CA: the connection is encrypted, the certificate not checked
/// (libpq's behaviour); the handshake signature still is.
#[derive(Debug)]
struct EncryptOnly(Arc<CryptoProvider>);

/// `verify-ca`: the chain must lead to a trusted root; the name in it need not match the host.
#[derive(Debug)]
struct ChainOnly {
    roots: Arc<RootCertStore>,
    inner: Arc<WebPkiServerVerifier>,
    provider: Arc<CryptoProvider>,
}

macro_rules! handshake_signatures {
    ($provider:expr) => {
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            verify_tls12_signature(
                message,
                cert,
                dss,
                &$provider(self).signature_verification_algorithms,
            )
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            verify_tls13_signature(
                message,
                cert,
                dss,
                &$provider(self).signature_verification_algorithms,
            )
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            $provider(self)
                .signature_verification_algorithms
                .supported_schemes()
        }
    };
}

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    handshake_signatures!(|s: &Self| s.0.clone());
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => {
                let cert = rustls::server::ParsedCertificate::try_from(end_entity)?;
                verify_server_cert_signed_by_trust_anchor(
                    &cert,
                    &self.roots,
                    intermediates,
                    now,
                    self.provider.signature_verification_algorithms.all,
                )?;
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    handshake_signatures!(|s: &Self| s.provider.clone());
}

/// tokio-postgres' TLS hook, backed by rustls.
#[derive(Clone)]
pub struct RustlsConnect(Arc<rustls::ClientConfig>);

impl RustlsConnect {
    pub fn new(config: rustls::ClientConfig) -> Self {
        RustlsConnect(Arc::new(config))
    }
}

pub struct RustlsConnector {
    config: Arc<rustls::ClientConfig>,
    name: ServerName<'static>,
}

impl<S> MakeTlsConnect<S> for RustlsConnect
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type TlsConnect = RustlsConnector;
    type Error = io::Error;

    fn make_tls_connect(&mut self, domain: &str) -> Result<RustlsConnector, io::Error> {
        let name = ServerName::try_from(domain.to_string())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        Ok(RustlsConnector {
            config: self.0.clone(),
            name,
        })
    }
}

impl<S> TlsConnect<S> for RustlsConnector
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<RustlsStream<S>>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        Box::pin(async move {
            tokio_rustls::TlsConnector::from(self.config)
                .connect(self.name, stream)
                .await
                .map(RustlsStream)
        })
    }
}

pub struct RustlsStream<S>(tokio_rustls::client::TlsStream<S>);

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for RustlsStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for RustlsStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> tokio_postgres::tls::TlsStream for RustlsStream<S> {
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_and_rootcert_are_taken_out_of_both_dsn_forms() {
        let url = parse_dsn(
            "postgres://u@db.example.com:5432/x?sslmode=verify-full&application_name=cxqa&sslrootcert=/ca.pem",
            None,
        )
        .unwrap();
        assert_eq!(url.mode, SslMode::VerifyFull);
        assert_eq!(url.ca_file.as_deref(), Some(Path::new("/ca.pem")));
        assert_eq!(url.config.get_ssl_mode(), WireMode::Require);
        assert_eq!(url.config.get_application_name(), Some("cxqa"));

        let kv = parse_dsn(
            "host=db.example.com user=u sslmode=verify-ca",
            Some(Path::new("/mine.pem")),
        )
        .unwrap();
        assert_eq!(kv.mode, SslMode::VerifyCa);
        assert_eq!(kv.ca_file.as_deref(), Some(Path::new("/mine.pem")));
    }

    #[test]
    fn without_sslmode_a_remote_host_requires_tls_and_a_local_one_prefers_it() {
        let remote = parse_dsn("postgres://u@db.example.com/x", None).unwrap();
        assert_eq!(remote.mode, SslMode::Require);
        let local = parse_dsn("postgres://u@127.0.0.1:5432/x", None).unwrap();
        assert_eq!(local.mode, SslMode::Prefer);
        let socket = parse_dsn("host=/var/run/postgresql user=u", None).unwrap();
        assert_eq!(socket.mode, SslMode::Prefer);
    }

    #[test]
    fn a_bad_sslmode_names_the_fix_without_quoting_the_dsn() {
        let err = parse_dsn("postgres://u:hunter2@h/x?sslmode=always", None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("verify-full") && !err.contains("hunter2"),
            "{err}"
        );
    }
}
