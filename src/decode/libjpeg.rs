//! JPEG decoding by libjpeg-turbo (the decoder of MozJPEG 4, which is
//! libjpeg-turbo's, built by the `mozjpeg-sys` crate from its vendored C
//! source with the system C compiler, its x86 SIMD code only where `nasm` is
//! installed; no system library). Every coding process that build
//! implements: baseline, extended and progressive Huffman, and arithmetic
//! coding, at 8 bits. Decoded to grey or RGB with DCT scaling (M/8), so a
//! working picture never decodes more pixels than it keeps.
//!
//! libjpeg reports a fatal error by calling `error_exit`, which must not
//! return. Ours unwinds with [`std::panic::resume_unwind`] (no panic hook, so
//! nothing is printed; the C code is built with `-fexceptions` by the
//! crate's `unwinding` feature) and every call into the library runs inside
//! [`std::panic::catch_unwind`], so a corrupt file is a typed
//! [`FileError`], never a panic reaching the caller nor an abort. Warnings
//! (corrupt data the library decodes past) are counted silently; running out
//! of data is reported as a truncated file. Before any pixel is decoded the
//! pixel limit is checked, libjpeg's memory manager is capped at
//! `Limits::max_alloc` and a scan limit stops files of endless scans.

use std::ffi::{c_int, c_long, c_ulong};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

use mozjpeg_sys as ffi;
use mozjpeg_sys::{jpeg_common_struct, jpeg_decompress_struct, J_COLOR_SPACE};

use super::Limits;
use crate::error::FileError;

// A fatal libjpeg error unwinds (see above): with `panic = "abort"` every
// corrupt JPEG would end the process, so such a build is refused.
#[cfg(panic = "abort")]
compile_error!("provcheck's JPEG decoding needs panic = \"unwind\" (src/decode/libjpeg.rs)");

/// Most scans a progressive or multi-scan JPEG may have; past it the file
/// is refused (a few hundred scans of nothing make a decoder spin). The value
/// of libjpeg-turbo's own guard (`TJPARAM_SCANLIMIT`, `djpeg -maxscans` in
/// its documentation's example).
const MAX_SCANS: c_int = 500;

/// libjpeg's recommended size of a message buffer (`JMSG_LENGTH_MAX`,
/// jpeglib.h).
const MESSAGE_LEN: usize = 200;

/// The unwind payload of a fatal libjpeg error: its message.
struct Fatal(String);

/// What the frame header says, read before any pixel is decoded.
#[derive(Debug, Clone, Copy)]
pub struct Header {
    /// Coded width and height (before any orientation).
    pub width: u32,
    pub height: u32,
    /// The JPEG colour space libjpeg infers from the markers.
    colorspace: J_COLOR_SPACE,
}

impl Header {
    /// Whether the samples are grey, RGB or YCbCr (the colour spaces that
    /// decode to grey or RGB); CMYK and YCCK are left to the general decoder.
    pub fn is_grey_or_colour(&self) -> bool {
        matches!(
            self.colorspace,
            J_COLOR_SPACE::JCS_GRAYSCALE | J_COLOR_SPACE::JCS_RGB | J_COLOR_SPACE::JCS_YCbCr
        )
    }

    /// Four channels of samples: CMYK, or YCCK (which libjpeg decodes to
    /// CMYK).
    pub fn is_cmyk(&self) -> bool {
        matches!(
            self.colorspace,
            J_COLOR_SPACE::JCS_CMYK | J_COLOR_SPACE::JCS_YCCK
        )
    }

    /// One channel of samples (a greyscale JPEG).
    pub fn is_grey(&self) -> bool {
        self.colorspace == J_COLOR_SPACE::JCS_GRAYSCALE
    }

