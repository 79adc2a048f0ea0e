//! The ws role with real sockets and real Redis: shared carts across
//! sockets and instances, presence, gaps and Redis restarts, bad input,
//! ordering from the cart, and events from the admin API.

use std::process::Stdio;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use qrorder_shared::MenuItemId;
use qrorder_shared::ws::{CartLine, CartOp, ClientMessage, Participant, ServerMessage};
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::{Backend, OwnRedis, TestApp, expect_error, expect_status, random_suffix};
use crate::on_both_backends;

const WAIT: Duration = Duration::from_secs(5);

/// A diner's page, reduced to its protocol: it keeps the cart it was told
/// about, applies ops in version order and asks for a snapshot on a gap.
pub struct Diner {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pub version: u64,
    pub lines: Vec<CartLine>,
    pub participants: Vec<Participant>,
    pub events: Vec<ServerMessage>,
    pub gaps: usize,
}

impl Diner {
    pub async fn connect(base: &str, token: &str, client_id: &str, nickname: &str) -> Diner {
        let url = format!("{}/ws/tables/{token}", base.replacen("http", "ws", 1));
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("websocket connects");
        let mut d = Diner {
            ws,
            version: 0,
            lines: Vec::new(),
            participants: Vec::new(),
            events: Vec::new(),
            gaps: 0,
        };
        d.send(&ClientMessage::Hello {
            client_id: client_id.into(),
            nickname: Some(nickname.into()),
            last_version: None,
        })
        .await;
        d.until(|d| {
            d.events
                .iter()
                .any(|e| matches!(e, ServerMessage::Cart { .. }))
        })
        .await;
        d
    }

    pub async fn send(&mut self, m: &ClientMessage) {
        self.send_text(serde_json::to_string(m).expect("json"))
            .await;
    }

    pub async fn send_text(&mut self, text: String) {
        self.ws
            .send(Message::Text(text.into()))
            .await
            .expect("send");
    }

    /// Reads and applies messages until `done` holds (at most `WAIT`).
    pub async fn until(&mut self, done: impl Fn(&Diner) -> bool) {
        tokio::time::timeout(WAIT, async {
            while !done(self) {
                let msg = self.ws.next().await.expect("socket open").expect("frame");
                let Message::Text(text) = msg else { continue };
                let m: ServerMessage = serde_json::from_str(&text).expect("a server message");
                self.apply(&m).await;
                self.events.push(m);
            }
        })
        .await
        .unwrap_or_else(|_| {
            panic!(
                "condition not reached in {WAIT:?}; events: {:?}",
                self.events
            )
        });
    }

    async fn apply(&mut self, m: &ServerMessage) {
        match m {
            ServerMessage::Cart {
                version,
                lines,
                participants,
            } => {
                self.version = *version;
                self.lines = lines.clone();
                self.participants = participants.clone();
            }
            ServerMessage::Participants { participants } => {
                self.participants = participants.clone()
            }
            ServerMessage::CartOp { version, op } if *version == self.version + 1 => {
                self.version = *version;
                match op {
                    CartOp::Add { line } => self.lines.push(line.clone()),
                    CartOp::SetQty { line_id, qty } => self
                        .lines
                        .iter_mut()
                        .filter(|l| &l.line_id == line_id)
                        .for_each(|l| l.qty = *qty),
                    CartOp::SetNote { line_id, note } => self
                        .lines
                        .iter_mut()
                        .filter(|l| &l.line_id == line_id)
                        .for_each(|l| l.note = note.clone()),
                    CartOp::Remove { line_id } => self.lines.retain(|l| &l.line_id != line_id),
                    CartOp::Clear => self.lines.clear(),
                }
            }
            ServerMessage::CartOp { version, .. } if *version > self.version + 1 => {
                self.gaps += 1;
                self.send(&ClientMessage::Sync).await;
            }
            _ => {}
        }
    }

    fn last_error(&self) -> Option<&str> {
        self.events.iter().rev().find_map(|e| match e {
            ServerMessage::Error { code, .. } => Some(code.as_str()),
            _ => None,
        })
    }

    fn errors(&self) -> usize {
        self.events
            .iter()
            .filter(|e| matches!(e, ServerMessage::Error { .. }))
            .count()
    }
}

fn add(item: i64, qty: u32) -> ClientMessage {
    ClientMessage::Add {
        item_id: MenuItemId(item),
        options: Default::default(),
        qty,
        note: None,
    }
}

