"""Workarounds for defects of ``fabric-chaincode-python`` 2.5.4, measured against Fabric v3.1.5 peers.

1. Events never reach the peer: ``set_event`` records the event but the shim's COMPLETED message has no
   ``chaincode_event``. :class:`~chaincode.shimfix.handler.FixedHandler` builds COMPLETED itself and
   attaches the event (Fabric keeps one per transaction: the last one set).
2. Concurrent transactions break the stream: each peer message is handled in its own task and all tasks
   write to one ``grpc.aio`` stream; overlapping writes fail with ``GRPC_CALL_ERROR_TOO_MANY_OPERATIONS``.
   :class:`~chaincode.shimfix.writer.SerialisedWriter` puts every write behind one lock.

3. Chaincode-to-chaincode calls never reach the callee: ``invoke_chaincode`` sends a ``ChaincodeInput`` where a
   peer expects a ``ChaincodeSpec`` naming the callee, and misreads the reply.
   :meth:`~chaincode.shimfix.stub.FixedStub.invoke_chaincode` sends and reads what a Fabric peer uses.

Also: the stub has no working state-metadata API (needed for key-level endorsement), so
:class:`~chaincode.shimfix.stub.FixedStub` adds ``set/get_state_validation_parameter``; and an exception
escaping the chaincode would leave the peer waiting for its execute timeout, so it becomes an ERROR reply.
"""

from chaincode.shimfix.handler import FixedHandler
from chaincode.shimfix.server import build_server
from chaincode.shimfix.stub import FixedStub
from chaincode.shimfix.writer import SerialisedWriter

__all__ = ["FixedHandler", "FixedStub", "SerialisedWriter", "build_server"]
