"""Target velocity field of the NeurIPS 2019 "Learn to Move" environment.

Pure numpy; no OpenSim.  It reproduces the field of the 2019 original
(``VTgtField`` of osim-rl 3.0.11; a seed gives the same draws) with four
fixes: its own random generator instead of numpy's global one, seed 0
treated as a seed, (0, 0) instead of NaN at a node lying exactly on the
sink, and plain-numpy interpolation instead of SciPy's removed
``interp2d`` (docs/quirks.md, Q6, Q7, Q45, Q47, Q58).

Frames
------
The field lives in a horizontal *global map* frame:

* x = ground X (forward, the walking direction),
* y = -ground Z (to the model's left),

so the agent pose is ``(x, y, yaw) = (pelvis x, -pelvis z, pelvis_rotation)``;
positive yaw turns the agent to the left (counter-clockwise seen from above).

The *local* field returned by :meth:`TargetField.update` is an array of shape
``(2, 11, 11)`` expressed in the body frame: ``field[0][i][j]`` is the forward
component and ``field[1][i][j]`` the leftward component of the target velocity
at the node with forward offset ``u_i = i - 5`` m and leftward offset
``w_j = j - 5`` m from the pelvis (1 m spacing, +-5 m, so the agent is
node ``(5, 5)``).  Node ``(i, j)`` sits at the global point
``(x, y) + R(yaw) (u_i, w_j)``; the global field there is rotated by
``R(-yaw)`` into the body frame.

Versions (= L2M2019Env difficulty)
----------------------------------
======  ==================================================  =========  =======
version field                                               dtheta     targets
======  ==================================================  =========  =======
0       constant (1.4, 0) m/s in the global frame           --         none
1       consecutive sinks straight ahead                    U(0, 0)    no limit
2       sinks within +-90 deg of the previous heading       U(-pi/2,   no limit
                                                            pi/2)
3       sinks in any direction (Round 2)                    U(-pi, pi) 2
======  ==================================================  =========  =======

Versions 1-3: sink distance r ~ U(5, 7) m (relative to the *previous* sink;
the first one relative to (0, 0)), heading theta_path += dtheta, random phase
phi0 ~ U(-pi, pi), dwell time t0 ~ U(2, 4) s; the agent reaches a target by
staying strictly longer than t0 continuously within r_target = 0.3 m of the
sink.

Global map: an 81 x 81 grid, +-20 m, 0.5 m spacing, centred on the agent
position when it is (re)built (around (0, 0) at reset, whatever the actual
pelvis position), values outside taken from the nearest edge (clamping).
Sink field at node q, with d = |q - p_sink|, d_sink = |p_sink - agent| at the
time the sink was created, mid = 1.3, half = 0.5::

    A = 1.8                                           d > d_sink + 1
    A = mid + half sin(phi0 + 2 pi d / d_sink)        1 < d <= d_sink + 1
    A = d (mid + half sin(phi0 + 2 pi / d_sink))      d <= 1
    value = A (p_sink - q) / d                        (0, 0) if d == 0

Between nodes the field is interpolated bilinearly, one vectorised call for
all query points.  This reproduces SciPy's ``interp2d(kind='linear')`` used by
the original (removed in SciPy 1.14) up to float rounding: FITPACK's
degree-1 spline on a rectangular grid is bilinear, and ``bisplev`` clamps its
arguments to the grid; the corner terms are summed in FITPACK's order.

Randomness and scenarios
------------------------
Each instance owns a ``numpy.random.RandomState`` (legacy MT19937); the
global numpy generator is never touched.  ``seed=None`` continues the
instance's stream, any int (0 included) reseeds it (the original ignored
seed 0).  With the same seed the draws equal the original's, which reseeded
numpy's global generator and drew, per sink, r, dtheta, phi0, t0 with
``np.random.uniform``.

Because sink positions depend only on the draws (not on the agent), reset
pre-draws, in the original's order, every target the episode can use and
exposes them as :attr:`TargetField.scenario`::

    {"targets": [{"p_sink": [x, y], "v_phase0": phi0, "t0_target": t0}, ...]}

``reset(scenario=...)`` replays such a dict instead of drawing.  The
reference distance ``d_sink`` depends on where the agent is when a sink is
created, so it is computed at switch time; :attr:`TargetField.created_targets`
lists the sinks created so far in the layout of the golden files' ``meta
["targets"]`` (``p_sink``, ``d_sink``, ``v_amp_rng``, ``v_phase0``,
``t0_target``, ``map_rng_xy``).

Deviation (documented): pre-drawing consumes the draws of targets the
episode may never reach, so an unseeded follow-up episode (``seed=None``)
continues from a different stream position than the original would.  If the
targets of a (replayed or too short) scenario run out, the scenario length
acts as a target limit exactly like version 3's: reaching the last target
raises the flag once more without creating a sink, and that sink stays.
"""

