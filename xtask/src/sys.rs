//! The machine: saying what xtask does, finding programs on PATH, whether we
//! are root, system accounts, running a command and installing Debian
//! packages with apt-get (as root, or through `sudo -n`).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// One progress line, prefixed `xtask:`, on stderr (beside cargo's own).
pub fn say(msg: &str) {
    eprintln!("xtask: {msg}");
}

/// The first executable called `name` on PATH.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

pub fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Whether this process runs with effective uid 0.
pub fn is_root() -> bool {
    // Linux: "Uid:\treal\teffective\tsaved\tfs".
    if let Ok(status) = std::fs::read_to_string("/proc/self/status")
        && let Some(line) = status.lines().find(|l| l.starts_with("Uid:"))
    {
        return line.split_whitespace().nth(2) == Some("0");
    }
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.status.success() && o.stdout.trim_ascii() == b"0")
}

/// A system account, e.g. `postgres`, which root runs initdb as.
#[derive(Debug, Clone)]
pub struct Account {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
}

impl Account {
    pub fn lookup(name: &str) -> Option<Account> {
        let from_passwd = std::fs::read_to_string("/etc/passwd").ok().and_then(|s| {
            s.lines().find_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                match f.as_slice() {
                    [n, _, uid, gid, ..] if *n == name => Some(Account {
                        name: name.to_string(),
                        uid: uid.parse().ok()?,
                        gid: gid.parse().ok()?,
                    }),
                    _ => None,
                }
            })
        });
        // Accounts from NSS (LDAP, systemd-userdb) are not in /etc/passwd.
        from_passwd.or_else(|| {
            let id = |flag: &str| -> Option<u32> {
                let o = Command::new("id").args([flag, name]).output().ok()?;
                if !o.status.success() {
                    return None;
                }
                String::from_utf8_lossy(&o.stdout).trim().parse().ok()
            };
            Some(Account {
                name: name.to_string(),
                uid: id("-u")?,
                gid: id("-g")?,
            })
        })
    }

    /// A command that runs `program` as this account (we are root).
    pub fn command(&self, program: &Path) -> Result<Command, String> {
        if let Some(runuser) = which("runuser") {
            let mut c = Command::new(runuser);
            c.args(["-u", &self.name, "--"]).arg(program);
            Ok(c)
        } else if let Some(setpriv) = which("setpriv") {
            let mut c = Command::new(setpriv);
            c.arg(format!("--reuid={}", self.uid))
                .arg(format!("--regid={}", self.gid))
                .arg("--init-groups")
                .arg(program);
            Ok(c)
        } else {
            Err(format!(
                "neither runuser nor setpriv (util-linux) is there to run {} as {}",
                program.display(),
                self.name
            ))
        }
    }
}

/// Runs `cmd` to completion with its output captured; on failure the error
/// names `what` and carries the command's own output.
pub fn run_captured(mut cmd: Command, what: &str) -> Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: could not start {:?}: {e}", cmd.get_program()))?;
    if out.status.success() {
        return Ok(());
    }
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    Err(format!(
        "{what} failed ({}):\n{}",
        out.status,
        text.trim_end()
    ))
}

/// Runs `cmd` with its output shown as it comes.
fn run_shown(mut cmd: Command, what: &str) -> Result<(), String> {
    let status = cmd
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("{what}: could not start {:?}: {e}", cmd.get_program()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

/// Installs Debian/Ubuntu `packages` with apt-get, as root or through
/// `sudo -n`. `what` says what they are for; when installing is impossible
/// or fails, the error says what to install by hand.
pub fn apt_install(packages: &[&str], what: &str) -> Result<(), String> {
    let list = packages.join(" ");
    let by_hand = format!("install them yourself (sudo apt-get install {list}) and run again");
    if which("apt-get").is_none() {
        return Err(format!(
            "{what} needs {list}, and there is no apt-get here to install them: {by_hand}"
        ));
    }
    let (via, sudo) = if is_root() {
        ("as root", None)
    } else {
        match which("sudo") {
            Some(sudo) if sudo_allowed(&sudo) => ("through sudo -n", Some(sudo)),
            _ => {
                return Err(format!(
                    "{what} needs {list}; installing them takes root, and this is not root \
                     and `sudo -n` is not allowed: {by_hand}"
                ));
            }
        }
    };
    let apt = |args: &[&str]| -> Command {
        let mut c = match &sudo {
            Some(sudo) => {
                let mut c = Command::new(sudo);
                c.args(["-n", "env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]);
                c
            }
            None => {
                let mut c = Command::new("apt-get");
                c.env("DEBIAN_FRONTEND", "noninteractive");
                c
            }
        };
        c.args(args);
        c
    };
    say(&format!(
        "installing {list} for {what} with apt-get ({via})"
    ));
    say("apt-get update");
    run_shown(apt(&["-qq", "update"]), "apt-get update").map_err(|e| format!("{e}; {by_hand}"))?;
    say(&format!("apt-get install -y {list}"));
    let mut install = vec!["install", "-y", "-q"];
    install.extend_from_slice(packages);
    run_shown(apt(&install), "apt-get install").map_err(|e| format!("{e}; {by_hand}"))
}

fn sudo_allowed(sudo: &Path) -> bool {
    Command::new(sudo)
        .args(["-n", "true"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A command line as a person would type it (for `xtask:` lines).
pub fn shell_words<I, S>(words: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    words
        .into_iter()
        .map(|w| {
            let w = w.as_ref().to_string_lossy().into_owned();
            if !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@%+,".contains(&b))
            {
                w
            } else {
                format!("'{}'", w.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
