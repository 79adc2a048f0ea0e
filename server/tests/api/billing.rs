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
}
