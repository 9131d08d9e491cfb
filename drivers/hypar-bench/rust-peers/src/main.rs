//! hypar-rust-peers: the seed's Rust snippets (Rayon, crossbeam, parking_lot + fxhash) as
//! hypar-bench's peers. One workload per invocation, named by the first argument, sized by flags:
//!
//!   hypar-rust-peers chan-bounded --producers 2 --consumers 2 --capacity 64 --items 20000000
//!                    --payload u64
//!
//! The program builds its input (untimed), times only the work, then prints one line
//! `seconds=<work seconds> check=<value>` (plus `count=<items>` for the queues). hypar-bench
//! computes the same check value on its side, from the same inputs (the formulas and generators
//! below are mirrored in drivers/hypar-bench/rust_peers.hpp), and compares.
//!
//! Every workload is the one of the hypar row it stands beside (cases_chan.cpp, cases_flow.cpp,
//! cases_sync.cpp, cases_par.cpp, cases_sort.cpp): same sizes, capacities, thread counts, wait
//! strategy (blocking send/recv for channels; ArrayQueue retrying after a yield when full or
//! empty, as the C++ rows do).

use crossbeam::channel::{bounded, unbounded, Receiver, Sender};
use crossbeam::queue::ArrayQueue;
use fxhash::FxBuildHasher;
use parking_lot::RwLock;
use rayon::prelude::*;
use std::collections::{BinaryHeap, HashMap};
use std::process::exit;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

// ---------------------------------------------------------------------------------------------
// Command line

/// The flags after the workload name: `--name value` pairs.
struct Args {
    pairs: Vec<(String, String)>,
}

impl Args {
    fn parse(raw: &[String]) -> Args {
        let mut pairs = Vec::new();
        let mut i = 0;
        while i < raw.len() {
            let flag = &raw[i];
            if !flag.starts_with("--") || i + 1 >= raw.len() {
                fail(&format!("expected '--flag value', got '{}'", flag));
            }
            pairs.push((flag[2..].to_string(), raw[i + 1].clone()));
            i += 2;
        }
        Args { pairs }
    }
    fn text(&self, name: &str, default: Option<&str>) -> String {
        for (k, v) in &self.pairs {
            if k == name {
                return v.clone();
            }
        }
        match default {
            Some(d) => d.to_string(),
            None => fail(&format!("missing --{}", name)),
        }
    }
    fn num(&self, name: &str, default: Option<u64>) -> u64 {
        let d = default.map(|v| v.to_string());
        let t = self.text(name, d.as_deref());
        t.parse::<u64>()
            .unwrap_or_else(|_| fail(&format!("--{} {}: not a non-negative integer", name, t)))
    }
}

fn fail(message: &str) -> ! {
    eprintln!("hypar-rust-peers: {}", message);
    exit(2)
}

/// Sizes the global Rayon pool (`--threads`, 0 = Rayon's default) and wakes its workers once,
/// so that the timed part does not pay for starting them (hypar's pool is warm too).
fn rayon_threads(args: &Args) {
    let threads = args.num("threads", Some(0)) as usize;
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .unwrap_or_else(|e| fail(&format!("cannot build the Rayon pool: {}", e)));
    rayon::broadcast(|_| ());
}

fn report(seconds: f64, check: &str) {
    println!("seconds={:.9} {}", seconds, check);
}

// ---------------------------------------------------------------------------------------------
// Generators mirrored on the C++ side

/// std::mt19937_64 (the generator of hypar-bench's sort inputs), written from its definition:
/// 312 words, twist at 156, the standard tempering.
struct Mt19937_64 {
    state: [u64; 312],
    index: usize,
}

impl Mt19937_64 {
    fn new(seed: u64) -> Self {
        let mut state = [0u64; 312];
        state[0] = seed;
        for i in 1..312 {
            let prev = state[i - 1];
            state[i] = 6364136223846793005u64
                .wrapping_mul(prev ^ (prev >> 62))
                .wrapping_add(i as u64);
        }
        Mt19937_64 { state, index: 312 }
    }
    fn twist(&mut self) {
        const UPPER: u64 = 0xFFFF_FFFF_8000_0000;
        const LOWER: u64 = 0x7FFF_FFFF;
        for i in 0..312 {
            let x = (self.state[i] & UPPER) | (self.state[(i + 1) % 312] & LOWER);
            let mut shifted = x >> 1;
            if x & 1 != 0 {
                shifted ^= 0xB502_6F5A_A966_19E9;
            }
            self.state[i] = self.state[(i + 156) % 312] ^ shifted;
        }
        self.index = 0;
    }
    fn next(&mut self) -> u64 {
        if self.index >= 312 {
            self.twist();
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= (y >> 29) & 0x5555_5555_5555_5555;
        y ^= (y << 17) & 0x71D6_7FFF_EDA6_0000;
        y ^= (y << 37) & 0xFFF7_EEE0_0000_0000;
        y ^ (y >> 43)
    }
}

/// The 64-bit finaliser hypar-bench uses to scatter indices (cases_sort.cpp's `mix`).
fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ceb9fe1a85ec53);
    x ^ (x >> 33)
}

