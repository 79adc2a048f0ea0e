use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{expect_error, expect_status};
use crate::on_both_backends;

on_both_backends! {
    async fn status_follows_the_kitchen_flow_and_illegal_moves_are_409(app: TestApp) {
        let token = app.table_token(0);
        let order = expect_status(app.place(&token, &app.order_body(&token, &[(8, 1)]).await, "s").await, StatusCode::CREATED).await;
        let path = format!("/orders/{}", order["id"]);
        let set = |token: String, status: &'static str| {
            let path = path.clone();
            let app = &app;
            async move { app.admin(Method::PATCH, &path, &token).json(&json!({ "status": status })).send().await.expect("patch") }
        };
        let (_, device) = app.device().await;
        for status in ["accepted", "preparing"] {
            let o = expect_status(set(app.owner.clone(), status).await, StatusCode::OK).await;
            assert_eq!(o["status"], status);
        }
        let ready = expect_status(set(device.clone(), "ready").await, StatusCode::OK).await;
        assert!(ready["ready_at"].as_i64().is_some());
        expect_error(set(device.clone(), "served").await, StatusCode::FORBIDDEN, "forbidden").await;
        let recalled = expect_status(set(device.clone(), "preparing").await, StatusCode::OK).await;
        assert_eq!(recalled["status"], "preparing");
        expect_error(set(app.owner.clone(), "accepted").await, StatusCode::CONFLICT, "illegal_transition").await;
        expect_status(set(app.owner.clone(), "served").await, StatusCode::OK).await;
        let err = expect_error(set(app.owner.clone(), "cancelled").await, StatusCode::CONFLICT, "illegal_transition").await;
        assert_eq!(err["details"]["current_status"], "served");
        let listed = app.get_json("/orders?status=served", &app.owner).await;
        assert_eq!(listed.as_array().map(Vec::len), Some(1));
        let res = app.admin(Method::GET, "/orders?status=lost", &app.owner).send().await.expect("get");
        expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
        let other = app.other_restaurant().await;
        let res = app.admin(Method::GET, &path, &other).send().await.expect("get");
        expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
    }

    async fn a_cancelled_order_returns_its_stock_and_leaves_the_bill(app: TestApp) {
        let token = app.table_token(1);
        let table_id = app.seed.tables[1].id;
        let kept = expect_status(app.place(&token, &app.order_body(&token, &[(7, 2), (9, 1)]).await, "kept").await, StatusCode::CREATED).await;
        let cancelled = expect_status(app.place(&token, &app.order_body(&token, &[(2, 3), (7, 1)]).await, "gone").await, StatusCode::CREATED).await;
        assert_eq!(app.menu_item(2).await["stock"], 17);
        let res = app.admin(Method::PATCH, &format!("/orders/{}", cancelled["id"]), &app.owner)
            .json(&json!({ "status": "cancelled" })).send().await.expect("cancel");
        assert_eq!(expect_status(res, StatusCode::OK).await["status"], "cancelled");
        assert_eq!(app.menu_item(2).await["stock"], 20, "stock restored");

        let bill = app.get_json(&format!("/tables/{table_id}/bill"), &app.owner).await;
        // Mandu 2 × 7000 + Sikhye 4000 = 18000, VAT 10 % included: 1636.
        assert_eq!(bill["subtotal"]["amount_minor"], 18000);
        assert_eq!(bill["tax"]["amount_minor"], 1636);
        assert_eq!(bill["total"]["amount_minor"], 18000);
        assert_eq!(bill["orders"].as_array().map(Vec::len), Some(1));
        assert_eq!(bill["orders"][0]["id"], kept["id"]);
        let mandu = bill["lines"].as_array().expect("lines").iter().find(|l| l["name"]["en"] == "Mandu").expect("mandu");
        assert_eq!((mandu["qty"].as_u64(), mandu["line_total"]["amount_minor"].as_i64()), (Some(2), Some(14000)));

        app.patch_restaurant(json!({ "tax_included": false, "tax_rate_bp": 1000 })).await;
        let bill = app.get_json(&format!("/tables/{table_id}/bill"), &app.owner).await;
        assert_eq!((bill["tax"]["amount_minor"].as_i64(), bill["total"]["amount_minor"].as_i64()), (Some(1800), Some(19800)));
    }

    async fn a_closed_bill_ends_the_visit_and_its_pages_cannot_order(app: TestApp) {
        let token = app.table_token(2);
        let table_id = app.seed.tables[2].id;
        let old_body = app.order_body(&token, &[(8, 1)]).await;
        expect_status(app.place(&token, &old_body, "1").await, StatusCode::CREATED).await;
        let res = app.admin(Method::POST, &format!("/tables/{table_id}/close"), &app.owner).send().await.expect("close");
        let closed = expect_status(res, StatusCode::OK).await;
        assert_eq!(closed["total"]["amount_minor"], 3000);
        let err = expect_error(app.place(&token, &old_body, "2").await, StatusCode::CONFLICT, "visit_closed").await;
        assert!(err["message"].as_str().is_some_and(|m| m.to_lowercase().contains("scan")));
        let fresh = app.table_info(&token).await;
        assert_ne!(fresh["visit_id"], old_body["visit_id"]);
        let bill = app.get_json(&format!("/tables/{table_id}/bill"), &app.owner).await;
        assert_eq!(bill["orders"], json!([]), "the new visit starts empty");
        let new_body = app.order_body(&token, &[(8, 1)]).await;
        expect_status(app.place(&token, &new_body, "3").await, StatusCode::CREATED).await;
        let res = app.admin(Method::DELETE, &format!("/tables/{table_id}"), &app.owner).send().await.expect("delete");
        expect_error(res, StatusCode::CONFLICT, "table_has_orders").await;
    }

    async fn a_bill_closes_only_at_the_total_staff_were_shown(app: TestApp) {
        let token = app.table_token(4);
        let table_id = app.seed.tables[4].id;
        let body = app.order_body(&token, &[(8, 1)]).await;
        expect_status(app.place(&token, &body, "shown").await, StatusCode::CREATED).await;
        let shown = app.get_json(&format!("/tables/{table_id}/bill"), &app.owner).await["total"]["amount_minor"].as_i64().expect("total");
        // An order comes in while staff look at the bill.
        expect_status(app.place(&token, &body, "meanwhile").await, StatusCode::CREATED).await;
        let close = |expected: i64| app.admin(Method::POST, &format!("/tables/{table_id}/close?expected_total_minor={expected}"), &app.owner).send();
        let err = expect_error(close(shown).await.expect("close"), StatusCode::CONFLICT, "bill_changed").await;
        let now = err["details"]["total_minor"].as_i64().expect("the current total");
        assert_eq!(now, 2 * shown);
        let bill = app.get_json(&format!("/tables/{table_id}/bill"), &app.owner).await;
        assert_eq!(bill["orders"].as_array().map(Vec::len), Some(2), "nothing was closed");
        expect_status(app.place(&token, &body, "still-open").await, StatusCode::CREATED).await;
        let total = app.get_json(&format!("/tables/{table_id}/bill"), &app.owner).await["total"]["amount_minor"].as_i64().expect("total");
        let closed = expect_status(close(total).await.expect("close"), StatusCode::OK).await;
        assert_eq!(closed["orders"].as_array().map(Vec::len), Some(3));
        expect_error(app.place(&token, &body, "after").await, StatusCode::CONFLICT, "visit_closed").await;
    }

    async fn a_bill_counts_every_order_of_a_visit_beyond_a_thousand(app: TestApp) {
        let token = app.table_token(3);
        let table_id = app.seed.tables[3].id;
        // Five orders the ordinary way (one Naengmyeon, 3000 each)…
        let body = app.order_body(&token, &[(8, 1)]).await;
        let mut placed = Vec::new();
        for k in 0..5 {
            placed.push(expect_status(app.place(&token, &body, &format!("k{k}")).await, StatusCode::CREATED).await);
        }
        // …and 1,000 copies of the first, written straight into the database
        // in two statements (numbered from 100001, their own keys).
        let template = placed[0]["id"].as_i64().expect("id");
        let copies = sqlx::query(
            "INSERT INTO orders (restaurant_id, table_id, visit_id, table_name, business_day, number, idempotency_key, \
             request_hash, currency, subtotal_minor, tax_minor, total_minor, created_at) \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) \
             SELECT o.restaurant_id, o.table_id, o.visit_id, o.table_name, o.business_day, 100000 + n.i, \
             'copy-' || CAST(n.i AS TEXT), o.request_hash, o.currency, o.subtotal_minor, o.tax_minor, o.total_minor, o.created_at \
             FROM orders o, n WHERE o.id = $1",
        ).bind(template).execute(&app.db.pool).await.expect("copy orders");
        assert_eq!(copies.rows_affected(), 1000);
        sqlx::query(
            "INSERT INTO order_items (order_id, menu_item_id, names, qty, unit_price_minor, options, note, station, line_total_minor) \
             SELECT o.id, t.menu_item_id, t.names, t.qty, t.unit_price_minor, t.options, t.note, t.station, t.line_total_minor \
             FROM orders o, order_items t WHERE o.number > 100000 AND t.order_id = $1",
        ).bind(template).execute(&app.db.pool).await.expect("copy items");

        let bill = app.get_json(&format!("/tables/{table_id}/bill"), &app.owner).await;
        assert_eq!(bill["orders"].as_array().map(Vec::len), Some(1005));
        assert_eq!(bill["subtotal"]["amount_minor"], 1005 * 3000);
        assert_eq!(bill["lines"], json!([{ "name": placed[0]["items"][0]["name"], "options": placed[0]["items"][0]["options"], "qty": 1005,
            "unit_price": { "amount_minor": 3000, "currency": "KRW" }, "line_total": { "amount_minor": 1005 * 3000, "currency": "KRW" } }]));

        // The lists page, and say so: 1000, a cursor, then the last 5.
        for (first_url, next_url) in [
            (app.url("/api/v1/admin/orders?limit=1000"), app.url("/api/v1/admin/orders?limit=1000&cursor=")),
            (app.url(&format!("/api/v1/tables/{token}/orders")), app.url(&format!("/api/v1/tables/{token}/orders?cursor="))),
        ] {
            let res = app.client.get(&first_url).bearer_auth(&app.owner).send().await.expect("page 1");
            let cursor = res.headers().get("next-cursor").and_then(|v| v.to_str().ok()).map(str::to_owned).expect("a Next-Cursor");
            let page = expect_status(res, StatusCode::OK).await;
            assert_eq!(page.as_array().map(Vec::len), Some(1000), "{first_url}");
            let res = app.client.get(format!("{next_url}{cursor}")).bearer_auth(&app.owner).send().await.expect("page 2");
            assert!(res.headers().get("next-cursor").is_none(), "the last page has no cursor");
            let rest = expect_status(res, StatusCode::OK).await;
            assert_eq!(rest.as_array().map(Vec::len), Some(5), "{next_url}");
            let ids: std::collections::BTreeSet<i64> = page.as_array().into_iter().chain(rest.as_array())
                .flatten().map(|o| o["id"].as_i64().expect("id")).collect();
            assert_eq!(ids.len(), 1005, "every order once, none twice");
        }

        // Closing charges all of them.
        let res = app.admin(Method::POST, &format!("/tables/{table_id}/close"), &app.owner).send().await.expect("close");
        let closed = expect_status(res, StatusCode::OK).await;
        assert_eq!(closed["total"]["amount_minor"], 1005 * 3000);
    }
}
