//! The PostgreSQL the tests use: the server at `HEARTH_TEST_PG_URL` when it
//! is set (it must answer), otherwise a throwaway cluster in a fresh temp
//! directory on a free port, started here and always stopped and removed
//! afterwards: by [`Cluster`]'s `Drop` on every path out of xtask, and by a
//! reaper process (a child in its own process group, so Ctrl-C does not
//! reach it) when xtask itself is killed.

use crate::sys::{self, Account, say};
use crate::wire::{Target, redact};
use std::io::{Read, Write};
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub const ENV: &str = "HEARTH_TEST_PG_URL";
/// The hidden task the reaper runs as.
pub const REAPER: &str = "__reap-postgres";
/// The superuser `initdb -U` creates.
const SUPERUSER: &str = "postgres";

/// Where the tests' PostgreSQL comes from.
pub enum Source {
    /// `HEARTH_TEST_PG_URL`, already checked to answer.
    Given(String),
    /// A throwaway cluster from these binaries (the directory holding
    /// `initdb` and `pg_ctl`); `None`: not installed yet.
    Throwaway(Option<PathBuf>),
}

/// Reads `HEARTH_TEST_PG_URL`; when set it must answer, or this fails.
pub fn source() -> Result<Source, String> {
    match std::env::var(ENV) {
        Ok(url) if !url.trim().is_empty() => {
            let shown = redact(&url);
            say(&format!(
                "PostgreSQL: {ENV}={shown} is set; checking that it answers"
            ));
            let target = Target::parse(&url).map_err(|e| format!("{ENV}={shown}: {e}"))?;
            let deadline = Instant::now() + Duration::from_secs(30);
            let mut answer = target.probe();
            while let Err(e) = &answer
                && e.starting_up
                && Instant::now() < deadline
            {
                say("PostgreSQL: that server is still starting up; waiting");
                std::thread::sleep(Duration::from_secs(1));
                answer = target.probe();
            }
            answer.map_err(|e| {
                format!(
                    "{ENV}={shown} is not usable: {}. Start that server, fix the URL, \
                     or unset {ENV} to let xtask start a throwaway cluster",
                    e.reason
                )
            })?;
            say(&format!("PostgreSQL: {shown} answers; the tests use it"));
            Ok(Source::Given(url))
        }
        Ok(_) => {
            say(&format!("PostgreSQL: {ENV} is empty; treating it as unset"));
            Ok(Source::Throwaway(find_binaries()))
        }
        Err(_) => Ok(Source::Throwaway(find_binaries())),
    }
}

/// The directory with `initdb` and `pg_ctl`: Debian's newest
/// `/usr/lib/postgresql/<version>/bin`, else the one on PATH.
pub fn find_binaries() -> Option<PathBuf> {
    let has_both =
        |d: &Path| sys::is_executable(&d.join("initdb")) && sys::is_executable(&d.join("pg_ctl"));
    let mut versions: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let version: Vec<u32> = name
                .split('.')
                .map(str::parse)
                .collect::<Result<_, _>>()
                .ok()?;
            let bin = e.path().join("bin");
            has_both(&bin).then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    let initdb = sys::which("initdb")?;
    // Debian links /usr/local/bin/initdb etc. into /usr/lib/postgresql/N/bin;
    // pg_ctl must come from the same installation.
    let real = std::fs::canonicalize(&initdb).unwrap_or(initdb);
    real.parent().filter(|d| has_both(d)).map(Path::to_path_buf)
}

/// A throwaway cluster: stopped and its directory removed when dropped.
pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    /// Root runs initdb and pg_ctl as this account (initdb refuses root).
    owner: Option<Account>,
    port: u16,
    reaper: Option<Child>,
    done: bool,
}