/// FNV-1a over 64-bit words: an order-sensitive digest of a sorted output.
fn digest<I: Iterator<Item = u64>>(values: I) -> u64 {
    let mut h = 0xcbf29ce484222325u64;
    for v in values {
        h = (h ^ v).wrapping_mul(0x100000001b3);
    }
    h
}

// ---------------------------------------------------------------------------------------------
// Channels and ArrayQueue

/// A queue payload: item i as a u64 (i itself) or as a String of 16 + i % 16 bytes, all
/// 'a' + i % 26 (longer than std::string's inline buffer, so both sides allocate).
trait Payload: Send + 'static {
    fn make(i: u64) -> Self;
    /// What the consumer adds up for this item.
    fn weight(&self) -> u64;
}

impl Payload for u64 {
    fn make(i: u64) -> Self {
        i
    }
    fn weight(&self) -> u64 {
        *self
    }
}

impl Payload for String {
    fn make(i: u64) -> Self {
        let bytes = vec![b'a' + (i % 26) as u8; 16 + (i % 16) as usize];
        // Safety: ASCII letters only.
        unsafe { String::from_utf8_unchecked(bytes) }
    }
    fn weight(&self) -> u64 {
        self.len() as u64 * 1000 + self.as_bytes()[0] as u64
    }
}

#[derive(Default, Clone, Copy)]
struct Tally {
    count: u64,
    sum: u64,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.count += other.count;
        self.sum = self.sum.wrapping_add(other.sum);
    }
}

/// The part of 0..n producer p of `producers` sends.
fn share(n: u64, p: u64, producers: u64) -> std::ops::Range<u64> {
    n * p / producers..n * (p + 1) / producers
}

fn drain<T: Payload>(rx: Receiver<T>) -> Tally {
    let mut t = Tally::default();
    for v in rx {
        t.count += 1;
        t.sum = t.sum.wrapping_add(v.weight());
    }
    t
}

/// Producers send their share with blocking sends and drop their sender; consumers iterate the
/// receiver until every sender is gone (one consumer: the calling thread, as in the C++ rows).
fn channel_run<T: Payload>(
    tx: Sender<T>,
    rx: Receiver<T>,
    producers: u64,
    consumers: u64,
    n: u64,
) -> Tally {
    let mut handles = Vec::new();
    for p in 0..producers {
        let tx = tx.clone();
        handles.push(std::thread::spawn(move || {
            for i in share(n, p, producers) {
                tx.send(T::make(i)).unwrap();
            }
        }));
    }
    drop(tx);
    let mut total = Tally::default();
    if consumers == 1 {
        total = drain(rx);
    } else {
        let mut workers = Vec::new();
        for _ in 0..consumers {
            let rx = rx.clone();
            workers.push(std::thread::spawn(move || drain(rx)));
        }
        drop(rx);
        for w in workers {
            total.add(w.join().unwrap());
        }
    }
    for h in handles {
        h.join().unwrap();
    }
    total
}

/// Producers push their share, yielding while the queue is full; consumers pop, yielding while
/// it is empty, until n items were taken in total (the C++ rows' loop, cases_chan.cpp).
fn array_queue_run<T: Payload>(capacity: usize, producers: u64, consumers: u64, n: u64) -> Tally {
    let queue = ArrayQueue::<T>::new(capacity);
    let taken = AtomicU64::new(0);
    std::thread::scope(|s| {
        for p in 0..producers {
            let queue = &queue;
            s.spawn(move || {
                for i in share(n, p, producers) {
                    let mut v = T::make(i);
                    loop {
                        match queue.push(v) {
                            Ok(()) => break,
                            Err(back) => {
                                v = back;
                                std::thread::yield_now();
                            }
                        }
                    }
                }
            });
        }
        let mut workers = Vec::new();
        for _ in 0..consumers {
            let (queue, taken) = (&queue, &taken);
            workers.push(s.spawn(move || {
                let mut t = Tally::default();
                while taken.load(Ordering::Relaxed) < n {
                    match queue.pop() {
                        Some(v) => {
                            t.count += 1;
                            t.sum = t.sum.wrapping_add(v.weight());
                            taken.fetch_add(1, Ordering::Relaxed);
                        }
                        None => std::thread::yield_now(),
                    }
                }
                t
            }));
        }
        let mut total = Tally::default();
        for w in workers {
            total.add(w.join().unwrap());
        }
        total
    })
}

