"""Endorser: ProcessProposal checks, simulation, signed proposal responses (Fabric ``core/endorser``)."""
