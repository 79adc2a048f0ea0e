//! Rate limits in Redis, so that they hold across instances: token buckets
//! of `burst` tokens, one token back every `refill`. One Lua script takes a
//! token from every bucket of a call or from none (so a request refused by
//! one limit costs nothing in the others), on Redis' own clock (instances'
//! clocks may differ). The buckets of one call must share a hash tag
//! (Redis Cluster runs a script on one slot).

use std::time::Duration;

use redis::aio::ConnectionLike;

/// One limit: a key (built in `infra::keys`), its size and its refill.
#[derive(Debug, Clone)]
pub struct Bucket {
    pub key: String,
    pub burst: u32,
    /// One token comes back every this long.
    pub refill: Duration,
}

impl Bucket {
    /// `burst` at once, then one more every `refill_secs`.
    pub fn every_secs(key: String, burst: u32, refill_secs: u64) -> Self {
        Self {
            key,
            burst: burst.max(1),
            refill: Duration::from_secs(refill_secs.max(1)),
        }
    }

    /// `burst` at once, `per_minute` sustained.
    pub fn per_minute(key: String, burst: u32, per_minute: u32) -> Self {
        let per_minute = u64::from(per_minute.max(1));
        Self {
            key,
            burst: burst.max(1),
            refill: Duration::from_millis((60_000 / per_minute).max(1)),
        }
    }
}

/// The bucket that refused, and when to try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    /// Index into the buckets given.
    pub bucket: usize,
    /// Whole seconds, at least 1 (for `Retry-After`).
    pub retry_after_secs: u64,
}

/// Keys `1..n` are the buckets; key `n + 1`, when given, marks the request
/// as counted (ARGV's last value is its lifetime in ms).
const TAKE: &str = r"
local n = #KEYS
local once = nil
if #ARGV == 2 * n - 1 then
  once = KEYS[n]
  n = n - 1
  if redis.call('EXISTS', once) == 1 then return {0, 0} end
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local level = {}
local worst, wait = 0, 0
for i = 1, n do
  local key = KEYS[i]
  local burst = tonumber(ARGV[2 * i - 1])
  local every = tonumber(ARGV[2 * i])
  local b = redis.call('HMGET', key, 'tokens', 'at')
  local tokens, at = tonumber(b[1]), tonumber(b[2])
  if tokens == nil or at == nil then tokens, at = burst, now end
  if now > at then tokens = math.min(burst, tokens + (now - at) / every) end
  level[i] = tokens
  if tokens < 1 then
    local w = math.ceil((1 - tokens) * every)
    if w > wait then worst, wait = i, w end
  end
end
if worst == 0 then
  if once then redis.call('SET', once, '1', 'PX', ARGV[#ARGV]) end
  for i = 1, n do
    local key = KEYS[i]
    local burst = tonumber(ARGV[2 * i - 1])
    local every = tonumber(ARGV[2 * i])
    redis.call('HSET', key, 'tokens', tostring(level[i] - 1), 'at', tostring(now))
    redis.call('PEXPIRE', key, math.ceil(burst * every) + 1000)
  end
end
return {worst, wait}
";

/// How long `once` remembers a request that was counted.
pub const ONCE_TTL: Duration = Duration::from_secs(600);

/// Takes one token from each bucket, or from none: `Ok(None)` when all had
/// one, else which refused and for how long (the longest wait). `once`
/// (a key from `infra::keys`, same hash tag) names the request: repeats of
/// a request that was counted (within `ONCE_TTL`) pass and cost nothing,
/// even when they arrive at the same moment.
pub async fn take(
    conn: &mut impl ConnectionLike,
    buckets: &[Bucket],
    once: Option<&str>,
) -> redis::RedisResult<Option<Refused>> {
    static SCRIPT: std::sync::OnceLock<redis::Script> = std::sync::OnceLock::new();
    let script = SCRIPT.get_or_init(|| redis::Script::new(TAKE));
    let mut invocation = script.prepare_invoke();
    for b in buckets {
        invocation.key(&b.key).arg(b.burst).arg(refill_ms(b));
    }
    if let Some(once) = once {
        invocation.key(once).arg(ONCE_TTL.as_millis() as u64);
    }
    let (worst, wait_ms): (usize, u64) = invocation.invoke_async(conn).await?;
    Ok(worst.checked_sub(1).map(|bucket| Refused {
        bucket,
        retry_after_secs: wait_ms.div_ceil(1000).max(1),
    }))
}

/// Gives one token back to each bucket (never above its burst): for a
/// limit that counts only what fails, taken before the outcome is known
/// (a right password gives its login attempt back). Buckets that expired
/// meanwhile are full already and left alone.
const GIVE_BACK: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #KEYS do
  local key = KEYS[i]
  local burst = tonumber(ARGV[2 * i - 1])
  local every = tonumber(ARGV[2 * i])
  local b = redis.call('HMGET', key, 'tokens', 'at')
  local tokens, at = tonumber(b[1]), tonumber(b[2])
  if tokens ~= nil and at ~= nil then
    if now > at then tokens = tokens + (now - at) / every end
    tokens = math.min(burst, tokens + 1)
    redis.call('HSET', key, 'tokens', tostring(tokens), 'at', tostring(now))
    redis.call('PEXPIRE', key, math.ceil(burst * every) + 1000)
  end
end
return 0
";

/// Returns the token `take` took from each of `buckets` (same hash tag).
pub async fn give_back(
    conn: &mut impl ConnectionLike,
    buckets: &[Bucket],
) -> redis::RedisResult<()> {
    static SCRIPT: std::sync::OnceLock<redis::Script> = std::sync::OnceLock::new();
    let script = SCRIPT.get_or_init(|| redis::Script::new(GIVE_BACK));
    let mut invocation = script.prepare_invoke();
    for b in buckets {
        invocation.key(&b.key).arg(b.burst).arg(refill_ms(b));
    }
    let _: i64 = invocation.invoke_async(conn).await?;
    Ok(())
}

fn refill_ms(b: &Bucket) -> u64 {
    u64::try_from(b.refill.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

/// A client address as rate limits count it: an IPv4 address as it is, an
/// IPv6 address by its /64 (one phone, or one home, has a whole /64 and
/// picks new addresses in it at will).
pub fn address_key(ip: std::net::IpAddr) -> String {
    match ip.to_canonical() {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_count_by_their_64_and_ipv4_by_address() {
        let a = address_key("2001:db8:1:2:aaaa::1".parse().expect("ip"));
        let b = address_key("2001:db8:1:2:bbbb::9".parse().expect("ip"));
        assert_eq!(a, b);
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_eq!(
            address_key("::ffff:10.0.0.7".parse().expect("ip")),
            "10.0.0.7"
        );
    }

    #[test]
    fn per_minute_refills_evenly() {
        let b = Bucket::per_minute("k".into(), 10, 4);
        assert_eq!((b.burst, b.refill), (10, Duration::from_secs(15)));
    }
}
