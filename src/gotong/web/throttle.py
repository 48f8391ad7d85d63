"""A limit on failed sign-ins per client address, on top of the per-account lock-out.

The account lock-out (``orgs.passwords``) stops guessing one user's password; this stops one
address from trying many accounts. It is kept in memory: a restart forgets it, which is acceptable
because the account lock-out is in the database.
"""

from __future__ import annotations

import threading
import time
from collections import deque


class SignInThrottle:
    def __init__(self, *, failures: int = 20, window_seconds: float = 15 * 60) -> None:
        self.failures = failures
        self.window = window_seconds
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allowed(self, client: str) -> bool:
        """Whether ``client`` may try to sign in now."""
        with self._lock:
            return len(self._recent(client)) < self.failures

    def failed(self, client: str) -> None:
        with self._lock:
            self._recent(client).append(time.monotonic())

    def _recent(self, client: str) -> deque[float]:
        seen = self._seen.setdefault(client, deque())
        horizon = time.monotonic() - self.window
        while seen and seen[0] < horizon:
            seen.popleft()
        if not seen and len(self._seen) > 10_000:  # forget idle addresses so memory stays bounded
            self._seen = {k: v for k, v in self._seen.items() if v}
            self._seen[client] = seen
        return seen
