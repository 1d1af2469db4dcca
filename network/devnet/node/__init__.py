"""Running devnet nodes: structured logs, the operations (health) endpoint and the process supervisor."""
