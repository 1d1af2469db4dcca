"""``core.yaml`` for one peer, built from the resolved spec (our own template; keys as Fabric's peer reads them).

Fabric's peer reads its configuration with viper from ``$FABRIC_CFG_PATH/core.yaml``
(``core/peer/config.go`` ``GlobalConfig``, ``internal/peer/node/start.go``). A key that is missing reads as
its zero value, so every setting the peer relies on at start-up is written out explicitly. Decisions:

- everything listens on loopback (``127.0.0.1``) at the ports of the spec's port plan; TLS is on for the
  peer's gRPC endpoint (server side only, so gateway clients need no client cert);
- ``peer.gateway.enabled`` is true (the embedded Fabric Gateway our client talks to);
- gossip: each peer advertises ``peer.gossip.externalEndpoint`` (required for other orgs and for discovery,
  which the gateway uses to find endorsers -- ``gossip/service/gossip_service.go``), bootstraps from the other
  peers of its org, and is its org's static leader (pulls blocks from the orderers itself);
- state database LevelDB (``goleveldb``), data under ``<netdir>/data/<host>``;
- no Docker: ``vm.endpoint`` is empty and chaincode runs as a service through our external builder
  (the peer refuses to start with neither: ``start.go`` "VMEndpoint not set and no ExternalBuilders defined");
- operations endpoint (``/healthz``, ``/metrics``) on plain HTTP on loopback, metrics provider prometheus.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from network.fabric.release import DEFAULT_LINE, auth_filters, is_v2
from network.layout import NetworkLayout
from network.spec.models import MemberOrgSpec, PeerSpec

LOOPBACK = "127.0.0.1"
CCAAS_BUILDER_NAME = "consortium-ccaas"
BUILDER_DIR = Path(__file__).resolve().parent / "builders" / "ccaas"


def address(port: int | None) -> str:
    if port is None:
        raise ValueError("port: unresolved (the spec must be resolved before generating node configs)")
    return f"{LOOPBACK}:{port}"


def gossip_bootstrap(org: MemberOrgSpec, peer: PeerSpec) -> list[str]:
    """Other peers of the same org; a lone peer bootstraps from itself as Fabric's sample does."""
    others = [address(p.port) for p in org.peers if p.name != peer.name]
    return others or [address(peer.port)]


def peer_section(
    layout: NetworkLayout, org: MemberOrgSpec, peer: PeerSpec, data_dir: Path, line: tuple[int, int] = DEFAULT_LINE
) -> dict[str, Any]:
    peer_dir = layout.peer_dir(org.msp_id, peer.name)
    tls = layout.node_tls(peer_dir)
    own = address(peer.port)
    return {
        "id": f"{peer.name}.{org.domain}",
        "networkId": layout.spec.name,
        "listenAddress": own,
        "address": own,
        "addressAutoDetect": False,
        "chaincodeListenAddress": address(peer.chaincode_port),
        "chaincodeAddress": address(peer.chaincode_port),
        "gateway": {"enabled": True, "endorsementTimeout": "30s", "broadcastTimeout": "30s", "dialTimeout": "2m"},
        "keepalive": {
            "interval": "7200s",
            "timeout": "20s",
            "minInterval": "60s",
            "client": {"interval": "60s", "timeout": "20s"},
            "deliveryClient": {"interval": "60s", "timeout": "20s"},
        },
        "gossip": gossip_section(org, peer),
        "tls": {
            "enabled": True,
            "clientAuthRequired": False,
            "cert": {"file": str(tls.cert)},
            "key": {"file": str(tls.key)},
            "rootcert": {"file": str(tls.ca_cert)},
            "clientRootCAs": {"files": [str(tls.ca_cert)]},
        },
        "authentication": {"timewindow": "15m"},
        "fileSystemPath": str(data_dir),
        "BCCSP": {"Default": "SW", "SW": {"Hash": "SHA2", "Security": 256, "FileKeyStore": {"KeyStore": ""}}},
        "mspConfigPath": str(layout.peer_msp_dir(org.msp_id, peer.name)),
        "localMspId": org.msp_id,
        "localMspType": "bccsp",
        "client": {"connTimeout": "3s"},
        "deliveryclient": deliveryclient_section(line),
        "profile": {"enabled": False},
        "handlers": {
            "authFilters": auth_filters(line),
            "decorators": [{"name": "DefaultDecorator"}],
            "endorsers": {"escc": {"name": "DefaultEndorsement"}},
            "validators": {"vscc": {"name": "DefaultValidation"}},
        },
        "discovery": {
            "enabled": True,
            "authCacheEnabled": True,
            "authCacheMaxSize": 1000,
            "authCachePurgeRetentionRatio": 0.75,
            "orgMembersAllowedAccess": False,
        },
        "limits": {"concurrency": {"endorserService": 2500, "deliverService": 2500, "gatewayService": 500}},
        "maxRecvMsgSize": 104857600,
        "maxSendMsgSize": 104857600,
    }


