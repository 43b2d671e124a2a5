#!/usr/bin/env bash
# One command to test everything CI tests: installs what is missing, checks style, runs the whole suite
# (core, pages with AppTest, and the real browser with Playwright and Debian's chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
.venv/bin/python -m ruff check .
.venv/bin/python -m ruff format --check .
# The core's types (the folders are listed in pyproject.toml's [tool.mypy]).
.venv/bin/python -m mypy
.venv/bin/python -m pytest --durations=15 "$@"
