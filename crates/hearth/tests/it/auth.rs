//! Sign-in, sessions, API tokens and the throttle (store side): lock-outs
//! per account and per address, idle and absolute timeouts, sign-out,
//! disabled accounts, password changes, token expiry and revocation, the
//! audit entries, and secrets kept only as hashes. Time is moved forward by
//! passing a later `now`, never by sleeping.

use super::*;
use chrono::{DateTime, Duration, Utc};
use hearth_core::Lang;
use hearth_core::scope::Scope;
use hearth_core::user::{Role, User, hash_password};
use hearth_store::audit::{self, AuditEntry, AuditFilter};
use hearth_store::auth::{self, AuthConfig, SignInError};
use hearth_store::{Db, StoreError, users};

const PW: &str = "correct horse";
const NEW_PW: &str = "battery staple";

fn add_user(db: &Db, username: &str, role: Role, org: &str) -> User {
    let hash = hash_password(PW).unwrap_or_else(|e| panic!("{e}"));
    users::create(
        db,
        &Scope::system("test"),
        &users::NewUser {
            username,
            display_name: "测试用户",
            role,
            org_code: org,
            password_hash: &hash,
            named_access: false,
        },
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn setup(kind: Kind) -> (TestDb, User) {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let u = add_user(&t.db, "v01", Role::VillageSpecialist, V1);
    (t, u)
}

fn cfg() -> AuthConfig {
    AuthConfig::default()
}

fn mins(n: i64) -> Duration {
    Duration::minutes(n)
}

fn sign_in(db: &Db, user: &str, pw: &str, origin: &str, now: DateTime<Utc>) -> auth::SignedIn {
    auth::sign_in(db, &cfg(), user, pw, origin, now).unwrap_or_else(|e| panic!("{e}"))
}

fn live(db: &Db, token: &str, now: DateTime<Utc>) -> bool {
    auth::session_user(db, &cfg(), token, now)
        .unwrap_or_else(|e| panic!("{e}"))
        .is_some()
}

fn trail(db: &Db, action: &str) -> Vec<AuditEntry> {
    let f = AuditFilter {
        action: Some(action.into()),
        ..AuditFilter::default()
    };
    audit::list(db, &Scope::system("test"), &f).unwrap_or_else(|e| panic!("{e}"))
}

fn owner_scope(u: &User) -> Scope {
    Scope::for_user(
        &u.id,
        &u.username,
        u.role,
        &u.org_code,
        u.named_access,
        "10.0.0.1",
    )
}

both!(sign_in_starts_a_session, |kind| {
    let (t, u) = setup(kind);
    let now = Utc::now();
    let s = sign_in(&t.db, "v01", PW, "10.0.0.1", now);
    assert_eq!(s.user.id, u.id);
    assert_eq!((s.token.len(), s.csrf_token.len()), (64, 64));
    assert_ne!(s.token, s.csrf_token);
    assert_eq!(s.expires_at - now, Duration::hours(12));
    // Debug output does not show the secrets.
    let dbg = format!("{s:?}");
    assert!(
        !dbg.contains(&s.token) && !dbg.contains(&s.csrf_token),
        "{dbg}"
    );

    let sess = auth::session_user(&t.db, &cfg(), &s.token, now + mins(1))
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no session"));
    assert_eq!(sess.user.id, u.id);
    assert_eq!(sess.origin, "10.0.0.1");
    assert_eq!(sess.id, auth::secret_hash(&s.token));
    assert!(sess.csrf_ok(&s.csrf_token));
    assert!(!sess.csrf_ok(&s.token));
    assert!(!sess.csrf_ok(""));
    let scope = sess.scope("10.0.0.9");
    assert_eq!(scope.user_id.as_deref(), Some(u.id.as_str()));
    assert_eq!(
        (
            scope.username.as_str(),
            scope.role,
            scope.org_prefix.as_str()
        ),
        ("v01", Role::VillageSpecialist, V1)
    );
    assert_eq!(scope.origin, "10.0.0.9");

    // Anything else is no session.
    for bad in ["", "nonsense", "a".repeat(5000).as_str(), sess.id.as_str()] {
        assert!(!live(&t.db, bad, now), "{bad}");
    }
    // A second sign-in is a second, independent session.
    let s2 = sign_in(&t.db, " v01 ", PW, "10.0.0.1", now);
    assert_ne!(s2.token, s.token);
    assert!(live(&t.db, &s.token, now) && live(&t.db, &s2.token, now));
});

both!(
    wrong_password_unknown_user_and_disabled_look_the_same,
    |kind| {
        let (t, _u) = setup(kind);
        let sys = Scope::system("test");
        let off = add_user(&t.db, "v02", Role::VillageSpecialist, V2);
        auth::set_disabled(&t.db, &sys, &off.id, true).unwrap_or_else(|e| panic!("{e}"));
        let now = Utc::now();
        let attempts = [
            ("v01", "wrong password", "10.0.0.1"),
            ("nobody", PW, "10.0.0.2"),
            ("V01", PW, "10.0.0.3"),
            ("v02", PW, "10.0.0.4"),
        ];
        let errors: Vec<SignInError> = attempts
            .iter()
            .map(
                |(user, pw, origin)| match auth::sign_in(&t.db, &cfg(), user, pw, origin, now) {
                    Err(e) => e,
                    Ok(_) => panic!("{user} signed in"),
                },
            )
            .collect();
        for e in &errors {
            assert!(matches!(e, SignInError::Invalid), "{e:?}");
            assert_eq!(e.to_string(), errors[0].to_string());
            assert_eq!(e.message(Lang::Zh), "用户名或密码错误");
            assert_eq!(e.message(Lang::En), "Wrong user name or password");
        }
        // Issuing a token refuses the same way.
        let e = auth::issue_token(&t.db, &cfg(), "nobody", PW, "cli", "10.0.0.5", now);
        assert!(matches!(e, Err(SignInError::Invalid)), "{e:?}");

        // Only the trail says which it was, with the name as typed and the origin.
        let mut failed: Vec<(String, String, String, Option<String>)> =
            trail(&t.db, "sign_in_failed")
                .into_iter()
                .map(|e| (e.username, e.origin, e.entity, e.detail))
                .collect();
        failed.sort();
        let want = |u: &str, o: &str, ent: &str, d: &str| {
            (
                u.to_string(),
                o.to_string(),
                ent.to_string(),
                Some(d.to_string()),
            )
        };
        assert_eq!(
            failed,
            vec![
                want("V01", "10.0.0.3", "session", "unknown_user"),
                want("nobody", "10.0.0.2", "session", "unknown_user"),
                want("nobody", "10.0.0.5", "api_token", "unknown_user"),
                want("v01", "10.0.0.1", "session", "wrong_password"),
                want("v02", "10.0.0.4", "session", "disabled"),
            ]
        );
        assert!(
            trail(&t.db, "sign_in_failed")
                .iter()
                .all(|e| e.user_id.is_none())
        );
    }
);

both!(five_failures_lock_the_account_and_the_address, |kind| {
    let (t, _u) = setup(kind);
    add_user(&t.db, "v02", Role::VillageSpecialist, V2);
    add_user(&t.db, "v03", Role::VillageSpecialist, V2);
    let now = Utc::now();
    for i in 0..5 {
        let e = auth::sign_in(&t.db, &cfg(), "v01", "guess", "10.0.0.1", now + mins(i));
        assert!(matches!(e, Err(SignInError::Invalid)), "attempt {i}: {e:?}");
    }
    // The sixth attempt, with the RIGHT password, is refused unchecked.
    let at = now + mins(5);
    let until = match auth::sign_in(&t.db, &cfg(), "v01", PW, "10.0.0.1", at) {
        Err(SignInError::Locked { until }) => until,
        other => panic!("{other:?}"),
    };
    // Locked for 15 minutes from the fifth failure (second precision).
    let until_t = DateTime::parse_from_rfc3339(&until)
        .unwrap_or_else(|e| panic!("{until}: {e}"))
        .with_timezone(&Utc);
    let fifth = now + mins(4);
    assert!(until_t > fifth + mins(15) - Duration::seconds(2) && until_t <= fifth + mins(15));
    let e = SignInError::Locked {
        until: until.clone(),
    };
    assert!(
        e.message(Lang::Zh).contains("北京时间"),
        "{}",
        e.message(Lang::Zh)
    );
    assert!(e.message(Lang::En).contains("try again after"));

    // The account is locked from any address.
    let e = auth::sign_in(&t.db, &cfg(), "v01", PW, "10.0.0.2", at);
    assert!(matches!(e, Err(SignInError::Locked { .. })), "{e:?}");
    // The address is locked for every account.
    let e = auth::sign_in(&t.db, &cfg(), "v02", PW, "10.0.0.1", at);
    assert!(matches!(e, Err(SignInError::Locked { .. })), "{e:?}");
    let e = auth::issue_token(&t.db, &cfg(), "v02", PW, "x", "10.0.0.1", at);
    assert!(matches!(e, Err(SignInError::Locked { .. })), "{e:?}");
    // Another account from another address is unaffected.
    assert!(auth::sign_in(&t.db, &cfg(), "v03", PW, "10.0.0.3", at).is_ok());
    // Locked attempts are audited too.
    assert!(
        trail(&t.db, "sign_in_failed")
            .iter()
            .any(|e| e.detail.as_deref() == Some("locked") && e.origin == "10.0.0.2")
    );

    // Still locked just before the end; open once `now` passes it.
    let e = auth::sign_in(
        &t.db,
        &cfg(),
        "v01",
        PW,
        "10.0.0.1",
        until_t - Duration::seconds(1),
    );
    assert!(matches!(e, Err(SignInError::Locked { .. })), "{e:?}");
    let later = until_t + Duration::seconds(1);
    let s = sign_in(&t.db, "v01", PW, "10.0.0.1", later);
    assert!(live(&t.db, &s.token, later));
    // Success cleared both counts: one more failure does not lock again.
    let e = auth::sign_in(&t.db, &cfg(), "v01", "guess", "10.0.0.1", later);
    assert!(matches!(e, Err(SignInError::Invalid)), "{e:?}");
    assert!(auth::sign_in(&t.db, &cfg(), "v02", PW, "10.0.0.1", later).is_ok());
});

both!(concurrent_guesses_do_not_pass_the_limit, |kind| {
    let (t, _u) = setup(kind);
    let now = Utc::now();
    // Twelve guesses at once, from twelve addresses: the account's count is
    // taken before each password check, so exactly five get checked.
    let results: Vec<Result<auth::SignedIn, SignInError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..12)
            .map(|i| {
                let db = t.db.clone();
                s.spawn(move || {
                    auth::sign_in(&db, &cfg(), "v01", "guess", &format!("10.0.1.{i}"), now)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| panic!("thread panicked")))
            .collect()
    });
    let invalid = results
        .iter()
        .filter(|r| matches!(r, Err(SignInError::Invalid)))
        .count();
    let locked = results
        .iter()
        .filter(|r| matches!(r, Err(SignInError::Locked { .. })))
        .count();
    assert_eq!((invalid, locked), (5, 7));
});

both!(failures_outside_the_window_do_not_add_up, |kind| {
    let (t, _u) = setup(kind);
    let now = Utc::now();
    for i in 0..4 {
        let e = auth::sign_in(&t.db, &cfg(), "v01", "guess", "10.0.0.1", now + mins(i));
        assert!(matches!(e, Err(SignInError::Invalid)), "{e:?}");
    }
    // The window (15 minutes from the first failure) has passed: a fifth
    // failure starts a new count instead of locking.
    let later = now + mins(16);
    let e = auth::sign_in(&t.db, &cfg(), "v01", "guess", "10.0.0.1", later);
    assert!(matches!(e, Err(SignInError::Invalid)), "{e:?}");
    assert!(auth::sign_in(&t.db, &cfg(), "v01", PW, "10.0.0.1", later).is_ok());
});

both!(
    sessions_expire_when_idle_and_at_their_absolute_end,
    |kind| {
        let (t, _u) = setup(kind);
        let now = Utc::now();
        let last_seen = |id: &str| {
            t.db.read(|tx| {
                Ok(tx
                    .query_one(
                        "SELECT last_seen_at FROM session WHERE id = $1",
                        &[hearth_store::db::P::T(id)],
                    )?
                    .text(0)
                    .unwrap())
            })
            .unwrap_or_else(|e| panic!("{e}"))
        };

        // Idle: 30 minutes without a request ends it; each request restarts it.
        let s = sign_in(&t.db, "v01", PW, "10.0.0.1", now);
        let id = auth::secret_hash(&s.token);
        let first_seen = last_seen(&id);
        // Within a minute of the last touch, no write.
        assert!(live(&t.db, &s.token, now + Duration::seconds(30)));
        assert_eq!(last_seen(&id), first_seen);
        assert!(live(&t.db, &s.token, now + mins(29)));
        assert_ne!(last_seen(&id), first_seen);
        assert!(live(&t.db, &s.token, now + mins(58)));
        assert!(!live(
            &t.db,
            &s.token,
            now + mins(88) + Duration::seconds(1)
        ));
        // Once over, it stays over.
        assert!(!live(&t.db, &s.token, now + mins(100)));

        // Absolute: used every 20 minutes, it still ends 12 hours after sign-in.
        let s = sign_in(&t.db, "v01", PW, "10.0.0.1", now);
        for k in 1..=35 {
            assert!(live(&t.db, &s.token, now + mins(20 * k)), "at {k}");
        }
        assert!(!live(&t.db, &s.token, now + Duration::hours(12)));
    }
);

both!(sign_out_revokes_and_is_audited, |kind| {
    let (t, u) = setup(kind);
    let now = Utc::now();
    let _ = auth::sign_in(&t.db, &cfg(), "v01", "guess", "10.0.0.7", now);
    let s = sign_in(&t.db, "v01", PW, "10.0.0.1", now);
    let other = sign_in(&t.db, "v01", PW, "10.0.0.1", now);
    assert_eq!(auth::sign_out(&t.db, &s.token, "10.0.0.2").ok(), Some(true));
    assert!(!live(&t.db, &s.token, now));
    assert!(live(&t.db, &other.token, now));
    // A second sign-out, or an unknown token, changes nothing.
    assert_eq!(
        auth::sign_out(&t.db, &s.token, "10.0.0.2").ok(),
        Some(false)
    );
    assert_eq!(
        auth::sign_out(&t.db, "nonsense", "10.0.0.2").ok(),
        Some(false)
    );

    let id = auth::secret_hash(&s.token);
    let ins = trail(&t.db, "sign_in");
    assert_eq!(ins.len(), 2);
    assert!(ins.iter().all(|e| e.username == "v01"
        && e.user_id.as_deref() == Some(u.id.as_str())
        && e.origin == "10.0.0.1"
        && e.entity == "session"));
    assert!(
        ins.iter()
            .any(|e| e.entity_id.as_deref() == Some(id.as_str()))
    );
    let outs = trail(&t.db, "sign_out");
    assert_eq!(outs.len(), 1);
    assert_eq!(
        (
            outs[0].username.as_str(),
            outs[0].origin.as_str(),
            outs[0].entity_id.as_deref()
        ),
        ("v01", "10.0.0.2", Some(id.as_str()))
    );
    let failed = trail(&t.db, "sign_in_failed");
    assert_eq!(failed.len(), 1);
    assert_eq!(
        (failed[0].username.as_str(), failed[0].origin.as_str()),
        ("v01", "10.0.0.7")
    );
});

both!(disabled_users_are_shut_out, |kind| {
    let (t, u) = setup(kind);
    let sys = Scope::system("test");
    let now = Utc::now();
    let s = sign_in(&t.db, "v01", PW, "10.0.0.1", now);
    let tok = auth::issue_token(&t.db, &cfg(), "v01", PW, "tablet", "10.0.0.1", now)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        auth::token_user(&t.db, &tok.token, now)
            .ok()
            .flatten()
            .is_some()
    );

    // Only administrators may disable, and not themselves.
    assert!(matches!(
        auth::set_disabled(&t.db, &village_scope(V1), &u.id, true),
        Err(StoreError::Forbidden)
    ));
    let admin = add_user(&t.db, "admin1", Role::Admin, TOWN);
    let admin_scope = owner_scope(&admin);
    assert!(matches!(
        auth::set_disabled(&t.db, &admin_scope, &admin.id, true),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        auth::set_disabled(&t.db, &admin_scope, "no-such-user", true),
        Err(StoreError::NotFound)
    ));

    let off = auth::set_disabled(&t.db, &sys, &u.id, true).unwrap_or_else(|e| panic!("{e}"));
    assert!(off.disabled);
    assert_eq!(off.version, u.version + 1);
    assert!(!live(&t.db, &s.token, now));
    assert!(
        auth::token_user(&t.db, &tok.token, now)
            .ok()
            .flatten()
            .is_none()
    );
    let e = auth::sign_in(&t.db, &cfg(), "v01", PW, "10.0.0.1", now);
    assert!(matches!(e, Err(SignInError::Invalid)), "{e:?}");
    let e = auth::issue_token(&t.db, &cfg(), "v01", PW, "x", "10.0.0.1", now);
    assert!(matches!(e, Err(SignInError::Invalid)), "{e:?}");

    // Enabled again: the old session and token stay revoked; a new sign-in works.
    let on = auth::set_disabled(&t.db, &sys, &u.id, false).unwrap_or_else(|e| panic!("{e}"));
    assert!(!on.disabled);
    assert!(!live(&t.db, &s.token, now));
    assert!(
        auth::token_user(&t.db, &tok.token, now)
            .ok()
            .flatten()
            .is_none()
    );
    let s2 = sign_in(&t.db, "v01", PW, "10.0.0.1", now);
    assert!(live(&t.db, &s2.token, now));
    let details: Vec<Option<String>> = trail(&t.db, "update")
        .into_iter()
        .filter(|e| e.entity_id.as_deref() == Some(u.id.as_str()))
        .map(|e| e.detail)
        .collect();
    assert!(
        details.contains(&Some("disabled".into())) && details.contains(&Some("enabled".into()))
    );
});

