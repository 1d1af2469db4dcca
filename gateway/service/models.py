"""Request and response bodies of the generic endpoints (the resource bodies are built from the table)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

FUNCTION_PATTERN = r"^[A-Za-z_][A-Za-z0-9_:.]{0,127}$"
MAX_ARGS = 64
MAX_ARG_CHARS = 256 * 1024
# An MSP ID as the service accepts it in ``endorsing_orgs``: Fabric only requires a non-empty name
# (``msp/configbuilder.go``), but an ID that could not appear in a channel config we generate (empty, control
# characters, whitespace) can only be a caller's mistake, so it is refused here as input (422) instead of
# reaching the client library, whose ``proposal.normalize_orgs`` would refuse it mid-request.
MSP_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EvaluateBody(_Strict):
    function: str = Field(pattern=FUNCTION_PATTERN, description="Chaincode transaction name")
    args: list[str] = Field(default_factory=list, max_length=MAX_ARGS)
    transient: dict[str, str] = Field(default_factory=dict, description="Transient data, values base64")

    @field_validator("args")
    @classmethod
    def _args_size(cls, value: list[str]) -> list[str]:
        for i, arg in enumerate(value):
            if len(arg) > MAX_ARG_CHARS:
                raise ValueError(f"args[{i}] is longer than {MAX_ARG_CHARS} characters")
        return value

    @field_validator("transient")
    @classmethod
    def _transient_b64(cls, value: dict[str, str]) -> dict[str, str]:
        for key, item in value.items():
            try:
                base64.b64decode(item, validate=True)
            except (binascii.Error, ValueError):
                raise ValueError(f"transient.{key} is not valid base64") from None
        return value

    def transient_bytes(self) -> dict[str, bytes]:
        return {k: base64.b64decode(v) for k, v in self.transient.items()}


class SubmitBody(EvaluateBody):
    idempotent: bool = Field(
        default=False,
        description="Safe to re-propose after an MVCC conflict (the gateway then retries with a fresh proposal)",
    )
    endorsing_orgs: list[Annotated[str, Field(pattern=MSP_ID_PATTERN)]] = Field(
        default_factory=list, max_length=32, description="MSP IDs that must endorse (members of the channel)"
    )


class EvaluateResult(BaseModel):
    result: Any = None


class OperationReceipt(BaseModel):
    operation_id: str
    txid: str | None = None
    status: str
    validation_code: str | None = None
    block_number: int | None = None
    attempts: int = 0
    status_url: str | None = None
    http_status: int | None = None
    response: Any = None
    result: Any = None
