"""``_lifecycle``: chaincode packages, install, approvals, definitions (Fabric ``core/chaincode/lifecycle``)."""