/// The cart as Redis holds it.
async fn cart_in_redis(app: &TestApp, table: usize) -> qrorder::cart::Cart {
    cart_of(app, &app.table_token(table)).await
}

/// The cart of the table with this code, as Redis holds it.
async fn cart_of(app: &TestApp, token: &str) -> qrorder::cart::Cart {
    let info = app.table_info(token).await;
    let keys = qrorder::infra::keys::Keys::new(&app.config.redis_prefix);
    let cart = qrorder::cart::CartRef::new(
        &keys,
        app.seed.restaurant_id,
        info["visit_id"].as_i64().expect("visit"),
    );
    let redis = qrorder::infra::redis::Redis::new(&app.config.redis_url, None, false).expect("url");
    let mut conn = redis.conn().await.expect("redis");
    cart.load(&mut conn).await.expect("cart")
}

on_both_backends! {
    async fn two_diners_share_one_cart_and_see_each_other(app: TestApp) {
        let token = app.table_token(0);
        let mut a = Diner::connect(&app.base, &token, "alice", "Alice").await;
        let mut b = Diner::connect(&app.base, &token, "bob", "Bob").await;
        a.until(|d| d.participants.len() == 2).await;
        assert_eq!(a.participants.iter().map(|p| p.nickname.as_str()).collect::<Vec<_>>(), ["Alice", "Bob"]);

        let started = std::time::Instant::now();
        a.send(&add(8, 2)).await;
        b.until(|d| d.lines.len() == 1).await;
        assert!(started.elapsed() < Duration::from_secs(1), "seen within a second");
        assert_eq!((b.lines[0].qty, b.lines[0].added_by_name.as_str()), (2, "Alice"));
        let line = b.lines[0].line_id.clone();
        b.send(&ClientMessage::SetQty { line_id: line.clone(), qty: 5 }).await;
        a.until(|d| d.lines.first().is_some_and(|l| l.qty == 5)).await;
        b.send(&ClientMessage::SetNote { line_id: line, note: Some("extra spicy".into()) }).await;
        a.until(|d| d.lines.first().is_some_and(|l| l.note.as_deref() == Some("extra spicy"))).await;
        let redis = cart_in_redis(&app, 0).await;
        assert_eq!((a.version, &a.lines), (redis.version, &redis.lines));

        b.send(&ClientMessage::Rename { nickname: "Bobby".into() }).await;
        a.until(|d| d.participants.iter().any(|p| p.nickname == "Bobby")).await;
        drop(b);
        a.until(|d| d.participants.len() == 1).await;
    }

    async fn bad_input_gets_an_error_and_leaves_the_cart_intact(app: TestApp) {
        let token = app.table_token(1);
        let mut a = Diner::connect(&app.base, &token, "carol", "Carol").await;
        a.send(&add(8, 1)).await;
        a.until(|d| d.lines.len() == 1).await;
        let before = (a.version, a.lines.clone());
        let line = a.lines[0].line_id.clone();
        let cases: Vec<(String, &str)> = vec![
            ("{not json".into(), "invalid_message"),
            (json!({ "type": "explode" }).to_string(), "unknown_type"),
            (serde_json::to_string(&add(8, 0)).expect("json"), "invalid_qty"),
            (serde_json::to_string(&add(8, 1000)).expect("json"), "invalid_qty"),
            (serde_json::to_string(&add(9999, 1)).expect("json"), "unknown_item"),
            (json!({ "type": "add", "item_id": 1, "qty": 1, "options": { "spice": ["lava"] } }).to_string(), "invalid_options"),
            (json!({ "type": "set_qty", "line_id": line, "qty": -3 }).to_string(), "invalid_message"),
            (json!({ "type": "set_qty", "line_id": "L999", "qty": 2 }).to_string(), "no_such_line"),
            (json!({ "type": "add", "item_id": 8, "qty": 1, "note": "x".repeat(5000) }).to_string(), "message_too_large"),
        ];
        for (i, (text, code)) in cases.into_iter().enumerate() {
            a.send_text(text).await;
            a.until(|d| d.errors() == i + 1).await;
            assert_eq!(a.last_error(), Some(code));
        }
        a.send(&ClientMessage::Sync).await;
        let carts = a.events.iter().filter(|e| matches!(e, ServerMessage::Cart { .. })).count();
        a.until(|d| d.events.iter().filter(|e| matches!(e, ServerMessage::Cart { .. })).count() == carts + 1).await;
        assert_eq!((a.version, a.lines.clone()), before, "the cart is untouched and the socket still open");
    }

    async fn joining_from_outside_the_restaurant_network_is_refused(app: TestApp) {
        app.patch_restaurant(json!({ "location_policy": "network", "network_cidrs": ["192.0.2.0/24"] })).await;
        let url = format!("{}/ws/tables/{}", app.base.replacen("http", "ws", 1), app.table_token(0));
        // The refusal comes over the socket (a browser cannot read an HTTP
        // 403 there): the reason, then a close with CLOSE_REFUSED.
        let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("the socket opens");
        let first = tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("a message in time");
        let text = match first {
            Some(Ok(Message::Text(t))) => t,
            other => panic!("expected the refusal as text, got {other:?}"),
        };
        match serde_json::from_str::<ServerMessage>(&text).expect("a server message") {
            ServerMessage::Error { code, message, details } => {
                assert_eq!(code, "outside_restaurant");
                assert!(message.contains("Wi-Fi"), "{message}");
                assert_eq!(details.expect("details")["reason"], "not_on_restaurant_network");
            }
            other => panic!("expected an error, got {other:?}"),
        }
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("closed in time") {
            Some(Ok(Message::Close(Some(frame)))) => {
                assert_eq!(u16::from(frame.code), qrorder_shared::ws::CLOSE_REFUSED);
                assert_eq!(frame.reason.as_str(), "outside_restaurant");
            }
            other => panic!("expected a close frame, got {other:?}"),
        }
        // On the restaurant's network the same phone joins as usual (the
        // join waits for the cart snapshot).
        app.patch_restaurant(json!({ "network_cidrs": ["127.0.0.0/8", "::1/128"] })).await;
        Diner::connect(&app.base, &app.table_token(0), "fay", "Fay").await;
        let url = format!("{}/ws/tables/{}", app.base.replacen("http", "ws", 1), "0".repeat(32));
        match tokio_tungstenite::connect_async(url).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(res)) => assert_eq!(res.status(), 404),
            other => panic!("expected a 404, got {other:?}"),
        }
    }

    async fn a_version_gap_makes_the_client_resync_to_the_right_cart(app: TestApp) {
        let token = app.table_token(2);
        let mut a = Diner::connect(&app.base, &token, "dan", "Dan").await;
        let mut b = Diner::connect(&app.base, &token, "eve", "Eve").await;
        a.send(&add(8, 1)).await;
        b.until(|d| d.lines.len() == 1).await;
        // A message Pub/Sub "lost": the next one b hears skips versions.
        let keys = qrorder::infra::keys::Keys::new(&app.config.redis_prefix);
        let visit = app.table_info(&token).await["visit_id"].as_i64().expect("visit");
        let channel = keys.visit_channel(app.seed.restaurant_id, visit);
        let fake = json!({ "type": "cart_op", "version": b.version + 5, "op": { "kind": "clear" } }).to_string();
        let mut conn = redis::Client::open(app.config.redis_url.as_str()).expect("url")
            .get_multiplexed_async_connection().await.expect("redis");
        let _: i64 = redis::cmd("PUBLISH").arg(&channel).arg(fake).query_async(&mut conn).await.expect("publish");
        b.until(|d| d.gaps == 1).await;
        a.send(&add(9, 3)).await;
        let redis_now = || cart_in_redis(&app, 2);
        b.until(|d| d.lines.len() == 2).await;
        let truth = redis_now().await;
        assert_eq!((b.version, &b.lines), (truth.version, &truth.lines), "b re-synced to the real cart");
    }

    async fn ordering_from_the_cart_empties_it_for_everyone_and_a_stale_cart_is_409(app: TestApp) {
        let token = app.table_token(3);
        let mut a = Diner::connect(&app.base, &token, "fay", "Fay").await;
        let mut b = Diner::connect(&app.base, &token, "gus", "Gus").await;
        a.send(&add(8, 2)).await;
        b.send(&add(9, 1)).await;
        a.until(|d| d.lines.len() == 2).await;
        b.until(|d| d.lines.len() == 2).await;
        let visit = app.table_info(&token).await["visit_id"].clone();
        let items: Vec<_> = b.lines.iter().map(|l| json!({ "menu_item_id": l.item_id, "menu_version": 1, "qty": l.qty })).collect();

        let stale = json!({ "visit_id": visit, "cart_version": b.version - 1, "items": items });
        let err = expect_error(app.place(&token, &stale, "stale").await, StatusCode::CONFLICT, "cart_changed").await;
        assert_eq!(err["details"]["cart"]["version"], b.version);
        let mut missing = stale.clone();
        missing["cart_version"] = json!(b.version);
        missing["items"] = json!([items[0]]);
        expect_error(app.place(&token, &missing, "missing").await, StatusCode::CONFLICT, "cart_changed").await;

        // Both diners tap "order" at once, each with its own key: one order.
        let body = json!({ "visit_id": visit, "cart_version": b.version, "items": items });
        let (first, second) = tokio::join!(app.place(&token, &body, "fay-tap"), app.place(&token, &body, "gus-tap"));
        let (first_status, second_status) = (first.status(), second.status());
        let (order, other) = if first_status == StatusCode::CREATED { (first, second) } else { (second, first) };
        assert_eq!(
            [first_status, second_status].iter().filter(|s| **s == StatusCode::CREATED).count(),
            1,
            "{first_status} {second_status}"
        );
        expect_error(other, StatusCode::CONFLICT, "cart_changed").await;
        let order = expect_status(order, StatusCode::CREATED).await;
        let orders = app.get_json("/orders", &app.owner).await;
        assert_eq!(orders.as_array().map(Vec::len), Some(1), "the cart was ordered once");
        for d in [&mut a, &mut b] {
            d.until(|d| d.lines.is_empty() && d.events.iter().any(|e| matches!(e, ServerMessage::OrderPlaced { .. }))).await;
            let placed = d.events.iter().find_map(|e| match e { ServerMessage::OrderPlaced { order } => Some(order.id), _ => None });
            assert_eq!(placed, order["id"].as_i64());
        }
        assert!(cart_in_redis(&app, 3).await.lines.is_empty());
    }

    async fn status_and_menu_changes_reach_diners_and_kitchen_screens(app: TestApp) {
        let token = app.table_token(4);
        let mut diner = Diner::connect(&app.base, &token, "hal", "Hal").await;
        let (_, device) = app.device().await;
        let url = format!("{}/ws/kitchen?token={device}", app.base.replacen("http", "ws", 1));
        let (mut kitchen, _) = tokio_tungstenite::connect_async(url).await.expect("kitchen socket");
        let bad = format!("{}/ws/kitchen?token=qro_d_nope", app.base.replacen("http", "ws", 1));
        assert!(tokio_tungstenite::connect_async(bad).await.is_err(), "a bad token is refused");
        // The first message says the room is subscribed: from here on nothing is missed.
        assert_eq!(next_kitchen(&mut kitchen).await, ServerMessage::Resync);
        let order = expect_status(app.place(&token, &app.order_body(&token, &[(2, 1)]).await, "o").await, StatusCode::CREATED).await;
        let mut kitchen_events = Vec::new();
        kitchen_events.push(next_kitchen(&mut kitchen).await);
        assert!(matches!(&kitchen_events[0], ServerMessage::OrderPlaced { order: o } if Some(o.id) == order["id"].as_i64()), "{kitchen_events:?}");

        let res = app.admin(Method::PATCH, &format!("/orders/{}", order["id"]), &device).json(&json!({ "status": "ready" })).send().await.expect("patch");
        expect_status(res, StatusCode::OK).await;
        diner.until(|d| d.events.iter().any(|e| matches!(e, ServerMessage::OrderStatus { status, .. } if status.as_str() == "ready"))).await;
        loop {
            let e = next_kitchen(&mut kitchen).await;
            if matches!(e, ServerMessage::OrderStatus { .. }) { break; }
        }
        let item = app.menu_item(3).await;
        let res = app.admin(Method::PATCH, "/menu-items/3", &app.owner).json(&json!({ "version": item["version"], "available": false })).send().await.expect("patch");
        expect_status(res, StatusCode::OK).await;
        diner.until(|d| d.events.iter().any(|e| matches!(e, ServerMessage::MenuChanged { item_ids } if item_ids.contains(&MenuItemId(3))))).await;
    }

    async fn a_kitchen_device_is_seen_by_its_socket_and_reports_its_printer(app: TestApp) {
        let (id, device) = app.device().await;
        let listed = |devices: serde_json::Value| devices.as_array().expect("devices").iter().find(|d| d["id"] == id).cloned().expect("the device");
        let before = listed(app.get_json("/devices", &app.owner).await);
        assert!(before["last_seen_at"].is_null() && before["printer"].is_null(), "{before}");
        let started = qrorder::infra::db::now_ms();
        let url = format!("{}/ws/kitchen?token={device}", app.base.replacen("http", "ws", 1));
        let (mut kitchen, _) = tokio_tungstenite::connect_async(url).await.expect("kitchen socket");
        assert_eq!(next_kitchen(&mut kitchen).await, ServerMessage::Resync);
        let seen = listed(app.get_json("/devices", &app.owner).await);
        assert!(seen["last_seen_at"].as_i64().is_some_and(|t| t >= started), "seen when its socket opened: {seen}");
        let report = |token: &str, body: serde_json::Value| app.admin(Method::POST, "/devices/status", token).json(&body).send();
        expect_status(report(&device, json!({ "printer": "paper_out" })).await.expect("report"), StatusCode::NO_CONTENT).await;
        assert_eq!(listed(app.get_json("/devices", &app.owner).await)["printer"], "paper_out");
        expect_error(report(&app.owner, json!({ "printer": "ready" })).await.expect("report"), StatusCode::FORBIDDEN, "forbidden").await;
        expect_error(report(&device, json!({ "printer": "on fire" })).await.expect("report"), StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
        assert_eq!(listed(app.get_json("/devices", &app.owner).await)["printer"], "paper_out", "refused reports change nothing");
    }

    async fn the_staff_feed_takes_owner_and_staff_sessions_only_and_hears_orders(app: TestApp) {
        let ws = app.base.replacen("http", "ws", 1);
        let (_, device) = app.device().await;
        // A kitchen screen's token is not a console's.
        match tokio_tungstenite::connect_async(format!("{ws}/ws/staff?token={device}")).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => assert_eq!(response.status(), StatusCode::FORBIDDEN),
            other => panic!("a device token must get 403, got {:?}", other.map(|(_, r)| r.status())),
        }
        match tokio_tungstenite::connect_async(format!("{ws}/ws/staff")).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => assert_eq!(response.status(), StatusCode::UNAUTHORIZED),
            other => panic!("no token must get 401, got {:?}", other.map(|(_, r)| r.status())),
        }
        let staff = app.staff().await;
        let (mut owner_feed, _) = tokio_tungstenite::connect_async(format!("{ws}/ws/staff?token={}", app.owner)).await.expect("owner feed");
        let mut request = format!("{ws}/ws/staff").into_client_request().expect("request");
        request.headers_mut().insert("authorization", format!("Bearer {staff}").parse().expect("header"));
        let (mut staff_feed, _) = tokio_tungstenite::connect_async(request).await.expect("staff feed, token in the header");
        for feed in [&mut owner_feed, &mut staff_feed] {
            assert_eq!(next_kitchen(feed).await, ServerMessage::Resync);
        }
        let token = app.table_token(5);
        let order = expect_status(app.place(&token, &app.order_body(&token, &[(2, 1)]).await, "staff-feed").await, StatusCode::CREATED).await;
        for feed in [&mut owner_feed, &mut staff_feed] {
            let heard = next_order_event(feed).await;
            assert!(matches!(&heard, ServerMessage::OrderPlaced { order: o } if Some(o.id) == order["id"].as_i64()), "{heard:?}");
        }
        let res = app.admin(Method::PATCH, &format!("/orders/{}", order["id"]), &staff).json(&json!({ "status": "accepted" })).send().await.expect("patch");
        expect_status(res, StatusCode::OK).await;
        for feed in [&mut owner_feed, &mut staff_feed] {
            let heard = next_order_event(feed).await;
            assert!(matches!(&heard, ServerMessage::OrderStatus { order_id, status } if Some(*order_id) == order["id"].as_i64() && status.as_str() == "accepted"), "{heard:?}");
        }
    }
}

