use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{expect_error, expect_status};
use crate::on_both_backends;

on_both_backends! {
    async fn staff_cannot_manage_users(app: TestApp) {
        let staff = app.staff().await;
        let res = app.admin(Method::GET, "/users", &staff).send().await.expect("request");
        expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;
        let res = app.admin(Method::POST, "/users", &staff)
            .json(&json!({ "email": "x@example.com", "password": "a-password-of-staff", "role": "owner" }))
            .send().await.expect("request");
        expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;
        let users = app.get_json("/users", &app.owner).await;
        assert!(users.as_array().is_some_and(|u| u.iter().all(|u| u["email"] != "x@example.com")));
    }

    async fn staff_can_edit_the_menu_and_tables(app: TestApp) {
        let staff = app.staff().await;
        let res = app.admin(Method::POST, "/tables", &staff).json(&json!({ "name": "Patio 1" })).send().await.expect("post");
        expect_status(res, StatusCode::CREATED).await;
        let item = app.get_json("/menu-items/2", &staff).await;
        let res = app.admin(Method::PATCH, "/menu-items/2", &staff)
            .json(&json!({ "version": item["version"], "available": false })).send().await.expect("patch");
        let body = expect_status(res, StatusCode::OK).await;
        assert_eq!(body["available"], false);
    }

    async fn duplicate_email_is_409_and_short_password_is_422(app: TestApp) {
        let res = app.admin(Method::POST, "/users", &app.owner)
            .json(&json!({ "email": app.seed.owner.email, "password": "long-enough-by-far", "role": "staff" }))
            .send().await.expect("request");
        expect_error(res, StatusCode::CONFLICT, "email_taken").await;
        let res = app.admin(Method::POST, "/users", &app.owner)
            .json(&json!({ "email": "new@example.com", "password": "short", "role": "staff" }))
            .send().await.expect("request");
        expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "weak_password").await;
        let res = app.admin(Method::POST, "/users", &app.owner)
            .json(&json!({ "email": "not-an-email", "password": "long-enough-by-far", "role": "staff" }))
            .send().await.expect("request");
        expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    }

    async fn the_last_owner_cannot_be_demoted_or_deleted(app: TestApp) {
        let users = app.get_json("/users", &app.owner).await;
        let id = users[0]["id"].as_i64().expect("id");
        let res = app.admin(Method::PATCH, &format!("/users/{id}"), &app.owner)
            .json(&json!({ "role": "staff" })).send().await.expect("request");
        expect_error(res, StatusCode::CONFLICT, "last_owner").await;
        let res = app.admin(Method::DELETE, &format!("/users/{id}"), &app.owner).send().await.expect("request");
        expect_error(res, StatusCode::CONFLICT, "last_owner").await;
    }

    async fn a_password_change_ends_the_old_sessions(app: TestApp) {
        let email = "cook@example.com";
        let res = app.admin(Method::POST, "/users", &app.owner)
            .json(&json!({ "email": email, "password": "first-password", "role": "staff" }))
            .send().await.expect("request");
        let id = expect_status(res, StatusCode::CREATED).await["id"].as_i64().expect("id");
        let old = app.login(email, "first-password").await;
        let res = app.admin(Method::PATCH, &format!("/users/{id}"), &app.owner)
            .json(&json!({ "password": "second-password" })).send().await.expect("request");
        expect_status(res, StatusCode::OK).await;
        let res = app.admin(Method::GET, "/restaurant", &old).send().await.expect("request");
        expect_error(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
        app.login(email, "second-password").await;
    }

    async fn weak_passwords_are_422_for_new_accounts_and_password_changes(app: TestApp) {
        let huge = "x1y2z3".repeat(10_000);
        for (password, says) in [("password", "at least 12"), ("12345678", "at least 12"), ("        ", "at least 12"),
                                 ("            ", "different"), ("abababababab", "different"),
                                 ("password1234", "common"), ("QWERTY123456", "common"), ("1q2w3e4r5t6y", "common"),
                                 (huge.as_str(), "128 bytes"), (&"é".repeat(65), "128 bytes")] {
            let res = app.admin(Method::POST, "/users", &app.owner)
                .json(&json!({ "email": format!("weak-{}@example.com", password.len()), "password": password, "role": "staff" }))
                .send().await.expect("request");
            let err = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "weak_password").await;
            assert!(err["message"].as_str().expect("message").contains(says), "{password:.20}: {err}");
        }
        let users = app.get_json("/users", &app.owner).await;
        assert_eq!(users.as_array().map(Vec::len), Some(1), "no account was made: {users}");

        // 12 characters of a passphrase are enough; a change to a weak one is refused.
        let email = "cook@example.com";
        let res = app.admin(Method::POST, "/users", &app.owner)
            .json(&json!({ "email": email, "password": "soup of days", "role": "staff" })).send().await.expect("request");
        let id = expect_status(res, StatusCode::CREATED).await["id"].as_i64().expect("id");
        let session = app.login(email, "soup of days").await;
        let res = app.admin(Method::PATCH, &format!("/users/{id}"), &app.owner)
            .json(&json!({ "password": "Password1234", "name": "Changed" })).send().await.expect("request");
        expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "weak_password").await;
        app.get_json("/restaurant", &session).await;
        app.login(email, "soup of days").await;
        let users = app.get_json("/users", &app.owner).await;
        assert!(users.as_array().expect("users").iter().all(|u| u["name"] != "Changed"), "the refused patch changed nothing");
    }

    async fn another_restaurants_user_answers_404(app: TestApp) {
        let other = app.other_restaurant().await;
        let theirs = app.get_json("/users", &other).await;
        let id = theirs[0]["id"].as_i64().expect("id");
        let res = app.admin(Method::PATCH, &format!("/users/{id}"), &app.owner)
            .json(&json!({ "name": "mine now" })).send().await.expect("request");
        expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
    }
}
