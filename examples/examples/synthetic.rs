//! Write a deterministic photo-like PNG: `synthetic OUT.png [WIDTH HEIGHT [SEED]]`.

use fotobase::image::{self, EncodeOptions, Image};

fn main() -> fotobase::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = args.first().map(String::as_str).unwrap_or("synthetic.png");
    let num = |i: usize, d: u32| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let img = Image::from_pixels(image::synthetic_photo(num(1, 1600), num(2, 1200), u64::from(num(3, 1))));
    let png = image::encode(&img, "png-oxipng", &EncodeOptions::default())?;
    std::fs::write(out, &png.data)?;
    println!("wrote {out} ({}x{}, {} bytes)", png.width, png.height, png.bytes);
    Ok(())
}
