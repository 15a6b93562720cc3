//! The sampled frames of a video from an `ffmpeg` child. FFmpeg decodes
//! every frame and applies the sampling rule itself (a `select` filter,
//! [`super::sample::select_expression`]); only the sampled frames are
//! scaled to at most [`crate::decode::working::WORK_SIDE`] pixels on their long side
//! (display rotation applied by FFmpeg) and leave it, as 8-bit grey on a
//! pipe. A `showinfo` filter before the selection logs every decoded frame
//! (its number and time: the count and the end of the stream), one after
//! it the sampled ones (time and size); times come from the stream's
//! timestamps, counted from the container's start as FFmpeg shifts them, so
//! variable frame rates and edit lists come out right.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{ChildStdout, Command};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::tool::{Bounded, Tools};
use super::{RawFrame, Sampling};
use crate::error::FileError;

/// Longest stderr line kept (showinfo lines are ~300 bytes).
const MAX_LINE: u64 = 8 * 1024;
/// Error and warning lines kept for the message of a failure.
const KEPT_MESSAGES: usize = 6;

/// Sampled frames read ahead of the hashing (FFmpeg decodes on while the
/// frames before are hashed; at most this many frames, each at most
/// `WORK_SIDE`² bytes, wait in memory).
const READ_AHEAD: usize = 4;

/// This process's FFmpeg's answer to [`quiet_showinfo`], once asked.
static QUIET: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// Decoded frames whose number is remembered to name a sampled one.
const RECENT: usize = 256;

/// One `showinfo` line: frame number (counted by that filter), timestamp
/// (in the stream's time base), presentation time, size.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Shown {
    n: u64,
    pts: i64,
    pts_time: f64,
    width: u32,
    height: u32,
}

/// Frames decoded so far and the time of the last one (seconds).
#[derive(Debug, Clone, Copy, Default)]
pub struct Decoded {
    pub frames: u64,
    pub last_time: f64,
}

/// The frames of a video as FFmpeg decodes them, in presentation order.
pub struct FfmpegFrames {
    child: Bounded,
    /// Frames read from the pipe by their own thread; `Err` when the
    /// output ended inside a frame.
    frames: mpsc::Receiver<Result<RawFrame, ()>>,
    messages: Arc<Mutex<Vec<String>>>,
    decoded: Arc<Mutex<Decoded>>,
    readers: Vec<std::thread::JoinHandle<()>>,
    deadline: Instant,
    started: Instant,
}

impl FfmpegFrames {
    /// Starts decoding `path`, sampled by `sampling`'s rule; `side` is the
    /// long side sampled frames are scaled down to; FFmpeg's decoder refuses
    /// a picture of more than `max_pixels` pixels (its `max_pixels` option,
    /// at most 2^31 - 1), so the limit holds before a probe has answered;
    /// `quiet` leaves out `showinfo`'s checksums ([`quiet_showinfo`]).
    pub fn open(
        tools: &Tools,
        path: &Path,
        sampling: &Sampling,
        side: u32,
        max_pixels: u64,
        quiet: bool,
        deadline: Instant,
    ) -> Result<FfmpegFrames, FileError> {
        let mut cmd = Command::new(&tools.ffmpeg);
        let showinfo = match quiet {
            true => "showinfo=checksum=0",
            false => "showinfo",
        };
        let select = super::sample::select_expression(sampling);
        let filter = format!(
            "{showinfo},select='{select}',scale=w='min({side},iw)':h='min({side},ih)':force_original_aspect_ratio=decrease,format=gray,{showinfo}"
        );
        cmd.args([
            "-hide_banner",
            "-nostats",
            "-nostdin",
            "-loglevel",
            "level+info",
            "-max_pixels",
        ])
        .arg(max_pixels.min(i32::MAX as u64).to_string())
        .arg("-i")
        .arg(path)
        .args(["-map", "0:v:0", "-an", "-sn", "-dn", "-vf", &filter])
        .args(["-fps_mode", "passthrough", "-f", "rawvideo", "-"]);
        let child = Bounded::spawn(cmd, deadline)?;
        let (stdout, stderr) = child.streams();
        let (Some(stdout), Some(stderr)) = (stdout, stderr) else {
            return Err(FileError::Video("ffmpeg's output pipes are missing".into()));
        };
        let (tx, shown) = mpsc::sync_channel(64);
        let messages = Arc::new(Mutex::new(Vec::new()));
        let decoded = Arc::new(Mutex::new(Decoded::default()));
        let (kept, counted) = (Arc::clone(&messages), Arc::clone(&decoded));
        let log = std::thread::Builder::new()
            .name("provcheck-ffmpeg-stderr".into())
            .spawn(move || read_stderr(stderr, &tx, &kept, &counted))
            .map_err(FileError::Io)?;
        let (sender, frames) = mpsc::sync_channel(READ_AHEAD);
        let pipe = std::thread::Builder::new()
            .name("provcheck-ffmpeg-frames".into())
            .spawn(move || read_frames(stdout, &shown, &sender))
            .map_err(FileError::Io)?;
        Ok(FfmpegFrames {
            child,
            frames,
            messages,
            decoded,
            readers: vec![log, pipe],
            deadline,
            started: Instant::now(),
        })
    }

