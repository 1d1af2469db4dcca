"""Fabric Gateway service (``gateway.Gateway``): Evaluate, Endorse, Submit, CommitStatus, ChaincodeEvents."""
