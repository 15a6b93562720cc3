//! The edits reused photos go through, as deterministic functions of a
//! picture and a seed: re-encoding, resizing, crops, mirror and rotations,
//! colour and blur changes, overlays, a screenshot frame, and a combination.

use image::imageops::{self, FilterType};
use image::{DynamicImage, Rgb, RgbImage};
use imageproc::geometric_transformations::{rotate_about_center, Border, Interpolation};

/// One transform at one strength.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Transform {
    Jpeg(u8),
    Resize(f32),
    Stretch(f32),
    /// Crop keeping this share of the area, centred or off-centre.
    Crop {
        keep: f32,
        centred: bool,
    },
    Mirror,
    Rotate(u16),
    /// Small rotation in degrees, cropped to the largest upright rectangle.
    Tilt(f32),
    Grayscale,
    Brightness(i32),
    Contrast(f32),
    Gamma(f32),
    Saturation(f32),
    Blur(f32),
    Noise(f64),
    /// A solid caption banner over this share of the height, at the bottom.
    Banner(f32),
    /// A logo-like block in a corner.
    Watermark,
    /// Rows of text-like marks over the middle of the picture.
    Text,
    /// The picture at this share of the width of a larger canvas with bars.
    Screenshot(f32),
    /// Crop 80% + mirror + JPEG 50 + banner 10%.
    Combined,
}

/// Every transform with its family name, in report order.
pub fn all() -> Vec<(&'static str, Transform)> {
    use Transform::*;
    let mut v = vec![];
    for q in [90, 70, 50, 30] {
        v.push(("re-encode", Jpeg(q)));
    }
    for s in [0.5, 0.25, 1.5] {
        v.push(("resize", Resize(s)));
    }
    v.push(("resize", Stretch(1.1)));
    for keep in [0.9, 0.8, 0.6, 0.4] {
        v.push((
            "crop",
            Crop {
                keep,
                centred: true,
            },
        ));
        v.push((
            "crop",
            Crop {
                keep,
                centred: false,
            },
        ));
    }
    v.push(("mirror", Mirror));
    for r in [90, 180, 270] {
        v.push(("rotate", Rotate(r)));
    }
    for t in [3.0, -3.0, 8.0, -8.0] {
        v.push(("tilt", Tilt(t)));
    }
    v.push(("colour", Grayscale));
    for b in [-30, 30] {
        v.push(("colour", Brightness(b)));
    }
    for c in [-30.0, 30.0] {
        v.push(("colour", Contrast(c)));
    }
    v.push(("colour", Gamma(0.6)));
    v.push(("colour", Gamma(1.6)));
    v.push(("colour", Saturation(0.3)));
    v.push(("colour", Saturation(1.7)));
    for s in [1.0, 3.0] {
        v.push(("blur-noise", Blur(s)));
    }
    v.push(("blur-noise", Noise(12.0)));
    for b in [0.1, 0.25] {
        v.push(("overlay", Banner(b)));
    }
    v.push(("overlay", Watermark));
    v.push(("overlay", Text));
    for s in [0.5, 0.65, 0.8] {
        v.push(("screenshot", Screenshot(s)));
    }
    v.push(("combined", Combined));
    v
}

impl Transform {
    /// A short name with the strength: `crop-60-offcentre`, `jpeg-30`.
    pub fn name(&self) -> String {
        use Transform::*;
        match *self {
            Jpeg(q) => format!("jpeg-{q}"),
            Resize(s) => format!("resize-{}", (s * 100.0).round()),
            Stretch(s) => format!("stretch-{}", ((s - 1.0) * 100.0).round()),
            Crop { keep, centred } => format!(
                "crop-{}-{}",
                (keep * 100.0).round(),
                if centred { "centre" } else { "offcentre" }
            ),
            Mirror => "mirror".into(),
            Rotate(r) => format!("rotate-{r}"),
            Tilt(t) => format!("tilt-{t}"),
            Grayscale => "grayscale".into(),
            Brightness(b) => format!("brightness{b:+}"),
            Contrast(c) => format!("contrast{c:+}"),
            Gamma(g) => format!("gamma-{g}"),
            Saturation(s) => format!("saturation-{s}"),
            Blur(s) => format!("blur-{s}"),
            Noise(s) => format!("noise-{s}"),
            Banner(b) => format!("banner-{}", (b * 100.0).round()),
            Watermark => "watermark".into(),
            Text => "text".into(),
            Screenshot(s) => format!("screenshot-{}", (s * 100.0).round()),
            Combined => "crop80+mirror+jpeg50+banner".into(),
        }
    }

