"""A rate limit that costs the same at the 100,000th request of the hour as at the first.

DRF's SimpleRateThrottle keeps every request's time in one cache value, read and written whole on
each request: with `API_KEY_RATE` at 100,000/hour an integration's busy key carried tens of
thousands of timestamps, pickled and unpickled per request (2.5 ms at 10,000, bench/findings.md).

Here the period is cut into BUCKETS slices with one counter each: a request reads the counters of
the last period in one `get_many` and adds one to its own slice. The slice the period started in
is counted whole, so the limit is never exceeded (a request is at most one slice early to be
refused, never let through early).
"""

import math

from rest_framework.throttling import SimpleRateThrottle

BUCKETS = 30


class SlicedWindowThrottle(SimpleRateThrottle):
    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        self.width = self.duration / BUCKETS
        now_slice = int(self.now // self.width)
        self.slices = range(now_slice - BUCKETS, now_slice + 1)  # the period, and the slice it started in
        found = self.cache.get_many([f"{self.key}:{s}" for s in self.slices])
        self.counts = [found.get(f"{self.key}:{s}", 0) for s in self.slices]
        if sum(self.counts) >= self.num_requests:
            return self.throttle_failure()
        current = f"{self.key}:{now_slice}"
        if not self.cache.add(current, 1, timeout=self.duration + 2 * self.width):
            try:
                self.cache.incr(current)
            except ValueError:  # expired between add() and incr()
                self.cache.set(current, 1, timeout=self.duration + 2 * self.width)
        return True

    def wait(self):
        """Seconds until enough of the oldest slices have left the period for one more request."""
        over = sum(self.counts) - self.num_requests + 1
        for first_slice, count in zip(self.slices, self.counts, strict=True):
            over -= count
            if over <= 0:
                leaves_at = (first_slice + 1) * self.width + self.duration  # when it no longer counts
                return max(1, math.ceil(leaves_at - self.now))
        return math.ceil(self.duration)
