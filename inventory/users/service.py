"""Users: one service over the account, password, session and token use cases, each in a module of its
own (inventory/users/accounts.py, passwords.py, sessions.py, tokens.py; the sign-in throttle in throttle.py,
hashes and token digests in hashing.py, the shared steps in base.py)."""

from __future__ import annotations

from inventory.users.accounts import AccountUseCases
from inventory.users.passwords import PasswordUseCases
from inventory.users.sessions import SessionUseCases
from inventory.users.tokens import TokenUseCases


class UserService(AccountUseCases, PasswordUseCases, SessionUseCases, TokenUseCases):
    """What the API, the pages and the command line call: every users use case on one session."""