def deliveryclient_section(line: tuple[int, int]) -> dict[str, Any]:
    """v3 adds BFT-aware block delivery settings (``core/deliverservice/config.go``); v2.5 has none of them."""
    section: dict[str, Any] = {
        "blockGossipEnabled": False,
        "reconnectTotalTimeThreshold": "3600s",
        "connTimeout": "3s",
        "reConnectBackoffThreshold": "3600s",
    }
    if not is_v2(line):
        section.update(blockCensorshipTimeoutKey="30s", minimalReconnectInterval="100ms", policy="cluster")
    return section


def gossip_section(org: MemberOrgSpec, peer: PeerSpec) -> dict[str, Any]:
    own = address(peer.port)
    return {
        "bootstrap": gossip_bootstrap(org, peer),
        "endpoint": own,
        "externalEndpoint": own,
        "useLeaderElection": False,
        "orgLeader": True,
        "membershipTrackerInterval": "5s",
        "maxBlockCountToStore": 10,
        "maxPropagationBurstLatency": "10ms",
        "maxPropagationBurstSize": 10,
        "propagateIterations": 1,
        "propagatePeerNum": 3,
        "pullInterval": "4s",
        "pullPeerNum": 3,
        "requestStateInfoInterval": "4s",
        "publishStateInfoInterval": "4s",
        "publishCertPeriod": "10s",
        "skipBlockVerification": False,
        "dialTimeout": "3s",
        "connTimeout": "2s",
        "recvBuffSize": 20,
        "sendBuffSize": 200,
        "digestWaitTime": "1s",
        "requestWaitTime": "1500ms",
        "responseWaitTime": "2s",
        "aliveTimeInterval": "5s",
        "aliveExpirationTimeout": "25s",
        "reconnectInterval": "25s",
        "maxConnectionAttempts": 120,
        "msgExpirationFactor": 20,
        "election": {
            "startupGracePeriod": "15s",
            "membershipSampleInterval": "1s",
            "leaderAliveThreshold": "10s",
            "leaderElectionDuration": "5s",
        },
        "pvtData": {
            "pullRetryThreshold": "60s",
            "transientstoreMaxBlockRetention": 20000,
            "pushAckTimeout": "3s",
            "btlPullMargin": 10,
            "reconcileBatchSize": 10,
            "reconcileSleepInterval": "1m",
            "reconciliationEnabled": True,
            "skipPullingInvalidTransactionsDuringCommit": False,
            "implicitCollectionDisseminationPolicy": {"requiredPeerCount": 0, "maxPeerCount": 1},
        },
        "state": {
            "enabled": False,
            "checkInterval": "10s",
            "responseTimeout": "3s",
            "batchSize": 10,
            "blockBufferSize": 20,
            "maxRetries": 3,
        },
    }


def chaincode_section(builder_dir: Path, line: tuple[int, int] = DEFAULT_LINE) -> dict[str, Any]:
    """Chaincode only through our CCaaS external builder (``core/container/externalbuilder``); the shim
    batching parameters (``runtimeParams``, ``core/chaincode/config.go``) exist from v3 on."""
    section: dict[str, Any] = {
        "externalBuilders": [{"name": CCAAS_BUILDER_NAME, "path": str(builder_dir), "propagateEnvironment": []}],
        "installTimeout": "300s",
        "startuptimeout": "300s",
        "executetimeout": "30s",
        "mode": "net",
        "keepalive": 0,
        "system": {"_lifecycle": "enable", "cscc": "enable", "lscc": "enable", "qscc": "enable"},
        "logging": {"level": "info", "shim": "warning"},
    }
    if not is_v2(line):
        section["runtimeParams"] = {
            "useWriteBatch": True,
            "maxSizeWriteBatch": 1000,
            "useGetMultipleKeys": True,
            "maxSizeGetMultipleKeys": 1000,
        }
    return section


def ledger_section(data_dir: Path) -> dict[str, Any]:
    return {
        "state": {"stateDatabase": "goleveldb", "totalQueryLimit": 100000},
        "history": {"enableHistoryDatabase": True},
        "pvtdataStore": {
            "collElgProcMaxDbBatchSize": 5000,
            "collElgProcDbBatchesInterval": 1000,
            "deprioritizedDataReconcilerInterval": "60m",
            "purgeInterval": 100,
            "purgedKeyAuditLogging": True,
        },
        "snapshots": {"rootDir": str(data_dir / "snapshots")},
    }


def peer_core_config(
    layout: NetworkLayout,
    org_key: str,
    peer_name: str,
    data_dir: Path,
    builder_dir: Path = BUILDER_DIR,
    line: tuple[int, int] = DEFAULT_LINE,
) -> dict[str, Any]:
    """The whole ``core.yaml`` document of one peer for Fabric release ``line`` (see :mod:`release`)."""
    org = layout.spec.member_org(org_key)
    peer = next((p for p in org.peers if p.name == peer_name), None)
    if peer is None:
        raise KeyError(f"peer: no peer {peer_name!r} in org {org.msp_id}")
    return {
        "peer": peer_section(layout, org, peer, data_dir, line),
        "vm": {"endpoint": ""},
        "chaincode": chaincode_section(builder_dir, line),
        "ledger": ledger_section(data_dir),
        "operations": {
            "listenAddress": address(peer.operations_port),
            "tls": {"enabled": False, "clientAuthRequired": False},
        },
        "metrics": {"provider": "prometheus"},
    }
