//! The `IpAddress` / `AWS:SourceIp` condition: one IPv4 address or CIDR block.

use alloc::string::ToString;
use core::fmt;
use core::net::Ipv4Addr;

use crate::Error;

/// An IPv4 CIDR block for the `AWS:SourceIp` condition (docs/cloudfront-format.md §1).
///
/// CloudFront supports IPv4 only here; a bare address means `/32`, and is written back with the
/// `/32` suffix.
///
/// ```
/// use cfsign::SourceIp;
/// let block: SourceIp = "192.0.2.0/24".parse().unwrap();
/// assert!(block.contains("192.0.2.77".parse().unwrap()));
/// assert_eq!("192.0.2.44".parse::<SourceIp>().unwrap().to_string(), "192.0.2.44/32");
/// assert!("2001:db8::/32".parse::<SourceIp>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SourceIp {
    addr: Ipv4Addr,
    prefix: u8,
}

impl SourceIp {
    /// A CIDR block; fails when `prefix > 32` or when `addr` has bits set past the prefix
    /// (`192.0.2.1/24` is almost always a typo for `192.0.2.0/24`).
    ///
    /// # Errors
    /// [`Error::InvalidSourceIp`].
    pub fn new(addr: Ipv4Addr, prefix: u8) -> Result<Self, Error> {
        let ip = SourceIp::new_lenient(addr, prefix)?;
        if ip.network() != addr {
            return Err(Error::InvalidSourceIp {
                value: ip.to_string(),
                reason: "address has bits set past the prefix length; give the network address (e.g. 192.0.2.0/24)",
            });
        }
        Ok(ip)
    }

    /// Like [`SourceIp::new`] but keeps host bits (as a policy signed elsewhere may hold them).
    pub(crate) fn new_lenient(addr: Ipv4Addr, prefix: u8) -> Result<Self, Error> {
        if prefix > 32 {
            return Err(Error::InvalidSourceIp {
                value: alloc::format!("{addr}/{prefix}"),
                reason: "the prefix length must be 0 to 32",
            });
        }
        Ok(SourceIp { addr, prefix })
    }

    /// A single address (`/32`).
    #[must_use]
    pub const fn single(addr: Ipv4Addr) -> Self {
        SourceIp { addr, prefix: 32 }
    }

    /// The address as written.
    #[must_use]
    pub const fn addr(&self) -> Ipv4Addr {
        self.addr
    }

    /// The prefix length, 0 to 32.
    #[must_use]
    pub const fn prefix_len(&self) -> u8 {
        self.prefix
    }

    fn mask(&self) -> u32 {
        u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0)
    }

    /// The network address (host bits cleared).
    #[must_use]
    pub fn network(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr) & self.mask())
    }

    /// Whether `ip` lies in this block.
    #[must_use]
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        (u32::from(ip) ^ u32::from(self.addr)) & self.mask() == 0
    }

    /// Parses `a.b.c.d` or `a.b.c.d/n`, keeping host bits.
    pub(crate) fn parse_lenient(s: &str) -> Result<Self, Error> {
        let invalid = |reason| Error::InvalidSourceIp { value: s.to_string(), reason };
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        if addr.contains(':') {
            return Err(invalid(
                "CloudFront supports only IPv4 in AWS:SourceIp; leave the IP condition out for IPv6 viewers",
            ));
        }
        let addr: Ipv4Addr =
            addr.parse().map_err(|_| invalid("expected an IPv4 address such as 192.0.2.0/24"))?;
        let prefix = match prefix {
            None => 32,
            Some(p) if !p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().map_err(|_| invalid("the prefix length must be 0 to 32"))?
            }
            Some(_) => return Err(invalid("the prefix length must be 0 to 32")),
        };
        SourceIp::new_lenient(addr, prefix)
    }
}

impl core::str::FromStr for SourceIp {
    type Err = Error;

    /// Parses `a.b.c.d` (meaning `/32`) or `a.b.c.d/n`, strictly (see [`SourceIp::new`]).
    fn from_str(s: &str) -> Result<Self, Error> {
        let ip = SourceIp::parse_lenient(s)?;
        SourceIp::new(ip.addr, ip.prefix)
    }
}

impl fmt::Display for SourceIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing() {
        let ok = |s: &str| s.parse::<SourceIp>().unwrap().to_string();
        assert_eq!(ok("10.0.0.0/8"), "10.0.0.0/8");
        assert_eq!(ok("192.0.2.44"), "192.0.2.44/32");
        assert_eq!(ok("0.0.0.0/0"), "0.0.0.0/0");
        for bad in [
            "2001:db8::1",
            "::ffff:1.2.3.4",
            "10.0.0.0/33",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "10.0.0/8",
            "10.0.0.1/8",
            "192.168.0.0/24\",\"IpAddress\":{\"AWS:SourceIp\":\"0.0.0.0/0",
            "",
        ] {
            assert!(matches!(bad.parse::<SourceIp>(), Err(Error::InvalidSourceIp { .. })), "{bad}");
        }
        let v6 = "2001:db8::/32".parse::<SourceIp>().unwrap_err().to_string();
        assert!(v6.contains("only IPv4"), "{v6}");
    }

    #[test]
    fn containment() {
        let b: SourceIp = "192.0.2.0/24".parse().unwrap();
        assert!(b.contains(Ipv4Addr::new(192, 0, 2, 0)));
        assert!(b.contains(Ipv4Addr::new(192, 0, 2, 255)));
        assert!(!b.contains(Ipv4Addr::new(192, 0, 3, 0)));
        let all: SourceIp = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(Ipv4Addr::new(255, 255, 255, 255)));
        let lenient = SourceIp::parse_lenient("192.0.2.9/24").unwrap();
        assert!(lenient.contains(Ipv4Addr::new(192, 0, 2, 1)));
        assert_eq!(lenient.to_string(), "192.0.2.9/24");
    }
}
