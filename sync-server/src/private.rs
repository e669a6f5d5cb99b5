//! Files only the server's user may read: the data folder, the database, the CA's keys,
//! enrolment QRs. One place sets their modes, so none is left world-readable by accident.

use std::io::Write;
use std::path::Path;

/// Make `mode` the permissions of `path` (Unix; elsewhere the folder's own ACLs apply).
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// Create `dir` (and its parents) and make it the server user's only (0700).
pub fn dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    set_mode(dir, 0o700)
}

/// Make an existing file the server user's only (0600). SQLite's WAL files take the
/// database's mode.
pub fn file(path: &Path) -> std::io::Result<()> {
    set_mode(path, 0o600)
}

/// Create (or empty) `path` for writing, 0600 from the start.
pub fn create(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let f = o.open(path)?;
    file(path)?;
    Ok(f)
}

/// Write `bytes` to `path` (0600 from the start, synced, then renamed into place).
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut f = create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}
