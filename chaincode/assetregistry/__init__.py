"""Asset-registry chaincode: fungible and non-fungible assets moved between consortium members.

The package is split by concern; ``contract.py`` holds the only ``Contract`` subclass and is a thin
dispatch layer over the rule modules. See ``chaincode/README.md`` for the transaction catalogue.
"""
