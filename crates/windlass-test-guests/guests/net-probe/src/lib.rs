//! Tries the network. Config: `{"tcp": "127.0.0.1:PORT", "udp":
//! "127.0.0.1:PORT", "resolve": "localhost"}`. Connects over TCP, sends a UDP
//! datagram, listens on an ephemeral port and resolves a name. Allows (with a
//! finding per attempt) if any succeeded, else returns `err` listing them.

wit_bindgen::generate!({ path: "../../../../wit", world: "hook" });

use std::io::Write;
use std::net::{TcpListener, TcpStream, ToSocketAddrs, UdpSocket};

use windlass::hook::types::{Finding, Severity};

struct Hook;

impl Guest for Hook {
    fn run(context: Context) -> Result<Outcome, String> {
        let config: serde_json::Value =
            serde_json::from_str(&context.config).map_err(|e| format!("bad config: {e}"))?;
        let text = |key: &str| config[key].as_str().unwrap_or("").to_string();
        let mut lines = Vec::new();
        let mut any_ok = false;
        let mut record = |what: String, result: std::io::Result<String>| match result {
            Ok(seen) => {
                any_ok = true;
                lines.push(format!("{what}: ok: {seen}"));
            }
            Err(e) => lines.push(format!("{what}: failed: {e}")),
        };
        let tcp = text("tcp");
        record(
            format!("tcp connect {tcp}"),
            TcpStream::connect(&tcp).and_then(|mut s| {
                s.write_all(b"hostile")?;
                Ok("connected".to_string())
            }),
        );
        let udp = text("udp");
        record(
            format!("udp send {udp}"),
            UdpSocket::bind("127.0.0.1:0")
                .and_then(|s| s.send_to(b"hostile", &udp))
                .map(|n| format!("sent {n} bytes")),
        );
        record(
            "tcp listen 127.0.0.1:0".to_string(),
            TcpListener::bind("127.0.0.1:0").map(|l| format!("listening on {:?}", l.local_addr())),
        );
        let name = text("resolve");
        record(
            format!("resolve {name}"),
            (name.as_str(), 80)
                .to_socket_addrs()
                .map(|addrs| format!("{:?}", addrs.collect::<Vec<_>>())),
        );
        if !any_ok {
            return Err(lines.join("; "));
        }
        Ok(Outcome {
            allowed: true,
            findings: lines
                .into_iter()
                .map(|message| Finding {
                    severity: Severity::Info,
                    message,
                    resource: None,
                    field_path: None,
                })
                .collect(),
            create: Vec::new(),
        })
    }
}

export!(Hook);
