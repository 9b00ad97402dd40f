//! Just enough of PostgreSQL's URL syntax and wire protocol (std only) to
//! ask a server whether it answers: connect over TCP or a unix socket, send
//! a startup message for the URL's user and database, and read the replies
//! up to "ready for query", a password request, or an error.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(5);
/// libpq's (and rust-postgres's) unix socket directories on Debian.
const SOCKET_DIRS: [&str; 3] = ["/run/postgresql", "/var/run/postgresql", "/tmp"];

/// Where a `postgres://` URL points.
#[derive(Debug, PartialEq, Eq)]
pub struct Target {
    pub user: String,
    pub has_password: bool,
    pub database: String,
    pub endpoint: Endpoint,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Endpoint {
    Tcp {
        host: String,
        port: u16,
    },
    /// A socket directory (`None`: the default ones) and the port.
    Unix {
        dir: Option<PathBuf>,
        port: u16,
    },
}

/// Why a server did not answer as a usable PostgreSQL server.
#[derive(Debug)]
pub struct NoAnswer {
    /// The server is up but still starting (SQLSTATE 57P03): worth a retry.
    pub starting_up: bool,
    pub reason: String,
}

fn no(reason: impl Into<String>) -> NoAnswer {
    NoAnswer {
        starting_up: false,
        reason: reason.into(),
    }
}

impl Target {
    /// Parses `postgres[ql]://[user[:password]@][host][:port][/dbname][?k=v&…]`
    /// (host may be `[v6]` or a percent-encoded socket directory; the query
    /// may set host, port, user, password, dbname).
    pub fn parse(url: &str) -> Result<Target, String> {
        let rest = url
            .strip_prefix("postgres://")
            .or_else(|| url.strip_prefix("postgresql://"))
            .ok_or_else(|| "not a postgres:// URL".to_string())?;
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, db) = rest.split_once('/').unwrap_or((rest, ""));
        let (userinfo, hosts) = authority.rsplit_once('@').unwrap_or(("", authority));
        let (user, password) = match userinfo.split_once(':') {
            Some((u, _)) => (u, true),
            None => (userinfo, false),
        };
        let mut user = decode(user);
        let mut has_password = password;
        let mut database = decode(db);
        // Several hosts are tried in order by the client; ask the first.
        let (mut host, mut port) = host_port(hosts.split(',').next().unwrap_or(""))?;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = decode(v);
            match k {
                "host" => host = v,
                "port" => port = Some(parse_port(&v)?),
                "user" => user = v,
                "password" => has_password = true,
                "dbname" => database = v,
                _ => {}
            }
        }
        if user.is_empty() {
            user = std::env::var("USER")
                .or_else(|_| std::env::var("LOGNAME"))
                .unwrap_or_else(|_| "postgres".into());
        }
        if database.is_empty() {
            database.clone_from(&user);
        }
        let port = port.unwrap_or(5432);
        let endpoint = if host.is_empty() {
            Endpoint::Unix { dir: None, port }
        } else if host.starts_with('/') {
            Endpoint::Unix {
                dir: Some(PathBuf::from(host)),
                port,
            }
        } else {
            Endpoint::Tcp { host, port }
        };
        Ok(Target {
            user,
            has_password,
            database,
            endpoint,
        })
    }

    /// Connects and asks. `Ok` when the server lets the URL's user into its
    /// database (or asks for the password the URL carries).
    pub fn probe(&self) -> Result<(), NoAnswer> {
        match &self.endpoint {
            Endpoint::Tcp { host, port } => {
                let addrs = (host.as_str(), *port)
                    .to_socket_addrs()
                    .map_err(|e| no(format!("cannot resolve {host}: {e}")))?;
                let mut last = no(format!("{host} has no address"));
                for addr in addrs {
                    match TcpStream::connect_timeout(&addr, TIMEOUT) {
                        Ok(mut s) => {
                            let _ = s.set_read_timeout(Some(TIMEOUT));
                            let _ = s.set_write_timeout(Some(TIMEOUT));
                            return self.startup(&mut s);
                        }
                        Err(e) => last = no(format!("cannot connect to {addr}: {e}")),
                    }
                }
                Err(last)
            }
            Endpoint::Unix { dir, port } => {
                let dirs: Vec<PathBuf> = match dir {
                    Some(d) => vec![d.clone()],
                    None => SOCKET_DIRS.iter().map(PathBuf::from).collect(),
                };
                let mut last = no("no unix socket directory");
                for d in dirs {
                    let path = d.join(format!(".s.PGSQL.{port}"));
                    match UnixStream::connect(&path) {
                        Ok(mut s) => {
                            let _ = s.set_read_timeout(Some(TIMEOUT));
                            let _ = s.set_write_timeout(Some(TIMEOUT));
                            return self.startup(&mut s);
                        }
                        Err(e) => last = no(format!("cannot connect to {}: {e}", path.display())),
                    }
                }
                Err(last)
            }
        }
    }

    fn startup<S: Read + Write>(&self, s: &mut S) -> Result<(), NoAnswer> {
        let io = |e: std::io::Error| no(format!("the connection failed: {e}"));
        // StartupMessage: length, protocol 3.0, then key\0value\0 pairs, \0.
        let mut body = 196_608u32.to_be_bytes().to_vec();
        for (k, v) in [("user", &self.user), ("database", &self.database)] {
            body.extend_from_slice(k.as_bytes());
            body.push(0);
            body.extend_from_slice(v.as_bytes());
            body.push(0);
        }
        body.push(0);
        let len =
            u32::try_from(body.len() + 4).map_err(|_| no("user or database name too long"))?;
        s.write_all(&len.to_be_bytes()).map_err(io)?;
        s.write_all(&body).map_err(io)?;
        // After "authentication ok" the server still checks the role and the
        // database (an error) before it is ready for queries ('Z').
        let mut authenticated = false;
        for _ in 0..64 {
            let mut head = [0u8; 5];
            s.read_exact(&mut head).map_err(io)?;
            let [tag, l @ ..] = head;
            let len = usize::try_from(u32::from_be_bytes(l)).unwrap_or(usize::MAX);
            if !(4..=1 << 20).contains(&len) {
                return Err(no("the reply is not PostgreSQL's protocol"));
            }
            let mut msg = vec![0u8; len - 4];
            s.read_exact(&mut msg).map_err(io)?;
            match tag {
                b'R' if !authenticated => {
                    let code = msg.get(..4).and_then(|c| <[u8; 4]>::try_from(c).ok());
                    match code.map(u32::from_be_bytes) {
                        Some(0) => authenticated = true,
                        // We speak no password protocol; the tests will.
                        Some(_) if self.has_password => return Ok(()),
                        Some(_) => {
                            return Err(no(format!(
                                "the server wants a password for user {} and the URL has none",
                                self.user
                            )));
                        }
                        None => return Err(no("the reply is not PostgreSQL's protocol")),
                    }
                }
                b'Z' if authenticated => {
                    // Terminate, politely.
                    let _ = s.write_all(&[b'X', 0, 0, 0, 4]);
                    return Ok(());
                }
                b'E' => return Err(server_error(&msg)),
                b'N' | b'S' | b'K' | b'v' => continue,
                _ => return Err(no("the reply is not PostgreSQL's protocol")),
            }
        }
        Err(no("the server did not answer the startup message"))
    }
}

