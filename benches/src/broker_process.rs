//! A broker started as a process for a benchmark (`broker_load`, `driver_throughput`): a
//! free port on loopback to give it, the wait until it listens, and the CPU time it used;
//! and the `--flag value` command line both read.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::Child;
use std::time::{Duration, Instant};

/// A port on 127.0.0.1 that was free a moment ago: the OS picks it for a listener we drop
/// at once, so the broker can bind it (a race with another process is possible, and then
/// the broker fails to start, which [`wait_listening`] reports).
pub fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

/// Waits until something accepts TCP connections on `addr`, for at most `timeout`: a broker
/// process is ready once it listens. Fails when `child` exits first, or at the timeout; the
/// caller then stops the process (dropping its handle does not).
pub fn wait_listening(
    child: &mut Child,
    addr: SocketAddr,
    timeout: Duration,
) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("exited at start ({status})"));
        }
        if Instant::now() > deadline {
            return Err(format!("did not listen on {addr}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// CPU time, in seconds, of the threads process `pid` (a number, or `self`) has now: the
/// sum of their `/proc/PID/task/TID/schedstat`, which counts nanoseconds, where
/// [`cpu_secs_of`] counts 10 ms ticks; for runs of a fraction of a second. A thread that
/// ended between two readings takes its time out of the sum: keep threads alive across a
/// measurement (tokio's `thread_keep_alive` for its blocking pool). `None` where /proc does
/// not say.
pub fn threads_cpu_secs(pid: &str) -> Option<f64> {
    let mut nanos: u64 = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        // A thread may end while we list them: it is skipped.
        let Ok(stat) = std::fs::read_to_string(task.ok()?.path().join("schedstat")) else {
            continue;
        };
        nanos += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(nanos as f64 / 1e9)
}

/// User plus system CPU time of the process (`/proc/PID/stat`) or of ourselves
/// (`/proc/self/stat`) so far, in seconds; `None` where /proc does not say. The resolution
/// is a clock tick (10 ms): runs must be long enough for that not to matter.
pub fn cpu_secs_of(stat_path: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(stat_path).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // Clock ticks: USER_HZ is 100 on every Linux this runs on.
    Some((utime + stime) / 100.0)
}

/// The command line as `--flag value` pairs; `usage` (which exits) for `-h`, `--help`, or a
/// flag without its value.
pub fn flag_pairs(usage: fn() -> !) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            usage();
        }
        let Some(value) = args.next() else { usage() };
        pairs.push((flag, value));
    }
    pairs
}
