//! Who is at a table: diners' sockets on a ws instance of their own (a
//! separate process) make the table "seated" for the admin API and the
//! staff feed, through Redis — told when the number changes, once.

use std::time::{Duration, Instant};

use qrorder_shared::payment::TableUpdate;
use qrorder_shared::ws::ServerMessage;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::floor::{Feed, next_message, staff_feed};
use crate::helpers::{Backend, TestApp, expect_status};
use crate::ws::{Diner, ws_instance};

/// The next `table` message about who is at `table` (at most 20 messages, each within 5 s).
async fn people_heard(feed: &mut Feed, table: i64) -> TableUpdate {
    for _ in 0..20 {
        if let ServerMessage::Table { table: u } = next_message(feed).await
            && u.table_id.0 == table
            && u.people.is_some()
        {
            return u;
        }
    }
    panic!("twenty messages and none about the people at table {table}");
}

/// `GET /tables/people`: the entry of `table`.
async fn people_at(app: &TestApp, table: i64) -> Value {
    let all = app.get_json("/tables/people", &app.owner).await;
    all.as_array()
        .expect("list")
        .iter()
        .find(|t| t["table_id"] == table)
        .cloned()
        .expect("the table is listed")
}

async fn diners_on_another_instance_seat_the_table(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_ws, ws_base) = ws_instance(&app).await;
    let mut feed = staff_feed(&app).await;
    let (table, token) = (app.seed.tables[2].id, app.table_token(2));
    let visit = app.table_info(&token).await["visit_id"].clone();
    let before = people_at(&app, table).await;
    assert_eq!(
        (&before["people"], &before["visit_id"]),
        (&Value::from(0), &visit)
    );

    let started = Instant::now();
    let ann = Diner::connect(&ws_base, &token, "ann-1", "Ann").await;
    let heard = people_heard(&mut feed, table).await;
    // The staff are told promptly (250 ms settle); 3 s leaves room for a
    // loaded CI machine without letting a lost message pass.
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "told in {:?}",
        started.elapsed()
    );
    assert_eq!(
        (heard.people, Value::from(heard.visit_id)),
        (Some(1), visit.clone())
    );
    assert_eq!(
        (heard.paid, heard.due, heard.closed),
        (None, None, false),
        "who is there, nothing of the bill"
    );
    assert_eq!(people_at(&app, table).await["people"], 1);

    // Ann's second tab changes nothing; Bo makes two.
    let ann_again = Diner::connect(&ws_base, &token, "ann-1", "Ann").await;
    let bo = Diner::connect(&ws_base, &token, "bo-2", "Bo").await;
    assert_eq!(people_heard(&mut feed, table).await.people, Some(2));
    assert_eq!(people_at(&app, table).await["people"], 2);

    drop(ann);
    drop(ann_again);
    assert_eq!(people_heard(&mut feed, table).await.people, Some(1));
    drop(bo);
    assert_eq!(people_heard(&mut feed, table).await.people, Some(0));
    assert_eq!(people_at(&app, table).await["people"], 0);

    // Owners and staff only.
    let (_, device) = app.device().await;
    let res = app
        .admin(Method::GET, "/tables/people", &device)
        .send()
        .await
        .expect("GET");
    expect_status(res, StatusCode::FORBIDDEN).await;
}

mod diners_on_a_separate_ws_instance_seat_the_table_for_the_admin_api_and_the_staff_feed {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        diners_on_another_instance_seat_the_table(Backend::Sqlite).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        diners_on_another_instance_seat_the_table(Backend::Postgres).await
    }
}
