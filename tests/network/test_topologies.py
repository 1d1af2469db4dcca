"""Other shapes of consortium: three raft consenters, two channels with different members, a custom policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from fabric_protos.common import common_pb2, configtx_pb2, policies_pb2
from fabric_protos.orderer import configuration_pb2 as orderer_cfg
from fabric_protos.orderer.etcdraft import configuration_pb2 as raft_cfg

from network.configtx.decode import decode
from network.crypto.bootstrap import generate
from network.layout import NetworkLayout
from network.spec import DEFAULT_SPEC_PATH, parse_spec


def config_of(block_path: Path) -> configtx_pb2.ConfigGroup:
    block = common_pb2.Block.FromString(block_path.read_bytes())
    payload = common_pb2.Payload.FromString(common_pb2.Envelope.FromString(block.data.data[0]).payload)
    return configtx_pb2.ConfigEnvelope.FromString(payload.data).config.channel_group


def spec_data() -> dict[str, Any]:
    data = yaml.safe_load(DEFAULT_SPEC_PATH.read_text())
    data["base_port"] = 17050
    data["orderer_orgs"][0]["nodes"] = [{"name": "orderer0"}, {"name": "orderer1"}, {"name": "orderer2"}]
    data["channels"].append(
        {
            "name": "bilateral",
            "orgs": ["Org1MSP", "Org3MSP"],
            "batch": {"max_message_count": 50, "timeout": "250ms"},
            "policies": {
                "endorsement": "ALL Endorsement",
                "lifecycle_endorsement": "AND('Org1MSP.admin', 'Org3MSP.admin')",
            },
        }
    )
    return data


def test_three_consenters_and_two_channels(tmp_path: Path) -> None:
    spec = parse_spec(spec_data())
    layout = NetworkLayout(tmp_path / "net")
    generate(spec, layout.root)
    assert [n.port for _, n in spec.orderer_nodes()] == [17050, 18050, 19050]

    main = config_of(layout.genesis_block("assetchannel"))
    consensus = orderer_cfg.ConsensusType.FromString(main.groups["Orderer"].values["ConsensusType"].value)
    consenters = raft_cfg.ConfigMetadata.FromString(consensus.metadata).consenters
    assert [c.port for c in consenters] == [17050, 18050, 19050]
    certs = [layout.node_tls(layout.orderer_dir(f"orderer{i}")).cert.read_bytes() for i in range(3)]
    assert [c.server_tls_cert for c in consenters] == certs and len(set(certs)) == 3

    side = config_of(layout.genesis_block("bilateral"))
    assert set(side.groups["Application"].groups) == {"Org1", "Org3"}
    meta = policies_pb2.ImplicitMetaPolicy.FromString(side.groups["Application"].policies["Endorsement"].policy.value)
    assert meta.rule == policies_pb2.ImplicitMetaPolicy.ALL
    lifecycle = side.groups["Application"].policies["LifecycleEndorsement"].policy
    assert lifecycle.type == policies_pb2.Policy.SIGNATURE
    envelope = policies_pb2.SignaturePolicyEnvelope.FromString(lifecycle.value)
    assert envelope.rule.n_out_of.n == 2 and len(envelope.identities) == 2
    batch = orderer_cfg.BatchSize.FromString(side.groups["Orderer"].values["BatchSize"].value)
    assert batch.max_message_count == 50
    assert orderer_cfg.BatchTimeout.FromString(side.groups["Orderer"].values["BatchTimeout"].value).timeout == "250ms"
    # both channels share the same org MSPs
    assert (
        side.groups["Application"].groups["Org1"].values["MSP"].value
        == main.groups["Application"].groups["Org1"].values["MSP"].value
    )


def test_decode_other_message_types(tmp_path: Path) -> None:
    layout = NetworkLayout(tmp_path / "net")
    generate(parse_spec(yaml.safe_load(DEFAULT_SPEC_PATH.read_text())), layout.root)
    block = common_pb2.Block.FromString(layout.genesis_block("assetchannel").read_bytes())
    envelope_json = decode(block.data.data[0], "common.Envelope")
    assert envelope_json["payload"]["header"]["signature_header"]["creator"] == ""
    group_bytes = config_of(layout.genesis_block("assetchannel")).SerializeToString()
    group_json = decode(group_bytes, "common.ConfigGroup")
    hashing = group_json["values"]["HashingAlgorithm"]
    assert hashing == {"mod_policy": "Admins", "value": {"name": "SHA256"}, "version": "0"}
    assert group_json["groups"]["Orderer"]["values"]["Capabilities"]["value"] == {"capabilities": {"V2_0": {}}}
