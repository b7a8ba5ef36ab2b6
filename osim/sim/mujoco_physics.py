"""The MuJoCo engine: the MuJoCo twin of a built model behind the Physics face.

The model is generated from the same parameter tables as the ``.osim`` file
(:mod:`osim.models.mjcf`); the names of coordinates, bodies, joints,
muscles and forces are OpenSim's, and every read is in OpenSim's ground
frame (X forward, Y up, Z right), in metres, radians and newtons, so that a
task cannot tell which engine it reads, except by the numbers.

Integration: MuJoCo's ``implicitfast`` integrator with steps of
:data:`osim.models.mjcf.TIMESTEP` (1 ms): one env step of 10 ms is 10
``mj_step`` calls with the excitations held (before each, the ligament
torques of OpenSim's CoordinateLimitForce curves are written into
``qfrc_applied``), then one ``mj_forward`` so that
every derived quantity (positions, tendon lengths, muscle forces, contact
forces, accelerations) is of the state after the step. Deterministic: the
same actions from the same reset give the same trajectory, bit for bit,
in every process (MuJoCo runs single-threaded here and draws nothing).

Failure: a non-finite state, or MuJoCo's own warnings of a bad state (it
would silently reset the data), raise :class:`~osim.sim.errors.SimulationError`
and set :attr:`failed` until the next reset, as the OpenSim engine does.

Scenario edits: ``obstacles`` (RunEnv's spheres, moved per episode in the
compiled model), ``ground_friction``, ``arm_target`` (Arm2DEnv's target body)
and ``platforms`` without slots, with the OpenSim edits' handle methods.

Not supported (a clear error): models without a MuJoCo twin, platforms, the
fast model variants and OpenSim integration settings, actuator subsets
other than every muscle, the visualizer.
"""
from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from osim.sim.errors import ModelLoadError, SimulationError
from osim.sim.physics import Physics
from osim.sim.settings import Integration
from osim.models import model_spec as model_spec_of

__all__ = ["MuJoCoPhysics", "SUBSTEPS", "mujoco_available"]


def mujoco_available() -> bool:
    """True when the ``mujoco`` package can be imported (``pip install osim-rl[mujoco]``)."""
    try:
        import mujoco  # noqa: F401
    except ImportError:
        return False
    return True


def _import_mujoco():
    try:
        import mujoco
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ModelLoadError("engine='mujoco' needs the mujoco package: pip install 'osim-rl[mujoco]'") from exc
    return mujoco


def _cross(a, b) -> list[float]:
    """a x b for 3-vectors (np.cross costs more than the rest of a contact record)."""
    a0, a1, a2 = float(a[0]), float(a[1]), float(a[2])
    b0, b1, b2 = float(b[0]), float(b[1]), float(b[2])
    return [a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0]


def _euler_xyz(R: np.ndarray) -> np.ndarray:
    """Body-fixed X-Y-Z angles of a rotation matrix (Simbody's convertRotationToBodyFixedXYZ)."""
    b = math.asin(max(-1.0, min(1.0, R[0, 2])))
    a = math.atan2(-R[1, 2], R[2, 2])
    c = math.atan2(-R[0, 1], R[0, 0])
    return np.array([a, b, c])


