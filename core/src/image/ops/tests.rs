use image::{DynamicImage, Rgb, RgbImage, Rgba, RgbaImage};

use super::*;
use crate::image::{DecodeOptions, Image, Limits};

fn photo(w: u32, h: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| {
        Rgb([(x * 7 % 256) as u8, (y * 11 % 256) as u8, ((x * y) % 256) as u8])
    }))
}

fn run(px: DynamicImage, ops: &[Operation]) -> Result<DynamicImage> {
    apply(Image::from_pixels(px), ops, &DecodeOptions::default()).map(Image::into_pixels)
}

fn ops(json: &str) -> Vec<Operation> {
    serde_json::from_str(json).unwrap()
}

#[test]
fn mirrors_and_quarter_turns_move_pixels_exactly() {
    let p = photo(13, 7);
    assert_eq!(run(p.clone(), &ops(r#"[{"op":"flip"},{"op":"flip"}]"#)).unwrap(), p);
    let flopped = run(p.clone(), &ops(r#"[{"op":"flop"}]"#)).unwrap();
    assert_eq!(flopped.to_rgb8().get_pixel(0, 3), p.to_rgb8().get_pixel(12, 3));
    let turned = run(p.clone(), &ops(r#"[{"op":"rotate","angle":90}]"#)).unwrap();
    assert_eq!((turned.width(), turned.height()), (7, 13));
    // Clockwise: the top-left corner goes to the top-right.
    assert_eq!(turned.to_rgb8().get_pixel(6, 0), p.to_rgb8().get_pixel(0, 0));
    let round = run(p.clone(), &ops(r#"[{"op":"rotate","angle":-90},{"op":"rotate","angle":450}]"#)).unwrap();
    assert_eq!(round, p);
}

#[test]
fn extract_keeps_the_rectangle_and_refuses_what_lies_outside() {
    let p = photo(20, 10);
    let cut = run(p.clone(), &ops(r#"[{"op":"extract","left":3,"top":2,"width":5,"height":4}]"#)).unwrap();
    assert_eq!((cut.width(), cut.height()), (5, 4));
    assert_eq!(cut.to_rgb8().get_pixel(0, 0), p.to_rgb8().get_pixel(3, 2));
    for bad in [
        r#"{"op":"extract","left":16,"top":0,"width":5,"height":4}"#,
        r#"{"op":"extract","left":0,"top":0,"width":0,"height":4}"#,
    ] {
        let e = run(p.clone(), &ops(&format!("[{bad}]"))).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{bad}");
    }
}

#[test]
fn a_turn_grows_the_canvas_like_pillow_and_fills_the_corners() {
    // Pillow: Image.new("RGB", (64, 48)).rotate(-30, expand=True).size == (80, 74)
    let turned = run(photo(64, 48), &ops(r##"[{"op":"rotate","angle":30,"background":"#ff000080"}]"##)).unwrap();
    assert_eq!((turned.width(), turned.height()), (80, 74));
    assert!(turned.color().has_alpha(), "a see-through background adds alpha");
    assert_eq!(turned.to_rgba8().get_pixel(0, 0), &Rgba([255, 0, 0, 128]));
    // The canvas counts against the pixel limit before it is allocated.
    let tight = DecodeOptions { limits: Limits { max_pixels: 64 * 48, ..Limits::default() }, ..Default::default() };
    let e = apply(Image::from_pixels(photo(64, 48)), &ops(r#"[{"op":"rotate","angle":45}]"#), &tight).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded);
}

#[test]
fn filters_leave_flat_images_flat() {
    let flat = DynamicImage::ImageRgba8(RgbaImage::from_pixel(30, 20, Rgba([90, 140, 200, 255])));
    for op in [r#"{"op":"blur","sigma":3}"#, r#"{"op":"sharpen","sigma":1.5,"amount":2}"#] {
        assert_eq!(run(flat.clone(), &ops(&format!("[{op}]"))).unwrap(), flat, "{op}");
    }
    let blurred = run(photo(40, 30), &ops(r#"[{"op":"blur","sigma":2}]"#)).unwrap();
    assert_ne!(blurred, photo(40, 30));
    assert_eq!(blurred.color(), image::ColorType::Rgb8, "the layout is kept");
}

#[test]
fn grayscale_and_modulate_follow_pillow() {
    let red = DynamicImage::ImageRgb8(RgbImage::from_pixel(2, 2, Rgb([255, 0, 0])));
    let gray = run(red.clone(), &ops(r#"[{"op":"grayscale"}]"#)).unwrap();
    assert_eq!(gray.as_luma8().unwrap().get_pixel(0, 0).0, [76], "Image.convert('L')");
    let dark = run(red.clone(), &ops(r#"[{"op":"modulate","brightness":0.5}]"#)).unwrap();
    assert_eq!(dark.to_rgb8().get_pixel(0, 0).0, [128, 0, 0]);
    let washed = run(red, &ops(r#"[{"op":"modulate","saturation":0}]"#)).unwrap();
    assert_eq!(washed.to_rgb8().get_pixel(0, 0).0, [76, 76, 76]);
}

#[test]
fn composite_lays_an_overlay_with_its_opacity() {
    let base = DynamicImage::ImageRgb8(RgbImage::from_pixel(10, 10, Rgb([0, 0, 255])));
    let mut mark = Vec::new();
    DynamicImage::ImageRgba8(RgbaImage::from_pixel(4, 4, Rgba([255, 255, 255, 255])))
        .write_to(&mut std::io::Cursor::new(&mut mark), image::ImageFormat::Png)
        .unwrap();
    let laid = |opacity: f32, left: i64| {
        let op = Operation::Composite { overlay: mark.clone(), left, top: 2, opacity: Some(opacity) };
        run(base.clone(), &[op]).unwrap().to_rgb8()
    };
    let full = laid(1.0, 8);
    assert_eq!((full.get_pixel(9, 2).0, full.get_pixel(7, 2).0), ([255, 255, 255], [0, 0, 255]), "clipped at the edge");
    assert_eq!(laid(0.5, 0).get_pixel(0, 2).0, [128, 128, 255]);
    assert_eq!(laid(0.0, 0), base.to_rgb8());
    let junk = Operation::Composite { overlay: b"not an image".to_vec(), left: 0, top: 0, opacity: None };
    assert_eq!(run(base, &[junk]).unwrap_err().kind(), ErrorKind::UnsupportedFormat);
}

#[test]
fn trim_cuts_the_border_colour() {
    let mut framed = RgbImage::from_pixel(20, 12, Rgb([250, 250, 250]));
    for (x, y) in [(5, 3), (14, 8), (9, 5)] {
        framed.put_pixel(x, y, Rgb([10, 20, 30]));
    }
    framed.put_pixel(1, 1, Rgb([245, 250, 250])); // within the threshold
    let trimmed = run(DynamicImage::ImageRgb8(framed), &ops(r#"[{"op":"trim"}]"#)).unwrap();
    assert_eq!((trimmed.width(), trimmed.height()), (10, 6));
    let blank = DynamicImage::ImageRgb8(RgbImage::from_pixel(5, 5, Rgb([1, 2, 3])));
    assert_eq!(run(blank.clone(), &ops(r#"[{"op":"trim"}]"#)).unwrap(), blank);
}

#[test]
fn requests_are_checked_strictly() {
    for bad in [
        r##"[{"op":"rotate","angle":10,"colour":"#fff"}]"##,
        r#"[{"op":"spin"}]"#,
        r#"[{"op":"composite","overlay":"***"}]"#,
        r#"[{"op":"flip","twice":true}]"#,
    ] {
        assert!(serde_json::from_str::<Vec<Operation>>(bad).is_err(), "{bad}");
    }
    for bad in [
        r#"[{"op":"rotate","angle":10,"background":"red"}]"#,
        r#"[{"op":"blur","sigma":0}]"#,
        r#"[{"op":"sharpen","sigma":1,"amount":11}]"#,
        r#"[{"op":"modulate","brightness":-1}]"#,
    ] {
        assert_eq!(check(&ops(bad)).unwrap_err().kind(), ErrorKind::InvalidArgument, "{bad}");
    }
    let many = vec![Operation::Flip {}; MAX_OPERATIONS + 1];
    assert_eq!(check(&many).unwrap_err().kind(), ErrorKind::InvalidArgument);
}