on_both_backends! {
    async fn a_revoked_devices_kitchen_socket_closes_at_once_with_1008(app: TestApp) {
        let ws_base = app.base.replacen("http", "ws", 1);
        let (revoked_id, revoked) = app.device().await;
        let (_, kept) = app.device().await;
        let staff = app.staff().await;
        let (mut a, _) = tokio_tungstenite::connect_async(format!("{ws_base}/ws/kitchen?token={revoked}")).await.expect("socket a");
        let (mut b, _) = tokio_tungstenite::connect_async(format!("{ws_base}/ws/kitchen?token={kept}")).await.expect("socket b");
        let (mut c, _) = tokio_tungstenite::connect_async(format!("{ws_base}/ws/kitchen?token={staff}")).await.expect("socket c");
        for k in [&mut a, &mut b, &mut c] {
            assert_eq!(next_kitchen(k).await, ServerMessage::Resync);
        }
        let res = app.admin(Method::POST, &format!("/devices/{revoked_id}/revoke"), &app.owner).send().await.expect("revoke");
        expect_status(res, StatusCode::OK).await;
        assert_closed_within_a_second(&mut a).await;

        // A staff session used by a screen ends the same way on logout.
        let res = app.admin(Method::POST, "/logout", &staff).send().await.expect("logout");
        expect_status(res, StatusCode::NO_CONTENT).await;
        assert_closed_within_a_second(&mut c).await;

        // The device that was not revoked stays, and hears nothing of it:
        // its next message is the next order.
        let token = app.table_token(2);
        let order = expect_status(app.place(&token, &app.order_body(&token, &[(2, 1)]).await, "k").await, StatusCode::CREATED).await;
        let next = next_kitchen(&mut b).await;
        assert!(matches!(&next, ServerMessage::OrderPlaced { order: o } if Some(o.id) == order["id"].as_i64()), "{next:?}");
    }
}

