//! The caps on diner sockets per table and per client address, with real
//! sockets from several loopback addresses (127.0.0.30, …).

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use qrorder_shared::ws::{CLOSE_TOO_MANY, ClientMessage, ServerMessage};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{Backend, TestApp};

type Socket = WebSocketStream<TcpStream>;

/// A diner socket to table `table` whose connection comes from `127.0.0.{from}`.
async fn open(app: &TestApp, table: usize, from: u8) -> Socket {
    let addr: std::net::SocketAddr = app
        .base
        .trim_start_matches("http://")
        .parse()
        .expect("addr");
    let socket = TcpSocket::new_v4().expect("socket");
    socket
        .bind(([127, 0, 0, from], 0).into())
        .expect("bind a loopback address");
    let stream = socket.connect(addr).await.expect("connect");
    let url = format!("ws://{addr}/ws/tables/{}", app.table_token(table));
    let (ws, _) = tokio_tungstenite::client_async(url, stream)
        .await
        .expect("upgrade");
    ws
}

/// The next server message, within 5 s.
async fn next(ws: &mut Socket) -> Message {
    tokio::time::timeout(Duration::from_secs(5), ws.next())
        .await
        .expect("a frame within 5 s")
        .expect("the socket still open")
        .expect("a frame")
}

/// A socket that says hello and gets its cart: it was let in.
async fn assert_let_in(ws: &mut Socket) {
    assert!(refusal_or_in(ws).await, "let in");
}

/// A socket turned away: `error` `too_many_sockets` naming `limit`, then close 4429.
async fn refusal(ws: &mut Socket) -> Option<String> {
    let Message::Text(text) = next(ws).await else {
        return None;
    };
    let ServerMessage::Error {
        code,
        message,
        details,
    } = serde_json::from_str(&text).expect("a server message")
    else {
        return None;
    };
    if code != "too_many_sockets" {
        return None;
    }
    assert!(message.contains("too many"), "{message}");
    match next(ws).await {
        Message::Close(Some(frame)) => assert_eq!(u16::from(frame.code), CLOSE_TOO_MANY),
        other => panic!("expected the close, got {other:?}"),
    }
    details.and_then(|d| d["limit"].as_str().map(str::to_owned))
}

async fn run(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.ws_sockets_per_table = 3;
        c.ws_sockets_per_client = 5;
    })
    .await;
    // Table 0 full with three sockets (two addresses); a fourth, from a third
    // address, is turned away by the table's cap.
    // (Each says hello, or the server would close it after 10 s.)
    let mut table0 = vec![
        open(&app, 0, 30).await,
        open(&app, 0, 30).await,
        open(&app, 0, 31).await,
    ];
    for ws in &mut table0 {
        assert_let_in(ws).await;
    }
    let mut extra = open(&app, 0, 32).await;
    assert_eq!(refusal(&mut extra).await.as_deref(), Some("table"));

    // 127.0.0.30 holds two; three more at other tables make five, the sixth is
    // turned away by the address's cap — and another address still gets in.
    let mut others = vec![
        open(&app, 1, 30).await,
        open(&app, 1, 30).await,
        open(&app, 2, 30).await,
    ];
    for ws in &mut others {
        assert_let_in(ws).await;
    }
    let mut sixth = open(&app, 2, 30).await;
    assert_eq!(refusal(&mut sixth).await.as_deref(), Some("client"));
    let mut elsewhere = open(&app, 2, 33).await;
    assert_let_in(&mut elsewhere).await;

    // A socket that leaves frees its place at the table (as soon as the
    // server has seen it go: bounded tries, each a real round trip).
    let mut leaving = table0.pop().expect("one");
    leaving.close(None).await.expect("close");
    while let Ok(Some(Ok(_))) = tokio::time::timeout(Duration::from_secs(5), leaving.next()).await {
    }
    let mut let_in = false;
    for _ in 0..50 {
        let mut again = open(&app, 0, 34).await;
        if refusal_or_in(&mut again).await {
            let_in = true;
            break;
        }
    }
    assert!(let_in, "the place freed by a closed socket is given again");
}

/// `true` when the socket is let in, `false` when turned away.
async fn refusal_or_in(ws: &mut Socket) -> bool {
    let hello = ClientMessage::Hello {
        client_id: "cap-test".into(),
        nickname: None,
        last_version: None,
    };
    let _ = ws
        .send(Message::Text(
            serde_json::to_string(&hello).expect("json").into(),
        ))
        .await;
    for _ in 0..10 {
        match next(ws).await {
            Message::Text(text) => match serde_json::from_str::<ServerMessage>(&text)
                .expect("a server message")
            {
                ServerMessage::Cart { .. } => return true,
                ServerMessage::Error { code, .. } if code == "too_many_sockets" => return false,
                _ => {}
            },
            Message::Close(_) => return false,
            _ => {}
        }
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_beyond_the_table_and_address_caps_are_told_and_closed_with_4429_on_sqlite() {
    run(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_beyond_the_table_and_address_caps_are_told_and_closed_with_4429_on_postgres() {
    run(Backend::Postgres).await
}