impl Cluster {
    /// initdb in a fresh temp directory, start on a free port, wait until it
    /// accepts connections.
    pub fn start(bin: PathBuf) -> Result<Cluster, String> {
        let owner = if sys::is_root() {
            let account = Account::lookup(SUPERUSER).ok_or_else(|| {
                "running as root, and initdb refuses to run as root; there is no `postgres` \
                 system user to run it as (Debian's postgresql package creates it)"
                    .to_string()
            })?;
            Some(account)
        } else {
            None
        };
        let dir = fresh_temp_dir()?;
        // From here on the guard owns the directory, whatever fails next.
        let mut cluster = Cluster {
            dir,
            bin,
            owner,
            port: 0,
            reaper: None,
            done: false,
        };
        say(&format!(
            "PostgreSQL: {ENV} is not set; starting a throwaway cluster in {}{}",
            cluster.dir.display(),
            match &cluster.owner {
                Some(a) => format!(" (as the {} user: initdb refuses root)", a.name),
                None => String::new(),
            }
        ));
        cluster.give_to_owner(&cluster.dir)?;
        cluster.reaper =
            spawn_reaper(&cluster).map_err(|e| format!("cannot start the cleanup watcher: {e}"))?;
        let socket_dir = cluster.dir.join("socket");
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&socket_dir)
            .map_err(|e| format!("cannot create {}: {e}", socket_dir.display()))?;
        cluster.give_to_owner(&socket_dir)?;

        say(&format!(
            "PostgreSQL: initdb -A trust -U {SUPERUSER} ({})",
            cluster.bin.display()
        ));
        let mut initdb = cluster.pg_command("initdb")?;
        initdb.arg("-D").arg(cluster.data()).args([
            "-A",
            "trust",
            "-U",
            SUPERUSER,
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ]);
        sys::run_captured(initdb, "initdb")?;

        cluster.port = free_port()?;
        let max_connections = std::thread::available_parallelism().map_or(8, usize::from) * 16 + 40;
        let settings = format!(
            "\n# xtask: a throwaway cluster for the tests\n\
             listen_addresses = '127.0.0.1'\n\
             port = {port}\n\
             unix_socket_directories = '{socket}'\n\
             max_connections = {max}\n\
             fsync = off\n\
             synchronous_commit = off\n\
             full_page_writes = off\n",
            port = cluster.port,
            socket = socket_dir.display(),
            max = max_connections.max(100),
        );
        let conf = cluster.data().join("postgresql.conf");
        std::fs::OpenOptions::new()
            .append(true)
            .open(&conf)
            .and_then(|mut f| f.write_all(settings.as_bytes()))
            .map_err(|e| format!("cannot write {}: {e}", conf.display()))?;

        say(&format!(
            "PostgreSQL: starting on 127.0.0.1:{} (fsync off)",
            cluster.port
        ));
        let mut start = cluster.pg_command("pg_ctl")?;
        start
            .arg("-D")
            .arg(cluster.data())
            .arg("-l")
            .arg(cluster.log())
            .args(["-w", "-t", "60", "start"]);
        if let Err(e) = sys::run_captured(start, "pg_ctl start") {
            return Err(format!("{e}\n{}", cluster.log_tail()));
        }
        cluster.wait_until_ready()?;
        say(&format!("PostgreSQL: ready at {}", cluster.url()));
        Ok(cluster)
    }

    /// The URL the tests get as `HEARTH_TEST_PG_URL`.
    pub fn url(&self) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server and removes the directory (idempotent).
    pub fn stop(&mut self) -> Result<(), String> {
        if self.done {
            return Ok(());
        }
        self.done = true;
        say(&format!(
            "PostgreSQL: stopping the throwaway cluster and removing {}",
            self.dir.display()
        ));
        let result = teardown(&self.dir, &self.bin, self.owner.as_ref());
        // The watcher sees its stdin close, finds nothing left, and exits.
        if let Some(mut reaper) = self.reaper.take() {
            drop(reaper.stdin.take());
            let _ = reaper.wait();
        }
        result
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn log(&self) -> PathBuf {
        self.dir.join("server.log")
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.log()).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(20)..].join("\n");
        format!("server log ({}):\n{tail}", self.log().display())
    }

    fn pg_command(&self, program: &str) -> Result<Command, String> {
        pg_command(&self.bin, program, self.owner.as_ref(), &self.dir)
    }

    fn give_to_owner(&self, path: &Path) -> Result<(), String> {
        match &self.owner {
            Some(a) => std::os::unix::fs::chown(path, Some(a.uid), Some(a.gid))
                .map_err(|e| format!("cannot give {} to {}: {e}", path.display(), a.name)),
            None => Ok(()),
        }
    }

    fn wait_until_ready(&self) -> Result<(), String> {
        let target = Target::parse(&self.url())?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match target.probe() {
                Ok(()) => return Ok(()),
                Err(e) if Instant::now() >= deadline => {
                    return Err(format!(
                        "the throwaway cluster does not accept connections: {}\n{}",
                        e.reason,
                        self.log_tail()
                    ));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(200)),
            }
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            say(&format!("PostgreSQL: cleanup failed: {e}"));
        }
    }
}

