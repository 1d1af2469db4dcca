"""Python client for Fabric's Gateway service (``gateway.Gateway`` gRPC), shaped like the official clients.

gw = connect(channel, identity, signer)
contract = gw.get_network("mychannel").get_contract("assets")
contract.submit_transaction("CreateAsset", "a1", "blue")
"""

from gateway.client import checkpoint as checkpointers
from gateway.client.blocks import BlockEventIterator, BlockEventsRequest
from gateway.client.checkpoint import Checkpointer, FileCheckpointer, InMemoryCheckpointer
from gateway.client.commit import Commit, Status, SubmittedTransaction
from gateway.client.context import CallTimeouts
from gateway.client.contract import Contract
from gateway.client.errors import (
    BlockEventsError,
    ChaincodeEventsError,
    CommitError,
    CommitStatusError,
    EndorseError,
    EndorsementMismatchError,
    EvaluateError,
    GatewayError,
    InvalidArgumentError,
    SubmitError,
)
from gateway.client.events import ChaincodeEvent, ChaincodeEventIterator, ChaincodeEventsRequest
from gateway.client.gateway import Gateway, connect
from gateway.client.identity import Identity, Signer, load_msp_identity, private_key_signer
from gateway.client.network import Network
from gateway.client.proposal import Proposal
from gateway.client.transaction import Transaction

__all__ = [
    "BlockEventIterator",
    "BlockEventsError",
    "BlockEventsRequest",
    "CallTimeouts",
    "ChaincodeEvent",
    "ChaincodeEventIterator",
    "ChaincodeEventsError",
    "ChaincodeEventsRequest",
    "Checkpointer",
    "Commit",
    "CommitError",
    "CommitStatusError",
    "Contract",
    "EndorseError",
    "EndorsementMismatchError",
    "EvaluateError",
    "FileCheckpointer",
    "Gateway",
    "GatewayError",
    "Identity",
    "InMemoryCheckpointer",
    "InvalidArgumentError",
    "Network",
    "Proposal",
    "Signer",
    "Status",
    "SubmitError",
    "SubmittedTransaction",
    "Transaction",
    "checkpointers",
    "connect",
    "load_msp_identity",
    "private_key_signer",
]
