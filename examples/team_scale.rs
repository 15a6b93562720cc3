//! The measurements of the PostgreSQL team corpus (benches/pg_scale.sh):
//!
//! - `records N OUT`: N synthetic hash-only references as import JSONL
//!   (random SHA-256, PDQ and pHash from a fixed seed, and a context each);
//! - `ready URL PICTURE`: polls a `serve` replica's `/api/v1/query` with
//!   PICTURE until it answers (a cold start) and prints the seconds waited;
//! - `found URL PICTURE`: polls until PICTURE is found identical (a
//!   reference added by another process) and prints the seconds waited;
//! - `load SECONDS THREADS PICTURE URL...`: queries the replicas (round
//!   robin) from THREADS threads for SECONDS and prints queries per second.
//!
//! Usage: `cargo run --release --example team_scale -- records 1000000 r.jsonl`

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::blocking::multipart::{Form, Part};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| -> &str {
        args.get(i).map(String::as_str).unwrap_or_else(|| {
            eprintln!("usage: team_scale records N OUT | ready URL PICTURE | found URL PICTURE | load SECONDS THREADS PICTURE URL...");
            std::process::exit(2)
        })
    };
    match arg(0) {
        "records" => records(arg(1).parse().expect("N"), arg(2)),
        "ready" => println!("{:.3}", wait(arg(1), arg(2), |_| true)),
        "found" => println!(
            "{:.3}",
            wait(arg(1), arg(2), |v| v[0]["matches"][0]["class"]
                == "identical")
        ),
        "load" => load(
            arg(1).parse().expect("SECONDS"),
            arg(2).parse().expect("THREADS"),
            arg(3),
            &args[4..],
        ),
        other => panic!("unknown command {other}"),
    }
}

/// Writes `n` hash-only records to `out`.
fn records(n: usize, out: &str) {
    let mut rng = fastrand::Rng::with_seed(7);
    let mut f = std::io::BufWriter::new(std::fs::File::create(out).expect("create OUT"));
    let hex = |rng: &mut fastrand::Rng, bytes: usize| -> String {
        (0..bytes).map(|_| format!("{:02x}", rng.u8(..))).collect()
    };
    for i in 0..n {
        let (sha, pdq, phash) = (hex(&mut rng, 32), hex(&mut rng, 32), hex(&mut rng, 8));
        writeln!(
            f,
            "{{\"sha256\":\"{sha}\",\"pdq\":\"{pdq}\",\"pdq_quality\":100,\"phash64\":\"{phash}\",\
             \"source_url\":\"https://archive.example.org/item/{i}\",\"publisher\":\"Example Archive\",\
             \"published\":\"{:04}-{:02}-{:02}\"}}",
            2000 + i % 25,
            1 + i % 12,
            1 + i % 28
        )
        .expect("write");
    }
    f.flush().expect("write");
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .expect("client")
}

/// One query of `picture` (bytes) at the replica `url`: its JSON answer.
fn query(c: &reqwest::blocking::Client, url: &str, picture: &[u8]) -> Option<serde_json::Value> {
    let part = Part::bytes(picture.to_vec()).file_name("query.jpg");
    let res = c
        .post(format!("{}/api/v1/query", url.trim_end_matches('/')))
        .multipart(Form::new().part("picture", part))
        .send()
        .ok()?;
    res.status().is_success().then(|| res.json().ok())?
}

/// Seconds until the replica answers a query of `picture` as `done` says.
fn wait(url: &str, picture: &str, done: impl Fn(&serde_json::Value) -> bool) -> f64 {
    let bytes = std::fs::read(picture).expect("read PICTURE");
    let c = client();
    let start = Instant::now();
    loop {
        if query(&c, url, &bytes).is_some_and(|v| done(&v)) {
            return start.elapsed().as_secs_f64();
        }
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "no answer in 10 minutes"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Queries per second of `threads` clients over `urls` for `seconds`.
fn load(seconds: f64, threads: usize, picture: &str, urls: &[String]) {
    let bytes = std::fs::read(picture).expect("read PICTURE");
    let done = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            let (bytes, done, stop) = (&bytes, &done, &stop);
            let url = &urls[t % urls.len()];
            s.spawn(move || {
                let c = client();
                while !stop.load(Ordering::Relaxed) {
                    if query(&c, url, bytes).is_some() {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
        std::thread::sleep(Duration::from_secs_f64(seconds));
        stop.store(true, Ordering::Relaxed);
    });
    let n = done.load(Ordering::Relaxed);
    println!("{:.1}", n as f64 / start.elapsed().as_secs_f64());
}
