//! `cargo xtask audit`: supply-chain checks with one tool, cargo-deny — licenses, bans and
//! sources of the workspace (`deny.toml`), then advisories of every committed `Cargo.lock`
//! against an offline RustSec snapshot.
//!
//! The snapshot, in order: `$CFSIGN_ADVISORY_DB`, else `../shared/advisory-db` next to the
//! checkout, else the one committed in `supply-chain/` (unpacked into `target/`). cargo-deny
//! reads advisory databases only from git checkouts in its own directory layout, so the
//! snapshot is presented to it under `target/advisory-dbs/` (see [`present_to_cargo_deny`]),
//! dated by the snapshot's own commit date: `deny.toml`'s `maximum-db-staleness` then judges
//! the snapshot's real age.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmd::{root, run};
use crate::setup::ensure_cargo_tool;

/// cargo-deny, pinned so that CI checks with the same rules every time.
const CARGO_DENY: (&str, &str) = ("cargo-deny", "0.20.2");

/// The RustSec snapshot committed with the project (see `supply-chain/README.md`).
const ADVISORY_SNAPSHOT: &str = "supply-chain/rustsec-advisory-db-bf5c0d24.tar.gz";

/// Where cargo-deny looks for the database of its default URL under `db-path`
/// (`target/advisory-dbs` in `deny.toml`): the URL's last segment and the xxHash64 of the URL.
/// A change in cargo-deny's layout shows as "failed to get 'FETCH_HEAD' metadata", never as a
/// silent pass.
const CARGO_DENY_DB_DIR: &str = "target/advisory-dbs/advisory-db-3157b0e258782691";

/// The lockfiles whose dependencies are checked for advisories.
const LOCKFILES: [(&str, &str); 3] = [
    ("Cargo.toml", "the workspace"),
    ("fuzz/Cargo.toml", "the fuzz targets"),
    ("xtask/nostd-check/Cargo.toml", "the no_std check"),
];

pub fn audit() -> Result<(), String> {
    ensure_cargo_tool(CARGO_DENY.0, CARGO_DENY.1)?;
    run(
        &[
            "deny",
            "--all-features",
            "--locked",
            "check",
            "--hide-inclusion-graph",
            "licenses",
            "bans",
            "sources",
        ],
        &[],
    )?;

    let Some(db) = advisory_db()? else {
        eprintln!(
            "\nxtask audit: SKIPPED the advisory check: no RustSec snapshot (no $CFSIGN_ADVISORY_DB, \
             no ../shared/advisory-db, no {ADVISORY_SNAPSHOT}). Licenses, bans and sources were checked."
        );
        return Ok(());
    };
    let snapshot = Snapshot::read(&db)?;
    eprintln!(
        "\nxtask audit: RustSec snapshot {} at commit {} ({})",
        db.display(),
        snapshot.commit,
        snapshot.date
    );
    present_to_cargo_deny(&db, &snapshot)?;
    for (manifest, what) in LOCKFILES {
        eprintln!("\nxtask audit: advisories of {what}");
        // `--offline` keeps cargo-deny from fetching the advisory database, and also keeps the
        // `cargo metadata` it runs from reaching the registry: fetch the crates first.
        run(&["fetch", "--locked", "--manifest-path", manifest], &[])?;
        run(
            &[
                "deny",
                "--manifest-path",
                manifest,
                "--all-features",
                "--locked",
                "--offline",
                "check",
                "--hide-inclusion-graph",
                "advisories",
            ],
            &[],
        )?;
    }
    Ok(())
}