fn queues(kind: &str, args: &Args) {
    let producers = args.num("producers", Some(1)).max(1);
    let consumers = args.num("consumers", Some(1)).max(1);
    let capacity = args.num("capacity", Some(1024)) as usize;
    let n = args.num("items", None);
    let payload = args.text("payload", Some("u64"));
    let start = Instant::now();
    let t = match (kind, payload.as_str()) {
        ("chan-bounded", "u64") => {
            let (tx, rx) = bounded::<u64>(capacity);
            channel_run(tx, rx, producers, consumers, n)
        }
        ("chan-bounded", "string") => {
            let (tx, rx) = bounded::<String>(capacity);
            channel_run(tx, rx, producers, consumers, n)
        }
        ("chan-unbounded", "u64") => {
            let (tx, rx) = unbounded::<u64>();
            channel_run(tx, rx, producers, consumers, n)
        }
        ("chan-unbounded", "string") => {
            let (tx, rx) = unbounded::<String>();
            channel_run(tx, rx, producers, consumers, n)
        }
        ("array-queue", "u64") => array_queue_run::<u64>(capacity, producers, consumers, n),
        ("array-queue", "string") => array_queue_run::<String>(capacity, producers, consumers, n),
        _ => fail(&format!("--payload {}: expected u64 or string", payload)),
    };
    let seconds = start.elapsed().as_secs_f64();
    report(seconds, &format!("count={} check={}", t.count, t.sum));
}

// ---------------------------------------------------------------------------------------------
// The 3-stage pipeline (cases_flow.cpp): hash (parallel), rounds (parallel), in-order sum.

fn stage_hash(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51afd7ed558ccd);
    x ^ (x >> 33)
}

fn stage_rounds(mut x: u64) -> u64 {
    for _ in 0..16 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
    }
    x
}

/// Stage 1's workers claim input items one at a time from a shared counter and send (index,
/// hash) into a bounded(1024) channel; stage 2's workers turn them into (index, rounds) into a
/// second one; the calling thread restores input order (a min-heap of early arrivals) and sums.
/// threads/2 workers per parallel stage, as the hypar row.
fn pipeline(args: &Args) {
    let n = args.num("items", None);
    let threads = args.num("threads", Some(2));
    let workers = (threads / 2).max(1);
    let input: Vec<u64> = (0..n).collect();
    let start = Instant::now();
    let next = AtomicUsize::new(0);
    let (tx1, rx1) = bounded::<(u64, u64)>(1024);
    let (tx2, rx2) = bounded::<(u64, u64)>(1024);
    let (sum, order) = std::thread::scope(|s| {
        for _ in 0..workers {
            let (tx1, next, input) = (tx1.clone(), &next, &input);
            s.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= input.len() {
                    break;
                }
                tx1.send((i as u64, stage_hash(input[i]))).unwrap();
            });
        }
        drop(tx1);
        for _ in 0..workers {
            let (rx1, tx2) = (rx1.clone(), tx2.clone());
            s.spawn(move || {
                for (i, v) in rx1 {
                    tx2.send((i, stage_rounds(v))).unwrap();
                }
            });
        }
        drop(rx1);
        drop(tx2);
        let mut early = BinaryHeap::new();
        let (mut want, mut sum, mut order) = (0u64, 0u64, 0u64);
        for (i, v) in rx2 {
            early.push(std::cmp::Reverse((i, v)));
            while let Some(std::cmp::Reverse((j, w))) = early.peek().copied() {
                if j != want {
                    break;
                }
                early.pop();
                sum = sum.wrapping_add(w);
                order = order.wrapping_mul(31).wrapping_add(w);
                want += 1;
            }
        }
        (sum, order)
    });
    let seconds = start.elapsed().as_secs_f64();
    report(seconds, &format!("check={}:{}", sum, order));
}

// ---------------------------------------------------------------------------------------------
// The seed's sharded map: 16 parking_lot::RwLock<HashMap<String, Vec<u8>, FxBuildHasher>>.

