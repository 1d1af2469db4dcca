"""The asset-registry chaincode on devnet, driven through the Python gateway client."""
