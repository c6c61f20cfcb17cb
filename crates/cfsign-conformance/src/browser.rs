//! [`Browser`]: the cookie-keeping client the scenarios drive the apps with.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use cfsign::EpochSeconds;

use crate::{SigningKey, trusted};

/// A client keeping cookies like a browser (by name; `Max-Age=0` deletes), recording every
/// exchange into a transcript.
pub struct Browser {
    http: reqwest::Client,
    pub base: String,
    pub jar: BTreeMap<String, String>,
    pub transcript: Vec<String>,
}

pub struct Reply {
    pub status: u16,
    pub set_cookie: Vec<String>,
    pub body: String,
}

impl Browser {
    pub fn new(addr: SocketAddr) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Browser { http, base: format!("http://{addr}"), jar: BTreeMap::new(), transcript: Vec::new() }
    }

    pub fn cookie_header(&self) -> String {
        self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    /// Sends a request with the jar's cookies (or `cookie_override` instead) and records it.
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        body: &str,
        cookie_override: Option<&str>,
    ) -> Reply {
        let url = format!("{}{path}", self.base);
        let mut req = match method {
            "POST" => self.http.post(url).body(body.to_owned()),
            _ => self.http.get(url),
        };
        let cookie = cookie_override.map_or_else(|| self.cookie_header(), str::to_owned);
        if !cookie.is_empty() {
            req = req.header("cookie", cookie);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let set_cookie: Vec<String> =
            res.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
        for c in &set_cookie {
            let (name, value) = c.split(';').next().unwrap().split_once('=').unwrap();
            if c.contains("Max-Age=0") {
                self.jar.remove(name);
            } else {
                self.jar.insert(name.to_owned(), value.to_owned());
            }
        }
        self.transcript.push(format!("{method} {path} -> {status}"));
        self.transcript.extend(set_cookie.iter().map(|c| format!("  set-cookie: {c}")));
        Reply { status, set_cookie, body: res.text().await.unwrap() }
    }

    pub fn cloudfront_cookies(&self) -> String {
        self.jar
            .iter()
            .filter(|(k, _)| k.starts_with("CloudFront-"))
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Whether the jar's CloudFront cookies get `url` through CloudFront's checks at `now`.
    pub fn cloudfront_allows(&self, key: &SigningKey, url: &str, now: EpochSeconds) -> bool {
        let cookies = self.cloudfront_cookies();
        trusted(&[key])
            .verify(&cfsign_verify::Request::new(url, [192, 0, 2, 1].into(), now).cookie_header(&cookies))
            .is_ok()
    }
}
