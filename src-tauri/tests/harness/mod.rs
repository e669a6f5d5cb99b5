//! Driving the app's real window: an Xvfb display of its own, tauri-driver (which runs
//! WebKitWebDriver) and a WebDriver session, shared by the end-to-end tests and the
//! cold-start benchmark.

// Each user (a test file, the benchmark) uses part of the harness.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use thirtyfour::prelude::*;

pub const PASS: &str = "prueba-1234";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A process killed when dropped. tauri-driver starts WebKitWebDriver, which starts the
/// app, which starts its QR worker: that tree runs in a process group of its own, and the
/// whole group is killed, so no test leaves a process behind.
struct Proc(Child);
impl Proc {
    fn group(mut cmd: Command) -> std::io::Result<Proc> {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0).spawn().map(Proc)
    }
}
impl Drop for Proc {
    fn drop(&mut self) {
        // Its group (if it leads one); then the process itself, reaped.
        // SAFETY: kill(2) with a negative pid signals the group; no memory is touched.
        unsafe { libc::kill(-(self.0.id() as i32), libc::SIGKILL) };
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Live (not zombie) processes in process group `pgid`, as "pid name".
pub fn processes_in_group(pgid: u32) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid pgrp …": comm may hold spaces, so split after the last ')'.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields.len() > 2 && fields[0] != "Z" && fields[2] == pgid.to_string() {
            out.push(head.replacen(" (", " ", 1));
        }
    }
    out
}

/// An Xvfb display of our own; its number is read back from `-displayfd`.
fn xvfb() -> (Proc, String) {
    let mut child = Command::new("Xvfb")
        .args(["-displayfd", "1", "-screen", "0", "1300x1300x24", "-nolisten", "tcp"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb is needed (apt install xvfb)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("display number");
    (Proc(child), format!(":{}", line.trim()))
}

/// One app instance: its data folder, its display, its tauri-driver and WebDriver session.
pub struct App {
    pub driver: WebDriver,
    /// What a person did: every tap, field focused and signature drawn (typed text is not
    /// a tap; a select is two: open it, pick). Counted for BENCHMARKS.md's tap counts.
    taps: std::sync::atomic::AtomicU32,
    _tauri_driver: Proc,
    _xvfb: Proc,
}

pub fn screenshots_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&d).expect("screenshots folder");
    d
}

