"""Channel configuration and genesis blocks, built from the consortium spec with Fabric's own protobufs."""
