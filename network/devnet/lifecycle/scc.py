"""The ``_lifecycle`` system chaincode (``core/chaincode/lifecycle/scc.go``, ``lifecycle.go``).

Invocation: ``args == [function, bytes(<Args proto>)]``; success is status 200 with the result proto;
"not defined"/"package not found" is 404; everything else 500 with
"failed to invoke backing implementation of '<fn>': <reason>". The ACL ``_lifecycle/<fn>`` is checked first
by the caller-supplied ``authorize`` (local admins for p-resources, channel policy for c-resources).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fabric_protos.peer import proposal_response_pb2
from fabric_protos.peer.lifecycle import db_pb2
from fabric_protos.peer.lifecycle import lifecycle_pb2 as lc

from network.devnet.chaincode.simulator import TxSimulator
from network.devnet.ledger.rwset import key_hash
from network.devnet.lifecycle import serializer as ser
from network.devnet.lifecycle.definition import (
    ChaincodeDefinition,
    ChaincodeParameters,
    approval_writes,
    parameters_from_fields,
    read_definition,
)
from network.devnet.lifecycle.package import PackageError
from network.devnet.lifecycle.store import PackageStore, PrivateStore

Response = proposal_response_pb2.Response


class LifecycleError(Exception):
    status = 500


class NotFoundError(LifecycleError):
    """``ErrNamespaceNotDefined`` / ``CodePackageNotFoundErr``: answered with status 404."""

    status = 404


@dataclass
class Invocation:
    """One ``_lifecycle`` call: the channel (``""`` for install/query-installed), simulator and ledger."""

    channel_id: str
    simulator: TxSimulator | None
    ledger: Any
    org_mspids: list[str]
    authorize: Callable[[str], None]
    lifecycle_v20: bool = True
    """Application capability V2_0 or later (``_lifecycle`` needs it: ``LifecycleV20``)."""
    channels: Callable[[], list[tuple[str, Any]]] = lambda: []
    """(channel id, ledger) of every channel the peer joined: for the installed packages' references."""


def _params(args: Any) -> ChaincodeParameters:
    return ChaincodeParameters(
        version=args.version, endorsement_plugin=args.endorsement_plugin, init_required=args.init_required,
        validation_plugin=args.validation_plugin, validation_parameter=args.validation_parameter,
        collections=args.collections.SerializeToString() if args.HasField("collections") else b"",
    ).with_defaults()


