"""core.yaml / orderer.yaml generated from the spec, written to disk, parsed back and compared with the spec."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from network.devnet.node import paths
from network.fabric import nodes
from network.fabric.peer_config import BUILDER_DIR, peer_core_config
from network.layout import NetworkLayout


def _written(layout: NetworkLayout, node: nodes.FabricNode) -> dict[str, Any]:
    path = nodes.write_node_config(layout, node)
    assert path.parent == nodes.config_dir(layout.root, node.host)
    document: dict[str, Any] = yaml.safe_load(path.read_text())
    return document


def test_every_peer_config_matches_its_spec_entry(fabric_layout: NetworkLayout, tmp_path: Path) -> None:
    layout = NetworkLayout(fabric_layout.root)
    peers = nodes.peer_nodes(layout, Path("peer"))
    assert [n.host for n in peers] == [f"{p.name}.{o.domain}" for o, p in layout.spec.peers()]
    for node, (org, spec_peer) in zip(peers, layout.spec.peers(), strict=True):
        core = _written(layout, node)
        peer = core["peer"]
        assert peer["id"] == node.host
        assert peer["localMspId"] == org.msp_id
        assert peer["listenAddress"] == peer["address"] == f"127.0.0.1:{spec_peer.port}"
        assert peer["chaincodeListenAddress"] == f"127.0.0.1:{spec_peer.chaincode_port}"
        assert peer["gossip"]["externalEndpoint"] == f"127.0.0.1:{spec_peer.port}"
        assert peer["gateway"]["enabled"] is True
        assert peer["tls"]["enabled"] is True
        for key in ("cert", "key", "rootcert"):
            assert Path(peer["tls"][key]["file"]).is_file(), key
        assert Path(peer["mspConfigPath"]) == layout.peer_msp_dir(org.msp_id, spec_peer.name)
        assert (Path(peer["mspConfigPath"]) / "signcerts").is_dir()
        assert Path(peer["fileSystemPath"]) == paths.data_dir(layout.root.resolve(), node.host)
        assert core["ledger"]["state"]["stateDatabase"] == "goleveldb"
        assert core["operations"]["listenAddress"] == f"127.0.0.1:{spec_peer.operations_port}"
        assert core["metrics"]["provider"] == "prometheus"
        assert core["vm"]["endpoint"] == ""  # no Docker: chaincode only through the external builder
        builders = core["chaincode"]["externalBuilders"]
        assert [Path(b["path"]) for b in builders] == [BUILDER_DIR]
        assert peer["handlers"]["endorsers"]["escc"]["name"] == "DefaultEndorsement"


def test_every_orderer_config_matches_its_spec_entry(fabric_layout: NetworkLayout) -> None:
    layout = NetworkLayout(fabric_layout.root)
    orderers = nodes.orderer_nodes(layout, Path("orderer"))
    assert len(orderers) == 3  # three raft orderers by default on this back end
    for node, (org, spec_node) in zip(orderers, layout.spec.orderer_nodes(), strict=True):
        doc = _written(layout, node)
        general = doc["General"]
        assert (general["ListenAddress"], general["ListenPort"]) == ("127.0.0.1", spec_node.port)
        assert general["LocalMSPID"] == org.msp_id
        assert general["BootstrapMethod"] == "none"
        assert general["TLS"]["Enabled"] is True
        tls = layout.node_tls(layout.orderer_dir(spec_node.name))
        assert general["Cluster"]["ClientCertificate"] == general["TLS"]["Certificate"] == str(tls.cert)
        assert doc["Admin"]["ListenAddress"] == f"127.0.0.1:{spec_node.admin_port}"
        assert doc["Admin"]["TLS"]["ClientAuthRequired"] is True
        assert doc["Admin"]["TLS"]["ClientRootCAs"] == [str(layout.tlsca_cert(org.msp_id))]
        assert doc["ChannelParticipation"]["Enabled"] is True
        assert doc["Operations"]["ListenAddress"] == f"127.0.0.1:{spec_node.operations_port}"
        data = paths.data_dir(layout.root.resolve(), node.host)
        assert Path(doc["FileLedger"]["Location"]).is_relative_to(data)
        assert Path(doc["Consensus"]["WALDir"]).is_relative_to(data)


def test_consenters_in_the_genesis_block_are_the_configured_listeners(fabric_layout: NetworkLayout) -> None:
    """The raft cluster shares the general listener, so consenter host:port must equal each node's listener."""
    from fabric_protos.common import common_pb2, configtx_pb2
    from fabric_protos.orderer import configuration_pb2
    from fabric_protos.orderer.etcdraft import configuration_pb2 as raft

    layout = NetworkLayout(fabric_layout.root)
    block = common_pb2.Block.FromString(layout.genesis_block(layout.spec.channels[0].name).read_bytes())
    payload = common_pb2.Payload.FromString(common_pb2.Envelope.FromString(block.data.data[0]).payload)
    config = configtx_pb2.ConfigEnvelope.FromString(payload.data).config
    consensus = configuration_pb2.ConsensusType.FromString(
        config.channel_group.groups["Orderer"].values["ConsensusType"].value
    )
    consenters = raft.ConfigMetadata.FromString(consensus.metadata).consenters
    listeners = []
    for node in nodes.orderer_nodes(layout, Path("orderer")):
        general = nodes.node_config_document(layout, node)[1]["General"]
        listeners.append((general["ListenAddress"], general["ListenPort"]))
    assert [(c.host, c.port) for c in consenters] == listeners


def test_unknown_peer_is_named(fabric_layout: NetworkLayout, tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="peer9"):
        peer_core_config(fabric_layout, "Org1MSP", "peer9", tmp_path)


def test_a_rewrite_replaces_the_file_whole(fabric_layout: NetworkLayout) -> None:
    layout = NetworkLayout(fabric_layout.root)
    node = nodes.peer_nodes(layout, Path("peer"))[0]
    path = nodes.write_node_config(layout, node)
    path.write_text("garbage: [")
    assert yaml.safe_load(nodes.write_node_config(layout, node).read_text())["peer"]["id"] == node.host
    assert not path.with_suffix(".tmp").exists()
