//! Thumbnails of PNG, JPEG, GIF and WebP images: the size set requests are
//! rounded up to, the output dimensions of `scale` (fit inside, keep the
//! aspect ratio) and `crop` (fill, then centre-crop), and the rendering.
//! Pure functions over bytes; the caller stores the result.

use std::io::Cursor;

use image::{
    codecs::jpeg::JpegEncoder, imageops::FilterType, DynamicImage, ImageFormat, ImageReader, Limits,
};

/// How a thumbnail fits its box.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Fit inside the box, keeping the aspect ratio.
    Scale,
    /// Fill the box and cut off what sticks out, centred.
    Crop,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Scale => "scale",
            Method::Crop => "crop",
        }
    }
}

/// One thumbnail size of the set this server renders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    pub width: u32,
    pub height: u32,
    pub method: Method,
}

const fn size(width: u32, height: u32, method: Method) -> Size {
    Size {
        width,
        height,
        method,
    }
}

/// The sizes rendered, smallest first within each method.
pub const SIZES: [Size; 5] = [
    size(32, 32, Method::Crop),
    size(96, 96, Method::Crop),
    size(320, 240, Method::Scale),
    size(640, 480, Method::Scale),
    size(800, 600, Method::Scale),
];

/// The type without parameters, lower-case (`Image/PNG; x=y` → `image/png`).
fn essence(content_type: &str) -> String {
    let essence = content_type.split(';').next().unwrap_or("");
    essence.trim().to_ascii_lowercase()
}

/// Content types thumbnails are made of.
pub fn is_thumbnailable(content_type: &str) -> bool {
    matches!(
        essence(content_type).as_str(),
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    )
}

/// Rounds a requested box up to the smallest size of the set that covers it:
/// of the same method first, else a `scale` size; the largest if none covers it.
pub fn round_up(width: u32, height: u32, method: Method) -> Size {
    let covers = |s: &&Size| s.width >= width && s.height >= height;
    SIZES
        .iter()
        .filter(|s| s.method == method)
        .find(covers)
        .or_else(|| {
            SIZES
                .iter()
                .filter(|s| s.method == Method::Scale)
                .find(covers)
        })
        .copied()
        .unwrap_or(SIZES[SIZES.len() - 1])
}

/// `scale`: the largest dimensions inside the box with the source's aspect
/// ratio, never larger than the source.
pub fn scale_dimensions(src: (u32, u32), target: (u32, u32)) -> (u32, u32) {
    let factor = f64::min(
        target.0 as f64 / src.0 as f64,
        target.1 as f64 / src.1 as f64,
    );
    if factor >= 1.0 {
        return src;
    }
    let w = ((src.0 as f64 * factor).round() as u32).clamp(1, target.0);
    let h = ((src.1 as f64 * factor).round() as u32).clamp(1, target.1);
    (w, h)
}

/// How `crop` makes its box: an optional resize, then a centred cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CropPlan {
    /// Dimensions to resize the source to; `None` when it would have to grow.
    pub resize_to: Option<(u32, u32)>,
    /// The cut `(x, y, width, height)` out of the (resized) source.
    pub rect: (u32, u32, u32, u32),
}

/// `crop`: resize so the box is covered, then cut the box out of the centre.
pub fn crop_plan(src: (u32, u32), target: (u32, u32)) -> CropPlan {
    let (sw, sh) = (src.0 as f64, src.1 as f64);
    let (tw, th) = (target.0 as f64, target.1 as f64);
    let factor = f64::max(tw / sw, th / sh);
    if factor >= 1.0 {
        // Never upscale: cut the box's aspect ratio out of the source as it is.
        let w = f64::min(sw, (sh * tw / th).round()).max(1.0) as u32;
        let h = f64::min(sh, (sw * th / tw).round()).max(1.0) as u32;
        return CropPlan {
            resize_to: None,
            rect: centred(src, (w, h)),
        };
    }
    let scaled = (
        ((sw * factor).ceil() as u32).max(target.0),
        ((sh * factor).ceil() as u32).max(target.1),
    );
    CropPlan {
        resize_to: Some(scaled),
        rect: centred(scaled, target),
    }
}