both!(changing_the_password_ends_other_sessions, |kind| {
    let (t, u) = setup(kind);
    let now = Utc::now();
    let a = sign_in(&t.db, "v01", PW, "10.0.0.1", now);
    let b = sign_in(&t.db, "v01", PW, "10.0.0.2", now);
    let tok = auth::issue_token(&t.db, &cfg(), "v01", PW, "tablet", "10.0.0.1", now)
        .unwrap_or_else(|e| panic!("{e}"));
    let sess = auth::session_user(&t.db, &cfg(), &a.token, now)
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no session"));

    let e = auth::change_password(&t.db, &cfg(), &sess, "not it", NEW_PW, "10.0.0.1", now);
    assert!(matches!(e, Err(SignInError::Invalid)), "{e:?}");
    let e = auth::change_password(&t.db, &cfg(), &sess, PW, "short", "10.0.0.1", now);
    assert!(
        matches!(e, Err(SignInError::Store(StoreError::Invalid(ref f))) if f[0].field == "new_password"),
        "{e:?}"
    );
    auth::change_password(&t.db, &cfg(), &sess, PW, NEW_PW, "10.0.0.1", now)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(live(&t.db, &a.token, now), "the current session stays");
    assert!(!live(&t.db, &b.token, now), "other sessions end");
    assert!(
        auth::token_user(&t.db, &tok.token, now)
            .ok()
            .flatten()
            .is_none()
    );
    let e = auth::sign_in(&t.db, &cfg(), "v01", PW, "10.0.0.3", now);
    assert!(matches!(e, Err(SignInError::Invalid)), "{e:?}");
    sign_in(&t.db, "v01", NEW_PW, "10.0.0.3", now);
    let changed_at =
        t.db.read(|tx| {
            Ok(tx
                .query_one(
                    "SELECT password_changed_at FROM app_user WHERE id = $1",
                    &[hearth_store::db::P::T(&u.id)],
                )?
                .opt_text(0)
                .unwrap())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(changed_at.is_some());

    // An administrator's reset ends every session and lifts the lock.
    for _ in 0..5 {
        let _ = auth::sign_in(&t.db, &cfg(), "v01", "guess", "10.0.0.4", now);
    }
    let e = auth::sign_in(&t.db, &cfg(), "v01", NEW_PW, "10.0.0.5", now);
    assert!(matches!(e, Err(SignInError::Locked { .. })), "{e:?}");
    let reset = hash_password("reset-pass-1").unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        auth::admin_reset_password(&t.db, &village_scope(V1), &u.id, &reset),
        Err(StoreError::Forbidden)
    ));
    assert!(matches!(
        auth::admin_reset_password(&t.db, &Scope::system("test"), "nobody", &reset),
        Err(StoreError::NotFound)
    ));
    auth::admin_reset_password(&t.db, &Scope::system("test"), &u.id, &reset)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!live(&t.db, &a.token, now));
    sign_in(&t.db, "v01", "reset-pass-1", "10.0.0.5", now);
    let details: Vec<Option<String>> = trail(&t.db, "update")
        .into_iter()
        .map(|e| e.detail)
        .collect();
    assert!(details.contains(&Some("password".into())));
    assert!(details.contains(&Some("password_reset".into())));
});

