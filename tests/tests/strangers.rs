//! A stranger on the hospital's network, with no token, must cost the server little: the
//! server answers before reading a body it will refuse, closes connections that never
//! finish their headers or sit idle, caps connections per address, and limits enrolment
//! attempts. Each test attacks a real server on loopback with raw sockets.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use brigada_scenarios::*;
use brigada_sync::devices::Role;
use brigada_sync::listen::Limits;

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

/// Everything the server sends until it closes the connection or `wait` passes.
fn read_some(s: &mut TcpStream, wait: Duration) -> String {
    s.set_read_timeout(Some(wait)).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                out.extend_from_slice(&buf[..n]);
                if out.windows(4).any(|w| w == b"\r\n\r\n") && String::from_utf8_lossy(&out).contains("}") {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// True when the server has closed `s` (a read returns end of stream or a reset).
fn closed_within(s: &mut TcpStream, wait: Duration) -> bool {
    s.set_read_timeout(Some(wait)).unwrap();
    let mut buf = [0u8; 1024];
    let start = Instant::now();
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return start.elapsed() < wait,
        }
    }
}

fn health(addr: SocketAddr) -> String {
    let mut s = connect(addr);
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

#[test]
fn a_strangers_huge_body_is_refused_before_it_is_sent() {
    let s = server();
    for token in [None, Some("0000")] {
        let mut c = connect(s.running.addr);
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        let head = format!(
            "POST /v1/sync HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/x-brigada\r\nContent-Length: {}\r\n\r\n",
            31 * 1024 * 1024
        );
        c.write_all(head.as_bytes()).unwrap();
        c.write_all(&[0u8; 1024]).unwrap();
        // The answer comes with 1 KiB of the 31 MiB sent: the server did not wait for it.
        let answer = read_some(&mut c, Duration::from_secs(5));
        assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
        assert!(answer.contains("\"code\":\"unauthorized\""), "{answer}");
        // And it does not keep the connection to drain the rest.
        assert!(closed_within(&mut c, Duration::from_secs(5)), "connection kept open");
    }
}

#[test]
fn an_enrolment_body_is_small() {
    let s = server();
    let mut c = connect(s.running.addr);
    let head = format!(
        "POST /v1/enroll HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        1024 * 1024
    );
    c.write_all(head.as_bytes()).unwrap();
    let answer = read_some(&mut c, Duration::from_secs(5));
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    // Without a declared length (chunked), the limit holds as the body arrives.
    let mut c = connect(s.running.addr);
    c.write_all(b"POST /v1/enroll HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        .unwrap();
    for _ in 0..8 {
        let _ = c.write_all(b"400\r\n");
        let _ = c.write_all(&[b'a'; 1024]);
        let _ = c.write_all(b"\r\n");
    }
    let answer = read_some(&mut c, Duration::from_secs(5));
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}

#[test]
fn headers_that_never_finish_and_idle_connections_are_closed() {
    let s = server_with(Limits {
        header_timeout: Duration::from_secs(1),
        max_per_address: 200,
        ..Limits::default()
    });
    let addr = s.running.addr;
    // Slow headers: a request line and one header, never the blank line.
    let mut slow: Vec<TcpStream> = (0..50)
        .map(|_| {
            let mut c = connect(addr);
            c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").unwrap();
            c
        })
        .collect();
    // Silent: connected, nothing sent.
    let mut silent: Vec<TcpStream> = (0..50).map(|_| connect(addr)).collect();
    // Idle after one answered request on a kept-alive connection.
    let mut idle = connect(addr);
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut buf = [0u8; 512];
    let n = idle.read(&mut buf).unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    for (what, c) in slow
        .iter_mut()
        .map(|c| ("slow headers", c))
        .chain(silent.iter_mut().map(|c| ("silent", c)))
        .chain(std::iter::once(("idle", &mut idle)))
    {
        assert!(
            closed_within(c, Duration::from_secs(5)),
            "a {what} connection is still open"
        );
    }
    assert!(health(addr).starts_with("HTTP/1.1 200"), "the server still serves");
}

#[test]
fn connections_are_capped_per_address_and_the_server_keeps_serving() {
    let s = server_with(Limits {
        max_per_address: 8,
        ..Limits::default()
    });
    let addr = s.running.addr;
    let mut held: Vec<TcpStream> = (0..8).map(|_| connect(addr)).collect();
    // Wait until the server has taken all eight, then one more is closed at once.
    std::thread::sleep(Duration::from_millis(300));
    let mut extra = connect(addr);
    let _ = extra.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(
        closed_within(&mut extra, Duration::from_secs(3)),
        "a ninth connection was served"
    );
    // Given back when one closes.
    held.pop();
    std::thread::sleep(Duration::from_millis(300));
    assert!(health(addr).starts_with("HTTP/1.1 200"));
    drop(held);
}

#[test]
fn failed_enrolment_attempts_from_one_address_are_limited() {
    let s = server_with(Limits {
        enrol_attempts: 3,
        ..Limits::default()
    });
    let url = s.running.url();
    let client = reqwest::blocking::Client::new();
    let (_d, mut store) = temp_store("Tablet 01");
    let guess = |code: &str| {
        let req = store.enrol_request(code.into());
        client.post(format!("{url}/v1/enroll")).json(&req).send().unwrap()
    };
    for _ in 0..3 {
        let r = guess("AAAA-BBBB-CCCC-DDDD-EEEE");
        assert_eq!(r.status(), 401);
    }
    let r = guess("AAAA-BBBB-CCCC-DDDD-EEEF");
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=600).contains(&wait), "{wait}");
    let body: serde_json::Value = r.json().unwrap();
    assert_eq!(body["code"], "too_many");
    assert!(body["message"].as_str().unwrap().contains("espera"), "{body}");
    // Even a real code waits now: the address has failed too often.
    let (_, code) = brigada_sync::add_device(s.running.storage.as_ref(), "Ana", Role::Tecnico, "RT").unwrap();
    let e =
        brigada_core::sync::lend::enroll(&std::cell::RefCell::new(&mut store), &url, Some(&code), None).unwrap_err();
    assert!(e.to_string().contains("espera"), "{e}");
}

#[test]
fn a_device_whose_body_stops_arriving_is_told_and_let_go() {
    let s = server_with(Limits {
        body_idle_timeout: Duration::from_secs(1),
        ..Limits::default()
    });
    let d = s.device("Tablet 01", "Ana", Role::Tecnico, "RT");
    let token = d.store.sync_setting("token").unwrap().unwrap();
    let mut c = connect(s.running.addr);
    let head =
        format!("POST /v1/sync HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Length: 1000\r\n\r\n");
    c.write_all(head.as_bytes()).unwrap();
    c.write_all(&[1u8; 10]).unwrap();
    let answer = read_some(&mut c, Duration::from_secs(5));
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("slow_body"), "{answer}");
}