fn centred(outer: (u32, u32), inner: (u32, u32)) -> (u32, u32, u32, u32) {
    (
        (outer.0 - inner.0) / 2,
        (outer.1 - inner.1) / 2,
        inner.0,
        inner.1,
    )
}

/// A rendered thumbnail.
#[derive(Debug)]
pub struct Rendered {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
}

/// What to serve for a thumbnail request.
#[derive(Debug)]
pub enum Outcome {
    /// The original file: already within the box (and static, or animation wanted).
    Original,
    Rendered(Rendered),
}

/// Why no thumbnail could be made.
#[derive(Debug, thiserror::Error)]
pub enum ThumbnailError {
    #[error("cannot thumbnail {0}")]
    Unsupported(String),
    #[error("cannot decode the image: {0}")]
    Decode(String),
}

/// Decoding limits, so a small file claiming huge dimensions cannot exhaust memory.
fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(16_384);
    limits.max_image_height = Some(16_384);
    limits.max_alloc = Some(256 * 1024 * 1024);
    limits
}

fn reader(bytes: &[u8]) -> Result<ImageReader<Cursor<&[u8]>>, ThumbnailError> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ThumbnailError::Decode(e.to_string()))?;
    reader.limits(limits());
    Ok(reader)
}

/// Renders `bytes` (of `content_type`) for `size`. GIF and WebP give their
/// first frame, unless `animated` is asked and the original already fits.
pub fn render(
    bytes: &[u8],
    content_type: &str,
    size: Size,
    animated: bool,
) -> Result<Outcome, ThumbnailError> {
    if !is_thumbnailable(content_type) {
        return Err(ThumbnailError::Unsupported(content_type.to_owned()));
    }
    let content_type = essence(content_type);
    let src = reader(bytes)?
        .into_dimensions()
        .map_err(|e| ThumbnailError::Decode(e.to_string()))?;
    let may_animate = matches!(content_type.as_str(), "image/gif" | "image/webp");
    let fits = src.0 <= size.width && src.1 <= size.height;
    if fits && (animated || !may_animate) {
        return Ok(Outcome::Original);
    }
    let image = reader(bytes)?
        .decode()
        .map_err(|e| ThumbnailError::Decode(e.to_string()))?;
    let image = resize(&image, size);
    let rendered = encode(image, content_type == "image/jpeg")?;
    Ok(Outcome::Rendered(rendered))
}

fn resize(image: &DynamicImage, size: Size) -> DynamicImage {
    let src = (image.width(), image.height());
    let target = (size.width, size.height);
    match size.method {
        Method::Scale => {
            let (w, h) = scale_dimensions(src, target);
            if (w, h) == src {
                image.clone()
            } else {
                image.resize_exact(w, h, FilterType::Triangle)
            }
        }
        Method::Crop => {
            let plan = crop_plan(src, target);
            let (x, y, w, h) = plan.rect;
            let base = match plan.resize_to {
                Some((sw, sh)) => image.resize_exact(sw, sh, FilterType::Triangle),
                None => image.clone(),
            };
            base.crop_imm(x, y, w, h)
        }
    }
}

/// JPEG stays JPEG (photos); everything else becomes PNG (lossless, alpha).
fn encode(image: DynamicImage, jpeg: bool) -> Result<Rendered, ThumbnailError> {
    let (width, height) = (image.width(), image.height());
    let mut out = Cursor::new(Vec::new());
    let (result, content_type) = if jpeg {
        let rgb = DynamicImage::ImageRgb8(image.to_rgb8());
        (
            rgb.write_with_encoder(JpegEncoder::new_with_quality(&mut out, 80)),
            "image/jpeg",
        )
    } else {
        (image.write_to(&mut out, ImageFormat::Png), "image/png")
    };
    result.map_err(|e| ThumbnailError::Decode(format!("encode: {e}")))?;
    Ok(Rendered {
        bytes: out.into_inner(),
        content_type,
        width,
        height,
    })
}

#[cfg(test)]
mod tests;
