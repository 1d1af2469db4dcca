"""Who is calling: API keys and JWTs, each bound to exactly one org and a set of identities and roles."""
