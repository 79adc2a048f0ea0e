//! What comes out of the printer: content, Korean, REPRINT, PNG.

use printer::emulator::Model;
use printer::{KoreanText, LayoutOptions, Paper};

use crate::support::*;

#[tokio::test]
async fn korean_and_english_ticket_prints_with_table_number_items_options_notes_and_cut() {
    let vp = virtual_printer(Model::default()).await;
    let receipt = client(&vp, LayoutOptions::default())
        .print(&ticket())
        .await
        .expect("confirmed print");
    assert!(
        receipt.process_id.is_some(),
        "confirmed by the process-ID reply"
    );

    let list = tickets(&vp).await;
    assert_eq!(list.len(), 1);
    let t = &list[0];
    let text = t["text"].as_str().expect("text");
    assert_eq!(t["table"], "창가 7", "{text}");
    assert_eq!(t["order_number"], 42, "{text}");
    for expected in [
        "2 x 비빔밥",
        "- 맵기: 순한맛",
        "NOTE: 계란 빼주세요",
        "1 x French Fries",
        "- Size: Large",
        "NOTE: extra crispy",
        "2024-05-01 12:04",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    assert!(
        !text.contains("맥주"),
        "bar items stay off the kitchen ticket:\n{text}"
    );
    assert!(!text.contains("REPRINT"));
    let lines = t["lines"].as_array().expect("lines");
    let note = lines
        .iter()
        .find(|l| {
            l["text"]
                .as_str()
                .is_some_and(|s| s.starts_with("NOTE: 계란"))
        })
        .expect("note line");
    assert_eq!(note["reverse"], true, "notes are highlighted");
    let table = lines
        .iter()
        .find(|l| l["text"] == "창가 7")
        .expect("table line");
    assert_eq!(table["double_width"], true, "the table name is big");
    let png = std::path::PathBuf::from(t["png"].as_str().expect("png path"));
    let img = image::open(&png).expect("a readable PNG").to_luma8();
    assert_eq!(img.width(), 576);
    assert!(img.height() > 300, "a ticket-sized picture");
    assert!(img.pixels().any(|p| p.0[0] == 0), "with ink on it");
    // "cut": the ticket was only recorded because the cut arrived.
    assert!(std::path::Path::new(t["txt"].as_str().expect("txt")).exists());
}

#[tokio::test]
async fn reprint_flag_prints_a_banner() {
    let vp = virtual_printer(Model::default()).await;
    let mut t = ticket();
    t.reprint = true;
    client(&vp, LayoutOptions::default())
        .print(&t)
        .await
        .expect("confirmed");
    let list = tickets(&vp).await;
    let lines = list[0]["lines"].as_array().expect("lines");
    let banners: Vec<_> = lines
        .iter()
        .filter(|l| l["text"].as_str().map(str::trim) == Some("REPRINT"))
        .collect();
    assert_eq!(banners.len(), 2, "top and bottom: {lines:#?}");
    assert!(
        banners
            .iter()
            .all(|l| l["reverse"] == true && l["double_width"] == true)
    );
}

#[tokio::test]
async fn korean_goes_as_raster_images_to_a_printer_without_korean() {
    let vp = virtual_printer(Model {
        korean: false,
        ..Model::default()
    })
    .await;
    let layout = LayoutOptions {
        korean: KoreanText::Raster,
        ..LayoutOptions::default()
    };
    client(&vp, layout)
        .print(&ticket())
        .await
        .expect("confirmed");
    let text = only_ticket_text(&vp).await;
    // English lines stay text; every line with Hangul is a picture.
    assert!(text.contains("1 x French Fries"), "{text}");
    assert!(text.contains("NOTE: extra crispy"), "{text}");
    assert!(!text.chars().any(|c| ('가'..='힣').contains(&c)), "{text}");
    assert!(!text.contains('\u{FFFD}'), "no garbage characters:\n{text}");
    let images = text
        .lines()
        .filter(|l| l.starts_with("[image 576x"))
        .count();
    // table, item, option, note
    assert_eq!(images, 4, "{text}");
}

#[tokio::test]
async fn korean_code_page_on_a_printer_without_it_is_garbage_which_is_why_raster_exists() {
    let vp = virtual_printer(Model {
        korean: false,
        ..Model::default()
    })
    .await;
    client(&vp, LayoutOptions::default())
        .print(&ticket())
        .await
        .expect("confirmed");
    let text = only_ticket_text(&vp).await;
    assert!(!text.contains("비빔밥"));
    assert!(text.contains('\u{FFFD}'));
}

#[tokio::test]
async fn tickets_for_58_and_80_mm_fill_their_paper_without_wrapping() {
    for (paper, cols) in [
        (Paper::Mm58, 32),
        (Paper::Mm80Cols42, 42),
        (Paper::Mm80, 48),
    ] {
        let vp = virtual_printer(Model {
            width_dots: paper.width_dots(),
            ..Model::default()
        })
        .await;
        let layout = LayoutOptions {
            paper,
            ..LayoutOptions::default()
        };
        let mut t = ticket();
        t.order.items[0].note =
            Some("손님이 알레르기가 있어요 땅콩 절대 넣지 마세요 부탁드립니다".into());
        client(&vp, layout).print(&t).await.expect("confirmed");
        let list = tickets(&vp).await;
        let lines = list[0]["lines"].as_array().expect("lines");
        for l in lines {
            assert_eq!(
                l["wrapped"], false,
                "{cols} columns: the printer had to wrap {l}"
            );
            assert!(l["columns"].as_u64().expect("columns") <= cols, "{l}");
        }
        let rule = "-".repeat(cols as usize);
        assert!(
            lines.iter().any(|l| l["text"] == rule.as_str()),
            "a full-width rule on {cols}"
        );
    }
}
