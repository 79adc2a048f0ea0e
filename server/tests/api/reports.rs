//! The owner's reports: totals as the bills of the period, dishes, hours,
//! prep time from the status history, and the CSV files.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{expect_error, expect_status};
use crate::on_both_backends;

/// Yesterday to tomorrow (UTC dates): today's business day in any zone.
fn around_today() -> String {
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let (from, to) = (
        today.yesterday().expect("date"),
        today.tomorrow().expect("date"),
    );
    format!("from={from}&to={to}")
}

/// A CSV answer's text, after checking it is one.
async fn expect_text(res: reqwest::Response) -> String {
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    res.text().await.expect("body")
}

/// The CSV's rows as maps from its header.
fn rows(csv: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut lines = csv.split("\r\n").filter(|l| !l.is_empty());
    let header: Vec<String> = lines
        .next()
        .expect("header")
        .split(',')
        .map(str::to_owned)
        .collect();
    lines
        .map(|l| {
            assert!(!l.contains('"'), "no quoted fields expected in {l}");
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(str::to_owned))
                .collect()
        })
        .collect()
}

on_both_backends! {
    async fn sales_total_the_bills_of_the_period_and_prep_times_follow_the_status_history(app: TestApp) {
        let mut placed = Vec::new();
        for (table, lines, key) in [(0, vec![(8, 1)], "a"), (0, vec![(7, 2), (9, 1)], "b"), (1, vec![(2, 3)], "c"), (2, vec![(7, 1), (9, 1)], "d")] {
            let token = app.table_token(table);
            placed.push(expect_status(app.place(&token, &app.order_body(&token, &lines).await, key).await, StatusCode::CREATED).await);
        }
        let set = |id: &Value, status: &str| app.admin(Method::PATCH, &format!("/orders/{id}"), &app.owner).json(&json!({ "status": status })).send();
        let cancelled = expect_status(set(&placed[2]["id"], "cancelled").await.expect("cancel"), StatusCode::OK).await;
        let mut ready = Value::Null;
        for status in ["accepted", "preparing", "ready"] {
            ready = expect_status(set(&placed[3]["id"], status).await.expect("patch"), StatusCode::OK).await;
        }
        let mut bills = (0, 0);
        for table in 0..3 {
            let bill = app.get_json(&format!("/tables/{}/bill", app.seed.tables[table].id), &app.owner).await;
            bills.0 += bill["total"]["amount_minor"].as_i64().expect("total");
            bills.1 += bill["tax"]["amount_minor"].as_i64().expect("tax");
        }

        let report = app.get_json(&format!("/reports/sales?{}", around_today()), &app.owner).await;
        assert_eq!(report["orders"], 3);
        assert_eq!((report["total"]["amount_minor"].as_i64(), report["tax"]["amount_minor"].as_i64()), (Some(bills.0), Some(bills.1)), "{report}");
        assert_eq!(report["average_order"]["amount_minor"].as_i64(), Some(bills.0 / 3));
        assert_eq!(report["cancelled_orders"], 1);
        assert_eq!(report["cancelled_total"]["amount_minor"], cancelled["total"]["amount_minor"]);
        let items = report["items"].as_array().expect("items");
        assert_eq!((items[0]["menu_item_id"].as_i64(), items[0]["qty"].as_u64()), (Some(7), Some(3)), "the most ordered first: {items:?}");
        assert!(items.iter().all(|i| i["menu_item_id"] != 2), "a cancelled order's dish is not sold");
        let hours = report["by_hour"].as_array().expect("hours");
        assert_eq!(hours.len(), 24);
        assert_eq!(hours.iter().map(|h| h["orders"].as_u64().unwrap_or(0)).sum::<u64>(), 3);
        let prep = ready["ready_at"].as_i64().expect("ready_at") - ready["created_at"].as_i64().expect("created_at");
        let stations = report["prep_times"].as_array().expect("prep times");
        assert_eq!(stations.iter().map(|s| s["station"].as_str().unwrap_or_default()).collect::<Vec<_>>(), ["bar", "kitchen"]);
        for station in stations {
            assert_eq!((station["orders"].as_u64(), station["average_ms"].as_i64()), (Some(1), Some(prep)), "{station}");
        }

        let app = &app;
        let csv = |path: &str| {
            let url = format!("/reports/{path}?{}", around_today());
            async move {
                let res = app.admin(Method::GET, &url, &app.owner).send().await.expect("csv");
                assert_eq!(res.status(), StatusCode::OK);
                assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
                res.text().await.expect("body")
            }
        };
        let orders = rows(&csv("orders.csv").await);
        assert_eq!(orders.len(), 4);
        // KRW has no minor unit: the CSV's amounts are the same numbers.
        let sold: i64 = orders.iter().filter(|o| o["status"] != "cancelled").map(|o| o["total"].parse::<i64>().expect("amount")).sum();
        assert_eq!(sold, report["total"]["amount_minor"].as_i64().expect("total"), "tax is included in this restaurant's prices");
        let lines = rows(&csv("lines.csv").await);
        let mandu: i64 = lines.iter().filter(|l| l["menu_item_id"] == "7" && l["status"] != "cancelled").map(|l| l["qty"].parse::<i64>().expect("qty")).sum();
        assert_eq!(mandu, 3);
        assert_eq!(lines.len(), 6);
    }

    async fn a_closed_bill_keeps_its_tax_in_the_report_when_the_settings_change(app: TestApp) {
        let tax = |rate: u32, included: bool| app.admin(Method::PATCH, "/restaurant", &app.owner)
            .json(&json!({ "tax_rate_bp": rate, "tax_included": included })).send();
        expect_status(tax(1000, false).await.expect("10% added"), StatusCode::OK).await;
        let token = app.table_token(0);
        expect_status(app.place(&token, &app.order_body(&token, &[(7, 3)]).await, "closed").await, StatusCode::CREATED).await;
        let table = app.seed.tables[0].id;
        let bill = app.get_json(&format!("/tables/{table}/bill"), &app.owner).await;
        let closed_total = bill["total"]["amount_minor"].as_i64().expect("total");
        assert!(bill["tax"]["amount_minor"].as_i64().expect("tax") > 0, "{bill}");
        let res = app.admin(Method::POST, &format!("/tables/{table}/close?expected_total_minor={closed_total}"), &app.owner)
            .send().await.expect("close");
        expect_status(res, StatusCode::OK).await;

        // Later the restaurant includes tax in its prices: the closed bill stays as it was paid,
        // an open one is counted as its bill shows now.
        expect_status(tax(500, true).await.expect("5% included"), StatusCode::OK).await;
        let token = app.table_token(1);
        expect_status(app.place(&token, &app.order_body(&token, &[(7, 1)]).await, "open").await, StatusCode::CREATED).await;
        let open = app.get_json(&format!("/tables/{}/bill", app.seed.tables[1].id), &app.owner).await;
        let open_total = open["total"]["amount_minor"].as_i64().expect("total");
        let report = app.get_json(&format!("/reports/sales?{}", around_today()), &app.owner).await;
        assert_eq!(report["total"]["amount_minor"].as_i64(), Some(closed_total + open_total), "{report}");
        let taxes = bill["tax"]["amount_minor"].as_i64().expect("tax") + open["tax"]["amount_minor"].as_i64().expect("tax");
        assert_eq!(report["tax"]["amount_minor"].as_i64(), Some(taxes), "{report}");
    }

    async fn lines_csv_marks_voided_lines_and_its_standing_lines_add_up_to_the_orders_and_the_report(app: TestApp) {
        let token = app.table_token(0);
        let order = expect_status(app.place(&token, &app.order_body(&token, &[(7, 2), (8, 1), (9, 1)]).await, "v").await, StatusCode::CREATED).await;
        let voided_line = order["items"][1]["id"].as_i64().expect("line id");
        let res = app.admin(Method::POST, &format!("/orders/{}/void", order["id"]), &app.owner)
            .json(&json!({ "line_ids": [voided_line], "reason": "spilled" })).send().await.expect("void");
        let after = expect_status(res, StatusCode::OK).await;
        // A second order voided whole: cancelled, each line marked.
        let whole = expect_status(app.place(&token, &app.order_body(&token, &[(2, 1)]).await, "w").await, StatusCode::CREATED).await;
        let res = app.admin(Method::POST, &format!("/orders/{}/void", whole["id"]), &app.owner)
            .json(&json!({ "reason": "guest left" })).send().await.expect("void");
        expect_status(res, StatusCode::OK).await;

        let url = format!("/reports/lines.csv?{}", around_today());
        let res = app.admin(Method::GET, &url, &app.owner).send().await.expect("csv");
        let lines = rows(&expect_text(res).await);
        assert_eq!(lines.len(), 4);
        let marked: Vec<(&str, &str)> = lines.iter().filter(|l| !l["voided"].is_empty())
            .map(|l| (l["menu_item_id"].as_str(), l["voided"].as_str())).collect();
        let item = order["items"][1]["menu_item_id"].to_string();
        assert_eq!(marked, [(item.as_str(), "spilled"), ("2", "guest left")]);
        for l in &lines {
            assert_eq!(l["voided"].is_empty(), l["voided_at"].is_empty(), "{l:?}");
            assert_eq!(l["voided"].is_empty(), l["voided_by"].is_empty(), "{l:?}");
        }
        let standing: i64 = lines.iter().filter(|l| l["voided"].is_empty() && l["status"] != "cancelled")
            .map(|l| l["line_total"].parse::<i64>().expect("amount")).sum();
        assert_eq!(standing, after["subtotal"]["amount_minor"].as_i64().expect("subtotal"));

        let url = format!("/reports/orders.csv?{}", around_today());
        let res = app.admin(Method::GET, &url, &app.owner).send().await.expect("csv");
        let orders = rows(&expect_text(res).await);
        let subtotals: i64 = orders.iter().filter(|o| o["status"] != "cancelled")
            .map(|o| o["subtotal"].parse::<i64>().expect("amount")).sum();
        assert_eq!(subtotals, standing);
        let report = app.get_json(&format!("/reports/sales?{}", around_today()), &app.owner).await;
        assert_eq!(report["subtotal"]["amount_minor"].as_i64(), Some(standing), "{report}");
        let voided: i64 = lines.iter().filter(|l| !l["voided"].is_empty())
            .map(|l| l["line_total"].parse::<i64>().expect("amount")).sum();
        assert_eq!((report["voids"].as_u64(), report["voided_total"]["amount_minor"].as_i64()), (Some(2), Some(voided)), "{report}");
    }

    async fn reports_are_for_owners_and_take_an_ordered_range_of_dates(app: TestApp) {
        let staff = app.staff().await;
        let res = app.admin(Method::GET, &format!("/reports/sales?{}", around_today()), &staff).send().await.expect("get");
        expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;
        for bad in ["from=2026-12-02&to=2026-12-01", "from=2026-13-01&to=2026-12-01", "from=yesterday&to=2026-12-01", "from=2024-01-01&to=2026-01-01"] {
            let res = app.admin(Method::GET, &format!("/reports/sales?{bad}"), &app.owner).send().await.expect("get");
            expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
        }
        let res = app.admin(Method::GET, "/reports/orders.csv?from=2026-12-01", &app.owner).send().await.expect("get");
        expect_error(res, StatusCode::BAD_REQUEST, "invalid_query").await;
        let empty = app.get_json("/reports/sales?from=2020-01-01&to=2020-01-31", &app.owner).await;
        assert_eq!((empty["orders"].as_u64(), empty["total"]["amount_minor"].as_i64()), (Some(0), Some(0)));
    }
}
