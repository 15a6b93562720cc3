//! The `corpus` commands (build, add, import, export, remove, stats, list,
//! copy): call the library's corpus functions, render, choose the exit code.

use super::*;

impl Ctx<'_> {
    /// `corpus copy --from A --to B`: one line saying what moved and the
    /// digest both sides agree on.
    pub(super) fn copy(&self, from: &Path, to: &Path) -> Result<i32> {
        let source = open_at(from)?;
        let mut target = open_at(to)?;
        let report = provcheck::corpus::copy(&source, &mut target)?;
        let mut out = self.writer()?;
        writeln!(
            out,
            "copied {} files ({} videos with {} frames) and {} contexts from {} to {}; both hold digest {}",
            report.files,
            report.videos,
            report.frames,
            report.contexts,
            source.location(),
            target.location(),
            report.digest
        )?;
        out.flush()?;
        Ok(EXIT_CLEAN)
    }

    /// Prints a build's summary and failures; exit code 2 if any file failed.
    pub(super) fn finish_build(&self, report: &BuildReport) -> Result<i32> {
        self.print(&BuildSummary {
            report,
            paths: self.paths.clone(),
        })?;
        Ok(exit_for_failures(self.report_build_errors(report)))
    }

    /// Reports a build's failures on stderr; true if there were any.
    pub(super) fn report_build_errors(&self, report: &BuildReport) -> bool {
        for f in &report.failures {
            eprintln!("provcheck: {}: {}", self.shown(&f.path), f.error);
        }
        // Not errors: what a video read from its vPDQ hashes leaves out.
        let why = provcheck::video::Tools::find(self.limits.video.ffmpeg)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_else(|| "FFmpeg not found".into());
        for p in &report.from_vpdq {
            self.note(&format!(
                "provcheck: {}: {why}; its frames were read from {}.{} (PDQ hashes only: no local-feature verification against its frames, no frame pictures in HTML reports)",
                self.shown(p),
                p.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
                provcheck::video::vpdq::EXTENSION
            ));
        }
        for e in &report.walk_errors {
            eprintln!(
                "provcheck: {}",
                provcheck::report::printable(&e.to_string())
            );
        }
        report.has_errors()
    }

    pub(super) fn build(
        &self,
        corpus: &mut Corpus,
        dir: &Path,
        context: Option<&Path>,
        prune: bool,
    ) -> Result<(BuildReport, Vec<String>)> {
        let bar = Bar::new(self.cli.quiet, "indexing");
        let opts = BuildOptions {
            limits: self.limits,
            prune,
            context: None,
        };
        let mut report = add_paths(corpus, &[dir.to_path_buf()], &opts, &|p| bar.event(p))?;
        bar.finish();
        // Printed after the files' own errors: a record whose file was
        // refused says so, rather than only that it names no file.
        let mut unmatched = Vec::new();
        if let Some(file) = context {
            let records = read_context_file(file)?;
            let imported = corpus.import_contexts(&records, dir)?;
            report.contexts_attached += imported.attached;
            for u in &imported.unmatched {
                let key = corpus_key(&dir.join(u));
                let refused = report.failures.iter().find(|f| corpus_key(&f.path) == key);
                let why = match refused {
                    Some(f) => format!("its file was not added ({})", f.error),
                    None => "names no file of the corpus".into(),
                };
                unmatched.push(format!(
                    "provcheck: {}: context record for {u:?}: {why}",
                    file.display()
                ));
            }
        }
        Ok((report, unmatched))
    }

    /// `--corpus DIR`: index DIR (and its context file) before searching.
    pub(super) fn prepare_corpus(&self, corpus: &mut Corpus, dir: &CorpusDir) -> Result<bool> {
        let Some(dir) = &dir.corpus else {
            return Ok(false);
        };
        let context = ["context.csv", "context.jsonl"]
            .iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file());
        let (report, unmatched) = self.build(corpus, dir, context.as_deref(), true)?;
        if !self.cli.quiet {
            let mut err = std::io::stderr();
            BuildSummary {
                report: &report,
                paths: self.paths.clone(),
            }
            .table(&mut err)?;
        }
        let failed = self.report_build_errors(&report);
        for line in &unmatched {
            eprintln!("{line}");
        }
        Ok(failed)
    }

    /// `corpus import FILE...`: vPDQ files first (each a hash-only video
    /// named after it), then context files.
    pub(super) fn import(
        &self,
        corpus: &mut Corpus,
        files: &[PathBuf],
        base: &Option<PathBuf>,
    ) -> Result<i32> {
        let base_of = |file: &Path| {
            base.clone()
                .unwrap_or_else(|| file.parent().map(Path::to_path_buf).unwrap_or_default())
        };
        let (lists, contexts): (Vec<&PathBuf>, Vec<&PathBuf>) =
            files.iter().partition(|f| is_vpdq_file(f));
        let mut unmatched = 0;
        for file in lists {
            let lines = provcheck::video::vpdq::read(file, self.limits.max_file_bytes)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let name = file.file_stem().map(PathBuf::from).unwrap_or_default();
            let key = corpus_key(&base_of(file).join(name));
            let new = corpus.import_vpdq(&key, &lines)?;
            self.note(&format!(
                "{}: {} frames imported as the hash-only video {} ({})",
                self.shown(file),
                lines.len(),
                self.shown(&key),
                if new { "new" } else { "replaced" }
            ));
        }
        for file in contexts {
            let report = corpus.import_context_file(file, &base_of(file), 0)?;
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
            unmatched += report.unmatched.len();
        }
        Ok(exit_for_failures(unmatched > 0))
    }

    pub(super) fn corpus(&self, cmd: &CorpusCommand) -> Result<i32> {
        if let CorpusCommand::Copy { from, to } = cmd {
            return self.copy(from, to);
        }
        let mut corpus = self.open_corpus()?;
        match cmd {
            CorpusCommand::Build {
                dir,
                context,
                prune,
            } => {
                let (report, unmatched) =
                    self.build(&mut corpus, dir, context.as_deref(), *prune)?;
                let code = self.finish_build(&report)?;
                for line in &unmatched {
                    eprintln!("{line}");
                }
                Ok(code)
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
            CorpusCommand::Import { files, base } => self.import(&mut corpus, files, base),
            CorpusCommand::Export { base } => {
                // Relative to the folder the export is written to (where
                // `import` resolves them by default), else the given one.
                let base = base.clone().unwrap_or_else(|| {
                    self.cli
                        .output
                        .as_deref()
                        .and_then(Path::parent)
                        .filter(|p| !p.as_os_str().is_empty())
                        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
                });
                let base = corpus_key(&base);
                let mut records = corpus.export()?;
                for r in &mut records {
                    if let Some(p) = r
                        .path
                        .as_mut()
                        .filter(|p| Path::new(p.as_str()).is_absolute())
                    {
                        *p = relative_path(Path::new(p.as_str()), &base)
                            .to_string_lossy()
                            .into_owned();
                    }
                }
                self.print(&ExportReport { records: &records })?;
                Ok(EXIT_CLEAN)
            }
            CorpusCommand::Copy { .. } => unreachable!("handled before opening --db"),
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
                let removals = self.remove(&mut corpus, paths)?;
                self.print(&RemovalReport {
                    removals: &removals,
                    paths: self.paths.clone(),
                })?;
                let mut failed = false;
                for r in removals.iter().filter(|r| r.removed.is_empty()) {
                    eprintln!("provcheck: {}: {}", self.shown(&r.path), r.reason());
                    failed = true;
                }
                Ok(exit_for_failures(failed))
            }
        }
    }

    /// Removes each named file, or every file of the corpus under a named
    /// folder.
    pub(super) fn remove(&self, corpus: &mut Corpus, paths: &[PathBuf]) -> Result<Vec<Removal>> {
        let mut removals = Vec::new();
        for path in paths {
            let key = corpus_key(path);
            let folder = path.is_dir();
            // A folder: every path stored under it, the ones other desks
            // added to a shared corpus included.
            let keys = if folder {
                corpus.keys_under(&key)?
            } else {
                vec![key]
            };
            let n = corpus.remove(&keys)?;
            removals.push(Removal {
                path: path.clone(),
                folder,
                removed: if n == keys.len() { keys } else { Vec::new() },
            });
        }
        Ok(removals)
    }
}