    /// Numerator `m` of the smallest M/8 scale (1–8) whose longer side is at
    /// least `side` (8, no scaling, for pictures already that small), and
    /// the width and height it decodes to (libjpeg rounds up).
    pub fn scale_for(&self, side: u32) -> (u8, u32, u32) {
        let long = u64::from(self.width.max(self.height));
        let m = (1..=8u8)
            .find(|&m| (long * u64::from(m)).div_ceil(8) >= u64::from(side))
            .unwrap_or(8);
        (m, scaled(self.width, m), scaled(self.height, m))
    }
}

/// A side of `v` pixels at scale `m`/8, rounded up as libjpeg does.
fn scaled(v: u32, m: u8) -> u32 {
    (u64::from(v) * u64::from(m)).div_ceil(8) as u32
}

/// Decoded 8-bit samples.
pub struct Pixels {
    pub width: u32,
    pub height: u32,
    /// 1 (grey), 3 (RGB) or 4 (CMYK) values a pixel, row-major.
    pub channels: u8,
    pub data: Vec<u8>,
}

/// libjpeg's decompressor with its error and progress managers, boxed so
/// that the pointers between them stay valid.
struct State {
    cinfo: jpeg_decompress_struct,
    err: ffi::jpeg_error_mgr,
    progress: ffi::jpeg_progress_mgr,
}

/// A JPEG ready to decode: its header read, the limits applied.
pub struct Jpeg<'a> {
    state: Box<State>,
    /// The compressed bytes libjpeg reads from (borrowed for its lifetime).
    _bytes: &'a [u8],
    pub header: Header,
}

impl Drop for Jpeg<'_> {
    fn drop(&mut self) {
        // SAFETY: the decompressor was created in `open` and is destroyed
        // once; destroying is allowed in any state, also after an error.
        unsafe { ffi::jpeg_destroy_decompress(&mut self.state.cinfo) }
    }
}

/// Runs `f` (calls into libjpeg), turning a fatal libjpeg error into a
/// decode error. Any other panic keeps unwinding.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, FileError> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| match payload.downcast::<Fatal>() {
        Ok(fatal) => decode_error(fatal.0),
        Err(other) => resume_unwind(other),
    })
}

fn decode_error(reason: String) -> FileError {
    FileError::Decode {
        format: "jpeg".into(),
        reason,
    }
}

/// libjpeg's text for its current message code.
fn message(cinfo: &mut jpeg_common_struct) -> String {
    let mut buffer = [0u8; MESSAGE_LEN];
    // SAFETY: `err` is our error manager; its `format_message` (libjpeg's)
    // writes at most JMSG_LENGTH_MAX bytes, NUL-terminated, into the buffer
    // (the binding declares a smaller array type, so the pointer is cast).
    unsafe {
        if let Some(format) = (*cinfo.err).format_message {
            let format: unsafe extern "C-unwind" fn(&mut jpeg_common_struct, *mut u8) =
                std::mem::transmute(format);
            format(cinfo, buffer.as_mut_ptr());
        }
    }
    let end = buffer.iter().position(|&b| b == 0).unwrap_or(MESSAGE_LEN);
    String::from_utf8_lossy(&buffer[..end]).into_owned()
}

/// `error_exit`: unwinds to [`guarded`] with the message.
extern "C-unwind" fn error_exit(cinfo: &mut jpeg_common_struct) {
    let text = message(cinfo);
    resume_unwind(Box::new(Fatal(text)))
}

/// `emit_message`: counts warnings (level -1), prints nothing. Running out
/// of data is fatal here: the picture would be completed with grey.
extern "C-unwind" fn emit_message(cinfo: &mut jpeg_common_struct, level: c_int) {
    if level < 0 {
        // SAFETY: `err` is our error manager, alive as long as `cinfo`.
        unsafe { (*cinfo.err).num_warnings += 1 };
        let text = message(cinfo);
        if text.starts_with("Premature end of JPEG file") {
            resume_unwind(Box::new(Fatal(format!("truncated: {text}"))));
        }
    }
}

