"""The per-API-key rate limit: counters per slice of the period, never more than the rate in any period."""

from types import SimpleNamespace

import pytest
from django.core.cache import cache

from patients.api.throttling import ApiKeyThrottle

HOUR = 3600.0


@pytest.fixture
def rate(settings):
    def set_rate(value):
        rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "api_key": value}
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}

    cache.clear()
    yield set_rate
    cache.clear()


def call(at: float, key: int = 1) -> ApiKeyThrottle:
    throttle = ApiKeyThrottle()
    throttle.timer = lambda: at
    throttle.allowed = throttle.allow_request(SimpleNamespace(api_key=SimpleNamespace(pk=key)), None)
    return throttle


def test_the_limit_holds_within_a_window(rate):
    rate("3/hour")
    start = 100 * HOUR + 10
    assert [call(start + i).allowed for i in range(4)] == [True, True, True, False]
    assert call(start + 5, key=2).allowed  # each key its own count


def test_requests_late_in_the_last_hour_still_count_early_in_this_one(rate):
    rate("4/hour")
    late = 100 * HOUR + HOUR - 60
    assert all(call(late + i).allowed for i in range(4))
    # 2 minutes later the 4 requests are less than an hour old: refused until they are not.
    refused = call(late + 120)
    assert not refused.allowed and HOUR - 180 <= refused.wait() <= HOUR
    assert not call(late + HOUR - 10).allowed
    assert call(late + 120 + refused.wait() + 1).allowed


def test_the_wait_says_when_a_request_will_be_allowed(rate):
    rate("2/hour")
    start = 100 * HOUR + 500
    call(start), call(start + 600)
    refused_at = start + 700
    refused = call(refused_at)
    assert not refused.allowed
    assert not call(refused_at + refused.wait() - 60).allowed
    assert call(refused_at + refused.wait() + 1).allowed


def test_never_more_than_the_rate_in_any_hour(rate):
    rate("10/hour")
    times = [100 * HOUR + i * 97.0 for i in range(200)]  # a request every 97 s, for 5 hours
    allowed = [t for t in times if call(t).allowed]
    assert all(sum(1 for u in allowed if t - HOUR < u <= t) <= 10 for t in allowed)
    assert len(allowed) >= 45  # and not much less either: ~10 an hour


def test_the_cache_holds_small_counters_however_many_requests(rate):
    rate("100000/hour")
    start = 100 * HOUR
    for i in range(5000):
        assert call(start + i * 0.1).allowed
    stored = cache.get_many([f"throttle_api_key_1:{s}" for s in range(3000, 3031)])
    assert all(isinstance(v, int) for v in stored.values()) and sum(stored.values()) == 5000
