//! `cargo bench -p sunshine-core --bench calendar`: the cost of obtaining the working-day
//! calendar, which every application page, step and report does.
fn main() {
    let n = 2000;
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(sunshine_core::calendar::Calendar::shipped());
    }
    println!(
        "Calendar::shipped(): {:.2} µs per call over {n} calls",
        t.elapsed().as_secs_f64() * 1e6 / f64::from(n)
    );
    let cal = sunshine_core::calendar::Calendar::shipped();
    let from = chrono::NaiveDate::from_ymd_opt(2025, 9, 30).unwrap_or_default();
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(cal.add(from, 40).ok());
    }
    println!(
        "Calendar::add(40 working days): {:.2} µs per call",
        t.elapsed().as_secs_f64() * 1e6 / f64::from(n)
    );
}
