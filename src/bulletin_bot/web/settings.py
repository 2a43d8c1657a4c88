"""Settings of the web face, from ``BULLETIN_WEB_*`` environment variables (see docs/WEB.md)."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass

from ..errors import ConfigError


@dataclass(frozen=True)
class WebSettings:
    # Single sign-on: a reverse proxy that has authenticated the user passes their name in this header.
    sso_header: str | None = None
    sso_admins: frozenset[str] = frozenset()  # SSO names that get the admin role (others: staff)
    trusted_proxies: frozenset[str] = frozenset({"127.0.0.1", "::1"})  # only these may set the SSO header
    secure_cookie: str = "auto"  # auto: Secure unless plain http on a loopback address | always | never
    session_hours: float = 12.0
    max_request_bytes: int = 256_000  # every request but an upload
    login_attempts: int = 5  # failed logins per address and per name in ``login_window`` seconds
    login_window: float = 300.0
    answer_cache: int = 1024  # answers kept per index version (the same question is asked again and again)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> WebSettings:
        env = dict(os.environ if env is None else env)

        def names(key: str) -> frozenset[str] | None:
            raw = env.get(key)
            return None if raw is None else frozenset(p.strip() for p in raw.split(",") if p.strip())

        values: dict[str, object] = {}
        if env.get("BULLETIN_WEB_SSO_HEADER"):
            values["sso_header"] = env["BULLETIN_WEB_SSO_HEADER"].strip()
        for key, attr in (("BULLETIN_WEB_SSO_ADMINS", "sso_admins"), ("BULLETIN_WEB_TRUSTED_PROXIES", "trusted_proxies")):
            got = names(key)
            if got is not None:
                values[attr] = got
        for proxy in values.get("trusted_proxies", frozenset()):  # type: ignore[attr-defined]
            try:
                ipaddress.ip_address(proxy)
            except ValueError:
                raise ConfigError(f"BULLETIN_WEB_TRUSTED_PROXIES: '{proxy}' is not an IP address") from None
        if env.get("BULLETIN_WEB_SECURE_COOKIE"):
            mode = env["BULLETIN_WEB_SECURE_COOKIE"].strip().lower()
            if mode not in ("auto", "always", "never"):
                raise ConfigError("BULLETIN_WEB_SECURE_COOKIE must be auto, always or never")
            values["secure_cookie"] = mode
        for key, attr, conv in (
            ("BULLETIN_WEB_SESSION_HOURS", "session_hours", float),
            ("BULLETIN_WEB_MAX_REQUEST_BYTES", "max_request_bytes", int),
            ("BULLETIN_WEB_LOGIN_ATTEMPTS", "login_attempts", int),
            ("BULLETIN_WEB_ANSWER_CACHE", "answer_cache", int),
        ):
            if env.get(key):
                try:
                    values[attr] = conv(env[key])
                except ValueError:
                    raise ConfigError(f"{key}={env[key]!r} is not a number") from None
        return cls(**values)  # type: ignore[arg-type]


def is_loopback(host: str) -> bool:
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
