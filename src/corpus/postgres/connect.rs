//! Connecting to a PostgreSQL corpus: the connection URL, credentials from
//! it, the environment (`PGUSER`, `PGPASSWORD`) or the standard password
//! file (`PGPASSFILE`, else `~/.pgpass`).

use std::path::{Path, PathBuf};

use postgres::config::Host;

use crate::corpus::location::mask;
use crate::error::{Error, Result};

/// The client configuration of `url`, with the user and password the URL
/// leaves out taken from the environment or the password file.
///
/// Errors: [`Error::Invalid`] for a URL the client cannot parse (shown
/// masked).
pub(super) fn config(url: &str) -> Result<postgres::Config> {
    let mut config: postgres::Config = url
        .parse()
        .map_err(|e| Error::Invalid(format!("invalid PostgreSQL URL {}: {e}", mask(url))))?;
    if config.get_user().is_none() {
        let user = std::env::var("PGUSER")
            .or_else(|_| std::env::var("USER"))
            .unwrap_or_else(|_| "postgres".into());
        config.user(&user);
    }
    if config.get_password().is_none() {
        if let Ok(password) = std::env::var("PGPASSWORD") {
            config.password(password);
        } else if let Some(password) = password_file()
            .and_then(|file| std::fs::read_to_string(&file).ok())
            .and_then(|text| password_for(&text, &config))
        {
            config.password(password);
        }
    }
    Ok(config)
}

/// `PGPASSFILE`, else `~/.pgpass`; none when it may be read by others
/// (as libpq, which ignores such a file).
fn password_file() -> Option<PathBuf> {
    let file = std::env::var_os("PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".pgpass")))?;
    let meta = std::fs::metadata(&file).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            return None;
        }
    }
    meta.is_file().then_some(file)
}

/// The password of the first line of a password file (`host:port:db:user:
/// password`, `*` matching anything, `\:` and `\\` escaped) that matches
/// the connection.
fn password_for(text: &str, config: &postgres::Config) -> Option<String> {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        _ => "localhost".to_string(),
    };
    let port = config
        .get_ports()
        .first()
        .copied()
        .unwrap_or(5432)
        .to_string();
    let user = config.get_user().unwrap_or_default();
    let db = config.get_dbname().unwrap_or(user);
    let wanted = [host.as_str(), port.as_str(), db, user];
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(split_fields)
        .find(|f| f.len() == 5 && f.iter().zip(wanted).all(|(f, w)| f == "*" || f == w))
        .map(|f| f[4].clone())
}

/// The fields of a password file line, unescaped.
fn split_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => field.extend(chars.next()),
            ':' => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    fields.push(field);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_file_line_matching_the_connection_is_used() {
        let config: postgres::Config = "postgres://desk@db.example:6543/corpus".parse().unwrap();
        let file = "# comment\n\
                    db.example:5432:corpus:desk:wrong-port\n\
                    db.example:6543:*:desk:pa\\:ss\n\
                    *:*:*:*:fallback\n";
        assert_eq!(password_for(file, &config).as_deref(), Some("pa:ss"));
        let other: postgres::Config = "postgres://other@elsewhere/x".parse().unwrap();
        assert_eq!(password_for(file, &other).as_deref(), Some("fallback"));
    }
}
