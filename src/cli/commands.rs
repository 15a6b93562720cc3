//! One function per command: call the library, render, choose the exit code.
//! The `corpus` subcommands are in [`corpus`].

mod corpus;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use provcheck::analyze::{analyze_many, Depth, Progress};
use provcheck::check::check_statement;
use provcheck::context::{read_context_file, Context};
use provcheck::corpus::{
    add_paths, corpus_key, is_postgres_url, mask_password, relative_path, BuildOptions,
    BuildReport, Corpus,
};
use provcheck::decode::Limits;
use provcheck::matching::MatchRule;
use provcheck::query::{Matcher, QueryOptions, QueryOutcome};
use provcheck::report::{
    render, BuildSummary, CheckReport, EvalReport, ExportReport, Format, HashReport, ListReport,
    QueryReport, Removal, RemovalReport, Report, StatsReport, Style, VideoEvalReport,
};
use provcheck::statement::Statement;

use super::args::{Cli, ColorChoice, Command, ContextArgs, CorpusCommand, CorpusDir, OutputFormat};
use super::progress::Bar;
use super::{exit_for_failures, EXIT_CLEAN, EXIT_ERROR, EXIT_FOUND};

/// Files hashed between two writes when streaming JSON Lines.
const STREAM_BATCH: usize = 64;

/// Long side of the pictures embedded in HTML reports.
const PREVIEW_SIDE: u32 = 480;

pub fn run(cli: &Cli) -> Result<i32> {
    let ctx = Ctx::new(cli)?;
    match &cli.command {
        Command::Hash { paths } => ctx.hash(paths),
        Command::Corpus(c) => ctx.corpus(c),
        Command::Query {
            images,
            top,
            max_distance,
            corpus,
        } => ctx.query(images, *top, *max_distance, corpus),
        Command::Check { statement, corpus } => ctx.check(statement, corpus),
        Command::Serve {
            bind,
            token,
            max_upload_mib,
            uploads,
            corpus,
        } => ctx.serve(
            *bind,
            token.clone(),
            *max_upload_mib,
            uploads.clone(),
            corpus,
        ),
        Command::Eval {
            originals: None,
            videos: Some(videos),
            distractors,
            seed,
            threshold,
            stills,
        } => {
            let mut rule = provcheck::matching::MatchRule::default();
            rule.similar = threshold.unwrap_or(rule.similar);
            let opts = provcheck::eval::VideoEvalOptions {
                seed: *seed,
                stills: *stills,
                rule,
                limits: ctx.limits,
            };
            let eval = provcheck::eval::run_videos(videos, distractors.as_deref(), &opts)?;
            ctx.print(&VideoEvalReport {
                eval: &eval,
                style: ctx.paths.clone(),
            })?;
            Ok(exit_for_failures(!eval.failures.is_empty()))
        }
        Command::Eval {
            originals,
            distractors,
            seed,
            threshold,
            ..
        } => {
            let Some(originals) = originals else {
                anyhow::bail!("eval needs --originals DIR or --videos DIR");
            };
            let opts = provcheck::eval::Options {
                seed: *seed,
                threshold: threshold.unwrap_or(provcheck::matching::MatchRule::default().similar),
                limits: ctx.limits,
            };
            let eval = provcheck::eval::run(originals, distractors.as_deref(), &opts);
            ctx.print(&EvalReport {
                eval: &eval,
                style: ctx.paths.clone(),
            })?;
            Ok(exit_for_failures(!eval.failures.is_empty()))
        }
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut cmd, "provcheck", &mut std::io::stdout());
            Ok(EXIT_CLEAN)
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            clap_mangen::Man::new(cmd)
                .render(&mut std::io::stdout())
                .context("cannot write the manual page")?;
            Ok(EXIT_CLEAN)
        }
    }
}

struct Ctx<'a> {
    cli: &'a Cli,
    format: Format,
    paths: Style,
    limits: Limits,
}