impl App {
    /// Launch `bin` with extra environment for the app (e.g. a synthetic camera).
    pub async fn launch_bin(bin: &Path, home: &Path, env: &[(&str, &Path)]) -> App {
        let (xvfb, display) = xvfb();
        let (port, native) = (free_port(), free_port());
        let mut cmd = Command::new("tauri-driver");
        cmd.args(["--port", &port.to_string(), "--native-port", &native.to_string()])
            .env("DISPLAY", &display)
            .env("BRIGADA_HOME", home)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let td = Proc::group(cmd).expect("tauri-driver is needed (cargo install tauri-driver --locked)");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        // tauri-driver listens at once, but the WebKitWebDriver it starts behind it may take a
        // moment on a busy machine: retry the session until both answer.
        let driver = loop {
            let mut caps = Capabilities::new();
            caps.insert("tauri:options".into(), serde_json::json!({"application": bin}));
            match WebDriver::new(&url, caps).await {
                Ok(d) => break d,
                Err(_) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(250)).await,
                Err(e) => panic!("no WebDriver session with the app: {e}"),
            }
        };
        App {
            driver,
            taps: Default::default(),
            _tauri_driver: td,
            _xvfb: xvfb,
        }
    }

    pub async fn el(&self, css: &str) -> WebElement {
        let e = self
            .driver
            .query(By::Css(css))
            .wait(Duration::from_secs(20), Duration::from_millis(100))
            .first()
            .await;
        match e {
            Ok(e) => e,
            Err(err) => {
                self.shot("failure").await;
                panic!("{css} did not appear: {err}{}", self.alerts().await)
            }
        }
    }

    /// What the error boxes on screen say (for a failing test's message).
    async fn alerts(&self) -> String {
        let mut said = Vec::new();
        for e in self.driver.find_all(By::Css("[role=alert]")).await.unwrap_or_default() {
            said.push(e.text().await.unwrap_or_default());
        }
        if said.is_empty() {
            String::new()
        } else {
            format!("; the screen shows the error(s) {said:?}")
        }
    }

    pub async fn click(&self, css: &str) {
        self.tap(1);
        let e = self.el(css).await;
        e.wait_until()
            .clickable()
            .await
            .unwrap_or_else(|e| panic!("{css} not clickable: {e}"));
        // As a person would: bring it to the middle of the screen, clear of the sticky
        // header (WebKit's driver scrolls it to the top edge, under the header).
        let _ = self
            .driver
            .execute(
                "arguments[0].scrollIntoView({block: 'center'});",
                vec![e.to_json().expect("element")],
            )
            .await;
        if let Err(err) = e.click().await {
            self.shot("failure").await;
            panic!("click {css}: {err}{}", self.alerts().await);
        }
    }

    pub async fn type_in(&self, css: &str, text: &str) {
        self.tap(1);
        let e = self.el(css).await;
        e.clear().await.ok();
        e.send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("typing into {css}: {e}"));
    }

    /// Wait until the text of `css` contains `needle`.
    pub async fn wait_text(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let t = self.el(css).await.text().await.unwrap_or_default();
            if t.contains(needle) {
                return t;
            }
            if Instant::now() > deadline {
                self.shot("failure").await;
                panic!("{css} never contained {needle:?}; it says {t:?}{}", self.alerts().await);
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Type `text` and press Enter, as a keyboard-wedge scanner does.
    pub async fn wedge(&self, css: &str, text: &str) {
        self.type_in(css, text).await;
        self.el(css)
            .await
            .send_keys(thirtyfour::prelude::Key::Enter)
            .await
            .expect("Enter, as a wedge scanner sends");
    }

    /// Choose `value` in the `<select>` at `css`.
    pub async fn select(&self, css: &str, value: &str) {
        self.tap(2);
        let el = self.el(css).await;
        thirtyfour::components::SelectElement::new(&el)
            .await
            .expect("a select")
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("{css} has no option {value:?}: {e}"));
    }

    pub async fn shot(&self, name: &str) {
        let _ = self
            .driver
            .screenshot(&screenshots_dir().join(format!("{name}.png")))
            .await;
    }

    fn tap(&self, n: u32) {
        self.taps.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }

    /// Taps since the last call (or since launch), and start counting again.
    pub fn take_taps(&self) -> u32 {
        self.taps.swap(0, std::sync::atomic::Ordering::Relaxed)
    }

    pub async fn unlock(&self) {
        self.type_in("#passphrase", PASS).await;
        self.click("#unlock").await;
        self.el("#nav-hoy").await;
    }

    /// Draw a zigzag on the signature pad with the pointer, as a finger would.
    pub async fn draw_signature(&self) {
        self.tap(1);
        let pad = self.el("#firma-pad").await;
        self.driver
            .action_chain()
            .move_to_element_center(&pad)
            .move_by_offset(-120, 0)
            .click_and_hold()
            .move_by_offset(40, -40)
            .move_by_offset(40, 60)
            .move_by_offset(40, -60)
            .move_by_offset(40, 40)
            .release()
            .perform()
            .await
            .expect("drawing on the pad");
    }

    /// What a finger cannot hit on the screen now: visible controls smaller than 44×44 px
    /// (a checkbox counts with its label), and a page wider than the window.
    pub async fn touch_problems(&self) -> Vec<String> {
        let js = r#"
            const bad = [];
            const sel = 'button, a[href], input, select, textarea, [role=button], label.button';
            for (const el of document.querySelectorAll(sel)) {
              let target = el;
              if (el.type === 'checkbox' || el.type === 'radio' || el.type === 'file') {
                target = el.closest('label') || el;
              }
              const r = target.getBoundingClientRect();
              const style = getComputedStyle(target);
              if (r.width === 0 || r.height === 0 || style.visibility === 'hidden') continue;
              if (r.width < 44 || r.height < 44) {
                const what = (el.id ? '#' + el.id : el.tagName.toLowerCase()) + ' "' +
                  (el.textContent || el.placeholder || el.value || '').trim().slice(0, 30) + '"';
                bad.push(what + ' ' + Math.round(r.width) + 'x' + Math.round(r.height));
              }
            }
            // The WebView's own English must never show: no native "Fill out this field"
            // bubbles, no bare "Choose File / no file selected" button.
            for (const el of document.querySelectorAll('form:not([novalidate])')) {
              bad.push('a form (' + (el.dataset.testid || el.className) + ') lets the WebView check it in English');
            }
            for (const el of document.querySelectorAll('[required]')) {
              bad.push('#' + el.id + ' relies on the WebView\'s own (English) required message');
            }
            for (const el of document.querySelectorAll('input[type=file]')) {
              if (!el.closest('.filepick')) bad.push('#' + el.id + ' shows the WebView\'s own file button');
            }
            if (document.documentElement.scrollWidth > window.innerWidth + 1) {
              bad.push('the page is ' + document.documentElement.scrollWidth + ' px wide in a ' +
                window.innerWidth + ' px window');
            }
            return bad;
        "#;
        let ret = self.driver.execute(js, vec![]).await.expect("script ran");
        ret.convert().expect("a list of strings")
    }

    /// Assert that what `selectors` name is on screen without scrolling, on a landscape and
    /// an upright tablet (the current step's question and its buttons when a job opens).
    pub async fn check_at_hand(&self, screen: &str, selectors: &[&str]) {
        let js = r#"
            window.scrollTo(0, 0);
            const out = [];
            for (const sel of arguments[0]) {
              const el = document.querySelector(sel);
              if (!el) { out.push(sel + ' is missing'); continue; }
              const r = el.getBoundingClientRect();
              if (r.bottom > window.innerHeight || r.top < 0) {
                out.push(sel + ' spans ' + Math.round(r.top) + '–' + Math.round(r.bottom) +
                  ' px in a ' + window.innerHeight + ' px window');
              }
            }
            return out;
        "#;
        for (w, h) in [(1280, 800), (800, 1280)] {
            self.driver.set_window_rect(0, 0, w, h).await.expect("window size");
            tokio::time::sleep(Duration::from_millis(150)).await;
            let ret = self
                .driver
                .execute(js, vec![serde_json::json!(selectors)])
                .await
                .expect("script ran");
            let problems: Vec<String> = ret.convert().expect("a list of strings");
            if !problems.is_empty() {
                self.shot(&format!("at-hand-{screen}-{w}x{h}")).await;
            }
            assert!(
                problems.is_empty(),
                "{screen} at {w}×{h}, below the fold: {problems:#?}"
            );
        }
        self.driver.set_window_rect(0, 0, 1280, 800).await.expect("window size");
    }

    /// Assert the touch rules on the screen shown now, landscape and portrait.
    pub async fn check_touch(&self, screen: &str) {
        for (w, h) in [(1280, 800), (800, 1280)] {
            self.driver.set_window_rect(0, 0, w, h).await.expect("window size");
            tokio::time::sleep(Duration::from_millis(150)).await;
            let problems = self.touch_problems().await;
            if !problems.is_empty() {
                self.shot(&format!("touch-{screen}-{w}x{h}")).await;
            }
            assert!(problems.is_empty(), "{screen} at {w}×{h}: {problems:#?}");
        }
        self.driver.set_window_rect(0, 0, 1280, 800).await.expect("window size");
    }

    /// The process group of tauri-driver and everything it started.
    pub fn process_group(&self) -> u32 {
        self._tauri_driver.0.id()
    }

    pub async fn quit(self) {
        let _ = self.driver.quit().await;
    }
}
