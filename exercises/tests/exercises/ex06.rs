use exercises::ex06_duplicate_emails::{change_email, EMAIL_TAKEN};

use crate::memory_db;

async fn db_with_users() -> sqlx::SqlitePool {
    let db = memory_db().await;
    sqlx::raw_sql(
        r#"CREATE TABLE "user" (id INTEGER PRIMARY KEY NOT NULL, username TEXT NOT NULL, email TEXT NOT NULL);
           CREATE UNIQUE INDEX ix_user_email ON "user" (email);
           INSERT INTO "user" (id, username, email) VALUES (1, 'john', 'john@example.com'), (2, 'susan', 'susan@example.com');"#,
    )
    .execute(&db)
    .await
    .expect("the table");
    db
}

async fn email_of(db: &sqlx::SqlitePool, id: i64) -> String {
    sqlx::query_scalar(r#"SELECT email FROM "user" WHERE id = ?"#)
        .bind(id)
        .fetch_one(db)
        .await
        .expect("the email")
}

#[rocket::async_test]
async fn someone_elses_address_is_the_form_error() {
    let db = db_with_users().await;
    let result = change_email(&db, 1, "susan@example.com").await;
    assert!(matches!(result, Ok(Err(EMAIL_TAKEN))), "{result:?}");
    assert_eq!(email_of(&db, 1).await, "john@example.com");
}

#[rocket::async_test]
async fn a_free_address_or_your_own_is_saved() {
    let db = db_with_users().await;
    assert!(matches!(
        change_email(&db, 1, "john@example.com").await,
        Ok(Ok(()))
    ));
    assert!(matches!(
        change_email(&db, 1, "johnny@example.com").await,
        Ok(Ok(()))
    ));
    assert_eq!(email_of(&db, 1).await, "johnny@example.com");
}

/// A trigger takes the address after any check and before the write, as a
/// concurrent request could.
#[rocket::async_test]
async fn an_address_taken_during_the_change_is_the_same_form_error() {
    let db = db_with_users().await;
    sqlx::raw_sql(
        r#"CREATE TRIGGER take_it BEFORE UPDATE OF email ON "user"
           BEGIN INSERT INTO "user" (username, email) VALUES ('eve', NEW.email); END"#,
    )
    .execute(&db)
    .await
    .expect("the trigger");

    let result = change_email(&db, 1, "new@example.com").await;

    assert!(matches!(result, Ok(Err(EMAIL_TAKEN))), "{result:?}");
    assert_eq!(email_of(&db, 1).await, "john@example.com");
}
