//! Pictures with an alpha channel, flattened as a viewer shows them: each
//! pixel composited over a background, so what is stored under fully
//! transparent pixels never reaches a hash, and a drawing on transparency
//! hashes like the same drawing on a page.

use image::{DynamicImage, GrayImage, Luma, Rgb, RgbImage};

/// Share of fully or partly transparent pixels (alpha < 128 of 255) above
/// which the background is chosen by what is drawn: a light drawing on
/// transparency goes over black, as on a dark page, since over white it
/// would vanish.
const MOSTLY_TRANSPARENT: f64 = 0.5;

/// Mean luma (0–255) of the opaque pixels above which a mostly transparent
/// picture is light content, shown over black.
const LIGHT_CONTENT: f64 = 200.0;

/// The picture composited over its background (white, or black for light
/// content on a mostly transparent picture: see [`background`]). Pictures
/// without an alpha channel are returned as they are; grey+alpha stays grey.
/// 16-bit and float pictures are flattened at 8 bits per channel.
pub fn flatten(image: DynamicImage) -> DynamicImage {
    if !image.color().has_alpha() {
        return image;
    }
    let grey = !image.color().has_color();
    let rgba = image.to_rgba8();
    let back = f32::from(background(&rgba));
    let over = |c: u8, a: u8| {
        let a = f32::from(a) / 255.0;
        (f32::from(c) * a + back * (1.0 - a)).round() as u8
    };
    if grey {
        DynamicImage::ImageLuma8(GrayImage::from_fn(rgba.width(), rgba.height(), |x, y| {
            let p = rgba.get_pixel(x, y).0;
            Luma([over(p[0], p[3])])
        }))
    } else {
        DynamicImage::ImageRgb8(RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
            let p = rgba.get_pixel(x, y).0;
            Rgb([over(p[0], p[3]), over(p[1], p[3]), over(p[2], p[3])])
        }))
    }
}

/// The background value (255 white or 0 black) a picture is shown over.
pub fn background(rgba: &image::RgbaImage) -> u8 {
    let (mut clear, mut opaque, mut luma) = (0u64, 0u64, 0f64);
    for p in rgba.pixels() {
        let [r, g, b, a] = p.0;
        if a < 128 {
            clear += 1;
        } else {
            opaque += 1;
            luma += 0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b);
        }
    }
    let total = (clear + opaque).max(1) as f64;
    let light = opaque > 0 && luma / opaque as f64 > LIGHT_CONTENT;
    if clear as f64 / total > MOSTLY_TRANSPARENT && light {
        0
    } else {
        255
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgba, RgbaImage};

    #[test]
    fn hidden_colours_under_transparency_do_not_show() {
        let a = RgbaImage::from_fn(8, 8, |x, _| {
            if x < 4 {
                Rgba([10, 20, 30, 255])
            } else {
                Rgba([200, 0, 0, 0])
            }
        });
        let mut b = a.clone();
        for y in 0..8 {
            for x in 4..8 {
                b.put_pixel(x, y, Rgba([0, 255, 0, 0]));
            }
        }
        let fa = flatten(DynamicImage::ImageRgba8(a)).to_rgb8();
        let fb = flatten(DynamicImage::ImageRgba8(b)).to_rgb8();
        assert_eq!(fa, fb);
        assert_eq!(fa.get_pixel(6, 3).0, [255, 255, 255]);
        assert_eq!(fa.get_pixel(1, 3).0, [10, 20, 30]);
    }

    #[test]
    fn half_transparent_pixels_blend_with_the_background() {
        let img = RgbaImage::from_pixel(6, 6, Rgba([0, 0, 0, 128]));
        let flat = flatten(DynamicImage::ImageRgba8(img)).to_rgb8();
        assert_eq!(flat.get_pixel(0, 0).0, [127, 127, 127]);
    }

    #[test]
    fn light_drawings_on_transparency_go_over_black() {
        let img = RgbaImage::from_fn(10, 10, |x, _| {
            if x == 0 {
                Rgba([250, 250, 250, 255])
            } else {
                Rgba([0, 0, 0, 0])
            }
        });
        assert_eq!(background(&img), 0);
        let dark = RgbaImage::from_fn(10, 10, |x, _| {
            if x == 0 {
                Rgba([0, 0, 0, 255])
            } else {
                Rgba([0, 0, 0, 0])
            }
        });
        assert_eq!(background(&dark), 255);
    }
}