    /// The next sampled frame, or `None` at the end of the stream.
    ///
    /// Errors: [`FileError::TimedOut`] when the deadline passed (the child
    /// is killed), [`FileError::Video`] when FFmpeg failed, with its message.
    pub fn next_frame(&mut self) -> Result<Option<RawFrame>, FileError> {
        match self.frames.recv() {
            Ok(Ok(frame)) => Ok(Some(frame)),
            Ok(Err(())) => self.end().and(Err(FileError::Video(
                "ffmpeg's output ended inside a frame".into(),
            ))),
            Err(_) => self.end(),
        }
    }

    /// Stops decoding early (the child is killed and reaped).
    pub fn stop(mut self) {
        self.child.finish(true);
    }

    /// The end of the stream: reaps the child and says how it ended.
    fn end(&mut self) -> Result<Option<RawFrame>, FileError> {
        // The frame reader drains what remains on stdout, so the child can
        // exit.
        let (ok, timed_out) = self.child.finish(false);
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
        if timed_out || Instant::now() >= self.deadline {
            return Err(FileError::TimedOut(
                self.deadline.saturating_duration_since(self.started),
            ));
        }
        if !ok {
            let messages = self.messages.lock().map(|m| m.clone()).unwrap_or_default();
            return Err(FileError::Video(reason(&messages)));
        }
        Ok(None)
    }

    /// Frames decoded so far (sampled or not) and the last one's time.
    pub fn decoded(&self) -> Decoded {
        self.decoded.lock().map(|d| *d).unwrap_or_default()
    }

