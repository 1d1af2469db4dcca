"""``orderer.yaml`` for one orderer node (our own template; keys as ``orderer/common/localconfig/config.go`` reads).

Decisions (Fabric v2.5/v3.x, no system channel):

- ``General.BootstrapMethod: none``: channels are created only through the channel participation API
  (``ChannelParticipation.Enabled``), as required since v3 (``localconfig`` "system channel is no longer
  supported");
- one loopback listener per node at the spec's ``port`` serves Broadcast/Deliver *and* the raft cluster
  (``General.Cluster.ListenPort`` unset: the cluster shares the general listener, which is what the
  consenter entries of our genesis block point at); the node's TLS cert doubles as its cluster client cert,
  matching ``client_tls_cert`` of the consenter mapping;
- the admin (participation) endpoint requires mutual TLS (the orderer panics if TLS is on without
  ``Admin.TLS.ClientAuthRequired``); clients must present a cert from the orderer org's TLS CA;
- operations (``/healthz``, ``/metrics``) on plain HTTP on loopback; ledger, WAL and snapshots under the node's
  data folder;
- only keys that both v2.5 and v3.x know: the orderer decodes orderer.yaml strictly and refuses to start on
  an unknown key (v2.5: "'General' has invalid keys: Backoff"), so v3-only settings (``General.Backoff``,
  ``General.Throttling``) are left to their defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from network.layout import NetworkLayout
from network.spec.models import OrdererNodeSpec, OrdererOrgSpec

LOOPBACK = "127.0.0.1"


def _port(value: int | None, field: str) -> int:
    if value is None:
        raise ValueError(f"{field}: unresolved (the spec must be resolved before generating node configs)")
    return value


def find_orderer(layout: NetworkLayout, name: str) -> tuple[OrdererOrgSpec, OrdererNodeSpec]:
    for org, node in layout.spec.orderer_nodes():
        if name in (node.name, f"{node.name}.{org.domain}"):
            return org, node
    raise KeyError(f"orderer: no orderer node {name!r}")


def general_section(layout: NetworkLayout, org: OrdererOrgSpec, node: OrdererNodeSpec) -> dict[str, Any]:
    node_dir = layout.orderer_dir(node.name, org.msp_id)
    tls = layout.node_tls(node_dir)
    return {
        "ListenAddress": LOOPBACK,
        "ListenPort": _port(node.port, "port"),
        "TLS": {
            "Enabled": True,
            "PrivateKey": str(tls.key),
            "Certificate": str(tls.cert),
            "RootCAs": [str(tls.ca_cert)],
            "ClientAuthRequired": False,
            "ClientRootCAs": [],
        },
        "Keepalive": {"ServerMinInterval": "60s", "ServerInterval": "7200s", "ServerTimeout": "20s"},
        "MaxRecvMsgSize": 104857600,
        "MaxSendMsgSize": 104857600,
        "Cluster": {
            "SendBufferSize": 100,
            "ClientCertificate": str(tls.cert),
            "ClientPrivateKey": str(tls.key),
        },
        "BootstrapMethod": "none",
        "LocalMSPDir": str(node_dir / "msp"),
        "LocalMSPID": org.msp_id,
        "Profile": {"Enabled": False},
        "BCCSP": {"Default": "SW", "SW": {"Hash": "SHA2", "Security": 256, "FileKeyStore": {"KeyStore": ""}}},
        "Authentication": {"TimeWindow": "15m"},
    }


def orderer_node_config(layout: NetworkLayout, name: str, data_dir: Path) -> dict[str, Any]:
    """The whole ``orderer.yaml`` document of orderer node ``name`` of the resolved spec held by ``layout``."""
    org, node = find_orderer(layout, name)
    node_dir = layout.orderer_dir(node.name, org.msp_id)
    tls = layout.node_tls(node_dir)
    admin_ca = str(layout.tlsca_cert(org.msp_id))
    return {
        "General": general_section(layout, org, node),
        "FileLedger": {"Location": str(data_dir / "ledger")},
        "Operations": {
            "ListenAddress": f"{LOOPBACK}:{_port(node.operations_port, 'operations_port')}",
            "TLS": {"Enabled": False, "ClientAuthRequired": False},
        },
        "Metrics": {"Provider": "prometheus"},
        "Admin": {
            "ListenAddress": f"{LOOPBACK}:{_port(node.admin_port, 'admin_port')}",
            "TLS": {
                "Enabled": True,
                "Certificate": str(tls.cert),
                "PrivateKey": str(tls.key),
                "ClientAuthRequired": True,
                "ClientRootCAs": [admin_ca],
            },
        },
        "ChannelParticipation": {"Enabled": True, "MaxRequestBodySize": "1 MB"},
        "Consensus": {"WALDir": str(data_dir / "etcdraft" / "wal"), "SnapDir": str(data_dir / "etcdraft" / "snapshot")},
    }
