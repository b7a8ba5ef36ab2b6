"""Training and scale-out: policies on the osim-rl Gymnasium IDs.

* :mod:`osim.training.train` -- stable-baselines3 PPO/SAC: train, resume,
  save, load and evaluate policies (``pip install "osim-rl[train]"``);
* :mod:`osim.training.rllib` -- every ID as a Ray RLlib env, PPO configs for
  a machine or a cluster (``pip install "osim-rl[ray]"``);
* :mod:`osim.training.vector` -- Gymnasium vector envs whose workers spin
  while they wait.

``import osim`` imports none of them; they import their optional
dependencies only when a function needs them.
"""
