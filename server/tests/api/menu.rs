use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{expect_error, expect_status};
use crate::on_both_backends;

on_both_backends! {
    async fn menu_item_update_with_an_old_version_is_409_and_changes_nothing(app: TestApp) {
        let before = app.get_json("/menu-items/1", &app.owner).await;
        let v = before["version"].as_i64().expect("version");
        let res = app.admin(Method::PATCH, "/menu-items/1", &app.owner)
            .json(&json!({ "version": v, "price_minor": 12500 })).send().await.expect("patch");
        let updated = expect_status(res, StatusCode::OK).await;
        assert_eq!(updated["version"], v + 1);
        assert_eq!(updated["price"]["amount_minor"], 12500);

        // A second editor still holding the old version.
        let res = app.admin(Method::PATCH, "/menu-items/1", &app.owner)
            .json(&json!({ "version": v, "price_minor": 1, "name": { "en": "Overwritten" } })).send().await.expect("patch");
        let err = expect_error(res, StatusCode::CONFLICT, "stale_version").await;
        assert_eq!(err["details"]["current_version"], v + 1);
        let after = app.get_json("/menu-items/1", &app.owner).await;
        assert_eq!(after, updated, "a stale update changes nothing");
    }

    async fn concurrent_edits_with_the_same_version_let_exactly_one_win(app: TestApp) {
        let item = app.get_json("/menu-items/3", &app.owner).await;
        let send = |price: i64| app.admin(Method::PATCH, "/menu-items/3", &app.owner)
            .json(&json!({ "version": item["version"], "price_minor": price })).send();
        let (a, b) = tokio::join!(send(1000), send(2000));
        let statuses = [a.expect("a").status(), b.expect("b").status()];
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count(), 1, "{statuses:?}");
        let after = app.get_json("/menu-items/3", &app.owner).await;
        assert_eq!(after["version"], item["version"].as_i64().expect("v") + 1);
    }

    async fn availability_and_stock_changes_do_not_bump_the_content_version(app: TestApp) {
        let item = app.get_json("/menu-items/2", &app.owner).await;
        assert_eq!(item["stock"], 20);
        let res = app.admin(Method::PATCH, "/menu-items/2", &app.owner)
            .json(&json!({ "version": item["version"], "stock": 3, "available": false })).send().await.expect("patch");
        let body = expect_status(res, StatusCode::OK).await;
        assert_eq!((body["stock"].as_i64(), body["available"].as_bool()), (Some(3), Some(false)));
        assert_eq!(body["version"], item["version"]);
        let res = app.admin(Method::PATCH, "/menu-items/2", &app.owner)
            .json(&json!({ "version": item["version"], "stock": null })).send().await.expect("patch");
        let body = expect_status(res, StatusCode::OK).await;
        assert!(body["stock"].is_null(), "null stock = unlimited: {body}");
        let res = app.admin(Method::PATCH, "/menu-items/2", &app.owner)
            .json(&json!({ "version": item["version"], "stock": -1 })).send().await.expect("patch");
        expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    }

    async fn another_restaurants_menu_ids_answer_404(app: TestApp) {
        let other = app.other_restaurant().await;
        for (method, path) in [(Method::GET, "/menu-items/1"), (Method::DELETE, "/menu-items/1"), (Method::PATCH, "/categories/1")] {
            let mut req = app.admin(method.clone(), path, &other);
            if method == Method::PATCH {
                req = req.json(&json!({ "sort": 5 }));
            }
            expect_error(req.send().await.expect("request"), StatusCode::NOT_FOUND, "not_found").await;
        }
        let res = app.admin(Method::PATCH, "/menu-items/1", &other)
            .json(&json!({ "version": 1, "price_minor": 1 })).send().await.expect("patch");
        expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
        let theirs = app.get_json("/menu-items", &other).await;
        assert_eq!(theirs, json!([]), "they see none of ours");
        // Nor can they file an item under our category.
        let res = app.admin(Method::POST, "/menu-items", &other)
            .json(&json!({ "category_id": 1, "name": { "en": "Sneaky" }, "price_minor": 100 })).send().await.expect("post");
        expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
        let mine = app.get_json("/menu-items/1", &app.owner).await;
        assert_eq!(mine["price"]["amount_minor"], 12000);
    }

    async fn menu_items_are_created_listed_by_category_and_deleted(app: TestApp) {
        let res = app.admin(Method::POST, "/categories", &app.owner)
            .json(&json!({ "name": { "en": "Specials", "ko": "특선" }, "sort": 9 })).send().await.expect("post");
        let cat = expect_status(res, StatusCode::CREATED).await;
        let res = app.admin(Method::POST, "/menu-items", &app.owner)
            .json(&json!({
                "category_id": cat["id"], "name": { "en": "Galbi", "ko": "갈비" }, "price_minor": 28000,
                "allergens": ["soy"], "station": "grill", "stock": 4,
                "option_groups": [{ "id": "size", "name": { "en": "Size" }, "min": 1, "max": 1,
                    "options": [{ "id": "s", "name": { "en": "Small" } }, { "id": "l", "name": { "en": "Large" }, "price_delta_minor": 6000 }] }]
            })).send().await.expect("post");
        let item = expect_status(res, StatusCode::CREATED).await;
        assert_eq!(item["price"], json!({ "amount_minor": 28000, "currency": "KRW" }));
        assert_eq!(item["version"], 1);
        let listed = app.get_json(&format!("/menu-items?category_id={}", cat["id"]), &app.owner).await;
        assert_eq!(listed, json!([item]));

        let res = app.admin(Method::DELETE, &format!("/categories/{}", cat["id"]), &app.owner).send().await.expect("delete");
        expect_error(res, StatusCode::CONFLICT, "category_not_empty").await;
        let res = app.admin(Method::DELETE, &format!("/menu-items/{}", item["id"]), &app.owner).send().await.expect("delete");
        expect_status(res, StatusCode::NO_CONTENT).await;
        let res = app.admin(Method::DELETE, &format!("/categories/{}", cat["id"]), &app.owner).send().await.expect("delete");
        expect_status(res, StatusCode::NO_CONTENT).await;
    }

    async fn invalid_menu_items_are_refused_with_422_naming_the_field(app: TestApp) {
        let cases = [
            (json!({ "category_id": 1, "name": {}, "price_minor": 100 }), "name"),
            (json!({ "category_id": 1, "name": { "en": "A" }, "price_minor": -5 }), "price_minor"),
            (json!({ "category_id": 1, "name": { "english": "A" }, "price_minor": 5 }), "name"),
            (json!({ "category_id": 1, "name": { "en": "A" }, "price_minor": 5, "station": "Main Kitchen!" }), "station"),
            (json!({ "category_id": 999, "name": { "en": "A" }, "price_minor": 5 }), "category_id"),
            (json!({ "category_id": 1, "name": { "en": "A" }, "price_minor": 5,
                     "option_groups": [{ "id": "g", "name": { "en": "G" }, "min": 2, "max": 1, "options": [{ "id": "o", "name": { "en": "O" } }] }] }), "option_groups"),
        ];
        let before = app.get_json("/menu-items", &app.owner).await;
        for (body, field) in cases {
            let res = app.admin(Method::POST, "/menu-items", &app.owner).json(&body).send().await.expect("post");
            let err = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
            assert_eq!(err["details"]["field"], field, "{body} → {err}");
        }
        assert_eq!(app.get_json("/menu-items", &app.owner).await, before, "nothing was created");
    }

    async fn an_option_that_would_make_the_price_negative_is_422_naming_it(app: TestApp) {
        let group = |options: serde_json::Value, max: u32| json!([{ "id": "extra", "name": { "en": "Extra" }, "min": 0, "max": max, "options": options }]);
        let item = |price: i64, groups: serde_json::Value| json!({ "category_id": 1, "name": { "en": "Rice" }, "price_minor": price, "option_groups": groups });
        let before = app.get_json("/menu-items", &app.owner).await;
        // The finding: a -5000 option on a 100 KRW item.
        let res = app.admin(Method::POST, "/menu-items", &app.owner)
            .json(&item(100, group(json!([{ "id": "refund", "name": { "en": "Refund" }, "price_delta_minor": -5000 }]), 1)))
            .send().await.expect("post");
        let err = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "negative_price").await;
        assert!(err["message"].as_str().expect("message").contains("`refund`"), "{err}");
        assert_eq!(err["details"]["options"], json!([{ "group_id": "extra", "option_id": "refund" }]));
        // Two discounts that may be chosen together are as bad as one.
        let two = json!([{ "id": "a", "name": { "en": "A" }, "price_delta_minor": -60 },
                         { "id": "b", "name": { "en": "B" }, "price_delta_minor": -60 }]);
        let res = app.admin(Method::POST, "/menu-items", &app.owner).json(&item(100, group(two.clone(), 2))).send().await.expect("post");
        let err = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "negative_price").await;
        assert_eq!(err["details"]["lowest_price_minor"], -20, "{err}");
        assert_eq!(app.get_json("/menu-items", &app.owner).await, before, "nothing was created");

        // One at a time, or down to exactly 0, is a discount, not a refund.
        let res = app.admin(Method::POST, "/menu-items", &app.owner).json(&item(100, group(two, 1))).send().await.expect("post");
        let created = expect_status(res, StatusCode::CREATED).await;
        let path = format!("/menu-items/{}", created["id"]);
        let free = item(60, group(json!([{ "id": "a", "name": { "en": "A" }, "price_delta_minor": -60 }]), 1));
        let res = app.admin(Method::POST, "/menu-items", &app.owner).json(&free).send().await.expect("post");
        expect_status(res, StatusCode::CREATED).await;

        // Lowering the item's price below an existing discount is refused too.
        let res = app.admin(Method::PATCH, &path, &app.owner)
            .json(&json!({ "version": created["version"], "price_minor": 59 })).send().await.expect("patch");
        let err = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "negative_price").await;
        assert!(err["message"].as_str().expect("message").contains("`a`"), "{err}");
        assert_eq!(app.get_json(&path, &app.owner).await, created, "the refused patch changed nothing");
    }
}
