"""The channel's policy tree (``common/policies/policy.go`` ``ManagerImpl``).

Each config group has a manager holding its own policies and child managers; a manager also resolves
``<child>/<...>/<name>`` paths, so the root resolves absolute names such as
``/Channel/Application/Org1MSP/Endorsement``. An unknown policy resolves to a rejecting policy.
Implicit meta policies are built bottom-up, from the children's already-built policies.
"""

from __future__ import annotations

from fabric_protos.common import configtx_pb2, policies_pb2

from network.devnet.policy.base import Policy, PolicyError, RejectPolicy
from network.devnet.policy.implicitmeta import ImplicitMetaPolicy
from network.devnet.policy.signature import IdentityDeserializer, SignaturePolicy

PATH_SEPARATOR = "/"
RESOLVED_CACHE_SIZE = 1024
"""Names remembered per manager (a channel config has a few dozen policies; bounded against odd names)."""


class PolicyManager:
    def __init__(self, path: str, policies: dict[str, Policy], children: dict[str, PolicyManager]) -> None:
        self.path = path
        self.policies = policies
        self.children = children
        # The tree is built once from a config and never modified, so a name always resolves the same way.
        self._resolved: dict[str, Policy | None] = {}

    @classmethod
    def from_group(
        cls, name: str, group: configtx_pb2.ConfigGroup, deserializer: IdentityDeserializer, parent_path: str = ""
    ) -> PolicyManager:
        path = f"{parent_path}/{name}" if parent_path else name
        children = {
            child: cls.from_group(child, sub, deserializer, path) for child, sub in sorted(group.groups.items())
        }
        policies: dict[str, Policy] = {}
        for pname, cfg_policy in group.policies.items():
            policies[pname] = build_policy(f"{path}/{pname}", cfg_policy.policy, children, deserializer)
        return cls(path, policies, children)

    def get_policy(self, name: str) -> Policy:
        """Relative (``Readers``, ``Application/Writers``) or absolute (``/Channel/Application/Writers``)."""
        found = self.lookup(name)
        return found if found is not None else RejectPolicy(name)

    def lookup(self, name: str) -> Policy | None:
        """The policy a name resolves to, or None (answers remembered per name: the tree is immutable)."""
        try:
            return self._resolved[name]
        except KeyError:
            pass
        found = self._resolve(name)
        if len(self._resolved) < RESOLVED_CACHE_SIZE:
            self._resolved[name] = found
        return found

    def _resolve(self, name: str) -> Policy | None:
        if not name:
            return None
        if name.startswith(PATH_SEPARATOR):
            prefix = PATH_SEPARATOR + self.path + PATH_SEPARATOR
            if not name.startswith(prefix):
                return None
            name = name[len(prefix) :]
        manager: PolicyManager = self
        parts = name.split(PATH_SEPARATOR)
        for part in parts[:-1]:
            child = manager.children.get(part)
            if child is None:
                return None
            manager = child
        return manager.policies.get(parts[-1])

    def manager(self, path: list[str]) -> PolicyManager | None:
        m: PolicyManager | None = self
        for part in path:
            m = m.children.get(part) if m is not None else None
        return m


def build_policy(
    full_name: str,
    policy: policies_pb2.Policy,
    children: dict[str, PolicyManager],
    deserializer: IdentityDeserializer,
) -> Policy:
    if policy.type == policies_pb2.Policy.SIGNATURE:
        try:
            envelope = policies_pb2.SignaturePolicyEnvelope.FromString(policy.value)
            return SignaturePolicy(envelope, deserializer)
        except (PolicyError, ValueError) as exc:
            raise PolicyError(f"{full_name}: bad signature policy: {exc}") from exc
    if policy.type == policies_pb2.Policy.IMPLICIT_META:
        definition = policies_pb2.ImplicitMetaPolicy.FromString(policy.value)
        subs: list[Policy] = [
            child.policies.get(definition.sub_policy) or RejectPolicy(definition.sub_policy)
            for child in children.values()
        ]
        return ImplicitMetaPolicy(definition, subs)
    raise PolicyError(f"{full_name}: unsupported policy type {policy.type}")
