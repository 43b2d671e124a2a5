"""Accounts, roles, sessions, the audit log and backups: who may change the data, and what was changed by whom."""
