//! Verified downloads: a file is streamed to a temporary name beside its destination, its
//! digests (and size) checked, synced, and only then renamed into place, so that nothing
//! partial or corrupt is ever found where data is looked for.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

use md5::Md5;
use sha2::{Digest, Sha256};

use crate::error::{DataError, Result};

/// What a downloaded file must be: any of its size, SHA-256 and MD5 (hex) that are known.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Expected<'a> {
    pub size: Option<u64>,
    pub sha256: Option<&'a str>,
    pub md5: Option<&'a str>,
}

/// An HTTP agent with the timeouts every download uses.
pub(crate) fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_global(Some(Duration::from_secs(1800)))
        .build()
        .new_agent()
}

/// Streams `url` to `dest` if it is what `expected` says; on any failure nothing is left.
pub(crate) fn download_verified(
    agent: &ureq::Agent,
    url: &str,
    dest: &Path,
    expected: Expected,
) -> Result<()> {
    let fail = |reason: String| DataError::Download {
        url: url.to_string(),
        reason,
    };
    let response = agent.get(url).call().map_err(|e| fail(e.to_string()))?;
    let limit = expected.size.map_or(256 * 1024 * 1024, |s| s + 1);
    let mut body = response
        .into_body()
        .into_with_config()
        .limit(limit)
        .reader();
    let name = dest
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("download");
    let tmp = dest.with_file_name(format!("{name}.partial-{}", std::process::id()));
    let result = (|| {
        let mut out = File::create(&tmp).map_err(|e| DataError::io(&tmp, e))?;
        let (mut sha256, mut md5, mut size) = (Sha256::new(), Md5::new(), 0u64);
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = body.read(&mut buf).map_err(|e| fail(e.to_string()))?;
            if n == 0 {
                break;
            }
            sha256.update(&buf[..n]);
            md5.update(&buf[..n]);
            size += n as u64;
            out.write_all(&buf[..n])
                .map_err(|e| DataError::io(&tmp, e))?;
        }
        if let Some(want) = expected.size
            && size != want
        {
            return Err(fail(format!("{size} bytes arrived, {want} expected")));
        }
        check_digest(dest, expected.sha256, &hex(&sha256.finalize()))?;
        check_digest(dest, expected.md5, &hex(&md5.finalize()))?;
        out.sync_all().map_err(|e| DataError::io(&tmp, e))?;
        fs::rename(&tmp, dest).map_err(|e| DataError::io(dest, e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn check_digest(dest: &Path, expected: Option<&str>, actual: &str) -> Result<()> {
    match expected {
        Some(want) if !want.eq_ignore_ascii_case(actual) => Err(DataError::Checksum {
            path: dest.to_path_buf(),
            expected: want.to_string(),
            actual: actual.to_string(),
        }),
        _ => Ok(()),
    }
}

/// SHA-256 of a file, hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = File::open(path).map_err(|e| DataError::io(path, e))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut f, &mut hasher).map_err(|e| DataError::io(path, e))?;
    Ok(hex(&hasher.finalize()))
}

/// MD5 of a file, hex (the digest CIFAR-10's authors publish).
pub fn md5_file(path: &Path) -> Result<String> {
    let mut f = File::open(path).map_err(|e| DataError::io(path, e))?;
    let mut hasher = Md5::new();
    std::io::copy(&mut f, &mut hasher).map_err(|e| DataError::io(path, e))?;
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