    /// FFmpeg's error and warning messages so far (a damaged stream often
    /// decodes with errors and exit status 0).
    pub fn messages(&self) -> Vec<String> {
        self.messages.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

/// Reads the sampled frames from FFmpeg's stdout, each of the size its
/// `showinfo` line gives, into `out` until the log ends (then drains the
/// pipe) or `out`'s receiver is gone; `Err` when the output ends inside a
/// frame.
fn read_frames(
    mut stdout: ChildStdout,
    shown: &mpsc::Receiver<Shown>,
    out: &mpsc::SyncSender<Result<RawFrame, ()>>,
) {
    while let Ok(info) = shown.recv() {
        let len = info.width as usize * info.height as usize;
        let mut buf = vec![0u8; len];
        if len == 0 || stdout.read_exact(&mut buf).is_err() {
            let _ = out.send(Err(()));
            return;
        }
        let frame = RawFrame {
            index: info.n,
            time: info.pts_time.max(0.0),
            width: info.width,
            height: info.height,
            luma: buf,
        };
        if out.send(Ok(frame)).is_err() {
            return;
        }
    }
    let _ = std::io::copy(&mut stdout.take(1 << 30), &mut std::io::sink());
}

/// What to start FFmpeg with before [`quiet_showinfo`] has answered: its
/// answer once known in this process, else that `checksum=0` is taken (as
/// by every FFmpeg from 5.0 on).
pub fn quiet_guess() -> bool {
    QUIET.get().copied().unwrap_or(true)
}

/// Whether this FFmpeg's `showinfo` can leave out its per-plane checksums
/// (`checksum=0`, FFmpeg 5.0 on): they cost a pass over every frame and
/// are not read. `major` is the version ffprobe reported; it answers when
/// ffprobe sits beside `ffmpeg` (one build); otherwise FFmpeg is asked
/// (`ffmpeg -h filter=showinfo`). Answered once per process.
pub fn quiet_showinfo(tools: &Tools, major: Option<u32>, deadline: Instant) -> bool {
    *QUIET.get_or_init(|| {
        let one_build = tools.ffprobe.parent() == tools.ffmpeg.parent();
        match major.filter(|_| one_build) {
            Some(major) if major >= 5 => true,
            _ => {
                let mut cmd = Command::new(&tools.ffmpeg);
                cmd.args(["-hide_banner", "-h", "filter=showinfo"]);
                super::tool::run_bounded(cmd, deadline, 64 * 1024)
                    .is_ok_and(|help| String::from_utf8_lossy(&help).contains("checksum"))
            }
        }
    })
}

/// The reason a failed run gives: its last error message.
fn reason(messages: &[String]) -> String {
    messages
        .iter()
        .rev()
        .find(|m| m.starts_with("error") || m.starts_with("fatal"))
        .or(messages.last())
        .map(|m| format!("ffmpeg: {}", m.split_once(": ").map_or(m.as_str(), |x| x.1)))
        .unwrap_or_else(|| "ffmpeg failed without a message".into())
}

/// Reads FFmpeg's log (`-loglevel level+info`): the first `showinfo`'s
/// lines (every decoded frame) are counted in `decoded`, the second's
/// (sampled frames) go to `tx` with the number of the decoded frame of the
/// same timestamp; error and warning messages go to `kept` (the last few,
/// as `level: text`).
fn read_stderr(
    stderr: std::process::ChildStderr,
    tx: &mpsc::SyncSender<Shown>,
    kept: &Mutex<Vec<String>>,
    decoded: &Mutex<Decoded>,
) {
    let mut r = BufReader::new(stderr);
    let mut line = Vec::new();
    let mut recent: std::collections::VecDeque<(i64, u64)> =
        std::collections::VecDeque::with_capacity(RECENT);
    loop {
        line.clear();
        match (&mut r).take(MAX_LINE).read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&line);
        if let Some(s) = parse_showinfo(&text) {
            if text.starts_with("[Parsed_showinfo_0 ") {
                if recent.len() == RECENT {
                    recent.pop_front();
                }
                recent.push_back((s.pts, s.n));
                if let Ok(mut d) = decoded.lock() {
                    d.frames += 1;
                    d.last_time = s.pts_time.max(0.0);
                }
                continue;
            }
            // The decoded frame of this timestamp (the latest one when
            // timestamps repeat), else the last decoded.
            let n = recent
                .iter()
                .rev()
                .find(|(pts, _)| *pts == s.pts)
                .or(recent.back())
                .map_or(s.n, |(_, n)| *n);
            if tx.send(Shown { n, ..s }).is_err() {
                return;
            }
        } else if let Some(m) = message(&text) {
            if let Ok(mut k) = kept.lock() {
                if k.len() == KEPT_MESSAGES {
                    k.remove(0);
                }
                k.push(m);
            }
        }
    }
}

/// `error: text` for an error, fatal or warning line of the log.
fn message(line: &str) -> Option<String> {
    let rest = match line.strip_prefix('[') {
        Some(r)
            if !r.starts_with("error]")
                && !r.starts_with("fatal]")
                && !r.starts_with("warning]") =>
        {
            r.split_once("] ")?.1
        }
        _ => line,
    };
    for level in ["error", "fatal", "warning"] {
        if let Some(text) = rest.strip_prefix(&format!("[{level}] ")) {
            return Some(format!("{level}: {}", text.trim()));
        }
    }
    None
}

/// Parses a `showinfo` frame line (`[Parsed_showinfo_2 @ 0x..] [info] n: 12
/// pts: 6144 pts_time:0.48 ... s:640x272 ...`).
fn parse_showinfo(line: &str) -> Option<Shown> {
    if !line.starts_with("[Parsed_showinfo") {
        return None;
    }
    let field = |name: &str| -> Option<&str> {
        let at = line.find(name)? + name.len();
        line[at..].split_whitespace().next()
    };
    let n = field(" n:")?.parse().ok()?;
    let pts = field(" pts:")?.parse().unwrap_or(i64::MIN);
    let pts_time: f64 = field(" pts_time:")?.parse().ok()?;
    let (w, h) = field(" s:")?.split_once('x')?;
    Some(Shown {
        n,
        pts,
        pts_time: if pts_time.is_finite() { pts_time } else { 0.0 },
        width: w.parse().ok()?,
        height: h.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn showinfo_lines_give_number_time_and_size() {
        let line = "[Parsed_showinfo_2 @ 0x556c95d22800] [info] n: 249 pts: 127488 pts_time:9.96    pos:   503137 fmt:gray sar:1/1 s:640x272 i:P iskey:0 type:P\n";
        assert_eq!(
            parse_showinfo(line),
            Some(Shown {
                n: 249,
                pts: 127488,
                pts_time: 9.96,
                width: 640,
                height: 272
            })
        );
        assert_eq!(
            parse_showinfo("[Parsed_showinfo_2 @ 0x5] [info] config in time_base: 1/12800"),
            None
        );
        assert_eq!(
            message("[mov,mp4 @ 0x55] [error] moov atom not found\n").as_deref(),
            Some("error: moov atom not found")
        );
        assert_eq!(message("[info] Stream mapping:"), None);
    }
}