fn pg_command(
    bin: &Path,
    program: &str,
    owner: Option<&Account>,
    dir: &Path,
) -> Result<Command, String> {
    let program = bin.join(program);
    let mut c = match owner {
        Some(a) => a.command(&program)?,
        None => Command::new(program),
    };
    // The postgres user may not be able to enter the caller's directory.
    c.current_dir(dir);
    Ok(c)
}

/// Stops the server if it runs (fast, no checkpoint: it is thrown away) and
/// removes the directory.
fn teardown(dir: &Path, bin: &Path, owner: Option<&Account>) -> Result<(), String> {
    if !dir.exists() {
        return Ok(());
    }
    let data = dir.join("data");
    let pid_file = data.join("postmaster.pid");
    let mut problem = None;
    if pid_file.exists() {
        let stopped = pg_command(bin, "pg_ctl", owner, dir).and_then(|mut c| {
            c.arg("-D")
                .arg(&data)
                .args(["-m", "immediate", "-w", "-t", "30", "stop"]);
            sys::run_captured(c, "pg_ctl stop")
        });
        if let Err(e) = stopped {
            // Last resort: kill the postmaster named in its pid file.
            let pid = std::fs::read_to_string(&pid_file)
                .ok()
                .and_then(|s| s.lines().next().map(str::to_string));
            if let Some(pid) = pid {
                let _ = pg_command(bin, "pg_ctl", owner, dir).and_then(|mut c| {
                    c.args(["kill", "KILL", &pid]);
                    sys::run_captured(c, "pg_ctl kill")
                });
            }
            problem = Some(e);
        }
    }
    std::fs::remove_dir_all(dir).map_err(|e| {
        let mut msg = format!("cannot remove {}: {e}", dir.display());
        if let Some(p) = &problem {
            msg = format!("{p}; {msg}");
        }
        msg
    })?;
    match problem {
        Some(p) => Err(format!("{p} (killed it; directory removed)")),
        None => Ok(()),
    }
}

fn fresh_temp_dir() -> Result<PathBuf, String> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let base = std::env::temp_dir();
    for attempt in 0..100u32 {
        let dir = base.join(format!(
            "hearth-pg-{}-{nanos:x}{attempt}",
            std::process::id()
        ));
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(format!(
                    "cannot create a directory in {}: {e}",
                    base.display()
                ));
            }
        }
    }
    Err(format!(
        "cannot create a fresh directory in {}",
        base.display()
    ))
}

/// A port nobody listens on now: bind port 0, read it, release it.
fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("cannot find a free port: {e}"))
}

/// A child xtask that waits for its stdin to close (xtask ended, however it
/// ended) and then tears the cluster down if it is still there. Its own
/// process group keeps Ctrl-C, meant for the tests, away from it.
fn spawn_reaper(c: &Cluster) -> std::io::Result<Option<Child>> {
    let exe = std::env::current_exe()?;
    let mut cmd = Command::new(exe);
    cmd.arg(REAPER)
        .arg(&c.dir)
        .arg(&c.bin)
        .arg(c.owner.as_ref().map_or("", |a| a.name.as_str()))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .process_group(0);
    cmd.spawn().map(Some)
}

/// The reaper's task (`xtask __reap-postgres DIR BIN OWNER`).
pub fn reap(args: &[String]) -> Result<(), String> {
    let [dir, bin, owner] = args else {
        return Err(format!("usage: xtask {REAPER} DIR BIN OWNER"));
    };
    // Blocks until xtask closes the pipe or dies.
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    let dir = PathBuf::from(dir);
    if !dir.exists() {
        return Ok(());
    }
    say(&format!(
        "PostgreSQL: xtask was interrupted; stopping the throwaway cluster and removing {}",
        dir.display()
    ));
    let owner = if owner.is_empty() {
        None
    } else {
        Some(Account::lookup(owner).ok_or_else(|| format!("no user {owner}"))?)
    };
    teardown(&dir, Path::new(bin), owner.as_ref())
}
