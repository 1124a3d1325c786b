//! The brand console's API as tests speak it: the operator adding members, sign-in links
//! spent for the session cookie, and calls carrying that cookie (and, for methods other
//! than GET, the relay's own `Origin`, as the console page's fetches do).

use crate::api::Api;
use crate::relay::TEST_ADMIN_SECRET;
use cookie::Cookie;
use serde_json::{json, Value};

/// The console's session cookie as the relay set it.
#[derive(Clone, Debug)]
pub struct SessionCookie {
    /// The `Set-Cookie` header, whole.
    pub set_cookie: String,
    /// `confab_console=<id>`, for a `Cookie` header.
    pub pair: String,
}

impl SessionCookie {
    /// The cookie parsed by the `cookie` crate, as a browser would read it.
    pub fn parsed(&self) -> Cookie<'static> {
        Cookie::parse(self.set_cookie.clone()).expect("a Set-Cookie header")
    }
}

/// Where a console call's `Origin` comes from.
#[derive(Clone, Copy, Debug)]
pub enum Origin<'a> {
    /// The relay's own (what the console page sends).
    Own,
    /// None at all.
    Absent,
    /// Another site's.
    Other(&'a str),
}

/// The token of a sign-in link (`…/console/#token=<token>`).
pub fn link_token(url: &str) -> String {
    url.split_once("#token=")
        .map(|(_, token)| token.to_string())
        .unwrap_or_else(|| panic!("{url} is not a sign-in link"))
}

impl Api {
    /// `POST /v1/admin/brands/{brand}/members` with the admin secret: status and body.
    pub async fn admin_add_member(
        &self,
        brand: &str,
        email: &str,
        name: Option<&str>,
        role: &str,
    ) -> (u16, Value) {
        let response = self
            .http
            .post(self.url(&format!("/v1/admin/brands/{brand}/members")))
            .bearer_auth(TEST_ADMIN_SECRET)
            .json(&json!({ "email": email, "name": name, "role": role }))
            .send()
            .await
            .expect("the relay answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A new member's sign-in link, made through the admin API.
    pub async fn member_link(&self, brand: &str, email: &str, name: &str, role: &str) -> String {
        let (status, body) = self.admin_add_member(brand, email, Some(name), role).await;
        assert!(status == 200 || status == 201, "{status} {body}");
        body["signInUrl"]
            .as_str()
            .expect("a sign-in link")
            .to_string()
    }

    /// `POST /v1/console/sign-in` from `address`: status, body and the cookie if one was set.
    pub async fn console_sign_in(
        &self,
        token: &str,
        address: &str,
    ) -> (u16, Value, Option<SessionCookie>) {
        let response = self
            .http
            .post(self.url("/v1/console/sign-in"))
            .header("Origin", &self.origin)
            .header("CF-Connecting-IP", address)
            .json(&json!({ "token": token }))
            .send()
            .await
            .expect("the relay answers");
        let status = response.status().as_u16();
        let cookie = response
            .headers()
            .get("Set-Cookie")
            .and_then(|value| value.to_str().ok())
            .map(|set_cookie| {
                let parsed = Cookie::parse(set_cookie.to_string()).expect("a cookie");
                SessionCookie {
                    set_cookie: set_cookie.to_string(),
                    pair: format!("{}={}", parsed.name(), parsed.value()),
                }
            });
        (status, response.json().await.unwrap_or(Value::Null), cookie)
    }

    /// Signs a new member of `brand` in through an operator's link; their cookie.
    pub async fn console_member(
        &self,
        brand: &str,
        email: &str,
        name: &str,
        role: &str,
    ) -> SessionCookie {
        let url = self.member_link(brand, email, name, role).await;
        let (status, body, cookie) = self.console_sign_in(&link_token(&url), "192.0.2.1").await;
        assert_eq!(status, 200, "{body}");
        cookie.expect("a session cookie")
    }

    /// A console call with `cookie` (if any) and the given `Origin`: status, the
    /// `Set-Cookie` header if any, and the JSON body (`Null` if none).
    pub async fn console_call(
        &self,
        method: &str,
        path: &str,
        cookie: Option<&SessionCookie>,
        origin: Origin<'_>,
        body: Option<Value>,
    ) -> (u16, Option<String>, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut request = self.http.request(method, self.url(path));
        if let Some(cookie) = cookie {
            request = request.header("Cookie", &cookie.pair);
        }
        request = match origin {
            Origin::Own => request.header("Origin", &self.origin),
            Origin::Absent => request,
            Origin::Other(other) => request.header("Origin", other),
        };
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the relay answers");
        let status = response.status().as_u16();
        let set_cookie = response
            .headers()
            .get("Set-Cookie")
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        (
            status,
            set_cookie,
            response.json().await.unwrap_or(Value::Null),
        )
    }

    /// A console call from the console page (the relay's own `Origin`): status and body.
    pub async fn console(
        &self,
        method: &str,
        path: &str,
        cookie: &SessionCookie,
        body: Option<Value>,
    ) -> (u16, Value) {
        let (status, _, body) = self
            .console_call(method, path, Some(cookie), Origin::Own, body)
            .await;
        (status, body)
    }
}
