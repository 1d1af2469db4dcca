"""Test support shipped with the chaincode: X.509 identities with Fabric-CA attributes, an in-memory
ledger + stub with Fabric simulator semantics, and a harness that drives the real contract dispatch."""
