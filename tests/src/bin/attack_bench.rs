//! `make bench`, attack part: what strangers on the hospital's network cost one
//! `brigada-sync` process (its memory and its open connections), each attack as the trust
//! issue reproduced it. Writes the "## Server under attack" section of docs/BENCHMARKS.md.

use std::io::Write;
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Result;
use brigada_scenarios::*;

const MIB: usize = 1024 * 1024;

fn main() -> Result<()> {
    let out = std::env::args().skip_while(|a| a != "--out").nth(1).map(PathBuf::from);
    let data = tempfile::tempdir()?;
    let (mut server, url) = server_process(data.path())?;
    let pid = server.id();
    let addr = url.trim_start_matches("http://").to_owned();
    std::thread::sleep(Duration::from_millis(300));
    let idle = rss_kib(pid, "VmRSS:").unwrap_or(0) / 1024;

    // 12 strangers each send a 31 MiB body with no token, at once.
    let t0 = Instant::now();
    let senders: Vec<_> = (0..12)
        .map(|_| {
            let addr = addr.clone();
            std::thread::spawn(move || -> usize {
                let Ok(mut c) = TcpStream::connect(&addr) else { return 0 };
                let head = format!(
                    "POST /v1/sync HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
                    31 * MIB
                );
                if c.write_all(head.as_bytes()).is_err() {
                    return 0;
                }
                let block = vec![0u8; 64 * 1024];
                let mut sent = 0;
                while sent < 31 * MIB && c.write_all(&block).is_ok() {
                    sent += block.len();
                }
                sent
            })
        })
        .collect();
    let accepted: usize = senders.into_iter().map(|t| t.join().unwrap_or(0)).sum();
    let bodies_s = t0.elapsed().as_secs_f64();
    let after_bodies = rss_kib(pid, "VmHWM:").unwrap_or(0) / 1024;

    // 150 connections that never finish their headers.
    let slow: Vec<TcpStream> = (0..150)
        .filter_map(|_| {
            let mut c = TcpStream::connect(&addr).ok()?;
            c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").ok()?;
            Some(c)
        })
        .collect();
    std::thread::sleep(Duration::from_secs(1));
    let open_at_1s = open_connections(pid);
    std::thread::sleep(Duration::from_secs(14));
    let open_at_15s = open_connections(pid);
    drop(slow);

    // 200 enrolment guesses from one address.
    let client = reqwest::blocking::Client::new();
    let mut refused_wait = 0;
    let (_d, store) = temp_store("Intruso");
    for i in 0..200 {
        let req = store.enrol_request(format!("AAAA-BBBB-CCCC-DDDD-{i:04}"));
        if let Ok(r) = client.post(format!("{url}/v1/enroll")).json(&req).send()
            && r.status() == 429
        {
            refused_wait += 1;
        }
    }
    let peak = rss_kib(pid, "VmHWM:").unwrap_or(0) / 1024;
    let healthy = client
        .get(format!("{url}/healthz"))
        .send()
        .is_ok_and(|r| r.status().is_success());
    let _ = server.kill();
    let _ = server.wait();

    let report = format!(
        "One `brigada-sync` process ({build} build, embedded SQLite, default limits) on loopback; the\n\
attacks of the trust issue, one after another. Before the limits: 12 bodies took the server\n\
from 75 to 428 MiB and 150 unfinished connections were all still open after 40 s.\n\n\
| what | result | bar |\n|---|---|---|\n\
| resident memory, idle | {idle} MiB | — |\n\
| 12 × 31 MiB bodies without a token: bytes sent before the server cut them off | {:.1} MiB of 372 MiB, in {bodies_s:.1} s | refused before the body |\n\
| peak memory after the bodies | {after_bodies} MiB | ≤ idle + 32 MiB |\n\
| 150 connections that never finish their headers: open after 1 s (64 per address at most) / 15 s | {open_at_1s} / {open_at_15s} | 0 after the 10 s header timeout |\n\
| 200 wrong enrolment codes from one address: refused with 429 | {refused_wait} | all after the first 20 |\n\
| peak memory over all attacks | {peak} MiB | ≤ idle + 32 MiB |\n\
| still serving afterwards | {} | yes |\n",
        accepted as f64 / MIB as f64,
        if healthy { "yes" } else { "no" },
        build = if cfg!(debug_assertions) { "debug" } else { "release" },
    );
    print!("{report}");
    if let Some(p) = out {
        write_section(&p, "Server under attack", &report)?;
    }
    Ok(())
}
