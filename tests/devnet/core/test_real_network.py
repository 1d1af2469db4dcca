"""D1 core against the bootstrap's real output: genesis block -> bundle, cryptogen-style MSPs, validation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fabric_protos.common import common_pb2, policies_pb2
from fabric_protos.peer import transaction_pb2
from fabric_protos.peer.lifecycle import chaincode_definition_pb2, db_pb2

from devnet.fixtures.txs import TxOptions, endorser_tx, make_block, set_filter
from devnet.fixtures.world import state_data
from gateway.client.identity import Identity, Signer, load_msp_identity
from network.configtx.msp import fabric_msp_config
from network.devnet.channelconfig import SignedData, bundle_from_config_block
from network.devnet.ledger import Ledger, RWSetBuilder
from network.devnet.msp import X509MSP
from network.devnet.policy.dsl import role_principal
from network.devnet.validation import validate_block
from network.devnet.validation.definitions import LIFECYCLE_NS
from network.layout import NetworkLayout

C = transaction_pb2.TxValidationCode
CHANNEL = "assetchannel"


@dataclass(frozen=True)
class FileIdentity:
    """A signing identity read from a generated MSP folder."""

    identity: Identity
    signer: Signer

    @property
    def serialized(self) -> bytes:
        return self.identity.serialize()

    def sign(self, message: bytes) -> bytes:
        return self.signer(message)

    def signed(self, message: bytes) -> SignedData:
        return SignedData(message, self.serialized, self.sign(message))


def who(layout: NetworkLayout, msp_dir: Path, mspid: str) -> FileIdentity:
    return FileIdentity(*load_msp_identity(msp_dir, mspid))


def genesis(layout: NetworkLayout) -> common_pb2.Block:
    return common_pb2.Block.FromString(layout.genesis_block(CHANNEL).read_bytes())


def test_bundle_from_real_genesis(consortium: NetworkLayout) -> None:
    b = bundle_from_config_block(genesis(consortium))
    assert b.channel_id == CHANNEL and b.sequence == 0
    assert set(b.application_orgs) == {"Org1MSP", "Org2MSP", "Org3MSP"} and "OrdererMSP" in b.orderer_orgs
    assert b.application_orgs["Org1MSP"].name == "Org1"
    assert b.batch_timeout == 2.0 and b.batch_size is not None and b.batch_size.max_message_count == 10
    user = who(consortium, consortium.user_msp_dir("Org1MSP", "User1"), "Org1MSP")
    peer = who(consortium, consortium.peer_msp_dir("Org1MSP", "peer0"), "Org1MSP")
    admins = [who(consortium, consortium.admin_msp_dir(m), m) for m in ("Org1MSP", "Org2MSP")]
    msg = b"m"
    assert b.check_acl("peer/Propose", [SignedData(msg, user.serialized, user.sign(msg))])
    assert b.check_acl("event/Block", [SignedData(msg, peer.serialized, peer.sign(msg))])
    admin_sigs = [SignedData(msg, a.serialized, a.sign(msg)) for a in admins]
    assert not b.policy("/Channel/Application/Admins").evaluate(admin_sigs[:1])
    assert b.policy("/Channel/Application/Admins").evaluate(admin_sigs)
    orderer = who(consortium, consortium.orderer_msp_dir("orderer0"), "OrdererMSP")
    assert b.policy("/Channel/Orderer/BlockValidation").evaluate([orderer.signed(msg)])


def test_local_msp_from_peer_folder(consortium: NetworkLayout) -> None:
    msp_dir = consortium.peer_msp_dir("Org2MSP", "peer0")
    local = X509MSP.from_config(fabric_msp_config(msp_dir, "Org2MSP"))
    assert local.settings.ou_enforcement
    peer = local.deserialize_identity(who(consortium, msp_dir, "Org2MSP").serialized)
    admin = local.deserialize_identity(who(consortium, consortium.admin_msp_dir("Org2MSP"), "Org2MSP").serialized)
    assert peer.satisfies_principal(role_principal("Org2MSP", "peer"))
    assert not peer.satisfies_principal(role_principal("Org2MSP", "admin"))
    assert admin.satisfies_principal(role_principal("Org2MSP", "admin"))


def test_validation_with_real_identities(consortium: NetworkLayout, tmp_path: Path) -> None:
    g = genesis(consortium)
    bundle = bundle_from_config_block(g)
    ledger = Ledger.open(tmp_path / "ledger", g)
    peers = [who(consortium, consortium.peer_msp_dir(m, "peer0"), m) for m in ("Org1MSP", "Org2MSP", "Org3MSP")]
    user = who(consortium, consortium.user_msp_dir("Org1MSP", "User1"), "Org1MSP")

    policy = policies_pb2.ApplicationPolicy(channel_config_policy_reference="/Channel/Application/Endorsement")
    fields = {
        "EndorsementInfo": chaincode_definition_pb2.ChaincodeEndorsementInfo(version="1").SerializeToString(),
        "ValidationInfo": chaincode_definition_pb2.ChaincodeValidationInfo(
            validation_plugin="vscc", validation_parameter=policy.SerializeToString()
        ).SerializeToString(),
    }
    define = RWSetBuilder()
    define.add_write(
        LIFECYCLE_NS,
        "namespaces/metadata/asset",
        db_pb2.StateMetadata(datatype="ChaincodeDefinition", fields=list(fields)).SerializeToString(),
    )
    for f, v in fields.items():
        define.add_write(LIFECYCLE_NS, f"namespaces/fields/asset/{f}", state_data(v))
    env = endorser_tx(CHANNEL, user, define.build().public, peers)
    ledger.commit(set_filter(make_block(1, g, [env]), [C.VALID]))

    write = RWSetBuilder()
    write.add_write("asset", "a1", b"{}")
    opts = TxOptions(cc_name="asset", cc_version="1")
    one = endorser_tx(CHANNEL, user, write.build().public, peers[:1], opts)
    two = endorser_tx(CHANNEL, user, write.build().public, peers[:2], opts)
    block = make_block(2, ledger.get_block(1), [one, two])
    assert validate_block(block, bundle, ledger) == [C.ENDORSEMENT_POLICY_FAILURE, C.VALID]
