"""Integration tests across areas: real devnet processes, the deployed asset chaincode, real clients."""
