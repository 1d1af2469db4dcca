"""Signing a ``ConfigUpdate`` by org admins and wrapping it for Broadcast (a ``CONFIG_UPDATE`` envelope).

- Each admin contributes ``ConfigSignature{signature_header, signature}`` where the signed bytes are
  ``signature_header || config_update`` (``protoutil/signeddata.go`` ``ConfigUpdateEnvelopeAsSignedData``);
  the orderer evaluates the ``mod_policy`` of every modified element against these signatures
  (``common/configtx/validator.go`` ``authorizeUpdate`` -> ``policyForItem``).
- The envelope is ``Payload{header{ChannelHeader{type=CONFIG_UPDATE, channel_id, timestamp}, SignatureHeader},
  data=ConfigUpdateEnvelope}`` signed by the submitter, who must satisfy ``/Channel/Writers``
  (``protoutil/txutils.go`` ``CreateSignedEnvelope``; ``orderer/common/msgprocessor/standardchannel.go``).
- Signatures are ECDSA P-256 over SHA-256, DER, with S normalised to the lower half of the curve order
  (Fabric rejects high-S signatures: ``bccsp/sw/ecdsa.go`` ``verifyECDSA``).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from fabric_protos.common import common_pb2, configtx_pb2
from fabric_protos.msp import identities_pb2

P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
NONCE_SIZE = 24


@dataclass(frozen=True)
class Signer:
    """An MSP identity able to sign: MSP ID, PEM certificate and its private key."""

    msp_id: str
    cert_pem: bytes
    key: ec.EllipticCurvePrivateKey

    def creator(self) -> bytes:
        """``SerializedIdentity{mspid, id_bytes=PEM}`` as carried in ``SignatureHeader.creator``."""
        return identities_pb2.SerializedIdentity(mspid=self.msp_id, id_bytes=self.cert_pem).SerializeToString()

    def sign(self, message: bytes) -> bytes:
        return low_s_signature(self.key, message)


def low_s_signature(key: ec.EllipticCurvePrivateKey, message: bytes) -> bytes:
    """ECDSA-SHA256 DER signature with S <= n/2 (Fabric's canonical form)."""
    r, s = decode_dss_signature(key.sign(message, ec.ECDSA(hashes.SHA256())))
    if s > P256_ORDER // 2:
        s = P256_ORDER - s
    return encode_dss_signature(r, s)


def signature_header(signer: Signer, nonce: bytes | None = None) -> common_pb2.SignatureHeader:
    return common_pb2.SignatureHeader(
        creator=signer.creator(), nonce=nonce if nonce is not None else os.urandom(NONCE_SIZE)
    )


def config_signature(signer: Signer, config_update: bytes, nonce: bytes | None = None) -> configtx_pb2.ConfigSignature:
    """One admin's signature over ``signature_header || config_update``."""
    header = signature_header(signer, nonce).SerializeToString()
    return configtx_pb2.ConfigSignature(signature_header=header, signature=signer.sign(header + config_update))


def signed_update_envelope(
    update: configtx_pb2.ConfigUpdate, signers: list[Signer]
) -> configtx_pb2.ConfigUpdateEnvelope:
    """The update signed by every signer (each at most once: duplicates add nothing to a policy)."""
    if not signers:
        raise ValueError("signers: a config update needs at least one admin signature")
    raw = update.SerializeToString()
    return configtx_pb2.ConfigUpdateEnvelope(
        config_update=raw, signatures=[config_signature(signer, raw) for signer in signers]
    )


def config_update_envelope(
    channel_id: str,
    update_envelope: configtx_pb2.ConfigUpdateEnvelope,
    submitter: Signer,
    timestamp: float | None = None,
) -> common_pb2.Envelope:
    """The Broadcast envelope of type ``CONFIG_UPDATE`` carrying the signed update."""
    chdr = common_pb2.ChannelHeader(type=common_pb2.CONFIG_UPDATE, version=0, channel_id=channel_id, epoch=0)
    chdr.timestamp.seconds = int(time.time() if timestamp is None else timestamp)
    payload = common_pb2.Payload(
        header=common_pb2.Header(
            channel_header=chdr.SerializeToString(),
            signature_header=signature_header(submitter).SerializeToString(),
        ),
        data=update_envelope.SerializeToString(),
    )
    raw = payload.SerializeToString()
    return common_pb2.Envelope(payload=raw, signature=submitter.sign(raw))
