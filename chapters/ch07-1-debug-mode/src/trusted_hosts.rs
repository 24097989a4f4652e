//! The hosts the debugger answers on. Machinery: a learner can skip it on a
//! first read; the lesson is the debug page (`debug_page.rs`).
//!
//! DNS rebinding: a page on `rebind.attacker.example` has its name resolve to
//! 127.0.0.1, and the visitor's browser then sends its requests to the app with
//! `Host: rebind.attacker.example` and a matching `Origin`. To the browser that
//! is one site, so neither the `Origin` check nor the CSRF token stops it: the
//! page could read the PIN form and post wrong PINs until the debugger locks.
//! Werkzeug 3.0.3 closed this (CVE-2024-34069) by serving its debugger only to
//! trusted hosts, and so does this module: the address Rocket listens on, the
//! loopback names (`localhost`, `127.0.0.1`, `[::1]`, any port), and the hosts
//! the developer lists in `DEBUGGER_TRUSTED_HOSTS` (or `debugger_trusted_hosts`
//! in Rocket.toml), comma-separated. On any other host a 500 is the ordinary
//! error page, and the debugger's own addresses answer 400 Bad Request, as
//! Werkzeug's do, before a PIN is looked at.

use std::net::IpAddr;

use rocket::figment::Figment;
use rocket::http::uri::Host;
use rocket::http::Status;
use rocket::outcome::Outcome;
use rocket::request::{self, FromRequest};
use rocket::Request;
use serde::Deserialize;

use crate::pin_lock::Debugger;

/// The host names the developer listed, lowercase and without ports.
#[derive(Debug, Default)]
pub struct TrustedHosts(Vec<String>);

impl TrustedHosts {
    /// Reads `DEBUGGER_TRUSTED_HOSTS`, else `debugger_trusted_hosts` (a
    /// comma-separated string, or a list). Once, at ignite.
    pub fn from_config(figment: &Figment) -> Self {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Listed {
            Text(String),
            List(Vec<String>),
        }
        let listed = match std::env::var("DEBUGGER_TRUSTED_HOSTS") {
            Ok(text) => Listed::Text(text),
            Err(_) => figment
                .extract_inner("debugger_trusted_hosts")
                .unwrap_or(Listed::List(Vec::new())),
        };
        let entries = match listed {
            Listed::Text(text) => text.split(',').map(str::to_owned).collect(),
            Listed::List(list) => list,
        };
        let mut names = Vec::new();
        for entry in entries.iter().map(|entry| entry.trim()) {
            match Host::parse(entry) {
                _ if entry.is_empty() => {}
                Ok(host) => names.push(host.domain().as_str().to_ascii_lowercase()),
                Err(_) => {
                    tracing::warn!("debugger_trusted_hosts: {entry:?} is not a host; ignored")
                }
            }
        }
        TrustedHosts(names)
    }

    /// Whether the debugger answers a request that came to `host` (its `Host`
    /// header) on a server listening at `listen`.
    fn trust(&self, host: &str, listen: IpAddr) -> bool {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let ip = bare.parse::<IpAddr>().ok().map(|ip| ip.to_canonical());
        host.eq_ignore_ascii_case("localhost")
            || ip.is_some_and(|ip| ip.is_loopback() || ip == listen.to_canonical())
            || self.0.iter().any(|name| name.eq_ignore_ascii_case(host))
    }
}

/// The debugger, if there is one (the debug profile) and the request came to a
/// host it answers on. A request without a `Host` header (HTTP/1.0, the tests'
/// local client) came to the listen address itself: browsers always send one.
pub fn debugger<'r>(req: &Request<'r>) -> Option<&'r Debugger> {
    let rocket = req.rocket();
    let debugger = rocket.state::<Debugger>()?;
    let trusted = match (req.host(), req.headers().get_one("Host")) {
        (None, None) => true,
        // A `Host` header Rocket could not parse: never trusted.
        (None, Some(_)) => false,
        (Some(host), _) => {
            let hosts = rocket.state::<TrustedHosts>()?;
            hosts.trust(host.domain().as_str(), rocket.config().address)
        }
    };
    trusted.then_some(debugger)
}

/// A request guard for the debugger's own routes: a 400 on a host it does not
/// trust, before the handler runs, so a PIN sent there is never a try.
pub struct TrustedHost;

#[rocket::async_trait]
impl<'r> FromRequest<'r> for TrustedHost {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, ()> {
        match debugger(req) {
            Some(_) => Outcome::Success(TrustedHost),
            None => Outcome::Error((Status::BadRequest, ())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TrustedHosts;
    use rocket::figment::Figment;
    use std::net::{IpAddr, Ipv4Addr};

    const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

    fn listed(hosts: &str) -> TrustedHosts {
        let figment = Figment::new().merge(("debugger_trusted_hosts", hosts));
        TrustedHosts::from_config(&figment)
    }

    #[test]
    fn loopback_names_and_the_listen_address_are_trusted() {
        let hosts = TrustedHosts::default();
        for host in ["localhost", "LocalHost", "127.0.0.1", "127.0.0.2", "[::1]"] {
            assert!(hosts.trust(host, LOOPBACK), "{host}");
        }
        let lan = IpAddr::V4(Ipv4Addr::new(192, 168, 1, 20));
        assert!(hosts.trust("192.168.1.20", lan));
        assert!(!hosts.trust("192.168.1.20", LOOPBACK));
    }

    #[test]
    fn any_other_name_is_foreign_unless_listed() {
        let hosts = TrustedHosts::default();
        for host in [
            "rebind.attacker.example",
            "localhost.attacker.example",
            "127.0.0.1.attacker.example",
            "localhost.",
            "10.0.0.1",
        ] {
            assert!(!hosts.trust(host, LOOPBACK), "{host}");
        }
        let hosts = listed(" dev.example:8000 , MyVM.local,,");
        assert!(hosts.trust("dev.example", LOOPBACK));
        assert!(hosts.trust("myvm.local", LOOPBACK));
        assert!(!hosts.trust("attacker.example", LOOPBACK));
    }

    #[test]
    fn the_setting_may_also_be_a_list() {
        let figment = Figment::new().merge(("debugger_trusted_hosts", ["a.example", "b.example"]));
        let hosts = TrustedHosts::from_config(&figment);
        assert!(hosts.trust("a.example", LOOPBACK) && hosts.trust("b.example", LOOPBACK));
    }
}
