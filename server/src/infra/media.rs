//! Uploaded images: checked to be real PNG or JPEG images of sane size,
//! stored under the media folder with random names, served at `/media/`.

use std::io::Cursor;
use std::path::Path;

use axum::http::StatusCode;
use image::{ImageFormat, ImageReader, Limits};
use rand::RngCore;

use crate::http::error::{ApiError, ApiResult};

/// Largest width or height accepted, in pixels.
const MAX_SIDE: u32 = 4096;

/// Decodes `bytes` completely (not only the magic number) to prove it is an
/// image we can show, and returns the file extension to store it under.
pub fn check_image(bytes: &[u8]) -> ApiResult<&'static str> {
    let format = image::guess_format(bytes).map_err(|_| unsupported())?;
    let ext = match format {
        ImageFormat::Png => "png",
        ImageFormat::Jpeg => "jpg",
        _ => return Err(unsupported()),
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(128 * 1024 * 1024);
    reader.limits(limits);
    reader.decode().map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_image",
            format!("the file is not a readable {ext} image of at most {MAX_SIDE}×{MAX_SIDE} pixels: {e}"),
        )
    })?;
    Ok(ext)
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