/// The socket's next frame is a close with 1008 (policy), within a second.
async fn assert_closed_within_a_second(k: &mut WebSocketStream<MaybeTlsStream<TcpStream>>) {
    let frame = tokio::time::timeout(Duration::from_secs(1), k.next())
        .await
        .expect("closed within 1 s, not at the next 30 s check")
        .expect("a frame")
        .expect("a close frame");
    let Message::Close(Some(close)) = frame else {
        panic!("expected a close frame, got {frame:?}");
    };
    assert_eq!(u16::from(close.code), 1008, "{close:?}");
}

/// The next message a kitchen socket hears (at most `WAIT`).
async fn next_kitchen(k: &mut WebSocketStream<MaybeTlsStream<TcpStream>>) -> ServerMessage {
    let m = tokio::time::timeout(WAIT, k.next())
        .await
        .expect("kitchen hears in time")
        .expect("open")
        .expect("frame");
    serde_json::from_str(m.to_text().expect("text")).expect("server message")
}

/// The next order event a feed hears, past menu changes (an order of an
/// item with limited stock changes the menu too).
async fn next_order_event(k: &mut WebSocketStream<MaybeTlsStream<TcpStream>>) -> ServerMessage {
    for _ in 0..10 {
        match next_kitchen(k).await {
            ServerMessage::MenuChanged { .. } => continue,
            other => return other,
        }
    }
    panic!("ten menu changes and no order event");
}

