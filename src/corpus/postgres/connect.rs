//! Connecting to a PostgreSQL corpus: the connection URL, credentials from
//! it, the environment (`PGUSER`, `PGPASSWORD`) or the standard password
//! file (`PGPASSFILE`, else `~/.pgpass`), and the URL as shown to people,
//! with any password masked.

use std::path::{Path, PathBuf};

use postgres::config::Host;

use crate::error::{Error, Result};

/// True for a location naming a PostgreSQL database (`postgres://…` or
/// `postgresql://…`); anything else is a SQLite path.
pub fn is_postgres_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

/// The URL with the password of its user part and any `password=`
/// parameter replaced by `***`: what messages and statistics show.
pub fn mask(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rfind('@') {
        Some(at) => {
            let (user_info, host) = authority.split_at(at);
            match user_info.find(':') {
                Some(colon) => format!("{}:***{host}", &user_info[..colon]),
                None => authority.to_string(),
            }
        }
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let params: Vec<String> = query
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => p.to_string(),
                })
                .collect();
            format!("{path}?{}", params.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{}{authority}{tail}", &url[..scheme_end])
}

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
    fn passwords_are_masked_in_the_user_part_and_parameters() {
        assert_eq!(
            mask("postgres://desk:s3cr%40t@db.example:5432/corpus?password=x&sslmode=disable"),
            "postgres://desk:***@db.example:5432/corpus?password=***&sslmode=disable"
        );
        assert_eq!(mask("postgresql://desk@host/c"), "postgresql://desk@host/c");
    }

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
