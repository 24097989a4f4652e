use exercises::ex05_case_insensitive::{username_taken, CREATE_USER_TABLE};

use crate::memory_db;

async fn db_with_alice() -> sqlx::SqlitePool {
    let db = memory_db().await;
    sqlx::raw_sql(CREATE_USER_TABLE)
        .execute(&db)
        .await
        .expect("the table");
    sqlx::query(r#"INSERT INTO "user" (username) VALUES ('Alice')"#)
        .execute(&db)
        .await
        .expect("alice");
    db
}

#[rocket::async_test]
async fn the_check_ignores_case() {
    let db = db_with_alice().await;
    for name in ["Alice", "alice", "ALICE", "aLiCe"] {
        assert!(username_taken(&db, name).await.expect("a query"), "{name}");
    }
    assert!(!username_taken(&db, "bob").await.expect("a query"));
    assert!(!username_taken(&db, "alicia").await.expect("a query"));
}

#[rocket::async_test]
async fn the_index_refuses_the_same_name_in_other_case() {
    let db = db_with_alice().await;
    let error = sqlx::query(r#"INSERT INTO "user" (username) VALUES ('ALICE')"#)
        .execute(&db)
        .await
        .expect_err("the unique index refuses ALICE");
    assert!(
        error
            .as_database_error()
            .is_some_and(|error| error.is_unique_violation()),
        "{error}"
    );
    sqlx::query(r#"INSERT INTO "user" (username) VALUES ('bob')"#)
        .execute(&db)
        .await
        .expect("other names are fine");
}
