"""The login throttle holds against a burst of guesses sent at once, on a real database."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from sredesk.core.accounts import THROTTLE_LIMIT
from sredesk.services import accounts
from sredesk.services.accounts import LoginRefused, LoginThrottled
from sredesk.services.desk import Desk
from tests.accounts_support import FAST_HASHER, PASSWORD

BURST = 3 * THROTTLE_LIMIT


class CountingHasher(PasswordHash):
    """A cheap argon2id whose checks take as long as real ones, counted."""

    def __init__(self) -> None:
        super().__init__((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
        self.checked = 0
        self._lock = threading.Lock()

    def verify_and_update(self, password: str | bytes, hash: str | bytes) -> tuple[bool, None]:
        with self._lock:
            self.checked += 1
        time.sleep(0.3)  # the production hash's cost, during which the others arrive
        return super().verify_and_update(password, hash)[0], None

    def verify(self, password: str | bytes, hash: str | bytes) -> bool:
        return self.verify_and_update(password, hash)[0]


def burst(desk: Desk, guess: object) -> list[str]:
    def one(n: int) -> str:
        try:
            guess(n)
        except LoginRefused:
            return "refused"
        except LoginThrottled:
            return "throttled"
        return "accepted"

    with ThreadPoolExecutor(BURST) as pool:
        return list(pool.map(one, range(BURST)))


@pytest.mark.parametrize("addresses", ["one address", "many addresses"])
def test_a_burst_of_guesses_gets_no_more_passwords_checked_than_the_limit(
    sql_desk: Desk, addresses: str
) -> None:
    sql_desk.password_hasher = FAST_HASHER
    accounts.add_user(sql_desk, "dave", "member", PASSWORD)
    hasher = sql_desk.password_hasher = CountingHasher()

    def guess(n: int) -> None:
        address = "192.0.2.7" if addresses == "one address" else f"192.0.2.{n}"
        accounts.log_in(sql_desk, "dave", f"guess number {n}", address=address)

    answers = burst(sql_desk, guess)
    assert hasher.checked <= THROTTLE_LIMIT
    assert answers.count("refused") == hasher.checked
    assert answers.count("throttled") == BURST - hasher.checked
    with pytest.raises(LoginThrottled):
        accounts.log_in(sql_desk, "dave", PASSWORD, address="198.51.100.1")


def test_a_burst_of_guesses_at_the_current_password_is_held_to_the_limit(
    sql_desk: Desk,
) -> None:
    """A borrowed session guessing the password to change it is throttled the same way."""
    sql_desk.password_hasher = FAST_HASHER
    accounts.add_user(sql_desk, "dave", "member", PASSWORD)
    hasher = sql_desk.password_hasher = CountingHasher()

    def guess(n: int) -> None:
        accounts.change_password(sql_desk, "dave", f"guess number {n}", "a new password 1")

    answers = burst(sql_desk, guess)
    assert hasher.checked <= THROTTLE_LIMIT
    assert answers.count("throttled") == BURST - hasher.checked
