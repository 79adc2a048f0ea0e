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
            .json(&json!({ "email": "x@example.com", "password": "password-1", "role": "owner" }))
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
            .json(&json!({ "email": app.seed.owner.email, "password": "long-enough", "role": "staff" }))
            .send().await.expect("request");
        expect_error(res, StatusCode::CONFLICT, "email_taken").await;
        let res = app.admin(Method::POST, "/users", &app.owner)
            .json(&json!({ "email": "new@example.com", "password": "short", "role": "staff" }))
            .send().await.expect("request");
        expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
        let res = app.admin(Method::POST, "/users", &app.owner)
            .json(&json!({ "email": "not-an-email", "password": "long-enough", "role": "staff" }))
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

    async fn anyone_changes_their_own_password_which_ends_their_other_sessions_only(app: TestApp) {
        let staff = app.staff().await;
        let me = app.get_json("/me", &staff).await;
        assert_eq!(me["role"], "staff");
        let email = me["email"].as_str().expect("email").to_owned();
        let elsewhere = app.login(&email, "staff-password").await;
        let wrong = app.admin(Method::POST, "/me/password", &staff)
            .json(&json!({ "current_password": "not-my-password", "new_password": "a new long passphrase 7" }))
            .send().await.expect("request");
        expect_error(wrong, StatusCode::UNPROCESSABLE_ENTITY, "wrong_password").await;
        assert_eq!(app.get_json("/me", &elsewhere).await["email"], email.as_str(), "nothing changed");
        let res = app.admin(Method::POST, "/me/password", &staff)
            .json(&json!({ "current_password": "staff-password", "new_password": "a new long passphrase 7" }))
            .send().await.expect("request");
        expect_status(res, StatusCode::NO_CONTENT).await;
        let res = app.admin(Method::GET, "/me", &elsewhere).send().await.expect("request");
        expect_error(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
        assert_eq!(app.get_json("/me", &staff).await["email"], email.as_str(), "this session stays");
        app.login(&email, "a new long passphrase 7").await;
        // The owner's sessions are not the staff member's.
        assert_eq!(app.get_json("/me", &app.owner).await["role"], "owner");
        let (_, device) = app.device().await;
        let res = app.admin(Method::GET, "/me", &device).send().await.expect("request");
        expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;
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
