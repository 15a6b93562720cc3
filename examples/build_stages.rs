//! Cost per picture of each stage of `corpus build`, on one thread: read
//! the file, SHA-256, EXIF, decode to the working picture, the hashes `hash`
//! computes (PDQ with its eight variants, pHash), the extra hashes a
//! reference stores (twelve sub-frames with their variants, 34 windows),
//! local features, and the SQLite writes (chunks of 128 files, one
//! transaction each, as the build writes them). The stages are the
//! library's own functions, called in the order the build calls them.
//!
//! Usage: `cargo run --release --example build_stages -- FOLDER DB [N]`
//! (the first N image files of FOLDER in path order, default 2000; DB is a
//! new SQLite corpus file, removed first). benches/build.sh runs it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use provcheck::analyze::{file_stamp, sha256_hex, Analysis, Depth};
use provcheck::corpus::{corpus_key, Corpus};
use provcheck::decode::{decode_working, Limits};
use provcheck::exif::read_exif;
use provcheck::features::Features;
use provcheck::hash::hash_image;

/// Files written per transaction (as `corpus build` does).
const CHUNK: usize = 128;

const STAGES: [&str; 8] = [
    "read file",
    "SHA-256",
    "EXIF",
    "decode to the working picture",
    "hashes as `hash` computes them (PDQ + variants, pHash)",
    "reference hashes (PDQ, 12 sub-frames x 8 variants, 34 windows, pHash)",
    "local features",
    "SQLite writes",
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: build_stages FOLDER DB [N]");
        std::process::exit(2);
    }
    let folder = PathBuf::from(&args[0]);
    let db = PathBuf::from(&args[1]);
    let n: usize = args.get(2).map_or(2000, |s| s.parse().expect("N"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let mut files = provcheck::scan::collect_images(&[folder]).files;
    files.sort();
    files.truncate(n);
    let mut corpus = Corpus::open(&db).expect("a new corpus file");
    let limits = Limits::default();
    let mut spent = [Duration::ZERO; STAGES.len()];
    let mut pending: Vec<(String, Analysis)> = Vec::new();
    let mut pixels = 0u64;
    for path in &files {
        let a = analyse(path, &limits, &mut spent);
        pixels += u64::from(a.width) * u64::from(a.height);
        pending.push((corpus_key(path).to_string_lossy().into_owned(), a));
        if pending.len() == CHUNK {
            write(&mut corpus, &mut pending, &mut spent[7]);
        }
    }
    write(&mut corpus, &mut pending, &mut spent[7]);
    let count = files.len().max(1) as f64;
    println!(
        "{} files, {:.2} megapixels on average, one thread; ms per picture:",
        files.len(),
        pixels as f64 / count / 1e6
    );
    println!("| stage | ms per picture |");
    println!("|---|---|");
    for (name, t) in STAGES.iter().zip(spent) {
        println!("| {name} | {:.2} |", t.as_secs_f64() * 1e3 / count);
    }
    let ms = |i: usize| spent[i].as_secs_f64() * 1e3 / count;
    let hash_alone = ms(0) + ms(1) + ms(2) + ms(3) + ms(4);
    let build = ms(0) + ms(1) + ms(2) + ms(3) + ms(5) + ms(6) + ms(7);
    println!(
        "| what `hash` does (read, SHA-256, EXIF, decode, hashes) | {hash_alone:.2} |\n\
         | what `corpus build` does (read, SHA-256, EXIF, decode, reference hashes, features, writes) | {build:.2} |"
    );
    println!("build / hash: {:.2}x", build / hash_alone);
}

/// One file through the build's stages, each timed into `spent`.
fn analyse(path: &Path, limits: &Limits, spent: &mut [Duration]) -> Analysis {
    let mut clock = Instant::now();
    let mut lap = |i: usize| {
        let now = Instant::now();
        spent[i] += now - clock;
        clock = now;
    };
    let meta = std::fs::metadata(path).expect("file metadata");
    let bytes = std::fs::read(path).expect("readable file");
    lap(0);
    let sha256 = sha256_hex(&bytes);
    lap(1);
    let exif = read_exif(&bytes);
    lap(2);
    let working = decode_working(&bytes, limits, exif.orientation).expect("decodes");
    lap(3);
    let plain = hash_image(&working.grey, Depth::Hashes.parts());
    std::hint::black_box(plain);
    lap(4);
    let hashes = hash_image(&working.grey, Depth::Reference.parts());
    lap(5);
    let features = Features::of(&working.grey);
    lap(6);
    let (size, mtime_ns) = file_stamp(&meta);
    Analysis {
        path: path.to_path_buf(),
        size,
        mtime_ns,
        sha256,
        format: working.format.to_string(),
        width: working.width,
        height: working.height,
        hashes,
        features: Some(features),
        exif,
        video: None,
    }
}

fn write(corpus: &mut Corpus, pending: &mut Vec<(String, Analysis)>, spent: &mut Duration) {
    let clock = Instant::now();
    corpus.write_analyses(pending).expect("written");
    *spent += clock.elapsed();
    pending.clear();
}
