"""The demo's building blocks: a devnet with the asset chaincode, one REST gateway per org, and a
cross-enterprise story played through the REST API (``scripts/demo.py``)."""
