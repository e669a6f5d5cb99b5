//! The QR decoder in a separate process.
//!
//! zxing-cpp is C++: a defect in it on a strange frame (an out-of-bounds read, an abort)
//! would take down whatever process runs it, and in the app that is the window with the
//! technician's unsaved signature. So the app decodes camera frames and picked images in a
//! child process: [`serve`] is that process's loop (the app starts itself with an argument
//! that runs it), [`Isolated`] is the parent's handle. A child that dies or hangs is
//! replaced on the next frame; the frame it choked on gets a clear "could not read" answer.
//! Where no process can be started at all (an Android app), frames are decoded in
//! process, panics contained: reading codes matters more there than isolation.
//!
//! The pipe protocol is deliberately tiny: the parent writes `width: u32 LE, height: u32
//! LE, width×height grey bytes`; the child answers one JSON line per frame.

use brigada_record::messages::Message;
use brigada_record::msg;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use image::GrayImage;
use serde::{Deserialize, Serialize};

use super::{Decoded, decode_image};
use crate::error::{Error, Result};

/// The largest frame side sent to the worker (callers scale down first).
pub const MAX_SIDE: u32 = 4096;

/// How long one frame may take before the worker is considered stuck and replaced.
pub const FRAME_TIMEOUT: Duration = Duration::from_secs(5);

/// The worker's answer for one frame.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Reply {
    Found(Decoded),
    NotFound(Message),
}

/// Read one frame from the pipe: `None` at a clean end of input.
fn read_frame(input: &mut impl Read) -> std::io::Result<Option<GrayImage>> {
    let mut header = [0u8; 8];
    match input.read_exact(&mut header) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let [a, b, c, d, e, f, g, h] = header;
    let (w, hgt) = (u32::from_le_bytes([a, b, c, d]), u32::from_le_bytes([e, f, g, h]));
    let invalid = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidData, m);
    if w == 0 || hgt == 0 || w > MAX_SIDE || hgt > MAX_SIDE {
        return Err(invalid(format!("frame of {w}×{hgt} pixels is out of range")));
    }
    let mut pixels = vec![0u8; w as usize * hgt as usize];
    input.read_exact(&mut pixels)?;
    GrayImage::from_raw(w, hgt, pixels)
        .map(Some)
        .ok_or_else(|| invalid("frame size mismatch".into()))
}

/// The worker process's loop: decode every frame from `input`, answer on `output`, until
/// the input ends. A malformed frame ends the loop with an error (the parent restarts it).
pub fn serve(mut input: impl Read, mut output: impl Write) -> std::io::Result<()> {
    while let Some(frame) = read_frame(&mut input)? {
        let reply = match decode_image(&frame) {
            Ok(d) => Reply::Found(d),
            Err(Error::QrNotFound(why)) => Reply::NotFound(why),
            Err(e) => Reply::NotFound(e.message()),
        };
        serde_json::to_writer(&mut output, &reply).map_err(std::io::Error::other)?;
        output.write_all(b"\n")?;
        output.flush()?;
    }
    Ok(())
}

struct Running {
    child: Child,
    stdin: ChildStdin,
    replies: Receiver<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The parent's handle on a decoder process, started on first use and restarted after a
/// crash or a hang.
pub struct Isolated {
    program: std::path::PathBuf,
    args: Vec<String>,
    running: Option<Running>,
    /// How many times a worker had to be replaced (for tests and diagnostics).
    pub restarts: u32,
    /// The worker program could not be started at all (a platform that cannot start
    /// processes, such as an Android app): frames are decoded here instead, panics
    /// contained, rather than not at all.
    in_process: bool,
}

fn lost(why: impl std::fmt::Display) -> Error {
    Error::QrNotFound(msg!("qr.reader_stopped", detail = why.to_string()))
}

impl Isolated {
    /// A decoder process made by running `program args…` (it must call [`serve`] on its
    /// standard input and output).
    pub fn new(program: impl Into<std::path::PathBuf>, args: &[&str]) -> Isolated {
        Isolated {
            program: program.into(),
            args: args.iter().map(|s| s.to_string()).collect(),
            running: None,
            restarts: 0,
            in_process: false,
        }
    }

    fn start(&mut self) -> Result<&mut Running> {
        if self.running.is_none() {
            let mut child = Command::new(&self.program)
                .args(&self.args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| {
                    if !self.in_process {
                        eprintln!(
                            "brigada: the QR reader process cannot start ({}: {e}); reading codes in this process",
                            self.program.display()
                        );
                    }
                    self.in_process = true;
                    lost(format!("cannot start {}: {e}", self.program.display()))
                })?;
            let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
                let _ = child.kill();
                return Err(lost("no pipe to the reader"));
            };
            let (tx, replies) = channel();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
            self.running = Some(Running { child, stdin, replies });
        }
        self.running.as_mut().ok_or_else(|| lost("not running"))
    }

    /// Whether frames go to a worker process (false only where none can be started).
    pub fn isolated(&self) -> bool {
        !self.in_process
    }