/// An ErrorResponse's message and SQLSTATE.
fn server_error(msg: &[u8]) -> NoAnswer {
    let mut text = String::new();
    let mut code = String::new();
    for field in msg.split(|&b| b == 0) {
        if let [kind, value @ ..] = field {
            let value = String::from_utf8_lossy(value).into_owned();
            match kind {
                b'M' => text = value,
                b'C' => code = value,
                _ => {}
            }
        }
    }
    NoAnswer {
        starting_up: code == "57P03",
        reason: format!("the server refused: {text} (SQLSTATE {code})"),
    }
}

fn host_port(s: &str) -> Result<(String, Option<u16>), String> {
    if let Some(v6) = s.strip_prefix('[') {
        let (host, rest) = v6
            .split_once(']')
            .ok_or_else(|| format!("unclosed [ in host {s}"))?;
        let port = match rest.strip_prefix(':') {
            Some(p) => Some(parse_port(p)?),
            None => None,
        };
        return Ok((host.to_string(), port));
    }
    match s.rsplit_once(':') {
        Some((host, port)) => Ok((decode(host), Some(parse_port(port)?))),
        None => Ok((decode(s), None)),
    }
}

fn parse_port(p: &str) -> Result<u16, String> {
    p.parse().map_err(|_| format!("bad port `{p}`"))
}

/// Percent-decoding (`%2Frun%2Fpostgresql` is a socket directory).
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b.get(i + 1..i + 3).and_then(|h| {
            std::str::from_utf8(h)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        });
        match (b[i], hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The URL with its password, if any, masked (for `xtask:` lines).
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((userinfo, after)) = rest.split_once('@') else {
        return url.to_string();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{after}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn parses_the_test_url() {
        assert_eq!(
            Target::parse("postgres://postgres@127.0.0.1:5432/postgres"),
            Ok(Target {
                user: "postgres".into(),
                has_password: false,
                database: "postgres".into(),
                endpoint: Endpoint::Tcp {
                    host: "127.0.0.1".into(),
                    port: 5432
                },
            })
        );
    }

    #[test]
    fn parses_passwords_v6_sockets_and_queries() {
        let t = Target::parse("postgresql://u:p%40ss@[::1]:6000/db");
        assert_eq!(
            t.as_ref()
                .map(|t| (&t.endpoint, t.has_password, t.database.as_str())),
            Ok((
                &Endpoint::Tcp {
                    host: "::1".into(),
                    port: 6000
                },
                true,
                "db"
            ))
        );
        let t = Target::parse("postgres://u@%2Frun%2Fpostgresql/db");
        assert_eq!(
            t.map(|t| t.endpoint),
            Ok(Endpoint::Unix {
                dir: Some("/run/postgresql".into()),
                port: 5432
            })
        );
        let t = Target::parse("postgres:///x?host=/tmp/s&port=7&user=me");
        assert_eq!(
            t.map(|t| (t.endpoint, t.user)),
            Ok((
                Endpoint::Unix {
                    dir: Some("/tmp/s".into()),
                    port: 7
                },
                "me".into()
            ))
        );
        assert!(Target::parse("mysql://x").is_err());
        assert!(Target::parse("postgres://h:notaport/db").is_err());
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }

    #[test]
    fn a_closed_port_does_not_answer() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port());
        if let Ok(port) = port {
            let t = Target::parse(&format!("postgres://postgres@127.0.0.1:{port}/postgres"));
            assert!(t.is_ok_and(|t| t.probe().is_err()));
        }
    }
}
