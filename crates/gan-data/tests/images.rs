//! Image folders and labelled arrays, on small files the tests write.

use std::path::Path;

use gan_data::{DataError, read_array_with_labels, read_image_dir, write_npy};
use image::{GrayImage, Luma, Rgb, RgbImage};

fn grey(path: &Path, w: u32, h: u32, base: u8) {
    GrayImage::from_fn(w, h, |x, y| Luma([base + (y * w + x) as u8]))
        .save(path)
        .unwrap();
}

#[test]
fn a_grey_folder_reads_in_name_order_with_pixels_in_unit_range() {
    let dir = tempfile::tempdir().unwrap();
    grey(&dir.path().join("b.png"), 4, 3, 100);
    grey(&dir.path().join("a.png"), 4, 3, 0);
    std::fs::write(dir.path().join("notes.txt"), "not an image, skipped").unwrap();
    let data = read_image_dir(dir.path()).unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(data.item_shape(), &[1, 3, 4]);
    assert!(data.labels().is_none());
    // a.png first: pixel (x, y) is y·4 + x.
    assert_eq!(data.row(0)[5], 5.0 / 255.0);
    assert_eq!(data.row(1)[0], 100.0 / 255.0);
}

#[test]
fn colour_images_are_planar_rgb_and_grey_ones_join_them_as_rgb() {
    let dir = tempfile::tempdir().unwrap();
    RgbImage::from_fn(2, 2, |x, y| Rgb([10 * x as u8, 50 + y as u8, 200]))
        .save(dir.path().join("c.png"))
        .unwrap();
    grey(&dir.path().join("g.png"), 2, 2, 30);
    let data = read_image_dir(dir.path()).unwrap();
    assert_eq!(data.item_shape(), &[3, 2, 2]);
    let c = data.row(0);
    let px = |v: u8| f32::from(v) / 255.0;
    // Channel planes: R = 10·x, G = 50 + y, B = 200.
    assert_eq!(&c[0..4], &[px(0), px(10), px(0), px(10)]);
    assert_eq!(&c[4..8], &[px(50), px(50), px(51), px(51)]);
    assert_eq!(&c[8..12], &[px(200); 4]);
    let g = data.row(1);
    assert_eq!(&g[0..4], &g[4..8]);
    assert_eq!(&g[0..4], &[px(30), px(31), px(32), px(33)]);
}

#[test]
fn class_subdirectories_give_labels_and_jpeg_decodes() {
    let dir = tempfile::tempdir().unwrap();
    for (class, name) in ["cats", "dogs"].iter().enumerate() {
        let sub = dir.path().join(name);
        std::fs::create_dir(&sub).unwrap();
        grey(&sub.join("1.png"), 8, 8, 10 * class as u8);
        GrayImage::from_pixel(8, 8, Luma([128]))
            .save(sub.join("2.jpg"))
            .unwrap();
    }
    let data = read_image_dir(dir.path()).unwrap();
    assert_eq!(data.labels(), Some(&[0u8, 0, 1, 1][..]));
    assert_eq!(data.num_classes(), Some(2));
    // A flat grey JPEG decodes to (almost exactly) its value.
    assert!(
        data.row(1)
            .iter()
            .all(|v| (v - 128.0 / 255.0).abs() < 2.0 / 255.0)
    );
}

#[test]
fn mixed_sizes_undecodable_files_and_empty_folders_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    grey(&dir.path().join("small.png"), 4, 4, 0);
    grey(&dir.path().join("wide.png"), 6, 4, 0);
    let err = read_image_dir(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("small.png is 4×4") && err.contains("wide.png is 6×4"),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("broken.png"), b"\x89PNG not really").unwrap();
    let err = read_image_dir(dir.path()).unwrap_err();
    assert!(
        matches!(&err, DataError::Format { path, .. } if path.ends_with("broken.png")),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("readme.md"), "no images").unwrap();
    assert!(read_image_dir(dir.path()).is_err());
    assert!(read_image_dir(&dir.path().join("missing")).is_err());
}

#[test]
fn arrays_take_labels_from_a_second_file() {
    let dir = tempfile::tempdir().unwrap();
    let x = dir.path().join("x.npy");
    write_npy(
        &x,
        &(0..24).map(|v| v as f32 / 24.0).collect::<Vec<_>>(),
        &[3, 2, 4],
    )
    .unwrap();
    let labels = dir.path().join("y.npy");
    write_npy(&labels, &[2.0, 0.0, 1.0], &[3]).unwrap();
    let data = read_array_with_labels(&x, &labels).unwrap();
    assert_eq!(data.item_shape(), &[2, 4]);
    assert_eq!(data.labels(), Some(&[2u8, 0, 1][..]));

    for (bad, needle) in [(vec![0.0, 1.5, 1.0], "1.5"), (vec![0.0, 300.0, 1.0], "300")] {
        write_npy(&labels, &bad, &[3]).unwrap();
        let err = read_array_with_labels(&x, &labels).unwrap_err().to_string();
        assert!(err.contains(needle) && err.contains("y.npy"), "{err}");
    }
    write_npy(&labels, &[0.0, 1.0], &[2]).unwrap();
    let err = read_array_with_labels(&x, &labels).unwrap_err().to_string();
    assert!(err.contains("2 labels for 3 rows"), "{err}");
}
