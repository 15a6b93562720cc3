//! Finding the `ffmpeg` and `ffprobe` binaries and running them as bounded
//! child processes: a deadline after which the child is killed and reaped,
//! and a cap on what is read from it. provcheck never links libav*.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::error::FileError;

/// Environment variable naming the `ffmpeg` binary (ffprobe is looked for
/// beside it).
pub const FFMPEG_ENV: &str = "PROVCHECK_FFMPEG";

/// What to tell a user without FFmpeg.
pub const INSTALL_HINT: &str = "install FFmpeg (Debian/Ubuntu: apt install ffmpeg; macOS: brew install ffmpeg) or name the binary with --ffmpeg PATH or PROVCHECK_FFMPEG";

/// The two FFmpeg programs provcheck runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tools {
    pub ffmpeg: PathBuf,
    pub ffprobe: PathBuf,
}

impl Tools {
    /// Locates the tools: `explicit` (the `--ffmpeg` flag), else
    /// [`FFMPEG_ENV`], else `ffmpeg` on `PATH`; `ffprobe` is taken from the
    /// same folder as `ffmpeg`, else from `PATH`.
    ///
    /// Errors: [`FileError::NoFfmpeg`] when either program is missing.
    pub fn find(explicit: Option<&Path>) -> Result<Tools, FileError> {
        let named = explicit
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os(FFMPEG_ENV).map(PathBuf::from))
            .filter(|p| !p.as_os_str().is_empty());
        let ffmpeg = match &named {
            Some(p) if p.is_file() => p.clone(),
            Some(p) => {
                return Err(FileError::NoFfmpeg(format!(
                    "{} does not exist",
                    p.display()
                )))
            }
            None => on_path("ffmpeg")
                .ok_or_else(|| FileError::NoFfmpeg("ffmpeg is not on PATH".into()))?,
        };
        let beside = ffmpeg
            .parent()
            .map(|d| d.join(format!("ffprobe{}", std::env::consts::EXE_SUFFIX)))
            .filter(|p| p.is_file());
        let ffprobe = beside.or_else(|| on_path("ffprobe")).ok_or_else(|| {
            FileError::NoFfmpeg("ffprobe is not beside ffmpeg nor on PATH".into())
        })?;
        Ok(Tools { ffmpeg, ffprobe })
    }
}

/// The first `name` in the folders of `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    let file = format!("{name}{}", std::env::consts::EXE_SUFFIX);
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(&file))
        .find(|p| p.is_file())
}

/// A running child that is killed and reaped when dropped, and killed by a
/// watchdog thread at its deadline (reads from it then end, so a stream
/// that never ends or a child that hangs cannot stall the caller).
pub struct Bounded {
    child: Arc<Mutex<Child>>,
    stop: Option<mpsc::Sender<()>>,
    watchdog: Option<std::thread::JoinHandle<bool>>,
    program: String,
}

impl Bounded {
    /// Spawns `cmd` with piped stdout and stderr and no stdin.
    pub fn spawn(mut cmd: Command, deadline: Instant) -> Result<Bounded, FileError> {
        let program = Path::new(cmd.get_program())
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let child = cmd.spawn().map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                FileError::NoFfmpeg(format!("cannot run {program}: {e}"))
            }
            _ => FileError::Video(format!("cannot run {program}: {e}")),
        })?;
        let child = Arc::new(Mutex::new(child));
        let (stop, stopped) = mpsc::channel::<()>();
        let watched = Arc::clone(&child);
        let watchdog = std::thread::Builder::new()
            .name("provcheck-ffmpeg-watchdog".into())
            .spawn(move || {
                let wait = deadline.saturating_duration_since(Instant::now());
                match stopped.recv_timeout(wait) {
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        if let Ok(mut c) = watched.lock() {
                            let _ = c.kill();
                        }
                        true
                    }
                    _ => false,
                }
            })
            .map_err(FileError::Io)?;
        Ok(Bounded {
            child,
            stop: Some(stop),
            watchdog: Some(watchdog),
            program,
        })
    }

    /// Takes the child's standard output and error streams.
    pub fn streams(
        &self,
    ) -> (
        Option<std::process::ChildStdout>,
        Option<std::process::ChildStderr>,
    ) {
        match self.child.lock() {
            Ok(mut c) => (c.stdout.take(), c.stderr.take()),
            Err(_) => (None, None),
        }
    }

    /// Name of the program, for messages.
    pub fn program(&self) -> &str {
        &self.program
    }

    /// Kills the child if it still runs, reaps it, and stops the watchdog.
    /// Returns whether it exited successfully on its own, and whether the
    /// watchdog had to kill it at the deadline.
    pub fn finish(&mut self, kill: bool) -> (bool, bool) {
        let status = match self.child.lock() {
            Ok(mut c) => {
                if kill {
                    let _ = c.kill();
                }
                c.wait().ok()
            }
            Err(_) => None,
        };
        drop(self.stop.take());
        let timed_out = self
            .watchdog
            .take()
            .map(|w| w.join().unwrap_or(false))
            .unwrap_or(false);
        (status.is_some_and(|s| s.success()) && !kill, timed_out)
    }
}

impl Drop for Bounded {
    fn drop(&mut self) {
        if self.watchdog.is_some() {
            self.finish(true);
        }
    }
}

/// Runs `cmd` to completion within `deadline`, keeping at most `max_out`
/// bytes of its standard output and the last lines of its standard error.
///
/// Errors: [`FileError::TimedOut`] past the deadline,
/// [`FileError::Video`] when the output is larger than `max_out` or the
/// program fails (with the last line it wrote to stderr).
pub fn run_bounded(cmd: Command, deadline: Instant, max_out: u64) -> Result<Vec<u8>, FileError> {
    let started = Instant::now();
    let mut child = Bounded::spawn(cmd, deadline)?;
    let (out, err) = child.streams();
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(e) = err {
            let _ = e.take(64 * 1024).read_to_string(&mut text);
        }
        text
    });
    let mut buf = Vec::new();
    if let Some(o) = out {
        let _ = o.take(max_out + 1).read_to_end(&mut buf);
    }
    let too_long = buf.len() as u64 > max_out;
    let (ok, timed_out) = child.finish(too_long);
    let stderr = errors.join().unwrap_or_default();
    if timed_out {
        return Err(FileError::TimedOut(
            deadline.saturating_duration_since(started),
        ));
    }
    if too_long {
        return Err(FileError::Video(format!(
            "{} wrote more than {max_out} bytes",
            child.program()
        )));
    }
    if !ok {
        return Err(FileError::Video(last_line(&stderr, child.program())));
    }
    Ok(buf)
}

/// The last non-empty line a program wrote to stderr, as a reason.
pub fn last_line(stderr: &str, program: &str) -> String {
    let mut lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(strip_context)
        .collect();
    lines.dedup();
    match lines.len() {
        0 => format!("{program} failed without a message"),
        n => format!("{program}: {}", lines[n.saturating_sub(2)..].join("; ")),
    }
}

/// FFmpeg prefixes messages with the component and its address
/// (`[mov,mp4 @ 0x55d...] moov atom not found`) and repeats the file name:
/// keep the message.
fn strip_context(line: &str) -> &str {
    let line = match line.strip_prefix('[').and_then(|r| r.split_once("] ")) {
        Some((_, rest)) => rest,
        None => line,
    };
    line.rsplit_once(": ")
        .filter(|(path, _)| path.starts_with('/') || path.contains('.'))
        .map(|(_, msg)| msg)
        .unwrap_or(line)
}
