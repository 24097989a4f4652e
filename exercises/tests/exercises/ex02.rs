use exercises::ex02_json_errors::app;
use rocket::http::{Accept, ContentType, Status};
use rocket::local::blocking::Client;

fn client() -> Client {
    Client::untracked(app()).expect("the app launches")
}

#[test]
fn a_json_client_gets_a_json_error() {
    let client = client();
    let response = client.get("/nowhere").header(Accept::JSON).dispatch();
    assert_eq!(response.status(), Status::NotFound);
    assert_eq!(response.content_type(), Some(ContentType::JSON));
    assert_eq!(
        response.into_string().as_deref(),
        Some(r#"{"error":"Not Found","code":404}"#)
    );
}

#[test]
fn a_browser_still_gets_the_html_page() {
    let client = client();
    for accept in [None, Some(Accept::HTML)] {
        let mut request = client.get("/nowhere");
        if let Some(accept) = accept {
            request = request.header(accept);
        }
        let response = request.dispatch();
        assert_eq!(response.status(), Status::NotFound);
        assert_eq!(response.content_type(), Some(ContentType::HTML));
        assert_eq!(
            response.into_string().as_deref(),
            Some("<h1>404 Not Found</h1>")
        );
    }
}

#[test]
fn the_preferred_type_decides() {
    let client = client();
    let prefers_json = rocket::http::Header::new("Accept", "text/html;q=0.5, application/json");
    let response = client.get("/nowhere").header(prefers_json).dispatch();
    assert_eq!(response.content_type(), Some(ContentType::JSON));
}
