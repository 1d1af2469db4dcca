"""The real-Fabric back end: the same generated network run on official Hyperledger Fabric binaries.

Modules: :mod:`~network.fabric.binaries` (finding ``peer``/``orderer``), :mod:`~network.fabric.peer_config` and
:mod:`~network.fabric.orderer_config` (``core.yaml``/``orderer.yaml`` from the spec), :mod:`~network.fabric.nodes`
and :mod:`~network.fabric.supervisor` (``consortium up/down/status/reset --backend fabric``),
:mod:`~network.fabric.participation` (channel participation REST client), :mod:`~network.fabric.peer_cli`
(channel join and chaincode lifecycle through the official ``peer`` CLI), :mod:`~network.fabric.ccaas`
(chaincode-as-a-service packages and servers; builder scripts in ``network/fabric/builders/ccaas/bin``),
:mod:`~network.fabric.compose` (a docker compose file for the same network) and :mod:`~network.fabric.cli`.
Nothing here downloads or builds Fabric.
"""
