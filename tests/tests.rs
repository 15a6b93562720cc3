//! Integration tests: they drive the real `provcheck` binary on real images
//! and a real SQLite file or PostgreSQL server. Extended suites use `../shared/data` and skip with
//! a message when it is absent.

mod suite;
