"""``python -m gateway ...``: the operator CLI (see ``gateway/cli.py``)."""

from gateway.cli import main

raise SystemExit(main())