impl<'a> Ctx<'a> {
    fn new(cli: &'a Cli) -> Result<Ctx<'a>> {
        let cwd = std::env::current_dir().context("cannot read the current folder")?;
        let base = cwd.canonicalize().unwrap_or(cwd);
        Ok(Ctx {
            cli,
            format: match cli.format {
                OutputFormat::Table => Format::Table,
                OutputFormat::Json => Format::Json,
                OutputFormat::Jsonl => Format::Jsonl,
                OutputFormat::Csv => Format::Csv,
                OutputFormat::Html => Format::Html,
                OutputFormat::Vpdq => Format::Vpdq,
            },
            paths: output_style(cli, base),
            limits: Limits {
                max_pixels: cli.max_megapixels.saturating_mul(1_000_000),
                max_file_bytes: cli.max_file_mib.saturating_mul(1024 * 1024),
                max_duration: (cli.max_seconds > 0)
                    .then(|| std::time::Duration::from_secs(cli.max_seconds)),
                video: provcheck::video::VideoOptions {
                    sampling: provcheck::video::Sampling {
                        fps: cli.fps,
                        max_frames: cli.max_frames.max(1),
                    },
                    // Made once per run; the limits are copied to every worker.
                    ffmpeg: cli.ffmpeg.clone().map(|p| &*Box::leak(p.into_boxed_path())),
                },
                ..Limits::default()
            },
        })
    }

    /// Where the output goes: the `-o` file or standard output.
    fn writer(&self) -> Result<Box<dyn Write>> {
        Ok(match &self.cli.output {
            Some(path) => Box::new(std::io::BufWriter::new(
                std::fs::File::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?,
            )),
            None => Box::new(std::io::stdout().lock()),
        })
    }

    fn print(&self, report: &dyn Report) -> Result<()> {
        let mut out = self.writer()?;
        render(&mut out, self.format, report).context("cannot write the output")?;
        out.flush()?;
        Ok(())
    }

    /// Picture previews, made only for HTML output.
    fn preview(&self, path: &Path) -> Option<String> {
        (self.format == Format::Html)
            .then(|| {
                provcheck::thumbnail::thumbnail_data_uri(path, PREVIEW_SIDE, &self.limits).ok()
            })
            .flatten()
    }

    /// A path for a message on stderr: relative when possible, printable.
    fn shown(&self, p: &Path) -> String {
        provcheck::report::printable(&self.paths.show(p))
    }

    fn note(&self, msg: &str) {
        if !self.cli.quiet {
            eprintln!("{msg}");
        }
    }

    fn open_corpus(&self) -> Result<Corpus> {
        open_at(&self.cli.db)
    }

    /// The corpus `query` and `check` search, brought up to date with
    /// `--corpus DIR` when given; also whether that build had failures. A
    /// missing or empty corpus is an error, not a run that reports every
    /// picture as new, and no database file is created for it.
    fn search_corpus(&self, dir: &CorpusDir) -> Result<(Corpus, bool)> {
        let db = &self.cli.db;
        let shown = shown_location(db);
        // A PostgreSQL corpus is a database on a server: it always exists.
        let exists = is_postgres_url(&db.to_string_lossy()) || db.exists();
        let hint = "build one with `provcheck corpus build DIR`, or pass --corpus DIR";
        match &dir.corpus {
            None if !exists => anyhow::bail!("no corpus at {shown}: {hint}"),
            Some(d) if !d.exists() => anyhow::bail!("--corpus {}: no such folder", d.display()),
            Some(d) if !d.is_dir() => anyhow::bail!("--corpus {}: not a folder", d.display()),
            Some(d)
                if !exists
                    && provcheck::scan::collect_images(std::slice::from_ref(d))
                        .files
                        .is_empty() =>
            {
                anyhow::bail!(
                    "--corpus {}: no pictures in this folder, and no corpus at {shown}",
                    d.display(),
                )
            }
            _ => {}
        }
        let mut corpus = self.open_corpus()?;
        let failed = self.prepare_corpus(&mut corpus, dir)?;
        Ok((corpus, failed))
    }

    /// The search index of `corpus`; an error when it holds no reference.
    fn matcher<'c>(&self, corpus: &'c Corpus) -> Result<Matcher<'c>> {
        let matcher = Matcher::new(corpus, MatchRule::default())?;
        if matcher.references() == 0 {
            anyhow::bail!(
                "the corpus {} is empty: build it with `provcheck corpus build DIR`, or pass --corpus DIR",
                shown_location(&self.cli.db)
            );
        }
        Ok(matcher)
    }

    fn hash(&self, paths: &[PathBuf]) -> Result<i32> {
        let scan = provcheck::scan::collect_images(paths);
        let mut failed = scan.errors.len();
        for e in &scan.errors {
            eprintln!(
                "provcheck: {}",
                provcheck::report::printable(&e.to_string())
            );
        }
        // JSON Lines streams: each batch is written as soon as it is hashed.
        let batch = if self.format == Format::Jsonl {
            STREAM_BATCH
        } else {
            usize::MAX
        };
        let total = scan.files.len();
        let bar = Bar::new(self.cli.quiet, "hashing");
        bar.event(Progress::Started { total });
        let done = std::sync::atomic::AtomicUsize::new(0);
        let mut out = self.writer()?;
        for chunk in scan.files.chunks(batch.max(1)) {
            let results = analyze_many(chunk, &self.limits, Depth::Hashes, &|p| {
                if let Progress::FileDone { .. } = p {
                    let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    bar.event(Progress::FileDone { done: n, total });
                }
            });
            let report = HashReport {
                results: &results,
                paths: self.paths.clone(),
            };
            render(&mut out, self.format, &report).context("cannot write the output")?;
            out.flush()?;
            for (p, r) in &results {
                if let Err(e) = r {
                    bar.suspend(|| eprintln!("provcheck: {}: {e}", self.shown(p)));
                    failed += 1;
                }
            }
        }
        bar.finish();
        Ok(exit_for_failures(failed > 0))
    }

    fn query(
        &self,
        images: &[PathBuf],
        top: usize,
        max_distance: Option<u32>,
        dir: &CorpusDir,
    ) -> Result<i32> {
        let (corpus, build_failed) = self.search_corpus(dir)?;
        let matcher = self.matcher(&corpus)?;
        let opts = QueryOptions {
            top,
            max_distance: max_distance.unwrap_or(u32::MAX),
        };
        // Folders are walked as `hash` walks them; a path that cannot be
        // walked is that path's error, reported with the others.
        let scan = provcheck::scan::collect_images(images);
        let mut outcomes: Vec<QueryOutcome> = scan.errors.into_iter().map(walk_outcome).collect();
        outcomes.extend(matcher.query_files(&scan.files, &self.limits, &opts)?);
        self.print(&QueryReport {
            outcomes: &outcomes,
            paths: self.paths.clone(),
            previews: &|p| self.preview(p),
        })?;
        let mut errors = build_failed;
        let mut found = false;
        for o in &outcomes {
            match &o.result {
                Err(e) => {
                    eprintln!("provcheck: {}: {e}", self.shown(&o.query));
                    errors = true;
                }
                // A picture that could not be assessed is no all-clear.
                Ok(m) => found |= !m.is_empty() || o.not_assessed.is_some(),
            }
        }
        Ok(exit_code(errors, found))
    }

    /// `serve`: indexes `--corpus DIR` first (as `query` does), then serves
    /// until stopped.
    fn serve(
        &self,
        bind: std::net::SocketAddr,
        token: Option<String>,
        max_upload_mib: u64,
        uploads: Option<PathBuf>,
        dir: &CorpusDir,
    ) -> Result<i32> {
        let mut corpus = self.open_corpus()?;
        self.prepare_corpus(&mut corpus, dir)?;
        drop(corpus);
        let corpus_dir = dir.corpus.as_ref().map(|d| corpus_key(d));
        let uploads = uploads.unwrap_or_else(|| match &corpus_dir {
            Some(d) => d.join("uploads"),
            None => corpus_key(&self.cli.db)
                .parent()
                .map(|p| p.join("uploads"))
                .unwrap_or_else(|| PathBuf::from("uploads")),
        });
        let config = provcheck::serve::Config {
            bind,
            db: self.cli.db.clone(),
            corpus_dir,
            uploads,
            token,
            limits: self.limits,
            max_upload_bytes: usize::try_from(max_upload_mib.saturating_mul(1024 * 1024))
                .unwrap_or(usize::MAX),
            workers: self
                .cli
                .threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
            base: self.paths.base.clone().unwrap_or_default(),
        };
        provcheck::serve::run(config, |addr| {
            // The first line on stdout: scripts and tests read the address here.
            println!("provcheck: serving on http://{addr}/");
            let _ = std::io::stdout().flush();
        })?;
        Ok(EXIT_CLEAN)
    }

    fn check(&self, statement_file: &Path, dir: &CorpusDir) -> Result<i32> {
        let statement = Statement::load(statement_file)?;
        let (corpus, build_failed) = self.search_corpus(dir)?;
        let matcher = self.matcher(&corpus)?;
        let checks = check_statement(&matcher, statement_file, &statement, &self.limits)?;
        self.print(&CheckReport {
            statement: &statement,
            checks: &checks,
            paths: self.paths.clone(),
            previews: &|p| self.preview(p),
            ffmpeg: self.limits.video.ffmpeg,
        })?;
        let mut errors = build_failed;
        for c in &checks {
            if let Some(e) = &c.error {
                eprintln!("provcheck: {}: {e}", self.shown(&c.image));
                errors = true;
            }
        }
        Ok(exit_code(errors, checks.iter().any(|c| c.is_flagged())))
    }
}

