"""Cross-check: the channel MSPs in our genesis block, loaded by the devnet's separate X.509 MSP implementation,
accept every generated identity with exactly the role the spec gives it, and no other org's MSP accepts it."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from fabric_protos.common import common_pb2, configtx_pb2
from fabric_protos.msp import identities_pb2, msp_config_pb2, msp_principal_pb2
from spec_identities import all_identities

from network.layout import NetworkLayout
from network.spec import ConsortiumSpec

x509msp = pytest.importorskip("network.devnet.msp.x509msp")
IdentityError = pytest.importorskip("network.devnet.msp.errors").IdentityError

ROLES = {
    "client": msp_principal_pb2.MSPRole.CLIENT,
    "peer": msp_principal_pb2.MSPRole.PEER,
    "admin": msp_principal_pb2.MSPRole.ADMIN,
    "orderer": msp_principal_pb2.MSPRole.ORDERER,
}


def channel_msps(layout: NetworkLayout) -> dict[str, object]:
    block = common_pb2.Block.FromString(layout.genesis_block("assetchannel").read_bytes())
    payload = common_pb2.Payload.FromString(common_pb2.Envelope.FromString(block.data.data[0]).payload)
    root = configtx_pb2.ConfigEnvelope.FromString(payload.data).config.channel_group
    msps = {}
    for section in ("Orderer", "Application"):
        for org in root.groups[section].groups.values():
            outer = msp_config_pb2.MSPConfig.FromString(org.values["MSP"].value)
            config = msp_config_pb2.FabricMSPConfig.FromString(outer.config)
            msps[config.name] = x509msp.X509MSP.from_config(config)
    return msps


def role_principal(msp_id: str, role: int) -> msp_principal_pb2.MSPPrincipal:
    return msp_principal_pb2.MSPPrincipal(
        principal_classification=msp_principal_pb2.MSPPrincipal.ROLE,
        principal=msp_principal_pb2.MSPRole(msp_identifier=msp_id, role=role).SerializeToString(),
    )


def test_identities_validate_with_spec_roles(generated: NetworkLayout, default_spec: ConsortiumSpec) -> None:
    msps = channel_msps(generated)
    assert set(msps) == {"OrdererMSP", "Org1MSP", "Org2MSP", "Org3MSP"}
    for msp_id, msp_dir, role in all_identities(generated, default_spec):
        _, cert_pem, _ = generated.load_identity(msp_dir)
        serialized = identities_pb2.SerializedIdentity(mspid=msp_id, id_bytes=cert_pem).SerializeToString()
        msp = msps[msp_id]
        msp.is_well_formed(serialized)  # type: ignore[attr-defined]
        identity = msp.deserialize_identity(serialized)  # type: ignore[attr-defined]
        msp.validate(identity)  # type: ignore[attr-defined]
        # low-S certs: the sanitized bytes are the certificate's own bytes
        assert identity.sanitized_der == identity.certificate.public_bytes(serialization.Encoding.DER)
        for name, value in ROLES.items():
            principal = role_principal(msp_id, value)
            if name == role:
                msp.satisfies_principal(identity, principal)  # type: ignore[attr-defined]
            else:
                with pytest.raises(IdentityError):
                    msp.satisfies_principal(identity, principal)  # type: ignore[attr-defined]
        other = "Org2MSP" if msp_id != "Org2MSP" else "Org1MSP"
        with pytest.raises(IdentityError):
            msps[other].deserialize_identity(  # type: ignore[attr-defined]
                identities_pb2.SerializedIdentity(mspid=other, id_bytes=cert_pem).SerializeToString()
            )
