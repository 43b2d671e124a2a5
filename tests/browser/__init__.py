"""The browser tests. A package, so that this folder's conftest.py (the real server) is imported as
browser.conftest and never stands in for tests/conftest.py, whose builders other tests import."""