both!(api_tokens_expire_and_can_be_revoked, |kind| {
    let (t, u) = setup(kind);
    let now = Utc::now();
    let issue = |name: &str| {
        auth::issue_token(&t.db, &cfg(), "v01", PW, name, "10.0.0.1", now)
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let user_of = |token: &str, at: DateTime<Utc>| {
        auth::token_user(&t.db, token, at)
            .unwrap_or_else(|e| panic!("{e}"))
            .map(|u| u.id)
    };
    let tok = issue("手机");
    assert!(tok.token.starts_with("hth_"));
    assert_eq!(tok.id, auth::secret_hash(&tok.token));
    assert_eq!(tok.expires_at - now, Duration::days(30));
    assert!(!format!("{tok:?}").contains(&tok.token));
    assert_eq!(user_of(&tok.token, now), Some(u.id.clone()));
    assert_eq!(
        user_of(&tok.token, now + Duration::days(29)),
        Some(u.id.clone())
    );
    assert_eq!(user_of(&tok.token, now + Duration::days(30)), None);
    assert_eq!(user_of("hth_nonsense", now), None);
    assert_eq!(user_of(&tok.id, now), None, "the id is not the token");
    // A token is not a session cookie, nor the other way round.
    assert!(!live(&t.db, &tok.token, now));
    let s = sign_in(&t.db, "v01", PW, "10.0.0.1", now);
    assert_eq!(user_of(&s.token, now), None);

    // Revoke by id (its owner) and by the token itself (an administrator);
    // anyone else is told it does not exist.
    let by_id = issue("");
    let by_token = issue("script");
    let stranger = village_scope(V1);
    assert!(matches!(
        auth::revoke_token(&t.db, &stranger, &by_id.id),
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        auth::revoke_token(&t.db, &owner_scope(&u), "no-such-token"),
        Err(StoreError::NotFound)
    ));
    auth::revoke_token(&t.db, &owner_scope(&u), &by_id.id).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(user_of(&by_id.token, now), None);
    auth::revoke_token(&t.db, &owner_scope(&u), &by_id.id).unwrap_or_else(|e| panic!("{e}"));
    auth::revoke_token(&t.db, &Scope::system("test"), &by_token.token)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(user_of(&by_token.token, now), None);
    assert_eq!(user_of(&tok.token, now), Some(u.id.clone()));

    let listed =
        auth::list_tokens(&t.db, &owner_scope(&u), &u.id).unwrap_or_else(|e| panic!("{e}"));
    let mut names: Vec<(String, bool)> = listed.into_iter().map(|t| (t.name, t.revoked)).collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            ("api".into(), true),
            ("script".into(), true),
            ("手机".into(), false)
        ]
    );
    assert!(matches!(
        auth::list_tokens(&t.db, &stranger, &u.id),
        Err(StoreError::Forbidden)
    ));
    let revoked = trail(&t.db, "update")
        .into_iter()
        .filter(|e| e.entity == "api_token" && e.detail.as_deref() == Some("revoked"))
        .count();
    assert_eq!(revoked, 2);
    assert!(
        trail(&t.db, "sign_in")
            .iter()
            .any(|e| e.entity == "api_token"
                && e.entity_id.as_deref() == Some(tok.id.as_str())
                && e.detail.as_deref() == Some("手机"))
    );
});

