//! One function per command: call the library, render, choose the exit code.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use provcheck::analyze::{analyze_many, Depth, Progress};
use provcheck::check::check_statement;
use provcheck::context::{read_context_file, Context};
use provcheck::corpus::{add_paths, corpus_key, BuildOptions, BuildReport, Corpus};
use provcheck::decode::Limits;
use provcheck::matching::MatchRule;
use provcheck::query::{Matcher, QueryOptions};
use provcheck::report::{
    render, BuildSummary, CheckReport, EvalReport, ExportReport, Format, HashReport, ListReport,
    QueryReport, Report, StatsReport, Style,
};
use provcheck::statement::Statement;

use super::args::{Cli, ColorChoice, Command, ContextArgs, CorpusCommand, CorpusDir, OutputFormat};
use super::progress::Bar;
use super::{EXIT_CLEAN, EXIT_ERROR, EXIT_FOUND};

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
        Command::Eval {
            originals,
            distractors,
            seed,
            threshold,
        } => {
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
            Ok(if eval.failures.is_empty() {
                EXIT_CLEAN
            } else {
                EXIT_ERROR
            })
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
        Corpus::open(&self.cli.db)
            .with_context(|| format!("cannot open the corpus {}", self.cli.db.display()))
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
        Ok(if failed > 0 { EXIT_ERROR } else { EXIT_CLEAN })
    }

    /// Prints a build's summary and failures; exit code 2 if any file failed.
    fn finish_build(&self, report: &BuildReport) -> Result<i32> {
        self.print(&BuildSummary {
            report,
            paths: self.paths.clone(),
        })?;
        Ok(if self.report_build_errors(report) {
            EXIT_ERROR
        } else {
            EXIT_CLEAN
        })
    }

    /// Reports a build's failures on stderr; true if there were any.
    fn report_build_errors(&self, report: &BuildReport) -> bool {
        for f in &report.failures {
            eprintln!("provcheck: {}: {}", self.shown(&f.path), f.error);
        }
        for e in &report.walk_errors {
            eprintln!(
                "provcheck: {}",
                provcheck::report::printable(&e.to_string())
            );
        }
        report.has_errors()
    }

    fn build(
        &self,
        corpus: &mut Corpus,
        dir: &Path,
        context: Option<&Path>,
        prune: bool,
    ) -> Result<BuildReport> {
        let bar = Bar::new(self.cli.quiet, "indexing");
        let opts = BuildOptions {
            limits: self.limits,
            prune,
            context: None,
        };
        let mut report = add_paths(corpus, &[dir.to_path_buf()], &opts, &|p| bar.event(p))?;
        bar.finish();
        if let Some(file) = context {
            let records = read_context_file(file)?;
            let imported = corpus.import_contexts(&records, dir)?;
            report.contexts_attached += imported.attached;
            for u in &imported.unmatched {
                eprintln!(
                    "provcheck: {}: context record for {u:?} names no file of the corpus",
                    file.display()
                );
            }
        }
        Ok(report)
    }

    /// `--corpus DIR`: index DIR (and its context file) before searching.
    fn prepare_corpus(&self, corpus: &mut Corpus, dir: &CorpusDir) -> Result<bool> {
        let Some(dir) = &dir.corpus else {
            return Ok(false);
        };
        let context = ["context.csv", "context.jsonl"]
            .iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file());
        let report = self.build(corpus, dir, context.as_deref(), true)?;
        if !self.cli.quiet {
            let mut err = std::io::stderr();
            BuildSummary {
                report: &report,
                paths: self.paths.clone(),
            }
            .table(&mut err)?;
        }
        Ok(self.report_build_errors(&report))
    }

    fn corpus(&self, cmd: &CorpusCommand) -> Result<i32> {
        let mut corpus = self.open_corpus()?;
        match cmd {
            CorpusCommand::Build {
                dir,
                context,
                prune,
            } => {
                let report = self.build(&mut corpus, dir, context.as_deref(), *prune)?;
                self.finish_build(&report)
            }
            CorpusCommand::Add { paths, context } => {
                let bar = Bar::new(self.cli.quiet, "indexing");
                let opts = BuildOptions {
                    limits: self.limits,
                    prune: false,
                    context: context_from_args(context)?,
                };
                let report = add_paths(&mut corpus, paths, &opts, &|p| bar.event(p))?;
                bar.finish();
                self.finish_build(&report)
            }
            CorpusCommand::Import { file, base } => {
                let records = read_context_file(file)?;
                let base = base
                    .clone()
                    .unwrap_or_else(|| file.parent().map(Path::to_path_buf).unwrap_or_default());
                let report = corpus.import_contexts(&records, &base)?;
                self.note(&format!(
                    "{} context records attached ({} hash-only references created), {} unmatched",
                    report.attached,
                    report.external,
                    report.unmatched.len()
                ));
                for u in &report.unmatched {
                    eprintln!(
                        "provcheck: {}: record for {u:?} names no file of the corpus",
                        file.display()
                    );
                }
                Ok(if report.unmatched.is_empty() {
                    EXIT_CLEAN
                } else {
                    EXIT_ERROR
                })
            }
            CorpusCommand::Export => {
                let records = corpus.export()?;
                self.print(&ExportReport { records: &records })?;
                Ok(EXIT_CLEAN)
            }
            CorpusCommand::Stats => {
                let stats = corpus.stats()?;
                self.print(&StatsReport {
                    stats: &stats,
                    paths: self.paths.clone(),
                })?;
                Ok(EXIT_CLEAN)
            }
            CorpusCommand::List => {
                let entries = corpus.list()?;
                self.print(&ListReport {
                    entries: &entries,
                    paths: self.paths.clone(),
                })?;
                Ok(EXIT_CLEAN)
            }
            CorpusCommand::Remove { paths } => {
                let keys: Vec<PathBuf> = paths.iter().map(|p| corpus_key(p)).collect();
                let n = corpus.remove(&keys)?;
                self.note(&format!("{n} of {} files removed", paths.len()));
                Ok(if n == paths.len() {
                    EXIT_CLEAN
                } else {
                    EXIT_ERROR
                })
            }
        }
    }

    fn query(
        &self,
        images: &[PathBuf],
        top: usize,
        max_distance: Option<u32>,
        dir: &CorpusDir,
    ) -> Result<i32> {
        let mut corpus = self.open_corpus()?;
        let build_failed = self.prepare_corpus(&mut corpus, dir)?;
        let matcher = Matcher::new(&corpus, MatchRule::default())?;
        if matcher.references() == 0 {
            self.note("provcheck: the corpus is empty; build it with `provcheck corpus build DIR` or pass --corpus DIR");
        }
        let opts = QueryOptions {
            top,
            max_distance: max_distance.unwrap_or(u32::MAX),
        };
        let outcomes = matcher.query_files(images, &self.limits, &opts)?;
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

    fn check(&self, statement_file: &Path, dir: &CorpusDir) -> Result<i32> {
        let statement = Statement::load(statement_file)?;
        let mut corpus = self.open_corpus()?;
        let build_failed = self.prepare_corpus(&mut corpus, dir)?;
        let matcher = Matcher::new(&corpus, MatchRule::default())?;
        if matcher.references() == 0 {
            self.note("provcheck: the corpus is empty; build it with `provcheck corpus build DIR` or pass --corpus DIR");
        }
        let checks = check_statement(&matcher, statement_file, &statement, &self.limits)?;
        self.print(&CheckReport {
            statement: &statement,
            checks: &checks,
            paths: self.paths.clone(),
            previews: &|p| self.preview(p),
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

/// Width and colour of human-readable output: the terminal's (or `COLUMNS`)
/// width when writing to a terminal, colour on a terminal unless `NO_COLOR`.
fn output_style(cli: &Cli, base: PathBuf) -> Style {
    use std::io::IsTerminal;
    let to_terminal = cli.output.is_none() && std::io::stdout().is_terminal();
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok());
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