class MuJoCoPhysics(Physics):
    """A built gait model simulated by MuJoCo (see the module docstring).

    Takes the keywords the episode passes to every engine; those that only
    mean something to OpenSim (``integrator_accuracy``, ``equilibrate``:
    rigid tendons need no equilibrium) are accepted and ignored.
    """

    engine = "mujoco"

    def __init__(
        self,
        model_path: str | Path,
        *,
        integrator_accuracy: float = 5e-5,
        step_size: float = 0.01,
        visualize: bool = False,
        equilibrate: bool = True,
        initial_excitation: float | None = 1.0,
        edits: Mapping[str, Mapping[str, Any]] | None = None,
        model_variants: Sequence[str] = (),
        integration: "Integration | Mapping[str, Any] | None" = None,
        actuators: Sequence[str] | None = None,
    ) -> None:
        mujoco = _import_mujoco()
        from osim.models.mjcf import MJCF_MODELS, R_MJ_FROM_OS, TIMESTEP, mjcf, with_obstacles, with_target

        self.model_path = Path(model_path)
        name = self.model_path.stem
        if name not in MJCF_MODELS:
            raise ModelLoadError(f"engine='mujoco' runs the built models with a MuJoCo twin "
                                 f"({', '.join(MJCF_MODELS)}); {self.model_path.name} has none")
        from osim.sim.edits import check_edits

        edits = check_edits(edits or {})
        unsupported = [e for e in edits if e not in MUJOCO_EDITS
                       or (e == "platforms" and edits[e]["count"])]
        if unsupported:
            raise ValueError(f"engine='mujoco' does not support the scenario edits {', '.join(unsupported)} yet "
                             f"(it has: obstacles, ground_friction, platforms with count 0, arm_target)")
        if tuple(model_variants):
            raise ValueError("the fast model variants are OpenSim models; engine='mujoco' has its own "
                             "integration (use the default physics preset)")
        integration = Integration.coerce(integration)
        if not integration.is_faithful:
            raise ValueError("integration settings apply to the OpenSim engine; engine='mujoco' integrates "
                             f"with MuJoCo's implicitfast at {TIMESTEP} s")
        if visualize:
            warnings.warn("engine='mujoco' has no visualizer here; running headless (render_mode='rgb_array' "
                          "draws frames)", RuntimeWarning, stacklevel=3)
        self.visualize = False
        self.integrator_accuracy = float(integrator_accuracy)
        self.integration = integration
        self.model_variants = ()
        self.edits = edits
        self.step_size = float(step_size)
        self.twin = mjcf(name)
        self._mj = mujoco
        self._n_obstacles = int(edits.get("obstacles", {}).get("count", 0))
        self._has_target = "arm_target" in edits
        xml = with_obstacles(self.twin.xml, self._n_obstacles)
        if self._has_target:
            xml = with_target(xml)
        try:
            self.model = mujoco.MjModel.from_xml_string(xml)
        except ValueError as exc:
            raise ModelLoadError(f"MuJoCo could not compile the twin of {name}: {exc}") from exc
        self.data = mujoco.MjData(self.model)
        self.substeps = int(round(self.step_size / self.model.opt.timestep))
        if abs(self.substeps * self.model.opt.timestep - self.step_size) > 1e-12:
            raise ValueError(f"step_size {step_size} is not a multiple of MuJoCo's timestep {self.model.opt.timestep}")
        self._R = R_MJ_FROM_OS
        self._resolve(actuators, initial_excitation)
        self._handles = self._make_handles()
        self.failed = False
        self.istep = 0
        self._strength = np.ones(self.n_muscles)
        self._strength_pending = False
        self.reset()

    # ------------------------------------------------------------ names
    def _resolve(self, actuators, initial_excitation) -> None:
        mj, m, tw = self._mj, self.model, self.twin
        cjoint, cdefault = dict(tw.coordinate_joint), dict(tw.coordinate_default)
        self.body_names = tw.body_names
        self.joint_coordinates = dict(tw.joint_coordinates)
        if self._has_target:  # OpenSim adds the target's joint, coordinates and body last
            from osim.sim.edits.target import TARGET_BODY, TARGET_COORDINATES, TARGET_JOINT

            for c in TARGET_COORDINATES:
                cjoint[c], cdefault[c] = None, 0.0
            self.joint_coordinates[TARGET_JOINT] = TARGET_COORDINATES
            self.body_names = self.body_names + (TARGET_BODY,)
        self._cdefault = cdefault
        self.coordinate_names = tuple(cjoint)
        self.joint_names = tuple(self.joint_coordinates)
        self.muscle_names = tuple(mu.name for mu in tw.muscles)
        self.n_muscles = len(self.muscle_names)
        if actuators is not None:
            asked = [actuators] if isinstance(actuators, str) else list(actuators)
            if not all(a in ("Muscle", "Thelen2003Muscle") or a in self.muscle_names for a in asked) \
                    or set(asked) & set(self.muscle_names) and set(asked) != set(self.muscle_names):
                raise ValueError("engine='mujoco' drives every muscle of the model (actuators=None); "
                                 f"got actuators={actuators!r}")
        self.actuator_names = self.muscle_names
        self.n_actuators = self.n_muscles
        self.actuator_types = ("Thelen2003Muscle",) * self.n_muscles
        self.control_low = np.zeros(self.n_muscles)
        self.control_high = np.ones(self.n_muscles)
        self.actuator_state_names = ()
        self.force_names = tw.force_names + tuple(f"{i}-force" for i in range(self._n_obstacles))
        self.marker_names = tuple(mk.name for mk in model_spec_of(self.model_path.stem).markers)
        self._marker_site = {n: mj.mj_name2id(m, mj.mjtObj.mjOBJ_SITE, f"marker-{n}") for n in self.marker_names}
        self.initial_excitation = None if initial_excitation is None else float(initial_excitation)
        self._initial_controls = np.full(self.n_muscles, 0.0 if initial_excitation is None
                                         else float(initial_excitation))
        # coordinates -> qpos / dof addresses (-1: locked, a constant)
        qadr, dadr = [], []
        for c in self.coordinate_names:
            j = cjoint[c]
            if j is None:
                qadr.append(-1)
                dadr.append(-1)
            else:
                jid = mj.mj_name2id(m, mj.mjtObj.mjOBJ_JOINT, j)
                qadr.append(int(m.jnt_qposadr[jid]))
                dadr.append(int(m.jnt_dofadr[jid]))
        self._qadr = np.array(qadr)
        self._dadr = np.array(dadr)
        self._free = self._qadr >= 0
        self._fixed_q = np.array([0.0 if a >= 0 else cdefault[c]
                                  for c, a in zip(self.coordinate_names, qadr)])
        self._coord_index = {c: k for k, c in enumerate(self.coordinate_names)}
        self._couplings = []
        for cp in tw.couplings:
            jid = mj.mj_name2id(m, mj.mjtObj.mjOBJ_JOINT, cp.joint)
            k = self._coord_index[cp.driver]
            self._couplings.append((int(m.jnt_qposadr[jid]), int(m.jnt_dofadr[jid]), k, cp))
        self._body_id = {b: mj.mj_name2id(m, mj.mjtObj.mjOBJ_BODY, b) for b in self.body_names}
        self._body_ids = np.array([self._body_id[b] for b in self.body_names])
        self._act_ids = np.array([mj.mj_name2id(m, mj.mjtObj.mjOBJ_ACTUATOR, n) for n in self.muscle_names])
        self._ten_ids = np.array([mj.mj_name2id(m, mj.mjtObj.mjOBJ_TENDON, n) for n in self.muscle_names])
        self._lts = np.array([mu.LT for mu in tw.muscles])
        # MuJoCo's normalised length (ten_length - LT) / L0 -> fibre length along the tendon (lopt cos a0 at 1)
        self._along_scale = np.array([mu.optimal_fiber_length * math.cos(mu.pennation) / mu.L0 for mu in tw.muscles])
        self._lopt = np.array([mu.optimal_fiber_length for mu in tw.muscles])
        self._height = self._lopt * np.sin([mu.pennation for mu in tw.muscles])
        self._nominal_force = np.array([mu.force for mu in tw.muscles])
        self.nominal_max_isometric_force = np.array([mu.max_isometric_force for mu in tw.muscles])
        # contacts: per force, its sphere geoms and bodies, and the geom they touch (the ground or an obstacle)
        self._contact_geoms = {}
        self._counter_geom = {}
        self._floor = mj.mj_name2id(m, mj.mjtObj.mjOBJ_GEOM, "platform")
        for fname, members in tw.contacts.items():
            self._contact_geoms[fname] = [(mj.mj_name2id(m, mj.mjtObj.mjOBJ_GEOM, g), body) for g, body in members]
            self._counter_geom[fname] = self._floor
        spheres = {g: (mj.mj_name2id(m, mj.mjtObj.mjOBJ_GEOM, g), body)
                   for members in tw.contacts.values() for g, body in members}
        self._obstacle_geoms = []
        from osim.sim.edits.obstacles import FOOT_SPHERES

        for i in range(self._n_obstacles):
            self._contact_geoms[f"{i}-force"] = [spheres[g] for g in FOOT_SPHERES]
            gid = mj.mj_name2id(m, mj.mjtObj.mjOBJ_GEOM, f"{i}-contact")
            self._counter_geom[f"{i}-force"] = gid
            self._obstacle_geoms.append(gid)
        self._ligaments = tw.ligaments
        self._locked_ligaments = {g.name: g for g in tw.locked_ligaments}
        self._ligament_index = {g.name: k for k, g in enumerate(tw.ligaments)}
        self._lig_q = np.array([self._qadr[self._coord_index[g.coordinate]] for g in tw.ligaments], dtype=np.intp)
        self._lig_d = np.array([self._dadr[self._coord_index[g.coordinate]] for g in tw.ligaments], dtype=np.intp)
        _lig = tw.ligaments
        self._lig_up = np.array([g.upper_limit for g in _lig])
        self._lig_lo = np.array([g.lower_limit for g in _lig])
        self._lig_tr = np.array([g.transition for g in _lig])
        self._lig_inv_tr = 1.0 / self._lig_tr
        self._lig_kup = np.array([g.upper_stiffness for g in _lig])
        self._lig_klo = np.array([g.lower_stiffness for g in _lig])
        self._lig_damp = np.array([g.damping for g in _lig])
        self._total_mass = float(np.sum(m.body_mass))
        self._bones = [(p, c) for p, c in tw.joint_bodies.values() if p in self._body_id and c in self._body_id]
        self._wrap_site = int(mj.mjtWrap.mjWRAP_SITE)
        self._warn_kinds = (mj.mjtWarning.mjWARN_BADQACC, mj.mjtWarning.mjWARN_BADQPOS, mj.mjtWarning.mjWARN_BADQVEL)

    # ------------------------------------------------------------ lifecycle
    def reset(self, coordinates: Mapping[str, float] | None = None,
              speeds: Mapping[str, float] | None = None) -> None:
        mj, m, d = self._mj, self.model, self.data
        if self._strength_pending:
            force = self._nominal_force * self._strength
            m.actuator_gainprm[self._act_ids, 2] = force
            m.actuator_biasprm[self._act_ids, 2] = force
            self._strength_pending = False
        mj.mj_resetData(m, d)
        if self._has_target:
            self._handles["arm_target"].place(0.0, 0.0, forward=False)  # the default state's target
        q = np.array([self._cdefault[c] for c in self.coordinate_names])
        u = np.zeros(len(q))
        for name, value in (coordinates or {}).items():
            q[self._index(name)] = float(value)
        for name, value in (speeds or {}).items():
            u[self._index(name)] = float(value)
        d.qpos[:] = 0.0
        d.qvel[:] = 0.0
        d.qpos[self._qadr[self._free]] = q[self._free]
        d.qvel[self._dadr[self._free]] = u[self._free]
        for qa, da, k, cp in self._couplings:  # the coupled slides where their constraints hold
            d.qpos[qa] = cp.value(q[k])
            d.qvel[da] = cp.slope(q[k]) * u[k]
        d.act[:] = 0.05  # Thelen2003Muscle's default activation, as OpenSim's reset
        d.ctrl[:] = self._initial_controls
        d.time = 0.0
        d.qfrc_applied[self._lig_d] = self._ligament_torques()
        mj.mj_forward(m, d)
        self.istep = 0
        self.failed = False
        self._acc_ready = False
        self._desc_cache = None
        self._warnings = self._warning_counts()

    def _index(self, name: str) -> int:
        try:
            return self._coord_index[name]
        except KeyError:
            raise KeyError(f"unknown coordinate {name!r}; the model has {', '.join(self.coordinate_names)}") from None

    def _warning_counts(self) -> tuple[int, ...]:
        return tuple(int(self.data.warning[k].number) for k in self._warn_kinds)

    def step(self) -> None:
        if self.failed:
            raise SimulationError("the last step failed; reset() before stepping again")
        mj, m, d = self._mj, self.model, self.data
        self.istep += 1
        self._desc_cache = None
        self._acc_ready = False
        lig_d = self._lig_d
        with np.errstate(invalid="ignore", over="ignore"):  # a blown-up state is reported below
            for _ in range(self.substeps):
                d.qfrc_applied[lig_d] = self._ligament_torques()
                mj.mj_step(m, d)
            d.qfrc_applied[lig_d] = self._ligament_torques()
            mj.mj_forward(m, d)
        if self._warning_counts() != self._warnings or not (
                np.isfinite(d.qpos).all() and np.isfinite(d.qvel).all() and np.isfinite(d.act).all()
                and np.isfinite(d.qacc).all()):
            self.failed = True
            raise SimulationError(f"the MuJoCo simulation became unstable (non-finite or bad state) at step "
                                  f"{self.istep}")

    def set_excitations(self, values: Sequence[float]) -> None:
        new = np.asarray(values, dtype=np.float64)
        if new.shape != (self.n_actuators,):
            raise ValueError(f"expected {self.n_actuators} controls, got shape {new.shape}")
        self.data.ctrl[self._act_ids] = new

    set_controls = set_excitations

    def get_excitations(self) -> np.ndarray:
        return self.data.ctrl[self._act_ids].copy()

    def set_activations(self, values: Sequence[float]) -> None:
        values = np.asarray(values, dtype=np.float64)
        if values.shape != (self.n_muscles,):
            raise ValueError(f"expected {self.n_muscles} activations, got shape {values.shape}")
        self.data.act[self._act_ids] = np.clip(values, 0.01, 1.0)
        self._mj.mj_forward(self.model, self.data)
        self._acc_ready = False
        self._desc_cache = None

    def set_strengths(self, multipliers: Sequence[float]) -> None:
        multipliers = np.asarray(multipliers, dtype=np.float64)
        if multipliers.shape != (self.n_muscles,):
            raise ValueError(f"expected {self.n_muscles} strength multipliers, got shape {multipliers.shape}")
        self._strength = multipliers.copy()
        self._strength_pending = True

    def _make_handles(self) -> dict[str, Any]:
        handles: dict[str, Any] = {}
        if "obstacles" in self.edits:
            handles["obstacles"] = _Obstacles(self)
        if "ground_friction" in self.edits:
            handles["ground_friction"] = _GroundFriction(self)
        if self._has_target:
            handles["arm_target"] = _Target(self)
        if "platforms" in self.edits:
            from osim.sim.edits import _NoPlatforms

            handles["platforms"] = _NoPlatforms()
        return handles

    def edit(self, name: str) -> Any:
        try:
            return self._handles[name]
        except KeyError:
            raise KeyError(f"this model has no {name!r} edit (added at load: "
                           f"{', '.join(self._handles) or 'none'})") from None

    def close(self) -> None:
        self.data = None
        self.model = None
        self._desc_cache = None

    @property
    def time(self) -> float:
        return float(self.data.time)

    # ------------------------------------------------------------ reads
    def q(self) -> np.ndarray:
        out = self._fixed_q.copy()
        out[self._free] = self.data.qpos[self._qadr[self._free]]
        return out

    def u(self) -> np.ndarray:
        out = np.zeros(len(self.coordinate_names))
        out[self._free] = self.data.qvel[self._dadr[self._free]]
        return out

    def udot(self) -> np.ndarray:
        out = np.zeros(len(self.coordinate_names))
        out[self._free] = self.data.qacc[self._dadr[self._free]]
        return out

    def coordinate_value(self, name: str) -> float:
        return float(self.q()[self._index(name)])

    def _os(self, v_mj: np.ndarray) -> np.ndarray:
        """A MuJoCo world vector in OpenSim's ground frame."""
        return self._R.T @ v_mj

    def body_position(self, name: str) -> np.ndarray:
        return self._os(self.data.xpos[self._body_id[name]])

    def _velocity(self, name: str) -> np.ndarray:
        res = np.zeros(6)
        self._mj.mj_objectVelocity(self.model, self.data, self._mj.mjtObj.mjOBJ_XBODY, self._body_id[name], res, 0)
        return res

    def _ensure_acc(self) -> None:
        if not self._acc_ready:
            self._mj.mj_rnePostConstraint(self.model, self.data)
            self._acc_ready = True

    def _acceleration(self, name: str, kind=None) -> np.ndarray:
        self._ensure_acc()
        res = np.zeros(6)
        kind = self._mj.mjtObj.mjOBJ_XBODY if kind is None else kind
        self._mj.mj_objectAcceleration(self.model, self.data, kind, self._body_id[name], res, 0)
        # MuJoCo's accelerations include the gravity offset of its RNE (the world accelerates at -g)
        res[3:] += self.model.opt.gravity
        return res

    def body_velocity(self, name: str) -> np.ndarray:
        return self._os(self._velocity(name)[3:])

    def body_angular_velocity(self, name: str) -> np.ndarray:
        return self._os(self._velocity(name)[:3])

    def body_acceleration(self, name: str) -> np.ndarray:
        return self._os(self._acceleration(name)[3:])

    def body_angular_acceleration(self, name: str) -> np.ndarray:
        return self._os(self._acceleration(name)[:3])

    def body_rotation_xyz(self, name: str) -> np.ndarray:
        R = self._R.T @ self.data.xmat[self._body_id[name]].reshape(3, 3)
        return _euler_xyz(R)

    def mass_center_position(self) -> np.ndarray:
        d = self.data
        m = self.model.body_mass
        return self._os((m[:, None] * d.xipos).sum(axis=0) / self._total_mass)

    def mass_center_velocity(self) -> np.ndarray:
        mj, m, d = self._mj, self.model, self.data
        total = np.zeros(3)
        res = np.zeros(6)
        for b in range(1, m.nbody):
            if m.body_mass[b] > 0:
                mj.mj_objectVelocity(m, d, mj.mjtObj.mjOBJ_BODY, b, res, 0)
                total += m.body_mass[b] * res[3:]
        return self._os(total / self._total_mass)

    def mass_center_acceleration(self) -> np.ndarray:
        mj, m, d = self._mj, self.model, self.data
        self._ensure_acc()
        total = np.zeros(3)
        res = np.zeros(6)
        for b in range(1, m.nbody):
            if m.body_mass[b] > 0:
                mj.mj_objectAcceleration(m, d, mj.mjtObj.mjOBJ_BODY, b, res, 0)
                total += m.body_mass[b] * (res[3:] + m.opt.gravity)
        return self._os(total / self._total_mass)

    def muscle_activations(self) -> np.ndarray:
        return self.data.act[self._act_ids].copy()

    def actuator_states(self) -> np.ndarray:
        return np.zeros(0)

    def controls(self) -> np.ndarray:
        return self.get_excitations()

    def muscle_fibers(self) -> np.ndarray:
        """Activation, fibre length, fibre velocity, fibre force.

        The fibre's length along the tendon is MuJoCo's normalised length times lopt cos(pennation0) (1 is
        the optimal fibre length), its length and pennation follow from constant thickness; the fibre
        force is the tendon force over cos(pennation).
        """
        d = self.data
        along = (d.ten_length[self._ten_ids] - self._lts) * self._along_scale
        along_v = d.ten_velocity[self._ten_ids] * self._along_scale
        lm = np.sqrt(along * along + self._height * self._height)
        lm_safe = np.maximum(lm, 1e-9)
        cos_a = np.clip(along / lm_safe, 1e-3, 1.0)
        out = np.empty((self.n_muscles, 4))
        out[:, 0] = d.act[self._act_ids]
        out[:, 1] = lm
        out[:, 2] = along * along_v / lm_safe
        out[:, 3] = -d.actuator_force[self._act_ids] / cos_a
        return out

    def muscle_lengths(self) -> np.ndarray:
        """Musculotendon (path) lengths of the muscles (m)."""
        return self.data.ten_length[self._ten_ids].copy()

    def force_record(self, name: str) -> list[float]:
        """OpenSim's record layout: a contact force gives the force and torque (about ground's origin) on
        ground, then per sphere the force and torque (about the body origin) on its body; a ligament gives
        its torque and its spring's potential energy (OpenSim's two record values)."""
        if name in self._contact_geoms:
            return self._contact_record(name)
        if name in self._ligament_index:
            k = self._ligament_index[name]
            return [float(self._ligament_torques()[k]), self._ligament_energy(k)]
        if name in self._locked_ligaments:
            from osim.models.mjcf import ligament_torque

            g = self._locked_ligaments[name]
            q = float(self._fixed_q[self._coord_index[g.coordinate]])
            if g.lower_limit <= q <= g.upper_limit:
                return [0.0, 0.0]
            edge, k = (g.upper_limit, g.upper_stiffness) if q > g.upper_limit else (g.lower_limit, g.lower_stiffness)
            return [float(ligament_torque(g, q, 0.0)), _spring_energy(q, edge, k, g.transition)]
        if name in self.twin.springs:
            coordinate, stiffness, rest, viscosity = self.twin.springs[name]
            k = self._coord_index[coordinate]
            return [float(-stiffness * (self.q()[k] - rest) - viscosity * self.u()[k])]
        if name in self.muscle_names:
            k = self.muscle_names.index(name)
            return [float(-self.data.actuator_force[self._act_ids[k]])]
        if name in self.force_names:
            return []
        raise KeyError(f"unknown force {name!r}; the model has {', '.join(self.force_names)}")

    def _ligament_torques(self) -> np.ndarray:
        """The ligaments' torques now (OpenSim's CoordinateLimitForce, :func:`osim.models.mjcf.ligament_torque`)."""
        d = self.data
        q, qd = d.qpos[self._lig_q], d.qvel[self._lig_d]
        # beyond the upper limit (+) and below the lower one (-), as fractions of the transition
        dq_up = q - self._lig_up
        dq_lo = self._lig_lo - q
        x_up = np.minimum(np.maximum(dq_up * self._lig_inv_tr, 0.0), 1.0)
        x_lo = np.minimum(np.maximum(dq_lo * self._lig_inv_tr, 0.0), 1.0)
        s_up = x_up * x_up * x_up * (10 + x_up * (6 * x_up - 15))
        s_lo = x_lo * x_lo * x_lo * (10 + x_lo * (6 * x_lo - 15))
        return -self._lig_kup * s_up * dq_up + self._lig_klo * s_lo * dq_lo - self._lig_damp * (s_up + s_lo) * qd

    def _ligament_energy(self, k: int) -> float:
        """The potential energy of ligament ``k``'s spring: its torque (without damping) integrated from the limit."""
        q = float(self.data.qpos[self._lig_q[k]])
        up, lo, tr = self._lig_up[k], self._lig_lo[k], self._lig_tr[k]
        if lo <= q <= up:
            return 0.0
        edge, stiffness = (up, self._lig_kup[k]) if q > up else (lo, self._lig_klo[k])
        return _spring_energy(q, edge, stiffness, tr)

    def _contact_record(self, name: str) -> list[float]:
        mj, m, d = self._mj, self.model, self.data
        entries = self._contact_geoms[name]
        counter = self._counter_geom[name]
        per_geom = {gid: (np.zeros(3), np.zeros(3)) for gid, _ in entries}  # force on the sphere, point
        f6 = np.zeros(6)
        for i in range(d.ncon):
            con = d.contact[i]
            g1, g2 = con.geom1, con.geom2
            if g1 in per_geom and g2 == counter:
                gid = g1
            elif g2 in per_geom and g1 == counter:
                gid = g2
            else:
                continue
            if con.efc_address < 0:
                continue
            mj.mj_contactForce(m, d, i, f6)
            # the contact frame's rows in world, the normal (first) from geom1 to geom2: f6 acts on geom2
            force_world = con.frame.reshape(3, 3).T @ f6[:3]
            f_sphere = force_world if gid == g2 else -force_world
            acc_f, _ = per_geom[gid]
            acc_f += f_sphere
            per_geom[gid] = (acc_f, con.pos.copy())
        out_ground_f = np.zeros(3)
        out_ground_t = np.zeros(3)
        rows = []
        for gid, body in entries:
            f_mj, p_mj = per_geom[gid]
            f = self._os(f_mj)
            if not f.any():
                rows.append([0.0] * 6)
                continue
            p = self._os(p_mj)
            r = p - self.body_position(body)
            rows.append(list(f) + _cross(r, f))
            out_ground_f -= f
            out_ground_t -= _cross(p, f)
        record = list(out_ground_f) + list(out_ground_t)
        for r in rows:
            record += r
        return [float(x) for x in record]

    def _marker(self, name: str) -> int:
        try:
            return self._marker_site[name]
        except KeyError:
            raise KeyError(f"unknown marker {name!r}; the model has "
                           f"{', '.join(self.marker_names) or 'none'}") from None

    def marker_position(self, name: str) -> np.ndarray:
        return self._os(self.data.site_xpos[self._marker(name)])

    def _marker_kinematics(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        mj, sid = self._mj, self._marker(name)
        vel, acc = np.zeros(6), np.zeros(6)
        mj.mj_objectVelocity(self.model, self.data, mj.mjtObj.mjOBJ_SITE, sid, vel, 0)
        self._ensure_acc()
        mj.mj_objectAcceleration(self.model, self.data, mj.mjtObj.mjOBJ_SITE, sid, acc, 0)
        acc[3:] += self.model.opt.gravity
        return self.marker_position(name), self._os(vel[3:]), self._os(acc[3:])

    # ------------------------------------------------------ state description
    def state_desc(self) -> dict[str, Any]:
        """The state description with the OpenSim engine's keys (:mod:`osim.sim.state_desc`)."""
        if self._desc_cache is not None:
            return self._desc_cache
        q, u, udot = self.q(), self.u(), self.udot()
        col = self._coord_index
        desc: dict[str, Any] = {}
        for key, arr in (("joint_pos", q), ("joint_vel", u), ("joint_acc", udot)):
            desc[key] = {j: [float(arr[col[c]]) for c in cs] for j, cs in self.joint_coordinates.items()}
        for key in ("body_pos", "body_vel", "body_acc", "body_pos_rot", "body_vel_rot", "body_acc_rot"):
            desc[key] = {}
        for name in self.body_names:
            vel = self._velocity(name)
            acc = self._acceleration(name)
            desc["body_pos"][name] = [float(x) for x in self.body_position(name)]
            desc["body_vel"][name] = [float(x) for x in self._os(vel[3:])]
            desc["body_acc"][name] = [float(x) for x in self._os(acc[3:])]
            desc["body_pos_rot"][name] = [float(x) for x in self.body_rotation_xyz(name)]
            desc["body_vel_rot"][name] = [float(x) for x in self._os(vel[:3])]
            desc["body_acc_rot"][name] = [float(x) for x in self._os(acc[:3])]
        desc["forces"] = {name: self.force_record(name) for name in self.force_names}
        fib = self.muscle_fibers()
        desc["muscles"] = {
            name: {"activation": float(fib[k, 0]), "fiber_length": float(fib[k, 1]),
                   "fiber_velocity": float(fib[k, 2]), "fiber_force": float(fib[k, 3])}
            for k, name in enumerate(self.muscle_names)
        }
        desc["markers"] = {}
        for name in self.marker_names:
            pos, vel, acc = self._marker_kinematics(name)
            desc["markers"][name] = {"pos": [float(x) for x in pos], "vel": [float(x) for x in vel],
                                     "acc": [float(x) for x in acc]}
        desc["misc"] = {
            "mass_center_pos": [float(x) for x in self.mass_center_position()],
            "mass_center_vel": [float(x) for x in self.mass_center_velocity()],
            "mass_center_acc": [float(x) for x in self.mass_center_acceleration()],
        }
        self._desc_cache = desc
        return desc

    def scene(self, full: bool = False) -> dict:
        """Bones, muscle paths and contact spheres in OpenSim's ground frame (:mod:`osim.render`)."""
        d, m = self.data, self.model
        pos = {b: tuple(float(x) for x in self.body_position(b)) for b in self.body_names}
        muscles = []
        for k, (name, tid) in enumerate(zip(self.muscle_names, self._ten_ids)):
            adr, num = m.tendon_adr[tid], m.tendon_num[tid]
            points = []
            for w in range(adr, adr + num):
                if m.wrap_type[w] != self._wrap_site:
                    continue  # a wrapping surface, not a path point
                sid = m.wrap_objid[w]
                points.append(tuple(float(x) for x in self._os(d.site_xpos[sid])))
            muscles.append({"name": name, "points": points, "activation": float(d.act[self._act_ids[k]]),
                            "side": "l" if name.endswith("_l") else "r"})
        contacts = []
        geoms = [gid for fname in self.twin.contacts for gid, _ in self._contact_geoms[fname]]
        for gid in geoms + self._obstacle_geoms:
            contacts.append({"name": self._mj.mj_id2name(m, self._mj.mjtObj.mjOBJ_GEOM, gid),
                             "center": tuple(float(x) for x in self._os(d.geom_xpos[gid])),
                             "radius": float(m.geom_size[gid, 0])})
        return {
            "segments": [(pos[a], pos[b]) for a, b in self._bones],
            "muscles": muscles,
            "contacts": contacts,
            "ground": {"height": 0.0},
            "follow": pos[self.body_names[0]],
        }


#: MuJoCo steps per 10 ms env step
SUBSTEPS = 10


def _spring_energy(q: float, edge: float, stiffness: float, transition: float) -> float:
    """A CoordinateLimitForce spring's potential energy at q beyond its limit ``edge``: its torque (without
    damping) integrated from the limit."""
    x = np.linspace(0.0, abs(q - edge), 65)
    t = np.clip(x / transition, 0.0, 1.0)
    torque = stiffness * t * t * t * (10 + t * (6 * t - 15)) * x
    return float(np.sum((torque[1:] + torque[:-1]) * np.diff(x)) / 2)

#: the scenario edits (:mod:`osim.sim.edits`) the MuJoCo engine implements (platforms: only 0 slots)
MUJOCO_EDITS = ("obstacles", "ground_friction", "platforms", "arm_target")


class _Target:
    """``place(x, y)``: Arm2DEnv's target body, fixed in the ground (its coordinates tx, ty report where)."""

    def __init__(self, physics: MuJoCoPhysics) -> None:
        from osim.sim.edits.target import TARGET_BODY, TARGET_OFFSET_Z

        self.physics = physics
        self._bid = physics._body_id[TARGET_BODY]
        self._cols = (physics._coord_index["tx"], physics._coord_index["ty"])
        self._z = TARGET_OFFSET_Z

    def place(self, x: float, y: float, forward: bool = True) -> None:
        p = self.physics
        p.model.body_pos[self._bid] = p._R @ np.array([float(x), float(y), self._z])
        p._fixed_q[self._cols[0]], p._fixed_q[self._cols[1]] = float(x), float(y)
        if forward:
            p._mj.mj_forward(p.model, p.data)
            p._acc_ready = False
            p._desc_cache = None


class _Obstacles:
    """``place([(x, y, r), ...])``: the obstacle spheres of RunEnv, moved and sized in the compiled model."""

    def __init__(self, physics: MuJoCoPhysics) -> None:
        self.physics = physics
        self.count = physics._n_obstacles

    def place(self, obstacles: Sequence[Sequence[float]]) -> None:
        from osim.models.mjcf import OBSTACLE_HIDDEN

        obstacles = [tuple(float(v) for v in o) for o in obstacles]
        if len(obstacles) > self.count:
            raise ValueError(f"{len(obstacles)} obstacles given, but the env was built for at most {self.count}")
        p = self.physics
        m = p.model
        for i, gid in enumerate(p._obstacle_geoms):
            x, y, r = obstacles[i] if i < len(obstacles) else OBSTACLE_HIDDEN
            m.geom_pos[gid] = p._R @ np.array([x, y, 0.0])
            m.geom_size[gid, 0] = r
            m.geom_rbound[gid] = r
            m.geom_aabb[gid] = (0.0, 0.0, 0.0, r, r, r)
        p._desc_cache = None


class _GroundFriction:
    """``set((static, dynamic, viscous) or None)``, ``nominal``: the foot-ground friction.

    MuJoCo's contact has one (Coulomb) coefficient: the static one is used; dynamic and viscous
    friction are not modelled (docs/mujoco.md).
    """

    def __init__(self, physics: MuJoCoPhysics) -> None:
        from osim.models import spec as S
        from osim.models import model_spec
        from osim.sim.edits.terrain import GROUND_FORCES

        self.physics = physics
        forces = {f.name: f for f in model_spec(physics.model_path.stem).forces if isinstance(f, S.HuntCrossley)}
        names = [n for n in GROUND_FORCES if n in forces]
        f = forces[names[0]]
        self.nominal = (float(f.static_friction), float(f.dynamic_friction), float(f.viscous_friction))
        self._geoms = [gid for n in names for gid, _ in physics._contact_geoms[n]]
        self._current = self.nominal

    def set(self, friction: Sequence[float] | None) -> None:
        friction = self.nominal if friction is None else tuple(float(v) for v in friction)
        self.physics.model.geom_friction[self._geoms, 0] = friction[0]
        self._current = friction