    /// The transformed picture, JPEG-encoded (quality 85 unless the
    /// transform sets it), as a copy found online would be.
    pub fn apply(&self, img: &DynamicImage, seed: u64) -> Vec<u8> {
        use Transform::*;
        let mut rng = Rng(seed | 1);
        let rgb = img.to_rgb8();
        let (out, quality) = match *self {
            Jpeg(q) => (rgb, q),
            Resize(s) => (scale(&rgb, s, s), 85),
            Stretch(s) => (scale(&rgb, s, 1.0), 85),
            Crop { keep, centred } => (crop(&rgb, keep, centred, &mut rng), 85),
            Mirror => (imageops::flip_horizontal(&rgb), 85),
            Rotate(90) => (imageops::rotate90(&rgb), 85),
            Rotate(180) => (imageops::rotate180(&rgb), 85),
            Rotate(_) => (imageops::rotate270(&rgb), 85),
            Tilt(deg) => (tilt(&rgb, deg), 85),
            Grayscale => (DynamicImage::ImageLuma8(img.to_luma8()).to_rgb8(), 85),
            Brightness(b) => (imageops::brighten(&rgb, b * 255 / 100), 85),
            Contrast(c) => (imageops::contrast(&rgb, c), 85),
            Gamma(g) => (map(&rgb, |v| 255.0 * (v / 255.0).powf(g)), 85),
            Saturation(s) => (saturate(&rgb, s), 85),
            Blur(s) => (imageops::blur(&rgb, s), 85),
            Noise(sd) => (imageproc::noise::gaussian_noise(&rgb, 0.0, sd, seed), 85),
            Banner(b) => (banner(rgb, b), 85),
            Watermark => (watermark(rgb), 85),
            Text => (text(rgb, &mut rng), 85),
            Screenshot(s) => (screenshot(&rgb, s), 85),
            Combined => {
                let c = crop(&rgb, 0.8, false, &mut rng);
                (banner(imageops::flip_horizontal(&c), 0.1), 50)
            }
        };
        let mut bytes = Vec::new();
        let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality);
        // Encoding an in-memory RGB buffer cannot fail short of memory.
        let _ = out.write_with_encoder(enc);
        bytes
    }
}

/// xorshift: reproducible offsets and marks from the seed.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 40) as f32 / (1u64 << 24) as f32
    }
}

fn scale(img: &RgbImage, sx: f32, sy: f32) -> RgbImage {
    let w = ((img.width() as f32 * sx) as u32).max(8);
    let h = ((img.height() as f32 * sy) as u32).max(8);
    imageops::resize(img, w, h, FilterType::Triangle)
}

fn crop(img: &RgbImage, keep: f32, centred: bool, rng: &mut Rng) -> RgbImage {
    let side = keep.sqrt();
    let (w, h) = (img.width() as f32, img.height() as f32);
    let (cw, ch) = ((w * side) as u32, (h * side) as u32);
    let (fx, fy) = if centred {
        (0.5, 0.5)
    } else {
        (rng.unit(), rng.unit())
    };
    let x = ((w - cw as f32) * fx) as u32;
    let y = ((h - ch as f32) * fy) as u32;
    imageops::crop_imm(img, x, y, cw, ch).to_image()
}

