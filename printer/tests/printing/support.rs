//! Shared test fixtures: orders, a virtual printer on free ports, a tiny
//! HTTP client for its control port.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use printer::emulator::Model;
use printer::emulator::server::{Config, VirtualPrinter};
use printer::{Confirm, LayoutOptions, Printer, PrinterConfig, Timeouts};
use qrorder_shared::stream::{
    ORDER_PAYLOAD_SCHEMA, OrderPayload, OrderPayloadItem, OrderPayloadOption,
};
use qrorder_shared::{LocalizedText, MenuItemId, RestaurantId};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub fn order() -> OrderPayload {
    OrderPayload {
        schema: ORDER_PAYLOAD_SCHEMA,
        restaurant_id: RestaurantId(1),
        order_id: 9001,
        number: 42,
        table_name: "창가 7".into(),
        // 2024-05-01 12:04 in Seoul
        placed_at: 1_714_532_640_000,
        items: vec![
            OrderPayloadItem {
                menu_item_id: MenuItemId(1),
                name: LocalizedText::new(&[("ko", "비빔밥"), ("en", "Bibimbap")]),
                qty: 2,
                options: vec![OrderPayloadOption {
                    group: LocalizedText::new(&[("ko", "맵기"), ("en", "Spice")]),
                    option: LocalizedText::new(&[("ko", "순한맛"), ("en", "Mild")]),
                }],
                note: Some("계란 빼주세요".into()),
                station: "kitchen".into(),
            },
            OrderPayloadItem {
                menu_item_id: MenuItemId(2),
                name: LocalizedText::new(&[("en", "French Fries")]),
                qty: 1,
                options: vec![OrderPayloadOption {
                    group: LocalizedText::new(&[("en", "Size")]),
                    option: LocalizedText::new(&[("en", "Large")]),
                }],
                note: Some("extra crispy".into()),
                station: "kitchen".into(),
            },
            OrderPayloadItem {
                menu_item_id: MenuItemId(3),
                name: LocalizedText::new(&[("ko", "맥주"), ("en", "Beer")]),
                qty: 3,
                options: vec![],
                note: None,
                station: "bar".into(),
            },
        ],
    }
}

pub fn ticket() -> printer::Ticket {
    printer::Ticket::new(order(), "kitchen", "kds-1", false)
}

pub fn out_dir() -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "qrorder-printer-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

pub async fn virtual_printer(model: Model) -> VirtualPrinter {
    let any: SocketAddr = "127.0.0.1:0".parse().expect("address");
    VirtualPrinter::start(Config {
        listen: any,
        control: any,
        out_dir: out_dir(),
        model,
    })
    .await
    .expect("virtual printer starts")
}

/// Short bounds so failure tests are fast.
pub fn timeouts() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(1),
        write: Duration::from_secs(1),
        read: Duration::from_millis(500),
        confirm: Duration::from_secs(3),
    }
}

pub fn client(vp: &VirtualPrinter, layout: LayoutOptions) -> Printer {
    Printer::open(
        &format!("tcp://{}", vp.printer_addr),
        PrinterConfig {
            timeouts: timeouts(),
            confirm: Confirm::ProcessId,
            layout,
        },
    )
    .expect("printer address parses")
}

/// One HTTP request to the control port; returns status and JSON body.
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: &str,
) -> (u16, serde_json::Value) {
    let io = async {
        let mut s = tokio::net::TcpStream::connect(addr).await?;
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        s.write_all(req.as_bytes()).await?;
        let mut out = String::new();
        s.read_to_string(&mut out).await?;
        Ok::<_, std::io::Error>(out)
    };
    let text = tokio::time::timeout(Duration::from_secs(5), io)
        .await
        .expect("control port answers in time")
        .expect("control port answers");
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP response");
    let code = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status code");
    (code, serde_json::from_str(body).expect("a JSON body"))
}

pub async fn set_state(vp: &VirtualPrinter, json: &str) {
    let (code, _) = http(vp.control_addr, "POST", "/state", json).await;
    assert_eq!(code, 200);
}

pub async fn tickets(vp: &VirtualPrinter) -> Vec<serde_json::Value> {
    let (code, body) = http(vp.control_addr, "GET", "/tickets", "").await;
    assert_eq!(code, 200);
    body.as_array().expect("a list").clone()
}

/// The printed text of the one ticket printed so far.
pub async fn only_ticket_text(vp: &VirtualPrinter) -> String {
    let t = tickets(vp).await;
    assert_eq!(t.len(), 1, "exactly one ticket printed: {t:#?}");
    t[0]["text"].as_str().expect("text").to_owned()
}

/// Wait for a condition on the virtual printer, bounded.
pub async fn eventually<F: Fn() -> bool>(what: &str, f: F) {
    let wait = async {
        while !f() {
            tokio::task::yield_now().await;
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(5), wait)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"));
}
