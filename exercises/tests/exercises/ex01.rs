use exercises::ex01_mask_passwords::masked_form;

#[test]
fn password_fields_are_masked() {
    assert_eq!(
        masked_form("username=john&password=cat&password2=cat&remember_me=y"),
        "username=john&password=••••••&password2=••••••&remember_me=y"
    );
}

#[test]
fn names_are_matched_in_any_case_and_encoding() {
    assert_eq!(masked_form("PassWord=cat"), "PassWord=••••••");
    assert_eq!(masked_form("pass%77ord=cat"), "pass%77ord=••••••");
    assert_eq!(
        masked_form("old_password=x&new_password=y"),
        "old_password=••••••&new_password=••••••"
    );
}

#[test]
fn everything_else_is_left_alone() {
    for body in [
        "",
        "username=john",
        "about_me=my+password+is+secret",
        "a=1&&b=%20",
    ] {
        assert_eq!(masked_form(body), body);
    }
}
