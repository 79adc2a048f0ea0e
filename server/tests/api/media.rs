use std::io::Cursor;

use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};

use crate::helpers::{TestApp, expect_error, expect_status};
use crate::on_both_backends;

fn picture(format: image::ImageFormat) -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 5) as u8, 128])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).expect("encode");
    out.into_inner()
}

async fn upload(app: &TestApp, bytes: Vec<u8>, file_name: &str, mime: &str) -> reqwest::Response {
    let part = Part::bytes(bytes)
        .file_name(file_name.to_owned())
        .mime_str(mime)
        .expect("mime");
    app.admin(Method::POST, "/menu-items/1/image", &app.owner)
        .multipart(Form::new().part("image", part))
        .send()
        .await
        .expect("upload")
}

on_both_backends! {
    async fn a_real_png_and_jpeg_round_trip_through_media(app: TestApp) {
        for (format, name, mime) in [(image::ImageFormat::Png, "dish.png", "image/png"), (image::ImageFormat::Jpeg, "dish.jpg", "image/jpeg")] {
            let bytes = picture(format);
            let item = expect_status(upload(&app, bytes.clone(), name, mime).await, StatusCode::OK).await;
            let url = item["image_url"].as_str().expect("image_url");
            assert!(url.starts_with("/media/menu/"), "{url}");
            let served = app.client.get(app.url(url)).send().await.expect("get image");
            assert_eq!(served.status(), StatusCode::OK);
            let served = served.bytes().await.expect("bytes");
            if format == image::ImageFormat::Png {
                assert_eq!(served.as_ref(), bytes.as_slice(), "a small PNG is kept as sent");
            } else {
                let back = image::load_from_memory(&served).expect("decodable");
                assert_eq!((back.width(), back.height()), (64, 48));
            }
        }
    }

    async fn a_jpegs_camera_metadata_is_not_published(app: TestApp) {
        // A JPEG with an EXIF segment (APP1, "Exif", a big-endian TIFF
        // header and one empty directory) right after its start marker.
        let plain = picture(image::ImageFormat::Jpeg);
        let tiff = b"MM\x00\x2a\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00";
        let mut app1 = b"Exif\x00\x00".to_vec();
        app1.extend_from_slice(tiff);
        let length = u16::try_from(app1.len() + 2).expect("short");
        let mut with_exif = vec![0xFF, 0xD8, 0xFF, 0xE1];
        with_exif.extend_from_slice(&length.to_be_bytes());
        with_exif.extend_from_slice(&app1);
        with_exif.extend_from_slice(&plain[2..]);
        let item = expect_status(upload(&app, with_exif, "dish.jpg", "image/jpeg").await, StatusCode::OK).await;
        let url = item["image_url"].as_str().expect("image_url");
        let served = app.client.get(app.url(url)).send().await.expect("get").bytes().await.expect("bytes");
        assert!(!served.windows(4).any(|w| w == b"Exif"), "the EXIF segment is gone");
        image::load_from_memory(&served).expect("still a picture");
    }

    async fn media_is_served_with_nosniff_so_appended_html_stays_an_image(app: TestApp) {
        // The attack pass's file: a real PNG with a page after its end.
        let mut polyglot = picture(image::ImageFormat::Png);
        polyglot.extend_from_slice(b"<html><script>alert(document.domain)</script></html>");
        let item = expect_status(upload(&app, polyglot, "dish.png", "image/png").await, StatusCode::OK).await;
        let url = item["image_url"].as_str().expect("image_url");
        let served = app.client.get(app.url(url)).send().await.expect("get image");
        assert_eq!(served.status(), StatusCode::OK);
        let header = |name: &str| served.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        assert_eq!(header("content-type").as_deref(), Some("image/png"));
        assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"), "{:?}", served.headers());
        // And should a browser open it as a document, it runs nothing.
        assert_eq!(header("content-security-policy").as_deref(), Some("default-src 'none'; sandbox"));
    }

    async fn a_camera_sized_photo_is_stored_scaled_to_fit_never_cropped(app: TestApp) {
        // 3000×2000, in stripes that compress well (the upload limit is 2 MiB).
        let img = image::RgbImage::from_fn(3000, 2000, |x, _| if (x / 250) % 2 == 0 { image::Rgb([200, 40, 40]) } else { image::Rgb([40, 140, 60]) });
        let mut bytes = Cursor::new(Vec::new());
        img.write_to(&mut bytes, image::ImageFormat::Png).expect("encode");
        let item = expect_status(upload(&app, bytes.into_inner(), "big.png", "image/png").await, StatusCode::OK).await;
        let url = item["image_url"].as_str().expect("image_url");
        assert!(url.ends_with(".jpg"), "stored as a JPEG: {url}");
        let served = app.client.get(app.url(url)).send().await.expect("get").bytes().await.expect("bytes");
        let stored = image::load_from_memory(&served).expect("decodable");
        assert_eq!((stored.width(), stored.height()), (1280, 853), "the longest side fits 1280, the shape kept");
        // The stripes are still where they were: scaled, not cropped.
        let rgb = stored.to_rgb8();
        assert!(rgb.get_pixel(10, 400)[0] > 150 && rgb.get_pixel(1270, 400)[1] > 100, "first stripe red, last green");
    }

    async fn a_file_that_is_not_an_image_is_refused(app: TestApp) {
        let res = upload(&app, b"<html>hello</html>".to_vec(), "dish.png", "image/png").await;
        expect_error(res, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_image_type").await;
        // The right magic number on a broken body is caught by decoding it.
        let mut broken = picture(image::ImageFormat::Png);
        broken.truncate(40);
        let res = upload(&app, broken, "dish.png", "image/png").await;
        expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_image").await;
        let item = app.get_json("/menu-items/1", &app.owner).await;
        assert!(item["image_url"].is_null(), "no image was attached: {item}");
    }

    async fn an_image_over_the_size_limit_is_413(app: TestApp) {
        let mut big = picture(image::ImageFormat::Png);
        big.resize(app.config.image_limit_bytes + 100_000, 0);
        let res = upload(&app, big, "big.png", "image/png").await;
        expect_error(res, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large").await;
        let res = app.admin(Method::POST, "/menu-items/1/image", &app.owner).send().await.expect("r");
        expect_error(res, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    }
}
