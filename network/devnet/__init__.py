"""devnet: a protocol-faithful Hyperledger Fabric peer and orderer written in Python."""