fn tilt(img: &RgbImage, deg: f32) -> RgbImage {
    let rotated = rotate_about_center(
        img,
        deg.to_radians(),
        Interpolation::Bilinear,
        Border::Constant(Rgb([0, 0, 0])),
    );
    // The largest upright rectangle of the original's aspect inside the
    // turned frame, centred.
    let (w, h) = (img.width() as f32, img.height() as f32);
    let (s, c) = (deg.to_radians().abs().sin(), deg.to_radians().abs().cos());
    let k = (h / (w * s + h * c)).min(w / (w * c + h * s));
    let (cw, ch) = ((w * k) as u32, (h * k) as u32);
    let (x, y) = ((img.width() - cw) / 2, (img.height() - ch) / 2);
    imageops::crop_imm(&rotated, x, y, cw, ch).to_image()
}

fn map(img: &RgbImage, f: impl Fn(f32) -> f32) -> RgbImage {
    let mut out = img.clone();
    for p in out.pixels_mut() {
        for c in p.0.iter_mut() {
            *c = f(f32::from(*c)).round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

fn saturate(img: &RgbImage, s: f32) -> RgbImage {
    let mut out = img.clone();
    for p in out.pixels_mut() {
        let [r, g, b] = p.0.map(f32::from);
        let grey = 0.299 * r + 0.587 * g + 0.114 * b;
        p.0 = [r, g, b].map(|v| (grey + (v - grey) * s).round().clamp(0.0, 255.0) as u8);
    }
    out
}

fn fill(img: &mut RgbImage, x0: u32, y0: u32, w: u32, h: u32, colour: [u8; 3]) {
    for y in y0..(y0 + h).min(img.height()) {
        for x in x0..(x0 + w).min(img.width()) {
            img.put_pixel(x, y, Rgb(colour));
        }
    }
}

fn banner(mut img: RgbImage, share: f32) -> RgbImage {
    let (w, h) = img.dimensions();
    let bh = (h as f32 * share) as u32;
    fill(&mut img, 0, h - bh, w, bh, [139, 0, 0]);
    // Caption-like white marks on the banner.
    let mark = (bh / 3).max(2);
    for i in 0..(w / (mark * 2)) {
        if i % 4 != 3 {
            fill(
                &mut img,
                i * mark * 2 + mark,
                h - bh + mark,
                mark,
                mark,
                [255, 255, 255],
            );
        }
    }
    img
}

fn watermark(mut img: RgbImage) -> RgbImage {
    let (w, h) = img.dimensions();
    let (lw, lh) = (w / 6, h / 10);
    fill(&mut img, w - lw - w / 40, h / 40, lw, lh, [240, 240, 240]);
    fill(
        &mut img,
        w - lw - w / 40 + lw / 4,
        h / 40 + lh / 4,
        lw / 2,
        lh / 2,
        [200, 30, 30],
    );
    img
}

fn text(mut img: RgbImage, rng: &mut Rng) -> RgbImage {
    let (w, h) = img.dimensions();
    let glyph = (h / 30).max(3);
    for row in 0..3 {
        let y = h * 2 / 5 + row * glyph * 2;
        let mut x = w / 10;
        while x + glyph < w * 9 / 10 {
            let gw = glyph / 2 + (rng.unit() * glyph as f32) as u32;
            fill(&mut img, x, y, gw, glyph, [255, 255, 255]);
            x += gw + glyph / 3 + u32::from(rng.unit() < 0.2) * glyph;
        }
    }
    img
}

fn screenshot(img: &RgbImage, share: f32) -> RgbImage {
    let (w, h) = img.dimensions();
    let cw = (w as f32 / share) as u32;
    let bar = h / 8;
    let ch = h + 3 * bar;
    let mut canvas = RgbImage::from_pixel(cw, ch, Rgb([255, 255, 255]));
    fill(&mut canvas, 0, 0, cw, bar / 2, [20, 20, 20]);
    fill(&mut canvas, (cw - w) / 2, bar, w / 3, bar / 3, [60, 60, 60]);
    imageops::overlay(
        &mut canvas,
        img,
        i64::from((cw - w) / 2),
        i64::from(bar * 2),
    );
    fill(&mut canvas, 0, ch - bar / 2, cw, bar / 2, [230, 230, 230]);
    canvas
}
