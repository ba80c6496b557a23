"""The Mesa agent every organisation is: the commissioner and each provider.

Mesa 3.3.1 numbers each model's agents from a counter it keeps in a dictionary on
`mesa.Agent` itself, keyed by the model. That dictionary holds every model ever
built, with its claimants' columns and accounts, for as long as the process lives
(mesa issue 3179; fixed after 3.3.1, the latest release, by mesa pull request 3180).
The processes that exist to build many models kept them all: a Dask worker of a
sweep or a calibration, the app's Spread worker, the app's server across a lesson.
Here the counters are keyed weakly, so a model is freed once nothing else holds it;
its agents are numbered as before (1, 2, 3, ... per model).
"""

from __future__ import annotations

import itertools
import weakref

import mesa


class AgentNumbers(weakref.WeakKeyDictionary):
    """Each model's counter of agent ids, held only while the model lives."""

    def __getitem__(self, model: mesa.Model) -> itertools.count:
        try:
            return super().__getitem__(model)
        except KeyError:
            counter = self[model] = itertools.count(1)
            return counter


class Organisation(mesa.Agent):
    """A Mesa agent whose model can be freed (see the module's docstring)."""

    # `mesa.Agent.__init__` takes `self._ids[model]`: this class's, not Mesa's.
    _ids = AgentNumbers()
