"""One component under Pulumi's mocks."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from typing import Any

import pulumi


class _Recorder(pulumi.runtime.Mocks):
    """Registered inputs as the provider gets them: secrets decrypted, so their contents can be read."""

    def __init__(self) -> None:
        self.inputs: dict[str, dict[str, Any]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.inputs[args.name] = dict(args.inputs)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        return {}, []


def registered_inputs(declare: Callable[[], pulumi.Resource]) -> dict[str, dict[str, Any]]:
    """The inputs of every resource ``declare`` registers, by name, under mocks set in a context of their own, so
    that no plan run later sees them."""

    def run_in_context() -> dict[str, dict[str, Any]]:
        asyncio.set_event_loop(asyncio.new_event_loop())
        recorder = _Recorder()
        pulumi.runtime.set_mocks(recorder, project="dask-platform", stack="test", preview=True)

        @pulumi.runtime.test  # type: ignore[misc]
        def run() -> pulumi.Output[str]:
            return declare().urn

        run()
        return recorder.inputs

    return contextvars.copy_context().run(run_in_context)
