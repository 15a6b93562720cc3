//! What a corpus location names: a PostgreSQL database (a `postgres://`
//! or `postgresql://` URL) or else a SQLite file, and a URL as shown to
//! people, with any password masked. Known to every build, with or without
//! the PostgreSQL engine (the `postgres` feature).

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
}
