"""The demo people ``make run`` creates and prints. Local demo only: never on a public server."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    where: str


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("admin", "admin-demo-pass", "superuser", "/admin/"),
    DemoLogin("editor", "editor-demo-pass", "catalogue editor", "/admin/"),
)
