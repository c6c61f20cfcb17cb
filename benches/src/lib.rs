//! criterion benches for cfsign; see `benches/cfsign.rs` and `cargo xtask bench-report`.
//! Shared with the load-test server (`src/bin/load-server.rs`).

use cfsign_issuer::{Access, Directive, Issuer, RequestView};

/// The `Cookie` header a browser sends after `issuer` issued cookies for `access`.
#[must_use]
pub fn cookie_header(issuer: &Issuer, access: &Access) -> String {
    let issued =
        issuer.decide(RequestView::new("/"), Some(&Directive::Issue(access.clone())), 200).now().unwrap();
    issued.iter().filter_map(|h| h.split(';').next()).collect::<Vec<_>>().join("; ")
}
