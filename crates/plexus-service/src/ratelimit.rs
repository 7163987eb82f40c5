//! Token-bucket rate limits per action and per user or IP address.

use std::{collections::HashMap, sync::Mutex, time::Instant};

use plexus_core::{config::Switch, Config};

use crate::{Result, ServiceError};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Login,
    Register,
    Message,
    Join,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

pub struct RateLimiter {
    enabled: bool,
    rates: HashMap<Action, (f64, f64)>,
    buckets: Mutex<HashMap<(Action, String), Bucket>>,
}

const MAX_BUCKETS: usize = 100_000;

impl RateLimiter {
    pub fn new(config: &Config) -> Self {
        let l = &config.limits;
        let rates = HashMap::from([
            (Action::Login, (l.login_per_second, l.login_burst as f64)),
            (
                Action::Register,
                (l.register_per_second, l.register_burst as f64),
            ),
            (
                Action::Message,
                (l.message_per_second, l.message_burst as f64),
            ),
            (Action::Join, (l.join_per_second, l.join_burst as f64)),
        ]);
        RateLimiter {
            enabled: config.rate_limits == Switch::On,
            rates,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key` (a user ID or an IP address), or says how long to wait.
    pub fn check(&self, action: Action, key: &str) -> Result<()> {
        if !self.enabled {
            return Ok(());
        }
        let (rate, burst) = self.rates[&action];
        let now = Instant::now();
        let mut buckets = self.buckets.lock().expect("rate limiter poisoned");
        if buckets.len() > MAX_BUCKETS {
            buckets.retain(|_, b| now.duration_since(b.updated).as_secs_f64() * rate < burst);
        }
        let bucket = buckets.entry((action, key.to_owned())).or_insert(Bucket {
            tokens: burst,
            updated: now,
        });
        let elapsed = now.duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / rate.max(f64::MIN_POSITIVE);
            Err(ServiceError::LimitExceeded {
                retry_after_ms: (wait * 1000.0).ceil() as u64,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_limited_with_retry_after() {
        let mut config = Config::default();
        config.limits.login_burst = 2;
        config.limits.login_per_second = 0.5;
        let limiter = RateLimiter::new(&config);
        assert!(limiter.check(Action::Login, "1.2.3.4").is_ok());
        assert!(limiter.check(Action::Login, "1.2.3.4").is_ok());
        match limiter.check(Action::Login, "1.2.3.4") {
            Err(ServiceError::LimitExceeded { retry_after_ms }) => {
                assert!((1000..=2000).contains(&retry_after_ms), "{retry_after_ms}")
            }
            other => panic!("expected limit, got {other:?}"),
        }
        assert!(
            limiter.check(Action::Login, "5.6.7.8").is_ok(),
            "keys are independent"
        );
    }

    #[test]
    fn switched_off_never_limits() {
        let mut config = Config {
            rate_limits: Switch::Off,
            ..Config::default()
        };
        config.limits.message_burst = 1;
        let limiter = RateLimiter::new(&config);
        for _ in 0..100 {
            limiter.check(Action::Message, "@a:b").unwrap();
        }
    }
}
