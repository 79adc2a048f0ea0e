use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{expect_error, expect_status};
use crate::on_both_backends;

/// Every QR code rqrr finds in the image, decoded.
fn decode_all(img: image::GrayImage) -> Vec<String> {
    let mut prepared = rqrr::PreparedImage::prepare(img);
    prepared
        .detect_grids()
        .iter()
        .map(|g| g.decode().expect("a readable code").1)
        .collect()
}

on_both_backends! {
    async fn a_tables_qr_png_decodes_to_its_public_url(app: TestApp) {
        let table = &app.seed.tables[0];
        let res = app.admin(Method::GET, &format!("/tables/{}/qr.png", table.id), &app.owner).send().await.expect("r");
        assert_eq!(res.headers()["content-type"], "image/png");
        let bytes = res.bytes().await.expect("bytes");
        let img = image::load_from_memory(&bytes).expect("png").to_luma8();
        assert_eq!(decode_all(img), vec![format!("http://qr.test/t/{}", table.token)]);

        let res = app.admin(Method::GET, &format!("/tables/{}/qr.svg", table.id), &app.owner).send().await.expect("r");
        assert_eq!(res.headers()["content-type"], "image/svg+xml");
        assert!(res.text().await.expect("svg").contains("<svg"));
    }

    async fn rotating_a_token_changes_the_url_and_voids_the_old_one(app: TestApp) {
        let table = &app.seed.tables[1];
        let res = app.admin(Method::POST, &format!("/tables/{}/rotate-token", table.id), &app.owner).send().await.expect("r");
        let rotated = expect_status(res, StatusCode::OK).await;
        let token = rotated["token"].as_str().expect("token");
        assert_ne!(token, table.token);
        assert_eq!(token.len(), 32, "128 bits in hex");
        assert_eq!(rotated["url"], format!("http://qr.test/t/{token}"));
        let all = app.get_json("/tables", &app.owner).await;
        assert!(!all.to_string().contains(&table.token), "the old token is gone");
    }

    async fn tables_are_created_renamed_and_names_stay_unique(app: TestApp) {
        let res = app.admin(Method::POST, "/tables", &app.owner).json(&json!({ "name": "Terrace 1" })).send().await.expect("r");
        let t = expect_status(res, StatusCode::CREATED).await;
        assert_eq!(t["active"], true);
        let res = app.admin(Method::POST, "/tables", &app.owner).json(&json!({ "name": "Terrace 1" })).send().await.expect("r");
        expect_error(res, StatusCode::CONFLICT, "name_taken").await;
        let res = app.admin(Method::PATCH, &format!("/tables/{}", t["id"]), &app.owner)
            .json(&json!({ "name": "Table 1" })).send().await.expect("r");
        expect_error(res, StatusCode::CONFLICT, "name_taken").await;
        let res = app.admin(Method::PATCH, &format!("/tables/{}", t["id"]), &app.owner)
            .json(&json!({ "active": false })).send().await.expect("r");
        assert_eq!(expect_status(res, StatusCode::OK).await["active"], false);
        let other = app.other_restaurant().await;
        let res = app.admin(Method::DELETE, &format!("/tables/{}", t["id"]), &other).send().await.expect("r");
        expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
        let res = app.admin(Method::DELETE, &format!("/tables/{}", t["id"]), &app.owner).send().await.expect("r");
        expect_status(res, StatusCode::NO_CONTENT).await;
    }

    async fn the_qr_sheet_pdf_renders_and_each_code_decodes_to_its_table(app: TestApp) {
        // A Korean name, and one in Latin with an accent, print as written.
        let mut tables: Vec<(String, String)> = app.seed.tables.iter().map(|t| (t.name.clone(), t.url.clone())).collect();
        for name in ["창가 3", "Café terrasse"] {
            let res = app.admin(Method::POST, "/tables", &app.owner).json(&json!({ "name": name })).send().await.expect("post");
            let table = expect_status(res, StatusCode::CREATED).await;
            tables.push((name.to_owned(), table["url"].as_str().expect("url").to_owned()));
        }
        let res = app.admin(Method::GET, "/tables/qr-sheet.pdf", &app.owner).send().await.expect("r");
        assert_eq!(res.headers()["content-type"], "application/pdf");
        let pdf = res.bytes().await.expect("pdf");
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("sheet.pdf");
        std::fs::write(&path, &pdf).expect("write");
        let status = std::process::Command::new("pdftoppm")
            .args(["-r", "200", "-gray", "-png"]).arg(&path).arg(dir.path().join("page"))
            .status().expect("pdftoppm is installed (poppler-utils)");
        assert!(status.success(), "pdftoppm renders the sheet");
        let text = std::process::Command::new("pdftotext").arg(&path).arg("-").output().expect("pdftotext is installed (poppler-utils)");
        let text = String::from_utf8(text.stdout).expect("utf-8");
        for (name, _) in &tables {
            assert!(text.contains(name.as_str()), "{name:?} is on the sheet: {text}");
        }
        let mut pages: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").filter_map(Result::ok)
            .map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "png")).collect();
        pages.sort();
        assert_eq!(pages.len(), tables.len().div_ceil(6), "six tables a page");
        // rqrr reads one code an image best: cut each page into its 2×3
        // cells (below the 60 pt title) and decode every cell.
        let mut found = Vec::new();
        for page in pages {
            let img = image::open(page).expect("page png").to_luma8();
            let (w, h) = img.dimensions();
            let top = h * 60 / 842;
            let (cell_w, cell_h) = (w / 2, (h - top) / 3);
            for i in 0..6 {
                let (x, y) = ((i % 2) * cell_w, top + (i / 2) * cell_h);
                let cell = image::imageops::crop_imm(&img, x, y, cell_w, cell_h).to_image();
                found.extend(decode_all(cell));
            }
        }
        found.sort();
        let mut expected: Vec<String> = tables.iter().map(|(_, url)| url.clone()).collect();
        expected.sort();
        assert_eq!(found, expected);
    }
}
