//! Uploaded images: checked to be real PNG or JPEG images of sane size,
//! made a sensible size for a phone (a photo straight from a camera is
//! scaled down, never cropped), stored under the media folder with random
//! names, served at `/media/`.

use std::io::Cursor;
use std::path::Path;

use axum::http::StatusCode;
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use rand::RngCore;

use crate::http::error::{ApiError, ApiResult};

/// Largest width or height accepted, in pixels.
const MAX_SIDE: u32 = 4096;

/// The longest side an image is kept at: sharp on any phone's menu card
/// and sheet, a fraction of a camera photo's weight.
pub const DISPLAY_SIDE: u32 = 1280;

/// Decodes `bytes` completely (not only the magic number) to prove it is an
/// image we can show, and returns what to store: a PNG as it is when it is
/// already small and upright, else the picture turned upright (the
/// camera's orientation tag) and scaled to fit [`DISPLAY_SIDE`], as a JPEG
/// (transparency on white) — every JPEG so, which drops the camera's
/// metadata.
pub fn prepare_image(bytes: &[u8]) -> ApiResult<(Vec<u8>, &'static str)> {
    let format = image::guess_format(bytes).map_err(|_| unsupported())?;
    let ext = match format {
        ImageFormat::Png => "png",
        ImageFormat::Jpeg => "jpg",
        _ => return Err(unsupported()),
    };
    let unreadable = |e: image::ImageError| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_image",
            format!(
                "the file is not a readable {ext} image of at most {MAX_SIDE}×{MAX_SIDE} pixels: {e}"
            ),
        )
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(128 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let orientation = decoder.orientation().map_err(unreadable)?;
    let mut picture = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    let upright = orientation == Orientation::NoTransforms;
    // A JPEG is always written again: a camera's metadata (its GPS fix
    // among it) must not be published with the dish.
    if format == ImageFormat::Png
        && upright
        && picture.width().max(picture.height()) <= DISPLAY_SIDE
    {
        return Ok((bytes.to_vec(), ext));
    }
    picture.apply_orientation(orientation);
    if picture.width().max(picture.height()) > DISPLAY_SIDE {
        picture = picture.resize(DISPLAY_SIDE, DISPLAY_SIDE, FilterType::Triangle);
    }
    let rgba = picture.to_rgba8();
    // Transparent pixels over white, as the page's card background.
    let rgb = image::RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over = |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
        image::Rgb([over(r), over(g), over(b)])
    });
    let mut out = Cursor::new(Vec::new());
    JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&rgb)
        .map_err(ApiError::internal)?;
    Ok((out.into_inner(), "jpg"))
}

fn unsupported() -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_image_type",
        "upload a PNG or JPEG image",
    )
}

/// Writes the image under `dir/sub/` with a random name; returns the path
/// relative to the media folder (what `/media/` serves).
pub async fn store(dir: &Path, sub: &str, bytes: &[u8], ext: &str) -> ApiResult<String> {
    let mut name = [0u8; 16];
    rand::rng().fill_bytes(&mut name);
    let relative = format!("{sub}/{}.{ext}", hex::encode(name));
    let folder = dir.join(sub);
    tokio::fs::create_dir_all(&folder)
        .await
        .map_err(ApiError::internal)?;
    // Write then rename, so a half-written file is never served.
    let tmp = dir.join(format!("{relative}.part"));
    tokio::fs::write(&tmp, bytes)
        .await
        .map_err(ApiError::internal)?;
    tokio::fs::rename(&tmp, dir.join(&relative))
        .await
        .map_err(ApiError::internal)?;
    Ok(relative)
}

/// Removes a stored file; a file already gone is fine.
pub async fn remove(dir: &Path, relative: &str) {
    if relative.contains("..") {
        return;
    }
    if let Err(e) = tokio::fs::remove_file(dir.join(relative)).await
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(error = %e, file = relative, "could not remove an old media file");
    }
}

pub fn url(relative: &str) -> String {
    format!("/media/{relative}")
}
