"""``python -m network ...`` is the ``consortium`` command."""

from network.cli import main

raise SystemExit(main())