class LifecycleSCC:
    """``_lifecycle`` for one peer of org ``mspid``."""

    def __init__(self, mspid: str, packages: PackageStore, private: PrivateStore) -> None:
        self.mspid = mspid
        self.packages = packages
        self.private = private

    # -- dispatch ------------------------------------------------------------------------------------
    def invoke(self, inv: Invocation, args: list[bytes]) -> Response:
        if not args:
            return Response(status=500, message="lifecycle scc must be invoked with arguments")
        if len(args) != 2:
            return Response(status=500, message=f"lifecycle scc operations require exactly two arguments but "
                                                f"received {len(args)}")
        fn = args[0].decode(errors="replace")
        handler = _FUNCTIONS.get(fn)
        if handler is None:
            return Response(status=500, message=f"failed to invoke backing implementation of '{fn}': "
                                                f"unknown function '{fn}'")
        arg_type, result_fn, channel_scoped = handler
        try:
            inv.authorize(f"_lifecycle/{fn}")
        except Exception as exc:
            return Response(status=500, message=f"Failed to authorize invocation due to failed ACL check: {exc}")
        try:
            if channel_scoped and (not inv.channel_id or inv.simulator is None):
                raise LifecycleError(f"no channel ID in proposal: {fn} must be invoked on a channel")
            if channel_scoped and not inv.lifecycle_v20:
                raise LifecycleError(f"cannot use new lifecycle for channel '{inv.channel_id}' as it does not have "
                                     f"the required capabilities enabled")
            parsed = arg_type.FromString(args[1])
            result = result_fn(self, inv, parsed)
        except NotFoundError as exc:
            return Response(status=404, message=str(exc))
        except (LifecycleError, PackageError, ValueError) as exc:
            return Response(status=500, message=f"failed to invoke backing implementation of '{fn}': {exc}")
        return Response(status=200, payload=result.SerializeToString())

    # -- state helpers -------------------------------------------------------------------------------
    @staticmethod
    def _public_reader(inv: Invocation) -> ser.Reader:
        assert inv.simulator is not None
        sim = inv.simulator
        return lambda key: sim.get_state(ser.LIFECYCLE_NS, key)

    def _org_hash(self, inv: Invocation, mspid: str, key: str) -> bytes | None:
        """Committed value hash of ``key`` in ``mspid``'s implicit collection (recorded as a hashed read)."""
        assert inv.simulator is not None
        return inv.simulator.get_private_data_hash(ser.LIFECYCLE_NS, ser.implicit_collection(mspid), key)

    def _own_private_reader(self, inv: Invocation) -> ser.Reader:
        def read(key: str) -> bytes | None:
            digest = self._org_hash(inv, self.mspid, key)
            return self.private.by_hash(digest) if digest is not None else None

        return read

    def _org_approved(self, inv: Invocation, mspid: str, name: str, seq: int, params: ChaincodeParameters) -> bool:
        """``IsSerialized``: every key of the expected approval has exactly the expected value hash."""
        expected = ser.serialize(ser.NAMESPACES, ser.private_name(name, seq), "ChaincodeParameters",
                                 params.fields())
        return all(self._org_hash(inv, mspid, k) == hashlib.sha256(v).digest() for k, v in sorted(expected.items()))

    def _approvals(self, inv: Invocation, name: str, seq: int, params: ChaincodeParameters) -> dict[str, bool]:
        return {m: self._org_approved(inv, m, name, seq, params) for m in sorted(inv.org_mspids)}

    def _current_sequence(self, inv: Invocation, name: str) -> int:
        return ser.read_int64(self._public_reader(inv), ser.NAMESPACES, name, "Sequence")

    # -- peer-local functions ------------------------------------------------------------------------
    def install(self, inv: Invocation, args: lc.InstallChaincodeArgs) -> lc.InstallChaincodeResult:
        try:
            parsed_id = self.packages.get_id_for(args.chaincode_install_package)
        except PackageError as exc:
            raise LifecycleError(f"could not parse as a chaincode install package: {exc}") from exc
        if self.packages.load(parsed_id) is not None:
            raise LifecycleError(f"chaincode already successfully installed (package ID '{parsed_id}')")
        pkg = self.packages.save(args.chaincode_install_package)
        return lc.InstallChaincodeResult(package_id=pkg.package_id, label=pkg.label)

    def query_installed(self, inv: Invocation, args: lc.QueryInstalledChaincodeArgs,
                        ) -> lc.QueryInstalledChaincodeResult:
        pkg = self.packages.get(args.package_id)
        if pkg is None:
            raise NotFoundError(f"chaincode install package '{args.package_id}' not found")
        result = lc.QueryInstalledChaincodeResult(package_id=pkg.package_id, label=pkg.label)
        self._add_references(inv, pkg.package_id, result.references)
        return result

    def query_installed_all(self, inv: Invocation, args: lc.QueryInstalledChaincodesArgs,
                            ) -> lc.QueryInstalledChaincodesResult:
        result = lc.QueryInstalledChaincodesResult()
        for pkg in self.packages.list():
            entry = result.installed_chaincodes.add(package_id=pkg.package_id, label=pkg.label)
            self._add_references(inv, pkg.package_id, entry.references)
        return result

    def _add_references(self, inv: Invocation, package_id: str, references: Any) -> None:
        """Chaincodes committed on each channel whose definition this org approved with ``package_id``."""
        prefix = f"{ser.NAMESPACES}/metadata/"
        for channel_id, ledger in inv.channels():

            def read(key: str, ledger: Any = ledger) -> bytes | None:
                committed = ledger.get_state(ser.LIFECYCLE_NS, key)
                return committed.value if committed is not None else None

            for key, _ in ledger.range(ser.LIFECYCLE_NS, prefix, prefix + "\U0010ffff"):
                name = key[len(prefix):]
                defn = read_definition(read, name)
                if defn is not None and self.local_package_id(ledger, name, defn.sequence) == package_id:
                    references[channel_id].chaincodes.add(name=name, version=defn.parameters.version)

    def get_installed_package(self, inv: Invocation, args: lc.GetInstalledChaincodePackageArgs,
                              ) -> lc.GetInstalledChaincodePackageResult:
        raw = self.packages.load(args.package_id)
        if raw is None:
            raise NotFoundError(f"chaincode install package '{args.package_id}' not found")
        return lc.GetInstalledChaincodePackageResult(chaincode_install_package=raw)

    # -- channel functions ---------------------------------------------------------------------------
    def approve(self, inv: Invocation, args: lc.ApproveChaincodeDefinitionForMyOrgArgs,
                ) -> lc.ApproveChaincodeDefinitionForMyOrgResult:
        """``ApproveChaincodeDefinitionForOrg`` with its sequence rules."""
        assert inv.simulator is not None
        name, seq = args.name, args.sequence
        if not name:
            raise LifecycleError("name: chaincode name must not be empty")
        params = _params(args)
        current = self._current_sequence(inv, name)
        if seq == 0 and current == 0:
            raise LifecycleError("requested sequence is 0, but first definable sequence number is 1")
        if seq < current:
            raise LifecycleError(f"currently defined sequence {current} is larger than requested sequence {seq}")
        if seq > current + 1:
            raise LifecycleError(f"requested sequence {seq} is larger than the next available sequence number "
                                 f"{current + 1}")
        if seq == current:
            defined = read_definition(self._public_reader(inv), name)
            diff = defined.parameters.mismatch(params) if defined is not None else "no definition"
            if diff is not None:
                raise LifecycleError(f"attempted to redefine the current committed sequence ({seq}) for namespace "
                                     f"{name} with different parameters: {diff}")
        package_id = args.source.local_package.package_id if args.source.HasField("local_package") else ""
        pname = ser.private_name(name, seq)
        own = self._own_private_reader(inv)
        if seq == current + 1 and self._approved_params(own, pname) == params:
            source = ser.read_field(own, ser.CHAINCODE_SOURCES, pname, "PackageID")
            if source is not None and source.String == package_id:
                raise LifecycleError(f"attempted to redefine uncommitted sequence ({seq}) for namespace {name} "
                                     f"with unchanged content")
        coll = ser.implicit_collection(self.mspid)
        for key, value in sorted(approval_writes(name, seq, params, package_id).items()):
            if own(key) == value:
                continue  # the serializer skips unchanged fields
            self.private.put(value)
            inv.simulator.set_private_hashed_write(ser.LIFECYCLE_NS, coll, key, value)
        return lc.ApproveChaincodeDefinitionForMyOrgResult()

    @staticmethod
    def _approved_params(read: ser.Reader, pname: str) -> ChaincodeParameters | None:
        if ser.read_metadata(read, ser.NAMESPACES, pname) is None:
            return None
        fields = {}
        for field in ("EndorsementInfo", "ValidationInfo", "Collections"):
            data = ser.read_field(read, ser.NAMESPACES, pname, field)
            fields[field] = data.Bytes if data is not None else b""
        return parameters_from_fields(fields["EndorsementInfo"], fields["ValidationInfo"], fields["Collections"])

    def _check_next_sequence(self, inv: Invocation, name: str, seq: int) -> None:
        current = self._current_sequence(inv, name)
        if seq != current + 1:
            raise LifecycleError(f"requested sequence is {seq}, but new definition must be sequence {current + 1}")

    def check_commit_readiness(self, inv: Invocation, args: lc.CheckCommitReadinessArgs,
                               ) -> lc.CheckCommitReadinessResult:
        self._check_next_sequence(inv, args.name, args.sequence)
        return lc.CheckCommitReadinessResult(approvals=self._approvals(inv, args.name, args.sequence, _params(args)))

    def commit(self, inv: Invocation, args: lc.CommitChaincodeDefinitionArgs) -> lc.CommitChaincodeDefinitionResult:
        """``CommitChaincodeDefinition``: this org must have approved; the policy is checked at validation."""
        assert inv.simulator is not None
        self._check_next_sequence(inv, args.name, args.sequence)
        params = _params(args)
        approvals = self._approvals(inv, args.name, args.sequence, params)
        if not approvals.get(self.mspid):
            raise LifecycleError(f"chaincode definition not agreed to by this org ({self.mspid})")
        read = self._public_reader(inv)
        for key, value in sorted(ChaincodeDefinition(args.sequence, params).state_writes(args.name).items()):
            if read(key) != value:
                inv.simulator.set_state(ser.LIFECYCLE_NS, key, value)
        return lc.CommitChaincodeDefinitionResult()

    def query_definition(self, inv: Invocation, args: lc.QueryChaincodeDefinitionArgs,
                         ) -> lc.QueryChaincodeDefinitionResult:
        defn = read_definition(self._public_reader(inv), args.name)
        if defn is None:
            raise NotFoundError(f"namespace {args.name} is not defined")
        p = defn.parameters
        result = lc.QueryChaincodeDefinitionResult(
            sequence=defn.sequence, version=p.version, endorsement_plugin=p.endorsement_plugin,
            validation_plugin=p.validation_plugin, validation_parameter=p.validation_parameter,
            init_required=p.init_required, approvals=self._approvals(inv, args.name, defn.sequence, p))
        if p.collections:
            result.collections.ParseFromString(p.collections)
        return result

    def query_definitions(self, inv: Invocation, args: lc.QueryChaincodeDefinitionsArgs,
                          ) -> lc.QueryChaincodeDefinitionsResult:
        result = lc.QueryChaincodeDefinitionsResult()
        prefix = f"{ser.NAMESPACES}/metadata/"
        assert inv.simulator is not None
        scan = inv.simulator.range_scan(ser.LIFECYCLE_NS, prefix, prefix + "\U0010ffff")
        while (item := scan.next()) is not None:
            name = item[0][len(prefix):]
            meta = db_pb2.StateMetadata.FromString(item[1].value)
            if meta.datatype != "ChaincodeDefinition":
                continue
            defn = read_definition(self._public_reader(inv), name)
            if defn is None:
                continue
            p = defn.parameters
            entry = result.chaincode_definitions.add(
                name=name, sequence=defn.sequence, version=p.version, endorsement_plugin=p.endorsement_plugin,
                validation_plugin=p.validation_plugin, validation_parameter=p.validation_parameter,
                init_required=p.init_required)
            if p.collections:
                entry.collections.ParseFromString(p.collections)
        return result

    def query_approved(self, inv: Invocation, args: lc.QueryApprovedChaincodeDefinitionArgs,
                       ) -> lc.QueryApprovedChaincodeDefinitionResult:
        own = self._own_private_reader(inv)
        seq = args.sequence
        if seq == 0:
            current = self._current_sequence(inv, args.name)
            seq = current + 1 if self._approved_params(own, ser.private_name(args.name, current + 1)) else current
        pname = ser.private_name(args.name, seq)
        params = self._approved_params(own, pname)
        if params is None:
            raise NotFoundError(f"could not fetch approved chaincode definition (name: '{args.name}', sequence: "
                                f"'{seq}') on channel '{inv.channel_id}'")
        result = lc.QueryApprovedChaincodeDefinitionResult(
            sequence=seq, version=params.version, endorsement_plugin=params.endorsement_plugin,
            validation_plugin=params.validation_plugin, validation_parameter=params.validation_parameter,
            init_required=params.init_required)
        if params.collections:
            result.collections.ParseFromString(params.collections)
        source = ser.read_field(own, ser.CHAINCODE_SOURCES, pname, "PackageID")
        if source is not None and source.String:
            result.source.local_package.package_id = source.String
        else:
            result.source.unavailable.SetInParent()
        return result

    # -- used by the endorser ------------------------------------------------------------------------
    def local_package_id(self, ledger: Any, name: str, sequence: int) -> str:
        """The package this org approved for ``name#sequence`` (cleartext of a committed approval)."""
        key = ser.field_key(ser.CHAINCODE_SOURCES, ser.private_name(name, sequence), "PackageID")
        committed = ledger.get_private_hash(ser.LIFECYCLE_NS, ser.implicit_collection(self.mspid), key_hash(key))
        if committed is None:
            return ""
        raw = self.private.by_hash(committed.value)
        return db_pb2.StateData.FromString(raw).String if raw is not None else ""


