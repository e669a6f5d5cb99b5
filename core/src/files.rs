//! Files the user takes away (printed papers, exported reports, the device's identity):
//! written whole or not at all. A crash or a full disk mid-write leaves the previous file
//! (or none), never half a PDF or a truncated spreadsheet that looks complete.

use std::io::Write;
use std::path::Path;

/// Write `bytes` to `path` through a temporary file beside it, synced before the rename
/// and the folder synced after: when this returns, the file is whole and durable.
pub fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    // A name of its own (two exports to one name never write into one temporary file),
    // created new (never through a link someone left there).
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(path.file_name().unwrap_or_default());
    tmp_name.push(format!(
        ".{}-{}.part",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let tmp = path.with_file_name(tmp_name);
    let written = (|| {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_replaced_whole_and_no_part_file_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("informe.xlsx");
        write_whole(&path, b"first").unwrap();
        write_whole(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["informe.xlsx"]);
    }

    #[test]
    fn a_write_into_a_missing_folder_fails_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no-such-folder").join("x.csv");
        assert!(write_whole(&path, b"x").is_err());
        assert!(!path.exists());
    }
}