/// `progress_monitor`: stops a file with more than [`MAX_SCANS`] scans.
extern "C-unwind" fn progress_monitor(cinfo: &mut jpeg_common_struct) {
    if cinfo.is_decompressor == 0 {
        return;
    }
    // SAFETY: a decompressor's common struct is the head of its
    // jpeg_decompress_struct (libjpeg's own cast, jpeglib.h).
    let scans = unsafe {
        (*(cinfo as *mut jpeg_common_struct as *mut jpeg_decompress_struct)).input_scan_number
    };
    if scans > MAX_SCANS {
        resume_unwind(Box::new(Fatal(format!(
            "more than {MAX_SCANS} scans (a limit of provcheck)"
        ))));
    }
}

impl<'a> Jpeg<'a> {
    /// Reads the frame header of `bytes`. Errors: a file libjpeg cannot
    /// parse (its message), or over `limits.max_pixels`.
    pub fn open(bytes: &'a [u8], limits: &Limits) -> Result<Jpeg<'a>, FileError> {
        // SAFETY: all-zero is the state libjpeg expects before
        // jpeg_std_error / jpeg_CreateDecompress fill the structs (null
        // pointers, no callbacks).
        let mut state: Box<State> = Box::new(unsafe { std::mem::zeroed() });
        // SAFETY: the error manager is filled with libjpeg's defaults, then
        // our callbacks; the decompressor is created with it (the error
        // pointer must be set before creation), and the progress manager is
        // attached; all three live in the box for the decompressor's life.
        let created = guarded(|| unsafe {
            let s = &mut *state;
            ffi::jpeg_std_error(&mut s.err);
            s.err.error_exit = Some(error_exit);
            s.err.emit_message = Some(emit_message);
            s.cinfo.common.err = &mut s.err;
            ffi::jpeg_create_decompress(&mut s.cinfo);
        });
        if let Err(e) = created {
            // Creation failed part-way: libjpeg freed what it had.
            std::mem::forget(state);
            return Err(e);
        }
        let mut jpeg = Jpeg {
            state,
            _bytes: bytes,
            header: Header {
                width: 0,
                height: 0,
                colorspace: J_COLOR_SPACE::JCS_UNKNOWN,
            },
        };
        let max_memory = c_long::try_from(limits.max_alloc).unwrap_or(c_long::MAX);
        let s = &mut *jpeg.state;
        s.progress.progress_monitor = Some(progress_monitor);
        s.cinfo.common.progress = &mut s.progress;
        // SAFETY: `mem` was set up by jpeg_create_decompress; the source
        // reads `bytes`, which outlive the decompressor (lifetime 'a).
        guarded(|| unsafe {
            (*s.cinfo.common.mem).max_memory_to_use = max_memory.max(1);
            ffi::jpeg_mem_src(&mut s.cinfo, bytes.as_ptr(), bytes.len() as c_ulong);
            ffi::jpeg_read_header(&mut s.cinfo, 1);
        })?;
        let (width, height) = (s.cinfo.image_width, s.cinfo.image_height);
        if u64::from(width) * u64::from(height) > limits.max_pixels {
            return Err(FileError::TooManyPixels {
                width,
                height,
                limit: limits.max_pixels,
            });
        }
        jpeg.header = Header {
            width,
            height,
            colorspace: s.cinfo.jpeg_color_space,
        };
        Ok(jpeg)
    }

    /// Decodes at scale `m`/8 (1–8, see [`Header::scale_for`]) to grey (one
    /// channel: the Y samples of a YCbCr file, no colour conversion) or RGB.
    /// Errors: libjpeg's, or the data ending before the picture does.
    pub fn decode(self, m: u8, grey: bool) -> Result<Pixels, FileError> {
        match grey {
            true => self.decode_as(m, J_COLOR_SPACE::JCS_GRAYSCALE, 1),
            false => self.decode_as(m, J_COLOR_SPACE::JCS_RGB, 3),
        }
    }

    /// Decodes a CMYK or YCCK file ([`Header::is_cmyk`]) at scale `m`/8 to
    /// its CMYK samples, four bytes a pixel, as stored (Adobe's files hold
    /// them inverted). Errors: as [`Jpeg::decode`].
    pub fn decode_cmyk(self, m: u8) -> Result<Pixels, FileError> {
        self.decode_as(m, J_COLOR_SPACE::JCS_CMYK, 4)
    }

    fn decode_as(mut self, m: u8, space: J_COLOR_SPACE, asked: u8) -> Result<Pixels, FileError> {
        let s = &mut *self.state;
        s.cinfo.scale_num = u32::from(m.clamp(1, 8));
        s.cinfo.scale_denom = 8;
        s.cinfo.out_color_space = space;
        // SAFETY: a decompressor whose header was read.
        guarded(|| unsafe { ffi::jpeg_start_decompress(&mut s.cinfo) })?;
        let (width, height) = (s.cinfo.output_width, s.cinfo.output_height);
        let channels = u8::try_from(s.cinfo.output_components).unwrap_or(0);
        if channels != asked {
            return Err(decode_error(format!(
                "{channels} channels decoded, {asked} asked"
            )));
        }
        let pitch = width as usize * usize::from(channels);
        let mut data = vec![0u8; pitch * height as usize];
        guarded(|| {
            while s.cinfo.output_scanline < height {
                let at = s.cinfo.output_scanline as usize * pitch;
                let mut row = data[at..].as_mut_ptr();
                // SAFETY: one row pointer into `data` with `pitch` bytes left
                // (output_scanline < height), the size of an output row.
                let read = unsafe { ffi::jpeg_read_scanlines(&mut s.cinfo, &mut row, 1) };
                if read == 0 {
                    let text = "truncated: the data ended before the picture did";
                    resume_unwind(Box::new(Fatal(text.into())));
                }
            }
            // SAFETY: every scanline was read.
            unsafe { ffi::jpeg_finish_decompress(&mut s.cinfo) };
        })?;
        Ok(Pixels {
            width,
            height,
            channels,
            data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(width: u32, height: u32) -> Header {
        Header {
            width,
            height,
            colorspace: J_COLOR_SPACE::JCS_YCbCr,
        }
    }

    #[test]
    fn every_scale_from_1_to_8_eighths_decodes() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/reference_images/aqua.jpg");
        let bytes = std::fs::read(path).unwrap();
        for m in 1..=8u8 {
            let jpeg = Jpeg::open(&bytes, &Limits::default()).unwrap();
            let (w, h) = (jpeg.header.width, jpeg.header.height);
            let px = jpeg.decode(m, true).unwrap();
            assert_eq!((px.width, px.height), (scaled(w, m), scaled(h, m)), "{m}/8");
            assert_eq!(px.data.len(), (px.width * px.height) as usize);
        }
    }

    #[test]
    fn the_scale_keeps_the_long_side_just_above_the_working_side() {
        assert_eq!(header(6000, 4000).scale_for(512), (1, 750, 500));
        assert_eq!(header(2560, 1600).scale_for(1536), (5, 1600, 1000));
        assert_eq!(header(640, 480).scale_for(512), (7, 560, 420));
        assert_eq!(header(400, 300).scale_for(512), (8, 400, 300));
    }

    #[test]
    fn a_corrupt_or_cut_file_is_an_error_not_a_panic() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/reference_images/aqua.jpg");
        let bytes = std::fs::read(path).unwrap();
        let header_only = &bytes[..bytes.len().min(600)];
        let outcome = Jpeg::open(header_only, &Limits::default()).and_then(|j| j.decode(8, true));
        assert!(matches!(outcome, Err(FileError::Decode { .. })));
        let garbage = [0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x02, 0xFF, 0xD9];
        assert!(matches!(
            Jpeg::open(&garbage, &Limits::default()),
            Err(FileError::Decode { .. })
        ));
    }
}
