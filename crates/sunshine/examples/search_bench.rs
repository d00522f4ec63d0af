//! Search at size: fills a SQLite database with the demo's units and `--items` published items
//! of realistic Chinese text (the seed report's and typical notices' sentences, recombined,
//! with place names, dates and document numbers), builds the search index from scratch (time
//! and size on disk), then runs `--queries` searches drawn from the items' own words (one,
//! two or three words, a phrase, an exclusion) and prints latency percentiles as a Markdown
//! table: the index alone, and with the page's one database read of the hits' lines.
//!
//! `bench/search` runs it in release; `.ci/run` runs a small size in debug so it cannot rot.
//! Usage: search_bench [--items N] [--queries Q] [--seed S] [--dir DIR]

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};
use sunshine::db::{items, Db};
use sunshine::search::query::Request;
use sunshine::search::Search;

const PLACES: &[&str] = &[
    "妥安乡",
    "高峰乡",
    "金山镇",
    "广通镇",
    "黑井镇",
    "中村乡",
    "和平村",
    "新街村",
    "大箐村",
    "小河社区",
];

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name} takes a number, not “{v}”"))
        })
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn dir_size(path: &std::path::Path) -> u64 {
    let mut total = 0;
    if let Ok(entries) = std::fs::read_dir(path) {
        for e in entries.flatten() {
            let p = e.path();
            total += if p.is_dir() {
                dir_size(&p)
            } else {
                e.metadata().map(|m| m.len()).unwrap_or(0)
            };
        }
    }
    total
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n_items = arg("--items", 100_000);
    let n_queries = arg("--queries", 1_000) as usize;
    let seed = arg("--seed", 2017);
    if n_items == 0 || n_items > 5_000_000 || n_queries == 0 || n_queries > 100_000 {
        anyhow::bail!("--items must be 1..=5000000 and --queries 1..=100000");
    }
    let tmp = tempfile::tempdir()?;
    let dir = std::env::args()
        .skip_while(|a| a != "--dir")
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir)?;
    let mut config = sunshine::config::Config::defaults(&dir);
    config.database_url = format!("sqlite://{}?mode=rwc", dir.join("bench.db").display());
    config.data_key =
        Some("5e3f0a1b2c3d4e5f60718293a4b5c6d7e8f9011223344556677889900aabbccd".into());
    let db = Db::open(&config).await?;
    sunshine::demo::load(&db, Some("bench-password-1")).await?;

    // Columns to publish into: every unit's, as (unit, column, unit name).
    let columns: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT c.unit_id, c.id, u.name FROM columns c JOIN units u ON u.id = c.unit_id \
         WHERE c.hidden = 0 ORDER BY c.id",
    )
    .fetch_all(&db.pool)
    .await?;
    let lines = sunshine::gen::corpus::sentences();
    let mut rng = StdRng::seed_from_u64(seed);
    let started = Instant::now();
    let now = sunshine::db::now();
    let mut made = 0u64;
    while made < n_items {
        let mut tx = db.pool.begin().await?;
        for _ in 0..5_000.min(n_items - made) {
            made += 1;
            let (unit, column, unit_name) = &columns[rng.gen_range(0..columns.len())];
            let place = PLACES[rng.gen_range(0..PLACES.len())];
            let year = rng.gen_range(2008..=2026);
            let first = &lines[rng.gen_range(0..lines.len())];
            let title: String = format!(
                "{place}{}",
                first.chars().take(rng.gen_range(8..24)).collect::<String>()
            )
            .trim_end_matches(['。', '，', '、'])
            .to_string();
            let mut body = String::new();
            for _ in 0..rng.gen_range(4..30) {
                let s = &lines[rng.gen_range(0..lines.len())];
                if rng.gen_bool(0.3) {
                    body.push_str(&format!("<p>{place}{year}年{s}</p>"));
                } else {
                    body.push_str(&format!("<p>{s}</p>"));
                }
            }
            let doc_no = rng
                .gen_bool(0.2)
                .then(|| format!("禄政发〔{year}〕{}号", made));
            let day = format!(
                "{year:04}-{:02}-{:02}",
                rng.gen_range(1..=12),
                rng.gen_range(1..=28)
            );
            sqlx::query(
                "INSERT INTO items (unit_id, column_id, title, body_html, publisher, doc_no, \
                 written_on, published_on, published_at, topic, validity, disclosure, index_no, \
                 state, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$7,$8,$9,'valid', \
                 'active',$10,'published',$8,$8)",
            )
            .bind(unit)
            .bind(column)
            .bind(&title)
            .bind(&body)
            .bind(unit_name)
            .bind(&doc_no)
            .bind(&day)
            .bind(now)
            .bind(
                [
                    "综合政务",
                    "农业、林业、水利",
                    "财政、金融、审计",
                    "城乡建设、环境保护",
                ][rng.gen_range(0..4)],
            )
            .bind(format!("BENCH-{year}-{made:07}"))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
    }
    let fill = started.elapsed();
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM items WHERE state = 'published'")
        .fetch_one(&db.pool)
        .await?;

    let started = Instant::now();
    Search::reindex(&db, &dir, |_, _| {}).await?;
    let build = started.elapsed();
    let index_bytes = dir_size(&dir.join("search"));
    let db_bytes = std::fs::metadata(dir.join("bench.db"))
        .map(|m| m.len())
        .unwrap_or(0);

    let search = std::sync::Arc::new(Search::new(&dir, sunshine::cpu::CpuPool::for_machine()));
    search.start(&db).await?;

    // Queries drawn from the items' own words.
    let sample: Vec<(String, String)> =
        sqlx::query_as("SELECT title, body_html FROM items ORDER BY id DESC LIMIT 2000")
            .fetch_all(&db.pool)
            .await?;
    let mut words: Vec<String> = Vec::new();
    for (title, body) in &sample {
        let text = format!("{title} {}", sunshine_core::html::summary(body, 200));
        words.extend(
            sunshine::search::schema::jieba_words(&text)
                .into_iter()
                .filter(|w| w.chars().count() >= 2 && w.chars().all(char::is_alphanumeric)),
        );
    }
    words.sort();
    words.dedup();
    let mut queries = Vec::with_capacity(n_queries);
    for i in 0..n_queries {
        let w = |rng: &mut StdRng| words[rng.gen_range(0..words.len())].clone();
        queries.push(match i % 10 {
            0..=4 => w(&mut rng),
            5..=7 => format!("{} {}", w(&mut rng), w(&mut rng)),
            8 => format!("\"{}\"", w(&mut rng)),
            _ => format!("{} -{}", w(&mut rng), w(&mut rng)),
        });
    }
    // Warm the searcher once, as a serving node is.
    let _ = search
        .search(Request {
            parsed: sunshine_core::search::parse("信息公开"),
            limit: 10,
            ..Request::default()
        })
        .await;
    let mut index_only = Vec::with_capacity(n_queries);
    let mut with_lines = Vec::with_capacity(n_queries);
    let mut hits_total = 0u64;
    for q in &queries {
        let t = Instant::now();
        let answer = search
            .search(Request {
                parsed: sunshine_core::search::parse(q),
                limit: 10,
                ..Request::default()
            })
            .await
            .map_err(|e| anyhow::anyhow!("search “{q}”: {e}"))?;
        index_only.push(t.elapsed());
        let ids: Vec<i64> = answer.hits.iter().map(|h| h.id).collect();
        let mut conn = db.pool.acquire().await?;
        let _ = items::public_by_ids(&mut conn, &ids).await?;
        drop(conn);
        with_lines.push(t.elapsed());
        hits_total += answer.total as u64;
    }
    index_only.sort();
    with_lines.sort();

    println!("| items | fill | index build | index on disk | database on disk |");
    println!("|---:|---:|---:|---:|---:|");
    println!(
        "| {total} | {:.1} s | {:.1} s | {:.1} MB | {:.1} MB |",
        fill.as_secs_f64(),
        build.as_secs_f64(),
        index_bytes as f64 / 1e6,
        db_bytes as f64 / 1e6
    );
    println!();
    println!(
        "| {n_queries} queries (mean {:.0} matches) | p50 ms | p90 ms | p99 ms | max ms |",
        hits_total as f64 / n_queries as f64
    );
    println!("|---|---:|---:|---:|---:|");
    for (label, v) in [
        ("index", &index_only),
        ("index + lines from the database", &with_lines),
    ] {
        println!(
            "| {label} | {} | {} | {} | {} |",
            ms(percentile(v, 0.5)),
            ms(percentile(v, 0.9)),
            ms(percentile(v, 0.99)),
            ms(*v.last().unwrap_or(&Duration::ZERO))
        );
    }
    Ok(())
}