    /// Decode the one QR code in `frame` in the worker process.
    pub fn decode(&mut self, frame: &GrayImage) -> Result<Decoded> {
        self.decode_within(frame, FRAME_TIMEOUT)
    }

    pub fn decode_within(&mut self, frame: &GrayImage, timeout: Duration) -> Result<Decoded> {
        if frame.width() > MAX_SIDE || frame.height() > MAX_SIDE || frame.width() == 0 || frame.height() == 0 {
            return Err(Error::InvalidInput(msg!(
                "qr.frame_size",
                width = frame.width(),
                height = frame.height(),
                max = MAX_SIDE
            )));
        }
        if self.in_process {
            return decode_image(frame);
        }
        let answer = self.exchange(frame, timeout);
        if self.in_process {
            // It just turned out that no worker can be started here.
            return decode_image(frame);
        }
        if answer.is_err() {
            // Whatever state the worker is in, the next frame gets a fresh one.
            self.running = None;
            self.restarts += 1;
        }
        match serde_json::from_str::<Reply>(&answer?) {
            Ok(Reply::Found(d)) => Ok(d),
            Ok(Reply::NotFound(why)) => Err(Error::QrNotFound(why)),
            Err(e) => {
                self.running = None;
                Err(lost(format!("unreadable answer: {e}")))
            }
        }
    }

    fn exchange(&mut self, frame: &GrayImage, timeout: Duration) -> Result<String> {
        let w = self.start()?;
        let mut msg = Vec::with_capacity(8 + frame.as_raw().len());
        msg.extend_from_slice(&frame.width().to_le_bytes());
        msg.extend_from_slice(&frame.height().to_le_bytes());
        msg.extend_from_slice(frame.as_raw());
        w.stdin
            .write_all(&msg)
            .and_then(|()| w.stdin.flush())
            .map_err(|e| lost(format!("the reader is gone: {e}")))?;
        match w.replies.recv_timeout(timeout) {
            Ok(line) => Ok(line),
            Err(RecvTimeoutError::Timeout) => Err(lost(format!("no answer in {} s", timeout.as_secs()))),
            Err(RecvTimeoutError::Disconnected) => {
                let status = w.child.wait().map(|s| s.to_string()).unwrap_or_default();
                Err(lost(format!("the reader ended: {status}")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use brigada_record::messages::Locale::En;

    fn framed(img: &GrayImage) -> Vec<u8> {
        let mut v = img.width().to_le_bytes().to_vec();
        v.extend_from_slice(&img.height().to_le_bytes());
        v.extend_from_slice(img.as_raw());
        v
    }

    #[test]
    fn serve_answers_each_frame_in_order() {
        let tag = crate::tag::format(7);
        let mut input = framed(&super::super::encode_luma(&tag, 6).unwrap());
        input.extend(framed(&GrayImage::from_pixel(100, 100, image::Luma([255]))));
        let mut out = Vec::new();
        serve(&input[..], &mut out).unwrap();
        let lines: Vec<Reply> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(matches!(&lines[..], [Reply::Found(d), Reply::NotFound(_)] if d.payload == tag));
    }

    #[test]
    fn serve_refuses_absurd_frames_without_allocating_them() {
        let mut input = u32::MAX.to_le_bytes().to_vec();
        input.extend_from_slice(&u32::MAX.to_le_bytes());
        let err = serve(&input[..], Vec::new()).unwrap_err();
        assert!(err.to_string().contains("out of range"), "{err}");
        // A truncated frame is an error too, not a hang or a panic.
        let mut input = 50u32.to_le_bytes().to_vec();
        input.extend_from_slice(&50u32.to_le_bytes());
        input.extend_from_slice(&[0; 10]);
        assert!(serve(&input[..], Vec::new()).is_err());
    }

    #[test]
    fn where_no_process_can_be_started_codes_are_still_read() {
        let mut w = Isolated::new("/nonexistent/brigada-app", &["--qr-worker"]);
        let tag = crate::tag::format(9);
        let d = w.decode(&super::super::encode_luma(&tag, 6).unwrap()).unwrap();
        assert_eq!(d.payload, tag);
        assert!(!w.isolated());
    }

    #[test]
    fn a_worker_that_dies_is_replaced_and_the_caller_gets_a_clear_error() {
        // `sh -c 'exit 3'` stands for a reader that crashes on its first frame.
        let mut w = Isolated::new("sh", &["-c", "head -c 8 >/dev/null; exit 3"]);
        let img = GrayImage::from_pixel(40, 40, image::Luma([0]));
        let e = w.decode_within(&img, Duration::from_secs(5)).unwrap_err();
        assert!(e.render(En).contains("try again"), "{e}");
        assert_eq!(w.restarts, 1);
        assert!(w.isolated(), "a crash is not a reason to stop isolating");
        // A reader that never answers is replaced after the timeout.
        let mut w = Isolated::new("sleep", &["30"]);
        let e = w.decode_within(&img, Duration::from_millis(200)).unwrap_err();
        assert!(e.to_string().contains("no answer"), "{e}");
        assert_eq!(w.restarts, 1);
    }
}
