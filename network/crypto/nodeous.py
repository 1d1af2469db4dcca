"""NodeOUs: how a Fabric MSP tells clients, peers, admins and orderers apart by the OU in their certificate.

``config.yaml`` enables NodeOUs and binds each of the four OU strings to the org's CA certificate
(``msp/configbuilder.go`` ``NodeOUs``). An identity is valid only if its Subject carries exactly one of the four
(``msp/mspimplvalidate.go`` ``validateIdentityOUsV142``); :func:`classify` applies that rule to a certificate.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.x509.oid import NameOID

NODE_OUS = ("client", "peer", "admin", "orderer")


def config_yaml(ca_cert_relpath: str) -> bytes:
    """The MSP ``config.yaml`` cryptogen writes, with every OU certified by the org's signing CA."""
    lines = ["NodeOUs:", "  Enable: true"]
    for key, ou in (("Client", "client"), ("Peer", "peer"), ("Admin", "admin"), ("Orderer", "orderer")):
        lines += [
            f"  {key}OUIdentifier:",
            f"    Certificate: {ca_cert_relpath}",
            f"    OrganizationalUnitIdentifier: {ou}",
        ]
    return ("\n".join(lines) + "\n").encode()


def subject_units(certificate: x509.Certificate) -> list[str]:
    return [str(a.value) for a in certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)]


def classify(certificate: x509.Certificate) -> str:
    """The NodeOU role of a certificate, or ``ValueError`` when it has none or several (Fabric: invalid)."""
    roles = [ou for ou in subject_units(certificate) if ou in NODE_OUS]
    if len(roles) != 1:
        raise ValueError(f"identity must carry exactly one NodeOU of {NODE_OUS}, found {roles}")
    return roles[0]
