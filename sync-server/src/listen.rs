//! The accept loop: what a stranger on the hospital's network can cost the server.
//!
//! `axum::serve` takes every connection and waits on it for as long as the peer likes, so
//! 150 connections that never finished their headers stayed open indefinitely. Here each
//! connection needs a slot (a cap overall and per address), must send its request headers
//! within [`Limits::header_timeout`] (also between keep-alive requests, so an idle
//! connection is closed), and finish a TLS handshake within the same time; headers are
//! bounded in size. What a request may then send (body sizes, body timeouts, enrolment
//! attempts) is for the handlers to bound, with the token checked first (see `http`).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tower::ServiceExt;

/// The bounds of what one peer, or all of them, may hold of the server.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Connections open at once, from everyone.
    pub max_connections: usize,
    /// Connections open at once from one address (a hospital's tablets may share one).
    pub max_per_address: usize,
    /// Time to send a request's headers (or to start the next one on a kept-alive
    /// connection), and to finish a TLS handshake.
    pub header_timeout: Duration,
    /// Longest wait for the next piece of a request body.
    pub body_idle_timeout: Duration,
    /// Failed enrolment attempts allowed from one address per [`Limits::enrol_window`].
    pub enrol_attempts: u32,
    pub enrol_window: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 512,
            max_per_address: 64,
            header_timeout: Duration::from_secs(10),
            body_idle_timeout: Duration::from_secs(30),
            enrol_attempts: 20,
            enrol_window: Duration::from_secs(600),
        }
    }
}

/// Who is counted as one peer: an IPv4 address, or an IPv6 /64 (one host can take any
/// address of its /64, so counting single IPv6 addresses would count nothing).
fn peer_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(std::net::Ipv6Addr::from(v6.to_bits() & !((1u128 << 64) - 1))),
        },
        v4 => v4,
    }
}

/// Largest request head (request line and headers) a peer may send.
pub const MAX_HEAD: usize = 16 * 1024;

/// Open connections, overall and per address.
#[derive(Default)]
struct Slots {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

/// One connection's place, given back when the connection ends.
struct Slot {
    slots: Arc<Mutex<Slots>>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut s = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        s.total -= 1;
        if let Some(n) = s.by_address.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                s.by_address.remove(&self.ip);
            }
        }
    }
}

fn take_slot(slots: &Arc<Mutex<Slots>>, ip: IpAddr, limits: &Limits) -> Option<Slot> {
    let mut s = slots.lock().unwrap_or_else(|p| p.into_inner());
    let mine = s.by_address.get(&ip).copied().unwrap_or(0);
    if s.total >= limits.max_connections || mine >= limits.max_per_address {
        return None;
    }
    s.total += 1;
    *s.by_address.entry(ip).or_insert(0) += 1;
    Some(Slot {
        slots: slots.clone(),
        ip,
    })
}

