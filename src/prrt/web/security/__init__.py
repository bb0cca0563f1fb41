"""Passwords, tokens, sessions, CSRF, login rate limits and security headers (docs/web.md)."""
