"""One declaration of a service: its settings (whose `service_name` is the one place its name
is written), the listeners it runs and the collections whose outboxes it relays.

From the name come the durable names (`<name>-<event>`), the database default and the app's
title (`zombilet-<name>`).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fastapi import FastAPI

from zombilet_common.bus.listener import Listener, ServiceListener
from zombilet_common.runtime import serve
from zombilet_common.settings import ServiceSettings, load_settings

S = TypeVar("S", bound=ServiceSettings)
U = TypeVar("U")


@dataclass(frozen=True)
class ServiceDeclaration(Generic[S, U]):
    settings: type[S]
    listeners: Sequence[type[ServiceListener[Any, U]]] = ()
    outbox: Sequence[str] = ()

    @property
    def name(self) -> str:
        return self.settings.service_name

    @property
    def title(self) -> str:
        return f"zombilet-{self.name}"

    def build_listeners(self, use_cases: U) -> list[Listener[Any]]:
        """Every listener of the service, each handing its event to `use_cases`."""
        return [kind(use_cases, service=self.name) for kind in self.listeners]

    def run(self, create_app: Callable[[S], FastAPI]) -> None:
        """Read the settings from the environment (or exit 2 with one line), then serve."""
        serve(load_settings(self.settings), create_app)