type Shard = RwLock<HashMap<String, Vec<u8>, FxBuildHasher>>;

struct ShardedCache {
    shards: [Shard; 16],
}

impl ShardedCache {
    fn get_shard(&self, key: &str) -> &Shard {
        &self.shards[fxhash::hash(key) % 16]
    }
}

/// The value stored under key k: 32 bytes of k % 251.
fn map_value(k: u64) -> Vec<u8> {
    vec![(k % 251) as u8; 32]
}

/// `--keys` keys "key-<k>" are in the map beforehand (untimed); op i of `--ops` (in parallel,
/// Rayon) touches key mix(i) % keys: every 4th op inserts its value again (a new String key and
/// Vec), the others read it under the shard's read lock and add its length and first byte.
fn map(args: &Args) {
    rayon_threads(args);
    let ops = args.num("ops", None);
    let nkeys = args.num("keys", None).max(1);
    let keys: Vec<String> = (0..nkeys).map(|k| format!("key-{}", k)).collect();
    let cache = ShardedCache {
        shards: std::array::from_fn(|_| {
            RwLock::new(HashMap::with_hasher(FxBuildHasher::default()))
        }),
    };
    for (k, key) in keys.iter().enumerate() {
        cache
            .get_shard(key)
            .write()
            .insert(key.clone(), map_value(k as u64));
    }
    let start = Instant::now();
    let check: u64 = (0..ops)
        .into_par_iter()
        .map(|i| {
            let k = mix(i) % nkeys;
            let key = &keys[k as usize];
            if i % 4 == 0 {
                cache
                    .get_shard(key)
                    .write()
                    .insert(key.clone(), map_value(k));
                0
            } else {
                let shard = cache.get_shard(key).read();
                match shard.get(key.as_str()) {
                    Some(v) => v.len() as u64 + v[0] as u64,
                    None => 0,
                }
            }
        })
        .sum();
    let seconds = start.elapsed().as_secs_f64();
    report(seconds, &format!("check={}", check));
}

// ---------------------------------------------------------------------------------------------
// Parallel iterators (cases_par.cpp)

/// `--passes` passes of `par_chunks_mut(--chunk)` then `x = x.sqrt()` over f32 1 + i % 1000.
fn chunks_sqrt(args: &Args) {
    rayon_threads(args);
    let n = args.num("items", None) as usize;
    let chunk = args.num("chunk", Some(1 << 16)) as usize;
    let passes = args.num("passes", Some(10));
    let mut data: Vec<f32> = (0..n).map(|i| 1.0 + (i % 1000) as f32).collect();
    let start = Instant::now();
    for _ in 0..passes {
        data.par_chunks_mut(chunk).for_each(|c| {
            for x in c.iter_mut() {
                *x = x.sqrt();
            }
        });
    }
    let seconds = start.elapsed().as_secs_f64();
    let check: f64 = data.iter().map(|&x| x as f64).sum();
    report(seconds, &format!("check={:e}", check));
}

/// The seed's `par_chunks(--chunk)`, each chunk `iter().map(sin).sum()`, over (i % 10000) * 1e-3;
/// the chunk sums collected, as in the seed, then added up.
fn chunks_sin_sum(args: &Args) {
    rayon_threads(args);
    let n = args.num("items", None) as usize;
    let chunk = args.num("chunk", Some(10_000)) as usize;
    let data: Vec<f64> = (0..n).map(|i| (i % 10_000) as f64 * 1e-3).collect();
    let start = Instant::now();
    let results: Vec<f64> = data
        .par_chunks(chunk)
        .map(|c| c.iter().map(|x| x.sin()).sum::<f64>())
        .collect();
    let total: f64 = results.iter().sum();
    let seconds = start.elapsed().as_secs_f64();
    report(seconds, &format!("check={:e}", total));
}

/// `par_iter().sum()` of f64 1 + (i % 7) * 0.25 (hypar's par/sum/f64 input).
fn sum_f64(args: &Args) {
    rayon_threads(args);
    let n = args.num("items", None) as usize;
    let data: Vec<f64> = (0..n).map(|i| 1.0 + (i % 7) as f64 * 0.25).collect();
    let start = Instant::now();
    let total: f64 = data.par_iter().sum();
    let seconds = start.elapsed().as_secs_f64();
    report(seconds, &format!("check={:e}", total));
}