/// Serve `app` on `listener` until `shutdown` resolves, then let open requests finish (up
/// to 10 s). TLS when `tls` is given. Requests carry their peer as `ConnectInfo`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    tls: Option<Arc<rustls::ServerConfig>>,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let slots = Arc::new(Mutex::new(Slots::default()));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(MAX_HEAD.max(8192));
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait, do not spin or stop.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let Some(slot) = take_slot(&slots, peer_key(peer.ip()), &limits) else {
            tracing::warn!(peer = %peer, "connection refused: too many open");
            drop(tcp);
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let service = hyper::service::service_fn({
            let app = app.clone();
            move |mut req: hyper::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                app.clone().oneshot(req.map(axum::body::Body::new))
            }
        });
        let (http, acceptor, watcher) = (http.clone(), acceptor.clone(), graceful.watcher());
        let handshake = limits.header_timeout;
        tokio::spawn(async move {
            let _slot = slot;
            let result = match acceptor {
                None => watcher.watch(http.serve_connection(TokioIo::new(tcp), service)).await,
                Some(acceptor) => match tokio::time::timeout(handshake, acceptor.accept(tcp)).await {
                    Ok(Ok(stream)) => {
                        watcher
                            .watch(http.serve_connection(TokioIo::new(stream), service))
                            .await
                    }
                    Ok(Err(e)) => return tracing::debug!(peer = %peer, "TLS handshake failed: {e}"),
                    Err(_) => return tracing::debug!(peer = %peer, "TLS handshake timed out"),
                },
            };
            if let Err(e) = result {
                tracing::debug!(peer = %peer, "connection ended: {e}");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(Duration::from_secs(10), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some requests were still running at shutdown");
    }
    Ok(())
}

/// Most addresses whose failed enrolments are remembered at once.
const MAX_TRACKED: usize = 10_000;

/// Failed attempts per address within a sliding window (enrolment codes are guessed by
/// failing; a device with a real code succeeds once, so successes are not counted).
pub struct Attempts {
    max: u32,
    window: Duration,
    seen: Mutex<HashMap<IpAddr, Vec<std::time::Instant>>>,
}

impl Attempts {
    pub fn new(max: u32, window: Duration) -> Self {
        Attempts {
            max,
            window,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds)` when `peer` has failed too often: how long until it may try again.
    pub fn check(&self, peer: SocketAddr) -> Result<(), u64> {
        let now = std::time::Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let Some(times) = seen.get_mut(&peer_key(peer.ip())) else {
            return Ok(());
        };
        times.retain(|t| now.duration_since(*t) < self.window);
        match times.first() {
            Some(oldest) if times.len() as u32 >= self.max => {
                Err(self.window.saturating_sub(now.duration_since(*oldest)).as_secs().max(1))
            }
            _ => Ok(()),
        }
    }

    /// Count one failed attempt from `peer`.
    pub fn failed(&self, peer: SocketAddr) {
        let now = std::time::Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        // Forget addresses whose failures are all old, so the map cannot grow without end;
        // if a crowd of addresses is failing at once, the quietest is forgotten.
        if seen.len() >= MAX_TRACKED {
            seen.retain(|_, t| t.last().is_some_and(|l| now.duration_since(*l) < self.window));
        }
        let key = peer_key(peer.ip());
        if seen.len() >= MAX_TRACKED
            && !seen.contains_key(&key)
            && let Some(quietest) = seen.iter().min_by_key(|(_, t)| t.last().copied()).map(|(k, _)| *k)
        {
            seen.remove(&quietest);
        }
        let times = seen.entry(key).or_default();
        times.push(now);
        // Only the newest `max` matter for the limit.
        if times.len() > self.max as usize {
            times.remove(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_counted_per_address_and_refused_over_the_limit() {
        let a = Attempts::new(2, Duration::from_secs(60));
        let one: SocketAddr = "10.0.0.1:1000".parse().unwrap();
        let other: SocketAddr = "10.0.0.2:1000".parse().unwrap();
        assert!(a.check(one).is_ok());
        a.failed(one);
        assert!(a.check(one).is_ok());
        a.failed("10.0.0.1:2000".parse().unwrap());
        let wait = a.check(one).unwrap_err();
        assert!((1..=60).contains(&wait), "{wait}");
        assert!(a.check(other).is_ok(), "another address has its own count");
        let short = Attempts::new(1, Duration::from_millis(50));
        short.failed(one);
        assert!(short.check(one).is_err());
        std::thread::sleep(Duration::from_millis(60));
        assert!(short.check(one).is_ok(), "old failures are forgotten");
    }

    #[test]
    fn an_ipv6_host_counts_as_its_64_and_a_mapped_ipv4_as_itself() {
        let a = Attempts::new(1, Duration::from_secs(60));
        a.failed("[2001:db8:1:2::1]:1000".parse().unwrap());
        assert!(
            a.check("[2001:db8:1:2:ffff::9]:1000".parse().unwrap()).is_err(),
            "same /64"
        );
        assert!(
            a.check("[2001:db8:1:3::1]:1000".parse().unwrap()).is_ok(),
            "another /64"
        );
        a.failed("[::ffff:10.0.0.1]:1000".parse().unwrap());
        assert!(a.check("10.0.0.1:1000".parse().unwrap()).is_err());
    }

    #[test]
    fn slots_are_capped_overall_and_per_address_and_given_back() {
        let limits = Limits {
            max_connections: 3,
            max_per_address: 2,
            ..Limits::default()
        };
        let slots = Arc::new(Mutex::new(Slots::default()));
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let a1 = take_slot(&slots, a, &limits).unwrap();
        let _a2 = take_slot(&slots, a, &limits).unwrap();
        assert!(take_slot(&slots, a, &limits).is_none(), "per address");
        let _b1 = take_slot(&slots, b, &limits).unwrap();
        assert!(take_slot(&slots, b, &limits).is_none(), "overall");
        drop(a1);
        assert!(take_slot(&slots, a, &limits).is_some(), "given back");
    }
}
