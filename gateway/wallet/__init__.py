"""Where an org's signing keys live: an encrypted file wallet or a PKCS#11 token."""