/// A `qrorder serve --roles ws` process on the app's database and Redis.
pub(crate) async fn ws_instance(app: &TestApp) -> (tokio::process::Child, String) {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_qrorder"))
        .args(["serve", "--roles", "ws"])
        .env("QRORDER__DATABASE_URL", &app.config.database_url)
        .env("QRORDER__REDIS_URL", &app.config.redis_url)
        .env("QRORDER__REDIS_PREFIX", &app.config.redis_prefix)
        .env("QRORDER__MEDIA_DIR", &app.config.media_dir)
        .env("QRORDER__LISTEN", "127.0.0.1:0")
        .env("QRORDER__LOG_FORMAT", "json")
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn ws instance");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let addr = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.expect("read") {
            if let Ok(log) = serde_json::from_str::<serde_json::Value>(&line)
                && log["fields"]["message"] == "serving"
            {
                return log["fields"]["addr"].as_str().expect("addr").to_owned();
            }
        }
        panic!("the ws instance exited before serving");
    })
    .await
    .expect("ws instance serves in time");
    // Keep draining its log so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, format!("http://{addr}"))
}

async fn two_instances(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_one, base_one) = ws_instance(&app).await;
    let (_two, base_two) = ws_instance(&app).await;
    let token = app.table_token(0);
    let mut a = Diner::connect(&base_one, &token, "ivy", "Ivy").await;
    let mut b = Diner::connect(&base_two, &token, "jon", "Jon").await;
    a.until(|d| d.participants.len() == 2).await;
    b.until(|d| d.participants.len() == 2).await;
    let started = std::time::Instant::now();
    a.send(&add(8, 1)).await;
    b.until(|d| d.lines.len() == 1).await;
    assert!(started.elapsed() < Duration::from_secs(1));
    b.send(&ClientMessage::SetQty {
        line_id: b.lines[0].line_id.clone(),
        qty: 4,
    })
    .await;
    a.until(|d| d.lines.first().is_some_and(|l| l.qty == 4))
        .await;
    let v = a.version;
    b.until(|d| d.version == v).await; // b hears its own change too
    assert_eq!((a.version, &a.lines), (b.version, &b.lines));
    drop(b);
    a.until(|d| d.participants.len() == 1).await;
}

