//! CIFAR-10's download against a local server, on a small archive laid out as the real one
//! (`cifar-10-batches-bin/*.bin` in a gzipped tar): checked by size and MD5 before it is
//! opened, only the six batch files extracted, nothing left behind on failure.

use std::collections::HashMap;

use flate2::Compression;
use flate2::write::GzEncoder;
use gan_data::*;
use md5::{Digest, Md5};

mod common;
use common::Server;

/// A gzipped tar like the real archive, with three records per batch and two members that
/// must never be written: a path outside the directory and a file of another name.
fn small_archive() -> Vec<u8> {
    let mut tar = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
    let mut add = |path: &str, bytes: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        // `append_data` refuses `..`; the raw name is what a hostile archive would hold.
        header.as_old_mut().name[..path.len()].copy_from_slice(path.as_bytes());
        header.set_cksum();
        tar.append(&header, bytes).unwrap();
    };
    for (i, name) in CIFAR10_FILES.iter().enumerate() {
        let records: Vec<u8> = (0..3u8)
            .flat_map(|r| std::iter::once(r).chain(std::iter::repeat_n(i as u8 * 10 + r, 3072)))
            .collect();
        add(&format!("cifar-10-batches-bin/{name}"), &records);
    }
    add("../escaped.bin", b"outside");
    add("cifar-10-batches-bin/readme.html", b"<html>");
    tar.into_inner().unwrap().finish().unwrap()
}

fn names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn download_checks_size_and_md5_then_extracts_only_the_batches() {
    let archive = small_archive();
    let md5 = format!("{:x}", Md5::digest(&archive));
    let spec = |size: u64, md5: &str| ArchiveSpec {
        name: "cifar-10-binary.tar.gz",
        size,
        md5: Box::leak(md5.to_string().into_boxed_str()),
    };
    let served = HashMap::from([("cifar-10-binary.tar.gz".to_string(), archive.clone())]);
    let server = Server::start(served);
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("cifar");

    // A wrong size or MD5 is refused before anything is extracted, and nothing stays.
    let err = download_cifar10(&dir, &server.url, &spec(archive.len() as u64 + 1, &md5));
    assert!(matches!(err, Err(DataError::Download { .. })), "{err:?}");
    let other_md5 = "0123456789abcdef0123456789abcdef";
    let err = download_cifar10(&dir, &server.url, &spec(archive.len() as u64, other_md5));
    assert!(matches!(err, Err(DataError::Checksum { .. })), "{err:?}");
    assert!(names(&dir).is_empty(), "{:?}", names(&dir));

    let good = spec(archive.len() as u64, &md5);
    let written = download_cifar10(&dir, &server.url, &good).unwrap();
    assert_eq!(written.len(), 6);
    let mut expected: Vec<String> = CIFAR10_FILES.iter().map(|f| f.to_string()).collect();
    expected.sort();
    assert_eq!(
        names(&dir),
        expected,
        "the archive and the extra members are gone"
    );
    assert!(!root.path().join("escaped.bin").exists());
    let cifar = Cifar10::load(&dir, CifarScaling::Unit).unwrap();
    assert_eq!((cifar.train.len(), cifar.test.len()), (15, 3));
    assert_eq!(cifar.test.row(2)[0], 52.0 / 255.0);

    // Present files are not fetched again, even with the server gone.
    drop(server);
    assert!(
        download_cifar10(&dir, "http://127.0.0.1:9", &good)
            .unwrap()
            .is_empty()
    );
    // An archive without the batches is a format error naming it.
    let empty = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()))
        .into_inner()
        .unwrap()
        .finish()
        .unwrap();
    let md5 = format!("{:x}", Md5::digest(&empty));
    let server = Server::start(HashMap::from([(
        "cifar-10-binary.tar.gz".to_string(),
        empty.clone(),
    )]));
    let err = download_cifar10(
        &root.path().join("none"),
        &server.url,
        &spec(empty.len() as u64, &md5),
    )
    .unwrap_err();
    assert!(err.to_string().contains("data_batch_1.bin"), "{err}");
}

/// The digest against RFC 1321's test vectors, so that the published MD5 means what it says.
#[test]
fn md5_file_matches_rfc_1321() {
    let dir = tempfile::tempdir().unwrap();
    for (text, digest) in [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
    ] {
        let path = dir.path().join("f");
        std::fs::write(&path, text).unwrap();
        assert_eq!(md5_file(&path).unwrap(), digest);
    }
    assert_eq!(CIFAR10_ARCHIVE.size, 170_052_171);
}
