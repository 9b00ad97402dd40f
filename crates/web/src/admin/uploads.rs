//! Uploaded import files kept between the dry run and the confirmation.
//!
//! Each upload gets a random id (UUIDv4, 122 random bits) and lives in
//! `std::env::temp_dir()/hearth-uploads` as `{id}.meta` (the owner's user id
//! and the file's name), `{id}.data` (the bytes) and, once a run has
//! finished, `{id}.report.json`. Only the user who uploaded a file can use
//! its id. The directory is private to the server's account (0700, files
//! 0600 on Unix); anything older than an hour is deleted whenever an upload
//! is saved or used, and the data file is deleted when the import is
//! confirmed.
//!
//! The files are local to one server: with several app servers behind a
//! load balancer, the dry run and the confirmation must reach the same one.

use serde::{Deserialize, Serialize};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// How long an upload (and its report) is kept.
pub const KEEP_FOR: Duration = Duration::from_secs(3600);

#[derive(Debug, Serialize, Deserialize)]
struct Meta {
    user_id: String,
    name: String,
}

/// An upload's data taken for the real import; put it back with
/// [`Taken::restore`] if the import failed, or drop it once done.
pub struct Taken {
    pub name: String,
    pub bytes: Vec<u8>,
    path: PathBuf,
    id: String,
}

impl Taken {
    /// Puts the file back so the user can confirm again.
    pub fn restore(&self) -> io::Result<()> {
        fs::rename(&self.path, file(&dir(), &self.id, "data"))
    }

    /// Deletes the taken file.
    pub fn discard(&self) {
        let _ = fs::remove_file(&self.path);
    }
}

fn dir() -> PathBuf {
    std::env::temp_dir().join("hearth-uploads")
}

fn file(dir: &Path, id: &str, ext: &str) -> PathBuf {
    dir.join(format!("{id}.{ext}"))
}

/// True for an id this module could have made: 32 lower-case hex digits
/// (so an id never names a path outside the directory).
pub fn valid_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The upload directory, created private to this account. Refuses a
/// directory someone else made (its mode cannot be set).
fn private_dir() -> io::Result<PathBuf> {
    let d = dir();
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(&d)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&d, fs::Permissions::from_mode(0o700))?;
    }
    Ok(d)
}

/// Writes a new file readable by this account only, replacing any old one.
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    match fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut o = fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Deletes every file older than [`KEEP_FOR`].
pub fn sweep() {
    let Ok(entries) = fs::read_dir(dir()) else {
        return;
    };
    let now = SystemTime::now();
    for e in entries.flatten() {
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age > KEEP_FOR);
        if old {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Keeps an uploaded file for `user_id`; returns its id.
pub fn save(user_id: &str, name: &str, bytes: &[u8]) -> io::Result<String> {
    sweep();
    let d = private_dir()?;
    let id = uuid::Uuid::new_v4().simple().to_string();
    let meta = Meta {
        user_id: user_id.to_string(),
        name: name.to_string(),
    };
    let json = serde_json::to_vec(&meta).map_err(io::Error::other)?;
    write_private(&file(&d, &id, "data"), bytes)?;
    write_private(&file(&d, &id, "meta"), &json)?;
    Ok(id)
}

/// The upload's meta if it exists, is recent and belongs to `user_id`.
fn owned(d: &Path, id: &str, user_id: &str) -> Option<Meta> {
    if !valid_id(id) {
        return None;
    }
    let path = file(d, id, "meta");
    let fresh = fs::metadata(&path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|age| age <= KEEP_FOR);
    if !fresh {
        return None;
    }
    let meta: Meta = serde_json::from_slice(&fs::read(path).ok()?).ok()?;
    (meta.user_id == user_id).then_some(meta)
}

/// Takes an upload's data for the real import: moved aside first (so two
/// confirmations cannot both run), then read. `None` when the id is
/// unknown, expired, already used or not this user's.
pub fn take(id: &str, user_id: &str) -> io::Result<Option<Taken>> {
    sweep();
    let d = dir();
    let Some(meta) = owned(&d, id, user_id) else {
        return Ok(None);
    };
    let taking = file(&d, id, "taking");
    match fs::rename(file(&d, id, "data"), &taking) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    }
    let bytes = match fs::read(&taking) {
        Ok(b) => b,
        Err(e) => {
            let _ = fs::remove_file(&taking);
            return Err(e);
        }
    };
    Ok(Some(Taken {
        name: meta.name,
        bytes,
        path: taking,
        id: id.to_string(),
    }))
}

/// Deletes an upload's data (after a file that could not be read at all).
pub fn discard(id: &str) {
    if valid_id(id) {
        let _ = fs::remove_file(file(&dir(), id, "data"));
    }
}

/// Keeps the JSON report of the latest run of an upload.
pub fn save_report(id: &str, json: &str) -> io::Result<()> {
    if !valid_id(id) {
        return Err(io::Error::other("bad upload id"));
    }
    write_private(&file(&private_dir()?, id, "report.json"), json.as_bytes())
}

/// The JSON report of an upload, if it is this user's and still kept.
pub fn report(id: &str, user_id: &str) -> Option<String> {
    let d = dir();
    owned(&d, id, user_id)?;
    fs::read_to_string(file(&d, id, "report.json")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_cannot_escape_the_directory() {
        assert!(valid_id("0123456789abcdef0123456789abcdef"));
        assert!(!valid_id("../../etc/passwd"));
        assert!(!valid_id("0123456789ABCDEF0123456789ABCDEF"));
        assert!(!valid_id(""));
    }

    #[test]
    fn an_upload_is_its_owners_and_is_taken_once() -> io::Result<()> {
        let id = save("user-a", "persons.csv", b"a,b\n")?;
        assert!(take(&id, "user-b")?.is_none());
        save_report(&id, "[]")?;
        assert_eq!(report(&id, "user-a").as_deref(), Some("[]"));
        assert!(report(&id, "user-b").is_none());
        let t = take(&id, "user-a")?;
        assert_eq!(t.as_ref().map(|t| t.bytes.as_slice()), Some(&b"a,b\n"[..]));
        assert!(take(&id, "user-a")?.is_none());
        if let Some(t) = t {
            t.restore()?;
        }
        let again = take(&id, "user-a")?;
        assert!(again.is_some());
        if let Some(t) = again {
            t.discard();
        }
        Ok(())
    }
}