mod diners_on_two_ws_instances_in_separate_processes_share_the_cart {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        two_instances(Backend::Sqlite).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        two_instances(Backend::Postgres).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_recover_by_themselves_after_redis_restarts() {
    let mut redis = OwnRedis::start();
    let url = redis.url();
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.redis_url = url).await;
    let token = app.table_token(0);
    let mut a = Diner::connect(&app.base, &token, "kim", "Kim").await;
    let mut b = Diner::connect(&app.base, &token, "lee", "Lee").await;
    a.send(&add(8, 1)).await;
    b.until(|d| d.lines.len() == 1).await;
    let snapshots = |d: &Diner| {
        d.events
            .iter()
            .filter(|e| matches!(e, ServerMessage::Cart { .. }))
            .count()
    };
    let (sa, sb) = (snapshots(&a), snapshots(&b));
    redis.stop();
    redis.restart();
    // Redis came back empty: each socket is told to resync (events may be
    // lost), once, then sent the (now empty) cart again.
    a.until(|d| snapshots(d) > sa).await;
    b.until(|d| snapshots(d) > sb).await;
    for d in [&a, &b] {
        let since_restart: Vec<&ServerMessage> = d
            .events
            .iter()
            .skip_while(|e| !matches!(e, ServerMessage::Resync))
            .filter(|e| matches!(e, ServerMessage::Resync | ServerMessage::Cart { .. }))
            .collect();
        assert!(
            matches!(
                since_restart[..],
                [ServerMessage::Resync, ServerMessage::Cart { .. }]
            ),
            "one resync, then the snapshot: {since_restart:?}"
        );
    }
    assert_eq!((a.version, a.lines.len()), (0, 0));
    a.send(&add(9, 2)).await;
    b.until(|d| d.lines.len() == 1 && d.lines[0].qty == 2).await;
    let v = b.version;
    a.until(|d| d.version == v).await;
    assert_eq!((a.version, &a.lines), (b.version, &b.lines));
}

