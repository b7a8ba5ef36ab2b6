"""Tools around the envs, behind the ``osim-rl`` command.

* :mod:`osim.tools.bench` -- steps/s next to bare OpenSim integration,
  fast-vs-faithful comparison, memory growth (``osim-rl bench``);
* :mod:`osim.tools.record` -- run, record, save, load and replay episodes
  (``osim-rl run --record``);
* :mod:`osim.tools.plot` -- plots of a recorded episode (``osim-rl plot``;
  needs matplotlib).
"""
