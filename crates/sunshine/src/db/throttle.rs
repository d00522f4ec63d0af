//! Throttles shared by every node through the database: one counter per bucket and key (a login
//! name, an address), counted and recorded in one statement so that simultaneous attempts can
//! never all pass a check made before any of them is recorded.
//!
//! Buckets are kept apart: wrong tracking codes on `/track` never count against staff sign-in.

use super::Conn;

/// What is being counted. Each bucket has counters of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// Sign-in attempts per login name and address together: the limit someone guessing meets.
    LoginFrom,
    /// Sign-in attempts per login name from every address: a much higher limit, against guessing
    /// spread over many addresses (one address alone cannot lock an account out).
    Login,
    /// Sign-in attempts per address.
    LoginAddress,
    /// Wrong tracking number or code per address (`/track`).
    TrackAddress,
    /// Well-formed public applications per address.
    IntakeAddress,
    /// Proofs of identity kept for forms still being corrected, per address.
    ProofAddress,
}

/// An address as the throttles count it: an IPv4 address as it is, an IPv6 address by its /64
/// network (a client picks freely among the addresses of its /64).
pub fn address_key(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(std::net::IpAddr::V6(v6)) => v6
            .to_ipv4_mapped()
            .map(|v4| v4.to_string())
            .unwrap_or_default(),
        _ => ip.to_owned(),
    }
}

impl Bucket {
    /// The key a counter is kept under: addresses by [`address_key`].
    fn key(self, raw: &str) -> String {
        match self {
            Bucket::Login => raw.to_owned(),
            Bucket::LoginFrom => match raw.rsplit_once('\n') {
                Some((name, ip)) => format!("{name}\n{}", address_key(ip)),
                None => raw.to_owned(),
            },
            _ => address_key(raw),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Bucket::LoginFrom => "login_from",
            Bucket::Login => "login",
            Bucket::LoginAddress => "login_ip",
            Bucket::TrackAddress => "track_ip",
            Bucket::IntakeAddress => "intake_ip",
            Bucket::ProofAddress => "proof_ip",
        }
    }
}

/// Counts one attempt and returns how many the key has made in its current window, the one just
/// made included. A window starts with the first attempt after the previous one ended.
pub async fn hit(
    conn: &mut Conn,
    bucket: Bucket,
    key: &str,
    window_secs: i64,
) -> sqlx::Result<i64> {
    let now = super::now();
    sqlx::query_scalar(
        "INSERT INTO throttle (bucket, key, window_start, hits) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (bucket, key) DO UPDATE SET \
           hits = CASE WHEN throttle.window_start <= $4 THEN 1 ELSE throttle.hits + 1 END, \
           window_start = CASE WHEN throttle.window_start <= $4 THEN $3 ELSE throttle.window_start END \
         RETURNING hits",
    )
    .bind(bucket.name())
    .bind(bucket.key(key))
    .bind(now)
    .bind(now - window_secs)
    .fetch_one(conn)
    .await
}

/// Takes back one attempt (a sign-in that succeeded does not count against its address).
pub async fn undo(conn: &mut Conn, bucket: Bucket, key: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE throttle SET hits = hits - 1 WHERE bucket = $1 AND key = $2 AND hits > 0")
        .bind(bucket.name())
        .bind(bucket.key(key))
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets a key's attempts (a login name after a successful sign-in).
pub async fn clear(conn: &mut Conn, bucket: Bucket, key: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM throttle WHERE bucket = $1 AND key = $2")
        .bind(bucket.name())
        .bind(bucket.key(key))
        .execute(conn)
        .await?;
    Ok(())
}

/// Housekeeping: forget counters whose window ended long ago, and expired sessions.
pub async fn purge_before(conn: &mut Conn, before: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM throttle WHERE window_start < $1")
        .bind(before)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
        .bind(super::now())
        .execute(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_count_by_their_network() {
        assert_eq!(address_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(address_key("2001:db8:1:2:bbbb::9"), "2001:db8:1:2::/64");
        assert_eq!(address_key("::ffff:198.51.100.7"), "198.51.100.7");
        assert_eq!(address_key("198.51.100.7"), "198.51.100.7");
        assert_eq!(
            Bucket::LoginFrom.key("editor\n2001:db8::5"),
            "editor\n2001:db8:0:0::/64"
        );
    }
}