/// hypar's par/map-triad/f64: `a = b + 3 d` through zipped `par_iter_mut` / `par_iter`, with
/// b = i % 13 and d = i % 5; the check is the sum of a (exact: small integers).
fn map_triad(args: &Args) {
    rayon_threads(args);
    let n = args.num("items", None) as usize;
    let b: Vec<f64> = (0..n).map(|i| (i % 13) as f64).collect();
    let d: Vec<f64> = (0..n).map(|i| (i % 5) as f64).collect();
    let mut a = vec![0.0f64; n];
    let start = Instant::now();
    a.par_iter_mut()
        .zip(b.par_iter())
        .zip(d.par_iter())
        .for_each(|((a, b), d)| *a = b + 3.0 * d);
    let seconds = start.elapsed().as_secs_f64();
    let check: f64 = a.iter().sum();
    report(seconds, &format!("check={:e}", check));
}

/// hypar's par/fork-join/empty: `--rounds` rayon::join of two closures that each count once.
fn fork_join(args: &Args) {
    rayon_threads(args);
    let rounds = args.num("rounds", None);
    let counter = AtomicU64::new(0);
    let start = Instant::now();
    for _ in 0..rounds {
        rayon::join(
            || counter.fetch_add(1, Ordering::Relaxed),
            || counter.fetch_add(1, Ordering::Relaxed),
        );
    }
    let seconds = start.elapsed().as_secs_f64();
    report(
        seconds,
        &format!("check={}", counter.load(Ordering::Relaxed)),
    );
}

/// The seed's `(0..n).into_par_iter().map(|x| x * x).sum()` on i64 (wrapping, as --release).
fn sum_squares(args: &Args) {
    rayon_threads(args);
    let n = args.num("items", None) as i64;
    let start = Instant::now();
    let total: i64 = (0..n).into_par_iter().map(|x| x.wrapping_mul(x)).sum();
    let seconds = start.elapsed().as_secs_f64();
    report(seconds, &format!("check={}", total as u64));
}

// ---------------------------------------------------------------------------------------------
// Sorts (cases_sort.cpp): uniform values `static_cast<T>(mt19937_64(seed)())`.

/// The i32 values of `--input FILE` (raw little-endian, as hypar-bench writes its shaped inputs),
/// or else `--items` uniform values of mt19937_64(`--seed`).
fn i32_input(args: &Args, rng: &mut Mt19937_64) -> Vec<i32> {
    let path = args.text("input", Some(""));
    if path.is_empty() {
        let n = args.num("items", None) as usize;
        return (0..n).map(|_| rng.next() as i32).collect();
    }
    let bytes = std::fs::read(&path).unwrap_or_else(|e| fail(&format!("{}: {}", path, e)));
    if bytes.len() % 4 != 0 {
        fail(&format!(
            "{}: {} bytes, not a whole number of i32",
            path,
            bytes.len()
        ));
    }
    bytes
        .chunks_exact(4)
        .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

fn sort(args: &Args) {
    rayon_threads(args);
    let seed = args.num("seed", Some(12345));
    let how = args.text("how", None);
    let ty = args.text("type", Some("i32"));
    let mut rng = Mt19937_64::new(seed);
    let (seconds, check) = match ty.as_str() {
        "i32" => {
            let mut v = i32_input(args, &mut rng);
            let start = Instant::now();
            match how.as_str() {
                "unstable" => v.par_sort_unstable(),
                "stable" => v.par_sort(),
                "by" => v.par_sort_by(|a, b| a.cmp(b)),
                "by-key-abs" => v.par_sort_by_key(|x| x.unsigned_abs()),
                _ => fail(&format!(
                    "--how {}: expected unstable, stable, by or by-key-abs",
                    how
                )),
            }
            let seconds = start.elapsed().as_secs_f64();
            (seconds, digest(v.iter().map(|&x| x as i64 as u64)))
        }
        "u64" => {
            let n = args.num("items", None) as usize;
            let mut v: Vec<u64> = (0..n).map(|_| rng.next()).collect();
            let start = Instant::now();
            match how.as_str() {
                "unstable" => v.par_sort_unstable(),
                "stable" => v.par_sort(),
                "by" => v.par_sort_by(|a, b| a.cmp(b)),
                _ => fail(&format!(
                    "--how {} on u64: expected unstable, stable or by",
                    how
                )),
            }
            let seconds = start.elapsed().as_secs_f64();
            (seconds, digest(v.iter().copied()))
        }
        _ => fail(&format!("--type {}: expected i32 or u64", ty)),
    };
    report(seconds, &format!("check={}", check));
}

/// cases_sort.cpp's records: 100 bytes, a 10-byte key of mt19937_64(`--seed`) bytes (one draw
/// per byte), then the record's index as 8 little-endian bytes and zeros. `par_sort_by` on the
/// key (the memcmp order); the check is the digest of the indices in sorted order.
fn sort_records(args: &Args) {
    rayon_threads(args);
    let n = args.num("items", None) as usize;
    let mut rng = Mt19937_64::new(args.num("seed", Some(7)));
    let mut records: Vec<[u8; 100]> = Vec::with_capacity(n);
    for i in 0..n {
        let mut r = [0u8; 100];
        for b in r[..10].iter_mut() {
            *b = rng.next() as u8;
        }
        r[10..18].copy_from_slice(&(i as u64).to_le_bytes());
        records.push(r);
    }
    let start = Instant::now();
    records.par_sort_by(|a, b| a[..10].cmp(&b[..10]));
    let seconds = start.elapsed().as_secs_f64();
    let check = digest(
        records
            .iter()
            .map(|r| u64::from_le_bytes(r[10..18].try_into().unwrap())),
    );
    report(seconds, &format!("check={}", check));
}

/// The sync/map/sharded-vs-one-lock workload: `--threads` OS threads each add 1 to key
/// (i * 2654435761 + t * 97) % 4096 for i < `--items`, through 16 parking_lot::RwLock shards of
/// HashMap<u64, u64, FxBuildHasher> (write lock per update); the check is the sum of the values.
fn map_update(args: &Args) {
    let threads = args.num("threads", Some(2)).max(1);
    let n = args.num("items", None);
    let shards: [RwLock<HashMap<u64, u64, FxBuildHasher>>; 16] =
        std::array::from_fn(|_| RwLock::new(HashMap::with_hasher(FxBuildHasher::default())));
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            let shards = &shards;
            s.spawn(move || {
                for i in 0..n {
                    let key = (i.wrapping_mul(2654435761) + t * 97) % 4096;
                    let mut shard = shards[fxhash::hash64(&key) as usize % 16].write();
                    *shard.entry(key).or_insert(0) += 1;
                }
            });
        }
    });
    let seconds = start.elapsed().as_secs_f64();
    let check: u64 = shards.iter().map(|s| s.read().values().sum::<u64>()).sum();
    report(seconds, &format!("check={}", check));
}

