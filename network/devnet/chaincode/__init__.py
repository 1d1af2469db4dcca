"""Chaincode runtime: CCaaS client, transaction simulator, shim request handling."""
