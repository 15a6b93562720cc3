//! Argument definitions.

use std::path::PathBuf;

use clap::builder::RangedU64ValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Bounds of the numeric options: beyond them a value only empties the
/// result, exhausts memory or overflows a clock.
const MAX_THREADS: u64 = 1024;
const MAX_MEGAPIXELS: u64 = 1024;
const MAX_SECONDS: u64 = 86_400;
const MAX_FILE_MIB: u64 = 4096;
const MAX_TOP: u64 = 1000;
const PDQ_BITS: u64 = 256;

/// A parser of whole numbers from `min` to `max` (a usage error outside).
fn in_range<T>(min: u64, max: u64) -> RangedU64ValueParser<T>
where
    T: TryFrom<u64> + Clone + Send + Sync + 'static,
    <T as TryFrom<u64>>::Error: std::error::Error + Send + Sync + 'static,
{
    RangedU64ValueParser::new().range(min..=max)
}

#[derive(Debug, Parser)]
#[command(
    name = "provcheck",
    version,
    about = "Have we seen this picture before, where, and when? Offline image provenance checks.",
    after_help = "Exit codes: 0 = nothing found, 1 = matches, flagged images or images that could not be assessed (near-black, blank, two-tone), 2 = error (some files could not be read; the others were processed)."
)]
pub struct Cli {
    /// Corpus database: a SQLite file, or a shared PostgreSQL database as a
    /// URL postgres://USER@HOST:PORT/DB (password from the URL, PGPASSWORD
    /// or ~/.pgpass; never printed).
    #[arg(
        long,
        global = true,
        env = "PROVCHECK_DB",
        default_value = "provcheck.db"
    )]
    pub db: PathBuf,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Colour in tables: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Write the output to this file instead of standard output.
    #[arg(short, long, global = true)]
    pub output: Option<PathBuf>,
    /// No progress or summaries on stderr (errors are still printed).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Worker threads, 1 to 1024 (default: one per core).
    #[arg(short = 'j', long, global = true, value_parser = in_range::<usize>(1, MAX_THREADS))]
    pub threads: Option<usize>,
    /// Largest image accepted, in megapixels, 1 to 1024 (checked before any
    /// pixel is allocated).
    #[arg(long, global = true, default_value_t = 64, value_parser = in_range::<u64>(1, MAX_MEGAPIXELS))]
    pub max_megapixels: u64,
    /// Longest time one file may take, in seconds, 0 (no limit) to 86400.
    #[arg(long, global = true, default_value_t = 60, value_parser = in_range::<u64>(0, MAX_SECONDS))]
    pub max_seconds: u64,
    /// Largest file read, in MiB, 1 to 4096.
    #[arg(long, global = true, default_value_t = 256, value_parser = in_range::<u64>(1, MAX_FILE_MIB))]
    pub max_file_mib: u64,
    /// The ffmpeg binary videos are decoded with (ffprobe is looked for beside it; default: PATH).
    #[arg(long, global = true, env = "PROVCHECK_FFMPEG")]
    pub ffmpeg: Option<PathBuf>,
    /// Video frames sampled per second (besides the first frame after each scene cut).
    #[arg(long, global = true, default_value_t = 1.0)]
    pub fps: f64,
    /// Most frames kept per video.
    #[arg(long, global = true, default_value_t = 3600)]
    pub max_frames: usize,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Refuses, as a usage error and before any work, an output format the
    /// command does not write: HTML exists for `query` and `check` only.
    pub fn check_format(&self) -> Result<(), clap::Error> {
        let html = matches!(self.command, Command::Query { .. } | Command::Check { .. });
        if matches!(self.format, OutputFormat::Html) && !html {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            return Err(cmd.error(
                clap::error::ErrorKind::InvalidValue,
                format!(
                    "--format html is written by `query` and `check` only; `{}` writes table, json, jsonl or csv",
                    self.command.name()
                ),
            ));
        }
        Ok(())
    }
}