/// Prints the generators' reference values, for checking them against the C++ side.
fn selftest() {
    let mut rng = Mt19937_64::new(5489);
    let mut v = 0;
    for _ in 0..10_000 {
        v = rng.next();
    }
    // The C++ standard: the 10000th value of a default-constructed mt19937_64 is this.
    let ok = v == 9981545732273789042;
    println!(
        "mt19937_64 10000th={} {}",
        v,
        if ok { "ok" } else { "WRONG" }
    );
    if !ok {
        exit(1);
    }
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    if argv.len() < 2 || argv[1] == "--help" {
        println!(
            "usage: hypar-rust-peers WORKLOAD [--flag value]...\n\
             workloads: chan-bounded chan-unbounded array-queue (--producers --consumers --capacity\n\
             --items --payload u64|string), pipeline (--items --threads), map (--ops --keys\n\
             --threads), chunks-sqrt (--items --chunk --passes --threads), chunks-sin-sum (--items\n\
             --chunk --threads), sum-f64 / sum-squares / map-triad (--items --threads),\n\
             fork-join (--rounds --threads), sort (--type i32|u64 --how\n\
             unstable|stable|by|by-key-abs --items --seed | --input FILE, --threads),\n\
             sort-records (--items --seed --threads), map-update (--items --threads), selftest.\n\
             Prints 'seconds=<work seconds> check=<value>'."
        );
        exit(if argv.len() < 2 { 2 } else { 0 });
    }
    let args = Args::parse(&argv[2..]);
    match argv[1].as_str() {
        "chan-bounded" | "chan-unbounded" | "array-queue" => queues(&argv[1], &args),
        "pipeline" => pipeline(&args),
        "map" => map(&args),
        "chunks-sqrt" => chunks_sqrt(&args),
        "chunks-sin-sum" => chunks_sin_sum(&args),
        "sum-f64" => sum_f64(&args),
        "sum-squares" => sum_squares(&args),
        "map-triad" => map_triad(&args),
        "fork-join" => fork_join(&args),
        "sort" => sort(&args),
        "sort-records" => sort_records(&args),
        "map-update" => map_update(&args),
        "selftest" => selftest(),
        other => fail(&format!("unknown workload '{}' (see --help)", other)),
    }
}
