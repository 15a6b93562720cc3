//! Shared helpers: the binary, paths of the bundled data, image transforms.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use image::codecs::jpeg::JpegEncoder;
use image::DynamicImage;

use super::engines::PgDatabase;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn references() -> PathBuf {
    repo().join("reference_images")
}

pub fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures").join(name)
}

/// `../shared/data`, or `None` (and a message) when this clone has no copy.
pub fn shared_data(test: &str) -> Option<PathBuf> {
    let p = repo().join("../shared/data");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipping {test}: ../shared/data is absent");
        None
    }
}

/// The binary, run in `dir` with the corpus database `db`.
pub fn provcheck(dir: &Path, db: &Path) -> Command {
    let mut cmd = Command::cargo_bin("provcheck").expect("binary built");
    cmd.current_dir(dir)
        .env_remove("PROVCHECK_CORPUS")
        .env_remove("COLUMNS")
        .env_remove("NO_COLOR")
        .arg("--db")
        .arg(db)
        .arg("-q");
    cmd
}

/// `provcheck --format json eval ARGS` run in `dir` (eval builds its corpus
/// in memory): expects exit 0 and returns the parsed output.
pub fn eval_json<S: AsRef<std::ffi::OsStr>>(dir: &Path, args: &[S]) -> serde_json::Value {
    let out = provcheck(dir, &dir.join("unused.db"))
        .args(["--format", "json", "eval"])
        .args(args)
        .output()
        .expect("provcheck runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    json(&out.stdout)
}

/// A temporary folder with a corpus: a SQLite file inside it, or a
/// PostgreSQL database of its own.
pub struct Workspace {
    pub dir: tempfile::TempDir,
    pub pg: Option<PgDatabase>,
}

impl Workspace {
    pub fn new() -> Workspace {
        Workspace {
            dir: tempfile::tempdir().expect("temp dir"),
            pg: None,
        }
    }

    /// A workspace whose corpus is a fresh PostgreSQL database, or `None`
    /// when the test must skip (see [`PgDatabase::create`]).
    pub fn postgres(test: &str) -> Option<Workspace> {
        Some(Workspace {
            pg: Some(PgDatabase::create(test)?),
            ..Workspace::new()
        })
    }

    /// The schema version its engine's migrations reach.
    pub fn schema_version(&self) -> i64 {
        match self.pg {
            Some(_) => provcheck::corpus::PG_SCHEMA_VERSION,
            None => provcheck::corpus::SCHEMA_VERSION,
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The corpus location: the SQLite file's path or the database URL.
    pub fn db(&self) -> PathBuf {
        match &self.pg {
            Some(pg) => PathBuf::from(&pg.url),
            None => self.dir.path().join("corpus.db"),
        }
    }

    pub fn cmd(&self) -> Command {
        provcheck(self.path(), &self.db())
    }

    /// Runs with `--format json`, expects exit `code`, parses stdout.
    pub fn run_json<S: AsRef<std::ffi::OsStr>>(&self, args: &[S], code: i32) -> serde_json::Value {
        let out = self
            .cmd()
            .args(["--format", "json"])
            .args(args)
            .assert()
            .code(code);
        json(&out.get_output().stdout)
    }

    /// The closest match of a query that must match something (exit 1).
    pub fn top_match<S: AsRef<std::ffi::OsStr>>(&self, query: S) -> serde_json::Value {
        let query = query.as_ref();
        self.run_json(&[std::ffi::OsStr::new("query"), query], 1)[0]["matches"][0].clone()
    }

    /// Copies `files` into a folder `refs` of the workspace and builds the
    /// corpus from it.
    pub fn build_from(&self, files: &[PathBuf]) -> serde_json::Value {
        let refs = self.path().join("refs");
        std::fs::create_dir_all(&refs).unwrap();
        for f in files {
            std::fs::copy(f, refs.join(f.file_name().unwrap())).unwrap();
        }
        self.run_json(&["corpus", "build", "refs"], 0)
    }

    /// The corpus listing.
    pub fn list(&self) -> Vec<serde_json::Value> {
        self.run_json(&["corpus", "list"], 0)
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Builds the bundled reference corpus with its context file.
    pub fn build_references(&self) -> serde_json::Value {
        let out = self
            .cmd()
            .args(["--format", "json", "corpus", "build"])
            .arg(references())
            .arg("--context")
            .arg(references().join("context.csv"))
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        json(&out)[0].clone()
    }
}

/// Makes `dest` a folder holding the named bundled references and a
/// `context.csv` with their lines of the bundled context file.
pub fn reference_folder(dest: &Path, names: &[&str]) {
    std::fs::create_dir(dest).unwrap();
    let csv = std::fs::read_to_string(references().join("context.csv")).unwrap();
    let mut lines = vec![csv.lines().next().unwrap().to_string()];
    for name in names {
        std::fs::copy(references().join(name), dest.join(name)).unwrap();
        let prefix = format!("{name},");
        lines.extend(
            csv.lines()
                .filter(|l| l.starts_with(&prefix))
                .map(String::from),
        );
    }
    std::fs::write(dest.join("context.csv"), lines.join("\n") + "\n").unwrap();
}

pub fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap_or_else(|e| {
        panic!(
            "output is not JSON ({e}): {}",
            String::from_utf8_lossy(bytes)
        )
    })
}

/// Crops `area` of the picture (off-centre), scales by `scale`, and saves a
/// JPEG of `quality` to `out`: what a re-publication does to a photo.
pub fn degrade(src: &Path, out: &Path, area: f64, scale: f64, quality: u8) {
    let img = image::open(src).expect("reference decodes");
    let side = area.sqrt();
    let (w, h) = (img.width() as f64, img.height() as f64);
    let (cw, ch) = ((w * side) as u32, (h * side) as u32);
    let x = ((w - cw as f64) * 0.5) as u32;
    let y = ((h - ch as f64) * 0.5) as u32;
    let cropped = img.crop_imm(x, y, cw, ch);
    let resized = cropped.resize(
        (cw as f64 * scale) as u32,
        (ch as f64 * scale) as u32,
        image::imageops::FilterType::Triangle,
    );
    save_jpeg(&resized, out, quality);
}

pub fn save_jpeg(img: &DynamicImage, out: &Path, quality: u8) {
    let file = std::fs::File::create(out).expect("create");
    let enc = JpegEncoder::new_with_quality(std::io::BufWriter::new(file), quality);
    img.to_rgb8().write_with_encoder(enc).expect("encode JPEG");
}

/// Serves the project's own schema files for the `$ref`s of a JSON schema
/// or the OpenAPI document (`query-2.json` is `schemas/query.schema.json`;
/// a name already ending `.schema.json` is itself); nothing is fetched.
pub struct LocalSchemas;

impl jsonschema::Retrieve for LocalSchemas {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<serde_json::Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri
            .path()
            .as_str()
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_string();
        let file = if name.ends_with(".schema.json") {
            name
        } else {
            name.replace("-2.json", ".schema.json")
        };
        let text = std::fs::read_to_string(repo().join("schemas").join(&file))?;
        Ok(serde_json::from_str(&text)?)
    }
}