/// Width and colour of human-readable output: on standard output, `COLUMNS`
/// or the terminal's width when it is a terminal (none for a pipe: tables
/// are whole); none for an `-o` file; colour on a terminal unless `NO_COLOR`.
fn output_style(cli: &Cli, base: PathBuf) -> Style {
    use std::io::IsTerminal;
    let to_terminal = cli.output.is_none() && std::io::stdout().is_terminal();
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .filter(|_| cli.output.is_none());
    let width = columns.or_else(|| {
        to_terminal
            .then(|| terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)))
            .flatten()
    });
    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    Style {
        width,
        color,
        ..Style::relative_to(base)
    }
}

/// A path that could not be walked, as the query outcome of that path.
fn walk_outcome(e: provcheck::error::Error) -> QueryOutcome {
    let (query, source) = match e {
        provcheck::error::Error::Io { path, source } => (path, source),
        other => (PathBuf::new(), std::io::Error::other(other.to_string())),
    };
    QueryOutcome {
        query,
        result: Err(provcheck::error::FileError::Io(source)),
        not_assessed: None,
        clips: Vec::new(),
    }
}

fn exit_code(errors: bool, found: bool) -> i32 {
    if errors {
        EXIT_ERROR
    } else if found {
        EXIT_FOUND
    } else {
        EXIT_CLEAN
    }
}

