//! ThreatExchange's vPDQ text format: one line per sampled frame,
//! `frame_number,quality,pdq_hex,timestamp` with the timestamp in seconds
//! to three decimals (as its `vpdqio` writes and reads it).

use crate::hash::Pdq;

/// One line of a vPDQ file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VpdqLine {
    pub frame: u64,
    /// PDQ quality, 0–100.
    pub quality: u8,
    pub pdq: Pdq,
    /// Seconds from the start.
    pub time: f64,
}

/// Writes the lines in the vPDQ format, each ending in a newline.
pub fn write(lines: &[VpdqLine]) -> String {
    lines
        .iter()
        .map(|l| {
            format!(
                "{},{},{},{:.3}\n",
                l.frame,
                l.quality,
                l.pdq.to_hex(),
                l.time
            )
        })
        .collect()
}

/// Parses a vPDQ file; blank lines are skipped.
///
/// Errors: the 1-based number of the first line that is not
/// `frame,quality,hex,seconds`, with what is wrong in it.
pub fn parse(text: &str) -> Result<Vec<VpdqLine>, (usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let bad = |what: &str| (i + 1, format!("{what} in {line:?}"));
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        if f.len() < 4 {
            return Err(bad("expected frame,quality,pdq,timestamp"));
        }
        out.push(VpdqLine {
            frame: f[0].parse().map_err(|_| bad("bad frame number"))?,
            quality: f[1]
                .parse::<u8>()
                .ok()
                .filter(|q| *q <= 100)
                .ok_or_else(|| bad("bad quality"))?,
            pdq: Pdq::from_hex(f[2]).ok_or_else(|| bad("bad PDQ hex"))?,
            time: f[3]
                .parse::<f64>()
                .ok()
                .filter(|t| t.is_finite() && *t >= 0.0)
                .ok_or_else(|| bad("bad timestamp"))?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_read_back_as_written() {
        let hex = "e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c";
        let line = VpdqLine {
            frame: 25,
            quality: 98,
            pdq: Pdq::from_hex(hex).unwrap(),
            time: 1.0,
        };
        let text = write(&[line]);
        assert_eq!(text, format!("25,98,{hex},1.000\n"));
        assert_eq!(parse(&text).unwrap(), vec![line]);
        assert_eq!(parse("1,2,zz,0").unwrap_err().0, 1);
    }
}
