"""The browser tests' fixtures (``browser_support``): one chromium per module, a client with a
program, a phone-sized page."""

from coaching.tests.browser_support import browser, phone, someone

__all__ = ["browser", "phone", "someone"]