/// The advisory database to check against: `$CFSIGN_ADVISORY_DB`, else `../shared/advisory-db`
/// next to the checkout, else the committed snapshot unpacked into `target/advisory-db/`.
fn advisory_db() -> Result<Option<PathBuf>, String> {
    let is_db = |p: &Path| p.join("crates").is_dir();
    if let Some(explicit) = std::env::var_os("CFSIGN_ADVISORY_DB").map(PathBuf::from) {
        return if is_db(&explicit) {
            Ok(Some(explicit))
        } else {
            Err(format!("CFSIGN_ADVISORY_DB={} is not a RustSec database (no crates/)", explicit.display()))
        };
    }
    let shared = root().join("../shared/advisory-db");
    if is_db(&shared) {
        return Ok(Some(shared.canonicalize().unwrap_or(shared)));
    }
    let archive = root().join(ADVISORY_SNAPSHOT);
    if !archive.is_file() {
        return Ok(None);
    }
    let unpacked = root().join("target/advisory-db");
    let db = unpacked.join("advisory-db");
    if !is_db(&db) {
        std::fs::create_dir_all(&unpacked).map_err(|e| format!("{}: {e}", unpacked.display()))?;
        let status = Command::new("tar")
            .arg("xzf")
            .arg(&archive)
            .arg("-C")
            .arg(&unpacked)
            .status()
            .map_err(|e| format!("cannot run tar to unpack {ADVISORY_SNAPSHOT}: {e}"))?;
        if !status.success() || !is_db(&db) {
            return Err(format!("could not unpack {ADVISORY_SNAPSHOT} ({status})"));
        }
    }
    Ok(Some(db))
}

/// Which advisory-db commit a snapshot holds, from its README (`… at commit <sha> (YYYY-MM-DD)`).
struct Snapshot {
    commit: String,
    date: String,
    /// The commit date as seconds since 1970-01-01 UTC (midnight).
    epoch: u64,
}

impl Snapshot {
    fn read(db: &Path) -> Result<Self, String> {
        let readme_path = db.join("README.md");
        let readme = std::fs::read_to_string(&readme_path).map_err(|e| {
            format!("{}: {e} (a snapshot names its commit and date there)", readme_path.display())
        })?;
        let mut words = readme.split_whitespace().skip_while(|w| *w != "commit").skip(1);
        let commit = words.next().unwrap_or_default().to_owned();
        let date = words.next().unwrap_or_default().trim_matches(|c| matches!(c, '(' | ')' | ',' | '.'));
        let epoch = parse_date(date).ok_or_else(|| {
            format!("{}: expected \"commit <sha> (YYYY-MM-DD)\" naming the snapshot", readme_path.display())
        })?;
        Ok(Snapshot { commit, date: date.to_owned(), epoch })
    }
}

/// `YYYY-MM-DD` as seconds since 1970-01-01 UTC (days from civil, proleptic Gregorian).
fn parse_date(date: &str) -> Option<u64> {
    let mut parts = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    u64::try_from((era * 146_097 + doe - 719_468) * 86_400).ok()
}

/// Lays the snapshot out the way cargo-deny opens a database it is not allowed to fetch: a
/// directory under `db-path` named after the URL, with the advisories and a `.git/FETCH_HEAD`
/// whose modification time is when the database was last fetched. The advisories are symbolic
/// links to the snapshot (nothing is copied), and `FETCH_HEAD` carries the snapshot's commit
/// date, so cargo-deny's staleness check sees the snapshot's true age.
fn present_to_cargo_deny(db: &Path, snapshot: &Snapshot) -> Result<(), String> {
    let dir = root().join(CARGO_DENY_DB_DIR);
    let err = |what: &Path, e: std::io::Error| format!("{}: {e}", what.display());
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| err(&dir, e))?;
    }
    let git = dir.join(".git");
    std::fs::create_dir_all(&git).map_err(|e| err(&git, e))?;
    for collection in ["crates", "rust"] {
        let (from, to) = (db.join(collection), dir.join(collection));
        if from.is_dir() {
            std::os::unix::fs::symlink(&from, &to).map_err(|e| err(&to, e))?;
        }
    }
    let fetch_head = git.join("FETCH_HEAD");
    let file = std::fs::File::create(&fetch_head).map_err(|e| err(&fetch_head, e))?;
    let fetched = std::time::UNIX_EPOCH + std::time::Duration::from_secs(snapshot.epoch);
    file.set_modified(fetched).map_err(|e| err(&fetch_head, e))
}

#[cfg(test)]
mod tests {
    use super::parse_date;

    #[test]
    fn dates_are_days_since_1970() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2000-03-01"), Some(951_868_800));
        assert_eq!(parse_date("2026-08-21"), Some(1_787_270_400));
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("2026-08"), None);
        assert_eq!(parse_date("1969-12-31"), None);
    }
}
