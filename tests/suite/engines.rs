//! The corpus engines a test runs on: SQLite always, PostgreSQL when
//! `PROVCHECK_TEST_PG` names a server (an administrative URL such as
//! `postgres://postgres@127.0.0.1:5432/postgres`). Each PostgreSQL test gets
//! its own database, created for it and dropped after it. Without the
//! variable, or with the server unreachable, the PostgreSQL half says so
//! and skips, unless `PROVCHECK_TEST_PG_REQUIRED=1` (CI), where it fails.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs a test body once per engine, as `NAME::sqlite` and
/// `NAME::postgres`, with `$ws` a [`super::util::Workspace`] whose `db()`
/// is a SQLite file or a fresh PostgreSQL database.
macro_rules! on_each_engine {
    ($(#[$meta:meta])* fn $name:ident($ws:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[test]
            fn sqlite() {
                let $ws = $crate::suite::util::Workspace::new();
                $body
            }

            #[test]
            fn postgres() {
                let Some($ws) = $crate::suite::util::Workspace::postgres(module_path!()) else {
                    return;
                };
                $body
            }
        }
    };
}
pub(crate) use on_each_engine;

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A database made for one test on the server of `PROVCHECK_TEST_PG`,
/// dropped (with its connections) when this is dropped.
pub struct PgDatabase {
    admin: String,
    name: String,
    roles: std::cell::RefCell<Vec<String>>,
    /// The URL of the test's database.
    pub url: String,
}

impl PgDatabase {
    /// A fresh database for `test`, or `None` (with a message) when no
    /// server is configured or reachable and it is not required.
    pub fn create(test: &str) -> Option<PgDatabase> {
        let required = std::env::var("PROVCHECK_TEST_PG_REQUIRED").is_ok_and(|v| v == "1");
        let Ok(admin) = std::env::var("PROVCHECK_TEST_PG") else {
            assert!(!required, "{test}: PROVCHECK_TEST_PG is not set");
            eprintln!("skipping {test} on PostgreSQL: PROVCHECK_TEST_PG is not set");
            return None;
        };
        let mut client = match postgres::Client::connect(&admin, postgres::NoTls) {
            Ok(c) => c,
            Err(e) => {
                assert!(!required, "{test}: PostgreSQL unreachable: {e}");
                eprintln!("skipping {test} on PostgreSQL: server unreachable ({e})");
                return None;
            }
        };
        let name = format!(
            "provcheck_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create the test database");
        Some(PgDatabase {
            url: with_database(&admin, &name),
            roles: Default::default(),
            admin,
            name,
        })
    }

    /// An administrative connection to the test's database.
    pub fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).expect("connect to the test database")
    }

    /// Creates a login role that may only read this database's tables
    /// (dropped with the database); returns the database's URL as that
    /// role, with `password`.
    pub fn reader(&self, password: &str) -> String {
        let role = format!("{}_reader", self.name);
        self.client()
            .batch_execute(&format!(
                "CREATE ROLE {role} LOGIN PASSWORD '{password}';
                 GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role};"
            ))
            .expect("create the read-only role");
        self.roles.borrow_mut().push(role.clone());
        let rest = &self.url[self.url.find("://").unwrap() + 3..];
        let host = &rest[rest.rfind('@').map_or(0, |i| i + 1)..];
        format!("postgres://{role}:{password}@{host}")
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
            for role in self.roles.borrow().iter() {
                let _ = c.batch_execute(&format!("DROP ROLE IF EXISTS {role}"));
            }
        }
    }
}

/// `url` naming database `name` instead of its own (parameters kept).
fn with_database(url: &str, name: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let end = base[start..].find('/').map_or(base.len(), |i| start + i);
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    format!("{}/{name}{query}", &base[..end])
}