impl Command {
    /// The command as typed (`corpus list`), for messages.
    pub fn name(&self) -> String {
        let sub = |c: &CorpusCommand| match c {
            CorpusCommand::Build { .. } => "build",
            CorpusCommand::Add { .. } => "add",
            CorpusCommand::Import { .. } => "import",
            CorpusCommand::Export { .. } => "export",
            CorpusCommand::Copy { .. } => "copy",
            CorpusCommand::Stats => "stats",
            CorpusCommand::List => "list",
            CorpusCommand::Remove { .. } => "remove",
        };
        match self {
            Command::Hash { .. } => "hash".into(),
            Command::Corpus(c) => format!("corpus {}", sub(c)),
            Command::Query { .. } => "query".into(),
            Command::Completions { .. } => "completions".into(),
            Command::Man => "man".into(),
            Command::Check { .. } => "check".into(),
            Command::Eval { .. } => "eval".into(),
            Command::Serve { .. } => "serve".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Jsonl,
    Csv,
    /// A self-contained HTML page (check and query).
    Html,
    /// ThreatExchange's vPDQ text format: frame,quality,pdq,seconds per sampled frame (hash).
    Vpdq,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Hash every image under the given files and folders.
    Hash {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Build and maintain the reference corpus.
    #[command(subcommand)]
    Corpus(CorpusCommand),
    /// Find the closest references of each image.
    Query {
        #[arg(required = true)]
        images: Vec<PathBuf>,
        /// Matches listed per image, 1 to 1000.
        #[arg(long, default_value_t = 5, value_parser = in_range::<usize>(1, MAX_TOP))]
        top: usize,
        /// Largest PDQ distance listed, 0 to 256 bits (the matching rule's
        /// limit applies too).
        #[arg(long, value_parser = in_range::<u32>(0, PDQ_BITS))]
        max_distance: Option<u32>,
        #[command(flatten)]
        corpus: CorpusDir,
    },
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff).
    Man,
    /// Check the images attached to a statement (TOML or JSON).
    Check {
        statement: PathBuf,
        #[command(flatten)]
        corpus: CorpusDir,
    },
    /// Serve the verification desk (web pages) and the HTTP API (/api/v1).
    Serve {
        /// Address to listen on; anything but loopback needs --token.
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: std::net::SocketAddr,
        /// Access token required on every request (at least 16 characters).
        #[arg(long, env = "PROVCHECK_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Largest request body (all pictures of one request), in MiB.
        #[arg(long, default_value_t = 64)]
        max_upload_mib: u64,
        /// Folder where pictures added through the desk are kept
        /// (default: `uploads` in the reference folder, or beside the database).
        #[arg(long)]
        uploads: Option<PathBuf>,
        #[command(flatten)]
        corpus: CorpusDir,
    },
    /// Measure matching robustness: transformed copies of the originals
    /// queried against them (recall at rank 1, false matches, distances);
    /// with --videos, stills grabbed from clips searched for in their clip
    /// (recall at rank 1, time error, false matches).
    Eval {
        /// Folder of original pictures (the temporary corpus).
        #[arg(long, required_unless_present = "videos", conflicts_with = "videos")]
        originals: Option<PathBuf>,
        /// Folder of video clips (the temporary corpus): stills grabbed at
        /// random times are transformed and searched for in their clip.
        #[arg(long)]
        videos: Option<PathBuf>,
        /// Stills grabbed per clip (with --videos), 1 to 1000.
        #[arg(long, default_value_t = 4, value_parser = in_range::<usize>(1, 1000))]
        stills: usize,
        /// Folder of unrelated pictures added to the corpus and queried
        /// (with --videos: clips and pictures queried, never indexed).
        #[arg(long)]
        distractors: Option<PathBuf>,
        /// Seed of the random crop offsets and marks.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Match threshold in PDQ bits, 0 to 256 (default: the matching
        /// rule's `similar` limit).
        #[arg(long, value_parser = in_range::<u32>(0, PDQ_BITS))]
        threshold: Option<u32>,
    },
}

#[derive(Debug, Args)]
pub struct CorpusDir {
    /// Reference folder to index (incrementally) before searching; its
    /// context.csv or context.jsonl is attached when present.
    #[arg(long, env = "PROVCHECK_CORPUS")]
    pub corpus: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum CorpusCommand {
    /// Add or update every image under DIR (unchanged files are not decoded again).
    Build {
        dir: PathBuf,
        /// Context records (CSV or JSONL; `path` relative to DIR, or `sha256`).
        #[arg(long)]
        context: Option<PathBuf>,
        /// Remove entries under DIR whose files are gone.
        #[arg(long)]
        prune: bool,
    },
    /// Add images, optionally with one context for all of them.
    Add {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        context: ContextArgs,
    },
    /// Attach context records to files in the corpus (by path or sha256);
    /// records with a `pdq` hash and no file here become hash-only references.
    /// A vPDQ file (`NAME.vpdq`, as `hash --format vpdq` writes it) becomes a
    /// hash-only video reference named NAME (`clip.mp4.vpdq`: `clip.mp4` in
    /// --base), imported before the context files, which match it by path.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Folder that relative `path` columns and vPDQ names are resolved
        /// against (default: each file's folder).
        #[arg(long)]
        base: Option<PathBuf>,
    },
    /// Write every reference's hashes and context (CSV, or JSONL with
    /// --format jsonl), in the format `corpus import` reads; paths are
    /// relative to --base.
    Export {
        /// Folder the paths are written relative to (default: the folder of
        /// the -o file, else the current folder): `corpus import --base` on
        /// another machine resolves them against its copy of the folder.
        #[arg(long)]
        base: Option<PathBuf>,
    },
    /// Copy every file of one corpus (SQLite path or PostgreSQL URL) into
    /// another, empty one, with all its hashes, EXIF, features and
    /// contexts; checked by counts and a digest of every file's hashes.
    Copy {
        #[arg(long)]
        from: PathBuf,
        #[arg(long)]
        to: PathBuf,
    },
    /// Summary of the corpus.
    Stats,
    /// Every file in the corpus.
    List,
    /// Remove files (or every file under a folder) from the corpus.
    Remove {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

#[derive(Debug, Args, Default)]
pub struct ContextArgs {
    #[arg(long)]
    pub source_url: Option<String>,
    #[arg(long)]
    pub publisher: Option<String>,
    /// ISO date: YYYY, YYYY-MM or YYYY-MM-DD.
    #[arg(long)]
    pub published: Option<String>,
    #[arg(long)]
    pub caption: Option<String>,
    #[arg(long)]
    pub location: Option<String>,
    #[arg(long, allow_hyphen_values = true)]
    pub latitude: Option<f64>,
    #[arg(long, allow_hyphen_values = true)]
    pub longitude: Option<f64>,
    #[arg(long)]
    pub credit: Option<String>,
    #[arg(long)]
    pub licence: Option<String>,
    #[arg(long)]
    pub notes: Option<String>,
}
