//! Beyond loopback the server speaks HTTPS by default, with its own certificate authority
//! made in DATA on first start; enrolment QRs for an https address pin that CA; plain
//! HTTP beyond loopback needs an explicit flag and says why it is a bad idea.

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A port free on this machine now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `brigada-sync serve` with `args`, once it logs that it listens; with its log so far.
fn serve(data: &std::path::Path, args: &[&str]) -> (Child, std::path::PathBuf) {
    let log = data.with_extension("log");
    let child = Command::new(env!("CARGO_BIN_EXE_brigada-sync"))
        .arg("serve")
        .args(args)
        .arg("--data")
        .arg(data)
        .env("LANG", "C.UTF-8")
        .env("NO_COLOR", "1")
        .stderr(std::fs::File::create(&log).unwrap())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !std::fs::read_to_string(&log).unwrap().contains("listening") {
        assert!(Instant::now() < deadline, "{}", std::fs::read_to_string(&log).unwrap());
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, log)
}

fn stop(mut c: Child) {
    c.kill().unwrap();
    c.wait().unwrap();
}

/// A plain-HTTP request's answer ("" when the server does not speak plain HTTP).
fn plain_get(port: u16) -> String {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn beyond_loopback_the_server_is_https_with_its_own_ca_and_qrs_pin_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let port = free_port();
    let (child, _log) = serve(&data, &["--listen", &format!("0.0.0.0:{port}")]);
    // Its CA is in DATA, the keys readable by the server's user only.
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &str| std::fs::metadata(data.join(p)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode("tls"), 0o700);
        assert_eq!(mode("tls/ca.key"), 0o600);
        assert_eq!(mode("tls/server.key"), 0o600);
    }
    // No plain HTTP answer.
    let plain = plain_get(port);
    assert!(!plain.contains("200 OK"), "{plain}");
    // HTTPS, trusted through the CA alone, under the machine's own address.
    let ca = std::fs::read_to_string(data.join("tls/ca.pem")).unwrap();
    let client = reqwest::blocking::Client::builder()
        .tls_certs_only(reqwest::Certificate::from_pem_bundle(ca.as_bytes()).unwrap())
        .build()
        .unwrap();
    let url = format!("https://127.0.0.1:{port}");
    let r = client.get(format!("{url}/healthz")).send().unwrap();
    assert_eq!(r.status(), 200);
    let served = client.get(format!("{url}/v1/ca")).send().unwrap().text().unwrap();
    assert_eq!(served, ca, "the CA is served for devices to check against their QR");
    // A QR for this https address pins the CA's fingerprint.
    let out = Command::new(env!("CARGO_BIN_EXE_brigada-sync"))
        .args([
            "device", "add", "--name", "Ana", "--role", "tecnico", "--url", &url, "--json", "--data",
        ])
        .arg(&data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let fp = brigada_record::protocol::certificate_fingerprint(&ca).unwrap();
    assert_eq!(v["ca_fingerprint"], fp.as_str());
    assert!(
        v["qr_payload"].as_str().unwrap().ends_with(&format!("#sha256:{fp}")),
        "{v}"
    );
    stop(child);

    // Restarted, it keeps its CA (the pins of enrolled devices stay true).
    let (child, _) = serve(
        &data,
        &[
            "--listen",
            &format!("0.0.0.0:{port}"),
            "--name",
            "brigada.hospital.local",
        ],
    );
    assert_eq!(std::fs::read_to_string(data.join("tls/ca.pem")).unwrap(), ca);
    let names = std::fs::read_to_string(data.join("tls/server.names")).unwrap();
    assert!(names.lines().any(|n| n == "brigada.hospital.local"), "{names}");
    assert_eq!(client.get(format!("{url}/healthz")).send().unwrap().status(), 200);
    stop(child);
}

#[test]
fn plain_http_beyond_loopback_needs_a_flag_and_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let port = free_port();
    let (child, log) = serve(&data, &["--listen", &format!("0.0.0.0:{port}"), "--insecure-http"]);
    assert!(plain_get(port).contains("200 OK"));
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("WARN") && text.contains("HTTP sin cifrar"), "{text}");
    assert!(!data.join("tls").exists(), "no CA made for plain HTTP");
    stop(child);
    // On loopback alone, plain HTTP is the default and nothing is said.
    let port = free_port();
    let (child, log) = serve(&data, &["--listen", &format!("127.0.0.1:{port}")]);
    assert!(plain_get(port).contains("200 OK"));
    assert!(!std::fs::read_to_string(&log).unwrap().contains("WARN"));
    stop(child);
    // A QR for http:// beyond this machine is refused, with the way out.
    let out = Command::new(env!("CARGO_BIN_EXE_brigada-sync"))
        .args([
            "device",
            "add",
            "--name",
            "Ana",
            "--role",
            "tecnico",
            "--url",
            "http://10.0.0.5:8787",
            "--data",
        ])
        .arg(&data)
        .env("LANG", "C.UTF-8")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Usa https://") && err.contains("--insecure-http"), "{err}");
}
