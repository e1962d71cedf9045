//! The simulated node's kubelet endpoint: container logs over HTTPS.
//!
//! The API server proxies `pods/log` to `https://<node InternalIP>:<kubeletEndpoint port>
//! /containerLogs/{namespace}/{pod}/{container}` without verifying the certificate (it has
//! no `--kubelet-certificate-authority`), so a self-signed one is enough. Only that one
//! route exists; HTTP/1.1 with `Connection: close` is all the API server needs.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use crate::error::{Error, Result};

/// The output of one container: stdout and stderr interleaved as produced.
#[derive(Debug)]
pub(crate) struct ContainerLog {
    state: Mutex<LogState>,
    /// Bumped on every append and at the end, for `follow=true` readers.
    changed: watch::Sender<u64>,
}

#[derive(Debug, Default)]
struct LogState {
    bytes: Vec<u8>,
    finished: bool,
}

impl ContainerLog {
    fn new() -> Self {
        Self {
            state: Mutex::new(LogState::default()),
            changed: watch::channel(0).0,
        }
    }

    pub(crate) fn append(&self, bytes: &[u8]) {
        self.lock().bytes.extend_from_slice(bytes);
        self.changed.send_modify(|n| *n += 1);
    }

    /// No more output will come (the container exited, or never runs).
    pub(crate) fn finish(&self) {
        self.lock().finished = true;
        self.changed.send_modify(|n| *n += 1);
    }

    /// The bytes from `offset` on, and whether the log is finished.
    fn read_from(&self, offset: usize) -> (Vec<u8>, bool) {
        let state = self.lock();
        (
            state.bytes.get(offset..).unwrap_or_default().to_vec(),
            state.finished,
        )
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LogState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// All container logs of the node, by (namespace, pod, container). A pod re-created
/// under the same name replaces its predecessor's logs, as on a real node.
#[derive(Clone, Debug, Default)]
pub(crate) struct LogStore(Arc<Mutex<HashMap<ContainerKey, Arc<ContainerLog>>>>);

/// (namespace, pod, container).
type ContainerKey = (String, String, String);

impl LogStore {
    /// A fresh, empty log for a container about to run.
    pub(crate) fn create(&self, namespace: &str, pod: &str, container: &str) -> Arc<ContainerLog> {
        let log = Arc::new(ContainerLog::new());
        self.0.lock().unwrap_or_else(|e| e.into_inner()).insert(
            (namespace.to_owned(), pod.to_owned(), container.to_owned()),
            log.clone(),
        );
        log
    }

    fn get(&self, namespace: &str, pod: &str, container: &str) -> Option<Arc<ContainerLog>> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(namespace.to_owned(), pod.to_owned(), container.to_owned()))
            .cloned()
    }
}

/// A TLS acceptor for the self-signed certificate and key in `cert`/`key` (PEM).
pub(crate) fn tls_acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor> {
    let bad_pem = |path: &Path, e: rustls::pki_types::pem::Error| Error::Io {
        action: format!("reading `{}`", path.display()),
        source: std::io::Error::other(e.to_string()),
    };
    let certs = vec![CertificateDer::from_pem_file(cert).map_err(|e| bad_pem(cert, e))?];
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| bad_pem(key, e))?;
    // Explicitly `ring`: the process-wide default provider may not be installed.
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .and_then(|b| b.with_no_client_auth().with_single_cert(certs, key))
    .map_err(|e| Error::Io {
        action: "configuring the kubelet TLS endpoint".to_owned(),
        source: std::io::Error::other(e),
    })?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Serves container logs on `listener` until the task is dropped.
pub(crate) async fn serve(listener: TcpListener, acceptor: TlsAcceptor, logs: LogStore) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let acceptor = acceptor.clone();
        let logs = logs.clone();
        tokio::spawn(async move {
            if let Ok(tls) = acceptor.accept(tcp).await {
                let _ = answer(tls, &logs).await;
            }
        });
    }
}

/// Reads one request and answers it.
async fn answer<S>(mut stream: S, logs: &LogStore) -> std::io::Result<()>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let Some(target) = read_request_target(&mut stream).await? else {
        return respond(&mut stream, "400 Bad Request", b"bad request\n").await;
    };
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let log = match path.trim_start_matches('/').split('/').collect::<Vec<_>>()[..] {
        ["containerLogs", namespace, pod, container] => logs.get(namespace, pod, container),
        _ => None,
    };
    let Some(log) = log else {
        return respond(&mut stream, "404 Not Found", b"not found\n").await;
    };
    let mut follow = false;
    let mut tail_lines = None;
    for (key, value) in query.split('&').filter_map(|kv| kv.split_once('=')) {
        match key {
            "follow" => follow = value == "true",
            "tailLines" => tail_lines = value.parse::<usize>().ok(),
            _ => {}
        }
    }

    stream
        .write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\
              Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        )
        .await?;
    // Subscribe before reading, so an append between the read and the wait is not missed.
    let mut changed = log.changed.subscribe();
    let (first, mut finished) = log.read_from(0);
    let mut offset = first.len();
    let first = match tail_lines {
        Some(n) => tail(&first, n),
        None => &first,
    };
    write_chunk(&mut stream, first).await?;
    while follow && !finished {
        if changed.changed().await.is_err() {
            break;
        }
        let (more, done) = log.read_from(offset);
        offset += more.len();
        finished = done;
        write_chunk(&mut stream, &more).await?;
    }
    stream.write_all(b"0\r\n\r\n").await?;
    stream.shutdown().await
}

/// The request target of `GET <target> HTTP/1.x`, after reading the whole head.
async fn read_request_target<S: tokio::io::AsyncRead + Unpin>(
    stream: &mut S,
) -> std::io::Result<Option<String>> {
    let mut head = Vec::new();
    let mut buf = [0_u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 || head.len() > 64 * 1024 {
            return Ok(None);
        }
        head.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&head);
    let mut words = head.lines().next().unwrap_or_default().split(' ');
    Ok(match (words.next(), words.next()) {
        (Some("GET"), Some(target)) => Some(target.to_owned()),
        _ => None,
    })
}

async fn respond<S: tokio::io::AsyncWrite + Unpin>(
    stream: &mut S,
    status: &str,
    body: &[u8],
) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    stream.shutdown().await
}

async fn write_chunk<S: tokio::io::AsyncWrite + Unpin>(
    stream: &mut S,
    bytes: &[u8],
) -> std::io::Result<()> {
    // An empty chunk would end the body.
    if bytes.is_empty() {
        return Ok(());
    }
    stream
        .write_all(format!("{:x}\r\n", bytes.len()).as_bytes())
        .await?;
    stream.write_all(bytes).await?;
    stream.write_all(b"\r\n").await?;
    stream.flush().await
}

/// The last `lines` lines of `bytes` (a final line without a newline counts).
fn tail(bytes: &[u8], lines: usize) -> &[u8] {
    if lines == 0 {
        return &[];
    }
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let start = body
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, b)| **b == b'\n')
        .nth(lines - 1)
        .map_or(0, |(i, _)| i + 1);
    &bytes[start..]
}

#[cfg(test)]
mod tests {
    use super::tail;

    #[test]
    fn tail_keeps_the_last_lines() {
        assert_eq!(tail(b"a\nb\nc\n", 2), b"b\nc\n");
        assert_eq!(tail(b"a\nb\nc", 2), b"b\nc");
        assert_eq!(tail(b"a\nb\n", 5), b"a\nb\n");
        assert_eq!(tail(b"a\nb\n", 0), b"");
        assert_eq!(tail(b"", 3), b"");
    }
}
