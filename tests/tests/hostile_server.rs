//! A device reads no more from a server than the protocol allows: a broken or hostile
//! server (or a stranger answering in its place over plain HTTP) that answers without end
//! gets a clear error, and the tablet stops reading long before its memory fills.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use brigada_core::sync::Transport;
use brigada_core::sync::blobs::BlobTransport;
use brigada_core::sync::http::HttpTransport;

const MIB: u64 = 1024 * 1024;

/// A server that answers every request with an endless body, declared as `declared`
/// bytes (or chunked when `None`); returns its address and how many body bytes it sent.
fn endless(declared: Option<u64>) -> (String, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let sent = Arc::new(AtomicU64::new(0));
    let counter = sent.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut c) = conn else { return };
            let mut head = Vec::new();
            let mut b = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && c.read(&mut b).is_ok_and(|n| n == 1) {
                head.push(b[0]);
            }
            let framing = match declared {
                Some(n) => format!("Content-Length: {n}"),
                None => "Transfer-Encoding: chunked".into(),
            };
            let head = format!("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n{framing}\r\n\r\n");
            if c.write_all(head.as_bytes()).is_err() {
                continue;
            }
            let block = vec![0u8; 64 * 1024];
            loop {
                let ok = match declared {
                    Some(_) => c.write_all(&block).is_ok(),
                    None => {
                        c.write_all(format!("{:x}\r\n", block.len()).as_bytes()).is_ok()
                            && c.write_all(&block).is_ok()
                            && c.write_all(b"\r\n").is_ok()
                    }
                };
                if !ok {
                    break;
                }
                counter.fetch_add(block.len() as u64, Ordering::Relaxed);
            }
        }
    });
    (url, sent)
}

#[test]
fn an_endless_sync_answer_is_cut_off_with_a_clear_error() {
    for declared in [None, Some(200 * MIB)] {
        let (url, sent) = endless(declared);
        let mut t = HttpTransport::new(&url, "token", None).unwrap();
        let e = t.exchange(b"hello").unwrap_err();
        let text = e.to_string();
        assert!(text.contains("bytes"), "{text}");
        assert!(text.contains(&url), "{text}");
        // Declared too big: refused at once; chunked: read up to the limit, not beyond.
        let read = sent.load(Ordering::Relaxed);
        assert!(read < 48 * MIB, "the device let the server send {} MiB", read / MIB);
    }
}

#[test]
fn an_endless_key_list_and_an_endless_photo_are_cut_off() {
    let (url, sent) = endless(None);
    let mut t = HttpTransport::new(&url, "token", None).unwrap();
    assert!(t.device_keys().is_err());
    assert!(sent.load(Ordering::Relaxed) < 32 * MIB);
    let hash = "a".repeat(64);
    let mut kept = 0u64;
    let e = t
        .blob_download(&hash, 0, &mut |b| {
            kept += b.len() as u64;
            Ok(())
        })
        .unwrap_err();
    assert!(e.to_string().contains("bytes"), "{e}");
    assert!(kept <= brigada_core::store::blobs::MAX_BLOB, "{kept}");
}