fn context_from_args(a: &ContextArgs) -> Result<Option<Context>> {
    let c = Context {
        source_url: a.source_url.clone(),
        publisher: a.publisher.clone(),
        published: a.published.clone(),
        caption: a.caption.clone(),
        location: a.location.clone(),
        latitude: a.latitude,
        longitude: a.longitude,
        credit: a.credit.clone(),
        licence: a.licence.clone(),
        notes: a.notes.clone(),
    };
    if c == Context::default() {
        return Ok(None);
    }
    Ok(Some(c.validated().map_err(anyhow::Error::msg)?))
}

/// A corpus location as messages show it: the path, or the URL with its
/// password masked.
fn shown_location(location: &Path) -> String {
    mask_password(&location.to_string_lossy())
}

/// Opens the corpus at `location`, naming it (password masked) on error; a
/// SQLite file's folder must exist.
fn open_at(location: &Path) -> Result<Corpus> {
    let shown = shown_location(location);
    if !is_postgres_url(&location.to_string_lossy()) {
        if let Some(folder) = location.parent().filter(|f| !f.as_os_str().is_empty()) {
            if !folder.is_dir() {
                anyhow::bail!(
                    "cannot open the corpus {shown}: the folder {} does not exist (create it first)",
                    folder.display()
                );
            }
        }
    }
    Corpus::open(location).with_context(|| format!("cannot open the corpus {shown}"))
}

/// Whether a file given to `corpus import` is a vPDQ hash list: its name
/// ends in `.vpdq`.
fn is_vpdq_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(provcheck::video::vpdq::EXTENSION))
}