mod random_concurrent_ops_converge_to_the_cart_in_redis {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Add(i64, u32),
        SetQty(usize, u32),
        Remove(usize),
        Clear,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (prop::sample::select(vec![7i64, 8, 9, 11, 12]), 1u32..5).prop_map(|(i, q)| Op::Add(i, q)),
            3 => (0usize..6, 1u32..9).prop_map(|(l, q)| Op::SetQty(l, q)),
            2 => (0usize..6).prop_map(Op::Remove),
            1 => Just(Op::Clear),
        ]
    }

    async fn converge(scripts: Vec<Vec<Op>>) {
        let app = TestApp::spawn(Backend::Sqlite).await;
        let token = app.table_token(0);
        let mut diners = Vec::new();
        for i in 0..scripts.len() {
            diners.push(
                Diner::connect(
                    &app.base,
                    &token,
                    &format!("d{i}-{}", random_suffix()),
                    &format!("D{i}"),
                )
                .await,
            );
        }
        // Everyone fires their ops at once, each aiming at lines it knows of.
        let sends = diners
            .iter_mut()
            .zip(scripts)
            .map(|(d, script)| async move {
                for op in script {
                    let msg = match op {
                        Op::Add(item, qty) => add(item, qty),
                        Op::SetQty(i, qty) => match d.lines.get(i) {
                            Some(l) => ClientMessage::SetQty {
                                line_id: l.line_id.clone(),
                                qty,
                            },
                            None => add(8, qty),
                        },
                        Op::Remove(i) => match d.lines.get(i) {
                            Some(l) => ClientMessage::Remove {
                                line_id: l.line_id.clone(),
                            },
                            None => ClientMessage::Clear,
                        },
                        Op::Clear => ClientMessage::Clear,
                    };
                    d.send(&msg).await;
                }
            });
        futures::future::join_all(sends).await;
        let truth = cart_in_redis(&app, 0).await;
        for d in &mut diners {
            d.until(|d| d.version == truth.version).await;
            assert_eq!(d.lines, truth.lines, "a diner's cart differs from Redis");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 6, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn sqlite(scripts in prop::collection::vec(prop::collection::vec(op(), 1..12), 2..5)) {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
            rt.block_on(converge(scripts));
        }
    }
}

