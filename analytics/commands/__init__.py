"""The command groups of `python -m analytics`: each module adds its commands to the parser (``register``) and runs
them; analytics/cli.py holds the command table and the entry point."""
