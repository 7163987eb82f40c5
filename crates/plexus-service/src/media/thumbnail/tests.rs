//! Thumbnail tests: size rounding, the scale and crop arithmetic, and real
//! renders of generated PNG, JPEG, GIF and WebP images.

use std::io::Cursor;

use image::{codecs::gif::GifEncoder, Delay, DynamicImage, Frame, ImageFormat, RgbaImage};

use super::*;

fn picture(width: u32, height: u32) -> DynamicImage {
    let img = RgbaImage::from_fn(width, height, |x, y| {
        image::Rgba([(x % 256) as u8, (y % 256) as u8, 128, 255])
    });
    DynamicImage::ImageRgba8(img)
}

fn encoded(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let image = picture(width, height);
    let image = if format == ImageFormat::Jpeg {
        DynamicImage::ImageRgb8(image.to_rgb8())
    } else {
        image
    };
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn animated_gif(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut out);
        let frames = (0..2).map(|i| {
            let img = RgbaImage::from_pixel(width, height, image::Rgba([i * 200, 0, 0, 255]));
            Frame::from_parts(img, 0, 0, Delay::from_numer_denom_ms(100, 1))
        });
        encoder.encode_frames(frames).unwrap();
    }
    out
}

fn dimensions_of(rendered: &Rendered) -> (u32, u32) {
    let image = image::load_from_memory(&rendered.bytes).unwrap();
    (image.width(), image.height())
}

const TYPES: [(&str, ImageFormat); 4] = [
    ("image/png", ImageFormat::Png),
    ("image/jpeg", ImageFormat::Jpeg),
    ("image/gif", ImageFormat::Gif),
    ("image/webp", ImageFormat::WebP),
];

#[test]
fn requests_round_up_to_the_size_set() {
    assert_eq!(round_up(1, 1, Method::Crop), size(32, 32, Method::Crop));
    assert_eq!(round_up(32, 32, Method::Crop), size(32, 32, Method::Crop));
    assert_eq!(round_up(33, 20, Method::Crop), size(96, 96, Method::Crop));
    assert_eq!(
        round_up(100, 100, Method::Crop),
        size(320, 240, Method::Scale)
    );
    assert_eq!(
        round_up(10, 10, Method::Scale),
        size(320, 240, Method::Scale)
    );
    assert_eq!(
        round_up(321, 100, Method::Scale),
        size(640, 480, Method::Scale)
    );
    assert_eq!(
        round_up(640, 481, Method::Scale),
        size(800, 600, Method::Scale)
    );
    assert_eq!(
        round_up(5000, 5000, Method::Scale),
        size(800, 600, Method::Scale)
    );
}

#[test]
fn scale_fits_inside_keeps_aspect_and_never_grows() {
    assert_eq!(scale_dimensions((1000, 500), (320, 240)), (320, 160));
    assert_eq!(scale_dimensions((500, 1000), (320, 240)), (120, 240));
    assert_eq!(scale_dimensions((100, 50), (320, 240)), (100, 50));
    assert_eq!(scale_dimensions((10_000, 1), (320, 240)), (320, 1));
}

#[test]
fn crop_fills_the_box_centred_and_never_grows() {
    let plan = |resize_to, rect| CropPlan { resize_to, rect };
    assert_eq!(
        crop_plan((1000, 500), (96, 96)),
        plan(Some((192, 96)), (48, 0, 96, 96))
    );
    assert_eq!(
        crop_plan((500, 1000), (32, 32)),
        plan(Some((32, 64)), (0, 16, 32, 32))
    );
    // Too narrow to fill without growing: the box's shape cut from the source as is.
    assert_eq!(crop_plan((100, 20), (32, 32)), plan(None, (40, 0, 20, 20)));
}

#[test]
fn every_type_renders_scale_and_crop_at_the_right_dimensions() {
    for (content_type, format) in TYPES {
        let bytes = encoded(1000, 500, format);
        let scaled =
            match render(&bytes, content_type, size(320, 240, Method::Scale), false).unwrap() {
                Outcome::Rendered(r) => r,
                Outcome::Original => panic!("{content_type}: a large image must be rendered"),
            };
        assert_eq!((scaled.width, scaled.height), (320, 160), "{content_type}");
        assert_eq!(dimensions_of(&scaled), (320, 160), "{content_type}");
        let cropped = match render(&bytes, content_type, size(96, 96, Method::Crop), false).unwrap()
        {
            Outcome::Rendered(r) => r,
            Outcome::Original => panic!("{content_type}: a large image must be rendered"),
        };
        assert_eq!(dimensions_of(&cropped), (96, 96), "{content_type}");
        let expected_type = if content_type == "image/jpeg" {
            "image/jpeg"
        } else {
            "image/png"
        };
        assert_eq!(cropped.content_type, expected_type);
    }
}

#[test]
fn small_static_images_are_served_as_they_are() {
    let bytes = encoded(20, 10, ImageFormat::Png);
    assert!(matches!(
        render(&bytes, "image/png", size(320, 240, Method::Scale), false).unwrap(),
        Outcome::Original
    ));
    // A small GIF may be animated: without `animated` it is re-encoded, at its own size.
    let gif = animated_gif(20, 10);
    match render(&gif, "image/gif", size(320, 240, Method::Scale), false).unwrap() {
        Outcome::Rendered(r) => {
            assert_eq!((dimensions_of(&r), r.content_type), ((20, 10), "image/png"))
        }
        Outcome::Original => panic!("an animated original must not be served when animated=false"),
    }
    assert!(matches!(
        render(&gif, "image/gif", size(320, 240, Method::Scale), true).unwrap(),
        Outcome::Original
    ));
}

#[test]
fn large_animated_gifs_become_their_first_frame() {
    let gif = animated_gif(400, 400);
    match render(&gif, "image/gif", size(96, 96, Method::Crop), true).unwrap() {
        Outcome::Rendered(r) => assert_eq!(dimensions_of(&r), (96, 96)),
        Outcome::Original => panic!("too large to serve as is"),
    }
}

#[test]
fn content_type_parameters_and_case_do_not_matter() {
    assert!(is_thumbnailable("Image/PNG; foo=bar"));
    let bytes = encoded(100, 100, ImageFormat::Jpeg);
    match render(&bytes, "IMAGE/JPEG; q=1", SIZES[0], false).unwrap() {
        Outcome::Rendered(r) => assert_eq!(r.content_type, "image/jpeg"),
        Outcome::Original => panic!("a 100x100 image does not fit 32x32"),
    }
}

#[test]
fn non_images_and_garbage_are_refused() {
    assert!(matches!(
        render(b"hello", "text/plain", SIZES[0], false),
        Err(ThumbnailError::Unsupported(_))
    ));
    assert!(matches!(
        render(b"not a png", "image/png", SIZES[0], false),
        Err(ThumbnailError::Decode(_))
    ));
}