import math

import numpy as np

__all__ = ["TargetField", "n_targets_bound"]

_TWO_PI = 2.0 * math.pi


def n_targets_bound(version, time_limit_steps, dt=0.01):
    """How many targets an episode of ``time_limit_steps`` steps can use.

    A target is only reached after more than t0 >= 2 s inside r_target, so
    ``time_limit_steps * dt / 2 + 1`` targets suffice; version 3 never creates
    more than 2, version 0 none.
    """
    version = int(version)
    if version == 0:
        return 0
    bound = int(time_limit_steps * dt / 2.0) + 1
    if version == 3:
        return min(bound, 2)
    return bound


class TargetField:
    """Target velocity field (``VTgtField`` of the original) for one env.

    Parameters
    ----------
    version : int
        0, 1, 2 or 3 (= L2M2019Env difficulty), see the module docstring.
    dt : float
        Clock increment per :meth:`update` (the env's step, 0.01 s).
    seed : int or None
        Seeds the instance's generator (None: fresh OS entropy); ignored when
        ``rng`` (a ``numpy.random.RandomState`` to draw from) is given.  The original
        constructor seeded numpy's global generator the same way, so
        ``TargetField(v, seed=s).reset()`` draws like the original's first
        episode with seed ``s``.

    Attributes (after :meth:`reset`)
    --------------------------------
    t, i : clock (s) and number of updates since reset
    i_target : index of the current target (starts at 1)
    t_target : time spent continuously within r_target of the sink
    p_sink : current sink position (global map frame, ndarray (2,)), None in
        version 0
    d_sink, v_phase0, t0_target : parameters of the current sink
    map_rng_xy : ``[[x_min, x_max], [y_min, y_max]]`` of the global map
    scenario : the episode's targets (see module docstring)
    created_targets : sinks created so far (golden-file ``meta["targets"]``
        layout)
    """

    # geometry
    MAP_HALF = 20.0
    MAP_RES = 0.5
    N_MAP = 81
    LOCAL_HALF = 5
    LOCAL_RES = 1.0
    N_LOCAL = 11
    # velocity profile
    V_CONST = (1.4, 0.0)
    V_AMP_RNG = (0.8, 1.8)
    D_DEC = 1.0
    # sink generation
    R_RNG = (5.0, 7.0)
    T0_RNG = (2.0, 4.0)
    PHASE_RNG = (-math.pi, math.pi)
    R_TARGET = 0.3
    DTHETA_RNG = {1: (0.0, 0.0), 2: (-math.pi / 2, math.pi / 2), 3: (-math.pi, math.pi)}
    N_TARGETS = {0: 0, 1: math.inf, 2: math.inf, 3: 2}

    def __init__(self, version, dt=0.01, seed=None, rng=None):
        self._set_version(version)
        self.dt = float(dt)
        # an env passes its own generator, so that seeding the env seeds the field
        self._rng = rng if rng is not None else np.random.RandomState(seed)
        # local grid offsets, flattened in (i, j) row-major order
        off = np.arange(self.N_LOCAL, dtype=np.float64) * self.LOCAL_RES - self.LOCAL_HALF
        u, w = np.meshgrid(off, off, indexing="ij")
        self._uw = np.stack((u.ravel(), w.ravel()))  # (2, 121) body-frame offsets
        self._local_shape = (2, self.N_LOCAL, self.N_LOCAL)
        self._ready = False

    # ------------------------------------------------------------------ setup
    def _set_version(self, version):
        if version not in (0, 1, 2, 3) or isinstance(version, bool):
            raise ValueError("target field version must be 0, 1, 2 or 3, got %r" % (version,))
        self.version = int(version)
        self.n_targets = self.N_TARGETS[self.version]

    def default_n_draw(self, time_limit_steps=None):
        """Targets pre-drawn by :meth:`reset` when ``n_draw`` is None.

        Uses the L2M2019Env time limit of the version (1000 steps for 0-2,
        2500 for 3) unless ``time_limit_steps`` is given.
        """
        if time_limit_steps is None:
            time_limit_steps = 2500 if self.version == 3 else 1000
        return n_targets_bound(self.version, time_limit_steps, self.dt)

    def reset(self, seed=None, scenario=None, n_draw=None, version=None):
        """Start a new episode (the field's clock is 0; call :meth:`update`).

        Parameters
        ----------
        seed : int or None
            Reseed the instance's generator (any int, 0 included); None
            continues the stream.  With a ``scenario`` the generator is still
            reseeded but nothing is drawn.
        scenario : dict or None
            ``{"targets": [{"p_sink": [x, y], "v_phase0": f, "t0_target": f},
            ...]}`` to replay instead of drawing (extra keys are ignored).
        n_draw : int or None
            Number of targets to pre-draw (versions 1-3); default
            :meth:`default_n_draw`.  Version 3 never uses more than 2.
        version : int or None
            Change the version (difficulty) first.
        """
        if version is not None:
            self._set_version(version)
        # validate before touching the episode state (a failed reset leaves
        # the field unusable rather than half reset)
        self._ready = False
        if scenario is not None:
            targets = self._targets_from_scenario(scenario)
        elif n_draw is not None and self.version != 0 and int(n_draw) < 1:
            raise ValueError("versions 1-3 need at least one target (n_draw >= 1)")
        if seed is not None:
            self._rng.seed(int(seed))
        if scenario is None:
            targets = self._draw_targets(int(self.default_n_draw() if n_draw is None else n_draw))
        if self.version == 0:
            targets = []
        else:
            if self.n_targets != math.inf:
                targets = targets[: self.n_targets]
            if not targets:
                raise ValueError("versions 1-3 need at least one target")

        self.t = 0.0
        self.i = 0
        self.i_target = 1
        self.t_target = 0.0
        self.p_sink = None
        self.d_sink = None
        self.v_phase0 = None
        self.t0_target = None
        self.created_targets = []
        self._targets = targets
        self._target_limit = min(self.n_targets, len(targets))
        self.scenario = {
            "targets": [
                {"p_sink": [float(p[0]), float(p[1])], "v_phase0": float(ph), "t0_target": float(t0)}
                for p, ph, t0 in targets
            ]
        }

        self._build_grid(0.0, 0.0)
        if self.version == 0:
            self._vmap = np.empty((2, self.N_MAP, self.N_MAP))
            self._vmap[0] = self.V_CONST[0]
            self._vmap[1] = self.V_CONST[1]
            self._finish_map()
        else:
            self._create_sink(0, 0.0, 0.0)
        self._ready = True

    def _draw_targets(self, n):
        """Pre-draw n targets in the original's order (r, dtheta, phi0, t0)."""
        if self.version == 0:
            return []
        if self.n_targets != math.inf:
            n = min(n, self.n_targets)
        uniform = self._rng.uniform
        lo_th, hi_th = self.DTHETA_RNG[self.version]
        targets = []
        px = py = 0.0
        theta = 0.0
        for k in range(n):
            r = uniform(*self.R_RNG)
            dth = uniform(lo_th, hi_th)
            phi0 = uniform(*self.PHASE_RNG)
            t0 = uniform(*self.T0_RNG)
            theta = dth if k == 0 else theta + dth
            px = px + r * math.cos(theta)
            py = py + r * math.sin(theta)
            targets.append(((px, py), float(phi0), float(t0)))
        return targets

    @staticmethod
    def _targets_from_scenario(scenario):
        try:
            items = scenario["targets"]
        except (TypeError, KeyError):
            raise ValueError("scenario must be a dict with a 'targets' list") from None
        targets = []
        for k, tgt in enumerate(items):
            p = [float(v) for v in tgt["p_sink"]]
            if len(p) != 2:
                raise ValueError("scenario target %d: p_sink must have 2 values" % k)
            phi0 = float(tgt["v_phase0"])
            t0 = float(tgt["t0_target"])
            if not all(math.isfinite(v) for v in (p[0], p[1], phi0, t0)):
                raise ValueError("scenario target %d has non-finite values" % k)
            targets.append(((p[0], p[1]), phi0, t0))
        return targets

    # ------------------------------------------------------------------- maps
    def _build_grid(self, cx, cy):
        n, h, res = self.N_MAP, self.MAP_HALF, self.MAP_RES
        self._xs = (cx - h) + res * np.arange(n, dtype=np.float64)
        self._ys = (cy - h) + res * np.arange(n, dtype=np.float64)
        self.map_rng_xy = [[float(cx - h), float(cx + h)], [float(cy - h), float(cy + h)]]

    def _create_sink(self, k, ax, ay):
        """Make target k (0-based) the current sink; the agent is at (ax, ay)."""
        (px, py), phi0, t0 = self._targets[k]
        self.p_sink = np.array([px, py])
        self.v_phase0 = phi0
        self.t0_target = t0
        self.d_sink = math.hypot(px - ax, py - ay)
        self._sink_field()
        self.created_targets.append(
            {
                "p_sink": [px, py],
                "d_sink": self.d_sink,
                "v_amp_rng": list(self.V_AMP_RNG),
                "v_phase0": phi0,
                "map_rng_xy": [list(self.map_rng_xy[0]), list(self.map_rng_xy[1])],
                "t0_target": t0,
            }
        )

    def _sink_field(self):
        """Fill the map with the sink field (vectorised over the 81 x 81 nodes)."""
        px, py = self.p_sink
        lo, hi = self.V_AMP_RNG
        mid, half = 0.5 * (lo + hi), 0.5 * (hi - lo)
        ds, phi0, ddec = self.d_sink, self.v_phase0, self.D_DEC
        dx = px - self._xs[:, None]  # (81, 1): node -> sink, x
        dy = py - self._ys[None, :]  # (1, 81)
        d = np.sqrt(dx * dx + dy * dy)  # (81, 81), [a, b] = node (xs[a], ys[b])
        amp = np.sin(phi0 + d * (_TWO_PI / ds))
        amp *= half
        amp += mid
        np.copyto(amp, hi, where=d > ds + ddec)
        np.copyto(amp, d * ((mid + half * math.sin(phi0 + _TWO_PI * ddec / ds)) / ddec), where=d <= ddec)
        # direction scale A / d; a node exactly at the sink gives (0, 0), not the original's NaN
        scale = np.divide(amp, d, out=np.zeros_like(d), where=d > 0.0)
        vmap = np.empty((2, self.N_MAP, self.N_MAP))
        np.multiply(dx, scale, out=vmap[0])
        np.multiply(dy, scale, out=vmap[1])
        self._vmap = vmap
        self._finish_map()

    def _finish_map(self):
        """Precompute what interpolation needs for the current map."""
        n = self.N_MAP
        v = self._vmap
        self._origin = np.array([[self._xs[0]], [self._ys[0]]])  # (2, 1)
        self._origin_x, self._origin_y = float(self._xs[0]), float(self._ys[0])
        self._inv_res = 1.0 / self.MAP_RES
        # corner values of every cell (a, b), a, b = 0 .. n-2, flattened to
        # a * (n-1) + b: rows (vx00, vx01, vx10, vx11, vy00, ..., vy11) where
        # the first digit is the x (a) offset and the second the y (b) one.
        k = n - 1
        cells_t = np.empty((2, 2, 2, k, k))
        cells_t[:, 0, 0] = v[:, :-1, :-1]
        cells_t[:, 0, 1] = v[:, :-1, 1:]
        cells_t[:, 1, 0] = v[:, 1:, :-1]
        cells_t[:, 1, 1] = v[:, 1:, 1:]
        self._cells_t = cells_t.reshape(8, k * k)  # (8, cells), for gathers
        self._cells = self._cells_t.T  # (cells, 8) view, for the scalar path

    def global_map(self):
        """Copies of the current global map: ``(xs (81,), ys (81,), values
        (2, 81, 81))`` with ``values[c, a, b]`` the component c (0: x, 1: y)
        at node ``(xs[a], ys[b])``."""
        if not self._ready:
            raise RuntimeError("call reset() first")
        return self._xs.copy(), self._ys.copy(), self._vmap.copy()

    # --------------------------------------------------------- interpolation
    def _interp(self, q):
        """Bilinear interpolation with edge clamping.

        ``q``: (2, N) array of global points (rows x, y).  Returns the (2, N)
        global field (rows vx, vy).  Points outside the map are clamped to
        its edge, like SciPy's ``interp2d`` (FITPACK ``bisplev`` clamps its
        arguments); inside, a point in cell (a, b) with fractional offsets
        (tx, ty) gets ``c00 (1-tx)(1-ty) + c01 (1-tx) ty + c10 tx (1-ty) +
        c11 tx ty``, summed in FITPACK's order.  One call for all points: no
        Python loop.
        """
        m = self.N_MAP - 1  # number of cells per axis
        f = q - self._origin
        f *= self._inv_res
        np.maximum(f, 0.0, out=f)
        np.minimum(f, float(m), out=f)
        idx = f.astype(np.intp)
        np.minimum(idx, m - 1, out=idx)
        np.maximum(idx, 0, out=idx)  # NaN queries: stay in bounds (result NaN)
        cell = idx[0] * m
        cell += idx[1]
        g = self._cells_t.take(cell, axis=1).reshape(2, 2, 2, -1)  # [comp, x corner, y corner, point]
        h = np.empty((2,) + f.shape)  # [corner 0/1, axis, point]
        np.subtract(f, idx, out=h[1])
        np.subtract(1.0, h[1], out=h[0])
        w = g * h[:, 0][:, None, :]  # c * hx
        w *= h[:, 1]  # (c * hx) * hy, as FITPACK
        return w.reshape(2, 4, -1).sum(axis=1)  # summed in order c00, c01, c10, c11

    def global_velocity(self, x, y):
        """Global-frame target velocity (vx, vy) at the global point (x, y).

        This is what L2M2019Env's reward uses (its velocity term, at the
        pelvis position).  Same arithmetic as the vectorised interpolation,
        for one point, in plain Python floats.
        """
        if not self._ready:
            raise RuntimeError("call reset() first")
        m = self.N_MAP - 1
        x, y = float(x), float(y)
        if math.isnan(x) or math.isnan(y):
            raise ValueError("NaN position %r" % ((x, y),))
        fx = min(max((float(x) - self._origin_x) * self._inv_res, 0.0), float(m))
        fy = min(max((float(y) - self._origin_y) * self._inv_res, 0.0), float(m))
        a = min(int(fx), m - 1)
        b = min(int(fy), m - 1)
        tx1, ty1 = fx - a, fy - b
        tx0, ty0 = 1.0 - tx1, 1.0 - ty1
        c = self._cells[a * m + b].tolist()
        vx = c[0] * tx0 * ty0 + c[1] * tx0 * ty1 + c[2] * tx1 * ty0 + c[3] * tx1 * ty1
        vy = c[4] * tx0 * ty0 + c[5] * tx0 * ty1 + c[6] * tx1 * ty0 + c[7] * tx1 * ty1
        return vx, vy

    def global_velocities(self, x, y):
        """Vectorised :meth:`global_velocity`: arrays of x and y (same shape)
        -> (vx, vy) arrays of that shape."""
        if not self._ready:
            raise RuntimeError("call reset() first")
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        x, y = np.broadcast_arrays(x, y)
        v = self._interp(np.stack((x.ravel(), y.ravel())))
        return v[0].reshape(x.shape), v[1].reshape(x.shape)

    def local_field(self, pose):
        """Local (body-frame) field (2, 11, 11) at pose (x, y, yaw); no state change."""
        if not self._ready:
            raise RuntimeError("call reset() first")
        x, y, yaw = float(pose[0]), float(pose[1]), float(pose[2])
        if not (math.isfinite(x) and math.isfinite(y) and math.isfinite(yaw)):
            raise ValueError("non-finite pose %r" % ((x, y, yaw),))
        c, s = math.cos(yaw), math.sin(yaw)
        rot = np.array([[c, -s], [s, c]])
        q = rot @ self._uw  # (2, 121) offsets R(yaw) (u, w)
        q[0] += x
        q[1] += y
        g = self._interp(q)  # global field at the nodes
        return (rot.T @ g).reshape(self._local_shape)  # R(-yaw) into the body frame

    # ----------------------------------------------------------------- update
    def update(self, pose):
        """Advance the field by one dt at agent pose (x, y, yaw).

        Called once at env reset and once per env step (after the physics).
        Returns ``(local_field, flag)``: the (2, 11, 11) body-frame field at
        the pose (a new array) and 1 if a target was reached at this update
        (0 otherwise).
        """
        if not self._ready:
            raise RuntimeError("call reset() first")
        x, y = float(pose[0]), float(pose[1])
        self.t += self.dt
        self.i += 1
        flag = 0
        if self.p_sink is not None:
            if math.hypot(self.p_sink[0] - x, self.p_sink[1] - y) < self.R_TARGET:
                self.t_target += self.dt
            else:
                self.t_target = 0.0
            if self.t_target > self.t0_target and self.i_target <= self._target_limit:
                if self.i_target < self._target_limit:
                    self._next_sink(x, y)
                self.i_target += 1
                self.t_target = 0.0
                flag = 1
        return self.local_field(pose), flag

    def _next_sink(self, x, y):
        # target i_target (1-based) is reached: create target i_target + 1,
        # rebuilding the map around the agent
        self._build_grid(x, y)
        self._create_sink(self.i_target, x, y)