_FUNCTIONS: dict[str, tuple[Any, Callable[..., Any], bool]] = {
    "InstallChaincode": (lc.InstallChaincodeArgs, LifecycleSCC.install, False),
    "QueryInstalledChaincode": (lc.QueryInstalledChaincodeArgs, LifecycleSCC.query_installed, False),
    "QueryInstalledChaincodes": (lc.QueryInstalledChaincodesArgs, LifecycleSCC.query_installed_all, False),
    "GetInstalledChaincodePackage": (lc.GetInstalledChaincodePackageArgs, LifecycleSCC.get_installed_package,
                                     False),
    "ApproveChaincodeDefinitionForMyOrg": (lc.ApproveChaincodeDefinitionForMyOrgArgs, LifecycleSCC.approve, True),
    "CheckCommitReadiness": (lc.CheckCommitReadinessArgs, LifecycleSCC.check_commit_readiness, True),
    "CommitChaincodeDefinition": (lc.CommitChaincodeDefinitionArgs, LifecycleSCC.commit, True),
    "QueryChaincodeDefinition": (lc.QueryChaincodeDefinitionArgs, LifecycleSCC.query_definition, True),
    "QueryChaincodeDefinitions": (lc.QueryChaincodeDefinitionsArgs, LifecycleSCC.query_definitions, True),
    "QueryApprovedChaincodeDefinition": (lc.QueryApprovedChaincodeDefinitionArgs, LifecycleSCC.query_approved,
                                         True),
}
