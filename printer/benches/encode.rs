//! How long encoding one ticket takes (target: well under 50 µs).

use criterion::{Criterion, criterion_group, criterion_main};
use printer::{KoreanText, LayoutOptions, Paper, Ticket};
use qrorder_shared::stream::{
    ORDER_PAYLOAD_SCHEMA, OrderPayload, OrderPayloadItem, OrderPayloadOption,
};
use qrorder_shared::{LocalizedText, MenuItemId, RestaurantId};

fn ticket() -> Ticket {
    let item = |name: &str, en: &str, qty| OrderPayloadItem {
        menu_item_id: MenuItemId(1),
        name: LocalizedText::new(&[("ko", name), ("en", en)]),
        qty,
        options: vec![OrderPayloadOption {
            group: LocalizedText::new(&[("ko", "맵기")]),
            option: LocalizedText::new(&[("ko", "보통")]),
        }],
        note: Some("양파 빼주세요".into()),
        station: "kitchen".into(),
    };
    Ticket::new(
        OrderPayload {
            schema: ORDER_PAYLOAD_SCHEMA,
            restaurant_id: RestaurantId(1),
            order_id: 1,
            number: 17,
            table_name: "창가 3".into(),
            placed_at: 1_714_532_640_000,
            items: vec![
                item("비빔밥", "Bibimbap", 2),
                item("김치찌개", "Kimchi stew", 1),
                item("Fries", "Fries", 3),
                item("불고기", "Bulgogi", 1),
            ],
        },
        "kitchen",
        "kds-1",
        false,
    )
}

fn bench(c: &mut Criterion) {
    let t = ticket();
    for (name, korean) in [
        ("codepage", KoreanText::CodePage),
        ("raster", KoreanText::Raster),
    ] {
        let opts = LayoutOptions {
            paper: Paper::Mm80,
            korean,
            ..LayoutOptions::default()
        };
        c.bench_function(&format!("encode 4-item ticket ({name})"), |b| {
            b.iter(|| t.encode(std::hint::black_box(&opts)))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