/// Within a second the diner's socket says `error` `table_not_found`
/// (after whatever it was sent before) and closes with 4404.
async fn assert_gone_within_a_second(d: &mut Diner) {
    let started = std::time::Instant::now();
    let mut said = false;
    loop {
        let left = Duration::from_secs(1).saturating_sub(started.elapsed());
        let frame = tokio::time::timeout(left, d.ws.next())
            .await
            .unwrap_or_else(|_| panic!("not closed within 1 s; events: {:?}", d.events))
            .expect("a frame before the end")
            .expect("a frame");
        match frame {
            Message::Text(text) => {
                let m: ServerMessage = serde_json::from_str(&text).expect("a server message");
                if let ServerMessage::Error { code, message, .. } = &m {
                    assert_eq!(code, "table_not_found", "{m:?}");
                    assert!(message.contains("scan"), "{message}");
                    said = true;
                }
                d.events.push(m);
            }
            Message::Close(Some(close)) => {
                assert!(said, "the error comes before the close: {:?}", d.events);
                assert_eq!(
                    u16::from(close.code),
                    qrorder_shared::ws::CLOSE_TABLE_GONE,
                    "{close:?}"
                );
                return;
            }
            other => panic!("expected the error and a close, got {other:?}"),
        }
    }
}

async fn rotation_and_deactivation_close_old_sockets(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_one, base_one) = ws_instance(&app).await;
    let (_two, base_two) = ws_instance(&app).await;
    let old = app.table_token(0);
    let table_id = app.seed.tables[0].id;
    let mut a = Diner::connect(&base_one, &old, "old-a", "A").await;
    let mut b = Diner::connect(&base_two, &old, "old-b", "B").await;
    // Another table's diner, on the same instances, is not concerned.
    let mut other = Diner::connect(&base_one, &app.table_token(1), "other", "O").await;

    let res = app
        .admin(
            Method::POST,
            &format!("/tables/{table_id}/rotate-token"),
            &app.owner,
        )
        .send()
        .await
        .expect("rotate");
    let new = expect_status(res, StatusCode::OK).await["token"]
        .as_str()
        .expect("token")
        .to_owned();
    assert_gone_within_a_second(&mut a).await;
    assert_gone_within_a_second(&mut b).await;
    // The old code cannot come back, nor reach the new diners' cart.
    let url = format!("{}/ws/tables/{old}", base_one.replacen("http", "ws", 1));
    match tokio_tungstenite::connect_async(url).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => assert_eq!(res.status(), 404),
        other => panic!("expected a 404, got {:?}", other.map(|(_, r)| r.status())),
    }
    assert!(
        a.ws.send(Message::Text(
            serde_json::to_string(&add(8, 1)).expect("json").into()
        ))
        .await
        .is_err()
            || a.ws.next().await.is_none_or(|m| m.is_err()),
        "the closed socket carries nothing more"
    );
    let mut fresh = Diner::connect(&base_two, &new, "new", "N").await;
    fresh.send(&add(8, 2)).await;
    fresh.until(|d| d.lines.len() == 1).await;
    let cart = cart_of(&app, &new).await;
    assert_eq!(
        cart.lines.len(),
        1,
        "only the new diner's line: {:?}",
        cart.lines
    );
    assert_eq!(cart.lines[0].added_by_name, "N");
    // The other table still works.
    other.send(&add(9, 1)).await;
    other.until(|d| d.lines.len() == 1).await;

    // Out of service: the socket opened with the new code closes too.
    let res = app
        .admin(Method::PATCH, &format!("/tables/{table_id}"), &app.owner)
        .json(&json!({ "active": false }))
        .send()
        .await
        .expect("deactivate");
    expect_status(res, StatusCode::OK).await;
    assert_gone_within_a_second(&mut fresh).await;
    other.send(&add(8, 1)).await;
    other.until(|d| d.lines.len() == 2).await;
}

mod sockets_opened_before_a_rotation_or_deactivation_close_at_once_on_both_instances {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        rotation_and_deactivation_close_old_sockets(Backend::Sqlite).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        rotation_and_deactivation_close_old_sockets(Backend::Postgres).await
    }
}