both!(secrets_are_stored_only_as_hashes, |kind| {
    let (t, _u) = setup(kind);
    let now = Utc::now();
    let s = sign_in(&t.db, "v01", PW, "10.0.0.1", now);
    let tok = auth::issue_token(&t.db, &cfg(), "v01", PW, "tablet", "10.0.0.1", now)
        .unwrap_or_else(|e| panic!("{e}"));
    auth::sign_out(&t.db, &s.token, "10.0.0.1").unwrap_or_else(|e| panic!("{e}"));
    let _ = auth::sign_in(&t.db, &cfg(), "v01", &s.token, "10.0.0.1", now);
    let secrets = [s.token.as_str(), tok.token.as_str(), &tok.token[4..]];
    let mut seen = 0;
    for table in [
        "session",
        "api_token",
        "audit_log",
        "sign_in_failure",
        "app_user",
    ] {
        let rows =
            t.db.read(|tx| tx.query(&format!("SELECT * FROM {table}"), &[]))
                .unwrap_or_else(|e| panic!("{e}"));
        for r in rows {
            seen += 1;
            let text = format!("{:?}", r.0);
            for secret in secrets {
                assert!(!text.contains(secret), "{table} holds a secret: {text}");
            }
        }
    }
    assert!(seen > 5);
    // What is stored is the hash.
    let ids =
        t.db.read(|tx| {
            Ok((
                tx.query_one("SELECT id FROM session", &[])?
                    .text(0)
                    .unwrap(),
                tx.query_one("SELECT id FROM api_token", &[])?
                    .text(0)
                    .unwrap(),
            ))
        })
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        ids,
        (auth::secret_hash(&s.token), auth::secret_hash(&tok.token))
    );
});
