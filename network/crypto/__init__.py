"""Crypto material for a consortium: CAs, MSP folders and TLS certs laid out as Fabric's cryptogen does."""
