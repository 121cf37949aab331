"""The demo practice ``make run`` creates and prints. Local demo only: never on a public server."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    where: str


DEMO_PRACTICE = "Riverside Physio (demo)"
STAFF_PASSWORD = "trainer-demo-pass"
CLIENT_PASSWORD = "client-demo-pass"

DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("admin", "admin-demo-pass", "superuser", "/admin/"),
    DemoLogin("editor", "editor-demo-pass", "catalogue editor", "/admin/"),
    DemoLogin("pat", STAFF_PASSWORD, "practice admin", "/admin/"),
    DemoLogin("tom", STAFF_PASSWORD, "trainer", "/admin/"),
    DemoLogin("tara", STAFF_PASSWORD, "trainer", "/admin/"),
    DemoLogin("alice", CLIENT_PASSWORD, "client (of tom)", "/"),
)

# (username, first name, last name, is practice admin)
TRAINERS = (
    ("pat", "Pat", "Morgan", True),
    ("tom", "Tom", "Reid", False),
    ("tara", "Tara", "Singh", False),
)

# (name, sessions per week, [(exercise slug, sets, reps min, reps max, hold seconds)])
TEMPLATES = (
    (
        "Low back: foundations",
        3,
        [
            ("posterior-pelvic-tilt", 2, 8, 10, 5),
            ("dead-bug-heel-tap", 3, 6, 8, None),
            ("glute-bridge", 3, 10, 12, None),
            ("quadruped-leg-slide", 2, 6, 8, None),
        ],
    ),
    (
        "Glutes without the back",
        3,
        [
            ("reverse-leg-lift", 3, 10, 15, None),
            ("kneeling-rear-leg-raise-bent-knee", 3, 10, 15, None),
            ("glute-bridge", 3, 10, 12, None),
        ],
    ),
    (
        "Core: leg raise pathway",
        3,
        [
            ("lying-knee-tuck", 3, 8, 12, None),
            ("dead-bug", 3, 6, 10, None),
            ("bird-dog", 3, 6, 8, None),
        ],
    ),
)

# (username, first name, last name, trainer, template)
# the templates with planned days (the others: any days, as many as sessions per week)
WEEKDAYS = {"Low back: foundations": ["mon", "wed", "fri"]}

CLIENTS = (
    ("alice", "Alice", "Ng", "tom", "Low back: foundations"),
    ("ben", "Ben", "Okafor", "tom", "Glutes without the back"),
    ("chloe", "Chloe", "Martin", "tom", "Core: leg raise pathway"),
    ("dev", "Dev", "Patel", "tom", "Low back: foundations"),
    ("emma", "Emma", "Jones", "tara", "Glutes without the back"),
    ("farid", "Farid", "Haddad", "tara", "Low back: foundations"),
    ("grace", "Grace", "Kim", "tara", "Core: leg raise pathway"),
    ("hugo", "Hugo", "Lambert", "pat", "Glutes without the back"),
)

# Three weeks of logs per client, so that the portal's history, the admin's lists (and later the
# triage flags) have something to show. (pain trend start → end, symptoms on some days)
HISTORY_DAYS = 21
HISTORY = {
    "alice": (5, 2, {}),  # settling nicely
    "ben": (2, 1, {}),
    "chloe": (2, 6, {}),  # getting worse week on week
    "dev": (4, 4, {6: ["leg_tingling"], 15: ["leg_tingling", "radiating_below_knee"]}),
    "emma": (3, 2, {}),
    "farid": (4, 3, {19: ["night_pain"]}),
    "grace": (1, 1, {}),
    "hugo": (3, 3, {}),
}
SESSION_DAYS = {1, 3, 5}  # days of the week (Monday = 0) with a session
