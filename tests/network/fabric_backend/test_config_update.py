"""ConfigUpdate delta (decoded and checked element by element), admin signatures and the CONFIG_UPDATE envelope."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from fabnet import NEW_ORG
from fabric_protos.common import common_pb2, configtx_pb2
from fabric_protos.msp import identities_pb2

from network.configtx.channel import application_org_group
from network.configtx.update import NoDifferenceError, compute_update, with_application_org
from network.configtx.update_sign import P256_ORDER, config_update_envelope, signed_update_envelope
from network.crypto.files import staging_dir
from network.crypto.tree import TreePlan, stage_org
from network.fabric.add_org import config_from_block, majority_signers, spec_with_org
from network.layout import NetworkLayout
from network.spec import SpecError

CHANNEL = "assetchannel"


def _genesis_config(layout: NetworkLayout) -> configtx_pb2.Config:
    return config_from_block(common_pb2.Block.FromString(layout.genesis_block(CHANNEL).read_bytes()))


def _new_org_update(layout: NetworkLayout) -> tuple[configtx_pb2.ConfigUpdate, configtx_pb2.ConfigGroup]:
    updated_spec = spec_with_org(layout.spec, dict(NEW_ORG), CHANNEL)
    org = updated_spec.member_org("Org4MSP")
    with staging_dir(layout.root) as tmp:
        stage = NetworkLayout(tmp, updated_spec)
        stage_org(TreePlan(), NetworkLayout(layout.root, updated_spec), stage, org)
        group = application_org_group(org, stage)
    original = _genesis_config(layout)
    return compute_update(CHANNEL, original, with_application_org(original, "Org4", group)), group


def test_adding_an_org_bumps_only_application_and_writes_the_org_in_full(fabric_layout: NetworkLayout) -> None:
    update, group = _new_org_update(fabric_layout)
    decoded = configtx_pb2.ConfigUpdate.FromString(update.SerializeToString())
    assert decoded.channel_id == CHANNEL
    read_app = decoded.read_set.groups["Application"]
    write_app = decoded.write_set.groups["Application"]
    # the root group is only a path: same version, no values/policies in either set
    assert decoded.read_set.version == decoded.write_set.version == 0
    assert not decoded.write_set.values and not decoded.write_set.policies
    assert set(decoded.read_set.groups) == set(decoded.write_set.groups) == {"Application"}
    # Application changes membership: version 0 -> 1, mod_policy Admins (MAJORITY Admins) authorises it
    assert (read_app.version, write_app.version, write_app.mod_policy) == (0, 1, "Admins")
    assert set(read_app.groups) == {"Org1", "Org2", "Org3"}
    assert set(write_app.groups) == {"Org1", "Org2", "Org3", "Org4"}
    for existing in ("Org1", "Org2", "Org3"):  # pinned by version only, no content
        assert write_app.groups[existing] == configtx_pb2.ConfigGroup(version=0)
    assert set(write_app.values) == set(read_app.values) == {"Capabilities", "ACLs"}
    assert all(v == configtx_pb2.ConfigValue(version=0) for v in write_app.values.values())
    new = write_app.groups["Org4"]
    assert new.version == 0 and new.mod_policy == "Admins"
    assert new.values["MSP"].value == group.values["MSP"].value
    assert set(new.policies) == {"Readers", "Writers", "Admins", "Endorsement"}


def test_changed_value_gets_next_version_and_unchanged_config_is_refused(fabric_layout: NetworkLayout) -> None:
    original = _genesis_config(fabric_layout)
    with pytest.raises(NoDifferenceError, match="no differences"):
        compute_update(CHANNEL, original, original)
    changed = configtx_pb2.Config()
    changed.CopyFrom(original)
    changed.channel_group.groups["Orderer"].values["BatchTimeout"].value = b"\n\x013s"
    update = compute_update(CHANNEL, original, changed)
    orderer = update.write_set.groups["Orderer"]
    assert orderer.version == 0  # membership unchanged: the group itself is not modified
    assert dict(orderer.values) == {"BatchTimeout": configtx_pb2.ConfigValue(version=1, mod_policy="Admins",
                                                                            value=b"\n\x013s")}  # fmt: skip
    assert update.read_set.groups["Orderer"] == configtx_pb2.ConfigGroup(version=0)


def test_org_already_on_the_channel_is_refused(fabric_layout: NetworkLayout) -> None:
    original = _genesis_config(fabric_layout)
    with pytest.raises(ValueError, match="org_name"):
        with_application_org(original, "Org1", configtx_pb2.ConfigGroup())
    with pytest.raises(SpecError, match="msp_id"):
        spec_with_org(fabric_layout.spec, {**NEW_ORG, "msp_id": "Org2MSP"}, CHANNEL)


def _verify(creator: bytes, signature: bytes, data: bytes) -> str:
    identity = identities_pb2.SerializedIdentity.FromString(creator)
    cert = x509.load_pem_x509_certificate(identity.id_bytes)
    public_key = cert.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    assert decode_dss_signature(signature)[1] <= P256_ORDER // 2  # low-S, as Fabric requires
    return identity.mspid


def test_majority_of_admins_sign_header_concatenated_with_update(fabric_layout: NetworkLayout) -> None:
    update, _ = _new_org_update(fabric_layout)
    signers = majority_signers(fabric_layout, CHANNEL)
    assert [s.msp_id for s in signers] == ["Org1MSP", "Org2MSP"]  # 2 of 3 = MAJORITY
    envelope = config_update_envelope(CHANNEL, signed_update_envelope(update, signers), signers[0])
    payload = common_pb2.Payload.FromString(envelope.payload)
    chdr = common_pb2.ChannelHeader.FromString(payload.header.channel_header)
    assert (chdr.type, chdr.channel_id) == (common_pb2.CONFIG_UPDATE, CHANNEL)
    shdr = common_pb2.SignatureHeader.FromString(payload.header.signature_header)
    assert _verify(shdr.creator, envelope.signature, envelope.payload) == "Org1MSP"
    cue = configtx_pb2.ConfigUpdateEnvelope.FromString(payload.data)
    assert configtx_pb2.ConfigUpdate.FromString(cue.config_update) == update
    signed_by = []
    for sig in cue.signatures:
        header = common_pb2.SignatureHeader.FromString(sig.signature_header)
        assert len(header.nonce) == 24
        signed_by.append(_verify(header.creator, sig.signature, sig.signature_header + cue.config_update))
    assert signed_by == ["Org1MSP", "Org2MSP"]


def test_no_signers_is_an_error() -> None:
    with pytest.raises(ValueError, match="signers"):
        signed_update_envelope(configtx_pb2.ConfigUpdate(channel_id=CHANNEL), [])


def test_add_org_failure_leaves_the_network_untouched(fabric_layout: NetworkLayout, tmp_path: Path) -> None:
    """No orderer is running: the update cannot be fetched, and neither crypto nor the spec changes."""
    from network.fabric.add_org import add_org

    spec_before = fabric_layout.resolved_spec_path().read_bytes()
    with pytest.raises(RuntimeError, match="no orderer delivered assetchannel block newest"):
        add_org(fabric_layout.root, dict(NEW_ORG), CHANNEL, timeout=1)
    assert fabric_layout.resolved_spec_path().read_bytes() == spec_before
    assert not (fabric_layout.crypto_dir / "peerOrganizations" / "org4.example.com").exists()
    assert not any(p.name.startswith(".net.staging") for p in fabric_layout.root.parent.iterdir())
