use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, expect_error, expect_status};
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

    async fn two_owners_demoting_each_other_at_once_never_leave_none(app: TestApp) {
        let email = "second-owner@example.com";
        let res = app.admin(Method::POST, "/users", &app.owner)
            .json(&json!({ "email": email, "password": "a second owner here", "role": "owner" })).send().await.expect("request");
        let second_id = expect_status(res, StatusCode::CREATED).await["id"].as_i64().expect("id");
        let second = app.login(email, "a second owner here").await;
        let users = app.get_json("/users", &app.owner).await;
        let first_id = users.as_array().expect("users").iter().find(|u| u["email"] == app.seed.owner.email.as_str()).expect("owner")["id"].as_i64().expect("id");
        let owners = |users: &serde_json::Value| -> Vec<i64> {
            users.as_array().expect("users").iter().filter(|u| u["role"] == "owner").map(|u| u["id"].as_i64().expect("id")).collect()
        };
        let demote = |token: &str, id: i64| app.admin(Method::PATCH, &format!("/users/{id}"), token).json(&json!({ "role": "staff" })).send();
        for round in 0..50 {
            let (a, b) = tokio::join!(demote(&app.owner, second_id), demote(&second, first_id));
            let statuses = [a.expect("a").status(), b.expect("b").status()];
            assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1, "round {round}: {statuses:?}");
            // The other lost: the last owner (409), or no owner any more by the time it was checked (403).
            assert!(statuses.iter().all(|s| [StatusCode::OK, StatusCode::CONFLICT, StatusCode::FORBIDDEN].contains(s)), "round {round}: {statuses:?}");
            let (token, other) = if statuses[0] == StatusCode::OK { (&app.owner, second_id) } else { (&second, first_id) };
            let left = owners(&app.get_json("/users", token).await);
            assert_eq!(left.len(), 1, "round {round}: exactly one owner remains, not {left:?}");
            // The one left makes the other an owner again for the next round.
            let res = app.admin(Method::PATCH, &format!("/users/{other}"), token).json(&json!({ "role": "owner" })).send().await.expect("promote");
            expect_status(res, StatusCode::OK).await;
        }
        // Deleting each other at once ends the same way.
        let delete = |token: &str, id: i64| app.admin(Method::DELETE, &format!("/users/{id}"), token).send();
        let (a, b) = tokio::join!(delete(&app.owner, second_id), delete(&second, first_id));
        let statuses = [a.expect("a").status(), b.expect("b").status()];
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::NO_CONTENT).count(), 1, "{statuses:?}");
        let token = if statuses[0] == StatusCode::NO_CONTENT { &app.owner } else { &second };
        assert_eq!(owners(&app.get_json("/users", token).await).len(), 1);
    }

    async fn a_rename_at_the_moment_of_a_demotion_undoes_neither(app: TestApp) {
        for round in 0..20 {
            let res = app.admin(Method::POST, "/users", &app.owner)
                .json(&json!({ "email": format!("co-owner-{round}@example.com"), "password": "a long pass phrase 9", "role": "owner" }))
                .send().await.expect("create");
            let id = expect_status(res, StatusCode::CREATED).await["id"].as_i64().expect("id");
            let path = format!("/users/{id}");
            let (demote, rename) = tokio::join!(
                app.admin(Method::PATCH, &path, &app.owner).json(&json!({ "role": "staff" })).send(),
                app.admin(Method::PATCH, &path, &app.owner).json(&json!({ "name": "Renamed" })).send(),
            );
            expect_status(demote.expect("demote"), StatusCode::OK).await;
            expect_status(rename.expect("rename"), StatusCode::OK).await;
            let users = app.get_json("/users", &app.owner).await;
            let user = users.as_array().expect("users").iter().find(|u| u["id"] == id).expect("user");
            assert_eq!((user["role"].as_str(), user["name"].as_str()), (Some("staff"), Some("Renamed")), "round {round}");
        }
    }

    async fn staff_cannot_register_or_revoke_kitchen_devices(app: TestApp) {
        let staff = app.staff().await;
        let res = app.admin(Method::POST, "/devices", &staff).json(&json!({ "name": "Rogue screen", "station": "kitchen" })).send().await.expect("post");
        expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;
        let (id, _) = app.device().await;
        let res = app.admin(Method::POST, &format!("/devices/{id}/revoke"), &staff).send().await.expect("revoke");
        expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;
        let res = app.admin(Method::GET, "/devices", &staff).send().await.expect("list");
        expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;
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

    async fn a_switched_off_account_cannot_sign_in_and_its_sessions_end(app: TestApp) {
        let email = "switched@example.com";
        let res = app.admin(Method::POST, "/users", &app.owner)
            .json(&json!({ "email": email, "password": "a long pass phrase 3", "role": "staff" })).send().await.expect("create");
        let id = expect_status(res, StatusCode::CREATED).await["id"].as_i64().expect("id");
        let session = app.login(email, "a long pass phrase 3").await;
        let login = |password: &'static str| app.client.post(app.url("/api/v1/admin/login"))
            .json(&json!({ "email": email, "password": password })).send();

        let res = app.admin(Method::PATCH, &format!("/users/{id}"), &app.owner)
            .json(&json!({ "disabled": true })).send().await.expect("switch off");
        assert_eq!(expect_status(res, StatusCode::OK).await["disabled"], true);
        let res = app.admin(Method::GET, "/me", &session).send().await.expect("me");
        expect_error(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
        expect_error(login("a long pass phrase 3").await.expect("login"), StatusCode::FORBIDDEN, "account_disabled").await;
        // Without the password nothing tells that the account exists.
        expect_error(login("not the password at all").await.expect("login"), StatusCode::UNAUTHORIZED, "unauthorized").await;
        let users = app.get_json("/users", &app.owner).await;
        let listed = users.as_array().expect("users").iter().find(|u| u["id"] == id).expect("still listed");
        assert_eq!(listed["disabled"], true);

        let res = app.admin(Method::PATCH, &format!("/users/{id}"), &app.owner)
            .json(&json!({ "disabled": false })).send().await.expect("switch on");
        assert_eq!(expect_status(res, StatusCode::OK).await["disabled"], false);
        let again = app.login(email, "a long pass phrase 3").await;
        assert_eq!(app.get_json("/me", &again).await["email"], email);
    }

    async fn a_switched_off_owner_does_not_count_as_the_remaining_owner(app: TestApp) {
        let users = app.get_json("/users", &app.owner).await;
        let first = users[0]["id"].as_i64().expect("id");
        let res = app.admin(Method::PATCH, &format!("/users/{first}"), &app.owner)
            .json(&json!({ "disabled": true })).send().await.expect("self off");
        expect_error(res, StatusCode::CONFLICT, "last_owner").await;

        let res = app.admin(Method::POST, "/users", &app.owner)
            .json(&json!({ "email": "co-owner@example.com", "password": "a long pass phrase 4", "role": "owner" }))
            .send().await.expect("create");
        let second = expect_status(res, StatusCode::CREATED).await["id"].as_i64().expect("id");
        let res = app.admin(Method::PATCH, &format!("/users/{second}"), &app.owner)
            .json(&json!({ "disabled": true })).send().await.expect("second off");
        expect_status(res, StatusCode::OK).await;
        // The switched-off owner cannot take over: the first stays the last owner.
        let res = app.admin(Method::PATCH, &format!("/users/{first}"), &app.owner)
            .json(&json!({ "role": "staff" })).send().await.expect("demote");
        expect_error(res, StatusCode::CONFLICT, "last_owner").await;
        let res = app.admin(Method::DELETE, &format!("/users/{first}"), &app.owner).send().await.expect("delete");
        expect_error(res, StatusCode::CONFLICT, "last_owner").await;
        // With the second owner on again, the first may be switched off.
        let res = app.admin(Method::PATCH, &format!("/users/{second}"), &app.owner)
            .json(&json!({ "disabled": false })).send().await.expect("second on");
        expect_status(res, StatusCode::OK).await;
        let res = app.admin(Method::PATCH, &format!("/users/{first}"), &app.owner)
            .json(&json!({ "disabled": true })).send().await.expect("first off");
        expect_status(res, StatusCode::OK).await;
        let res = app.admin(Method::GET, "/me", &app.owner).send().await.expect("me");
        expect_error(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
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

/// A login as `email`/`password` (naming `restaurant` when given).
async fn login_as(
    app: &TestApp,
    email: &str,
    password: &str,
    restaurant: Option<i64>,
) -> (StatusCode, serde_json::Value) {
    let mut body = json!({ "email": email, "password": password });
    if let Some(r) = restaurant {
        body["restaurant_id"] = json!(r);
    }
    let res = app
        .client
        .post(app.url("/api/v1/admin/login"))
        .json(&body)
        .send()
        .await
        .expect("login");
    let status = res.status();
    (status, res.json().await.expect("JSON body"))
}

on_both_backends! {
    async fn another_restaurant_cannot_tell_whether_an_email_has_an_account(app: TestApp) {
        let b = app.other_restaurant().await;
        let b_id = app.get_json("/restaurant", &b).await["id"].as_i64().expect("id");
        let a_id = app.get_json("/restaurant", &app.owner).await["id"].as_i64().expect("id");
        let add = |email: String| {
            let req = app.admin(Method::POST, "/users", &b)
                .json(&json!({ "email": email, "password": "chosen by restaurant b", "name": "Kim", "role": "staff" }));
            async move {
                let res = req.send().await.expect("request");
                let status = res.status();
                let mut body: serde_json::Value = res.json().await.expect("JSON body");
                // What differs by nature: the new id, the email asked for.
                body.as_object_mut().expect("object").remove("id");
                let email = body["email"].take();
                (status, body, email)
            }
        };
        // A's owner's email, and one nobody has: the same answer.
        let (taken_status, taken, taken_email) = add(app.seed.owner.email.to_uppercase()).await;
        let (fresh_status, fresh, _) = add(format!("fresh-{}@example.com", crate::helpers::random_suffix())).await;
        assert_eq!((taken_status, &taken), (fresh_status, &fresh));
        assert_eq!(taken_status, StatusCode::CREATED, "{taken}");
        assert_eq!(taken_email, json!(app.seed.owner.email.to_lowercase()));
        // Within B the email is now B's own: a second one is B's business.
        let res = app.admin(Method::POST, "/users", &b)
            .json(&json!({ "email": app.seed.owner.email, "password": "chosen by restaurant b", "role": "staff" }))
            .send().await.expect("request");
        expect_error(res, StatusCode::CONFLICT, "email_taken").await;

        // Each password opens its own account; A's owner is not disturbed.
        let (status, body) = login_as(&app, &app.seed.owner.email, &app.seed.owner.password, None).await;
        assert_eq!((status, body["restaurant_id"].as_i64()), (StatusCode::OK, Some(a_id)), "{body}");
        let (status, body) = login_as(&app, &app.seed.owner.email, "chosen by restaurant b", None).await;
        assert_eq!((status, body["restaurant_id"].as_i64(), body["role"].as_str()), (StatusCode::OK, Some(b_id), Some("staff")), "{body}");
        let (status, _) = login_as(&app, &app.seed.owner.email, "chosen by restaurant b", Some(a_id)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "naming A, B's password opens nothing");
    }

    async fn a_password_that_opens_two_restaurants_asks_which(app: TestApp) {
        let b = app.other_restaurant().await;
        let b_id = app.get_json("/restaurant", &b).await["id"].as_i64().expect("id");
        let res = app.admin(Method::POST, "/users", &b)
            .json(&json!({ "email": app.seed.owner.email, "password": app.seed.owner.password, "role": "owner" }))
            .send().await.expect("request");
        expect_status(res, StatusCode::CREATED).await;
        let (status, body) = login_as(&app, &app.seed.owner.email, &app.seed.owner.password, None).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["code"], "restaurant_required");
        let listed: Vec<i64> = body["details"]["restaurants"].as_array().expect("list").iter()
            .filter_map(|r| r["id"].as_i64()).collect();
        assert_eq!(listed.len(), 2, "{body}");
        assert!(listed.contains(&b_id));
        let (status, body) = login_as(&app, &app.seed.owner.email, &app.seed.owner.password, Some(b_id)).await;
        assert_eq!((status, body["restaurant_id"].as_i64()), (StatusCode::OK, Some(b_id)), "{body}");
    }
}
