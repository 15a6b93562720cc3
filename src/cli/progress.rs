//! Progress drawn on stderr from the library's progress events.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use provcheck::analyze::Progress;

pub struct Bar {
    bar: ProgressBar,
}

impl Bar {
    /// A bar that draws only on a terminal and never when quiet.
    pub fn new(quiet: bool, what: &str) -> Bar {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if quiet {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        bar.set_style(
            ProgressStyle::with_template("{msg} {bar:30} {pos}/{len} {per_sec} eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_message(what.to_string());
        Bar { bar }
    }

    pub fn event(&self, p: Progress) {
        match p {
            Progress::Started { total } => self.bar.set_length(total as u64),
            Progress::FileDone { done, .. } => self.bar.set_position(done as u64),
        }
    }

    /// Runs `f` (printing a message) with the bar hidden.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
