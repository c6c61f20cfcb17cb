//! The domain names a distribution serves.

/// A distribution's domain name (its own or an alternate one) was not valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidDomainName {
    name: String,
}

impl std::fmt::Display for InvalidDomainName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "'{}' is not a domain name a distribution can serve: use a DNS name such as \
             cdn.example.com, a wildcard such as *.example.com, or an IP address (IPv6 in brackets: [::1])",
            self.name
        )
    }
}

impl std::error::Error for InvalidDomainName {}

/// A domain name, lowercased; `*.parent` covers exactly one more label.
pub(crate) fn domain_name(name: &str) -> Result<String, InvalidDomainName> {
    let lower = name.to_ascii_lowercase();
    let labels = lower.strip_prefix("*.").unwrap_or(&lower);
    let label_ok = |l: &str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let ipv6 = labels
        .strip_prefix('[')
        .and_then(|l| l.strip_suffix(']'))
        .is_some_and(|a| a.parse::<std::net::Ipv6Addr>().is_ok() && labels == lower);
    if ipv6 || (labels.len() <= 253 && labels.split('.').all(label_ok)) {
        Ok(lower)
    } else {
        Err(InvalidDomainName { name: name.to_owned() })
    }
}
